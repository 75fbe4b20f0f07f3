"""The batch grader: real kernels running student notebooks built from exercises/*.ipynb.

One module-wide batch holds a correct, an empty and a wrong submission and
every attack the issue lists; the tests read its results, CSV, gradebook and
feedback pages.  Fast unit tests (no kernel) cover the answer encoder that
runs in the kernel, submission discovery, the gradebook and the scoring
messages.  Every test that grades is ``sandbox`` and ``kernel`` (tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tracemalloc
import types
from pathlib import Path

import nbformat
import pytest
from _submissions import answered

from buddy_edu import InvalidRequest, format_size
from buddy_edu.exercises import ASSIGNMENTS, answer_key, variant
from buddy_edu.exercises.answers import transport
from buddy_edu.grading.batch import grade, score_outcome
from buddy_edu.grading.execution import CellRun
from buddy_edu.grading.gradebook import Gradebook
from buddy_edu.grading.options import GradingOptions
from buddy_edu.grading.probe import extraction, setup_code
from buddy_edu.grading.progress import Progress
from buddy_edu.grading.results import QuestionResult, Result
from buddy_edu.grading.runner import RunOutcome, run_notebook
from buddy_edu.grading.sandbox import SandboxUnavailable
from buddy_edu.grading.submissions import Submission, file_hash, find_submissions

ROOT = Path(__file__).resolve().parents[1]
NAME = "splitting"
FAST = {"jobs": 2, "timeout": 30, "cell_timeout": 5}


# ------------------------------------------------------------------ building submissions
def student_notebook(assignment: str, student: str, answers: dict | None = None,
                     **changes) -> nbformat.NotebookNode:
    """exercises/<assignment>.ipynb as ``student`` would hand it in (see _submissions)."""
    return answered(ROOT / "exercises" / f"{assignment}.ipynb", student, answers, **changes)


def write(nb, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def honest_score(assignment: str, student: str, answers: dict) -> float:
    """What the answers are worth when checked directly, with no kernel in between."""
    return round(sum(round(q.check(answers.get(q.id)).score * q.points, 2)
                     for q in variant(assignment, student)), 2)


def points(assignment: str, student: str, ids) -> int:
    return sum(q.points for q in variant(assignment, student) if q.id in ids)


PATCH_EVERYTHING = """\
import buddy_edu, buddy_edu.exercises as E
import buddy_edu.exercises.course.assignments as A
from buddy_edu.exercises.questions.feedback import Feedback
from buddy_edu.exercises.questions.question import Question
Question.check = lambda self, value: Feedback(1.0, "Correct.")
E.variant = A.variant = lambda *args, **kw: []
E.answer_key = lambda *args, **kw: {}
buddy_edu.BuddyAllocator = None
"""

ALWAYS_EQUAL = """\
class Yes:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = object.__hash__
class Zero(int):
    def __eq__(self, other): return True
class Text(str):
    def __eq__(self, other): return True
"""

SHADOW_JSON = """\
import sys, types
fake = types.ModuleType("json")
fake.dumps = lambda *args, **kw: '{"q1": {"value": 1}}'
fake.loads = lambda *args, **kw: {"q1": {"value": 1}}
sys.modules["json"] = fake
json = fake
list = str = dict = type = len = isinstance = repr = print = None
"""

STUBBORN = """\
import time
while True:
    try:
        time.sleep(60)
    except KeyboardInterrupt:
        pass
"""


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Grade one folder with every kind of submission; returns what the tests need."""
    base = tmp_path_factory.mktemp("batch")
    subs = base / "subs"
    key = {s: answer_key(NAME, s) for s in
           ("alice", "erin", "looper", "printer", "raiser", "crasher", "stubborn",
            "jsonpatch", "frank")}
    wrong = answer_key(NAME, "dave")  # another student's answers: mostly wrong here
    alt = dict(key["erin"])
    alt["q1"] = format_size(alt["q1"])
    alt["q6"] = [(address, format_size(size)) for address, size in alt["q6"]]
    forged = json.dumps({q: {"value": v} for q, v in answer_key(NAME, "faker").items()})
    notebooks = {
        "alice": student_notebook(NAME, "alice", key["alice"]),
        "bob": student_notebook(NAME, "your-id"),
        "carol": student_notebook(NAME, "carol", wrong),
        "erin": student_notebook(NAME, "erin", alt),
        "patcher": student_notebook(NAME, "patcher", wrong, before=PATCH_EVERYTHING),
        "yes": student_notebook(NAME, "yes", before=ALWAYS_EQUAL, lines={
            "q1": "q1 = Yes()", "q2": 'q2 = Text("1M")', "q3": "q3 = Zero(0)",
            "q4": "q4 = [Yes()]", "q5": 'q5 = {"size": Yes()}', "q6": "q6 = [(Yes(), Yes())]",
            "q7": "q7 = Yes()", "q8": 'q8 = Text("a")'}),
        "faker": student_notebook(NAME, "faker", before=(
            f"print('<<buddy-edu answers {'0' * 32}>>' + {forged!r} + "
            f"'<<end of buddy-edu answers {'0' * 32}>>')\n"
            "print('q1 ✓ Correct.\\nScore: 12 / 12 points')\n"
            "from IPython.display import HTML, display\n"
            "display(HTML('<b>12 / 12</b>'))")),
        "crasher": student_notebook(NAME, "crasher", key["crasher"],
                                    after={"q3": "import os\nos._exit(1)"}),
        "looper": student_notebook(NAME, "looper", key["looper"],
                                   after={"q2": "while True:\n    pass"}),
        "stubborn": student_notebook(NAME, "stubborn", key["stubborn"],
                                     after={"q2": STUBBORN}),
        "printer": student_notebook(NAME, "printer", key["printer"],
                                    after={"q1": "print('x' * 100_000_000)"}),
        "raiser": student_notebook(NAME, "raiser",
                                   {q: v for q, v in key["raiser"].items() if q != "q4"},
                                   lines={"q4": "q4 = 1 / 0"}),
        "jsonpatch": student_notebook(NAME, "jsonpatch", key["jsonpatch"], before=SHADOW_JSON),
    }
    for student, nb in notebooks.items():
        write(nb, subs / f"{student}.ipynb")
    (subs / "broken.ipynb").write_text('{"cells": [ {not json', encoding="utf-8")
    # nbgrader's layout: the student is the folder name; other assignments and
    # checkpoints beside it are not submissions of this one.
    nbgrader = base / "course" / "submitted"
    write(student_notebook(NAME, "frank", key["frank"]),
          nbgrader / "frank" / NAME / f"{NAME}.ipynb")
    write(student_notebook(NAME, "frank"),
          nbgrader / "frank" / NAME / ".ipynb_checkpoints" / f"{NAME}-checkpoint.ipynb")
    write(student_notebook("coalescing", "frank"),
          nbgrader / "frank" / "coalescing" / "coalescing.ipynb")

    progress = io.StringIO()
    out = base / "grades.csv"
    results = grade(NAME, [subs, nbgrader], out=out, feedback_dir=base / "feedback",
                    progress=progress, **FAST)
    return types.SimpleNamespace(
        base=base, subs=subs, nbgrader=nbgrader, out=out, key=key, wrong=wrong,
        progress=progress.getvalue(), csv=out.read_text(encoding="utf-8"),
        results={r.student: r for r in results}, max=ASSIGNMENTS[NAME].max_score)


