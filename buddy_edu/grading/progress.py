"""A one-line progress bar for the batch grader, in plain text on stderr.

On a terminal the line is redrawn in place (``\\r``); in a log file each
finished submission gets its own line, so the log reads as a record.
"""

from __future__ import annotations

import sys
from typing import TextIO


class Progress:
    """Counts finished submissions and failures and shows them as ``[12/20] graded, 1 failed``."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.stream = stream if stream is not None else sys.stderr
        self._live = bool(getattr(self.stream, "isatty", lambda: False)())
        if self._live and total:
            self._draw("")

    def advance(self, student: str, failed: bool = False) -> None:
        """One more submission finished (``failed``: it could not be run to the end)."""
        self.done += 1
        self.failed += int(failed)
        self._draw(student)

    def close(self) -> None:
        """End the line on a terminal."""
        if self._live and self.total:
            self.stream.write("\n")
            self.stream.flush()

    def line(self) -> str:
        """The text of the bar as it stands."""
        width = 20
        filled = width * self.done // self.total if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        return f"[{bar}] {self.done}/{self.total} graded, {self.failed} failed"

    def _draw(self, student: str) -> None:
        if self._live:
            self.stream.write("\r" + self.line())
        else:
            who = f"  ({student})" if student else ""
            self.stream.write(self.line() + who + "\n")
        self.stream.flush()
