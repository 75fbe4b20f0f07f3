"""``buddy-edu lab``: start JupyterLab on the lessons.

Where the lessons come from depends on how buddy-edu was installed:

* in a checkout (``make lab``, ``pip install -e .``) they are the checkout's
  ``notebooks/`` folder, opened in place, so edits land in the repository;
* from a wheel (``pip install buddy-edu``) they are installed read-only under
  ``<prefix>/share/buddy-edu/lessons`` (see ``data-files`` in pyproject.toml).
  Students need notebooks they can run and edit, so the first run copies them
  to ``./buddy-edu-lessons`` and later runs reuse that folder, never
  overwriting a lesson the student has changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from ..core.errors import BuddyError

START = "00-start-here.ipynb"
COPY_FOLDER = "buddy-edu-lessons"
SHARE = ("share", "buddy-edu", "lessons")  # where the wheel installs the lessons
DISTRIBUTION = "buddy-edu"


class LessonsNotFound(BuddyError):
    """No lesson notebooks could be found or the folder asked for does not exist."""


def lessons_dir() -> Path:
    """The lessons of this checkout: ``notebooks/`` next to the package."""
    return Path(__file__).resolve().parents[2] / "notebooks"


def checkout_lessons() -> Path | None:
    """The checkout's ``notebooks/`` when buddy-edu runs from a source tree, else None."""
    folder = lessons_dir()
    if (folder.parent / "pyproject.toml").is_file() and (folder / START).is_file():
        return folder
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


def copy_lessons(sources: list[Path], target: Path) -> list[Path]:
    """Copy the lessons missing from ``target`` there; returns the copies made.

    Lessons already in ``target`` are left alone: they may hold a student's work.
    """
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for source in sources:
        destination = target / source.name
        if not destination.exists():
            shutil.copyfile(source, destination)
            copied.append(destination)
    return copied


def resolve_lessons(folder: str | os.PathLike | None = None, cwd: Path | None = None,
                    report=None) -> Path:
    """The folder ``buddy-edu lab`` opens, copying installed lessons there if needed.

    ``folder`` (``--dir``) wins when given and must exist. ``report`` receives
    one line of text about copies made (``print`` to stderr by default).
    """
    if report is None:
        def report(line: str) -> None:
            print(line, file=sys.stderr)
    if folder is not None:
        path = Path(folder).expanduser()
        if not path.is_dir():
            raise LessonsNotFound(
                f"no folder {str(path)!r}: pass --dir an existing folder, "
                "or leave --dir out to open the lessons"
            )
        return path.resolve()
    checkout = checkout_lessons()
    if checkout is not None:
        return checkout
    sources = installed_lessons()
    if not sources:
        raise LessonsNotFound(
            "the lesson notebooks are not installed: reinstall with "
            "'pip install --force-reinstall buddy-edu', or pass --dir FOLDER"
        )
    target = (cwd or Path.cwd()) / COPY_FOLDER
    copied = copy_lessons(sources, target)
    if copied:
        report(f"buddy-edu: copied {len(copied)} lesson(s) to {target}; they are yours to edit.")
    return target.resolve()


def lab_command(folder: Path, browser: bool = True) -> list[str]:
    """The JupyterLab command line for ``folder``, opening the start lesson if it is there."""
    folder = Path(folder)
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}"]
    if (folder / START).is_file():
        command.append(str(folder / START))
    if not browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses to run as root without it
    return command


def open_lab(folder: str | None = None, browser: bool = True) -> int:
    """Run JupyterLab on the lessons (or ``folder``) until it is stopped; returns its status."""
    try:
        lessons = resolve_lessons(folder)
    except (LessonsNotFound, OSError) as error:
        print(f"buddy-edu: {error}", file=sys.stderr)
        return 2
    return subprocess.call(lab_command(lessons, browser=browser))