# ------------------------------------------------------------------ the batch
@pytest.mark.sandbox
@pytest.mark.kernel
def test_every_submission_is_graded_and_the_batch_finishes(batch):
    assert set(batch.results) == {
        "alice", "bob", "carol", "erin", "patcher", "yes", "faker", "crasher", "looper",
        "stubborn", "printer", "raiser", "jsonpatch", "broken", "frank"}
    assert all(not r.skipped and r.max_score == batch.max for r in batch.results.values())
    assert "15/15 graded, 3 failed" in batch.progress  # broken, crasher, stubborn
    for result in batch.results.values():
        assert [q.id for q in result.questions] == ASSIGNMENTS[NAME].question_ids
        assert result.score == round(sum(q.earned for q in result.questions), 2)


@pytest.mark.sandbox
@pytest.mark.kernel
def test_correct_answers_get_full_marks_in_any_accepted_form(batch):
    for student in ("alice", "erin", "frank"):
        result = batch.results[student]
        assert result.score == batch.max, (student, result.messages)
        assert result.error is None and all(q.score == 1 for q in result.questions)
    assert batch.results["erin"].questions[0].answer == format_size(batch.key["erin"]["q1"])


@pytest.mark.sandbox
@pytest.mark.kernel
def test_an_unchanged_notebook_scores_zero_and_says_no_answer(batch):
    result = batch.results["bob"]
    assert result.score == 0 and result.error is None
    assert all(q.message.startswith("No answer") for q in result.questions)


@pytest.mark.sandbox
@pytest.mark.kernel
def test_wrong_answers_score_what_the_checks_give_with_their_feedback(batch):
    result = batch.results["carol"]
    assert result.score == honest_score(NAME, "carol", batch.wrong) < batch.max
    expected = {q.id: q.check(batch.wrong[q.id]) for q in variant(NAME, "carol")}
    for question in result.questions:
        assert question.message == expected[question.id].message
        assert question.misconception == expected[question.id].misconception


@pytest.mark.sandbox
@pytest.mark.kernel
def test_monkeypatching_buddy_edu_in_the_kernel_does_not_raise_the_score(batch):
    result = batch.results["patcher"]
    assert result.score == honest_score(NAME, "patcher", batch.wrong) < batch.max


@pytest.mark.sandbox
@pytest.mark.kernel
def test_objects_that_equal_everything_are_refused_as_not_plain_data(batch):
    result = batch.results["yes"]
    assert result.score == 0
    for question in result.questions:
        assert "object is not an answer" in question.message, question
        assert "Expected" in question.message


@pytest.mark.sandbox
@pytest.mark.kernel
def test_printed_fake_results_and_forged_markers_count_for_nothing(batch):
    result = batch.results["faker"]
    assert result.score == 0 and result.error is None


@pytest.mark.sandbox
@pytest.mark.kernel
def test_a_kernel_that_dies_keeps_the_answers_given_before(batch):
    result = batch.results["crasher"]
    assert result.score == points(NAME, "crasher", {"q1", "q2", "q3"})
    assert "kernel died" in result.error and "os._exit" in result.error
    for question in result.questions[3:]:
        assert question.earned == 0 and "kernel died" in question.message


@pytest.mark.sandbox
@pytest.mark.kernel
def test_an_infinite_loop_is_interrupted_and_the_next_cells_still_run(batch):
    result = batch.results["looper"]
    assert result.score == batch.max and result.error is None
    assert any("while True:" in note and "interrupted after 5 s" in note
               for note in result.notes), result.notes


@pytest.mark.sandbox
@pytest.mark.kernel
def test_a_cell_that_ignores_interrupts_stops_the_notebook_keeping_earlier_answers(batch):
    result = batch.results["stubborn"]
    assert result.score == points(NAME, "stubborn", {"q1", "q2"})
    assert "did not stop when interrupted" in result.error
    assert all("did not stop when interrupted" in q.message for q in result.questions[2:])


@pytest.mark.sandbox
@pytest.mark.kernel
def test_a_100_mb_print_is_capped_and_grading_goes_on(batch):
    assert batch.results["printer"].score == batch.max



