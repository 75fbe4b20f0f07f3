"""The errors the allocator raises.

Every message says what was wrong and what is allowed, so a student reading it
in a notebook or at the menu knows what to type next.
"""

from __future__ import annotations


class BuddyError(Exception):
    """Base class of every error buddy-edu raises on purpose."""


class InvalidRequest(BuddyError, ValueError):
    """The request itself is malformed; nothing was changed or recorded."""


class OutOfMemory(BuddyError):
    """No free block can hold the request.

    The failed request *is* recorded as a ``fail`` event (blocks unchanged), so
    the stepper can show the moment memory ran out.
    """
