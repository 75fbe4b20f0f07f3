"""The Gradescope autograder, run in a local emulation of Gradescope's harness.

The harness is emulated as its documentation describes it: a root folder
with ``source/`` (the autograder zip, extracted), ``run_autograder`` copied
beside it, ``submission/`` holding the student's files and
``submission_metadata.json`` naming the submitter; ``run_autograder`` is
run with that folder as its root (``BUDDY_EDU_AUTOGRADER_ROOT``), and its
``results/results.json`` is read back and checked against the documented
fields.  ``setup.sh`` is skipped (the autograder runs with this Python) except
in one slow test, which runs it against a wheel built from this checkout and
the dependencies pip finds here.  Scores are compared with ``grade`` on the
same files.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from _submissions import handed_in, released_course

from buddy_edu import InvalidRequest
from buddy_edu.exercises import ASSIGNMENTS, answer_key
from buddy_edu.grading.lms.autograder import build_autograder

NAME = "coalescing"
ROSTER = ("student_id,name,email,canvas_id,sis_id,moodle_id,gradescope_sid\n"
          "jdoe,Jane Doe,jdoe@uni.edu,12345,S1,301,S1\n"
          "bsmith,Bo Smith,bs@uni.edu,12346,S2,302,S2\n"
          "carol,Carol King,ck@uni.edu,12347,S3,,S3\n"
          "mallory,Mal Lory,ml@uni.edu,12349,S5,305,S5\n")
#: The fields Gradescope's "Autograder Specifications" document for results.json.
TOP_FIELDS = {"score", "execution_time", "output", "visibility", "stdout_visibility",
              "extra_data", "tests", "leaderboard"}
TEST_FIELDS = {"score", "max_score", "name", "number", "output", "tags", "visibility",
               "extra_data"}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}

HOSTILE = '''
import os, glob
root = os.environ.get("BUDDY_EDU_AUTOGRADER_ROOT", "/autograder")
stolen = []
for path in [root + "/source/course/secret.key", root + "/source/course/roster.csv",
             *glob.glob("/autograder/source/course/*")]:
    try:
        stolen.append(open(path).read())
    except OSError as error:
        stolen.append(type(error).__name__)
for path in [root + "/results/results.json", "/autograder/results/results.json"]:
    try:
        with open(path, "w") as handle:
            handle.write('{"score": 1000, "tests": []}')
    except OSError:
        pass
if os.fork() == 0:  # a daemon that overwrites the results once the grader wrote them
    os.setsid()
    import time
    end = time.time() + 20
    while time.time() < end:
        try:
            with open(root + "/results/results.json", "w") as handle:
                handle.write('{"score": 1000}')
        except OSError:
            pass
        time.sleep(0.2)
    os._exit(0)
q1 = " | ".join(stolen)
'''


def validate(results: dict, full: int) -> None:
    """results.json as Gradescope's Autograder Specifications describe it."""
    assert set(results) <= TOP_FIELDS, set(results) - TOP_FIELDS
    assert isinstance(results["score"], (int, float)) and 0 <= results["score"] <= full
    assert isinstance(results.get("output", ""), str)
    assert results.get("visibility", "visible") in VISIBILITY
    assert results.get("stdout_visibility", "hidden") in VISIBILITY
    for test in results["tests"]:
        assert set(test) <= TEST_FIELDS, set(test) - TEST_FIELDS
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], int)
        assert 0 <= test["score"] <= test["max_score"]
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert test["visibility"] in VISIBILITY and isinstance(test["number"], str)
    if results["tests"]:
        assert round(sum(t["score"] for t in results["tests"]), 2) == results["score"]
        assert sum(t["max_score"] for t in results["tests"]) == full


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    base = tmp_path_factory.mktemp("gradescope")
    course, released = released_course(base / "course", ROSTER, NAME)
    fake_wheel = base / "buddy_edu-0.1.0-py3-none-any.whl"
    fake_wheel.write_bytes(b"not used: setup.sh is skipped")
    autograder = build_autograder(course, NAME, base / "autograder.zip",
                                                     wheel=fake_wheel)
    secret = course.secret()
    key = {s: answer_key(NAME, s, secret) for s in ("jdoe", "bsmith", "carol")}
    wrong = dict(key["bsmith"])
    wrong["q1"], wrong["q3"] = wrong["q1"] + 64, 99
    submissions = {
        "honest": ("jdoe", handed_in(released, "jdoe", key["jdoe"])),
        "wrong": ("bsmith", handed_in(released, "bsmith", wrong)),
        "mismatch": ("carol", handed_in(released, "jdoe", key["jdoe"])),
        "hostile": ("mallory", handed_in(released, "mallory", lines={"q1": HOSTILE})),
    }
    return type("Setup", (), dict(base=base, course=course, zip=autograder, key=key,
                                  submissions=submissions, secret=secret))


