"""Finding the notebooks to grade, whose they are, and reading each exactly once.

A submission is a ``.ipynb`` file, a folder searched for them, or an LMS's
zip (see :mod:`.lms.layouts` for the layouts recognised and :mod:`.lms.safe_zip` for
how a zip is opened).  Without a roster, identity comes from the folder
layout as it is on disk, never from where a link points (with a roster,
:mod:`.lms.roster_match` maps each notebook to one roster row):

- The student id is the file's stem (``jdoe.ipynb`` is jdoe's), what follows
  the assignment in the name ``ex.download()`` gives
  (``splitting-jdoe.ipynb`` is jdoe's when grading splitting), or the
  folder name in ``<student>/<assignment>/<assignment>.ipynb``.
- In nbgrader's layout only ``submitted/<student>/<assignment>/*.ipynb``
  counts, and the id is ``<student>``: the student controls what is inside
  that folder, so a notebook deeper down (``submitted/mallory/splitting/
  extra/carol.ipynb``) is skipped, never graded as carol.
- Symbolic links are skipped: ``mallory.ipynb -> /etc/passwd`` is neither
  read nor graded as "passwd".  Only a folder named in the command is
  followed if it is a link: the instructor chose it.
- When one student has several notebooks, the one named after the
  assignment wins if they share a folder (nbgrader with scratch copies);
  otherwise the newest by modification time, and on a tie the first by path.
- A file whose name is not a usable id is skipped.

Each skip or choice is reported through ``warn`` and the rest of the class is
graded.  Only mistakes in the command itself (a path that does not exist, a
folder without notebooks) stop the batch, before anything runs.

Every chosen file is read once, here: the grader hashes, stores and runs
that content, so nothing that changes the file later (a classmate's kernel,
a second copy) alters what is graded.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..core import InvalidRequest
from ..exercises.course.assignments import check_student
from .lms.layouts import LMS_LAYOUTS, Found, discover

#: Largest notebook (bytes) the grader reads; a bigger file is graded as unreadable.
MAX_NOTEBOOK_BYTES = 32 << 20

Warn = Callable[[str], None]


@dataclass(frozen=True)
class Submission:
    """One notebook to grade: whose it is, where it was, its bytes as read and their hash.

    ``problem`` says why the file could not be read (then ``content`` is empty
    and the notebook is graded as not runnable).  ``notes`` are remarks on
    where it came from (a late hand-in), added to the grade's notes.
    """

    student: str
    path: Path
    file_hash: str
    content: bytes = field(default=b"", repr=False, compare=False)
    problem: str | None = None
    notes: tuple[str, ...] = ()


def find_submissions(assignment: str, paths: Iterable[str | os.PathLike],
                     warn: Warn | None = None) -> list[Submission]:
    """The submissions of ``assignment`` among ``paths`` (files, folders, zips), sorted by student.

    Without a roster the student is the file's or folder's name (see
    :mod:`.lms.layouts`); an LMS download, which names students by the LMS's ids,
    needs a roster (:func:`.lms.roster_match.collect`).  Files that cannot count
    (links, misplaced or unusable names) are skipped with a message to
    ``warn``; raises InvalidRequest only for problems of the command itself.
    """
    warn = warn or (lambda text: None)
    paths = list(paths)
    with ExitStack() as stack:
        found = discover(paths, assignment, stack, warn)
        lms = [item for item in found if item.layout in LMS_LAYOUTS]
        if lms:
            raise InvalidRequest(
                f"{lms[0].shown} is from a {lms[0].layout.capitalize()} download, which names "
                f"{lms[0].who}, not a student id of the kit: give the roster that maps "
                "them (the course's roster.csv, with --course DIR, or --roster CSV)")
        by_student: dict[str, list[Found]] = {}
        for item in found:
            if item.skip is not None:
                if item.skip:
                    warn(f"skipped {item.shown}: {item.skip}")
                continue
            try:
                check_student(item.student)
            except InvalidRequest as error:
                warn(f"skipped {item.shown}: {error}; rename the file (or the student's "
                     "folder) to grade it")
                continue
            by_student.setdefault(item.student, []).append(item)
        if not by_student:
            raise InvalidRequest(f"no gradable notebooks of the assignment {assignment!r} "
                                 f"found in {', '.join(str(p) for p in paths)}")
        return [read_found(student, _choose(student, files, assignment, warn))
                for student, files in sorted(by_student.items())]


def content_hash(content: bytes) -> str:
    """SHA-256 of a submission's bytes: the gradebook's way of telling a changed submission."""
    return hashlib.sha256(content).hexdigest()


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes (see :func:`content_hash`)."""
    return content_hash(Path(path).read_bytes())


def _choose(student: str, files: list[Found], assignment: str, warn: Warn) -> Found:
    if len(files) == 1:
        return files[0]
    named = [f for f in files if f.path.stem == assignment]
    if len(named) == 1 and all(f.path.parent == named[0].path.parent for f in files):
        return named[0]  # nbgrader folder with scratch copies beside the real notebook
    chosen = sorted(files, key=lambda f: (-_mtime(f.path), f.shown))[0]
    others = ", ".join(f.shown for f in files if f is not chosen)
    warn(f"student {student!r} has {len(files)} notebooks: graded the newest, {chosen.shown} "
         f"(not {others}); pass only the one to grade if that is wrong")
    return chosen


def read_found(student: str, found: Found) -> Submission:
    """Read a recognised notebook once, as ``student``'s submission (named as ``found`` shows
    it: a zip's entry is read from its extracted copy)."""
    submission = _read(student, found.path)
    return replace(submission, path=Path(found.shown))


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0


def _read(student: str, path: Path) -> Submission:
    """Read the file once, without following a link swapped in since it was found."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as error:
        return _unreadable(student, path, f"the file could not be read ({error.strerror})")
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return _unreadable(student, path, "it is not a regular file")
        content = handle.read(MAX_NOTEBOOK_BYTES + 1)
    if len(content) > MAX_NOTEBOOK_BYTES:
        return _unreadable(student, path, f"the file is larger than "
                                          f"{MAX_NOTEBOOK_BYTES >> 20} MB, so it was not run")
    return Submission(student, path, content_hash(content), content)


def _unreadable(student: str, path: Path, problem: str) -> Submission:
    return Submission(student, path, content_hash(problem.encode()), b"", problem)
