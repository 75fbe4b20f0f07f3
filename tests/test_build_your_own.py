"""Build your own: student functions checked against the core by differential testing.

Two families: lesson 6's five functions over a dict of free lists (practice, with
``check_function`` and ``compare``), and the graded exercise, which goes past the lesson:
``block_size`` as a warm-up, then Knuth's algorithms R and S over doubly linked ``AVAIL``
lists with ``TAG`` and ``KVAL``.  Fast tests run the checks in-process (the notebook's
path, which is also the grader's scoring code); the grader's kernel snippet is exec'd
in-process too, to show it reports what the notebook sees.  The exercise notebook runs in
a fresh kernel, and the ``sandbox`` test grades a small class of real submissions with the
batch grader.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import random
import re
import time
from pathlib import Path

import nbformat
import pytest
from byo_solutions import BUGGY, CORRECT, functions
from nbclient import NotebookClient

from buddy_edu import BuddyAllocator, InvalidRequest
from buddy_edu.core.recorded import RecordedRun
from buddy_edu.exercises import ASSIGNMENTS, QUESTION_TYPES, check_function, start, variant
from buddy_edu.exercises.build_your_own import knuth, solutions
from buddy_edu.exercises.build_your_own.comparison import compare
from buddy_edu.exercises.build_your_own.contract import FUNCTIONS, expected_calls, random_traces
from buddy_edu.exercises.build_your_own.judge import function_question
from buddy_edu.exercises.course.sealing import SealedQuestion, seal
from buddy_edu.exercises.course.student_notebooks import build
from buddy_edu.grading.probe import call_extraction

ROOT = Path(__file__).resolve().parents[1]
NAME = "build-your-own"
STUDENT = "ada"
POINTS = {slot.options["function"]: slot.points for slot in ASSIGNMENTS[NAME].slots}
#: Lesson 6's five functions, each checked as the graded questions are (points as before).
LESSON_POINTS = {"block_size": 1, "find_block": 2, "split": 2, "buddy": 2, "free_block": 3}


@pytest.fixture
def interactive(monkeypatch):
    monkeypatch.delenv("BUDDY_EDU_GRADING", raising=False)


def lesson_questions(student: str = STUDENT) -> dict:
    """One question per lesson-6 function, seeded per student as a variant would be."""
    return {name: QUESTION_TYPES["function"](random.Random(f"{student}/{name}"),
                                             function=name) for name in FUNCTIONS}


def lesson_scores(namespace: dict, student: str = STUDENT) -> dict[str, float]:
    return {name: question.check(namespace[name]).score * LESSON_POINTS[name]
            for name, question in lesson_questions(student).items()}


def lesson_messages(namespace: dict, student: str = STUDENT) -> dict[str, str]:
    return {name: question.check(namespace[name]).message
            for name, question in lesson_questions(student).items()}


def scores(namespace: dict, student: str = STUDENT) -> dict[str, float]:
    """Points per function of the graded exercise, as ``ex.check_all`` gives them."""
    summary = start(NAME, student).check_all(namespace)
    return {row.title.split(": ")[1]: row.earned for row in summary.rows}


def messages(namespace: dict, student: str = STUDENT) -> dict[str, str]:
    summary = start(NAME, student).check_all(namespace)
    return {row.title.split(": ")[1]: row.feedback.message for row in summary.rows}


# ------------------------------------------------------------------ lesson 6's five
def test_a_correct_implementation_of_lesson_6_gets_full_marks(interactive):
    for student in ("ada", "bo", "cy"):
        assert lesson_scores(functions(), student) == LESSON_POINTS, student


def test_a_one_level_merge_loses_only_free_block(interactive):
    got = lesson_scores(functions("one-level-merge"))
    assert got == {**LESSON_POINTS, "free_block": 0}
    assert 0 < sum(got.values()) < sum(LESSON_POINTS.values())


def test_address_plus_size_as_the_buddy_loses_buddy_and_what_calls_it(interactive):
    got = lesson_scores(functions("address-plus-size"))
    assert got == {**LESSON_POINTS, "buddy": 0, "free_block": 0}
    said = lesson_messages(functions("address-plus-size"))["buddy"]
    assert re.search(r"buddy\(address=\d+, size=\d+\)", said) and "returned" in said


def test_every_variant_catches_the_classic_bugs(interactive):
    """The generator searches for traces where the bugs show, so no student's question lets
    a one-level merge, an ``address + size`` buddy or a one-level split through."""
    one_split = {"split": (
        "def split(free, address, size, wanted):\n"
        "    free[size].remove(address)\n"
        "    free.setdefault(size // 2, []).append(address + size // 2)\n")}
    bugs = {"free_block": functions("one-level-merge")["free_block"],
            "buddy": functions("address-plus-size")["buddy"],
            "split": functions(extra=one_split)["split"]}
    for number in range(40):
        for name, question in lesson_questions(f"s{number}").items():
            if name in bugs:
                assert question.check(bugs[name]).score == 0, (number, name)


def test_a_function_that_raises_scores_zero_with_its_message_and_the_others_count(interactive):
    got = lesson_scores(functions("raises"))
    assert got == {**LESSON_POINTS, "find_block": 0}
    assert "find_block raised ValueError: not written yet" in lesson_messages(
        functions("raises"))["find_block"]


def test_a_function_that_loops_costs_bounded_time_and_only_its_points(interactive):
    question = lesson_questions()["split"]
    began = time.monotonic()
    feedback = question.check(functions("loops")["split"])
    assert time.monotonic() - began < 6  # one call of 1 s, then the rest are skipped
    assert feedback.score == 0 and "did not finish within 1 s" in feedback.message


# ------------------------------------------------------------------ the graded exercise
KNUTH_BUGS = {  # each classic bug, and what it costs in the graded exercise
    "knuth-one-level-merge": {"liberate": 0},
    "knuth-plus-size": {"liberate": 0},
    "lost-upper-half": {"reserve": 0},
    "rear-insert": {"avail_push": 0, "liberate": 0},  # liberate pushes with it
}


def test_the_graded_exercise_goes_past_lesson_6():
    graded = set(POINTS)
    assert graded - {"block_size"} == set(knuth.FUNCTIONS)  # R and S, not lesson 6 again
    assert sum(POINTS.values()) == ASSIGNMENTS[NAME].max_score == 10


def test_a_correct_knuth_implementation_gets_full_marks(interactive):
    for student in ("ada", "bo", "cy"):
        assert scores(functions(), student) == POINTS, student


@pytest.mark.parametrize("bug", sorted(KNUTH_BUGS))
def test_each_classic_bug_of_r_and_s_costs_exactly_its_functions(bug, interactive):
    for student in ("ada", "bo"):
        assert scores(functions(bug), student) == {**POINTS, **KNUTH_BUGS[bug]}, student


def test_every_knuth_variant_catches_the_classic_bugs(interactive):
    """The generator keeps traces where each bug shows (a free merging twice and an upper
    half, a buddy free but smaller, a deep split, a list holding two blocks, a push onto a
    list that is not empty), so no student's variant lets one through."""
    for number in range(25):
        questions = {q.function: q for q in variant(NAME, f"s{number}")}
        for bug, lost in KNUTH_BUGS.items():
            for name in lost:
                fn = functions(bug)[name]
                assert questions[name].check(fn).score == 0, (number, bug, name)
        takes_rear = functions(extra={"reserve": CORRECT["reserve"].replace(
            'L = mem["linkf"][head]', 'L = mem["linkb"][head]')})["reserve"]
        assert questions["reserve"].check(takes_rear).score == 0, number  # Knuth's R2


