"""Live operations' branches: what an allocate or free made at an earlier position discards,
kept so that Undo can put it back, and the scenario that Reset returns to.

Recording an operation while an earlier position is shown discards the later events,
as the core does.  What was discarded is kept as the core's :class:`Operation` values,
not as events: the core is deterministic, so replaying them gives back exactly the
events they made.  The scenario is read only once a live operation is about to replace
part of it, so a long timeline is never listed for nothing.

Plain Python over a :class:`BuddyAllocator`, no widgets: the Stepper owns one and
redraws after it; the tests drive it directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..core import BuddyAllocator, Operation, OutOfMemory

Result = TypeVar("Result")


@dataclass(frozen=True)
class Branch:
    """The operations a live operation replaced (from operation ``first_op`` on), where the
    timeline was shown then, how many events they made, and ``kept``: what the caller set
    aside with them (the Stepper's predict-mode answers about them)."""

    first_op: int
    operations: tuple[Operation, ...]
    position: int
    events: int
    kept: Any = None


class LiveBranches:
    """The branch the last live operation discarded, and the scenario the allocator started
    with (its first ``operation_count()`` operations when this is made)."""

    def __init__(self, allocator: BuddyAllocator) -> None:
        self._allocator = allocator
        self._scenario_ops = allocator.operation_count()
        self._scenario: list[Operation] | None = None
        self._branch: Branch | None = None

    @property
    def discarded(self) -> int:
        """How many events the last live operation discarded that :meth:`undo` can put back
        (0 when there is nothing to put back)."""
        return 0 if self._branch is None else self._branch.events

    def record(self, position: int, operation: Callable[[], Result],
               replaced: Callable[[int], Any] = lambda op: None) -> Result:
        """Run ``operation`` (one allocate or free on the allocator) at ``position`` and keep
        the operations it discarded, for :meth:`undo`; returns what ``operation`` returns.

        Once the new operation is recorded (a request that fails is recorded too),
        ``replaced(op)`` is called with its index and what it returns is kept with the
        discarded branch.  An operation refused as invalid changed nothing: nothing is kept.
        """
        allocator = self._allocator
        allocator.seek(position)
        first = allocator.event_at(position - 1).op if position else 0
        if self._scenario is None and first < self._scenario_ops:
            self._scenario = allocator.operations(0, self._scenario_ops)
        # what the new operation may replace: the operations from the one shown last on
        before = Branch(first, tuple(allocator.operations(first)), position,
                        allocator.event_count())
        try:
            result = operation()
        except OutOfMemory:
            self._recorded(before, replaced)
            raise
        self._recorded(before, replaced)
        return result

    def undo(self) -> Branch | None:
        """Take back the last live operation and replay the branch it discarded; returns that
        branch (with where it was shown and what was kept with it), or None if there is none."""
        branch, allocator = self._branch, self._allocator
        if branch is None:
            return None
        allocator.seek(allocator.operation_span(branch.first_op).start)
        allocator.truncate()
        allocator.replay(branch.operations)
        self._branch = None
        return branch

    def reset(self) -> None:
        """Back to the scenario: its operations only, every live operation and branch gone."""
        allocator, ops = self._allocator, self._scenario_ops
        if self._scenario is None:  # the scenario's operations are all still recorded
            allocator.seek(allocator.operation_span(ops - 1).stop if ops else 0)
            allocator.truncate()
        else:
            allocator.seek(0)
            allocator.truncate()
            allocator.replay(self._scenario)
        self._branch = None

    def _recorded(self, before: Branch, replaced: Callable[[int], Any]) -> None:
        """Keep what the operation just recorded discarded, if anything; ``before`` holds the
        operations it may have replaced and the number of events before it."""
        allocator = self._allocator
        new_op = allocator.operation_count() - 1
        lost = before.events - allocator.operation_span(new_op).start
        kept = replaced(new_op)
        self._branch = None if lost <= 0 else Branch(
            new_op, before.operations[new_op - before.first_op:], before.position, lost, kept)
