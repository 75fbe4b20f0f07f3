"""Where each notebook of a download came from, and whom its place in the download names.

Instructors pass what their LMS gives them, as a folder or as the zip itself
(opened with :mod:`.safe_zip`).  Each notebook is recognised by its place,
never by where a link points (links are skipped):

- **Gradescope** "Export Submissions": ``submission_<id>/…`` beside
  ``submission_metadata.yml``, which names the submitters (sid, email, name;
  see :mod:`.gradescope_export`).
- **Moodle** "Download all submissions": a folder per participant,
  ``Full Name_<participant id>_assignsubmission_file_/…`` (Moodle 4.1 and later
  leave out the last ``_``), or, when "download submissions in folders" is off,
  flattened file names ``Full Name_<participant id>_assignsubmission_file_<name>``
  (Moodle's ``mod/assign`` download code, which its feedback-zip importer
  reads back by the same ``_``-separated fields).  The participant id is
  Moodle's per-assignment id for the student, so the roster's name is matched
  too.
- **Canvas** "Download Submissions": files named
  ``<lastfirst>[_LATE]_<user id>_<attachment id>_<file name>`` (Canvas's
  ``ContentZipper``: the sortable name lower-cased with punctuation removed,
  ``LATE`` for a late submission, ``anon_<id>`` instead of the user id under
  anonymous grading); a file the student uploaded again with the same name gets
  ``-1``, ``-2`` before the extension.
- **nbgrader**: ``submitted/<student>/<assignment>/*.ipynb`` (deeper notebooks
  count for nobody); **plain files**: ``<student>.ipynb``, or
  ``<student>/<assignment>/<assignment>.ipynb``.

The outermost match wins: the LMS makes the top folders, the student only what
is inside theirs, so a file a student names like a Canvas download inside their
Moodle folder is still theirs.  What a layout says is a *claim* (a roster
column and a value); :mod:`.roster_match` turns claims into students.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ...core import InvalidRequest
from .gradescope_export import METADATA_FILE, SUBMISSION_FOLDER, Submitter, read_metadata
from .safe_zip import extracted

Warn = Callable[[str], None]
#: The layouts whose files name students by an LMS's ids, which only a roster can map.
LMS_LAYOUTS = ("canvas", "moodle", "gradescope")

CANVAS_FILE = re.compile(
    r"(?P<name>.*?)(?P<late>_LATE)?_(?P<user>\d+|anon_[A-Za-z0-9]+)_(?P<attachment>\d+)_"
    r"(?P<original>.+)\Z")
MOODLE_FOLDER = re.compile(r"(?P<name>.+?)_(?P<pid>\d+)_assignsubmission_file_?\Z")
MOODLE_FILE = re.compile(r"(?P<name>.+?)_(?P<pid>\d+)_assignsubmission_file_(?P<original>.+)\Z")
_RESUBMITTED = re.compile(r"(?P<stem>.*?)-(?P<n>\d+)\Z")


@dataclass(frozen=True)
class Found:
    """One notebook of a download: where it is, how to name it, and whom its place names.

    ``shown`` names the file as the instructor knows it (a path, or the zip and
    the entry).  ``claims`` are (roster column, value) pairs, most trusted first;
    ``student`` is the kit id that the file name or folder gives (plain files and
    nbgrader only).  ``skip`` says why the notebook counts for nobody.
    ``lms_name`` is what a feedback zip needs to name the student's folder or file
    the LMS's way; ``order`` sorts a student's files from oldest to newest.
    """

    path: Path
    shown: str
    layout: str
    who: str
    claims: tuple[tuple[str, str], ...] = ()
    student: str | None = None
    late: bool = False
    named_for_assignment: bool = False
    order: tuple[int, ...] = ()
    lms_name: str = ""
    skip: str | None = None


def discover(paths: Iterable[str | os.PathLike], assignment: str, stack: ExitStack,
             warn: Warn) -> list[Found]:
    """Every notebook among ``paths`` (files, folders, zips), recognised; zips are extracted
    into temporary folders that ``stack`` removes.  InvalidRequest for mistakes in the
    command itself (a path that does not exist, a folder or zip without notebooks)."""
    given = list(paths)
    if not given:
        raise InvalidRequest("no submissions given: pass notebook files, folders of them, or "
                             "the zip your LMS made")
    found: list[Found] = []
    for raw in given:
        path = Path(os.path.abspath(raw))
        if path.is_symlink() and not path.is_dir():
            warn(f"skipped {raw}: it is a symbolic link; pass the file itself")
        elif path.is_dir():  # a folder the instructor names is searched even through a link
            notebooks = _walk(path, warn)
            if not notebooks:
                raise InvalidRequest(f"no notebooks (.ipynb files) found in the folder {raw}")
            found += _recognise(notebooks, path, str(path), assignment)
        elif path.is_file() and path.suffix.lower() == ".zip":
            folder = stack.enter_context(extracted(path, _wanted))
            notebooks = _walk(folder, warn, shown=(folder, str(path)))
            if not notebooks:
                raise InvalidRequest(f"no notebooks (.ipynb files) found in the zip {raw}")
            found += _recognise(notebooks, folder, str(path), assignment)
        elif path.is_file():
            if path.suffix != ".ipynb":
                raise InvalidRequest(f"{raw} is not a notebook: pass .ipynb files, folders "
                                     "of them, or the zip your LMS made")
            found.append(identify(path, None, str(path), assignment))
        else:
            raise InvalidRequest(f"submission {raw} does not exist")
    unique: dict[Path, Found] = {}
    for item in found:
        unique.setdefault(item.path, item)
    return list(unique.values())


def _wanted(name: PurePosixPath) -> bool:
    """The entries of a zip the grader reads: notebooks and Gradescope's metadata."""
    return (name.suffix == ".ipynb" or name.name == METADATA_FILE) and \
        not any(part.startswith(".") or part == "__MACOSX" for part in name.parts)


