"""The student notebooks ``exercises/<assignment>.ipynb``, made from ASSIGNMENTS.

The notebooks are generated (and a test checks the stored ones match), so the
questions, points and answer cells can never drift from the assignment
definitions.  Every answer cell starts with the line ``qK = None`` that the
student edits, which also lets tests and graders fill answers in mechanically.

    python -m buddy_edu.exercises.course.student_notebooks exercises/
"""

from __future__ import annotations

import sys
from pathlib import Path

from ...core import InvalidRequest
from ..build_your_own.harness import CALL_SECONDS
from ..questions.feedback import LEVELS
from ..registry import kind_spec
from .assignments import ASSIGNMENTS, PLACEHOLDER_ID, get_assignment

DATA_LINE = 96  # characters of course data per line of a course notebook's data cell

HOW_TO = """\
**How it works**

1. Put your student id in the next cell and run it. Your questions are made for your id, so
   your neighbour's numbers are different.
2. For each question, run the `ex.show(...)` cell to see it, then write your answer in place of
   `None` in the cell below and run that cell. {check}
3. Write answers the way you like: `65536`, `"64K"` or `"1.5M"` for a size; `(0, "64K")`,
   `[0, 65536]` or `"0-64K"` for the block at 0 of size 64K; a list (or a set) of those for
   several blocks.
4. Finish with `ex.check_all()`, then hand in: {hand_in} The grader runs the notebook again
   and checks your answers the same way `ex.check` does; what the notebook printed does not
   count.
"""

# The same steps for an assignment answered with functions (build your own).
HOW_TO_FUNCTIONS = """\
**How it works**

1. Put your student id in the next cell and run it. The calls your functions are checked on
   come from random traces made for your id.
2. {contract}
3. For each question, run the `ex.show(...)` cell to read what the function must do, then
   replace the `raise NotImplementedError(...)` line with your code and run the cell. {check}
   A function earns its points when it agrees with the allocator on every call. Your
   functions may call each other (`liberate` may use your `avail_unlink`).
4. Finish with `ex.check_all()`, then hand in: {hand_in} The grader runs the notebook again
   in a sandbox and then calls your functions itself, on the same calls, with at most
   {seconds:g} s per call: a function that raises or runs too long earns 0 for itself only.
   What the notebook printed does not count.
"""

# How to hand in, in the first cell of every exercise notebook (JupyterLab and JupyterLite).
HAND_IN = ("run `ex.download()`, the last cell: it saves the notebook and downloads a copy with "
           "your answers, named `{name}-<your id>.ipynb`, to your downloads folder; hand in that "
           "file. (*File → Save*, then *File → Download* gives the same notebook.) In the "
           "browser version of the course your work is kept in this browser only: download "
           "before you leave, and again after every change.")

FUNCTION_CHECKS = {
    "full": ("`ex.check(...)` runs your function on the calls the grader will make and tells "
             "you at once whether it earns its points; if not, it shows the first call where "
             "it differs from the allocator (never the allocator's result)."),
    "mark": ("`ex.check(...)` shows only ✓ or ✗ for your function. The points are the "
             "grader's, the same as the mark you see."),
    "none": ("`ex.check(...)` only tells you whether your function could be called; it is "
             "marked when your notebook is graded."),
}

CHECKS = {
    "full": ("`ex.check(...)` tells you at once whether the answer is right, partly right or "
             "wrong, and why, but never what the answer is. Try again as often as you like."),
    "mark": ("`ex.check(...)` shows only ✓ (right), ◐ (partly right) or ✗ (wrong), and names "
             "the misconception when your answer matches a well-known one; it does not explain "
             "further. The points are the grader's, the same as the mark you see."),
    "none": ("`ex.check(...)` only tells you whether your answer could be read; it is marked "
             "when your notebook is graded."),
}


PRACTICE = ("**Practice mode.** These questions are made from your id by a rule anyone with "
            "the kit can run, so anyone can also make their answers: they are for practice and "
            "self-study, not graded work. A course's graded notebook comes from your "
            "instructor.")
COURSE = ("**{course}: graded work.** Your questions were made for you by your instructor; "
          "their answers are not in this notebook, and the grader marks your answers from "
          "its own copy.")


