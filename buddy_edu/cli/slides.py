"""``buddy-edu slides``: lessons as Reveal.js decks a lecturer can present without a kernel.

Each lesson is run once (:mod:`buddy_edu.cli.deck`), its Steppers become
static steps, and ``NAME.slides.html`` is written to the output folder with
the reveal.js it needs in ``reveal.js/`` beside it (:mod:`buddy_edu.cli.revealjs`),
so the folder can be copied anywhere and opened offline.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat

from ..core.errors import BuddyError
from . import deck, revealjs
from .lab import installed_lessons, lessons_dir
from .paths import output_folder

DEFAULT_OUT = Path("build") / "slides"


class LessonUnknown(BuddyError):
    """The lesson asked for is neither a notebook file nor the name of a lesson."""


def register(sub) -> None:
    """Add the ``slides`` subcommand to the CLI's subparsers."""
    slides = sub.add_parser(
        "slides", help="export lessons as Reveal.js slide decks (no kernel needed to present)",
        description="Run each lesson and write it as a Reveal.js deck whose Steppers are "
                    "static steps, one per timeline position. The output folder works "
                    "offline: copy it whole.")
    slides.add_argument("lessons", nargs="*", metavar="LESSON",
                        help="a lesson's number or name (03, 03-fragmentation) or a notebook "
                             "path; default: every lesson")
    slides.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"folder for the decks (default: {DEFAULT_OUT})")
    slides.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Export the lessons asked for; 0 when every deck was written, 2 on a clear error.

    Every lesson is found and read, and the output folder checked, before
    reveal.js is fetched or any lesson runs.
    """
    try:
        paths = [find_lesson(name) for name in args.lessons] or available_lessons()
        if not paths:
            raise LessonUnknown("no lessons are installed: pass a notebook path")
        lessons = [(path, read_lesson(path)) for path in paths]
        out = output_folder(args.out, "the decks")
        out.mkdir(parents=True, exist_ok=True)
        revealjs.install(out / deck.REVEAL_FOLDER)
        for path, lesson in lessons:
            started = time.perf_counter()
            written = export_lesson(path, lesson, out)
            print(f"{written} ({time.perf_counter() - started:.1f} s)")
    except (BuddyError, OSError) as error:
        print(f"buddy-edu: {error}", file=sys.stderr)
        return 2
    return 0


def read_lesson(path: Path) -> nbformat.NotebookNode:
    """The lesson notebook at ``path``, or LessonUnknown when the file is not a notebook."""
    try:
        return nbformat.read(path, as_version=4)
    except (ValueError, KeyError, AttributeError) as error:  # not JSON, or not a notebook
        raise LessonUnknown(f"{path} is not a Jupyter notebook ({error}): give a lesson's "
                            ".ipynb file") from None


def export_lesson(path: Path, lesson: nbformat.NotebookNode, out: Path) -> Path:
    """Run ``lesson`` (read from ``path``) and write its deck into ``out``; returns its path.

    ``out`` must hold reveal.js in ``reveal.js/`` for the deck to show
    (:func:`buddy_edu.cli.revealjs.install`).
    """
    slides = deck.to_slides(deck.execute(lesson, path.parent))
    target = Path(out) / f"{path.stem}.slides.html"
    target.write_text(deck.export(slides), encoding="utf-8")
    return target


def available_lessons() -> list[Path]:
    """The lesson notebooks of this checkout, else those a wheel installed."""
    folder = lessons_dir()
    found = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    return found or installed_lessons()


def find_lesson(name: str) -> Path:
    """The notebook ``name`` means: an existing path, else a lesson's number or name.

    ``3``, ``03``, ``03-fragmentation`` and ``03-fragmentation.ipynb`` all
    name lesson 3.  An unknown name lists the lessons there are.
    """
    path = Path(name).expanduser()
    if path.is_file():
        return path.resolve()
    looks_like_path = path.suffix == ".ipynb" or "/" in name or "\\" in name
    lessons = available_lessons()
    stem = path.stem if path.suffix == ".ipynb" else name
    if stem.isdigit():
        stem = stem.zfill(2)
    matches = [lesson for lesson in lessons
               if lesson.stem == stem or lesson.stem.startswith(f"{stem}-")]
    if len(matches) == 1 and not (looks_like_path and "/" in name):
        return matches[0]
    if looks_like_path:
        raise LessonUnknown(f"no notebook at {name!r}: check the path, or name a lesson "
                            f"({_names(lessons)})")
    raise LessonUnknown(f"no lesson {name!r}: name one of {_names(lessons)}, "
                        "or give a notebook's path")


def _names(lessons: list[Path]) -> str:
    return ", ".join(lesson.stem for lesson in lessons) or "none are installed"
