"""The errors the allocator raises.

Every message says what was wrong and what is allowed, so a student reading it
in a notebook or at the menu knows what to type next.
"""

from __future__ import annotations

from collections.abc import Callable


class BuddyError(Exception):
    """Base class of every error buddy-edu raises on purpose."""


class InvalidRequest(BuddyError, ValueError):
    """The request itself is malformed; nothing was changed or recorded."""


class OutOfMemory(BuddyError):
    """No free block can hold the request.

    The failed request *is* recorded as a ``fail`` event (blocks unchanged), so
    the stepper can show the moment memory ran out.

    The explanation may be given as a function: it is then written when the
    message is first read, because a program that expects failures and skips
    them (a fragmentation experiment, a benchmark) never reads most of them.
    """

    def __init__(self, explanation: str | Callable[[], str] = "") -> None:
        super().__init__()
        self._explanation = explanation

    def __str__(self) -> str:
        if not isinstance(self._explanation, str):
            self._explanation = self._explanation()
        return self._explanation

    def __reduce__(self):
        """Pickle (e.g. to another process) with the message written out."""
        return type(self), (str(self),)
