"""The errors the allocator raises.

Every message says what was wrong and what is allowed, so a student reading it
in a notebook or at the menu knows what to type next.
"""

from __future__ import annotations


class BuddyError(Exception):
    """Base class of every error buddy-edu raises on purpose."""

    def _render_traceback_(self) -> list[str]:
        """What IPython and Jupyter show: one line, since the message already says what
        was wrong and how to fix it, and a student should not have to dig it out of a
        traceback into the kit's own code."""
        return [f"{type(self).__name__}: {self}"]


class InvalidRequest(BuddyError, ValueError):
    """The request itself is malformed; nothing was changed or recorded."""


class OutOfMemory(BuddyError):
    """No free block can hold the request.

    The failed request *is* recorded as a ``fail`` event (blocks unchanged), so
    the stepper can show the moment memory ran out.

    The explanation may be given as a function (``OutOfMemory(explain)``): it
    is then written when the message is first read, because a program that
    expects failures and skips them (a fragmentation experiment, a benchmark)
    never reads most of them.  It is kept in ``args`` rather than set by an
    ``__init__``, which would cost a Python call on every failed request.
    """

    def __str__(self) -> str:
        explanation = self.args[0] if self.args else ""
        if not isinstance(explanation, str):  # a function: write the message now, once
            explanation = explanation()
            self.args = (explanation,)
        return explanation

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self):
        """Pickle (e.g. to another process) with the message written out."""
        return type(self), (str(self),)
