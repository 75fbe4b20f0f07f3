"""Each downloaded notebook to exactly one roster row, and the report of what did not fit.

With a roster (the course's ``roster.csv``, see
:mod:`buddy_edu.exercises.course.roster`) every notebook found (see
:mod:`.layouts`) is mapped to one student by what its place in the download
claims, most trusted first: the Canvas user id (``canvas_id``), the Moodle
participant id (``moodle_id``, then the full name, since Moodle numbers
participants per assignment), the Gradescope submitter's sid or email, or the
file's or folder's name (``student_id``, or ``email``).  The id written in the
notebook (``start(..., student="...")``) never decides whose it is; when it
disagrees the notebook is graded as the LMS's student and flagged, since its
answers were given to another student's questions.  A notebook that matches no
row is not graded at all: grading it under a guess would check it against a
variant its author never saw.

The report lists, in one block: notebooks matched to nobody (the file and
why), students with two notebooks (which one was graded), notebooks whose
written id disagrees, late hand-ins, and roster students with no grade
(``missing``: a CSV row with 0).
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace

from ..core import InvalidRequest
from ..exercises.course.assignments import PLACEHOLDER_ID
from ..exercises.course.roster import RosterEntry, read_roster
from .layouts import Found, discover
from .notebook_file import declared_in
from .submissions import Submission, Warn, find_submissions, read_found

_LAYOUT_NAMES = {"canvas": "Canvas", "moodle": "Moodle", "gradescope": "Gradescope",
                 "nbgrader": "nbgrader", "file": "file"}


@dataclass(frozen=True)
class Source:
    """Where a student's graded notebook came from, kept beside the grade in the gradebook.

    ``lms_name`` names the student's file or folder the LMS's way (a feedback
    zip needs it); ``flags`` are the report's words for this file (``late``,
    ``id mismatch``, ``duplicate``), the CSV's ``status``.
    """

    layout: str
    shown: str
    who: str
    lms_name: str = ""
    late: bool = False
    declared: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class RosterReport:
    """What the roster match found in one batch (see the module's docstring)."""

    roster: tuple[str, ...]
    unmatched: tuple[tuple[str, str], ...] = ()  # (file, why)
    duplicates: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (student, graded, others)
    mismatched: tuple[tuple[str, str, str], ...] = ()  # (student, file, id the notebook says)
    late: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    sources: dict[str, Source] = field(default_factory=dict, compare=False)

    def lines(self) -> list[str]:
        """The report block ``buddy-edu grade`` prints: a title line, then one line per item."""
        out = [f"roster: {len(self.roster)} students, {len(self.sources)} matched to a "
               f"notebook, {len(self.missing)} missing, {len(self.unmatched)} notebook"
               f"{'s' * (len(self.unmatched) != 1)} matched to nobody"]
        out += [f"  not graded: {shown}: {why}" for shown, why in self.unmatched]
        out += [f"  two notebooks: {student}: graded {graded} (not {', '.join(others)})"
                for student, graded, others in self.duplicates]
        out += [f"  id mismatch: {student}: {shown} says student={declared!r}; graded as "
                f"{student} (the LMS's student), against {student}'s questions"
                for student, shown, declared in self.mismatched]
        out += [f"  late: {student}: {self.sources[student].shown}" for student in self.late]
        if self.missing:
            out.append(f"  missing (0 points in the CSV): {', '.join(self.missing)}")
        return out

    def to_json(self) -> str:
        """The report as JSON text, for the gradebook."""
        data = asdict(self)
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> RosterReport:
        """A report stored with :meth:`to_json`."""
        data = json.loads(text)
        sources = {student: Source(**{**value, "flags": tuple(value["flags"])})
                   for student, value in data.pop("sources").items()}
        return cls(roster=tuple(data["roster"]),
                   unmatched=tuple(tuple(item) for item in data["unmatched"]),
                   duplicates=tuple((s, g, tuple(o)) for s, g, o in data["duplicates"]),
                   mismatched=tuple(tuple(item) for item in data["mismatched"]),
                   late=tuple(data["late"]), missing=tuple(data["missing"]), sources=sources)


class ClassResults(list):
    """The Results of one batch, sorted by student (a list), with the roster ``report``
    (None when no roster was given)."""

    def __init__(self, results: Iterable, report: RosterReport | None = None) -> None:
        super().__init__(results)
        self.report = report


def name_key(name: str) -> tuple[str, ...]:
    """A person's name compared loosely: accents, case, order and punctuation do not count
    ("Doe, Jane" is "jane doe")."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    return tuple(sorted(re.findall(r"\w+", plain)))


class RosterIndex:
    """The roster looked up by any of its columns."""

    def __init__(self, entries: Iterable[RosterEntry]) -> None:
        self.entries = list(entries)
        self._by: dict[str, dict[object, list[RosterEntry]]] = {}
        for entry in self.entries:
            for column in ("student_id", "canvas_id", "sis_id", "moodle_id", "gradescope_sid",
                           "email", "name"):
                value = getattr(entry, column)
                if value:
                    self._by.setdefault(column, {}).setdefault(_key(column, value), []
                                                               ).append(entry)

    def lookup(self, column: str, value: str) -> list[RosterEntry]:
        """The rows whose ``column`` holds ``value`` (emails and names compared loosely)."""
        return self._by.get(column, {}).get(_key(column, value), [])


def _key(column: str, value: str) -> object:
    if column == "name":
        return name_key(value)
    return value.strip().lower() if column == "email" or "@" in value else value.strip()


def collect(assignment: str, paths: Iterable[str | os.PathLike], roster: list[RosterEntry],
            warn: Warn) -> tuple[list[Submission], RosterReport]:
    """The submissions of ``assignment`` among ``paths``, one per roster student who handed one
    in, sorted by student, and the report (``missing`` left empty: the batch fills it in
    once it knows who has a grade).  InvalidRequest for mistakes in the command itself."""
    paths = list(paths)
    index = RosterIndex(roster)
    unmatched: list[tuple[str, str]] = []
    by_student: dict[str, list[tuple[Found, Submission, str | None]]] = {}
    with ExitStack() as stack:
        for found in discover(paths, assignment, stack, warn):
            if found.skip is not None:
                if found.skip:
                    unmatched.append((found.shown, found.skip))
                continue
            submission = read_found("", found)
            declared = declared_in(submission.content)
            entry, why = match(index, found, declared)
            if entry is None:
                unmatched.append((found.shown, why))
                continue
            by_student.setdefault(entry.student_id, []).append((found, submission, declared))
    chosen, duplicates, mismatched, late, sources = [], [], [], [], {}
    for student in sorted(by_student):
        candidates = sorted(by_student[student], key=lambda c: c[0].shown)
        found, submission, declared = max(candidates, key=lambda c: _newness(c[0]))
        flags = []
        if len(candidates) > 1:
            others = tuple(c[0].shown for c in candidates if c[0] is not found)
            duplicates.append((student, found.shown, others))
            flags.append("duplicate")
        notes = []
        if found.late:
            late.append(student)
            flags.append("late")
            notes.append(f"handed in late ({_LAYOUT_NAMES[found.layout]} marks it late)")
        if declared is not None and declared != student:
            mismatched.append((student, found.shown, declared))
            flags.append("id mismatch")
        sources[student] = Source(found.layout, found.shown, found.who, found.lms_name,
                                  found.late, declared, tuple(flags))
        chosen.append(replace(submission, student=student, notes=tuple(notes)))
    if not chosen and not unmatched:
        raise InvalidRequest(f"no gradable notebooks of the assignment {assignment!r} found "
                             f"in {', '.join(str(p) for p in paths)}")
    report = RosterReport(roster=tuple(entry.student_id for entry in roster),
                          unmatched=tuple(unmatched), duplicates=tuple(duplicates),
                          mismatched=tuple(mismatched), late=tuple(late), sources=sources)
    return chosen, report


def match(index: RosterIndex, found: Found, declared: str | None
          ) -> tuple[RosterEntry | None, str]:
    """The roster row ``found`` belongs to, or None and why not."""
    hits: list[RosterEntry] = []
    ambiguous = []
    for column, value in found.claims:
        rows = index.lookup(column, value)
        if len(rows) == 1:
            if rows[0] not in hits:
                hits.append(rows[0])
            if found.layout != "gradescope":  # the most trusted claim that fits decides
                break
        elif len(rows) > 1:
            ambiguous.append(f"{len(rows)} roster rows have the {column} {value!r}")
    if len(hits) > 1:  # a Gradescope group: the notebook answers one member's questions
        hits = [entry for entry in hits if entry.student_id == declared] or hits[:1]
    if hits:
        return hits[0], ""
    said = f"; the notebook says student={declared!r}" \
        if declared not in (None, PLACEHOLDER_ID) else ""
    where = {"canvas": "canvas_id", "moodle": "moodle_id (or name)",
             "gradescope": "gradescope_sid, sis_id or email", "nbgrader": "student_id",
             "file": "student_id (or email)"}[found.layout]
    why = f"{found.who} is in no roster row's {where}"
    if ambiguous:
        why += f" ({'; '.join(ambiguous)})"
    fix = (f": add it to that student's row of the roster{said}" if found.layout in
           ("canvas", "moodle", "gradescope") else
           f"{said}: rename the file after the student's id, or add the student to the roster")
    return None, why + fix


def _newness(found: Found) -> tuple:
    """Sort key of one student's notebooks: the one named after the assignment, then the
    LMS's own order (resubmission number, attachment or submission id), then the newest
    (on a tie, the first by name: ``max`` keeps the first of equals)."""
    try:
        mtime = found.path.lstat().st_mtime
    except OSError:
        mtime = 0.0
    return (found.named_for_assignment, found.order, mtime)


def roster_for(roster: str | os.PathLike | list[RosterEntry] | None, course
               ) -> list[RosterEntry] | None:
    """The roster a batch maps notebooks with: ``roster`` (a CSV file or its rows) if given,
    else the course's ``roster.csv`` if it lists anyone; None without either (then notebooks
    are named by their files, as in practice mode)."""
    if roster is not None:
        entries = list(roster) if isinstance(roster, list) else read_roster(roster)
        if not entries:
            raise InvalidRequest(f"the roster {roster} lists no students: fill it, one row a "
                                 "student, or leave it out to name students by their files")
        return entries
    if course is not None and course.roster_path.is_file():
        return course.roster() or None
    return None


def gather(assignment: str, paths: Iterable[str | os.PathLike],
           roster: list[RosterEntry] | None, warn: Warn
           ) -> tuple[list[Submission], RosterReport | None]:
    """The batch's submissions: by the roster (:func:`collect`) if there is one, else by their
    files' names (:func:`.submissions.find_submissions`), with no report."""
    if roster is None:
        return find_submissions(assignment, paths, warn=warn), None
    return collect(assignment, paths, roster, warn)


def close_report(book, assignment: str, report: RosterReport | None,
                 submissions: list[Submission]) -> RosterReport | None:
    """After the batch: keep each submission's source beside its grade in the gradebook
    ``book``, fill in the roster students who have no grade, and keep the report."""
    if report is None:
        return None
    for submission in submissions:
        source = report.sources.get(submission.student)
        if source is not None:
            book.record_source(assignment, submission.student, submission.file_hash,
                               json.dumps(asdict(source), ensure_ascii=False))
    graded = {result.student for result in book.current(assignment)}
    report = replace(report, missing=tuple(s for s in report.roster if s not in graded))
    book.record_report(assignment, report.to_json())
    return report


def csv_extras(report: RosterReport | None, mode: str) -> dict:
    """The keywords of :meth:`.gradebook.Gradebook.export_csv` that add the roster's ``status``
    column and its missing students (none without a roster)."""
    if report is None:
        return {}
    return {"roster": list(report.roster), "missing_mode": mode.split(":")[0],
            "status": {student: "; ".join(source.flags)
                       for student, source in report.sources.items()}}
