"""Looking at one position of the timeline without moving the allocator for good.

Every picture describes "the state at position p, with what the event at
index p-1 changed".  ``at_position`` moves there and always moves back, so a
render never leaves the allocator somewhere the caller did not put it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..core import BuddyAllocator, Event, format_size


@contextmanager
def at_position(allocator: BuddyAllocator, position: int | None = None) -> Iterator[BuddyAllocator]:
    """Seek to ``position`` (None: stay), yield the allocator, and always seek back.

    A bad position raises the core's InvalidRequest before anything moves.
    """
    original = allocator.position
    if position is not None:
        allocator.seek(position)
    try:
        yield allocator
    finally:
        if allocator.position != original and original <= allocator.event_count():
            allocator.seek(original)


@dataclass(frozen=True)
class Change:
    """What the event that produced the current state touched.

    ``blocks`` are ``(address, size)`` pairs that exist now and changed: a
    split's parent and both halves, a merge's result, the allocated or freed
    block.  ``merged_from`` is the pair of buddies a merge consumed (they no
    longer exist).  ``event`` is None at position 0.
    """

    event: Event | None
    blocks: frozenset[tuple[int, int]]
    merged_from: tuple[tuple[int, int], tuple[int, int]] | None = None

    @property
    def failed(self) -> bool:
        """Whether the event is a failed request (nothing in memory changed)."""
        return self.event is not None and self.event.kind == "fail"


def current_change(allocator: BuddyAllocator) -> Change:
    """The Change made by the event just before the allocator's current position."""
    if allocator.position == 0:
        return Change(None, frozenset())
    event = allocator.event_at(allocator.position - 1)
    address, size = event.address, event.size
    if event.kind == "split":
        half = size // 2
        return Change(event, frozenset({(address, size), (address, half), (address + half, half)}))
    if event.kind == "merge":
        half = size // 2
        return Change(event, frozenset({(address, size)}),
                      ((address, half), (address + half, half)))
    if event.kind == "fail":
        return Change(event, frozenset())
    return Change(event, frozenset({(address, size)}))


def caption(allocator: BuddyAllocator, position: int | None = None, *,
            of_total: bool = True) -> str:
    """The narration of a position: "Start: 1M free." or "Step i of n: <event>".

    ``of_total=False`` leaves out "of n" ("Step i: <event>"), for predict mode,
    where the number of events still to come would give answers away.
    """
    with at_position(allocator, position):
        here = allocator.position
        if here == 0:
            return f"Start: {format_size(allocator.total)} free."
        event = allocator.event_at(here - 1)
        total = f" of {allocator.event_count()}" if of_total else ""
        return f"Step {here}{total}: {event.describe()}"
