"""A Gradescope autograder of one course assignment, as the zip Gradescope takes.

Gradescope builds one Docker image from the zip (running ``setup.sh`` once)
and then starts a fresh container per submission, running ``run_autograder``
with the student's files in ``/autograder/submission/`` and
``/autograder/submission_metadata.json`` naming who handed in; whatever it
writes to ``/autograder/results/results.json`` is the grade (Gradescope's
"Autograder Specifications" and "Submission Metadata" pages).  The zip holds,
at its root:

- ``setup.sh``: makes a virtual environment in ``/autograder/venv`` and
  installs the kit from the wheel bundled under ``wheels/`` (its dependencies
  from PyPI, when the image is built), and bubblewrap if apt has it;
- ``run_autograder``: runs :mod:`.gradescope_run` in that environment;
- ``autograder.json``: the assignment and how its results are shown;
- ``course/``: the course's settings, roster and **secret**: this zip is the
  instructor's, like the course folder.  Gradescope keeps it on its side; no
  student sees it, and the student's notebook is kept from reading it (see
  :mod:`.gradescope_run`).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..core import InvalidRequest
from ..exercises.course.settings import ROSTER_FILE, SECRET_FILE, SETTINGS_FILE, Course
from .options import DEFAULT_CELL_TIMEOUT, DEFAULT_MEMORY, GradingOptions

CONFIG_FILE = "autograder.json"
CONFIG_FORMAT = "buddy-edu-autograder"
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image: a virtual environment
# with buddy-edu installed from the wheel in wheels/ (its dependencies from PyPI).
set -euo pipefail
cd "$(dirname "$0")"
ROOT="${BUDDY_EDU_AUTOGRADER_ROOT:-/autograder}"
if ! python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' 2>/dev/null
then
    apt-get update && apt-get install -y python3 python3-venv python3-pip
fi
# bubblewrap isolates each notebook if the container allows user namespaces; the
# autograder says in its output when it cannot, and relies on the container then.
command -v bwrap >/dev/null || apt-get install -y bubblewrap || true
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet ${BUDDY_EDU_PIP_OPTIONS:-} wheels/*.whl
chmod -R go-rwx course  # the course secret and roster: never readable by a student's code
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission: grade /autograder/submission for the student
# in /autograder/submission_metadata.json, write /autograder/results/results.json.
ROOT="${BUDDY_EDU_AUTOGRADER_ROOT:-/autograder}"
PYTHON="${BUDDY_EDU_AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}"
exec "$PYTHON" -m buddy_edu.grading.gradescope_run "$ROOT"
"""


def build_autograder(course: Course, assignment: str, out: str | os.PathLike, *,
                     wheel: str | os.PathLike | None = None, visibility: str | None = None,
                     options: GradingOptions | None = None) -> Path:
    """Write the autograder zip of ``assignment`` of ``course`` to ``out`` (owner-only: it holds
    the course secret).  ``wheel`` is the kit's wheel (default: built from this checkout);
    ``visibility`` is Gradescope's for the tests (default: ``visible`` where the course's
    feedback is ``mark``, ``after_published`` where it is ``none``).  InvalidRequest before
    anything is written when an argument is wrong."""
    name = course.check_assignment(assignment)
    secret = course.secret()  # refused here if missing or readable by others
    roster = course.roster()
    if not roster:
        raise InvalidRequest(f"the roster {course.roster_path} lists no students: Gradescope "
                             "names students by email or sid, matched through the roster; "
                             "fill it first")
    if visibility is None:
        visibility = "visible" if course.feedback[name] == "mark" else "after_published"
    if visibility not in VISIBILITIES:
        raise InvalidRequest(f"visibility must be one of {', '.join(VISIBILITIES)}, got "
                             f"{visibility!r}")
    options = options or GradingOptions(timeout=600, cell_timeout=DEFAULT_CELL_TIMEOUT,
                                        memory=DEFAULT_MEMORY, jobs=1)
    out = Path(out)
    if out.is_dir() or not out.parent.is_dir():
        raise InvalidRequest(f"cannot write {out}: give a file name in an existing folder")
    if wheel is not None and not (Path(wheel).is_file() and Path(wheel).suffix == ".whl"):
        raise InvalidRequest(f"{wheel} is not a wheel file (.whl) of buddy-edu")
    config = {"format": CONFIG_FORMAT, "version": 1, "assignment": name,
              "course": course.name, "visibility": visibility,
              "timeout": options.timeout, "cell_timeout": options.cell_timeout,
              "memory": options.memory}
    with tempfile.TemporaryDirectory(prefix="buddy-edu-autograder-") as folder:
        wheel = Path(wheel) if wheel is not None else build_wheel(Path(folder))
        handle = tempfile.NamedTemporaryFile(dir=out.parent, prefix=f".{out.name}.",
                                             suffix=".tmp", delete=False)
        try:
            with handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
                _add(archive, "setup.sh", SETUP_SH, 0o755)
                _add(archive, "run_autograder", RUN_AUTOGRADER, 0o755)
                _add(archive, CONFIG_FILE, json.dumps(config, indent=2) + "\n", 0o644)
                for file in (SETTINGS_FILE, ROSTER_FILE):
                    _add(archive, f"course/{file}", (course.root / file).read_bytes(), 0o600)
                _add(archive, f"course/{SECRET_FILE}", secret.hex() + "\n", 0o600)
                _add(archive, f"wheels/{wheel.name}", wheel.read_bytes(), 0o644)
            os.chmod(handle.name, 0o600)
            os.replace(handle.name, out)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
    return out


def _add(archive: zipfile.ZipFile, name: str, data: str | bytes, mode: int) -> None:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data.encode() if isinstance(data, str) else data)


def build_wheel(folder: Path) -> Path:
    """Build the kit's wheel from this checkout into ``folder`` (offline, with setuptools)."""
    source = Path(__file__).resolve().parents[2]
    project = source / "pyproject.toml"
    if not project.is_file() or 'name = "buddy-edu"' not in project.read_text("utf-8"):
        raise InvalidRequest("this buddy-edu was installed from a wheel, not run from a "
                             "checkout, so its wheel cannot be built here: pass --wheel with "
                             "the wheel file (pip download buddy-edu --no-deps)")
    copy = folder / "source"
    copy.mkdir()
    for file in ("pyproject.toml", "README.md"):
        shutil.copyfile(source / file, copy / file)
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
    shutil.copytree(source / "buddy_edu", copy / "buddy_edu", ignore=ignore)
    if (source / "notebooks").is_dir():
        shutil.copytree(source / "notebooks", copy / "notebooks", ignore=ignore)
    dist = folder / "dist"
    done = subprocess.run(
        [sys.executable, "-c",
         "import sys; from setuptools import build_meta as b; print(b.build_wheel(sys.argv[1]))",
         str(dist)], cwd=copy, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise InvalidRequest(f"could not build the kit's wheel ({lines[-1] if lines else ''}): "
                             "install setuptools>=77 (pip install setuptools), or pass --wheel")
    return dist / done.stdout.strip().splitlines()[-1]
