"""Course mode: answer keys that stay with the instructor.

A course folder holds a secret; variants are seeded from it, so without it no
command or API of the kit gives a course's key.  Students get one notebook for
the class that holds prompts and sealed checks, never answers; those checks
mark an answer as the grader does.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import random
import re
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from _submissions import answered

from buddy_edu import InvalidRequest
from buddy_edu.exercises import ASSIGNMENTS, QUESTION_TYPES, TYPES, answer_key, start, variant
from buddy_edu.exercises.answers import forms
from buddy_edu.exercises.course.release import decode, encode, questions_for, release_data
from buddy_edu.exercises.course.sealing import SealedQuestion, _candidates, canonical, seal
from buddy_edu.exercises.course.settings import (
    CourseNotFound,
    find_course,
    init_course,
    load_course,
)
from buddy_edu.exercises.questions.feedback import MISCONCEPTIONS, limited

ROSTER = ("student_id,name,email,canvas_id,sis_id,moodle_id,gradescope_sid\n"
          "jdoe,Jane Doe,jdoe@uni.edu,12345,S1,301,S1\n"
          "bsmith,Bo Smith,bs@uni.edu,12346,S2,302,S2\n"
          "-2-3,Formula Face,ff@uni.edu,12347,S3,303,S3\n")


@pytest.fixture()
def course(tmp_path):
    made = init_course(tmp_path / "os101", name="OS 101")
    made.roster_path.write_text(ROSTER, encoding="utf-8")
    return made


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``buddy-edu ARGS`` run in ``cwd``, in this process (as ``buddy_edu.cli.main``)."""
    import contextlib

    from buddy_edu.cli import main

    out, err = io.StringIO(), io.StringIO()
    before = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(list(args))
    finally:
        os.chdir(before)
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


# ------------------------------------------------------------------ the folder
def test_init_writes_settings_an_owner_only_secret_a_gitignore_and_an_empty_roster(tmp_path):
    made = init_course(tmp_path / "c", name="OS 101", feedback="none")
    root = made.root
    assert sorted(p.name for p in root.iterdir()) == [
        ".gitignore", "course.json", "roster.csv", "secret.key"]
    assert stat.S_IMODE((root / "secret.key").stat().st_mode) == 0o600
    assert len(bytes.fromhex((root / "secret.key").read_text())) * 8 >= 256
    assert "/secret.key" in (root / ".gitignore").read_text().split()
    settings = json.loads((root / "course.json").read_text())
    assert settings["name"] == "OS 101"
    assert set(settings["assignments"]) == set(ASSIGNMENTS)
    assert {a["feedback"] for a in settings["assignments"].values()} == {"none"}
    assert made.roster() == [] and (root / "roster.csv").read_text().startswith("student_id,")
    with pytest.raises(InvalidRequest, match="already holds course.json, secret.key"):
        init_course(root)
    assert made.secret() == load_course(root).secret()


def test_two_courses_have_different_secrets(tmp_path):
    assert init_course(tmp_path / "a").secret() != init_course(tmp_path / "b").secret()


def test_commands_find_the_course_from_the_folder_or_say_there_is_none(course, tmp_path,
                                                                       monkeypatch):
    deep = course.root / "release" / "week1"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert find_course().root == course.root
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CourseNotFound, match="no course here.*buddy-edu course init DIR"):
        find_course()
    with pytest.raises(CourseNotFound, match="is not a course folder"):
        find_course(tmp_path)


def test_a_secret_others_can_read_or_that_was_edited_is_refused(course):
    path = course.root / "secret.key"
    path.chmod(0o644)
    with pytest.raises(InvalidRequest, match="can be read by other users: run `chmod 600"):
        course.secret()
    path.chmod(0o600)
    path.write_text("abcd\n")
    with pytest.raises(InvalidRequest, match="does not hold a secret of 256 bits"):
        course.secret()
    path.unlink()
    with pytest.raises(CourseNotFound, match="secret.key is missing"):
        course.secret()


def test_a_roster_with_a_repeated_lms_id_names_both_lines(course):
    course.roster_path.write_text(ROSTER + "ann,Ann,,12345,,,\n", encoding="utf-8")
    with pytest.raises(InvalidRequest, match=r"line 5: canvas_id '12345' is also on line 2"):
        course.roster()


# ------------------------------------------------------------------ variants from the secret
def test_variants_come_from_the_secret_and_differ_from_practice(course, tmp_path):
    secret = course.secret()
    other = init_course(tmp_path / "other").secret()
    for name in ASSIGNMENTS:
        for student in ("jdoe", "bsmith"):
            ours = answer_key(name, student, secret)
            assert ours == answer_key(name, student, secret)  # reproducible
            assert ours != answer_key(name, student)  # practice mode's
            assert ours != answer_key(name, student, other)  # another course's


