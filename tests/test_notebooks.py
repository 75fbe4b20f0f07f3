"""The lesson notebooks: they run top to bottom, are stored clean, and teach in one shape.

Every lesson is executed with nbclient in a fresh ``python3`` kernel (the
interpreter running the tests), from the ``notebooks/`` folder so relative
links resolve; any error or any text on stderr (a warning the student would
see) fails the test.  Structure tests check what instructors rely on: each
lesson states objectives, asks for a prediction, has 2-4 quick checks, ends
with a summary, points to a graded exercise that exists, and names sources.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
from html import escape, unescape
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from buddy_edu.exercises import ASSIGNMENTS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LESSONS = [
    "00-start-here.ipynb",
    "01-splitting.ipynb",
    "02-freeing-and-coalescing.ipynb",
    "03-fragmentation.ipynb",
    "04-placement-policies.ipynb",
    "05-buddy-allocation-in-linux.ipynb",
    "06-build-your-own.ipynb",
]
COURSE = LESSONS[1:]  # the lessons proper; 00 is the tour
CELL_TIMEOUT = 120  # seconds; a lesson takes about 2 s here


def read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def markdown(nb) -> list[str]:
    return [cell.source for cell in nb.cells if cell.cell_type == "markdown"]


def code(nb) -> list[str]:
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def section(nb, heading: str) -> str:
    """The text of the Markdown cell holding ``## heading``, from the heading to the next one."""
    for text in markdown(nb):
        match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
        if match:
            return match.group(1)
    raise AssertionError(f"no '## {heading}' section")


def test_the_course_is_these_seven_notebooks():
    assert sorted(path.name for path in NOTEBOOKS.glob("*.ipynb")) == LESSONS


@pytest.mark.parametrize("name", LESSONS)
def test_stored_without_outputs_execution_counts_or_widget_state(name):
    nb = read(name)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: a code cell has stored outputs"
            assert cell.execution_count is None, f"{name}: a code cell has an execution count"
    assert "widgets" not in nb.metadata, f"{name}: saved widget state"
    assert nb.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("name", LESSONS)
def test_every_lesson_has_objectives_summary_and_an_exercise_pointer(name):
    nb = read(name)
    objectives = section(nb, "Learning objectives")
    assert len(re.findall(r"^\d\. ", objectives, re.M)) >= 3, "number the objectives, 3 or more"
    assert len(re.findall(r"^- ", section(nb, "Summary"), re.M)) >= 3
    pointer = section(nb, "Graded exercise")
    linked = re.findall(r"\(\.\./exercises/([a-z-]+)\.ipynb\)", pointer)
    assert linked, "link the graded exercise as ../exercises/NAME.ipynb"
    for assignment in linked:
        assert assignment in ASSIGNMENTS, f"{assignment!r} is not an assignment"
        assert (ROOT / "exercises" / f"{assignment}.ipynb").is_file()


@pytest.mark.parametrize("name", COURSE)
def test_every_lesson_asks_to_predict_has_quick_checks_and_names_sources(name):
    nb = read(name)
    assert any("**Predict" in text for text in markdown(nb)), "ask for a prediction"
    assert any("Stepper" in source for source in code(nb)), "let the Stepper reveal"
    checks = sum(source.count("QuickCheck(") for source in code(nb))
    assert 2 <= checks <= 4, f"{checks} quick checks; a lesson has 2 to 4"
    sources = section(nb, "Sources")
    assert len(re.findall(r"^- ", sources, re.M)) >= 2


def test_lessons_link_to_each_other_in_order():
    for before, after in zip(LESSONS, LESSONS[1:], strict=False):
        assert f"({after})" in "".join(markdown(read(before))), f"{before} should link {after}"


_EXECUTED: dict[str, nbformat.NotebookNode] = {}


def executed(name: str) -> nbformat.NotebookNode:
    """The lesson run top to bottom in a fresh kernel (once per test session)."""
    if name not in _EXECUTED:
        nb = read(name)
        client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                resources={"metadata": {"path": str(NOTEBOOKS)}})
        client.execute()  # raises CellExecutionError on the first error
        _EXECUTED[name] = nb
    return _EXECUTED[name]