@pytest.mark.sandbox
@pytest.mark.kernel
def test_a_cell_that_raises_costs_only_its_question_and_says_why(batch):
    result = batch.results["raiser"]
    q4 = result.questions[3]
    assert result.score == batch.max - q4.points and result.error is None
    assert q4.earned == 0 and "ZeroDivisionError" in q4.message and "q4 = 1 / 0" in q4.message


@pytest.mark.sandbox
@pytest.mark.kernel
def test_shadowing_or_replacing_json_in_the_kernel_does_not_break_reading_answers(batch):
    assert batch.results["jsonpatch"].score == batch.max


@pytest.mark.sandbox
@pytest.mark.kernel
def test_a_file_that_is_not_json_scores_zero_with_the_reason(batch):
    result = batch.results["broken"]
    assert result.score == 0 and "not valid JSON" in result.error
    assert all("not valid JSON" in q.message for q in result.questions)


@pytest.mark.sandbox
@pytest.mark.kernel
def test_csv_has_one_row_per_student_and_a_column_per_question(batch):
    rows = list(csv.reader(io.StringIO(batch.csv)))
    assert rows[0] == ["student_id", "assignment", "score", "max_score",
                       *ASSIGNMENTS[NAME].question_ids, "mode"]
    by_student = {row[0]: row for row in rows[1:]}
    assert sorted(by_student) == sorted(batch.results)
    assert by_student["alice"][1:4] == [NAME, str(batch.max), str(batch.max)]
    raiser = by_student["raiser"]
    assert raiser[4 + 3] == "0" and float(raiser[2]) == batch.results["raiser"].score


@pytest.mark.sandbox
@pytest.mark.kernel
def test_gradebook_holds_every_submission_beside_the_csv(batch):
    db = sqlite3.connect(batch.base / "grades.sqlite")
    count, = db.execute("SELECT COUNT(*) FROM submissions WHERE assignment=?",
                        (NAME,)).fetchone()
    answers, = db.execute("SELECT COUNT(*) FROM answers").fetchone()
    db.close()
    assert count == 15 and answers == 15 * len(ASSIGNMENTS[NAME].slots)


@pytest.mark.sandbox
@pytest.mark.kernel
def test_feedback_pages_show_scores_and_messages_but_not_the_answers(batch):
    carol = (batch.base / "feedback" / "carol.html").read_text(encoding="utf-8")
    result = batch.results["carol"]
    assert f"{result.score:g} / {batch.max}" in carol
    assert "correct answer" not in carol
    for question in result.questions:
        assert question.message in html.unescape(carol)
    expected = [q.answer for q in variant(NAME, "carol")]
    wrongly_answered = [v for q, v in zip(result.questions, expected, strict=True)
                        if q.score < 1 and isinstance(v, list)]
    for value in wrongly_answered:
        assert json.dumps(value) not in carol
    broken = (batch.base / "feedback" / "broken.html").read_text(encoding="utf-8")
    assert "could not be run to the end" in broken and "not valid JSON" in broken


@pytest.mark.sandbox
@pytest.mark.kernel
def test_resume_runs_nothing_again_and_reveal_shows_the_answers(batch):
    progress = io.StringIO()
    before = (batch.base / "grades.sqlite").stat().st_size
    results = grade(NAME, [batch.subs, batch.nbgrader], out=batch.out,
                    feedback_dir=batch.base / "revealed", reveal=True, progress=progress,
                    **FAST)
    assert all(r.skipped for r in results) and len(results) == 15
    assert "skipped 15 already graded" in progress.getvalue()
    assert batch.out.read_text(encoding="utf-8") == batch.csv
    assert (batch.base / "grades.sqlite").stat().st_size == before
    assert {r.student: r.score for r in results} == {
        s: r.score for s, r in batch.results.items()}
    carol = (batch.base / "revealed" / "carol.html").read_text(encoding="utf-8")
    assert "correct answer" in carol
    q6 = next(q for q in variant(NAME, "carol") if q.id == "q6")
    assert json.dumps(q6.answer) in carol


# ------------------------------------------------------------------ all assignments
@pytest.mark.sandbox
@pytest.mark.kernel
@pytest.mark.parametrize("assignment", [  # build-your-own: see test_build_your_own.py
    name for name, spec in ASSIGNMENTS.items()
    if all(slot.kind != "function" for slot in spec.slots)])
def test_every_exercise_notebook_filled_from_the_key_gets_full_marks(assignment, tmp_path):
    student = "grace"
    path = write(student_notebook(assignment, student, answer_key(assignment, student)),
                 tmp_path / f"{student}.ipynb")
    result, = grade(assignment, [path], out=tmp_path / "grades.csv", progress=io.StringIO(),
                    **FAST)
    assert result.score == ASSIGNMENTS[assignment].max_score, result.messages
    assert result.error is None and result.notes == ()