def _walk(folder: Path, warn: Warn, shown: tuple[Path, str] | None = None) -> list[Path]:
    """Notebooks under ``folder``, sorted, without following links or entering dot-folders."""
    def name(path: Path) -> str:
        return _shown(path, *shown) if shown else str(path)

    found = []
    for parent, dirs, files in os.walk(folder, followlinks=False):
        here = Path(parent)
        for entry in list(dirs):
            if entry.startswith(".") or entry == "__MACOSX":  # checkpoints, macOS debris
                dirs.remove(entry)
            elif (here / entry).is_symlink():
                warn(f"skipped {name(here / entry)}: it is a symbolic link, not followed")
                dirs.remove(entry)
        for entry in files:
            if not entry.endswith(".ipynb") or entry.startswith("."):
                continue
            if (here / entry).is_symlink():
                warn(f"skipped {name(here / entry)}: it is a symbolic link, not followed")
            else:
                found.append(here / entry)
    return sorted(found)


def _shown(path: Path, root: Path, label: str) -> str:
    return f"{label}/{path.relative_to(root).as_posix()}"


def _recognise(notebooks: list[Path], root: Path, label: str, assignment: str) -> list[Found]:
    shown = (lambda p: _shown(p, root, label)) if label != str(root) else str
    metadata: dict[Path, dict[str, tuple[Submitter, ...]]] = {}
    return [identify(path, root, shown(path), assignment, metadata) for path in notebooks]


def identify(path: Path, root: Path | None, shown: str, assignment: str,
             metadata: dict | None = None) -> Found:
    """Whom the place of the notebook ``path`` (found under ``root``, or named itself) names."""
    metadata = {} if metadata is None else metadata
    inside = path.relative_to(root).parts if root is not None else (path.name,)
    base = root if root is not None else path.parent
    for depth, part in enumerate(inside[:-1]):  # outermost folder first
        folder = base.joinpath(*inside[:depth + 1])
        match = SUBMISSION_FOLDER.match(part)
        if match and (folder.parent / METADATA_FILE).is_file():
            return _gradescope(path, shown, folder, match, assignment, metadata)
        match = MOODLE_FOLDER.match(part)
        if match:
            return _moodle(path, shown, match, part, path.stem == assignment)
    match = MOODLE_FILE.match(path.name)
    if match:
        original = match["original"]
        return _moodle(path, shown, match, path.name[:-len(original)],
                       Path(original).stem == assignment)
    match = CANVAS_FILE.match(path.name)
    if match:
        return _canvas(path, shown, match, assignment)
    return _plain(path, root, shown, assignment)