@pytest.mark.kernel
@pytest.mark.parametrize("name", LESSONS)
def test_lesson_runs_top_to_bottom_without_errors_or_warnings(name):
    nb = executed(name)
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            assert output.output_type != "error", f"cell {index} raised"
            if output.output_type == "stream":
                assert output.name == "stdout", f"cell {index} wrote to stderr: {output.text}"


def test_quick_checks_in_the_lessons_mark_the_right_answers_right():
    """The quick checks the lessons build accept the answer the lesson text leads to."""
    from buddy_edu.exercises import (
        block_size,
        buddy_address,
        buddy_pfn,
        buddyinfo,
        merge_count,
        policy_landing,
        will_succeed,
    )

    assert block_size("200K", "1M", "64K").check("256K").score == 1
    assert buddy_address("192K", "64K", "1M", "64K").check("128K").score == 1
    assert buddy_address(12 * 4096, 4 * 4096, 1024 * 4096, 4096).check(8 * 4096).score == 1
    middle = ("memory 256K min 64K\nA = alloc 64K\nB = alloc 64K\nC = alloc 64K\n"
              "D = alloc 64K\nfree B\nfree C\n")
    assert will_succeed(middle, "128K").check("fails: external fragmentation").score == 1
    recent = ("memory 1M min 64K\nA = alloc 64K\nB = alloc 64K\nC = alloc 128K\n"
              "P = alloc 64K\nQ = alloc 64K\nfree A\nfree P\n")
    assert policy_landing(recent, "64K", "lifo").check("256K").score == 1
    assert policy_landing(recent, "64K", "lowest").check("0").score == 1
    assert block_size("40K", "1M", "64K").check("64K").score == 1  # lesson 00
    assert buddy_pfn(20, 2).check(16).score == 1  # lesson 05: 20 XOR 4
    assert buddyinfo("memory 32K min 4K policy lifo\n", "page = alloc 4K\n").check(
        "[1, 1, 1, 0]").score == 1  # expand(): one free upper half per order
    wiki = ("memory 1M min 64K\nA = alloc 34K\nB = alloc 66K\nC = alloc 35K\nD = alloc 67K\n"
            "free B\nfree D\nfree A\n")
    assert merge_count(wiki, "C").check("4").score == 1


def test_lesson_facts_follow_their_sources():
    """Facts an instructor checked against the sources the lessons name (issue 11)."""
    from examples import WIKIPEDIA

    def text(name: str) -> str:
        return "\n".join(cell.source for cell in read(name).cells)

    coalescing = text("02-freeing-and-coalescing.ipynb")
    frees = [line for line in WIKIPEDIA.splitlines() if line.startswith("free")]
    assert "\n".join(frees) in coalescing  # Wikipedia frees B, D, A, C
    assert "frees B, D, A and C" in coalescing
    linux = text("05-buddy-allocation-in-linux.ipynb")
    assert "MAX_PAGE_ORDER" in linux and "is the kit's allocator with" not in linux
    start = text("00-start-here.ipynb")
    assert "whenever the buddy is free" not in start
    # The core ideas an instructor expects (issue 11), each with its source named.
    for idea in ("TAG", "KVAL", "PageBuddy", "O(log N)", "must be told the block's size"):
        assert idea in coalescing, idea
    assert "several top-level blocks" in linux and "mm/memblock.c" in linux
    placement = text("04-placement-policies.ipynb")
    assert "segregated lists" in placement and "Free-Space Management" in placement
    # Building one: Knuth splits the buddy system into reservation and liberation.
    build = text("06-build-your-own.ipynb")
    for fact in ("algorithm R", "Algorithm R (buddy system", "algorithm S",
                 "Algorithm S (buddy system", "chapter 17", "Free-Space Management"):
        assert fact in build, fact


def flat_text(name: str) -> str:
    """A lesson's Markdown and code as one line of words (line breaks do not split facts)."""
    return " ".join("\n".join(cell.source for cell in read(name).cells).split())