# ------------------------------------------------------------------ interrupt and resume
@pytest.mark.sandbox
@pytest.mark.kernel
def test_an_interrupted_batch_keeps_what_it_graded_and_resumes(tmp_path):
    subs = tmp_path / "subs"
    for student in ("ann", "ben", "cat"):
        write(student_notebook(NAME, student, answer_key(NAME, student)),
              subs / f"{student}.ipynb")

    class InterruptAfterFirst(io.StringIO):
        def write(self, text):
            super().write(text)
            if "1/3 graded" in text:
                raise KeyboardInterrupt

    out = tmp_path / "grades.csv"
    with pytest.raises(KeyboardInterrupt):
        grade(NAME, [subs], out=out, progress=InterruptAfterFirst(), jobs=1, timeout=30,
              cell_timeout=5)
    with Gradebook(tmp_path / "grades.sqlite") as book:
        first = [r.student for r in book.current(NAME)]
    assert len(first) == 1 and not out.exists()

    progress = io.StringIO()
    results = grade(NAME, [subs], out=out, progress=progress, **FAST)
    assert "skipped 1 already graded" in progress.getvalue()
    assert [r.skipped for r in results if r.student in first] == [True]
    assert all(r.score == ASSIGNMENTS[NAME].max_score for r in results)

    # A changed file is a new submission: graded again, and the CSV shows the new grade.
    write(student_notebook(NAME, "ben"), subs / "ben.ipynb")
    results = grade(NAME, [subs], out=out, progress=io.StringIO(), **FAST)
    assert [r.student for r in results if not r.skipped] == ["ben"]
    rows = {row["student_id"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["ben"]["score"] == "0" and rows["ann"]["score"] == str(batch_max())


def batch_max() -> int:
    return ASSIGNMENTS[NAME].max_score


# ------------------------------------------------------------------ one notebook's run
@pytest.mark.sandbox
@pytest.mark.kernel
def test_the_kernel_is_fresh_and_the_whole_notebook_has_a_time_limit(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# not run"),
        nbformat.v4.new_code_cell(
            "import os, sys, time\n"
            "q1 = [os.environ.get('BUDDY_EDU_GRADING'), sorted(os.listdir('.')), sys.executable]\n"
            "time.sleep(3)"),
        nbformat.v4.new_code_cell("time.sleep(3)\nq2 = 2"),
        nbformat.v4.new_code_cell("q3 = 3"),
    ])
    nb.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "?"}
    path = write(nb, tmp_path / "ann.ipynb")
    (tmp_path / "secret.txt").write_text("not for the student's code")
    outcome = run_notebook(path, ["q1", "q2", "q3"], GradingOptions(timeout=5, cell_timeout=10))
    assert outcome.answers["q1"] == {"value": ["1", ["ann.ipynb"], sys.executable]}
    assert outcome.answers["q2"] == outcome.answers["q3"] == {"missing": True}
    assert [run.status for run in outcome.cells] == ["ok", "timeout"]
    assert "the time limit left for the notebook" in outcome.cells[1].detail
    assert "ran out of time (5 s in all) before cell 4 (`q3 = 3`)" in outcome.stopped
    assert outcome.error is None and outcome.assigned_in == {"q1": 1, "q2": 2, "q3": 3}


@pytest.mark.parametrize("content, reason", [
    (b"\xff\xfe not text", "it is not UTF-8 text"),
    (b"", "it is not valid JSON"),
    (b"[1, 2]", "not a valid notebook"),
    (b'{"cells": 5, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
     "not a valid notebook"),
])
def test_files_that_are_not_notebooks_are_reported_without_running(tmp_path, content, reason):
    path = tmp_path / "ann.ipynb"
    path.write_bytes(content)
    outcome = run_notebook(path, ["q1"], GradingOptions(timeout=30, cell_timeout=5))
    assert reason in outcome.error and outcome.cells == ()
    assert outcome.answers == {"q1": {"missing": True}}


@pytest.mark.sandbox
@pytest.mark.kernel
def test_a_result_too_large_to_receive_never_reaches_the_graders_memory(tmp_path):
    # Printing is capped inside the kernel; a 50 MB *result* is one message above
    # MESSAGE_LIMIT, so ZeroMQ drops the connection before reading it and the
    # grader reconnects: later answers still arrive.
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (
        "q1 = 1", "'x' * 50_000_000", "q2 = 2")])
    path = write(nb, tmp_path / "ann.ipynb")
    tracemalloc.start()
    try:
        outcome = run_notebook(path, ["q1", "q2"], GradingOptions(timeout=60, cell_timeout=10))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert outcome.answers == {"q1": {"value": 1}, "q2": {"value": 2}}
    assert outcome.error is None and outcome.stopped is None
    assert peak < 20_000_000, f"the grader held {peak / 1e6:.0f} MB"


