"""``buddy-edu exercises list|key`` and ``buddy-edu grade`` through ``buddy_edu.cli.main``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest
from _submissions import answered

from buddy_edu import format_size
from buddy_edu.cli import main
from buddy_edu.exercises import ASSIGNMENTS, answer_key

ROOT = Path(__file__).resolve().parents[1]
NAME = "coalescing"


def handed_in(folder: Path, student: str, answers: dict | None = None) -> Path:
    """exercises/<NAME>.ipynb with the student's id and ``answers``, written to ``folder``."""
    path = folder / f"{student}.ipynb"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(answered(ROOT / "exercises" / f"{NAME}.ipynb", student, answers), path)
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_exercises_list_prints_one_name_a_line(capsys):
    assert run(capsys, "exercises", "list") == (0, "".join(f"{n}\n" for n in ASSIGNMENTS), "")


@pytest.fixture
def course(tmp_path):
    """A course folder: answer keys are made from its secret."""
    from buddy_edu.exercises.course.settings import init_course

    return init_course(tmp_path / "course", name="OS 101")


def test_exercises_key_prints_the_students_answer_key_as_json(capsys, course):
    status, out, err = run(capsys, "exercises", "key", NAME, "--student", "jdoe",
                           "--course", str(course.root))
    assert status == 0 and err == ""
    assert json.loads(out) == answer_key(NAME, "jdoe", course.secret())
    assert json.loads(out) != answer_key(NAME, "kim", course.secret())


def test_exercises_key_writes_the_whole_class_key_from_a_roster(capsys, tmp_path, course):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,student\nAda Lovelace,ada\nBob,-2-3\nCarol,@A1\n")
    out = tmp_path / "keys.csv"
    status, printed, err = run(capsys, "exercises", "key", NAME, "--roster", str(roster),
                               "--out", str(out), "--course", str(course.root))
    assert status == 0 and "3 students" in printed and err == ""
    rows = list(csv.reader(out.open()))
    questions = [f"q{n}" for n in range(1, len(ASSIGNMENTS[NAME].slots) + 1)]
    assert rows[0] == ["student", *questions]
    assert [row[0] for row in rows[1:]] == ["ada", "'-2-3", "'@A1"]  # never a formula
    key = answer_key(NAME, "ada", course.secret())
    assert rows[1][1] == format_size(key["q1"])
    assert len({tuple(row[1:]) for row in rows[1:]}) == 3


@pytest.mark.parametrize("roster, message", [
    ("student\nada\nbad id\n", "line 3: student id 'bad id' is not usable"),
    ("student\nada\nbob\nada\n", "line 4: student 'ada' is also on line 2"),
    ("", "is empty"),
])
def test_a_bad_roster_names_the_line_and_writes_no_key(capsys, tmp_path, course, roster,
                                                      message):
    (tmp_path / "roster.csv").write_text(roster)
    out = tmp_path / "keys.csv"
    status, _, err = run(capsys, "exercises", "key", NAME, "--roster",
                         str(tmp_path / "roster.csv"), "--out", str(out),
                         "--course", str(course.root))
    assert status == 2 and message in err and not out.exists()


def test_exercises_notebooks_writes_the_chosen_feedback_level(capsys, tmp_path):
    status, printed, _ = run(capsys, "exercises", "notebooks", str(tmp_path), "--feedback",
                             "none")
    assert status == 0 and len(printed.split()) == len(ASSIGNMENTS)
    for name in ASSIGNMENTS:
        text = (tmp_path / f"{name}.ipynb").read_text()
        assert 'feedback=\\"none\\"' in text and "Feedback before grading: **none**" in text


@pytest.fixture
def no_sandbox_here(monkeypatch):
    """A machine where the sandbox cannot run: argument errors must still be the ones shown."""
    from buddy_edu.grading import batch
    from buddy_edu.grading.sandbox import SandboxUnavailable

    def refuse(limits):
        raise SandboxUnavailable("cannot sandbox the notebooks: bubblewrap is not installed")

    monkeypatch.setattr(batch, "preflight", refuse)