def test_corrected_facts_follow_their_sources():
    """The corrections of issue 21, each checked against the source the lesson names."""
    linux = flat_text("05-buddy-allocation-in-linux.ipynb")
    for fact in (  # MAX_ORDER's history: Linux 2.4, 2.6..6.3, 6.4 (23baf831a32c), 6.8
            "`MAX_ORDER` = 10, *exclusive* (`free_area[MAX_ORDER]`): orders 0 to 9",
            "from 2.6 to 6.3: `MAX_ORDER` = 11 by default, still exclusive: orders 0 to 10",
            "Linux 6.4 made `MAX_ORDER` *inclusive*", "Linux 6.8 renamed it `MAX_PAGE_ORDER`",
            "`CONFIG_ARCH_FORCE_MAX_ORDER`", "23baf831a32c", "The trouble with MAX_ORDER"):
        assert fact in linux, fact
    assert "called `MAX_ORDER` before Linux 6.8; order 10" not in linux
    coalescing = flat_text("02-freeing-and-coalescing.ipynb")
    for fact in (  # where the buddy facts live; what a reserved block keeps; the cost
            "*Every* block has a **TAG** bit", "keeps them *outside* the block, in the "
            "`struct page`", "`free_area_t.map`", "A reserved block keeps only `TAG = 0`",
            "by default 10 on x86-64 with 4 KiB pages", "exercise 2.5-20", "O(n) per level",
            "Knuth's `k` is *absolute*", "`L ← AVAILB[j]`"):
        assert fact in coalescing, fact
    assert "Allocators keep both facts in the free block itself" not in coalescing
    for name in LESSONS:  # R takes the rear of its list: neither lowest nor lifo
        text = flat_text(name)
        assert "free lists are stacks" not in text and "grew out of" not in text, name
    assert "Knuth's Algorithm R takes the smallest order too" in flat_text(
        "04-placement-policies.ipynb")
    build = flat_text("06-build-your-own.ipynb")
    assert "`in` and `.remove` search the list" in build and "returns nothing at all" in build
    assert "compare(mine)" in build and "Hint 3" in build
    assert "Orders in this kit count from the minimum block" in flat_text("01-splitting.ipynb")
    fragmentation = flat_text("03-fragmentation.ipynb")
    assert "it is **not** at most half of the request" in fragmentation
    assert "The bound is half of the *block*" in fragmentation
    start = flat_text("00-start-here.ipynb")
    assert "`ex.download()`" in start and "*File → Download*" in start
    guide = " ".join((ROOT / "docs" / "teaching-guide.md").read_text(encoding="utf-8").split())
    assert "planned" not in guide and "grew out of" not in guide


def test_the_worked_r_and_s_trace_is_the_cores():
    """Lesson 2's table of AVAIL lists after each operation is what the core's free lists
    are (one word per unit), and the Stepper below it replays the same script."""
    from buddy_edu import run_script

    nb = read("02-freeing-and-coalescing.ipynb")
    rows = [line for cell in nb.cells if cell.cell_type == "markdown"
            for line in cell.source.splitlines() if line.startswith("| ") and "⟨" in line]
    script = next(cell.source for cell in nb.cells if "KNUTH = " in cell.source)
    script = script.split('"""')[1]
    run = run_script(script)
    ends = [0] + [run.operation_span(op).stop for op in range(run.operation_count())]
    assert len(rows) == len(ends) == 7
    for row, end in zip(rows, ends, strict=True):
        cells = [part.strip() for part in row.strip("|").split("|")]
        table = [[int(x) for x in re.findall(r"\d+", lists)] for lists in cells[2:]]
        run.seek(end)
        core = run.free_lists()
        assert table == [core[1 << k] for k in range(1, 5)], row
        assert core[1] == [], row  # AVAIL[0] stays empty, as the lesson says


@pytest.mark.parametrize("name", LESSONS)
def test_every_lesson_states_its_expected_time_at_the_top(name):
    title = read(name).cells[0].source
    assert re.search(r"\*About \d+(–\d+)? minutes\.\*", title), title[:200]
    guide = (ROOT / "docs" / "teaching-guide.md").read_text(encoding="utf-8")
    assert f"(../notebooks/{name})" in guide  # the instructor's guide plans with it