def test_grade_is_reached_from_the_grading_package_which_loads_the_engine_only_then():
    # buddy_edu.grading.grade is the one way in (the exercises keep no alias to it), and
    # `buddy-edu --help` or the CLI's option checks do not load nbclient or ZeroMQ.
    code = ("import sys, buddy_edu.grading as G, buddy_edu.cli as C\n"
            "C.build_parser()\n"
            "engine = ('buddy_edu.grading.batch', 'nbclient', 'zmq')\n"
            "print(any(name in sys.modules for name in engine), G.grade.__module__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "buddy_edu.grading.batch"]


# ------------------------------------------------------------------ bad arguments
@pytest.mark.parametrize("kwargs, message", [
    ({"assignment": "nope"}, "unknown assignment 'nope'"),
    ({"jobs": 0}, "jobs must be a whole number of at least 1"),
    ({"timeout": -1}, "timeout must be a number of seconds above 0"),
    ({"cell_timeout": "5"}, "cell timeout must be a number of seconds"),
    ({"out": "missing-folder/grades.csv"}, "give a file name in an existing folder"),
    ({"submissions": ["nowhere.ipynb"]}, "submission nowhere.ipynb does not exist"),
    ({"feedback_dir": "ann.ipynb"}, "cannot write feedback into ann.ipynb: it is a file"),
    ({"feedback_dir": "ann.ipynb/pages"},
     "cannot write feedback into ann.ipynb/pages: ann.ipynb is a file, not a folder"),
    ({"gradebook": "ann.ipynb"}, "ann.ipynb is not a buddy-edu gradebook"),
    ({"gradebook": "missing-folder/g.sqlite"}, "the folder missing-folder does not exist"),
])
def test_bad_arguments_are_refused_before_anything_runs_or_is_written(
        tmp_path, monkeypatch, kwargs, message):
    monkeypatch.chdir(tmp_path)
    refuse_sandbox(monkeypatch)  # argument errors come first, whatever the machine
    write(student_notebook(NAME, "ann"), tmp_path / "ann.ipynb")
    arguments = {"assignment": NAME, "submissions": [tmp_path / "ann.ipynb"],
                 "out": "grades.csv", **kwargs}
    with pytest.raises(InvalidRequest, match=re.escape(message)):
        grade(arguments.pop("assignment"), arguments.pop("submissions"), **arguments)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ann.ipynb"]


def test_options_are_checked_once_when_made_and_keep_the_checked_values():
    options = GradingOptions(timeout=30, cell_timeout=5, jobs=None)
    assert (options.timeout, options.cell_timeout) == (30.0, 5.0)
    assert options.jobs == (os.cpu_count() or 1) and options.sandbox is True
    assert options.limits.memory == options.memory == 1 << 30
    for bad, message in [({"timeout": 0}, "the timeout must be a number of seconds above 0"),
                         ({"memory": 1 << 20}, "the memory limit must be at least 256M"),
                         ({"jobs": 1.5}, "jobs must be a whole number of at least 1"),
                         ({"sandbox": "no"}, "sandbox must be True or False, got 'no'"),
                         ({"output_limit": 0}, "the output limit must be a whole number")]:
        with pytest.raises(InvalidRequest, match=re.escape(message)):
            GradingOptions(**bad)


def test_grade_takes_options_and_keywords_that_replace_their_fields(tmp_path, monkeypatch):
    from buddy_edu.grading import batch

    seen = []

    def run_all(assignment, todo, options, variants):  # records the options, runs nothing
        seen.append(options)
        yield from ()

    monkeypatch.setattr(batch, "_run_all", run_all)
    write(student_notebook(NAME, "ann"), tmp_path / "ann.ipynb")
    base = GradingOptions(timeout=60, sandbox=False, jobs=1)
    grade(NAME, [tmp_path / "ann.ipynb"], out=tmp_path / "g.csv", progress=io.StringIO(),
          options=base, cell_timeout=7)
    assert seen == [GradingOptions(timeout=60, cell_timeout=7, sandbox=False, jobs=1)]
    with pytest.raises(TypeError, match="grade\\(\\) got no option 'tiemout': the options are "
                                        "timeout, cell_timeout, memory, sandbox, jobs"):
        grade(NAME, [tmp_path / "ann.ipynb"], out=tmp_path / "h.csv", tiemout=3)
    assert not (tmp_path / "h.csv").exists()


def test_the_kernels_environment_has_the_same_kit_settings_with_or_without_the_sandbox(
        tmp_path, monkeypatch):
    from buddy_edu.grading.sandbox import WORK_DIR, kernel_env

    monkeypatch.setenv("GRADERS_SECRET", "s3cret")
    inside = kernel_env(sandboxed=True)
    outside = kernel_env(sandboxed=False, scratch=tmp_path)
    assert "GRADERS_SECRET" not in inside and outside["GRADERS_SECRET"] == "s3cret"
    assert inside["HOME"] == WORK_DIR and outside["HOME"] == os.environ["HOME"]
    kit = {"BUDDY_EDU_GRADING": "1", "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1",
           "MALLOC_ARENA_MAX": "2"}
    assert kit.items() <= inside.items() and kit.items() <= outside.items()
    assert inside["IPYTHONDIR"] == "/tmp/ipython"
    assert outside["IPYTHONDIR"] == str(tmp_path / "ipython")


def test_a_file_that_is_not_a_gradebook_is_refused(tmp_path, monkeypatch):
    refuse_sandbox(monkeypatch)
    write(student_notebook(NAME, "ann"), tmp_path / "ann.ipynb")
    (tmp_path / "book.sqlite").write_text("not a database at all" * 100)
    with pytest.raises(InvalidRequest, match="not a buddy-edu gradebook"):
        grade(NAME, [tmp_path / "ann.ipynb"], out=tmp_path / "g.csv",
              gradebook=tmp_path / "book.sqlite")
    assert not (tmp_path / "g.csv").exists()


def test_a_gradebook_of_another_format_is_refused_without_changing_it(tmp_path, monkeypatch):
    refuse_sandbox(monkeypatch)
    write(student_notebook(NAME, "ann"), tmp_path / "ann.ipynb")
    with sqlite3.connect(tmp_path / "book.sqlite") as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('schema', '99')")
    db.close()
    before = (tmp_path / "book.sqlite").read_bytes()
    with pytest.raises(InvalidRequest, match="has format 99, this buddy-edu reads format 3"):
        grade(NAME, [tmp_path / "ann.ipynb"], out=tmp_path / "g.csv",
              gradebook=tmp_path / "book.sqlite")
    assert (tmp_path / "book.sqlite").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ann.ipynb", "book.sqlite"]


def test_the_sandbox_is_checked_once_the_arguments_are_good(tmp_path, monkeypatch):
    refuse_sandbox(monkeypatch)
    write(student_notebook(NAME, "ann"), tmp_path / "ann.ipynb")
    with pytest.raises(SandboxUnavailable, match="no sandbox on this test machine"):
        grade(NAME, [tmp_path / "ann.ipynb"], out=tmp_path / "g.csv", sandbox=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ann.ipynb"]


def refuse_sandbox(monkeypatch) -> None:
    """Make the sandbox's check fail, as on a machine without bubblewrap."""
    from buddy_edu.grading import batch

    def refuse(limits):
        raise SandboxUnavailable("no sandbox on this test machine")

    monkeypatch.setattr(batch, "preflight", refuse)


# ------------------------------------------------------------------ finding submissions
def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}", encoding="utf-8")
    return path


def test_students_come_from_file_stems_and_nbgrader_folders(tmp_path):
    touch(tmp_path / "a" / "jdoe.ipynb")
    touch(tmp_path / "a" / ".ipynb_checkpoints" / "jdoe-checkpoint.ipynb")
    touch(tmp_path / "submitted" / "kim" / NAME / "whatever.ipynb")
    touch(tmp_path / "submitted" / "kim" / "coalescing" / "coalescing.ipynb")
    touch(tmp_path / "other" / "lee" / NAME / f"{NAME}.ipynb")
    found = find_submissions(NAME, [tmp_path / "a", tmp_path / "submitted",
                                    tmp_path / "other", tmp_path / "a" / "jdoe.ipynb"])
    assert [(s.student, s.path.name) for s in found] == [
        ("jdoe", "jdoe.ipynb"), ("kim", "whatever.ipynb"), ("lee", f"{NAME}.ipynb")]
    assert all(len(s.file_hash) == 64 for s in found)


def test_nbgrader_sub_folders_and_links_give_no_one_an_identity(tmp_path):
    submitted = tmp_path / "submitted"
    touch(submitted / "carol" / NAME / "c.ipynb")
    touch(submitted / "mallory" / NAME / "m.ipynb")
    touch(submitted / "mallory" / NAME / "extra" / "carol.ipynb")
    touch(submitted / "mallory" / NAME / "submitted" / "dan" / NAME / "d.ipynb")
    (submitted / "mallory" / NAME / "eve.ipynb").symlink_to(tmp_path / "secret")
    (submitted / "link").symlink_to(submitted / "carol", target_is_directory=True)
    warnings = []
    found = find_submissions(NAME, [submitted], warn=warnings.append)
    assert [(s.student, s.path.name) for s in found] == [("carol", "c.ipynb"),
                                                        ("mallory", "m.ipynb")]
    assert len(warnings) == 4 and all(w.startswith("skipped ") for w in warnings)
    assert sum("only notebooks directly in" in w for w in warnings) == 2
    assert sum("symbolic link" in w for w in warnings) == 2


def test_a_linked_folder_named_in_the_command_is_searched_but_not_a_linked_file(tmp_path):
    touch(tmp_path / "real" / "jdoe.ipynb")
    (tmp_path / "latest").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "kim.ipynb").symlink_to(tmp_path / "real" / "jdoe.ipynb")
    warnings = []
    found = find_submissions(NAME, [tmp_path / "latest", tmp_path / "kim.ipynb"],
                             warn=warnings.append)
    assert [(s.student, s.path) for s in found] == [("jdoe", tmp_path / "latest" / "jdoe.ipynb")]
    assert len(warnings) == 1 and "kim.ipynb: it is a symbolic link" in warnings[0]