USERS = {"jdoe": {"email": "JDoe@uni.edu", "id": 11, "name": "Jane Doe"},
         "bsmith": {"email": "bs@uni.edu", "id": 12, "name": "Bo Smith", "sid": "S2"},
         "carol": {"email": "ck@uni.edu", "id": 13, "name": "Carol King"},
         "mallory": {"email": "ml@uni.edu", "id": 15, "name": "Mal Lory"},
         "stranger": {"email": "who@else.org", "id": 99, "name": "Stranger"}}


def harness(folder: Path, autograder: Path, files: dict[str, bytes], user: dict, *,
            python: str = sys.executable, no_bwrap: bool = False) -> tuple[dict, str, Path]:
    """Gradescope's harness, emulated: lay out ROOT, run run_autograder, read the results."""
    root = folder / "autograder"
    source = root / "source"
    source.mkdir(parents=True)
    with zipfile.ZipFile(autograder) as archive:  # our own zip: extracted with its modes
        for info in archive.infolist():
            target = source / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            os.chmod(target, (info.external_attr >> 16) & 0o777)
    os.chmod(source / "course", 0o700)
    shutil.copy2(source / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    for name, content in files.items():
        (root / "submission" / name).write_bytes(content)
    (root / "submission_metadata.json").write_text(json.dumps({
        "id": 123456, "created_at": "2024-02-01T10:00:00.000000-08:00",
        "assignment": {"id": 25828, "title": NAME, "total_points": "17.0"},
        "users": [user], "previous_submissions": []}))
    env = {**os.environ, "BUDDY_EDU_AUTOGRADER_ROOT": str(root),
           "BUDDY_EDU_AUTOGRADER_PYTHON": python}
    if no_bwrap:  # Gradescope's containers usually cannot run bubblewrap
        tools = folder / "bin"
        tools.mkdir()
        for tool in ("bash", "env"):
            os.symlink(shutil.which(tool), tools / tool)
        env["PATH"] = str(tools)
    run = subprocess.run([str(root / "run_autograder")], cwd=root, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    return results, run.stdout + run.stderr, root


def graded_by_buddy_edu(setup, tmp_path: Path, *, sandbox: bool) -> dict:
    """``grade`` on the same files, named by student id, in the same course."""
    from buddy_edu.grading import grade

    folder = tmp_path / "same"
    folder.mkdir()
    for student, content in setup.submissions.values():
        (folder / f"{student}.ipynb").write_bytes(content)
    return {r.student: r for r in grade(NAME, [folder], out=tmp_path / "g.csv", jobs=2,
                                        course=setup.course, sandbox=sandbox,
                                        progress=io.StringIO())}


# ------------------------------------------------------------------ packaging
def test_the_zip_has_gradescopes_files_at_its_root_and_keeps_the_secret_owner_only(setup):
    with zipfile.ZipFile(setup.zip) as archive:
        names = set(archive.namelist())
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
        config = json.loads(archive.read("autograder.json"))
        secret = archive.read("course/secret.key").decode().strip()
    assert {"setup.sh", "run_autograder", "autograder.json", "course/course.json",
            "course/roster.csv", "course/secret.key",
            "wheels/buddy_edu-0.1.0-py3-none-any.whl"} == names
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert modes["course/secret.key"] == 0o600
    assert bytes.fromhex(secret) == setup.secret
    assert stat.S_IMODE(setup.zip.stat().st_mode) == 0o600
    assert (config["assignment"], config["visibility"]) == (NAME, "visible")


def test_bad_arguments_are_refused_before_anything_is_written(setup, tmp_path):
    with pytest.raises(InvalidRequest, match="visibility must be one of"):
        build_autograder(setup.course, NAME, tmp_path / "a.zip",
                                            visibility="always", wheel=setup.zip)
    with pytest.raises(InvalidRequest, match="is not a wheel file"):
        build_autograder(setup.course, NAME, tmp_path / "a.zip",
                                            wheel=setup.zip)
    with pytest.raises(InvalidRequest, match="does not give 'nope'|unknown assignment"):
        build_autograder(setup.course, "nope", tmp_path / "a.zip")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ the emulated harness
@pytest.mark.kernel
@pytest.mark.sandbox
def test_honest_wrong_and_hostile_submissions_score_as_buddy_edu_grade(setup, tmp_path):
    full = ASSIGNMENTS[NAME].max_score
    expected = graded_by_buddy_edu(setup, tmp_path, sandbox=True)
    for label, (student, content) in setup.submissions.items():
        results, log, root = harness(tmp_path / label, setup.zip,
                                     {f"{NAME}.ipynb": content}, USERS[student])
        validate(results, full)
        assert results["score"] == expected[student].score, (label, results, log[-2000:])
        assert [t["score"] for t in results["tests"]] == [
            q.earned for q in expected[student].questions]
        assert results["extra_data"]["student"] == student
        assert results["extra_data"]["sandboxed"] is True
        assert "bubblewrap cannot isolate" not in results["output"]
        if label == "honest":
            assert results["score"] == full
            assert all(t["output"] == "✓ Right." for t in results["tests"])
        if label == "wrong":
            assert 0 < results["score"] < full
            assert any(t["output"].startswith("✗ Not right yet.") for t in results["tests"])
        if label == "mismatch":
            assert "starts the variant of 'jdoe'" in results["output"]
        if label == "hostile":
            text = json.dumps(results)
            assert setup.secret.hex() not in text and "jdoe@uni.edu" not in text
            assert results["score"] < full


@pytest.mark.kernel
def test_without_bubblewrap_the_container_isolates_and_the_notebook_runs_unprivileged(
        setup, tmp_path):
    from test_grading_process_cap import _readable_by_nobody

    if os.geteuid() != 0:
        pytest.skip("the container path drops to an unprivileged uid only as root")
    why = _readable_by_nobody()
    if why:
        pytest.skip(why)
    full = ASSIGNMENTS[NAME].max_score
    expected = graded_by_buddy_edu(setup, tmp_path, sandbox=False)
    for label in ("honest", "hostile"):
        student, content = setup.submissions[label]
        results, log, root = harness(tmp_path / label, setup.zip,
                                     {f"{NAME}.ipynb": content}, USERS[student], no_bwrap=True)
        validate(results, full)
        assert "bubblewrap cannot isolate notebooks in this container" in results["output"]
        assert "ran as the unprivileged uid 65534" in results["output"]
        assert results["extra_data"]["sandboxed"] is False
        if label == "honest":
            assert results["score"] == expected[student].score == full
        else:
            text = json.dumps(results)
            assert setup.secret.hex() not in text and "jdoe@uni.edu" not in text
            assert "PermissionError" in text  # what reading the secret and roster gave
            import time

            time.sleep(1)  # the daemon had its chance to overwrite the results
            again = json.loads((root / "results" / "results.json").read_text())
            assert again == results


@pytest.mark.kernel
@pytest.mark.sandbox
def test_a_student_not_on_the_roster_or_without_a_notebook_gets_0_and_why(setup, tmp_path):
    full = ASSIGNMENTS[NAME].max_score
    results, _, _ = harness(tmp_path / "stranger", setup.zip,
                            {f"{NAME}.ipynb": setup.submissions["honest"][1]},
                            USERS["stranger"])
    validate(results, full)
    assert results["score"] == 0 and "not on the course roster" in results["output"]
    assert "who@else.org" in results["output"]
    results, _, _ = harness(tmp_path / "empty", setup.zip, {"notes.txt": b"hi"},
                            USERS["jdoe"])
    validate(results, full)
    assert results["score"] == 0 and "No notebook (.ipynb file)" in results["output"]


@pytest.mark.slow
@pytest.mark.kernel
@pytest.mark.sandbox
def test_setup_sh_installs_the_built_wheel_and_the_autograder_runs_from_it(setup, tmp_path):
    """The whole path: buddy-edu course gradescope builds the wheel, setup.sh installs it
    in a fresh environment (dependencies from the package index pip is configured with),
    and run_autograder grades with that environment."""
    from buddy_edu.cli import main

    autograder = tmp_path / "autograder.zip"
    assert main(["course", "gradescope", str(setup.course.root), NAME, "--out",
                 str(autograder)]) == 0
    root = tmp_path / "image" / "autograder"
    source = root / "source"
    source.mkdir(parents=True)
    with zipfile.ZipFile(autograder) as archive:
        for info in archive.infolist():
            target = source / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            os.chmod(target, (info.external_attr >> 16) & 0o777)
    build = subprocess.run(["bash", str(source / "setup.sh")], cwd=source,
                           env={**os.environ, "BUDDY_EDU_AUTOGRADER_ROOT": str(root)},
                           capture_output=True, text=True, timeout=1200)
    assert build.returncode == 0, build.stderr[-3000:]
    python = root / "venv" / "bin" / "python"
    check = subprocess.run([str(python), "-c", "import buddy_edu; print(buddy_edu.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert str(root / "venv") in check.stdout  # the wheel's copy, not this checkout
    student, content = setup.submissions["honest"]
    results, log, _ = harness(tmp_path / "run", autograder, {f"{NAME}.ipynb": content},
                              USERS[student], python=str(python))
    validate(results, ASSIGNMENTS[NAME].max_score)
    assert results["score"] == ASSIGNMENTS[NAME].max_score, log[-2000:]