def test_knuth_feedback_names_the_call_and_never_the_allocators_lists(interactive):
    said = messages(functions("rear-insert"))["avail_push"]
    assert re.search(r"`avail_push\(mem, k=\d+, L=\d+\)` with the AVAIL lists \{", said)
    assert "only in the order of a list" in said
    said = messages(functions("lost-upper-half"))["reserve"]
    assert "the allocator's differ" in said and "left the AVAIL lists" in said
    said = messages(functions("knuth-raises"))["avail_unlink"]
    assert "avail_unlink raised ValueError: not written yet" in said


def test_knuth_expected_states_are_the_cores_lifo_free_lists():
    total, _, traces = knuth.random_traces(random.Random(5))
    calls, expected = knuth.expected_calls("reserve", total, traces)
    m = total.bit_length() - 1
    for trace in traces:
        core = BuddyAllocator(total, 1, "lifo")
        for op in trace:
            before = knuth.state(knuth.core_lists(core), m)
            with contextlib.suppress(Exception):
                core.replay([op])
            if op.kind == "allocate":
                k = core.block_size(op.size).bit_length() - 1
                index = calls.index([before, k])
                assert knuth.view(expected[index][1], m)["avail"] == [
                    core.free_lists()[1 << j] for j in range(m + 1)]


