"""The folders a command reads or writes: its output folders, checked with its other arguments
before it starts anything, and the ``--course`` folder, said the same way by every command."""

from __future__ import annotations

import os
from pathlib import Path

from ..core import InvalidRequest


def output_folder(path: str | os.PathLike, what: str) -> Path:
    """``path`` as a folder ``what`` can be written into (made later if missing), or InvalidRequest.

    Refused when ``path``, or a folder it would be made in, is a file: making
    it would fail only after the command had started its work.
    """
    path = Path(path)
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        where = "it is a file" if existing == path else f"{existing} is a file"
        raise InvalidRequest(f"cannot write {what} into {path}: {where}; pass a folder")
    return path


def add_course_option(parser, what: str, otherwise: str = "") -> None:
    """``--course DIR`` on ``parser``: ``what`` the course is for, then where it is looked for
    without the option (``find_course``), then ``otherwise`` (what happens with no course)."""
    default = "default: the current folder or the nearest one above with a course.json"
    parser.add_argument("--course", metavar="DIR",
                        help=f"{what} ({default}{'; ' + otherwise if otherwise else ''})")
