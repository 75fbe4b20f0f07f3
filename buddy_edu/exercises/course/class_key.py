"""The instructor's class key: every student's answers to an assignment, in one CSV.

For checking answers by hand and for regrade requests: one row per student of
a roster, one column per question, each answer written the way a person reads
it (``192K``, ``(0, 64K) (128K, 64K)``, ``[3, 0, 1]``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ...core import format_size
from . import roster
from .assignments import get_assignment, variant


def read_roster(path: str | Path) -> list[str]:
    """Student ids from a roster CSV (see :mod:`.roster`), in file order.

    Raises InvalidRequest naming the line of an unusable or repeated id, so a
    typo is fixed before any key is written.
    """
    return [entry.student_id for entry in roster.read_roster(path)]


def answer_text(answer: object) -> str:
    """An answer as a person reads it."""
    if type(answer) is int:
        return format_size(answer)
    if type(answer) is list and answer and all(type(b) is list and len(b) == 2 for b in answer):
        return " ".join(f"({format_size(a)}, {format_size(s)})" for a, s in answer)
    if type(answer) is list and not answer:
        return "[] (none)"
    if type(answer) is str:
        return answer
    return json.dumps(answer)


def csv_cell(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet evaluates: ``'`` before a formula's first
    character (``=``, ``+``, ``-``, ``@``, tab or carriage return).

    This is OWASP's advice for CSV injection; ids like ``-2-3`` then show as ``'-2-3``
    in a text editor but as ``-2-3`` in a spreadsheet.  The gradebook's CSV uses it too.
    """
    return f"'{text}" if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def class_key(assignment: str, students: list[str], secret: bytes | None = None
              ) -> list[list[str]]:
    """The rows of the class key (a header first), ready for ``csv.writer``: a course's with
    its ``secret``, else practice mode's."""
    spec = get_assignment(assignment)
    rows = [["student", *spec.question_ids]]
    for student in students:
        questions = variant(spec.name, student, secret)
        rows.append([csv_cell(cell) for cell in
                     [student, *(answer_text(q.answer) for q in questions)]])
    return rows


def write_class_key(assignment: str, roster_path: str | Path, out: str | Path,
                    secret: bytes | None = None) -> int:
    """Write the class key of ``assignment`` for every student of the roster to ``out``
    (a course's key with its ``secret``).

    Everything is computed before the file is opened, so a bad roster leaves no
    half-written key.  Returns the number of students.
    """
    rows = class_key(assignment, read_roster(roster_path), secret)
    with Path(out).open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return len(rows) - 1
