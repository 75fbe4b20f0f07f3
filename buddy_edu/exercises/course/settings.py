"""A course folder: its settings, its secret and its roster, kept on the instructor's side.

Practice mode (no course) seeds every variant from (assignment, student) alone,
so anyone with the kit can regenerate anyone's questions and key: good for
lessons and self-study, worthless for grades.  A course adds a random secret
that only the instructor holds; variants are then seeded with a keyed hash
(HMAC-SHA-256) of the assignment, the student and the question number, so
without the secret nobody can regenerate a variant or its key.

The folder holds ``course.json`` (the course's name and its assignments with
their feedback levels), ``secret.key`` (256 random bits, readable by its owner
only, listed in the ``.gitignore`` this module writes) and ``roster.csv``.
Commands find the course from ``--course DIR`` or by looking in the current
folder and its parents, as git finds a repository.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from ...core import InvalidRequest
from ..questions.feedback import LEVELS
from .assignments import ASSIGNMENTS, Variants, get_assignment
from .roster import HEADER, RosterEntry, read_roster

SETTINGS_FILE = "course.json"
SECRET_FILE = "secret.key"
ROSTER_FILE = "roster.csv"
SECRET_BYTES = 32  # 256 bits
SETTINGS_VERSION = 1
GITIGNORE = (
    "# The course secret decides every student's questions and answers: never commit it,\n"
    "# never copy it into student material.\n"
    f"/{SECRET_FILE}\n"
    "# Grades and the instructor's keys stay off shared repositories too.\n"
    "/grades*\n/keys*\n"
)


class CourseNotFound(InvalidRequest):
    """No course folder where one was needed."""


@dataclass(frozen=True)
class Course:
    """A course folder as read from disk.  The secret is read only when a seed needs it."""

    root: Path
    name: str
    feedback: dict[str, str]  # assignment name -> feedback level

    @property
    def assignments(self) -> list[str]:
        """The assignments this course gives, in the order of ``course.json``."""
        return list(self.feedback)

    @property
    def roster_path(self) -> Path:
        return self.root / ROSTER_FILE

    def roster(self) -> list[RosterEntry]:
        """Every student of the course, from ``roster.csv``."""
        return read_roster(self.roster_path)

    def check_assignment(self, assignment: str) -> str:
        """``assignment`` if this course gives it; InvalidRequest naming the ones it does."""
        spec = get_assignment(assignment)
        if spec.name not in self.feedback:
            raise InvalidRequest(
                f"the course {self.name!r} does not give {spec.name!r}: it gives "
                f"{', '.join(self.feedback) or 'no assignments'} (edit {self.root / SETTINGS_FILE}"
                " to add it)")
        return spec.name

    def variants(self) -> Variants:
        """The course's variants, seeded by its secret."""
        return Variants(self.name, self.secret())

    def secret(self) -> bytes:
        """The course secret.  Refused when others can read the file: a secret that the whole
        machine can read protects nothing."""
        path = self.root / SECRET_FILE
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            raise CourseNotFound(
                f"{path} is missing: without the course secret no variant or key can be made "
                "(restore it from your backup; a new secret would give every student new "
                "questions)") from None
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidRequest(f"cannot read the course secret {path}: {error}") from None
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise InvalidRequest(
                f"{path} can be read by other users: run `chmod 600 {path}` and keep it to "
                "yourself")
        try:
            secret = bytes.fromhex(text)
        except ValueError:
            secret = b""
        if len(secret) < SECRET_BYTES:
            raise InvalidRequest(f"{path} does not hold a secret of {SECRET_BYTES * 8} bits "
                                 "(64 hexadecimal digits): it was edited or damaged")
        return secret


def init_course(folder: str | os.PathLike, name: str | None = None,
                assignments: list[str] | None = None, feedback: str = "mark") -> Course:
    """Make a course folder: settings, a new secret (owner-only), ``.gitignore``, empty roster.

    Refuses a folder that already holds a course (its secret would be lost) or files of
    the same names.  ``feedback`` is every assignment's level to begin with; ``mark`` by
    default, since ``full`` explanations let a patient student search for the answer.
    """
    root = Path(folder)
    if feedback not in LEVELS:
        raise InvalidRequest(f"feedback must be one of {', '.join(LEVELS)}, got {feedback!r}")
    chosen = list(ASSIGNMENTS) if assignments is None else [get_assignment(a).name
                                                             for a in assignments]
    if root.exists() and not root.is_dir():
        raise InvalidRequest(f"{root} is a file: give a folder for the course")
    taken = [n for n in (SETTINGS_FILE, SECRET_FILE, ROSTER_FILE) if (root / n).exists()]
    if taken:
        raise InvalidRequest(f"{root} already holds {', '.join(taken)}: a course is set up "
                             "there already (a new secret would change every student's "
                             "questions); choose another folder")
    settings = {"version": SETTINGS_VERSION, "name": name or root.resolve().name,
                "assignments": {assignment: {"feedback": feedback} for assignment in chosen}}
    root.mkdir(parents=True, exist_ok=True)
    secret_path = root / SECRET_FILE
    descriptor = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(SECRET_BYTES) + "\n")
    (root / SETTINGS_FILE).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    (root / ROSTER_FILE).write_text(",".join(HEADER) + "\n", encoding="utf-8")
    ignore = root / ".gitignore"
    existing = ignore.read_text(encoding="utf-8") if ignore.exists() else ""
    if f"/{SECRET_FILE}" not in existing.split():
        ignore.write_text(existing + ("\n" if existing and not existing.endswith("\n") else "")
                          + GITIGNORE, encoding="utf-8")
    return load_course(root)


def load_course(folder: str | os.PathLike) -> Course:
    """The course in ``folder``; CourseNotFound when it holds none."""
    root = Path(folder)
    path = root / SETTINGS_FILE
    if not path.is_file():
        raise CourseNotFound(
            f"{root} is not a course folder (it has no {SETTINGS_FILE}): make one with "
            f"`buddy-edu course init {root}`, or pass --course with the folder that has it")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InvalidRequest(f"cannot read {path}: {error}") from None
    if not isinstance(data, dict) or data.get("version") != SETTINGS_VERSION:
        raise InvalidRequest(f"{path} is not a buddy-edu course of version {SETTINGS_VERSION}")
    given = data.get("assignments")
    if not isinstance(given, dict):
        raise InvalidRequest(f"{path}: 'assignments' must map assignment names to settings")
    feedback = {}
    for assignment, settings in given.items():
        name = get_assignment(assignment).name
        level = settings.get("feedback", "mark") if isinstance(settings, dict) else None
        if level not in LEVELS:
            raise InvalidRequest(f"{path}: the feedback of {name!r} must be one of "
                                 f"{', '.join(LEVELS)}, got {level!r}")
        feedback[name] = level
    return Course(root=root.resolve(), name=str(data.get("name") or root.resolve().name),
                  feedback=feedback)


def find_course(folder: str | os.PathLike | None = None) -> Course:
    """The course in ``folder`` if given, else in the current folder or the nearest parent
    that has one (as git finds a repository); CourseNotFound saying how to make one."""
    if folder is not None:
        return load_course(folder)
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / SETTINGS_FILE).is_file():
            return load_course(candidate)
    raise CourseNotFound(
        f"no course here: neither {here} nor a folder above it has a {SETTINGS_FILE}. Pass "
        "--course DIR, or make a course with `buddy-edu course init DIR`")
