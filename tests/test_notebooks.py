"""The lesson notebooks: they run top to bottom, are stored clean, and teach in one shape.

Every lesson is executed with nbclient in a fresh ``python3`` kernel (the
interpreter running the tests), from the ``notebooks/`` folder so relative
links resolve; any error or any text on stderr (a warning the student would
see) fails the test.  Structure tests check what instructors rely on: each
lesson states objectives, asks for a prediction, has 2-4 quick checks, ends
with a summary, points to a graded exercise that exists, and names sources.
"""

from __future__ import annotations

import re
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


@pytest.mark.parametrize("name", LESSONS)
def test_every_lesson_states_its_expected_time_at_the_top(name):
    title = read(name).cells[0].source
    assert re.search(r"\*About \d+(–\d+)? minutes\.\*", title), title[:200]
    guide = (ROOT / "docs" / "teaching-guide.md").read_text(encoding="utf-8")
    assert f"(../notebooks/{name})" in guide  # the instructor's guide plans with it


def visible(cell, unfolded: bool = False) -> str:
    """What a student sees of a cell before unfolding anything: Markdown outside <details>,
    and the text of outputs that are not folded (``jupyter.outputs_hidden``).  With
    ``unfolded``, everything the cell can show."""
    if cell.cell_type == "markdown":
        return cell.source if unfolded else re.sub(r"<details>.*?</details>", "",
                                                   cell.source, flags=re.S)
    if not unfolded and cell.get("metadata", {}).get("jupyter", {}).get("outputs_hidden"):
        return ""
    texts = []
    for output in cell.get("outputs", []):
        texts.append(output.get("text", ""))
        for kind in ("text/plain", "text/html", "text/markdown"):
            texts.append(str(output.get("data", {}).get(kind, "")))
    return "\n".join(texts)


def reveals(cell) -> bool:
    """A cell that holds an answer back until the student asks for it."""
    folded = cell.get("metadata", {}).get("jupyter", {}).get("outputs_hidden", False)
    return folded or (cell.cell_type == "markdown" and "<details>" in cell.source)


@pytest.mark.kernel
@pytest.mark.parametrize("name", COURSE)
def test_no_answer_shows_before_the_student_has_predicted(name):
    """Every Predict prompt names its answer's telltale words (cell metadata
    ``buddy_edu.predict``); after Run All, no cell up to the first folded reveal after the
    prompt shows them."""
    nb = executed(name)
    prompts = [(i, cell.metadata["buddy_edu"]["predict"]) for i, cell in enumerate(nb.cells)
               if "predict" in cell.get("metadata", {}).get("buddy_edu", {})]
    assert len(prompts) >= 2, "mark the Predict prompts with their answers"
    for index, answers in prompts:
        assert "**Predict" in nb.cells[index].source
        reveal = next((j for j in range(index + 1, len(nb.cells)) if reveals(nb.cells[j])),
                      None)
        assert reveal is not None, f"cell {index}: nothing folds its answer away"
        shown = "\n".join(visible(cell) for cell in nb.cells[:reveal + 1])
        everything = "\n".join(visible(cell, unfolded=True) for cell in nb.cells)
        for answer in answers:
            assert answer in everything, f"{answer!r} is not the lesson's answer any more"
            assert answer not in shown, f"cell {index}: {answer!r} shows before the reveal"
