"""The student side of buddy_edu.exercises: start/show/check/check_all and the notebooks."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from buddy_edu import InvalidRequest, run_script
from buddy_edu.exercises import ASSIGNMENTS, Feedback, answer_key, start, variant
from buddy_edu.exercises.course.notebook_api import GRADING_ENV, Summary, _picture
from buddy_edu.exercises.course.student_notebooks import build

EXERCISES = Path(__file__).resolve().parent.parent / "exercises"
ANSWER_LINE = re.compile(r"^(q\d+) = None\b.*$", re.MULTILINE)
# Assignments answered with values; build-your-own is answered with functions and has
# its own notebook tests in test_build_your_own.py.
VALUE_ASSIGNMENTS = sorted(name for name, spec in ASSIGNMENTS.items()
                           if all(slot.kind != "function" for slot in spec.slots))


@pytest.fixture
def interactive(monkeypatch):
    monkeypatch.delenv(GRADING_ENV, raising=False)


@pytest.fixture
def graded(monkeypatch):
    monkeypatch.setenv(GRADING_ENV, "1")


def fill(notebook, student: str, answers: dict) -> None:
    """Do what a student does: put the id in, and replace each ``qK = None`` line."""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.source = cell.source.replace('student="your-id"', f"student={student!r}")
        cell.source = ANSWER_LINE.sub(
            lambda match: f"{match.group(1)} = {answers[match.group(1)]!r}", cell.source)


# ------------------------------------------------------------------ the API
def test_start_check_and_check_all(interactive):
    ex = start("coalescing", student="alice")
    assert [q.id for q in ex.questions] == [f"q{n}" for n in range(1, len(ex.questions) + 1)]
    assert ex.questions == variant("coalescing", "alice")
    key = answer_key("coalescing", "alice")
    assert ex.check("q1", key["q1"]) == Feedback(1.0, ex.check("q1", key["q1"]).message)
    wrong = ex.check("q1", key["q1"] + 1)
    assert wrong.score == 0 and wrong.mark == "✗"
    namespace = {"q1": key["q1"], "q2": "nonsense", "q3": key["q3"]}
    summary = ex.check_all(namespace)
    assert isinstance(summary, Summary)
    points = {q.id: q.points for q in ex.questions}
    assert summary.score == points["q1"] + points["q3"]
    assert summary.max_score == ASSIGNMENTS["coalescing"].max_score
    rows = {row.id: row for row in summary.rows}
    assert rows["q2"].feedback.message.startswith("Cannot read this answer")
    assert rows["q4"].feedback.message.startswith("No answer: q4 is not set. Expected")
    assert summary.to_dict()["questions"]["q1"]["earned"] == points["q1"]


def test_check_all_reads_the_notebooks_globals(interactive):
    key = answer_key("splitting", "bob")
    notebook_globals = {"buddy_edu": __import__("buddy_edu"), **key}
    exec('ex = buddy_edu.exercises.start("splitting", student="bob")\n'
         "summary = ex.check_all()", notebook_globals)
    summary = notebook_globals["summary"]
    assert summary.score == summary.max_score == ASSIGNMENTS["splitting"].max_score


def test_feedback_and_summary_show_themselves_without_the_answer(interactive):
    ex = start("splitting", student="carol")
    key = answer_key("splitting", "carol")
    right, wrong = ex.check("q1", key["q1"]), ex.check("q1", "1K")
    assert right._repr_html_().count("✓") == 1
    assert "✗" in wrong._repr_html_() and html.escape(wrong.message) in wrong._repr_html_()
    summary = ex.check_all({"q1": key["q1"], "q2": "1K"})
    table = summary._repr_html_()
    assert table.count("<tr>") == len(ex.questions) + 2  # header, rows, total
    assert f"{ex.questions[0].points} / {summary.max_score}" in table
    text = repr(summary)
    assert text.startswith(f"splitting for carol: {ex.questions[0].points} / ")
    assert "answer=" not in repr(ex.questions) and "carol" in repr(ex)
    for question in ex.questions:  # printing questions never shows their answers
        assert "answer=" not in repr(question)


def test_placeholder_id_is_refused_outside_the_grader(interactive, monkeypatch):
    with pytest.raises(InvalidRequest, match='replace "your-id" with your own student id'):
        start("splitting", student="your-id")
    monkeypatch.setenv(GRADING_ENV, "1")
    assert start("splitting", student="your-id").student == "your-id"


def test_bad_names_and_ids_are_refused(interactive):
    with pytest.raises(InvalidRequest, match="splitting, coalescing, fragmentation"):
        start("paging", student="alice")
    with pytest.raises(InvalidRequest, match="student id"):
        start("splitting", student="alice smith")
    ex = start("splitting", student="alice")
    with pytest.raises(InvalidRequest, match="q1, q2"):
        ex.check("q99", 1)
    with pytest.raises(InvalidRequest, match="no question"):
        ex.show(1)
    with pytest.raises(InvalidRequest, match="globals"):
        ex.check_all(namespace=[1, 2])


def test_grading_mode_needs_no_display(tmp_path):
    """Under the grader nothing is shown and neither widgets, IPython nor graphviz load."""
    script = tmp_path / "student.py"
    script.write_text(
        "import contextlib, io, json, sys\n"
        "import buddy_edu.exercises\n"
        'ex = buddy_edu.exercises.start("fragmentation", student="your-id")\n'
        "key = buddy_edu.exercises.answer_key('fragmentation', 'your-id')\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        '    shown = [ex.show("q1"), ex.show()]\n'
        "q1, q2 = key['q1'], 'wrong'\n"
        'feedback = ex.check("q1", q1)\n'
        "summary = ex.check_all()\n"
        "heavy = [m for m in ('IPython', 'ipywidgets', 'graphviz', 'buddy_edu.render',\n"
        "                     'buddy_edu.widget', 'nbclient') if m in sys.modules]\n"
        "print(json.dumps({'shown': shown, 'printed': out.getvalue(), 'heavy': heavy,\n"
        "                  'q1': feedback.score, 'score': summary.score,\n"
        "                  'max': summary.max_score}))\n"
    )
    env = {**os.environ, GRADING_ENV: "1"}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            env=env, check=True, cwd=tmp_path)
    report = json.loads(result.stdout)
    first = variant("fragmentation", "your-id")[0]
    assert report == {"shown": [None, None], "printed": "", "heavy": [], "q1": 1.0,
                      "score": first.points, "max": ASSIGNMENTS["fragmentation"].max_score}


def test_question_pictures_show_the_state_before_the_asked_operation(interactive):
    for question in variant("coalescing", "dave"):
        if question.kind == "merging_blocks":
            picture = _picture(question)
            assert "<svg" in picture
            # the freed block is still allocated in the picture: the merge is not shown
            assert f"Allocated to {question.params['name']}" in picture


def test_a_stepper_walks_through_the_setup_only(interactive):
    ex = start("coalescing", student="erin")
    question = next(q for q in ex.questions if q.kind == "merge_count")
    stepper = ex.stepper(question.id)
    setup = run_script(question.params["setup"])
    assert stepper.position == setup.event_count()
    assert stepper.allocator.events == setup.events
    assert question.params["name"] in {b.name for b in stepper.allocator.allocations()}
    without_script = next(q for q in ex.questions if q.kind == "buddy_address")
    with pytest.raises(InvalidRequest, match="no script"):
        ex.stepper(without_script.id)


# ------------------------------------------------------------- the notebooks
@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_stored_notebooks_are_generated_and_clean(name):
    stored = nbformat.read(EXERCISES / f"{name}.ipynb", as_version=4)
    nbformat.validate(stored)
    built = build(name)
    assert [(c.cell_type, c.source, c.id) for c in stored.cells] == \
        [(c.cell_type, c.source, c.id) for c in built.cells], \
        "regenerate: python -m buddy_edu.exercises.course.student_notebooks exercises"
    code = [cell for cell in stored.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    text = "\n".join(cell.source for cell in code)
    ids = ASSIGNMENTS[name].question_ids
    functions = {qid: slot.options["function"] for qid, slot in
                 zip(ids, ASSIGNMENTS[name].slots, strict=True) if slot.kind == "function"}
    assert ANSWER_LINE.findall(text) == [qid for qid in ids if qid not in functions]
    for qid in ids:
        answer = functions.get(qid, qid)
        assert f'ex.show("{qid}")' in text and f'ex.check("{qid}", {answer})' in text
        if qid in functions:
            assert f"def {answer}(" in text
    assert f'buddy_edu.exercises.start("{name}", student="your-id")' in text
    assert [cell.source for cell in code[-2:]] == ["ex.check_all()", "ex.download()"]
    assert any(lesson in stored.cells[0].source for lesson in ASSIGNMENTS[name].lessons)
    how_to = stored.cells[0].source  # the first cell says how to hand in
    assert "`ex.download()`" in how_to and f"`{name}-<your id>.ipynb`" in how_to
    assert "File → Download" in how_to


def test_download_names_the_file_so_that_the_grader_knows_whose_it_is(interactive, tmp_path):
    from buddy_edu.exercises.course.handin import HandIn
    from buddy_edu.grading.submissions import find_submissions

    ex = start("splitting", student="jdoe")
    widget = ex.download()
    assert isinstance(widget, HandIn)
    assert widget.filename == ex.handin_name == "splitting-jdoe.ipynb" and widget.automatic
    (tmp_path / ex.handin_name).write_text("{}", encoding="utf-8")
    (tmp_path / "coalescing-kim.ipynb").write_text("{}", encoding="utf-8")
    found = find_submissions("splitting", [tmp_path])
    assert [(s.student, s.path.name) for s in found] == [
        ("coalescing-kim", "coalescing-kim.ipynb"), ("jdoe", "splitting-jdoe.ipynb")]


def test_download_does_nothing_under_the_grader(graded):
    assert start("splitting", student="jdoe").download() is None


@pytest.mark.kernel
@pytest.mark.parametrize("name", VALUE_ASSIGNMENTS)
def test_notebook_runs_top_to_bottom_with_full_marks(name, tmp_path, interactive):
    """Run the notebook as a student would, answers from the key, in a fresh kernel."""
    student = f"student-{name}"
    key = answer_key(name, student)
    notebook = nbformat.read(EXERCISES / f"{name}.ipynb", as_version=4)
    fill(notebook, student, key)
    # Afterwards a wrong answer must cost exactly that question's points.
    notebook.cells.append(nbformat.v4.new_code_cell('q1 = "0x1"\nex.check_all()'))
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = {cell.source: cell.outputs for cell in notebook.cells if cell.cell_type == "code"}
    errors = [o for cell_outputs in outputs.values() for o in cell_outputs
              if o.output_type == "error"]
    assert errors == []
    questions = variant(name, student)
    for question in questions:
        checked = next(o for source, o in outputs.items()
                       if source.endswith(f'ex.check("{question.id}", {question.id})'))
        assert checked[0].data["text/html"].count("✓") == 1, checked
        shown = outputs[f'ex.show("{question.id}")']
        shown_text = " ".join(o.data.get("text/markdown", "") for o in shown)
        assert question.prompt in shown_text
        if "setup" in question.params:
            assert "<svg" in " ".join(o.data.get("text/html", "") for o in shown)
    maximum = ASSIGNMENTS[name].max_score
    full = outputs["ex.check_all()"][0].data  # the summary cell, before the hand-in cell
    after_mistake = notebook.cells[-1].outputs[0].data
    handed_in = outputs["ex.download()"][0].data  # the hand-in widget, shown as a widget view
    assert "application/vnd.jupyter.widget-view+json" in handed_in
    assert full["text/plain"].startswith(f"{name} for {student}: {maximum} / {maximum} points")
    assert "total" in full["text/html"]
    less = maximum - questions[0].points
    assert after_mistake["text/plain"].startswith(f"{name} for {student}: {less} / {maximum}")


@pytest.mark.kernel
def test_a_wrong_student_id_is_one_clear_line_in_the_notebook(tmp_path):
    """No traceback into the kit's code: the message says what to type instead."""
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('import buddy_edu.exercises\n'
                                  'buddy_edu.exercises.start("splitting", student="your-id")'),
        nbformat.v4.new_code_cell('buddy_edu.exercises.start("splitting", student="a b")'),
    ])
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    placeholder, unusable = (cell.outputs[0] for cell in notebook.cells)
    assert placeholder.output_type == unusable.output_type == "error"
    assert len(placeholder.traceback) == 1
    assert placeholder.traceback[0].startswith('InvalidRequest: replace "your-id" with your own')
    assert unusable.traceback == [
        "InvalidRequest: student id 'a b' is not usable: use 1 to 64 letters, digits and the "
        "characters . _ - @ (for example 'jdoe' or 'j.doe@uni.edu')"]