def test_without_the_secret_no_command_gives_a_course_key(course, tmp_path):
    key = answer_key("splitting", "jdoe", course.secret())
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    done = cli("exercises", "key", "splitting", "--student", "jdoe", cwd=outside)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "answer keys come from a course's secret" in \
        done.stderr
    done = cli("exercises", "key", "splitting", "--roster", "--out", "k.csv", cwd=outside)
    assert done.returncode == 2 and not (outside / "k.csv").exists()
    # with the course (found from its folder), the key is the course's
    done = cli("exercises", "key", "splitting", "--student", "jdoe", cwd=course.root)
    assert done.returncode == 0 and json.loads(done.stdout) == json.loads(json.dumps(key))
    done = cli("exercises", "key", "splitting", "--roster", "--out", "k.csv", cwd=course.root)
    assert done.returncode == 0, done.stderr
    rows = (course.root / "k.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows] == ["student", "jdoe", "bsmith", "'-2-3"]


# ------------------------------------------------------------------ the release
@pytest.fixture()
def released(course):
    path = course.root / "release" / "coalescing.ipynb"
    done = cli("course", "release", str(course.root), "coalescing", cwd=course.root)
    assert done.returncode == 0, done.stderr
    assert "for 3 students" in done.stdout
    return path


def _release_text(path: Path) -> str:
    notebook = nbformat.read(path, as_version=4)
    namespace: dict = {}
    exec(notebook.cells[1].source, namespace)  # the data cell, as the student runs it
    return namespace["RELEASE"]


def test_the_released_notebook_holds_neither_the_secret_nor_any_key(course, released):
    content = released.read_bytes()
    secret = course.secret()
    for encoded in (secret.hex().encode(), secret.hex().upper().encode(), secret,
                    base64.b64encode(secret), base64.urlsafe_b64encode(secret)):
        assert encoded not in content
    data = decode(_release_text(released))
    text = json.dumps(data)
    assert "jdoe" not in text and "bsmith" not in text  # the roster is not readable either
    hexdigest = re.compile(r"[0-9a-f]{16}")
    for student in ("jdoe", "bsmith", "-2-3"):
        key = answer_key("coalescing", student, secret)
        for question in questions_for(data, student):
            assert not hasattr(question, "answer")
            # Besides what the prompt says (the prompt, its parameters, the memory's block
            # sizes), a sealed question holds hashes and marks only.
            assert set(question.sealed) <= {"id", "kind", "points", "prompt", "params",
                                            "salt", "sizes", "table", "parts", "count"}
            assert set(question.params) <= {"setup", "policy", "total", "min_block", "orders"}
            assert all(hexdigest.fullmatch(d) for d in [*question.sealed["table"],
                                                         *question.sealed.get("parts", [])])
            assert all(len(mark) == 2 and mark[1] in (None, *MISCONCEPTIONS)
                       for mark in question.sealed["table"].values())
            answer = key[question.id]
            if isinstance(answer, list) and answer:  # blocks or counts: findable as text
                for form in (json.dumps(answer), canonical(answer)):
                    assert form not in text, (student, question.id)
        whole = json.dumps(key).encode()
        assert whole not in content and base64.b64encode(whole) not in content
        assert whole.hex().encode() not in content


def test_a_student_gets_their_own_questions_and_the_prompt_is_the_graders(course, released):
    text = _release_text(released)
    ex = start("coalescing", student="bsmith", release=text)
    graded = variant("coalescing", "bsmith", course.secret())
    assert [q.prompt for q in ex.questions] == [q.prompt for q in graded]
    assert ex.mode == "course" and ex.course == "OS 101" and "course OS 101" in repr(ex)
    with pytest.raises(InvalidRequest, match="'zed' is not on the roster of OS 101"):
        start("coalescing", student="zed", release=text)
    with pytest.raises(InvalidRequest, match="full explanations are for practice mode"):
        start("coalescing", student="bsmith", release=text, feedback="full")
    with pytest.raises(InvalidRequest, match="course data of this notebook is damaged"):
        start("coalescing", student="bsmith", release=text[:-20])
    with pytest.raises(InvalidRequest, match="for 'coalescing', not 'splitting'"):
        start("splitting", student="bsmith", release=text)


def test_practice_mode_says_so_in_the_notebooks_and_in_show(monkeypatch):
    import IPython.display

    root = Path(__file__).resolve().parents[1]
    for name in ASSIGNMENTS:
        notebook = json.loads((root / "exercises" / f"{name}.ipynb").read_text())
        assert "**Practice mode.**" in "".join(notebook["cells"][0]["source"])
    shown: list = []
    monkeypatch.setattr(IPython.display, "display", lambda *items: shown.extend(items))
    ex = start("splitting", student="jdoe")
    assert ex.mode == "practice" and "practice mode" in repr(ex)
    ex.show("q1")
    assert "Practice mode" in getattr(shown[0], "data", "")


# ------------------------------------------------------------------ sealed checks = grader
def _tries(question, rng: random.Random) -> list:
    """The right answer, every reading near it that the judge names a misconception for,
    and random wrong ones, as a student might write them (plain data)."""
    readings = [question.answer]
    spec = question.type
    from buddy_edu.exercises.course.sealing import memory_sizes

    for reading in _candidates(question, memory_sizes(question.params)):
        if spec.judge(question, reading).misconception:
            readings.append(reading)
    if spec.form in (forms.SIZE, forms.ADDRESS, forms.COUNT, forms.ORDER):
        readings += [rng.randint(0, 1 << 21) for _ in range(4)]
    elif spec.form is forms.BLOCKS:
        readings += [[(rng.randrange(0, 1 << 20, 1 << 15), 1 << 15)] for _ in range(2)]
        readings.append([tuple(b) for b in question.answer][:-1])  # one missing: partial
    elif spec.form is forms.COUNTS:
        readings += [[c + 1 for c in question.answer]]
    elif spec.form is forms.OUTCOME:
        readings += ["succeeds", "fails", "fails: not enough memory"]
    return [_plain(reading) for reading in readings]


def _plain(value: object) -> object:
    """A reading as a student's value: tuples become lists, as JSON would have them."""
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("kind", [kind for kind in TYPES if TYPES[kind].run is None])
def test_sealed_checks_mark_like_the_grader_for_every_question_type(kind):
    rng = random.Random(kind)
    misconceptions = right = 0
    for seed in range(12):
        question = QUESTION_TYPES[kind](seed).placed("q1", 2)
        sealed = SealedQuestion.from_dict(json.loads(json.dumps(seal(question,
                                                                      os.urandom(16)))))
        for value in _tries(question, rng):
            graded, checked = question.check(value), sealed.check(value)
            assert checked.score == graded.score, (kind, seed, value, graded.message)
            assert limited(checked, "mark").mark == limited(graded, "mark").mark
            right += graded.correct
            if graded.misconception and checked.misconception == graded.misconception:
                misconceptions += 1
                assert MISCONCEPTIONS[graded.misconception] in limited(checked, "mark").message
    assert right >= 12  # the right answer was tried, and marked right, every time
    named = {spec for spec in ("block_size", "buddy_address", "merge_count", "merging_blocks",
                               "free_blocks", "buddyinfo", "will_succeed", "waste_bound")}
    if kind in named:
        assert misconceptions, f"no misconception of {kind} was named by the sealed check"


def test_sealed_checks_of_functions_mark_like_the_grader():
    from byo_solutions import functions

    for name in ("block_size", "find_block", "split", "buddy", "free_block"):
        question = QUESTION_TYPES["function"](random.Random(name), function=name)
        question = question.placed("q1", 2)
        sealed = SealedQuestion.from_dict(json.loads(json.dumps(seal(question, os.urandom(16)))))
        for bug in (None, "one-level-merge", "address-plus-size", "raises"):
            function = functions(bug)[name]
            graded, checked = question.check(function), sealed.check(function)
            assert checked.score == graded.score, (name, bug, graded.message)
        assert sealed.check(functions()[name]).correct
        assert not sealed.check(print).correct


def test_a_course_release_needs_a_roster_and_a_course_level(course, tmp_path):
    course.roster_path.write_text("student_id\n", encoding="utf-8")
    with pytest.raises(InvalidRequest, match="lists no students"):
        release_data(course, "splitting")
    settings = json.loads((course.root / "course.json").read_text())
    settings["assignments"]["splitting"]["feedback"] = "full"
    (course.root / "course.json").write_text(json.dumps(settings))
    course.roster_path.write_text(ROSTER)
    with pytest.raises(InvalidRequest, match="a course notebook gives mark or none"):
        release_data(load_course(course.root), "splitting")
    assert decode(encode({"format": "buddy-edu-release", "version": 1})) == {
        "format": "buddy-edu-release", "version": 1}


# ------------------------------------------------------------------ grading a course
@pytest.mark.kernel
def test_a_released_notebook_checks_and_grades_honest_students_fully(course, released,
                                                                      tmp_path):
    from nbclient import NotebookClient

    from buddy_edu.grading import grade

    secret = course.secret()
    submissions = tmp_path / "in"
    submissions.mkdir()
    keys = {student: answer_key("coalescing", student, secret) for student in ("jdoe", "bsmith")}
    for student, key in keys.items():
        nbformat.write(answered(released, student, key), submissions / f"{student}.ipynb")
    practice = answer_key("coalescing", "-2-3")  # what a student makes without the course
    nbformat.write(answered(released, "-2-3", practice), submissions / "-2-3.ipynb")

    executed = answered(released, "jdoe", keys["jdoe"])
    NotebookClient(executed, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    marks = [output.get("data", {}).get("text/html", "") for cell in executed.cells
             for output in cell.get("outputs", []) if "ex.check(" in cell.source]
    assert len(marks) == len(ASSIGNMENTS["coalescing"].slots)
    assert all("✓</b> Right." in mark for mark in marks)

    results = {r.student: r for r in grade("coalescing", [submissions], out=tmp_path / "g.csv",
                                           sandbox=False, course=course, progress=io.StringIO())}
    spec = ASSIGNMENTS["coalescing"]
    assert results["jdoe"].score == results["bsmith"].score == spec.max_score
    assert results["-2-3"].score < spec.max_score / 2  # practice answers are not the course's
    assert all(not r.practice for r in results.values())
    rows = list(csv.DictReader((tmp_path / "g.csv").open(encoding="utf-8")))
    assert {row["mode"] for row in rows} == {"course"}

    progress = io.StringIO()
    again = grade("coalescing", [submissions], out=tmp_path / "p.csv", sandbox=False,
                  progress=progress)
    assert "practice mode" in progress.getvalue()
    assert all(r.practice for r in again) and {r.student: r.score for r in again}["jdoe"] < \
        spec.max_score  # checked against practice variants, which are not this course's
    rows = list(csv.DictReader((tmp_path / "p.csv").open(encoding="utf-8")))
    assert {row["mode"] for row in rows} == {"practice"}


def test_feedback_pages_say_when_a_grade_is_practice():
    from buddy_edu.grading.pages import feedback_html
    from buddy_edu.grading.results import Result

    practice = Result("jdoe", "splitting", "jdoe.ipynb", 1.0, 12, ())
    graded = Result("jdoe", "splitting", "jdoe.ipynb", 1.0, 12, (), mode="course:0123abcd")
    assert "Practice mode" in feedback_html(practice)
    assert "Practice mode" not in feedback_html(graded)


# ------------------------------------------------------------------ the zero-install site
def _lite_build():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "lite" / "build.py"
    spec = importlib.util.spec_from_file_location("lite_build", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_site_holding_the_course_secret_in_any_encoding_is_refused(course, tmp_path):
    lite = _lite_build()
    secret = course.secret()
    for leaked in (secret.hex(), secret.hex().upper(), base64.b64encode(secret).decode()):
        site = tmp_path / "site"
        (site / "files").mkdir(parents=True)
        (site / "files" / "a.json").write_text(json.dumps({"x": leaked}))
        with pytest.raises(lite.BuildError, match="course secret was found in"):
            lite.check_no_secret(site, course.root)
        assert not site.exists()  # the site is deleted, not left half-trusted
    site = tmp_path / "site"
    (site / "files").mkdir(parents=True)
    (site / "files" / "raw.bin").write_bytes(b"\x00" + secret + b"\x00")
    with pytest.raises(lite.BuildError):
        lite.check_no_secret(site, course.root)
    with pytest.raises(lite.BuildError, match="holds no notebooks: run `buddy-edu course"):
        lite.released_notebooks(course.root)


@pytest.mark.lite
def test_make_lite_with_a_course_serves_its_release_and_never_its_secret(course, released,
                                                                          tmp_path):
    out = tmp_path / "site"
    build = Path(__file__).resolve().parents[1] / "lite" / "build.py"
    done = subprocess.run([sys.executable, str(build), "build", "--out", str(out),
                           "--course", str(course.root)], capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in (out / "files" / "exercises").iterdir()) == [
        "coalescing.ipynb"]
    assert (out / "files" / "exercises" / "coalescing.ipynb").read_bytes() == \
        released.read_bytes()
    secret = course.secret()
    needles = (secret.hex().encode(), secret, base64.b64encode(secret))
    for path in out.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(needle in content for needle in needles), path
            assert path.name not in ("secret.key", "roster.csv", "course.json")
