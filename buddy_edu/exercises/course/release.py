"""What students get in a course: one notebook per assignment for the whole class.

``buddy-edu course release DIR ASSIGNMENT`` makes every roster student's
variant from the course secret and *seals* each question (:mod:`.sealing`):
the prompt goes out, the answer does not.  All students' sealed questions go
into one notebook, in a cell of course data, filed under a keyed hash of each
student id, so the roster is not readable from it either.  A student opens the
notebook, types their id, and gets their own questions.  One notebook for the
class fits how courses hand work out (one file in the LMS, one JupyterLite
site); the grader never trusts it: it makes each student's questions again from
the secret and marks the answers itself.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import zlib
from pathlib import Path

from ...core import InvalidRequest
from .assignments import variant
from .sealing import SealedQuestion, digest, seal
from .settings import Course
from .student_notebooks import build

FORMAT = "buddy-edu-release"
VERSION = 1
LEVELS = ("mark", "none")  # ``full`` explains with the key in hand: practice mode only


def release_data(course: Course, assignment: str) -> dict:
    """The sealed questions of every roster student, as plain data (no answer, no secret)."""
    name = course.check_assignment(assignment)
    level = course.feedback[name]
    if level not in LEVELS:
        raise InvalidRequest(f"{name!r} has feedback {level!r} in {course.root}: a course "
                             f"notebook gives {' or '.join(LEVELS)} (full explanations need "
                             "the answer, which a course keeps with the instructor)")
    roster = course.roster()
    if not roster:
        raise InvalidRequest(f"the roster {course.roster_path} lists no students: add one row "
                             "per student (student_id,name,email,...) and release again")
    secret = course.secret()
    salt = secrets.token_bytes(16)
    students = {}
    for entry in roster:
        questions = variant(name, entry.student_id, secret=secret)
        students[digest(salt, "student", entry.student_id)] = [
            seal(question, secrets.token_bytes(16)) for question in questions]
    return {"format": FORMAT, "version": VERSION, "course": course.name, "assignment": name,
            "feedback": level, "salt": salt.hex(), "students": students}


def encode(data: dict) -> str:
    """Release data as compact text: JSON, compressed, in base 64."""
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def decode(text: object) -> dict:
    """The data :func:`encode` wrote; InvalidRequest when it is not course data."""
    damaged = InvalidRequest("the course data of this notebook is damaged or missing: run the "
                             "notebook's first cells again, or ask your instructor for the "
                             "notebook again")
    if not isinstance(text, str):
        raise damaged
    try:
        data = json.loads(zlib.decompress(base64.b64decode(text.encode("ascii"))))
    except (ValueError, zlib.error, UnicodeError):
        raise damaged from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise damaged
    if data.get("version") != VERSION:
        raise InvalidRequest(f"this notebook's course data is of version {data.get('version')}"
                             f"; this buddy-edu reads version {VERSION}: install the version "
                             "of buddy-edu your course asks for")
    return data


def questions_for(data: dict, student: str) -> list[SealedQuestion]:
    """``student``'s sealed questions from release data; InvalidRequest if not on the roster."""
    found = data["students"].get(digest(bytes.fromhex(data["salt"]), "student", student))
    if found is None:
        raise InvalidRequest(
            f"{student!r} is not on the roster of {data['course']} for {data['assignment']}: "
            "check the id your instructor gave you (letters, digits, . _ - @, as written), or "
            "ask them to add you and release the notebook again")
    return [SealedQuestion.from_dict(item) for item in found]


def write_release(course: Course, assignment: str, out: str | os.PathLike | None = None
                  ) -> Path:
    """Write the class notebook of ``assignment`` (default: ``DIR/release/ASSIGNMENT.ipynb``).

    Everything is computed before the file is written, so a bad roster or setting
    leaves nothing behind.
    """
    import nbformat

    path = Path(out) if out is not None else course.root / "release" / f"{assignment}.ipynb"
    if path.is_dir():
        path = path / f"{assignment}.ipynb"
    existing = next(p for p in (path.parent, *path.parent.parents) if p.exists())
    if not existing.is_dir():
        raise InvalidRequest(f"cannot write the notebook into {path.parent}: {existing} is a "
                             "file; pass a folder or a notebook path")
    data = release_data(course, assignment)
    notebook = build(data["assignment"], data["feedback"], course=data["course"],
                     release=encode(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path