def test_sealed_checks_of_knuth_functions_mark_like_the_grader(interactive):
    for name in knuth.FUNCTIONS:
        question = QUESTION_TYPES["function"](random.Random(name), function=name)
        question = question.placed("q1", 2)
        sealed = SealedQuestion.from_dict(json.loads(json.dumps(seal(question,
                                                                     os.urandom(16)))))
        for bug in (None, *KNUTH_BUGS, "knuth-raises"):
            function = functions(bug)[name]
            graded, checked = question.check(function), sealed.check(function)
            assert checked.score == graded.score, (name, bug, graded.message)
        assert sealed.check(functions()[name]).correct
        assert not sealed.check(print).correct


def test_reference_solutions_are_for_the_instructor_only(tmp_path):
    """The instructor's command writes them; no lesson, exercise or site file holds them."""
    path = solutions.write(tmp_path / "keys")
    text = path.read_text(encoding="utf-8")
    namespace: dict = {}
    exec(text, namespace)
    assert all(callable(namespace[name]) for name in CORRECT)
    telltales = [line.strip() for source in CORRECT.values() for line in source.splitlines()
                 if len(line.strip()) > 24 and not line.startswith("def ")]  # bodies only
    for folder in ("notebooks", "exercises", "lite"):
        for file in (ROOT / folder).rglob("*"):
            if file.suffix in (".ipynb", ".py", ".md", ".json", ".html"):
                content = file.read_text(encoding="utf-8", errors="replace")
                found = [line for line in telltales if line in content]
                assert not found, (file, found[:2])