@pytest.mark.parametrize("argv, message", [
    (["exercises", "key", "nope", "--student", "jdoe"], "unknown assignment 'nope'"),
    (["exercises", "key", NAME, "--student", "a b"], "student id 'a b' is not usable"),
    (["exercises", "notebooks", "notes.txt"],
     "cannot write the notebooks into notes.txt: it is a file; pass a folder"),
    (["grade", "nope", "x.ipynb"], "unknown assignment 'nope': choose one of"),
    (["grade", NAME, "missing.ipynb"], "submission missing.ipynb does not exist"),
    (["grade", NAME, "jdoe.ipynb", "missing.ipynb"], "submission missing.ipynb does not exist"),
    (["grade", NAME, "."], "no notebooks (.ipynb files) found in the folder ."),
    (["grade", NAME, "notes.txt"], "notes.txt is not a notebook"),
    (["grade", NAME, "jdoe.ipynb", "--out", "no/such/folder/g.csv"],
     "give a file name in an existing folder"),
    (["grade", NAME, "jdoe.ipynb", "--gradebook", "notes.txt"], "not a buddy-edu gradebook"),
    (["grade", NAME, "jdoe.ipynb", "--gradebook", "no/such/folder/g.sqlite"],
     "the folder no/such/folder does not exist"),
    (["grade", NAME, "jdoe.ipynb", "--feedback", "notes.txt"],
     "cannot write feedback into notes.txt: it is a file"),
])
def test_mistakes_in_the_command_are_explained_with_status_2(
        capsys, tmp_path, monkeypatch, no_sandbox_here, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("these are notes, not a gradebook" * 50)
    if "jdoe.ipynb" in argv:
        handed_in(tmp_path, "jdoe")
    before = sorted(p.name for p in tmp_path.iterdir())
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.startswith("buddy-edu: ") and message in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize("argv, message", [
    (["grade", NAME, "x.ipynb", "--jobs", "0"], "jobs must be a whole number of at least 1"),
    (["grade", NAME, "x.ipynb", "--timeout", "soon"], "'soon' is not a number of seconds"),
    (["grade", NAME, "x.ipynb", "--cell-timeout", "-1"],
     "the cell timeout must be a number of seconds above 0"),
    (["grade", NAME, "x.ipynb", "--timeout", "1e6"], "must be at most one day (86400 s)"),
    (["grade", NAME, "x.ipynb", "--memory", "10M"], "memory limit must be at least 256M"),
    (["grade", NAME, "x.ipynb", "--memory", "lots"], "expected a size like 64, 64K"),
    (["grade", NAME], "the following arguments are required: SUBMISSION"),
    (["exercises", "key", NAME], "one of the arguments --student --roster is required"),
])
def test_bad_options_are_usage_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2 and message in capsys.readouterr().err


def test_exercises_without_an_action_shows_its_help(capsys):
    status, out, err = run(capsys, "exercises")
    assert status == 2 and "list" in err and "key" in err


@pytest.mark.sandbox
@pytest.mark.kernel
def test_grade_writes_csv_gradebook_and_feedback_and_resumes(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    handed_in(tmp_path / "subs", "jdoe", answer_key(NAME, "jdoe"))
    handed_in(tmp_path / "subs", "kim")
    (tmp_path / "subs" / "lee.ipynb").write_text("{ this is not json", encoding="utf-8")
    argv = ["grade", NAME, "subs", "--out", "grades.csv", "--feedback", "feedback",
            "--jobs", "2", "--timeout", "30", "--cell-timeout", "5"]
    status, out, err = run(capsys, *argv)
    assert status == 0, err
    assert out.splitlines()[:2] == [
        f"graded 3 submissions of {NAME} (0 already graded, 1 could not run to the end)",
        "  lee: the file is not a notebook: it is not valid JSON (was it edited by hand, "
        "or saved while truncated?)"]
    assert "3/3 graded, 1 failed" in err
    full = ASSIGNMENTS[NAME].max_score
    rows = list(csv.DictReader((tmp_path / "grades.csv").open(encoding="utf-8")))
    assert [(r["student_id"], r["score"], r["max_score"]) for r in rows] == [
        ("jdoe", str(full), str(full)), ("kim", "0", str(full)), ("lee", "0", str(full))]
    assert out.splitlines()[2:] == [
        "PRACTICE MODE: no course, so these are practice grades (the CSV and the gradebook "
        "say 'practice'); grade with --course DIR for a course's",
        "grades: grades.csv", "gradebook: grades.sqlite", "feedback: feedback/<student>.html"]
    assert {r["mode"] for r in rows} == {"practice"}
    assert (tmp_path / "grades.sqlite").is_file()
    assert sorted(p.name for p in (tmp_path / "feedback").iterdir()) == [
        "jdoe.html", "kim.html", "lee.html"]
    assert "correct answer" not in (tmp_path / "feedback" / "kim.html").read_text()

    status, out, err = run(capsys, *argv, "--reveal")
    assert status == 0
    assert out.startswith(f"graded 0 submissions of {NAME} (3 already graded, ")
    assert "skipped 3 already graded" in err
    assert "correct answer" in (tmp_path / "feedback" / "kim.html").read_text()


def test_a_missing_notebook_is_named_before_the_sandbox_is_checked(capsys, tmp_path, monkeypatch):
    # On a machine without bubblewrap too: the mistake in the command comes first.
    from buddy_edu.grading.sandbox import bwrap_path

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    bwrap_path.cache_clear()
    try:
        status, out, err = run(capsys, "grade", "splitting", "nowhere.ipynb")
    finally:
        bwrap_path.cache_clear()
    assert status == 2 and out == ""
    assert err == "buddy-edu: submission nowhere.ipynb does not exist\n"
    assert list(tmp_path.iterdir()) == []


def test_without_bubblewrap_grading_stops_before_anything_and_names_the_fix(
        capsys, tmp_path, monkeypatch):
    from buddy_edu.grading.sandbox import bwrap_path

    monkeypatch.chdir(tmp_path)
    handed_in(tmp_path / "subs", "jdoe")
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    bwrap_path.cache_clear()
    try:
        status, out, err = run(capsys, "grade", NAME, "subs")
    finally:
        bwrap_path.cache_clear()
    assert status == 2 and out == ""
    assert "bubblewrap (the bwrap command) is not installed" in err
    assert "apt-get install bubblewrap" in err and "--no-sandbox" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["subs"]


@pytest.mark.kernel
@pytest.mark.sandbox  # the last run grades in the sandbox
def test_no_sandbox_warns_every_run_and_the_gradebook_says_so(capsys, tmp_path, monkeypatch):
    import sqlite3

    monkeypatch.chdir(tmp_path)
    handed_in(tmp_path / "subs", "jdoe", answer_key(NAME, "jdoe"))
    argv = ["grade", NAME, "subs", "--no-sandbox", "--timeout", "30", "--cell-timeout", "5"]
    for _ in range(2):  # the second run grades nothing, and still warns
        status, out, err = run(capsys, *argv)
        assert status == 0, err
        assert "WARNING: grading without a sandbox" in err
        assert "graded WITHOUT a sandbox" in out
    with sqlite3.connect(tmp_path / "grades.sqlite") as db:
        assert db.execute("SELECT student, sandboxed FROM submissions").fetchall() == [
            ("jdoe", 0)]
    # A sandboxed run does not trust the unsandboxed grade: it grades the file again.
    status, out, err = run(capsys, "grade", NAME, "subs", "--timeout", "30")
    assert status == 0 and out.startswith(f"graded 1 submission of {NAME} (0 already graded")
    assert "WARNING" not in err
    with sqlite3.connect(tmp_path / "grades.sqlite") as db:
        assert db.execute("SELECT sandboxed FROM submissions").fetchall() == [(1,)]


@pytest.mark.sandbox  # the preflight runs bwrap (no kernel starts)
def test_a_sandbox_that_cannot_start_a_kernel_stops_before_grading(capsys, tmp_path, monkeypatch):
    # Without the interpreter's folders the kernel cannot start: every student would
    # get 0 points for "a dead kernel", so the batch must stop and say why instead.
    import buddy_edu.grading.sandbox as sandbox

    monkeypatch.chdir(tmp_path)
    handed_in(tmp_path / "subs", "jdoe")
    monkeypatch.setattr(sandbox, "readonly_binds", lambda: [])
    status, out, err = run(capsys, "grade", NAME, "subs")
    assert status == 2 and out == ""
    assert "cannot start a kernel in the sandbox" in err and "--no-sandbox" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["subs"]