def _gradescope(path, shown, folder, match, assignment, metadata) -> Found:
    key = folder.parent
    if key not in metadata:
        metadata[key] = read_metadata(key / METADATA_FILE)
    people = metadata[key].get(folder.name)
    if people is None:
        return Found(path, shown, "gradescope", f"Gradescope {folder.name}",
                     skip=f"{folder.name} is not in {METADATA_FILE}, so nobody is named for it")
    claims = []
    for person in people:
        claims += [(column, value) for column, value in (
            ("gradescope_sid", person.sid), ("sis_id", person.sid),
            ("email", person.email.lower()), ("gradescope_sid", person.email),
            ("name", person.name)) if value]
    names = ", ".join(person.name or person.email or person.sid for person in people)
    who = f"Gradescope {folder.name} ({names or 'no submitter named'})"
    return Found(path, shown, "gradescope", who, claims=tuple(dict.fromkeys(claims)),
                 named_for_assignment=path.stem == assignment, order=(int(match[1]),),
                 lms_name=folder.name,
                 skip=None if people else f"{METADATA_FILE} names no submitter for "
                                          f"{folder.name}")


def _moodle(path, shown, match, prefix, named) -> Found:
    name, pid = match["name"].strip(), match["pid"]
    claims = [("moodle_id", pid)]
    if not name.lower().startswith("participant"):  # blind marking hides the name
        claims.append(("name", name))
    return Found(path, shown, "moodle", f"Moodle participant {pid} ({name})",
                 claims=tuple(claims), named_for_assignment=named, lms_name=prefix)


def _canvas(path, shown, match, assignment) -> Found:
    original = Path(match["original"])
    stem, attempt = original.stem, 0
    again = _RESUBMITTED.match(stem)
    if again:
        stem, attempt = again["stem"], int(again["n"])
    user, late = match["user"], bool(match["late"])
    lms_name = f"{match['name']}{match['late'] or ''}_{user}_{match['attachment']}"
    if user.startswith("anon_"):
        return Found(path, shown, "canvas", f"Canvas {user}", late=late, lms_name=lms_name,
                     skip="Canvas's anonymous grading hides who handed it in "
                          f"({user}); download again with anonymous grading off")
    return Found(path, shown, "canvas", f"Canvas user {user} ({match['name'] or 'no name'})",
                 claims=(("canvas_id", user),), late=late,
                 named_for_assignment=stem == assignment,
                 order=(attempt, int(match["attachment"])), lms_name=lms_name)


def _plain(path: Path, root: Path | None, shown: str, assignment: str) -> Found:
    """nbgrader's layout or a plain file: the student is a folder's or the file's name."""
    base = _nbgrader_base(path, root)
    student = None
    if base is not None:
        inside = path.relative_to(base).parts
        if len(inside) > 3:
            return Found(path, shown, "nbgrader", "nbgrader",
                         skip="in nbgrader's layout only notebooks directly in "
                              "submitted/<student>/<assignment>/ count, not in sub-folders "
                              "(this one is graded for nobody)")
        if len(inside) == 3:
            if inside[1] != assignment:
                if root is None:
                    raise InvalidRequest(f"{path} is in nbgrader's folder of the assignment "
                                         f"{inside[1]!r}, not {assignment!r}")
                return Found(path, shown, "nbgrader", "nbgrader", skip="")
            student = inside[0]
    layout = "nbgrader" if student is not None else "file"
    if student is None:
        parts = path.parts
        same = len(parts) >= 3 and parts[-2] == assignment and path.stem == assignment
        student = parts[-3] if same else path.stem
        hand_in = f"{assignment}-"  # the name ex.download() gives: <assignment>-<student>.ipynb
        if not same and student.startswith(hand_in) and len(student) > len(hand_in):
            student = student[len(hand_in):]
    claims = (("student_id", student),)
    if "@" in student:
        claims += (("email", student.lower()),)
    return Found(path, shown, layout, f"the {'folder' if layout == 'nbgrader' else 'file'} "
                                      f"name {student!r}",
                 claims=claims, student=student, named_for_assignment=path.stem == assignment)


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