def test_a_result_pretending_to_be_a_number_is_not_plain_data(interactive):
    class Sly(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    namespace = functions()
    namespace["block_size"] = lambda request, min_block, total: Sly(0)
    assert scores(namespace)["block_size"] == 0
    assert "not plain data" in messages(namespace)["block_size"]


def test_a_function_that_mutates_its_arguments_cannot_touch_the_graders_copies(interactive):
    question = next(q for q in variant(NAME, STUDENT) if q.function == "liberate")
    before = json.dumps([question.params, question.answer], sort_keys=True)

    def liberate(mem, L, k):
        mem.clear()
        mem["tag"] = [1, 2, 3]

    assert question.check(liberate).score == 0
    assert json.dumps([question.params, question.answer], sort_keys=True) == before
    # A correct function checked afterwards still sees the original inputs.
    assert question.check(functions()["liberate"]).score == 1


def test_under_the_grader_the_notebooks_own_checks_leave_functions_to_the_grader(
        monkeypatch):
    monkeypatch.setenv("BUDDY_EDU_GRADING", "1")
    called = []

    def reserve(mem, k):
        called.append(1)

    ex = start(NAME, STUDENT)
    assert "Checked by the grader" in ex.check("q4", reserve).message
    assert all(row.earned is None for row in ex.check_all({"reserve": reserve}).rows)
    assert called == []  # the grader calls it after the last cell, with its own limits


def test_missing_and_non_function_answers_say_what_to_do(interactive):
    summary = start(NAME, STUDENT).check_all({})
    assert all(row.earned == 0 for row in summary.rows)
    assert "No answer: reserve is not set" in repr(summary)
    feedback = start(NAME, STUDENT).check("q4", 42)
    assert feedback.score == 0 and "reserve is not a function" in feedback.message


def test_expected_values_come_from_the_core_run():
    total, min_block, traces = random_traces(random.Random(7))
    calls, expected = expected_calls("find_block", total, min_block, traces)
    assert any(result is None for result, _ in expected)  # a request that cannot be served
    for trace in traces:  # every expected block is the one the core split or handed out
        core = BuddyAllocator(total, min_block)
        for op in trace:
            if op.kind == "free":
                core.free(op.name)
                continue
            start_at = core.event_count()
            with contextlib.suppress(Exception):
                core.allocate(op.size, op.name)
            first = core.event_at(start_at)
            if first.kind != "fail":
                assert [first.address, first.size] in [r for r, _ in expected]
    merges = expected_calls("buddy", total, min_block, traces)[0]
    assert merges and all(len(args) == 2 for args in merges)


def test_function_questions_are_plain_data_that_survive_json(interactive):
    from buddy_edu.exercises import question_from_dict

    for question in [*variant(NAME, STUDENT), *lesson_questions().values()]:
        copy = question_from_dict(json.loads(json.dumps(question.to_dict())))
        assert copy == question and copy.answer_name == question.function
        assert copy.check(functions()[question.function]).score == 1
        assert question.worked() is None  # nothing single to replay: the traces are the test
        assert question.function in question.title and "answer=" not in repr(question)


def test_bad_input_is_refused_with_what_to_fix():
    with pytest.raises(InvalidRequest, match="build-your-own functions are block_size"):
        check_function("merge", print)
    with pytest.raises(InvalidRequest, match="traces must be a whole number"):
        compare(functions(), traces=0)
    with pytest.raises(InvalidRequest, match="unknown function"):
        function_question("alloc", 1024, 64, [])


# ------------------------------------------------------------------ the composed allocator
def test_compare_agrees_with_a_correct_implementation():
    result = compare(functions(), traces=10)
    assert result.agrees and result.divergence is None and result.side_by_side() is None
    assert "agree with the allocator on all 10 traces" in result.summary()


def test_compare_asks_for_functions_that_are_not_defined():
    namespace = functions()
    del namespace["split"]
    assert "Define split first" in compare(namespace).summary()


def _merges(total, min_block, trace, index):
    core = BuddyAllocator(total, min_block)
    for op in trace[:index]:
        if op.kind == "allocate":
            with contextlib.suppress(Exception):
                core.allocate(op.size, op.name)
        else:
            core.free(op.name)
    start_at = core.event_count()
    core.free(trace[index].name)
    return [core.event_at(i) for i in range(start_at, core.event_count())
            if core.event_at(i).kind == "merge"]


def test_the_first_divergence_of_a_one_level_merge_is_the_first_double_merge():
    result = compare(functions("one-level-merge"))
    d = result.divergence
    trace, total, min_block = d.core.trace, d.core.total, d.core.min_block
    assert trace[d.op_index].kind == "free"
    assert len(_merges(total, min_block, trace, d.op_index)) >= 2
    for index in range(d.op_index):  # no earlier free merged twice in this trace
        if trace[index].kind == "free":
            assert len(_merges(total, min_block, trace, index)) <= 1
    assert d.theirs.states[d.op_index].free != d.core.states[d.op_index].free
    assert "free lists differ" in d.reason


def test_the_first_divergence_of_address_plus_size_frees_an_upper_half():
    d = compare(functions("address-plus-size")).divergence
    op = d.core.trace[d.op_index]
    assert op.kind == "free"
    address, size, _ = d.core.states[d.op_index - 1].allocated[op.name]
    assert address % (2 * size) == size  # an upper half: the only case the bug gets wrong
    assert all(mine == want for mine, want in zip(d.theirs.states[:d.op_index],
                                                  d.core.states[:d.op_index], strict=False))


def test_a_raising_function_stops_its_trace_and_says_which():
    d = compare(functions("raises")).divergence
    assert d.op_index == 0 and "find_block raised ValueError: not written yet" in d.reason


def test_an_allocator_that_never_finds_a_block_differs_at_once_without_crashing():
    namespace = functions()
    namespace["find_block"] = lambda free, size: None
    d = compare(namespace).divergence
    assert d.op_index == 0 and "yours finds no free block" in d.reason
    # its run stops at the first free of a name only the allocator gave out
    assert re.fullmatch(r"P\d+ was never allocated by your functions",
                        d.theirs.states[-1].outcome)


def test_side_by_side_steps_both_runs_from_the_first_difference():
    d = compare(functions("one-level-merge")).divergence
    view = compare(functions("one-level-merge")).side_by_side()
    assert view.position == d.op_index + 1
    left, right = (pane.value for pane in view._panes)
    assert "Your functions" in left and "The allocator (core)" in right
    assert left.count("<svg") >= 2 and right.count("<svg") >= 2  # tree and memory map
    assert "buddy-side-differs" in left
    view.position = 0
    assert "Start: 1" in view._panes[0].value and "buddy-side-differs" not in view._panes[0].value


def test_recorded_runs_look_like_the_core_to_the_pictures():
    d = compare(functions("one-level-merge")).divergence
    core, mine = RecordedRun(d.core), RecordedRun(d.theirs)
    real = BuddyAllocator(d.core.total, d.core.min_block)
    for op in d.core.trace[:d.op_index + 1]:
        if op.kind == "allocate":
            with contextlib.suppress(Exception):
                real.allocate(op.size, op.name)
        else:
            real.free(op.name)
    core.seek(d.op_index + 1)
    mine.seek(d.op_index + 1)
    assert core.blocks() == real.blocks() and core.free_lists() == real.free_lists()
    assert core.tiles() and mine.tiles()  # the bug leaves valid, just unmerged, blocks


# ------------------------------------------------------------------ the grader's kernel side
def run_probe(namespace: dict, question) -> dict:
    """Run the grader's call snippet in-process on ``namespace``, as the kernel would."""
    request = call_extraction(question.id, question.function, question.params["calls"])
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(request.code, "<calls>", "exec"), namespace)
    return request.parse(printed.getvalue(), [question.id])[question.id]


