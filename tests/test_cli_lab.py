"""``buddy-edu lab``: which folder it opens and the JupyterLab command it runs.

No server is started: ``subprocess.call`` is replaced by a recorder.  The
last test builds a real wheel, installs it (without dependencies) into a
fresh virtual environment and asks that installation what it would open,
which is the case a student who ran ``pip install buddy-edu`` is in.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import nbformat
import pytest

from buddy_edu.cli import lab as lab_module
from buddy_edu.cli import main
from buddy_edu.cli.lab import (
    COPY_FOLDER,
    START,
    LessonsNotFound,
    lab_command,
    open_lab,
    resolve_course,
)
from buddy_edu.exercises import ASSIGNMENTS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


@pytest.fixture
def calls(monkeypatch):
    """Record the commands open_lab would run, instead of starting JupyterLab."""
    recorded: list[list[str]] = []

    def fake_call(command):
        recorded.append(command)
        return 0

    monkeypatch.setattr(lab_module.subprocess, "call", fake_call)
    return recorded


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """Pretend buddy-edu was installed from a wheel: no checkout, lessons under share/."""
    share = tmp_path / "prefix" / "share" / "buddy-edu" / "lessons"
    share.mkdir(parents=True)
    for name in ("00-start-here.ipynb", "01-splitting.ipynb"):
        shutil.copyfile(NOTEBOOKS / name, share / name)
    monkeypatch.setattr(lab_module, "checkout_root", lambda: None)
    monkeypatch.setattr(lab_module, "installed_lessons", lambda: sorted(share.glob("*.ipynb")))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return share


def test_in_a_checkout_it_opens_the_checkout_so_lessons_can_link_the_exercises():
    assert resolve_course() == ROOT
    assert (ROOT / "exercises").is_dir()  # ../exercises/NAME.ipynb from a lesson


def test_the_command_runs_this_python_s_jupyterlab_on_the_start_lesson():
    command = lab_command(ROOT, browser=False)
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={ROOT}" in command
    assert str(NOTEBOOKS / START) in command
    assert "--no-browser" in command
    assert ("--allow-root" in command) == (os.geteuid() == 0)
    assert "--no-browser" not in lab_command(ROOT)


def test_buddy_edu_lab_runs_that_command(calls):
    assert main(["lab", "--no-browser"]) == 0
    assert calls == [lab_command(ROOT, browser=False)]


def test_dir_of_lessons_alone_opens_its_start_lesson(calls):
    assert main(["lab", "--dir", str(NOTEBOOKS)]) == 0
    (command,) = calls
    assert f"--ServerApp.root_dir={NOTEBOOKS}" in command
    assert str(NOTEBOOKS / START) in command


def test_dir_opens_another_folder_without_a_start_lesson(calls, tmp_path):
    assert main(["lab", "--dir", str(tmp_path)]) == 0
    (command,) = calls
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in command
    assert not any(part.endswith(".ipynb") for part in command)


def test_a_missing_dir_is_refused_with_the_fix_and_nothing_runs(calls, tmp_path, capsys):
    missing = tmp_path / "nope"
    assert main(["lab", "--dir", str(missing)]) == 2
    assert calls == []
    error = capsys.readouterr().err
    assert "no folder" in error and "nope" in error and "--dir" in error
    assert not missing.exists()


def test_installed_lessons_and_exercises_are_written_to_a_writable_folder_once(
        installed, calls, capsys):
    assert open_lab(browser=False) == 0
    course = Path.cwd() / COPY_FOLDER
    lessons, exercises = course / "notebooks", course / "exercises"
    assert sorted(p.name for p in lessons.iterdir()) == ["00-start-here.ipynb",
                                                         "01-splitting.ipynb"]
    assert sorted(p.name for p in exercises.iterdir()) == sorted(f"{name}.ipynb"
                                                                 for name in ASSIGNMENTS)
    written = 2 + len(ASSIGNMENTS)
    assert f"wrote {written} notebook(s)" in capsys.readouterr().err
    assert calls[0] == lab_command(course.resolve(), browser=False)
    assert str(lessons.resolve() / START) in calls[0]
    splitting = nbformat.read(exercises / "splitting.ipynb", as_version=4)
    assert "buddy_edu.exercises.start(\"splitting\"" in "".join(c.source for c in splitting.cells)

    # A student's work survives the next run; a notebook deleted by mistake comes back.
    (lessons / "00-start-here.ipynb").write_text("my notes", encoding="utf-8")
    (exercises / "splitting.ipynb").write_text("my answers", encoding="utf-8")
    (lessons / "01-splitting.ipynb").unlink()
    assert open_lab(browser=False) == 0
    assert (lessons / "00-start-here.ipynb").read_text(encoding="utf-8") == "my notes"
    assert (exercises / "splitting.ipynb").read_text(encoding="utf-8") == "my answers"
    assert (lessons / "01-splitting.ipynb").read_bytes() == \
        (installed / "01-splitting.ipynb").read_bytes()
    assert "wrote 1 notebook(s)" in capsys.readouterr().err


def test_without_a_checkout_or_installed_lessons_it_says_how_to_fix_it(monkeypatch, calls,
                                                                       capsys, tmp_path):
    monkeypatch.setattr(lab_module, "checkout_root", lambda: None)
    monkeypatch.setattr(lab_module, "installed_lessons", lambda: [])
    with pytest.raises(LessonsNotFound, match="--force-reinstall"):
        resolve_course(cwd=tmp_path)
    assert open_lab() == 2
    assert calls == []
    assert "pass --dir FOLDER" in capsys.readouterr().err
    assert not (tmp_path / COPY_FOLDER).exists()


def can_build_wheels() -> bool:
    """Whether this interpreter can build a wheel offline (setuptools >= 70.1, or + wheel)."""
    for module in ("setuptools.command.bdist_wheel", "wheel.bdist_wheel"):
        try:
            if importlib.util.find_spec(module) is not None:
                return True
        except ImportError:
            continue
    return False


@pytest.mark.skipif(not can_build_wheels(),
                    reason="building a wheel offline needs setuptools>=70.1 (or the wheel package)")
def test_a_wheel_installs_every_lesson_and_lab_finds_and_copies_them(tmp_path):
    """Build the wheel, install it into a fresh venv, ask that install what lab would open."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(ROOT / name, source / name)
    shutil.copytree(ROOT / "buddy_edu", source / "buddy_edu",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(NOTEBOOKS, source / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-c",
         "import sys; from setuptools import build_meta as b; print(b.build_wheel(sys.argv[1]))",
         str(dist)],
        cwd=source, capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = dist / build.stdout.strip().splitlines()[-1]

    env = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env)
    python = env / ("Scripts" if os.name == "nt" else "bin") / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert install.returncode == 0, install.stderr[-2000:]

    student = tmp_path / "student"
    student.mkdir()
    # The wheel was installed without dependencies (no network in tests): borrow nbformat
    # and friends from this environment, after the new venv's own site-packages.
    here = sysconfig.get_paths()["purelib"]
    probe = ("import sys\n"
             f"sys.path.append({here!r})\n"
             "import buddy_edu\n"
             f"assert not buddy_edu.__file__.startswith({str(ROOT)!r}), buddy_edu.__file__\n"
             "from buddy_edu.cli.lab import lab_command, resolve_course\n"
             "print(lab_command(resolve_course(), browser=False))\n")
    run = subprocess.run([str(python), "-c", probe], cwd=student, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    course = student / COPY_FOLDER
    assert sorted(p.name for p in (course / "notebooks").glob("*.ipynb")) == \
        sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert sorted(p.name for p in (course / "exercises").glob("*.ipynb")) == \
        sorted(f"{name}.ipynb" for name in ASSIGNMENTS)
    assert f"--ServerApp.root_dir={course.resolve()}" in run.stdout
    assert "wrote" in run.stderr
