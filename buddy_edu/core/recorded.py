"""Runs recorded outside the core (a student's allocator beside the core's), seen the way
the pictures see a timeline.

Plain data (what each side's state was after every operation) plus
:class:`RecordedRun`, which lets :mod:`buddy_edu.render` draw a student's run
as it draws the core's.  It needs only the core, so it lives here: the
exercises make and compare the runs (``buddy_edu.exercises.compare``) and the
widget layer shows them (``buddy_edu.widget.side_by_side``), and neither has
to import the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidRequest
from .model import Block, Event, Operation
from .units import format_size


@dataclass(frozen=True)
class OpState:
    """The state after one operation of a trace, as one side (student or core) saw it.

    ``free`` is ``{size: sorted addresses}`` (None if the free lists could not
    be read); ``allocated`` maps names to ``(address, size, requested)``;
    ``outcome`` is ``"ok"``, ``"fail"`` (no block was large enough) or a
    sentence saying which function raised or ran too long; ``block`` is the
    block handed out, or the free block a free ended with.
    """

    op: Operation
    free: dict[int, list[int]] | None
    allocated: dict[str, tuple[int, int, int]]
    outcome: str
    block: tuple[int, int] | None = None


@dataclass(frozen=True)
class Run:
    """One trace as one side ran it: ``states[i]`` is the state after operation ``i``."""

    who: str
    total: int
    min_block: int
    trace: tuple[Operation, ...]
    states: tuple[OpState, ...]


@dataclass(frozen=True)
class Divergence:
    """Where the student's allocator first differs from the core's, and both runs up to there."""

    trace_number: int
    op_index: int
    reason: str
    theirs: Run
    core: Run


def op_text(op: Operation) -> str:
    """``P3 = alloc 100`` or ``free P3``, for captions: the script's own words."""
    if op.kind == "allocate":
        return f"{op.name} = alloc {format_size(op.size)}"
    return f"free {op.name}"


def block_text(block) -> str:
    """``(address, size)`` of a block, or ``none``, for captions and reasons."""
    return "none" if block is None else f"({block[0]}, {block[1]})"


class RecordedRun:
    """A :class:`Run` seen through the read-only part of ``BuddyAllocator`` that the
    pictures use (position, events, blocks, free lists), so :mod:`buddy_edu.render` draws a
    student's state as it draws the core's.  One "event" per operation.

    ``tiles`` says whether the blocks at the current position cover memory exactly with
    aligned power-of-two blocks; only then can the tree be drawn.
    """

    policy = "lowest"

    def __init__(self, run: Run) -> None:
        self.run = run
        self.total, self.min_block = run.total, run.min_block
        self.position = 0

    def event_count(self) -> int:
        """How many operations the run recorded (one "event" each)."""
        return len(self.run.states)

    def seek(self, position: int) -> None:
        """Show the state after ``position`` operations."""
        if not 0 <= position <= self.event_count():
            raise InvalidRequest(f"position must be between 0 and {self.event_count()}, "
                                 f"got {position}")
        self.position = position

    def event_at(self, index: int) -> Event:
        """Operation ``index`` in the core's event words: allocate, fail, free or merge."""
        state = self.run.states[index]
        op = state.op
        if op.kind == "allocate":
            if state.outcome == "ok":
                return Event("allocate", state.block[0], state.block[1], op.name, op.size, index)
            size = state.block[1] if state.block else op.size
            return Event("fail", None, size, op.name, op.size, index)
        before = self.run.states[index - 1].allocated if index else {}
        address, size, requested = before.get(op.name, (0, 0, 0))
        if state.block is not None and state.block != (address, size):
            return Event("merge", state.block[0], state.block[1], op.name, requested, index)
        return Event("free", address, size, op.name, requested, index)

    def _state(self) -> OpState | None:
        return self.run.states[self.position - 1] if self.position else None

    def free_lists(self) -> dict[int, list[int]]:
        """``{size: addresses}`` for every size, as ``BuddyAllocator.free_lists`` gives them."""
        state = self._state()
        free = {self.total: [0]} if state is None else (state.free or {})
        sizes = [self.min_block << j for j in range((self.total // self.min_block).bit_length())]
        return {size: list(free.get(size, [])) for size in sizes}

    def blocks(self) -> list[Block]:
        """Free and allocated blocks at the current position, by address."""
        state = self._state()
        free = {self.total: [0]} if state is None else (state.free or {})
        allocated = {} if state is None else state.allocated
        blocks = [Block(None, address, size, 0) for size, addresses in free.items()
                  for address in addresses]
        blocks += [Block(name, address, size, requested)
                   for name, (address, size, requested) in allocated.items()]
        return sorted(blocks, key=lambda block: (block.address, block.size))

    def tiles(self) -> bool:
        """Whether the blocks cover memory exactly with aligned power-of-two blocks."""
        at = 0
        for block in self.blocks():
            size = block.size
            if block.address != at or size < self.min_block or size % self.min_block \
                    or (size // self.min_block) & (size // self.min_block - 1) \
                    or block.address % size:
                return False
            at += size
        return at == self.total

    def caption(self) -> str:
        """The narration of the current position, like the Stepper's."""
        state = self._state()
        if state is None:
            return f"Start: {format_size(self.total)} free."
        text = f"Operation {self.position} of {self.event_count()}: {op_text(state.op)}"
        if state.outcome == "fail":
            return text + " → no free block large enough."
        if state.outcome != "ok":
            return text + f" → {state.outcome}."
        return text + f" → block {block_text(state.block)}."