def build(assignment: str, feedback: str | None = None, course: str | None = None,
          release: str | None = None):
    """The student notebook of ``assignment`` as an ``nbformat`` notebook, without outputs.

    ``feedback`` (``full``, ``mark`` or ``none``) overrides the assignment's own level.
    Without ``release`` it is the practice notebook; with ``release`` (the encoded course
    data of :mod:`.release`) it is course ``course``'s graded notebook for the whole class.
    """
    import nbformat.v4 as v4

    spec = get_assignment(assignment)
    level = spec.feedback if feedback is None else feedback
    if level not in LEVELS:
        raise InvalidRequest(f"feedback must be one of {', '.join(LEVELS)}, got {feedback!r}")
    override = "" if feedback is None or release is not None else f', feedback="{level}"'
    lessons = " and ".join(f"`{lesson}`" for lesson in spec.lessons)
    plural = "s" if len(spec.lessons) > 1 else ""
    mode = PRACTICE if release is None else COURSE.format(course=course or "Course")
    cells = [
        v4.new_markdown_cell(
            f"# Exercise: {spec.title}\n\n{mode}\n\nThis exercise goes with the "
            f"lesson{plural} {lessons}. {spec.intro}\n\nThere are {len(spec.slots)} "
            f"questions worth {spec.max_score} points. Feedback before grading: "
            f"**{level}**.\n\n{_how_to(spec, level)}"),
    ]
    if release is not None:
        data = v4.new_code_cell(data_cell_source(release))
        data.metadata["jupyter"] = {"source_hidden": True}
        data.metadata["tags"] = ["buddy-edu-course-data"]
        cells.append(data)
    given = "" if release is None else ", release=RELEASE"
    cells.append(v4.new_code_cell(
        "import buddy_edu.exercises\n\n"
        "# Put YOUR student id between the quotes (letters, digits and . _ - @), then run.\n"
        f'ex = buddy_edu.exercises.start("{spec.name}", student="{PLACEHOLDER_ID}"'
        f"{override}{given})"))
    for qid, slot in zip(spec.question_ids, spec.slots, strict=True):
        kind = kind_spec(slot.kind)
        unit = "point" if slot.points == 1 else "points"
        if kind.answer_cell is not None:  # answered with a function the student writes
            answer = kind.answer_cell(qid, slot.options)
            heading = f"{kind.title}: {slot.options['function']}"
            how = "Write the function in the cell below, run it, and it is checked at once."
        else:
            answer = (f"{qid} = None  # your answer, e.g. {kind.form.example}\n"
                      f'ex.check("{qid}", {qid})')
            heading, how = kind.title, f"Answer with {kind.form.text}."
        cells += [
            v4.new_markdown_cell(f"## {qid} · {heading} ({slot.points} {unit})\n\n{how}"),
            v4.new_code_cell(f'ex.show("{qid}")'),
            v4.new_code_cell(answer),
        ]
    cells += [
        v4.new_markdown_cell("## Your score\n\nRun this cell to check every answer again and "
                             "see the total."),
        v4.new_code_cell("ex.check_all()"),
        v4.new_markdown_cell("## Hand in\n\nRun this cell: it saves the notebook and "
                             f"downloads it with your answers as `{spec.name}-<your id>.ipynb`. "
                             "Hand in that file. The button it shows downloads it again."),
        v4.new_code_cell("ex.download()"),
    ]
    for number, cell in enumerate(cells):
        cell["id"] = f"{spec.name}-{number:02d}"  # stable ids: regenerating changes nothing
    notebook = v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


def data_cell_source(text: str) -> str:
    """The notebook cell that holds the course data, wrapped into short lines."""
    lines = [text[i:i + DATA_LINE] for i in range(0, len(text), DATA_LINE)] or [""]
    body = "\n".join(f'    "{line}"' for line in lines)
    return ("# Course data: every student's questions, without the answers. Do not edit;\n"
            "# run this cell, then put your id in the next one.\n"
            f"RELEASE = (\n{body}\n)")


def _how_to(spec, level: str) -> str:
    """The notebook's instructions: for answers given as values, or as functions."""
    hand_in = HAND_IN.format(name=spec.name)
    if all(kind_spec(slot.kind).answer_cell is not None for slot in spec.slots):
        return HOW_TO_FUNCTIONS.format(check=FUNCTION_CHECKS[level], seconds=CALL_SECONDS,
                                       contract=_contract(spec), hand_in=hand_in)
    return HOW_TO.format(check=CHECKS[level], hand_in=hand_in)


def _contract(spec) -> str:
    """Step 2 of the functions' instructions: the data the assignment's functions work on."""
    from ..build_your_own.catalog import SPECS
    from ..build_your_own.contract import LESSON_TEXT
    from ..build_your_own.knuth import FAMILY, MEMORY_TEXT

    names = [slot.options["function"] for slot in spec.slots]
    if any(SPECS[name].family == FAMILY for name in names):
        text = "`block_size` is lesson 6's, as a warm-up. " + MEMORY_TEXT
    else:
        text = LESSON_TEXT
    return "\n   ".join(_wrap(text))


def _wrap(text: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, 92)


def write_all(folder: str | Path, feedback: str | None = None) -> list[Path]:
    """Write every assignment's notebook into ``folder``; returns the paths."""
    import nbformat

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in ASSIGNMENTS:
        path = folder / f"{name}.ipynb"
        nbformat.write(build(name, feedback), path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write_all(sys.argv[1] if len(sys.argv) > 1 else "exercises"):
        print(written)