# ------------------------------------------------------------------ predict before reveal
#: A sentence that asks the student to predict ("**Predict.**", "Predict how many ...",
#: "then predict where ..."); "predict mode", "a Predict prompt" and ``predict=True`` name
#: the feature and ask nothing.
PROMPT = re.compile(r"\bpredict\b(?![\s*`-]*(?:mode|prompt|=))", re.I)
DETAILS = re.compile(r"<details\b.*?</details>", re.S | re.I)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: Widget fields a student reads without touching anything (a tooltip needs a hover).
WIDGET_TEXT = ("value", "description", "placeholder", "_options_labels", "titles")


def plain(html: str) -> str:
    """The words of some HTML, as a reader sees them: no tags, styles or entities."""
    html = re.sub(r"<style\b.*?</style>", " ", html, flags=re.S | re.I)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def unfolded_part(text: str) -> str:
    """What stays on screen of Markdown or HTML while every <details> is closed."""
    return DETAILS.sub(" ", text)


def folded_part(text: str) -> str:
    """The text inside the <details> folds of Markdown or HTML."""
    return " ".join(match.group(0) for match in DETAILS.finditer(text))


def widget_texts(nb, model_id: str) -> list[str]:
    """The text a widget shows after Run All, before anyone touches it: its own fields and its
    children's, as the kernel left them (a child laid out with display none is not shown)."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    model = state.get(model_id)
    if model is None:
        return []
    fields = model["state"]
    layout = state.get(str(fields.get("layout", "")).removeprefix("IPY_MODEL_"), {})
    if layout.get("state", {}).get("display") == "none":
        return []
    texts = []
    for key in WIDGET_TEXT:
        value = fields.get(key)
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, list | tuple):
            texts += [str(item) for item in value]
    for key, value in fields.items():
        if key in ("layout", "style"):
            continue
        children = value if isinstance(value, list) else [value]
        for child in children:
            if isinstance(child, str) and child.startswith("IPY_MODEL_"):
                texts += widget_texts(nb, child.removeprefix("IPY_MODEL_"))
    return texts


def outputs_html(nb, cell) -> list[str]:
    """Every output of a code cell as HTML or text, widgets as the text they show."""
    shown = []
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if WIDGET_VIEW in data:
            shown += widget_texts(nb, data[WIDGET_VIEW]["model_id"])
        elif "text/html" in data:
            shown.append(str(data["text/html"]))
        elif "text/markdown" in data:
            shown.append(str(data["text/markdown"]))
        else:
            shown.append(escape(str(output.get("text", data.get("text/plain", "")))))
    return shown


def on_screen(nb, cell) -> str:
    """What a student sees of a cell after Run All with every fold closed.  Only HTML
    <details> folds count: JupyterLab's own folding (``outputs_hidden``,
    ``source_hidden``) is ignored, since VS Code, Colab and GitHub's viewer show it all."""
    if cell.cell_type == "markdown":
        return plain(unfolded_part(cell.source))
    parts = [escape(cell.source)] + [unfolded_part(html) for html in outputs_html(nb, cell)]
    return plain(" ".join(parts))


def in_folds(nb, cell) -> str:
    """What a cell shows only once a fold is opened."""
    if cell.cell_type == "markdown":
        return plain(folded_part(cell.source))
    return plain(" ".join(folded_part(html) for html in outputs_html(nb, cell)))


OBJECTIVES = re.compile(r"^## Learning objectives\s*$.*?(?=^#|\Z)", re.M | re.S)


def prompts(nb) -> list[int]:
    """The cells whose visible words ask the student to predict (the learning objectives
    promise that a student will be able to predict, and ask nothing)."""
    return [index for index, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
            and PROMPT.search(OBJECTIVES.sub("", unfolded_part(cell.source)))]


def said(words: str, text: str) -> bool:
    """Whether ``text`` says ``words``: case, spacing and Markdown's `code` and *emphasis*
    marks aside."""
    def flat(value: str) -> str:
        return " ".join(value.replace("`", "").replace("*", "").lower().split())

    return flat(words) in flat(text)


@pytest.mark.parametrize("name", LESSONS)
def test_every_predict_prompt_names_its_answer(name):
    """Found by its words, every prompt names the words of its answer (cell metadata
    ``buddy_edu.predict``), and every cell so marked is a prompt."""
    nb = read(name)
    found = prompts(nb)
    if name in COURSE:
        assert len(found) >= 2, "a lesson asks for at least two predictions"
    marked = [index for index, cell in enumerate(nb.cells)
              if cell.get("metadata", {}).get("buddy_edu", {}).get("predict")]
    assert found == marked, (f"prompts found by their words: {found}; cells naming their "
                             f"answers (metadata buddy_edu.predict): {marked}")


