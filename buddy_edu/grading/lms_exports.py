"""What an LMS imports back: grade CSVs for Canvas and Moodle, feedback zips named its way.

Everything is made from the gradebook (each student's current grade, and where
the graded file came from, see :mod:`.roster_match`) for the roster's
students; a roster student with no grade gets 0.  A student the LMS could not
match (no Canvas id, no email) is left out of the file and named in the
summary, since Moodle stops a whole import at the first row it cannot match.

- **Canvas** gradebook import (Grades, Import): the identifying columns of the
  file Canvas's own export writes, ``Student, ID, SIS User ID, SIS Login ID,
  Section``, in that order, then one points column named for the assignment
  (a new column makes a new assignment; name it ``Title (id)`` as Canvas's
  export does to fill an existing one), and a ``Points Possible`` row.  Canvas
  matches students by ``ID`` (the Canvas user id), else ``SIS User ID``.
- **Moodle** gradebook import (Grades, Import, CSV file): ``Email address`` to
  map from (map to "Email address"), ``ID number``, ``Full name``, and the
  grade column to map to the assignment's grade item.
- **Moodle feedback files** (Assignment, View all submissions, "Upload
  multiple feedback files in a zip"): each page in the student's folder named
  exactly as in the download (``Full Name_<participant id>_assignsubmission_
  file_``), which Moodle's importer reads back by its ``_``-separated fields.
- **Canvas feedback** ("Re-Upload Submissions"): each page named like the
  student's downloaded file, ``<lastfirst>_<user id>_<attachment id>_...``: Canvas
  attaches it as a comment to that user's submission.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..core import InvalidRequest
from ..exercises.course.assignments import get_assignment
from ..exercises.course.class_key import csv_cell
from ..exercises.course.roster import RosterEntry
from .gradebook import Gradebook
from .pages import feedback_html
from .results import Result, format_points

#: The targets of ``buddy-edu export``, with the suffix of the file each writes.
FORMATS = {"canvas": ".csv", "moodle": ".csv", "moodle-feedback": ".zip",
           "canvas-feedback": ".zip"}


@dataclass(frozen=True)
class Exported:
    """What an export wrote: how many students, who was left out and why, and warnings."""

    path: Path
    written: int
    left_out: tuple[tuple[str, str], ...] = ()  # (student, why)
    warnings: tuple[str, ...] = ()


def export(target: str, book_path: str | os.PathLike, assignment: str,
           roster: list[RosterEntry], out: str | os.PathLike, *, column: str | None = None,
           reveal: bool = False) -> Exported:
    """Write ``out`` for ``target`` (one of :data:`FORMATS`) from the gradebook ``book_path``.

    InvalidRequest, before anything is written, for an unknown target, a
    gradebook that does not exist or holds no grade of ``assignment``, an empty
    roster or an output that cannot be written.
    """
    if target not in FORMATS:
        raise InvalidRequest(f"unknown export {target!r}: choose one of {', '.join(FORMATS)}")
    spec = get_assignment(assignment)
    book_path, out = Path(book_path), Path(out)
    if not book_path.is_file():
        raise InvalidRequest(f"there is no gradebook {book_path}: grade first (buddy-edu grade "
                             f"{spec.name} ...), or pass --gradebook with the one it wrote")
    if out.is_dir() or not out.parent.is_dir():
        raise InvalidRequest(f"cannot write {out}: give a file name in an existing folder")
    if not roster:
        raise InvalidRequest("the roster lists no students: the LMS file is made for the "
                             "roster's students (fill the course's roster.csv, or --roster)")
    with Gradebook(book_path) as book:
        results = {result.student: result for result in book.current(spec.name)}
        sources = {student: json.loads(text)
                   for student, text in book.sources(spec.name).items()}
    if not results:
        raise InvalidRequest(f"the gradebook {book_path} holds no grade of {spec.name!r}: "
                             "grade the assignment first")
    warnings = _warnings(results.values())
    known = {entry.student_id for entry in roster}
    left_out = [(student, "graded, but not in the roster") for student in sorted(results)
                if student not in known]
    if target == "canvas":
        data, written, skipped = _canvas(spec, roster, results, column or spec.name)
    elif target == "moodle":
        data, written, skipped = _moodle(spec, roster, results, column or spec.name)
    else:
        layout = target.split("-")[0]
        data, written, skipped = _feedback_zip(layout, spec.name, roster, results, sources,
                                               reveal)
    _replace(out, data)
    return Exported(out, written, tuple(left_out + skipped), warnings)


def _warnings(results) -> tuple[str, ...]:
    said = []
    practice = sorted(r.student for r in results if r.mode == "practice")
    if practice:
        said.append(f"{len(practice)} grade(s) are practice mode's (checked against variants "
                    f"anyone can make): {', '.join(practice[:10])}; grade with --course")
    loose = sorted(r.student for r in results if not r.sandboxed)
    if loose:
        said.append(f"{len(loose)} grade(s) were made without a sandbox: "
                    f"{', '.join(loose[:10])}")
    return tuple(said)


def _score(spec, results: dict[str, Result], student: str) -> str:
    """The student's points as the LMS reads them; 0 for a roster student with no grade."""
    result = results.get(student)
    return format_points(result.score) if result is not None else "0"


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows([[csv_cell(cell) for cell in row] for row in rows])
    return text.getvalue().encode("utf-8")


def _canvas(spec, roster, results, column):
    rows, skipped = [["Points Possible", "", "", "", "", str(spec.max_score)]], []
    for entry in roster:
        if not (entry.canvas_id or entry.sis_id):
            skipped.append((entry.student_id, "no canvas_id or sis_id in the roster, so Canvas "
                                              "cannot tell who it is"))
            continue
        rows.append([entry.name or entry.student_id, entry.canvas_id, entry.sis_id, "", "",
                     _score(spec, results, entry.student_id)])
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column]
    return _csv(header, rows), len(rows) - 1, skipped


def _moodle(spec, roster, results, column):
    rows, skipped = [], []
    for entry in roster:
        if not entry.email:
            skipped.append((entry.student_id, "no email in the roster: Moodle's import would "
                                              "stop at a row it cannot match"))
            continue
        rows.append([entry.email, entry.sis_id, entry.name,
                     _score(spec, results, entry.student_id)])
    return _csv(["Email address", "ID number", "Full name", column], rows), len(rows), skipped


def _feedback_zip(layout, assignment, roster, results, sources, reveal):
    buffer, skipped, written = io.BytesIO(), [], 0
    page_name = f"{assignment}-feedback.html"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in roster:
            student = entry.student_id
            result, source = results.get(student), sources.get(student)
            if result is None:
                skipped.append((student, "no grade (nothing handed in)"))
                continue
            if source is None or source.get("layout") != layout or not source.get("lms_name"):
                skipped.append((student, f"the graded file did not come from a "
                                         f"{layout.capitalize()} download"))
                continue
            name = source["lms_name"]  # the download's own folder (Moodle) or file prefix
            entry_name = f"{name}/{page_name}" if layout == "moodle" else f"{name}_{page_name}"
            archive.writestr(entry_name, feedback_html(result, reveal))
            written += 1
    return buffer.getvalue(), written, skipped


def _replace(out: Path, data: bytes) -> None:
    """Write ``out`` in one step, so a reader never sees half of it."""
    handle = tempfile.NamedTemporaryFile("wb", dir=out.parent, prefix=f".{out.name}.",
                                         suffix=".tmp", delete=False)
    try:
        with handle:
            handle.write(data)
        os.replace(handle.name, out)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
