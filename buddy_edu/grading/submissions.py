"""Finding the notebooks to grade and whose they are.

A submission is a ``.ipynb`` file or a folder searched for them.  The student
id is the file's stem (``jdoe.ipynb`` is jdoe's), except in nbgrader's layout
``submitted/<student>/<assignment>/<file>.ipynb`` (or any
``<student>/<assignment>/<assignment>.ipynb``), where it is the folder name.
Problems an instructor can fix by renaming (an unusable id, two notebooks for
one student) stop the batch before anything runs, with the files named.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..core import InvalidRequest
from ..exercises.assignments import check_student


@dataclass(frozen=True)
class Submission:
    """One notebook to grade: whose it is, where it is and a hash of its exact bytes."""

    student: str
    path: Path
    file_hash: str


def find_submissions(assignment: str, paths: Iterable[str | os.PathLike]) -> list[Submission]:
    """The submissions of ``assignment`` among ``paths`` (files and folders), sorted by student."""
    notebooks: list[tuple[Path, bool]] = []  # (file, named explicitly)
    given = list(paths)
    if not given:
        raise InvalidRequest("no submissions given: pass notebook files or folders of them")
    for raw in given:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.ipynb")
                           if p.is_file() and not _hidden(p.relative_to(path)))
            if not found:
                raise InvalidRequest(f"no notebooks (.ipynb files) found in the folder {raw}")
            notebooks += [(p, False) for p in found]
        elif path.is_file():
            if path.suffix != ".ipynb":
                raise InvalidRequest(
                    f"{raw} is not a notebook: pass .ipynb files or folders of them")
            notebooks.append((path, True))
        else:
            raise InvalidRequest(f"submission {raw} does not exist")

    by_student: dict[str, list[Path]] = {}
    seen: set[Path] = set()
    for path, explicit in notebooks:
        resolved = path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        student, other = _owner(resolved, assignment)
        if other is not None:
            if explicit:
                raise InvalidRequest(
                    f"{path} is in nbgrader's folder of the assignment {other!r}, "
                    f"not {assignment!r}")
            continue
        by_student.setdefault(student, []).append(path)

    if not by_student:
        raise InvalidRequest(f"no notebooks of the assignment {assignment!r} found in "
                             f"{', '.join(str(p) for p in given)}")
    submissions = []
    for student, files in sorted(by_student.items()):
        chosen = _choose(student, files, assignment)
        try:
            check_student(student)
        except InvalidRequest as error:
            raise InvalidRequest(
                f"{chosen}: {error}; rename the file (or the student's folder)") from None
        submissions.append(Submission(student, chosen, file_hash(chosen)))
    return submissions


def file_hash(path: Path) -> str:
    """SHA-256 of the file's bytes: the gradebook's way of telling a changed submission."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _hidden(relative: Path) -> bool:
    """Checkpoints and other dot-folders are not submissions."""
    return any(part.startswith(".") for part in relative.parts)


def _owner(path: Path, assignment: str) -> tuple[str, str | None]:
    """(student, None), or ("", other assignment) for a notebook in another assignment's folder."""
    parts = path.parts
    if len(parts) >= 4 and parts[-4] == "submitted":
        student, folder = parts[-3], parts[-2]
        return (student, None) if folder == assignment else ("", folder)
    if len(parts) >= 3 and parts[-2] == assignment and path.stem == assignment:
        return parts[-3], None
    return path.stem, None


def _choose(student: str, files: list[Path], assignment: str) -> Path:
    if len(files) == 1:
        return files[0]
    named = [f for f in files if f.stem == assignment]
    if len(named) == 1 and all(f.parent == named[0].parent for f in files):
        return named[0]  # nbgrader folder with scratch copies beside the real notebook
    listing = ", ".join(str(f) for f in files)
    raise InvalidRequest(
        f"student {student!r} has {len(files)} notebooks ({listing}): pass only one of them")
