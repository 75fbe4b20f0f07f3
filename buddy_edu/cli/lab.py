"""``buddy-edu lab``: start JupyterLab on the course (lessons and exercises).

A course folder has the layout of the repository, ``notebooks/`` with the
lessons and ``exercises/`` with the student notebooks, because the lessons
link to ``../exercises/NAME.ipynb``.  JupyterLab's root is the course folder
and it opens ``notebooks/00-start-here.ipynb``.  Where the folder comes from
depends on how buddy-edu was installed:

* in a checkout (``make lab``, ``pip install -e .``) the lessons and exercises
  are copied once into ``<checkout>/buddy-edu-lessons`` (git-ignored), so a
  student's runs and answers never dirty the tracked notebooks and the file
  browser shows the course rather than the project's internals;
* from a wheel (``pip install buddy-edu``) the lessons are installed read-only
  under ``<prefix>/share/buddy-edu/lessons`` (``data-files`` in
  pyproject.toml) and the exercise notebooks are generated from the
  installed assignments.  Students need notebooks they can run, edit and hand
  in, so the first run writes both into ``./buddy-edu-lessons`` and later
  runs reuse that folder, adding only what is missing and never overwriting
  a notebook the student has changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

from ..core.errors import BuddyError

START = "00-start-here.ipynb"
LESSONS = "notebooks"  # the lessons' folder inside a course folder
EXERCISES = "exercises"  # the exercise notebooks' folder inside a course folder
COPY_FOLDER = "buddy-edu-lessons"
SHARE = ("share", "buddy-edu", "lessons")  # where the wheel installs the lessons
DISTRIBUTION = "buddy-edu"


class LessonsNotFound(BuddyError):
    """No lesson notebooks could be found, or the folder asked for does not exist."""


def lessons_dir() -> Path:
    """The lessons of this checkout: ``notebooks/`` next to the package."""
    return Path(__file__).resolve().parents[2] / LESSONS


def checkout_root() -> Path | None:
    """The checkout buddy-edu runs from (a source tree with the lessons), else None."""
    root = lessons_dir().parent
    if (root / "pyproject.toml").is_file() and (root / LESSONS / START).is_file():
        return root
    return None


def installed_lessons() -> list[Path]:
    """The lesson notebooks a wheel installed under ``<prefix>/share/buddy-edu/lessons``.

    The distribution's file list is asked first, because it knows the prefix
    of any install scheme (venv, ``--user``, ``--prefix``); the interpreter's
    data directory is the fallback when the metadata has no file list.
    """
    found: list[Path] = []
    try:
        from importlib.metadata import PackageNotFoundError, files

        for entry in files(DISTRIBUTION) or []:
            if entry.name.endswith(".ipynb") and tuple(entry.parts[-4:-1]) == SHARE:
                path = Path(entry.locate()).resolve()
                if path.is_file():
                    found.append(path)
    except PackageNotFoundError:
        pass
    if not found:
        folder = Path(sysconfig.get_path("data")).joinpath(*SHARE)
        found = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    return sorted(found, key=lambda path: path.name)


def exercise_notebooks() -> dict[str, Callable[[Path], None]]:
    """``{file name: write(path)}`` for every student exercise notebook of this version."""
    import nbformat

    from ..exercises import ASSIGNMENTS
    from ..exercises.course.student_notebooks import build

    def writer(name: str) -> Callable[[Path], None]:
        return lambda path: nbformat.write(build(name), path)

    return {f"{name}.ipynb": writer(name) for name in ASSIGNMENTS}


def prepare_course(target: Path, lessons: list[Path],
                   exercises: dict[str, Callable[[Path], None]]) -> list[Path]:
    """Give ``target`` every lesson and exercise notebook it lacks; returns the files written.

    Notebooks already there are left alone: they may hold a student's work.
    """
    written = []
    for folder in (target / LESSONS, target / EXERCISES):
        folder.mkdir(parents=True, exist_ok=True)
    for source in lessons:
        destination = target / LESSONS / source.name
        if not destination.exists():
            shutil.copyfile(source, destination)
            written.append(destination)
    for name, write in exercises.items():
        destination = target / EXERCISES / name
        if not destination.exists():
            write(destination)
            written.append(destination)
    return written


def resolve_course(folder: str | os.PathLike | None = None, cwd: Path | None = None,
                   report: Callable[[str], None] | None = None) -> Path:
    """The folder ``buddy-edu lab`` opens, writing the course there first when needed.

    ``folder`` (``--dir``) wins when given and must exist.  ``report``
    receives one line about the notebooks written (stderr by default).
    """
    if folder is not None:
        path = Path(folder).expanduser()
        if not path.is_dir():
            raise LessonsNotFound(
                f"no folder {str(path)!r}: pass --dir an existing folder, "
                "or leave --dir out to open the lessons"
            )
        return path.resolve()
    root = checkout_root()
    if root is not None:
        return _copy_course(root / COPY_FOLDER, sorted((root / LESSONS).glob("*.ipynb")),
                            _copies(sorted((root / EXERCISES).glob("*.ipynb"))), report)
    lessons = installed_lessons()
    if not lessons:
        raise LessonsNotFound(
            "the lesson notebooks are not installed: reinstall with "
            "'pip install --force-reinstall buddy-edu', or pass --dir FOLDER"
        )
    return _copy_course((cwd or Path.cwd()) / COPY_FOLDER, lessons, exercise_notebooks(),
                        report)


def _copy_course(target: Path, lessons: list[Path],
                 exercises: dict[str, Callable[[Path], None]],
                 report: Callable[[str], None] | None) -> Path:
    written = prepare_course(target, lessons, exercises)
    if written:
        (report or _to_stderr)(
            f"buddy-edu: wrote {len(written)} notebook(s) to {target}; they are yours to edit."
        )
    return target.resolve()


def _copies(sources: list[Path]) -> dict[str, Callable[[Path], None]]:
    """``{file name: write(path)}`` that copies each of ``sources``."""
    return {source.name: (lambda path, source=source: shutil.copyfile(source, path))
            for source in sources}


def start_notebook(folder: Path) -> Path | None:
    """The notebook to open first: ``notebooks/00-start-here.ipynb``, or one at the top."""
    for candidate in (Path(folder) / LESSONS / START, Path(folder) / START):
        if candidate.is_file():
            return candidate
    return None


def lab_command(folder: Path, browser: bool = True, extra: list[str] | tuple = ()) -> list[str]:
    """The JupyterLab command line with its root at ``folder``, opening the start lesson.

    The start lesson is JupyterLab's default URL, so the address the server
    prints (and the browser opens) leads to it.  ``extra`` options go last, so
    an instructor's ``--port`` or ``--ip`` wins.
    """
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}"]
    start = start_notebook(folder)
    if start is not None:
        relative = start.resolve().relative_to(Path(folder).resolve()).as_posix()
        command.append(f"--LabApp.default_url=/lab/tree/{relative}")
    if not browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses to run as root without it
    return command + list(extra)


def open_lab(folder: str | None = None, browser: bool = True,
             extra: list[str] | tuple = ()) -> int:
    """Run JupyterLab on the course (or ``folder``) until it is stopped; returns its status.

    Ctrl-C stops the server for good (it shuts its kernels down on SIGTERM)
    instead of leaving it waiting for a "shut down? (y/n)" answer.
    """
    try:
        course = resolve_course(folder)
    except (LessonsNotFound, OSError) as error:
        print(f"buddy-edu: {error}", file=sys.stderr)
        return 2
    server = subprocess.Popen(lab_command(course, browser=browser, extra=extra))
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        return 130


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)
