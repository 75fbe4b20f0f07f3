"""The gradebook: every graded submission in one SQLite file, and the CSV made from it.

Each submission is written in its own transaction the moment it is graded,
keyed by (assignment, student, SHA-256 of the file), so a batch that is
interrupted loses nothing and, run again, skips what is already there.  A
changed file has another hash and is graded again.  The ``current`` table
remembers which file of each student the latest batch saw; the CSV lists
those.  Format 2 adds ``sandboxed`` (0 for grades made with ``--no-sandbox``,
and for every grade a format-1 gradebook held: they were all made without
one); format 3 adds ``mode`` (``practice``, or ``course:`` and a fingerprint of
the course secret; older grades were all practice).  An older file is upgraded
in place when opened.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import tempfile
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

from ..core import InvalidRequest
from ..exercises.course.assignments import get_assignment
from ..exercises.course.class_key import csv_cell
from .results import QuestionResult, Result, format_points

SCHEMA_VERSION = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    assignment TEXT NOT NULL,
    student TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    path TEXT NOT NULL,
    score REAL NOT NULL,
    max_score INTEGER NOT NULL,
    error TEXT,
    notes TEXT NOT NULL,
    seconds REAL NOT NULL,
    graded_at TEXT NOT NULL,
    sandboxed INTEGER NOT NULL DEFAULT 0,
    mode TEXT NOT NULL DEFAULT 'practice',
    PRIMARY KEY (assignment, student, file_hash)
);
CREATE TABLE IF NOT EXISTS answers (
    assignment TEXT NOT NULL,
    student TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    points INTEGER NOT NULL,
    earned REAL NOT NULL,
    score REAL NOT NULL,
    message TEXT NOT NULL,
    misconception TEXT,
    answer TEXT NOT NULL,
    expected TEXT NOT NULL,
    PRIMARY KEY (assignment, student, file_hash, question)
);
CREATE TABLE IF NOT EXISTS current (
    assignment TEXT NOT NULL,
    student TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    PRIMARY KEY (assignment, student)
);
CREATE TABLE IF NOT EXISTS sources (
    assignment TEXT NOT NULL,
    student TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (assignment, student, file_hash)
);
CREATE TABLE IF NOT EXISTS reports (
    assignment TEXT PRIMARY KEY,
    report TEXT NOT NULL,
    made_at TEXT NOT NULL
);
"""


def default_path(out: str | os.PathLike) -> Path:
    """The gradebook beside the CSV: ``grades.csv`` -> ``grades.sqlite``."""
    return Path(out).with_suffix(".sqlite")


def check_gradebook(path: str | os.PathLike) -> Path:
    """``path`` checked as a gradebook to open, without creating or changing anything.

    The batch checks it with the other arguments, before the sandbox is
    checked or any file is written.  Raises InvalidRequest when ``path`` is a
    folder, its folder does not exist, or it is a file that is not a
    buddy-edu gradebook in a format this version reads.  A missing file is
    fine: opening the gradebook creates it.
    """
    path = Path(path)
    if path.is_dir():
        raise InvalidRequest(f"the gradebook {path} is a folder: pass a file name")
    if not path.parent.is_dir():
        raise InvalidRequest(
            f"cannot create the gradebook {path}: the folder {path.parent} does not exist")
    if path.exists():
        try:
            with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
                tables = {row[0] for row in db.execute(
                    "SELECT name FROM sqlite_master WHERE type='table'")}
                row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone() \
                    if "meta" in tables else None
        except sqlite3.DatabaseError as error:
            raise _not_a_gradebook(path, error) from None
        if row is not None and row[0] not in ("1", "2", str(SCHEMA_VERSION)):
            raise InvalidRequest(
                f"the gradebook {path} has format {row[0]}, this buddy-edu reads format "
                f"{SCHEMA_VERSION}: pass a new --gradebook file")
    return path


def _not_a_gradebook(path: Path, error: sqlite3.DatabaseError) -> InvalidRequest:
    return InvalidRequest(f"{path} is not a buddy-edu gradebook ({error}): pass another "
                          "--gradebook file")


