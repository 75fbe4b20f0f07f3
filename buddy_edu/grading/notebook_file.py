"""A submitted file read as a notebook, before anything runs.

The content is decoded and checked to be a notebook the grader can run, and
its text (never run here) is searched for the cells that assign each answer
and for the student id it declares, which the scoring messages use.
"""

from __future__ import annotations

import json
import re

import nbformat

_ASSIGN_RE = r"^[ \t]*{name}[ \t]*(?::[^=\n]*)?=(?!=)"
_STUDENT_RE = re.compile(r"""student\s*=\s*(['"])([^'"\n]{1,200})\1""")


class NotANotebook(Exception):
    """The submission is not a notebook the grader can run; the message says why."""


def read_notebook(content: bytes) -> nbformat.NotebookNode:
    """The notebook in ``content``, or NotANotebook saying what is wrong with the file."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise NotANotebook("the file is not a notebook: it is not UTF-8 text") from None
    try:
        nb = nbformat.reads(text, as_version=4)
        cells = nb["cells"]
        if not isinstance(cells, list):
            raise ValueError("'cells' is not a list")
        for cell in cells:
            if not isinstance(cell.get("source"), str) or "cell_type" not in cell:
                raise ValueError("a cell has no source text")
    except nbformat.reader.NotJSONError:
        raise NotANotebook(
            "the file is not a notebook: it is not valid JSON (was it edited by hand, "
            "or saved while truncated?)") from None
    except Exception as error:
        raise NotANotebook(f"the file is not a valid notebook ({one_line(error)})") from None
    return nb


def assigned_in(cells: list, names: list[str]) -> dict[str, int]:
    """The last code cell whose text assigns each answer variable (read, not run)."""
    found = {}
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        for name in names:
            if re.search(_ASSIGN_RE.format(name=re.escape(name)), cell.source, re.MULTILINE):
                found[name] = index
    return found


def declared_student(cells: list) -> str | None:
    """The id the notebook passes to ``start(..., student=...)``, if written literally."""
    for cell in cells:
        if cell.get("cell_type") == "code":
            match = _STUDENT_RE.search(cell.source)
            if match:
                return match.group(2)
    return None


def one_line(error: BaseException) -> str:
    """An error's text on one line of at most 300 characters, for a message."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def declared_in(content: bytes) -> str | None:
    """The id a notebook's file passes to ``start(..., student=...)``, read without running or
    validating it (None when there is none, or the file is not a notebook's JSON): cheap
    enough for every file of a download, before the roster match."""
    try:
        cells = json.loads(content.decode("utf-8")).get("cells")
    except (UnicodeDecodeError, ValueError, AttributeError, RecursionError):
        return None
    for cell in cells if isinstance(cells, list) else ():
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source")
        if isinstance(source, list):
            source = "".join(part for part in source if isinstance(part, str))
        if isinstance(source, str):
            match = _STUDENT_RE.search(source)
            if match:
                return match.group(2)
    return None
