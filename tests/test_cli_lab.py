"""``buddy-edu lab``: which folder it opens and the JupyterLab command it runs.

No server is started by most tests: ``subprocess.Popen`` is replaced by a
recorder.  One test starts a real server and stops it with Ctrl-C.  The
packaging test builds a real wheel, installs it (without dependencies) into a
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

    class FakeServer:
        def __init__(self, command):
            recorded.append(command)

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(lab_module.subprocess, "Popen", FakeServer)
    return recorded


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A checkout's course files in a temporary folder (the real one stays untouched)."""
    root = tmp_path / "checkout"
    (root / "notebooks").mkdir(parents=True)
    shutil.copyfile(ROOT / "pyproject.toml", root / "pyproject.toml")
    for name in ("00-start-here.ipynb", "01-splitting.ipynb"):
        shutil.copyfile(NOTEBOOKS / name, root / "notebooks" / name)
    shutil.copytree(ROOT / "exercises", root / "exercises")
    monkeypatch.setattr(lab_module, "checkout_root", lambda: root)
    return root


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


def test_in_a_checkout_it_opens_working_copies_made_once(checkout, capsys):
    course = resolve_course()
    assert course == (checkout / COPY_FOLDER).resolve()
    assert sorted(p.name for p in (course / "notebooks").iterdir()) == [
        "00-start-here.ipynb", "01-splitting.ipynb"]
    assert (course / "exercises" / "splitting.ipynb").read_bytes() == \
        (checkout / "exercises" / "splitting.ipynb").read_bytes()  # ../exercises links work
    assert "wrote" in capsys.readouterr().err
    (course / "notebooks" / "00-start-here.ipynb").write_text("my run", encoding="utf-8")
    assert resolve_course() == course  # never overwritten, nothing new to write
    assert (course / "notebooks" / "00-start-here.ipynb").read_text() == "my run"
    assert capsys.readouterr().err == ""
    assert COPY_FOLDER in (ROOT / ".gitignore").read_text()  # the tracked notebooks stay clean


def test_the_command_runs_this_python_s_jupyterlab_on_the_start_lesson():
    command = lab_command(ROOT, browser=False)
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={ROOT}" in command
    # The start lesson is the default URL, so the address the server prints leads to it.
    assert f"--LabApp.default_url=/lab/tree/notebooks/{START}" in command
    assert "--no-browser" in command
    assert ("--allow-root" in command) == (os.geteuid() == 0)
    assert "--no-browser" not in lab_command(ROOT)


def test_buddy_edu_lab_runs_that_command_and_passes_jupyter_options_on(checkout, calls):
    assert main(["lab", "--no-browser"]) == 0
    course = (checkout / COPY_FOLDER).resolve()
    assert calls == [lab_command(course, browser=False)]
    assert main(["lab", "--no-browser", "--port", "9123", "--ip=127.0.0.1"]) == 0
    assert calls[-1] == lab_command(course, browser=False) + ["--port", "9123", "--ip=127.0.0.1"]
    with pytest.raises(SystemExit):
        main(["menu", "--port", "9123"])  # only lab passes options on


def test_dir_of_lessons_alone_opens_its_start_lesson(calls):
    assert main(["lab", "--dir", str(NOTEBOOKS)]) == 0
    (command,) = calls
    assert f"--ServerApp.root_dir={NOTEBOOKS}" in command
    assert f"--LabApp.default_url=/lab/tree/{START}" in command


def test_dir_opens_another_folder_without_a_start_lesson(calls, tmp_path):
    assert main(["lab", "--dir", str(tmp_path)]) == 0
    (command,) = calls
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in command
    assert not any(".ipynb" in part for part in command)


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
    assert f"--LabApp.default_url=/lab/tree/notebooks/{START}" in calls[0]
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


@pytest.mark.slow  # builds a wheel and a virtual environment: ~5 s
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


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.kernel
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process lists from /proc")
def test_ctrl_c_stops_the_server_and_its_kernels(tmp_path):
    import json
    import signal
    import time
    import urllib.request

    course = tmp_path / "course"
    (course / "notebooks").mkdir(parents=True)
    shutil.copyfile(NOTEBOOKS / START, course / "notebooks" / START)
    runtime = tmp_path / "runtime-for-this-test"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime), "HOME": str(tmp_path)}
    port, token = _free_port(), "ctrl-c-test"
    server = subprocess.Popen(
        [sys.executable, "-m", "buddy_edu", "lab", "--dir", str(course), "--no-browser",
         "--port", str(port), f"--IdentityProvider.token={token}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/status?token={token}", timeout=2).read()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "no server"
                time.sleep(0.5)
        request = urllib.request.Request(f"{base}/kernels?token={token}", data=b"{}",
                                         method="POST")
        json.loads(urllib.request.urlopen(request, timeout=30).read())
        while not [pid for pid in _processes_mentioning(str(runtime)) if pid != server.pid]:
            assert time.monotonic() < deadline, "the kernel never started"
            time.sleep(0.2)
        os.killpg(server.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
        assert server.wait(timeout=60) == 130
        deadline = time.monotonic() + 20
        while _processes_mentioning(str(runtime)):
            assert time.monotonic() < deadline, "a kernel outlived the server"
            time.sleep(0.2)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
