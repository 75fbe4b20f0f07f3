"""Notebooks as students hand them in, for the grading tests.

Every exercise notebook, practice or released, has ``student="your-id"`` in its
start cell and one ``qK = None  # your answer`` line per question: a test fills
them as a student would.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat


def answered(notebook: Path, student: str, answers: dict | None = None, *,
             lines: dict[str, str] | None = None, before: str | None = None,
             after: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """``notebook`` with ``student``'s id, as they would hand it in.

    ``answers`` replace the ``qK = None`` lines with ``qK = <repr>``, ``lines``
    replace them with arbitrary code, ``before`` is a cell put before the
    first code cell and ``after[qK]`` a cell put after qK's answer cell.
    """
    nb = nbformat.read(notebook, as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            if before is not None and not any(c.cell_type == "code" for c in cells):
                cells.append(nbformat.v4.new_code_cell(before))
            cell.source = cell.source.replace('student="your-id"', f'student="{student}"')
            for qid, value in (answers or {}).items():
                cell.source = re.sub(rf"^{qid} = None.*$", f"{qid} = {value!r}", cell.source,
                                     flags=re.M)
            for qid, code in (lines or {}).items():
                cell.source = re.sub(rf"^{qid} = None.*$", code, cell.source, flags=re.M)
        cells.append(cell)
        for qid, code in (after or {}).items():
            if cell.cell_type == "code" and re.search(rf"^{qid} = ", cell.source, re.M):
                cells.append(nbformat.v4.new_code_cell(code))
    nb.cells = cells
    return nb


def handed_in(notebook: Path, student: str, answers: dict | None = None, **changes) -> bytes:
    """:func:`answered`, as the bytes of the file an LMS would hold."""
    return nbformat.writes(answered(notebook, student, answers, **changes)).encode()


def released_course(folder: Path, roster: str, assignment: str):
    """A course "OS 101" in ``folder`` with ``roster`` (CSV text) and ``assignment``'s class
    notebook released: ``(course, path of the notebook)``."""
    from buddy_edu.exercises.course.release import write_release
    from buddy_edu.exercises.course.settings import init_course

    course = init_course(folder, name="OS 101")
    course.roster_path.write_text(roster, encoding="utf-8")
    return course, write_release(course, assignment)