def test_a_plain_folder_named_submitted_still_uses_file_names(tmp_path):
    touch(tmp_path / "submitted" / "jdoe.ipynb")
    touch(tmp_path / "submitted" / "kim" / "kim.ipynb")
    found = find_submissions(NAME, [tmp_path / "submitted"])
    assert [s.student for s in found] == ["jdoe", "kim"]


def test_nbgrader_folder_with_a_scratch_copy_uses_the_assignment_notebook(tmp_path):
    folder = tmp_path / "submitted" / "kim" / NAME
    touch(folder / f"{NAME}.ipynb")
    touch(folder / f"{NAME}-Copy1.ipynb")
    found = find_submissions(NAME, [tmp_path / "submitted"])
    assert [(s.student, s.path.name) for s in found] == [("kim", f"{NAME}.ipynb")]


@pytest.mark.parametrize("files, given, message", [
    (["notes.txt"], ["notes.txt"], "notes.txt is not a notebook"),
    (["empty/.keep"], ["empty"], "no notebooks (.ipynb files) found in the folder"),
    (["submitted/kim/coalescing/coalescing.ipynb"],
     ["submitted/kim/coalescing/coalescing.ipynb"], "assignment 'coalescing'"),
    (["submitted/kim/coalescing/coalescing.ipynb"], ["submitted"],
     "no gradable notebooks of the assignment 'splitting'"),
    (["bad id.ipynb"], ["bad id.ipynb"], "no gradable notebooks"),
])
def test_submission_problems_name_the_files(tmp_path, monkeypatch, files, given, message):
    monkeypatch.chdir(tmp_path)
    for name in files:
        touch(tmp_path / name)
    with pytest.raises(InvalidRequest, match=re.escape(message)):
        find_submissions(NAME, given)


def test_unusable_names_and_a_second_notebook_are_warned_about_not_fatal(tmp_path):
    touch(tmp_path / "bad id.ipynb")
    older = touch(tmp_path / "x" / "jdoe.ipynb")
    newer = touch(tmp_path / "y" / "jdoe.ipynb")
    os.utime(older, (1_000_000, 1_000_000))
    touch(tmp_path / "ann.ipynb")
    warnings = []
    found = find_submissions(NAME, [tmp_path], warn=warnings.append)
    assert [(s.student, s.path) for s in found] == [("ann", tmp_path / "ann.ipynb"),
                                                    ("jdoe", newer)]
    assert found[1].content == b"{}" and found[1].file_hash == file_hash(newer)
    assert len(warnings) == 2
    assert "bad id.ipynb" in warnings[0] and "rename the file" in warnings[0]
    assert "student 'jdoe' has 2 notebooks: graded the newest" in warnings[1]
    assert str(older) in warnings[1]


# ------------------------------------------------------------------ the kernel-side encoder
class Liar(int):
    def __eq__(self, other):
        return True


class Anything:
    def __eq__(self, other):
        return True


def extract(namespace: dict, names: list[str]) -> dict:
    """Run the grader's answer snapshot in-process on ``namespace``, as the kernel would."""
    request = extraction(names)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(request.code, "<snapshot>", "exec"), namespace)
    return request.parse(printed.getvalue(), names)


def test_snapshot_reads_plain_values_exactly():
    values = {"q1": 65536, "q2": "64K \"quoted\"\n\té ✓ 😀", "q3": (0, "64K"),
              "q4": [{"a": 1.5, "b": None, "c": True, "d": [-3, 0.1]}], "q5": None}
    answers = extract(dict(values), [*values, "q6"])
    assert transport.read_entry(answers["q3"]) == ("value", [0, "64K"])
    assert all(transport.read_entry(answers[q]) == ("value", v) for q, v in values.items()
               if q != "q3")
    assert answers["q6"] == {"missing": True}
    # What students naturally write keeps its shape: int keys, sets.
    more = extract({"q1": {0: 1, 3: 1}, "q2": {(0, 65536)}}, ["q1", "q2"])
    assert transport.read_entry(more["q1"]) == ("value", {0: 1, 3: 1})
    assert transport.read_entry(more["q2"]) == ("value", transport.Unordered([[0, 65536]]))


