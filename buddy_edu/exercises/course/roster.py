"""The course roster: one row per student, with every name the student goes by.

The kit knows a student by one id (``student_id``, what they type in their
notebook); a learning management system knows them by its own ids.  One CSV
holds both, so the grader can map each downloaded submission to exactly one
student and list who handed nothing in::

    student_id,name,email,canvas_id,sis_id,moodle_id,gradescope_sid
    jdoe,Jane Doe,jdoe@uni.edu,12345,S0001,301,S0001

Only ``student_id`` is required; a roster with just a column of ids (headed
``student``, ``id``, ``username``, ``login`` or ``email``, or no header at all)
is read too.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ...core import InvalidRequest
from .assignments import check_student

#: The columns ``buddy-edu course init`` writes, in order.
HEADER = ("student_id", "name", "email", "canvas_id", "sis_id", "moodle_id", "gradescope_sid")
#: Header names taken as the student id column when there is no ``student_id``.
ID_COLUMNS = ("student_id", "student", "id", "username", "login", "email")
#: The LMS ids that must each belong to one student only.
LMS_COLUMNS = ("canvas_id", "sis_id", "moodle_id", "gradescope_sid")


@dataclass(frozen=True)
class RosterEntry:
    """One student: the kit's id and, where known, name, email and LMS ids (text, or "")."""

    student_id: str
    name: str = ""
    email: str = ""
    canvas_id: str = ""
    sis_id: str = ""
    moodle_id: str = ""
    gradescope_sid: str = ""
    line: int = 0


def read_roster(path: str | Path) -> list[RosterEntry]:
    """Every student of a roster CSV, in file order.

    Raises InvalidRequest naming the line of an unusable or repeated id (the kit's or an
    LMS's), so a typo is fixed before anything is graded or written.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidRequest(f"cannot read the roster {path}: {error}") from None
    rows = [(number, row) for number, row in enumerate(csv.reader(io.StringIO(text)), start=1)
            if any(cell.strip() for cell in row)]
    if not rows:
        raise InvalidRequest(f"the roster {path} is empty: give one student a line, under a "
                             f"header such as {','.join(HEADER)}")
    header = [cell.strip().lower() for cell in rows[0][1]]
    id_column = next((header.index(name) for name in ID_COLUMNS if name in header), None)
    if id_column is None:  # no header: the first column holds the ids
        header, body, id_column = [], rows, 0
    else:
        body = rows[1:]
    columns = {name: header.index(name) for name in HEADER[1:] if name in header}
    entries: list[RosterEntry] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in body:
        cells = [cell.strip() for cell in row] + [""] * (len(header) + 1 - len(row))
        student = cells[id_column]
        try:
            check_student(student)
        except InvalidRequest as error:
            raise InvalidRequest(f"{path}, line {number}: {error}") from None
        entry = RosterEntry(student, **{name: cells[index] for name, index in columns.items()},
                            line=number)
        for column in ("student_id", *LMS_COLUMNS):
            value = getattr(entry, column)
            if not value:
                continue
            if (column, value) in seen:
                what = "student" if column == "student_id" else column
                raise InvalidRequest(f"{path}, line {number}: {what} {value!r} is also on line "
                                     f"{seen[column, value]}: list each student once, with "
                                     "their own ids")
            seen[column, value] = number
        entries.append(entry)
    return entries
