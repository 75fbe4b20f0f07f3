"""One request after a setup script, the shared ground of :mod:`.placement` and
:mod:`.policies`: running it, the state before it, where each policy's rule would
put it (for naming a misconception) and scoring an answer whose address decides."""

from __future__ import annotations

from ...core import BuddyAllocator, InvalidRequest, OutOfMemory
from . import scenarios
from .feedback import Feedback, partial, right
from .question import Question

POLICY_RULES = {
    "lowest": ("take a free block of the smallest size that fits (splitting a larger one only "
               "when no such block is free), the one with the lowest address; a split hands "
               "out its lower half"),
    "lifo": ("take a free block of the smallest size that fits, the one that became free most "
             "recently (as Linux's free lists do); a split hands out its lower half"),
    "leftmost": ("the classic tree walk: take the lowest-address free block that is big "
                 "enough, of any size, splitting it down; a split hands out its lower half"),
}


def after(setup: str, request: int, policy: str | None = None
          ) -> tuple[BuddyAllocator, list, OutOfMemory | None]:
    """Run the setup and then allocate ``request`` as X: the allocator, the events, any failure."""
    allocator = scenarios.run(setup, policy=policy)
    if "X" in scenarios.live_names(allocator):
        raise InvalidRequest("the setup must not leave a block named X: X is the new request")
    start = allocator.position
    try:
        allocator.allocate(request, "X")
        failure = None
    except OutOfMemory as error:
        failure = error
    return allocator, allocator.events[start:], failure


def state_before(allocator: BuddyAllocator) -> BuddyAllocator:
    """Take back the asked request (the last operation): the state the student sees."""
    allocator.undo()
    return allocator


def lowest_rule(free: list[tuple[int, int]], need: int) -> int | None:
    """Where the ``lowest`` rule puts a request of block size ``need`` (for misconceptions)."""
    fitting = [(size, address) for address, size in free if size >= need]
    return min(fitting)[1] if fitting else None


def leftmost_rule(free: list[tuple[int, int]], need: int) -> int | None:
    """Where first fit by address puts it (for misconceptions)."""
    fitting = [address for address, size in free if size >= need]
    return min(fitting) if fitting else None


def settle_address(
    question: Question, value: int | tuple[int, int]
) -> tuple[int, Feedback | None]:
    """Split an ``(address, size)`` answer and score it outright when the address decides:
    the right address scores 1, or 0.5 with the wrong block size beside it."""
    if isinstance(value, tuple):
        value, size = value
        if size != question.params["block"] and value == question.answer:
            return value, partial(
                0.5, "The address is right but that is not the size of X's block.")
    if value == question.answer:
        return value, right()
    return value, None