def test_snapshot_refuses_anything_but_exact_plain_types():
    namespace = {"q1": Liar(3), "q2": Anything(), "q3": float("nan"), "q4": {(1, 2): 2},
                 "q5": [[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]], "q6": 10 ** 5000,
                 "q7": ["x" * 600_000, "y" * 600_000], "q8": {"ok": Anything()}}
    names = list(namespace)
    answers = extract(namespace, names)
    assert answers["q1"]["problem"].startswith("a test_grader.Liar object is not an answer")
    assert answers["q2"]["problem"].startswith("a test_grader.Anything object is not an answer")
    assert "not finite" in answers["q3"]["problem"]
    assert "a tuple cannot be a key" in answers["q4"]["problem"]
    assert "nested" in answers["q5"]["problem"]
    assert "too large" in answers["q6"]["problem"]
    assert "too long" in answers["q7"]["problem"]
    assert "is not an answer" in answers["q8"]["problem"]
    for name in names:  # the notebook refuses them in the same words
        assert transport.read(namespace[name]) == transport.read_entry(answers[name])


def test_snapshot_ignores_shadowed_builtins_and_a_replaced_json_module(monkeypatch):
    fake = types.ModuleType("json")
    fake.dumps = lambda *args, **kw: "{}"
    monkeypatch.setitem(sys.modules, "json", fake)
    namespace = {"q1": [1, "2"], "json": fake, "list": None, "str": None, "type": None,
                 "print": None, "isinstance": None, "len": None}
    assert transport.read_entry(extract(namespace, ["q1"])["q1"]) == ("value", [1, "2"])


def test_only_a_single_report_with_this_requests_nonce_is_accepted():
    request = extraction(["q1"])
    good = f"{request.begin}{{\"q1\": {{\"value\": 1}}}}{request.end}"
    assert request.parse("noise\n" + good, ["q1"]) == {"q1": {"value": 1}}
    other = extraction(["q1"])
    assert other.begin != request.begin
    for bad in (good.replace(request.begin, other.begin), good + good,
                good.replace(request.end, ""), f"{request.begin}{{]{request.end}",
                f"{request.begin}{'[' * 100_000}{request.end}"):
        with pytest.raises(ValueError):
            request.parse(bad, ["q1"])


def test_setup_caps_what_a_cell_can_print():
    namespace: dict = {}
    printed = io.StringIO()
    saved = sys.stdout, sys.stderr
    try:
        with contextlib.redirect_stdout(printed):
            exec(setup_code(100), namespace)
            print("x" * 1000)
            print("more")
    finally:
        sys.stdout, sys.stderr = saved
        sys.modules.pop("_buddy_edu_grading", None)
    text = printed.getvalue()
    assert text.startswith("x" * 100) and "x" * 101 not in text
    assert "dropped after 100 characters" in text and "more" not in text


# ------------------------------------------------------------------ scoring without a kernel
def submission(student: str = "ann") -> Submission:
    return Submission(student, Path(f"{student}.ipynb"), "0" * 64)


def test_scoring_explains_why_a_question_has_no_answer():
    outcome = RunOutcome(
        answers={"q1": {"value": None}, "q2": {"missing": True}, "q3": {"missing": True},
                 "q4": {"problem": "a numpy.int64 object is not an answer"}},
        cells=(CellRun(0, "error", "NameError: name 'ex' is not defined", "ex.show()"),
               CellRun(1, "ok", "", "q1 = None"),
               CellRun(3, "error", "NameError: name 'x' is not defined", "q2 = x"),
               CellRun(5, "timeout", "interrupted after 5 s (the time limit per cell)",
                       "q3 = slow()"),
               CellRun(7, "ok", "", "q4 = np.int64(3)"),
               CellRun(8, "error", "NameError: name 'ex' is not defined", "ex.show()")),
        stopped="the kernel died while running cell 9; later cells were not run",
        assigned_in={"q1": 1, "q2": 3, "q3": 5, "q4": 7, "q5": 9, "q6": 11, "q7": 13},
        declared_student="someone-else")
    result = score_outcome(submission(), NAME, outcome)
    q1, q2, q3, q4, q5 = result.questions[:5]
    assert q1.message.startswith("No answer yet") and "Note" not in q1.message
    assert "the cell that sets q2, cell 4 (`q2 = x`), raised NameError" in q2.message
    assert "was interrupted after 5 s" in q3.message
    assert "a numpy.int64 object is not an answer" in q4.message and "Expected" in q4.message
    assert "Note" not in q4.message
    assert "kernel died" in q5.message
    assert result.score == 0 and "kernel died" in result.error
    assert any("'someone-else'" in note for note in result.notes)
    assert "cell 4 (`q2 = x`) raised NameError: name 'x' is not defined" in result.notes
    assert "cells 1 and 9 raised NameError: name 'ex' is not defined" in result.notes
    assert "cell 6 (`q3 = slow()`) was interrupted after 5 s (the time limit per cell)" \
        in result.notes


def test_a_checker_that_raises_scores_zero_instead_of_stopping(monkeypatch):
    from buddy_edu.exercises import TYPES

    def broken(question, value):
        raise RuntimeError("bug")

    kind = variant(NAME, "ann")[0].kind
    monkeypatch.setitem(TYPES[kind].__dict__, "judge", broken)  # a frozen dataclass
    outcome = RunOutcome(answers={"q1": {"value": 1}})
    result = score_outcome(submission(), NAME, outcome)
    assert "could not be checked (RuntimeError: bug)" in result.questions[0].message
    assert result.questions[0].earned == 0