class Gradebook:
    """An open gradebook file; use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = check_gradebook(path)
        try:
            self._db = sqlite3.connect(self.path, timeout=30)
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None:
                with self._db:
                    self._db.execute("INSERT INTO meta VALUES ('schema', ?)",
                                     (str(SCHEMA_VERSION),))
            elif row[0] != str(SCHEMA_VERSION):
                self._upgrade(row[0])
        except sqlite3.DatabaseError as error:
            raise _not_a_gradebook(self.path, error) from None

    def _upgrade(self, version: str) -> None:
        """Format 1 had no ``sandboxed`` column (its grades were made without a sandbox);
        formats 1 and 2 had no ``mode`` (their grades were all practice mode's)."""
        with self._db:
            if version == "1":
                self._db.execute("ALTER TABLE submissions ADD COLUMN sandboxed INTEGER NOT "
                                 "NULL DEFAULT 0")
            self._db.execute("ALTER TABLE submissions ADD COLUMN mode TEXT NOT NULL "
                             "DEFAULT 'practice'")
            self._db.execute("UPDATE meta SET value=? WHERE key='schema'",
                             (str(SCHEMA_VERSION),))

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (everything recorded is already committed)."""
        self._db.close()

    def has(self, assignment: str, student: str, file_hash: str) -> bool:
        """Whether this exact file of this student is already graded."""
        row = self._db.execute(
            "SELECT 1 FROM submissions WHERE assignment=? AND student=? AND file_hash=?",
            (assignment, student, file_hash)).fetchone()
        return row is not None

    def record(self, result: Result) -> None:
        """Store one graded submission and make it the student's current one (one transaction)."""
        key = (result.assignment, result.student, result.file_hash)
        with self._db:
            self._db.execute("DELETE FROM answers WHERE assignment=? AND student=? "
                             "AND file_hash=?", key)
            self._db.execute(
                "INSERT OR REPLACE INTO submissions (assignment, student, file_hash, path, "
                "score, max_score, error, notes, seconds, graded_at, sandboxed, mode) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (*key, result.path, result.score, result.max_score, result.error,
                 json.dumps(list(result.notes)), result.seconds,
                 datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 int(result.sandboxed), result.mode))
            self._db.executemany(
                "INSERT INTO answers VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(*key, position, q.id, q.points, q.earned, q.score, q.message,
                  q.misconception, json.dumps(q.answer), json.dumps(q.expected))
                 for position, q in enumerate(result.questions)])
            self._set_current(*key)

    def mark_current(self, assignment: str, student: str, file_hash: str) -> None:
        """Remember that this already-graded file is the student's submission now."""
        with self._db:
            self._set_current(assignment, student, file_hash)

    def _set_current(self, assignment: str, student: str, file_hash: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO current VALUES (?,?,?)",
                         (assignment, student, file_hash))

    def load(self, assignment: str, student: str, file_hash: str) -> Result | None:
        """The stored grade of one file, or None if it was never graded."""
        key = (assignment, student, file_hash)
        row = self._db.execute(
            "SELECT path, score, max_score, error, notes, seconds, sandboxed, mode "
            "FROM submissions "
            "WHERE assignment=? AND student=? AND file_hash=?", key).fetchone()
        if row is None:
            return None
        questions = tuple(
            QuestionResult(id=q[0], points=q[1], earned=q[2], score=q[3], message=q[4],
                           misconception=q[5], answer=json.loads(q[6]),
                           expected=json.loads(q[7]))
            for q in self._db.execute(
                "SELECT question, points, earned, score, message, misconception, answer, "
                "expected FROM answers WHERE assignment=? AND student=? AND file_hash=? "
                "ORDER BY position", key))
        path, score, max_score, error, notes, seconds, sandboxed, mode = row
        return Result(student=student, assignment=assignment, path=path, score=score,
                      max_score=max_score, questions=questions, error=error,
                      notes=tuple(json.loads(notes)), file_hash=file_hash, seconds=seconds,
                      skipped=True, sandboxed=bool(sandboxed), mode=mode)

    def current(self, assignment: str) -> list[Result]:
        """Every student's current graded submission of ``assignment``, sorted by student."""
        keys = self._db.execute(
            "SELECT student, file_hash FROM current WHERE assignment=? ORDER BY student",
            (assignment,)).fetchall()
        results = (self.load(assignment, student, file_hash) for student, file_hash in keys)
        return [result for result in results if result is not None]

    def record_source(self, assignment: str, student: str, file_hash: str,
                      source: str) -> None:
        """Keep where this file of the student came from (JSON text: layout, LMS names, flags;
        see :class:`.roster_match.Source`), beside its grade."""
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO sources VALUES (?,?,?,?)",
                             (assignment, student, file_hash, source))

    def sources(self, assignment: str) -> dict[str, str]:
        """``{student: source JSON}`` of every student's current file that has one."""
        return dict(self._db.execute(
            "SELECT c.student, s.source FROM current c JOIN sources s ON s.assignment="
            "c.assignment AND s.student=c.student AND s.file_hash=c.file_hash "
            "WHERE c.assignment=?", (assignment,)).fetchall())

    def record_report(self, assignment: str, report: str) -> None:
        """Keep the roster report of the latest batch of ``assignment`` (JSON text)."""
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO reports VALUES (?,?,?)",
                             (assignment, report,
                              datetime.now(timezone.utc).isoformat(timespec="seconds")))

    def report(self, assignment: str) -> str | None:
        """The roster report of the latest batch of ``assignment`` that had a roster."""
        row = self._db.execute("SELECT report FROM reports WHERE assignment=?",
                               (assignment,)).fetchone()
        return row[0] if row else None

    def export_csv(self, assignment: str, out: str | os.PathLike,
                   question_ids: list[str], roster: list[str] | None = None,
                   status: dict[str, str] | None = None, missing_mode: str = "") -> int:
        """Write ``out``: one row per student (current submissions); returns the row count.

        Columns: ``student_id, assignment, score, max_score``, the points earned
        on each of ``question_ids``, and ``mode``: ``course``, or ``practice`` for a
        grade checked against practice variants, which anyone can make.  The file
        is replaced in one step, so a reader never sees half of it.  A cell a
        spreadsheet would read as a formula (a student id like ``-2-3`` or ``@A1``)
        is written with a leading ``'`` (see :func:`csv_cell`).

        With a ``roster`` (student ids) a ``status`` column follows: the word of
        ``status`` for the student (``late``, ``id mismatch``, ...), and for every
        roster student with no grade a row of 0 points (``missing_mode`` as its mode)
        and ``missing``.
        """
        results = self.current(assignment)
        rows: list[list[str]] = []
        for result in results:
            earned = result.scores
            rows.append([result.student, assignment, format_points(result.score),
                         str(result.max_score),
                         *(format_points(earned[q]) if q in earned else ""
                           for q in question_ids), result.mode.split(":")[0]])
        header = ["student_id", "assignment", "score", "max_score", *question_ids, "mode"]
        if roster is not None:
            header.append("status")
            for row in rows:
                row.append((status or {}).get(row[0], ""))
            graded = {result.student for result in results}
            full = str(get_assignment(assignment).max_score)
            rows += [[student, assignment, "0", full, *([""] * len(question_ids)),
                      missing_mode, "missing"] for student in roster if student not in graded]
            rows.sort(key=lambda row: row[0])
        out = Path(out)
        handle = tempfile.NamedTemporaryFile(
            "w", newline="", encoding="utf-8", dir=out.parent, prefix=f".{out.name}.",
            suffix=".tmp", delete=False)
        try:
            with handle:
                writer = csv.writer(handle)
                writer.writerow(map(csv_cell, header))
                for row in rows:
                    writer.writerow(map(csv_cell, row))
            os.replace(handle.name, out)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        return len(rows)
