"""Finding the notebooks to grade, whose they are, and reading each exactly once.

A submission is a ``.ipynb`` file or a folder searched for them.  Identity
comes from the folder layout as it is on disk, never from where a link
points:

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
from dataclasses import dataclass, field
from pathlib import Path

from ..core import InvalidRequest
from ..exercises.course.assignments import check_student

#: Largest notebook (bytes) the grader reads; a bigger file is graded as unreadable.
MAX_NOTEBOOK_BYTES = 32 << 20

Warn = Callable[[str], None]


@dataclass(frozen=True)
class Submission:
    """One notebook to grade: whose it is, where it was, its bytes as read and their hash.

    ``problem`` says why the file could not be read (then ``content`` is empty
    and the notebook is graded as not runnable).
    """

    student: str
    path: Path
    file_hash: str
    content: bytes = field(default=b"", repr=False, compare=False)
    problem: str | None = None


def find_submissions(assignment: str, paths: Iterable[str | os.PathLike],
                     warn: Warn | None = None) -> list[Submission]:
    """The submissions of ``assignment`` among ``paths`` (files and folders), sorted by student.

    Files that cannot count (links, misplaced or unusable names) are skipped
    with a message to ``warn``; raises InvalidRequest only for problems of the
    command itself.
    """
    warn = warn or (lambda text: None)
    given = list(paths)
    if not given:
        raise InvalidRequest("no submissions given: pass notebook files or folders of them")
    candidates: list[tuple[Path, Path | None]] = []  # (notebook, folder it was found in)
    for raw in given:
        path = Path(os.path.abspath(raw))
        if path.is_symlink() and not path.is_dir():
            warn(f"skipped {raw}: it is a symbolic link; pass the file itself")
        elif path.is_dir():  # a folder the instructor names is searched even through a link
            found = list(_walk(path, warn))
            if not found:
                raise InvalidRequest(f"no notebooks (.ipynb files) found in the folder {raw}")
            candidates += [(p, path) for p in found]
        elif path.is_file():
            if path.suffix != ".ipynb":
                raise InvalidRequest(
                    f"{raw} is not a notebook: pass .ipynb files or folders of them")
            candidates.append((path, None))
        else:
            raise InvalidRequest(f"submission {raw} does not exist")

    by_student: dict[str, list[Path]] = {}
    for path in dict.fromkeys(p for p, _ in candidates):
        root = next(r for p, r in candidates if p == path)
        owner = _owner(path, root, assignment)
        if isinstance(owner, _Skip):
            if owner.reason:
                warn(f"skipped {path}: {owner.reason}")
            continue
        try:
            check_student(owner)
        except InvalidRequest as error:
            warn(f"skipped {path}: {error}; rename the file (or the student's folder) "
                 "to grade it")
            continue
        by_student.setdefault(owner, []).append(path)

    if not by_student:
        raise InvalidRequest(f"no gradable notebooks of the assignment {assignment!r} found "
                             f"in {', '.join(str(p) for p in given)}")
    return [_read(student, _choose(student, files, assignment, warn))
            for student, files in sorted(by_student.items())]


def content_hash(content: bytes) -> str:
    """SHA-256 of a submission's bytes: the gradebook's way of telling a changed submission."""
    return hashlib.sha256(content).hexdigest()


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes (see :func:`content_hash`)."""
    return content_hash(Path(path).read_bytes())


@dataclass(frozen=True)
class _Skip:
    reason: str  # empty: skipped without a word (another assignment's notebook)


def _walk(folder: Path, warn: Warn) -> Iterable[Path]:
    """Notebooks under ``folder``, sorted, without following links or entering dot-folders."""
    found = []
    for parent, dirs, files in os.walk(folder, followlinks=False):
        here = Path(parent)
        for name in list(dirs):
            if name.startswith("."):  # checkpoints and other dot-folders are not submissions
                dirs.remove(name)
            elif (here / name).is_symlink():
                warn(f"skipped {here / name}: it is a symbolic link, not followed")
                dirs.remove(name)
        for name in files:
            if not name.endswith(".ipynb") or name.startswith("."):
                continue
            if (here / name).is_symlink():
                warn(f"skipped {here / name}: it is a symbolic link, not followed")
            else:
                found.append(here / name)
    return sorted(found)


def _owner(path: Path, root: Path | None, assignment: str) -> str | _Skip:
    """The student a notebook belongs to, from the folders only; or why it does not count."""
    base = _nbgrader_base(path, root)
    if base is not None:
        inside = path.relative_to(base).parts
        if len(inside) < 3:  # the instructor's files in a folder named so: the rules below
            return _plain_owner(path, assignment)
        if len(inside) > 3:
            return _Skip("in nbgrader's layout only notebooks directly in "
                         "submitted/<student>/<assignment>/ count, not in sub-folders "
                         "(this one is graded for nobody)")
        if inside[1] != assignment:
            if root is None:
                raise InvalidRequest(f"{path} is in nbgrader's folder of the assignment "
                                     f"{inside[1]!r}, not {assignment!r}")
            return _Skip("")
        return inside[0]
    return _plain_owner(path, assignment)


def _plain_owner(path: Path, assignment: str) -> str:
    parts = path.parts
    if len(parts) >= 3 and parts[-2] == assignment and path.stem == assignment:
        return parts[-3]
    hand_in = f"{assignment}-"  # the name ex.download() gives: <assignment>-<student>.ipynb
    if path.stem.startswith(hand_in) and len(path.stem) > len(hand_in):
        return path.stem[len(hand_in):]
    return path.stem


def _nbgrader_base(path: Path, root: Path | None) -> Path | None:
    """The ``submitted`` folder of nbgrader's layout that ``path`` is in, if any.

    The instructor's side decides: the last ``submitted`` in the folder that
    was passed (or in the explicit file's own folders), else the first one
    below it.  A ``submitted`` folder a student made inside their own
    submission is therefore just a sub-folder.
    """
    anchor = root if root is not None else path.parent
    for index in range(len(anchor.parts) - 1, -1, -1):
        if anchor.parts[index] == "submitted":
            return Path(*anchor.parts[:index + 1])
    if root is not None:
        inside = path.relative_to(root).parts
        if "submitted" in inside[:-1]:
            return root.joinpath(*inside[:inside.index("submitted") + 1])
    return None


def _choose(student: str, files: list[Path], assignment: str, warn: Warn) -> Path:
    if len(files) == 1:
        return files[0]
    named = [f for f in files if f.stem == assignment]
    if len(named) == 1 and all(f.parent == named[0].parent for f in files):
        return named[0]  # nbgrader folder with scratch copies beside the real notebook
    chosen = sorted(files, key=lambda f: (-_mtime(f), str(f)))[0]
    others = ", ".join(str(f) for f in files if f != chosen)
    warn(f"student {student!r} has {len(files)} notebooks: graded the newest, {chosen} "
         f"(not {others}); pass only the one to grade if that is wrong")
    return chosen


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