@pytest.mark.kernel
@pytest.mark.parametrize("name", LESSONS)
def test_no_answer_shows_before_the_student_has_predicted(name):
    """After Run All, every prediction's answer stays folded until the student opens it:
    its words are nowhere on screen, in this lesson up to the fold that holds them (prose,
    code, outputs and the text of every widget) or in the lessons before it, and they are in
    that fold.  A fold is an HTML <details> (which JupyterLab, Notebook 7, VS Code, Colab and
    GitHub all fold), never JupyterLab's own output folding."""
    earlier = " ".join(on_screen(executed(other), cell) for other in LESSONS[:LESSONS.index(name)]
                       for cell in executed(other).cells)
    nb = executed(name)
    for index in prompts(nb):
        answers = nb.cells[index].get("metadata", {}).get("buddy_edu", {}).get("predict", [])
        assert answers, f"cell {index} asks to predict but names no answer (buddy_edu.predict)"
        reveal = next((j for j in range(index, len(nb.cells))
                       if any(said(words, in_folds(nb, nb.cells[j])) for words in answers)),
                      None)
        assert reveal is not None, f"cell {index}: no fold after it holds its answer"
        shown = earlier + " " + " ".join(on_screen(nb, cell) for cell in nb.cells[:reveal + 1])
        for words in answers:
            assert not said(words, shown), f"cell {index}: {words!r} shows before the fold"


def lesson_predict_steppers(name: str) -> list:
    """The predict-mode Steppers a lesson makes, built in this process by running its code
    cells in order up to the last one that makes one (no kernel: only the widgets' Python
    side, whose text is what the browser shows)."""
    cells = [cell.source for cell in read(name).cells if cell.cell_type == "code"]
    last = max((i for i, source in enumerate(cells) if "predict=True" in source), default=-1)
    namespace: dict = {"__name__": "lesson"}
    found = []
    with contextlib.redirect_stdout(io.StringIO()):
        for source in cells[:last + 1]:
            tree = ast.parse(source)
            tail = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            exec(compile(tree, name, "exec"), namespace)
            value = eval(compile(ast.Expression(tail.value), name, "eval"), namespace) \
                if tail is not None else None
            if "predict=True" in source:
                found.append(value)
    return found


def widget_words(widget) -> str:
    """The words a widget and its shown children display (HTML as text), not its tooltips."""
    layout = getattr(widget, "layout", None)
    if layout is not None and getattr(layout, "display", None) == "none":
        return ""
    words = []
    for attribute in ("value", "description", "placeholder"):
        value = getattr(widget, attribute, None)
        if isinstance(value, str):
            words.append(plain(value))
    words += [str(label) for label in getattr(widget, "_options_labels", ()) or ()]
    for child in getattr(widget, "children", ()) or ():
        words.append(widget_words(child))
    return " ".join(words)


@pytest.mark.parametrize("name", ["00-start-here.ipynb", "01-splitting.ipynb",
                                  "02-freeing-and-coalescing.ipynb", "03-fragmentation.ipynb"])
def test_predict_mode_steppers_hold_back_the_count_and_the_stats_that_answer(name):
    """At every question a lesson's predict-mode Stepper asks, what it shows gives away
    neither how many events are coming ("Step k of N") nor the stats row that answers an
    allocation question (the largest free block's size)."""
    steppers = lesson_predict_steppers(name)
    assert steppers
    for stepper in steppers:
        asked = 0
        while stepper.question is not None and asked < 40:
            shown = widget_words(stepper)
            assert not re.search(r"\bStep \d+ of \d+", shown), (name, asked, shown[:300])
            if stepper.allocator.event_at(stepper.position).kind != "free":  # a request
                assert not re.search(r"largest free(?: block)?\s+\d", shown, re.I), (
                    name, asked)
            stepper.answer(stepper.question.choices[0][1])
            stepper.next_operation()
            asked += 1
        assert asked, "the Stepper asked nothing"
