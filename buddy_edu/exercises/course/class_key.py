"""The instructor's class key: every student's answers to an assignment, in one CSV.

For checking answers by hand and for regrade requests: one row per student of
a roster, one column per question, each answer written the way a person reads
it (``192K``, ``(0, 64K) (128K, 64K)``, ``[3, 0, 1]``).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ...core import InvalidRequest, format_size
from .assignments import check_student, get_assignment, variant

#: Header names taken as the student id column, in order of preference.
ID_COLUMNS = ("student", "student_id", "id", "username", "login", "email")


def read_roster(path: str | Path) -> list[str]:
    """Student ids from a roster CSV: the column named like an id, else the first one.

    Raises InvalidRequest naming the line of an unusable or repeated id, so a
    typo is fixed before any key is written.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidRequest(f"cannot read the roster {path}: {error}") from None
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        raise InvalidRequest(f"the roster {path} is empty: give one student id a line, "
                             "under a header such as 'student'")
    header = [cell.strip().lower() for cell in rows[0]]
    column = next((header.index(name) for name in ID_COLUMNS if name in header), None)
    body = rows[1:] if column is not None else rows
    column = column or 0
    seen: dict[str, int] = {}
    students = []
    for number, row in enumerate(body, start=2 if body is not rows else 1):
        student = row[column].strip() if column < len(row) else ""
        try:
            check_student(student)
        except InvalidRequest as error:
            raise InvalidRequest(f"{path}, line {number}: {error}") from None
        if student in seen:
            raise InvalidRequest(f"{path}, line {number}: student {student!r} is also on line "
                                 f"{seen[student]}: list each student once")
        seen[student] = number
        students.append(student)
    return students


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


def class_key(assignment: str, students: list[str]) -> list[list[str]]:
    """The rows of the class key (a header first), ready for ``csv.writer``."""
    spec = get_assignment(assignment)
    rows = [["student", *spec.question_ids]]
    for student in students:
        questions = variant(spec.name, student)
        rows.append([csv_cell(cell) for cell in
                     [student, *(answer_text(q.answer) for q in questions)]])
    return rows


def write_class_key(assignment: str, roster: str | Path, out: str | Path) -> int:
    """Write the class key of ``assignment`` for every student of ``roster`` to ``out``.

    Everything is computed before the file is opened, so a bad roster leaves no
    half-written key.  Returns the number of students.
    """
    rows = class_key(assignment, read_roster(roster))
    with Path(out).open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return len(rows) - 1
