"""The student notebooks ``exercises/<assignment>.ipynb``, made from ASSIGNMENTS.

The notebooks are generated (and a test checks the stored ones match), so the
questions, points and answer cells can never drift from the assignment
definitions.  Every answer cell starts with the line ``qK = None`` that the
student edits, which also lets tests and graders fill answers in mechanically.

    python -m buddy_edu.exercises.student_notebooks exercises/
"""

from __future__ import annotations

import sys
from pathlib import Path

from .assignments import ASSIGNMENTS, PLACEHOLDER_ID, get_assignment
from .question import kind_spec

HOW_TO = """\
**How it works**

1. Put your student id in the next cell and run it. Your questions are made for your id, so
   your neighbour's numbers are different.
2. For each question, run the `ex.show(...)` cell to see it, then write your answer in place of
   `None` in the cell below and run that cell: `ex.check(...)` tells you at once whether the
   answer is right, partly right or wrong, and why, but never what the answer is. Try again as
   often as you like.
3. Write answers the way you like: `65536` or `"64K"` for a size; `(0, "64K")`, `[0, 65536]` or
   `"0-64K"` for the block at 0 of size 64K; a list of those for several blocks.
4. Finish with `ex.check_all()` for your score, save the notebook and hand it in. The grader
   runs it again and checks your answers itself; what the notebook printed does not count.
"""


def build(assignment: str):
    """The student notebook of ``assignment`` as an ``nbformat`` notebook, without outputs."""
    import nbformat.v4 as v4

    spec = get_assignment(assignment)
    lessons = " and ".join(f"`{lesson}`" for lesson in spec.lessons)
    plural = "s" if len(spec.lessons) > 1 else ""
    cells = [
        v4.new_markdown_cell(
            f"# Exercise: {spec.title}\n\nThis exercise goes with the lesson{plural} "
            f"{lessons}. {spec.intro}\n\nThere are {len(spec.slots)} questions worth "
            f"{spec.max_score} points.\n\n{HOW_TO}"),
        v4.new_code_cell(
            "import buddy_edu.exercises\n\n"
            "# Put YOUR student id between the quotes (letters, digits and . _ - @), then run.\n"
            f'ex = buddy_edu.exercises.start("{spec.name}", student="{PLACEHOLDER_ID}")'),
    ]
    for qid, slot in zip(spec.question_ids, spec.slots, strict=True):
        kind = kind_spec(slot.kind)
        unit = "point" if slot.points == 1 else "points"
        cells += [
            v4.new_markdown_cell(f"## {qid} · {kind.title} ({slot.points} {unit})\n\n"
                                 f"Answer with {kind.form}."),
            v4.new_code_cell(f'ex.show("{qid}")'),
            v4.new_code_cell(f"{qid} = None  # your answer, e.g. {kind.example}\n"
                             f'ex.check("{qid}", {qid})'),
        ]
    cells += [
        v4.new_markdown_cell("## Your score\n\nRun this cell to check every answer again and "
                             "see the total. Then save the notebook and hand it in."),
        v4.new_code_cell("ex.check_all()"),
    ]
    for number, cell in enumerate(cells):
        cell["id"] = f"{spec.name}-{number:02d}"  # stable ids: regenerating changes nothing
    notebook = v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


def write_all(folder: str | Path) -> list[Path]:
    """Write every assignment's notebook into ``folder``; returns the paths."""
    import nbformat

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in ASSIGNMENTS:
        path = folder / f"{name}.ipynb"
        nbformat.write(build(name), path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write_all(sys.argv[1] if len(sys.argv) > 1 else "exercises"):
        print(written)