def test_gradebook_round_trip_and_current_submission(tmp_path):
    question = QuestionResult("q1", 2, 1.0, 0.5, "Half right.", "not-buddies", [1], [2])
    first = Result("ann", NAME, "ann.ipynb", 1.0, 2, (question,), None, ("a note",), "a" * 64,
                   1.5)
    second = Result("ann", NAME, "ann.ipynb", 2.0, 2, (), "died", (), "b" * 64, 0.5)
    with Gradebook(tmp_path / "g.sqlite") as book:
        book.record(first)
        book.record(second)
        assert book.has(NAME, "ann", "a" * 64) and not book.has(NAME, "ann", "c" * 64)
        assert book.load(NAME, "ann", "a" * 64) == Result(**{**first.__dict__, "skipped": True})
        assert [r.file_hash for r in book.current(NAME)] == ["b" * 64]
        book.mark_current(NAME, "ann", "a" * 64)
        assert book.export_csv(NAME, tmp_path / "g.csv", ["q1", "q2"]) == 1
    assert (tmp_path / "g.csv").read_text().splitlines() == [
        "student_id,assignment,score,max_score,q1,q2,mode", f"ann,{NAME},1,2,1,,practice"]


def test_a_format_1_gradebook_is_upgraded_and_its_grades_marked_unsandboxed(tmp_path):
    from buddy_edu.grading.gradebook import _SCHEMA

    old_schema = _SCHEMA.replace("    sandboxed INTEGER NOT NULL DEFAULT 0,\n", "").replace(
        "    mode TEXT NOT NULL DEFAULT 'practice',\n", "")
    assert old_schema.count("\n") == _SCHEMA.count("\n") - 2
    with contextlib.closing(sqlite3.connect(tmp_path / "g.sqlite")) as db, db:
        db.executescript(old_schema)
        db.execute("INSERT INTO meta VALUES ('schema', '1')")
        db.execute("INSERT INTO submissions VALUES (?,?,?,?,?,?,?,?,?,?)",
                   (NAME, "ann", "a" * 64, "ann.ipynb", 2.0, 2, None, "[]", 1.0, "2026"))
    with Gradebook(tmp_path / "g.sqlite") as book:
        assert book.load(NAME, "ann", "a" * 64).sandboxed is False
        assert book.load(NAME, "ann", "a" * 64).practice
        book.record(Result("bob", NAME, "bob.ipynb", 1.0, 2, (), file_hash="b" * 64))
        assert book.load(NAME, "bob", "b" * 64).sandboxed is True
    with contextlib.closing(sqlite3.connect(tmp_path / "g.sqlite")) as db:
        assert db.execute("SELECT value FROM meta").fetchall() == [("3",)]


def test_a_format_2_gradebook_is_upgraded_and_its_grades_marked_practice(tmp_path):
    from buddy_edu.grading.gradebook import _SCHEMA

    old_schema = _SCHEMA.replace("    mode TEXT NOT NULL DEFAULT 'practice',\n", "")
    assert old_schema != _SCHEMA
    with contextlib.closing(sqlite3.connect(tmp_path / "g.sqlite")) as db, db:
        db.executescript(old_schema)
        db.execute("INSERT INTO meta VALUES ('schema', '2')")
        db.execute("INSERT INTO submissions VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                   (NAME, "ann", "a" * 64, "ann.ipynb", 2.0, 2, None, "[]", 1.0, "2026", 1))
    with Gradebook(tmp_path / "g.sqlite") as book:
        assert book.load(NAME, "ann", "a" * 64).mode == "practice"
        book.record(Result("bob", NAME, "bob.ipynb", 1.0, 2, (), file_hash="b" * 64,
                           mode="course:0123456789ab"))
        assert book.load(NAME, "bob", "b" * 64).mode == "course:0123456789ab"
        book.mark_current(NAME, "ann", "a" * 64)
        book.export_csv(NAME, tmp_path / "g.csv", ["q1"])
    rows = (tmp_path / "g.csv").read_text().splitlines()
    assert rows[1:] == [f"ann,{NAME},2,2,,practice", f"bob,{NAME},1,2,,course"]


def test_csv_cells_that_spreadsheets_would_evaluate_are_escaped(tmp_path):
    from buddy_edu.grading.gradebook import csv_cell

    assert [csv_cell(text) for text in ("=1+1", "+1", "-2-3", "@A1", "\tx", "\rx")] == [
        "'=1+1", "'+1", "'-2-3", "'@A1", "'\tx", "'\rx"]
    assert [csv_cell(text) for text in ("jdoe", "0", "1.5", "")] == ["jdoe", "0", "1.5", ""]


def test_only_temporary_folders_of_ended_graders_are_swept(tmp_path, monkeypatch):
    import subprocess
    import tempfile

    from buddy_edu.grading.runner import TEMP_PREFIX, sweep_stale_folders

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    dead = tmp_path / f"{TEMP_PREFIX}{ended.stdout.strip()}-abc"
    alive = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-def"
    other = tmp_path / "someone-elses-folder"
    for folder in (dead, alive, other):
        (folder / "kernel").mkdir(parents=True)
    assert sweep_stale_folders() == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name])


def test_progress_counts_done_and_failed():
    stream = io.StringIO()
    bar = Progress(3, stream)
    bar.advance("ann")
    bar.advance("ben", failed=True)
    assert stream.getvalue().splitlines()[-1] == (
        "[#############-------] 2/3 graded, 1 failed  (ben)")

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    live = Terminal()
    bar = Progress(2, live)
    bar.advance("ann")
    bar.close()
    assert live.getvalue().startswith("\r[") and "\r[##########----------] 1/2 graded, " \
        "0 failed" in live.getvalue() and live.getvalue().endswith("\n")