@pytest.mark.parametrize("bug", [None, "one-level-merge", "address-plus-size", "raises",
                                 "knuth-one-level-merge", "rear-insert", "knuth-raises"])
def test_the_kernel_snippet_scores_exactly_as_the_notebook(bug, interactive):
    from buddy_edu.exercises.answers import transport

    for question in [*variant(NAME, STUDENT), *lesson_questions().values()]:
        namespace = functions(bug)
        reported = run_probe(namespace, question)
        in_kernel = question.score(*transport.read_entry(reported))
        in_notebook = question.check(functions(bug)[question.function])
        assert in_kernel == in_notebook, question.function


def test_the_kernel_snippet_survives_a_shadowed_json_and_builtins(interactive):
    question = next(q for q in variant(NAME, STUDENT) if q.function == "reserve")
    namespace = functions()
    exec("import sys, types\nsys.modules['json'] = types.ModuleType('json')\n"
         "list = dict = repr = print = None", namespace)
    try:
        from buddy_edu.exercises.answers import transport

        assert question.score(*transport.read_entry(run_probe(namespace, question))).score == 1
    finally:
        import sys

        sys.modules["json"] = json


def test_an_undefined_function_is_reported_missing_by_the_kernel():
    question = variant(NAME, STUDENT)[0]
    assert run_probe({}, question) == {"missing": True}
    assert "not a function" in run_probe({"block_size": 3}, question)["problem"]


# ------------------------------------------------------------------ the notebooks
def test_the_exercise_notebook_is_generated_with_a_def_per_function():
    stored = nbformat.read(ROOT / "exercises" / f"{NAME}.ipynb", as_version=4)
    text = "\n".join(cell.source for cell in stored.cells if cell.cell_type == "code")
    for qid, name in zip(ASSIGNMENTS[NAME].question_ids, POINTS, strict=True):
        assert f"def {name}(" in text and f'ex.check("{qid}", {name})' in text
        assert f'raise NotImplementedError("write {name}")' in text
    assert [c.source for c in stored.cells] == [c.source for c in build(NAME).cells]


def student_notebook(student: str, bug: str | None = None, extra: dict | None = None):
    """exercises/build-your-own.ipynb with the student's id and functions written in."""
    nb = nbformat.read(ROOT / "exercises" / f"{NAME}.ipynb", as_version=4)
    written = {**CORRECT, **(BUGGY[bug] if bug else {}), **(extra or {})}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.source = cell.source.replace('student="your-id"', f'student="{student}"')
        match = re.match(r"def (\w+)\(", cell.source)
        if match:
            check = cell.source[cell.source.index("ex.check("):]
            cell.source = written[match.group(1)] + "\n\n" + check
    return nb


@pytest.mark.kernel
def test_the_exercise_notebook_runs_with_full_marks_for_a_correct_implementation(
        tmp_path, interactive):
    nb = student_notebook("grace")
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    checks = [cell.outputs[0].data["text/html"] for cell in nb.cells
              if cell.cell_type == "code" and "ex.check(" in cell.source]
    assert len(checks) == 5 and all("✓" in text for text in checks)
    (total,) = [cell.outputs[0].data["text/plain"] for cell in nb.cells
                if cell.cell_type == "code" and cell.source == "ex.check_all()"]
    assert total.startswith(f"{NAME} for grace: 10 / 10 points")


# ------------------------------------------------------------------ the batch grader
STUBBORN = '''\
def liberate(mem, L, k):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
'''


@pytest.mark.sandbox
@pytest.mark.kernel
def test_the_batch_grades_correct_buggy_looping_and_raising_submissions(tmp_path):
    from buddy_edu.grading.batch import grade

    subs = tmp_path / "subs"
    subs.mkdir()
    cases = {"ada": None, "ben": "knuth-one-level-merge", "cai": "knuth-plus-size",
             "dee": "lost-upper-half", "eve": "rear-insert", "gus": "knuth-loops",
             "hal": "knuth-raises"}
    for student, bug in cases.items():
        nbformat.write(student_notebook(student, bug), subs / f"{student}.ipynb")
    nbformat.write(student_notebook("fay", extra={"liberate": STUBBORN}),
                   subs / "fay.ipynb")
    out = tmp_path / "grades.csv"
    began = time.monotonic()
    results = grade(NAME, [subs], out=out, feedback_dir=tmp_path / "feedback",
                    progress=io.StringIO(), jobs=2, timeout=60, cell_timeout=10)
    took = time.monotonic() - began
    by = {r.student: r for r in results}
    earned = {s: {q.id: q.earned for q in r.questions} for s, r in by.items()}
    ids = dict(zip(POINTS, ASSIGNMENTS[NAME].question_ids, strict=True))
    full = {ids[name]: points for name, points in POINTS.items()}
    assert earned["ada"] == full, by["ada"].messages  # a correct implementation: 10 / 10
    for student, bug in cases.items():  # each classic bug costs exactly its functions
        if bug in KNUTH_BUGS:
            lost = {ids[name]: points for name, points in KNUTH_BUGS[bug].items()}
            assert earned[student] == {**full, **lost}, (bug, by[student].messages)
    assert earned["gus"] == {**full, "q4": 0}  # loops: only reserve
    assert earned["hal"] == {**full, "q3": 0, "q4": 0, "q5": 0}  # R and S call its unlink
    assert earned["fay"] == {**full, "q5": 0}  # ignores every interrupt: still only its own
    messages = {s: {q.id: q.message for q in r.questions} for s, r in by.items()}
    assert "raised ValueError: not written yet" in messages["hal"]["q3"]
    assert "did not finish within 1 s" in messages["gus"]["q4"]
    assert "liberate" in messages["fay"]["q5"]
    assert "AVAIL lists" in messages["ben"]["q5"]
    rows = {row["student_id"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    assert sorted(rows) == sorted([*cases, "fay"])
    assert rows["ada"]["score"] == rows["ada"]["max_score"] == "10"
    assert [rows[s]["score"] for s in ("ben", "cai", "dee", "eve")] == ["7", "7", "8", "5"]
    print("sandboxed scores:", {s: rows[s]["score"] for s in sorted(rows)})
    assert (tmp_path / "feedback" / "eve.html").is_file()
    assert took < 120, took
    assert all(result.sandboxed for result in results)


def test_a_call_runs_where_the_platform_has_no_alarm(monkeypatch):
    """JupyterLite's Pyodide has SIGALRM but no setitimer: ex.check must still call the
    student's function there (unlimited) instead of failing on the missing timer."""
    import signal

    from buddy_edu.exercises.build_your_own.harness import call_limited

    monkeypatch.delattr(signal, "setitimer")
    handler = signal.getsignal(signal.SIGALRM)
    assert call_limited(lambda a, s: a ^ s, (64, 64), 1.0) == ("ok", 0)
    assert signal.getsignal(signal.SIGALRM) is handler


def test_the_solutions_command_needs_the_course_and_a_folder_of_the_instructors(tmp_path):
    import subprocess
    import sys

    from buddy_edu.exercises.course.settings import init_course

    course = init_course(tmp_path / "os101")

    def cli(*args: str):
        return subprocess.run([sys.executable, "-m", "buddy_edu", "course", "solutions", *args],
                              cwd=tmp_path, capture_output=True, text=True, timeout=60)

    done = cli(str(course.root), "--out", "keys")
    assert done.returncode == 0, done.stderr
    written = tmp_path / "keys" / solutions.FILE_NAME
    assert written.read_text(encoding="utf-8") == solutions.source()
    refused = cli(str(course.root), "--out", str(course.root / "release" / "keys"))
    assert refused.returncode == 2 and "where students' material comes from" in refused.stderr
    outside = cli(str(tmp_path), "--out", "elsewhere")
    assert outside.returncode == 2 and "not a course folder" in outside.stderr
    assert not (tmp_path / "elsewhere").exists()
