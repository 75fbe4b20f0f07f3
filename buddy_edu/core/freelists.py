"""Free blocks per order, and the placement policies that choose among them.

The free blocks live in one dict per order (``unit -> stamp``, addresses
counted in min_block units, the stamp being the index of the event that made
the block free).  Those dicts are the truth and change in O(1) per event.
Each order also has a heap of keys in the policy's preferred order; it is only
an index, cleaned lazily (a key whose block is gone is dropped when it reaches
the top), so a push is O(log n) and a lookup amortised O(log n), with no work
proportional to the length of the history.

The methods named after events (``split``, ``merge``, ``take``, ``put``) and
their inverses are what the timeline applies and reverts; each returns what
its inverse needs to restore the exact previous state.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush

_PAIR = 1 << 40  # packs the two stamps a merge consumes into one int


class FreeIndex:
    """Free blocks by order, preferring the lowest address (``lowest``, ``leftmost``).

    Address order does not depend on when a block was freed, so this index
    stores no stamps (0) and its undo data is the shared small int 0.
    """

    def __init__(self, orders: int, units: int) -> None:
        self.free: list[dict[int, int]] = [{} for _ in range(orders)]
        self._heaps: list[list[int]] = [[] for _ in range(orders)]
        self._units = units

    # keys and stamps: the two things a policy's index may override
    def key(self, unit: int, stamp: int) -> int:
        """Heap key: smaller keys are preferred."""
        return unit

    def stamp(self, stamp: int) -> int:
        """What to remember of a block's stamp."""
        return 0

    # single blocks
    def put(self, unit: int, order: int, stamp: int) -> None:
        """Make a block free."""
        free = self.free[order]
        stamp = self.stamp(stamp)
        free[unit] = stamp
        heap = self._heaps[order]
        heappush(heap, self.key(unit, stamp))
        if len(heap) > 2 * len(free) + 32:  # mostly stale keys: rebuild
            heap[:] = [self.key(u, s) for u, s in free.items()]
            heapify(heap)

    def take(self, unit: int, order: int) -> int:
        """Make a free block used; returns its stamp so :meth:`put` can restore it."""
        return self.free[order].pop(unit)

    # events
    def split(self, unit: int, order: int, stamp: int) -> int:
        """Split a free block into two free halves; returns the parent's stamp."""
        old = self.free[order].pop(unit)
        self.put(unit, order - 1, stamp)
        self.put(unit + (1 << (order - 1)), order - 1, stamp)
        return old

    def unsplit(self, unit: int, order: int, old: int) -> None:
        free = self.free[order - 1]
        del free[unit], free[unit + (1 << (order - 1))]
        self.put(unit, order, old)

    def merge(self, unit: int, order: int, stamp: int) -> int:
        """Join two free buddies into the block at ``unit`` of ``order``."""
        free = self.free[order - 1]
        del free[unit], free[unit + (1 << (order - 1))]
        self.put(unit, order, stamp)
        return 0

    def unmerge(self, unit: int, order: int, old: int) -> None:
        del self.free[order][unit]
        self.put(unit, order - 1, 0)
        self.put(unit + (1 << (order - 1)), order - 1, 0)

    # queries
    def first(self, order: int) -> int | None:
        """The preferred free block of this order, or None.

        Keys are removed lazily: a key whose block is no longer free is dropped here.
        """
        heap, free = self._heaps[order], self.free[order]
        while heap:
            if heap[0] in free:  # the key is the address
                return heap[0]
            heappop(heap)
        return None

    def listing(self, order: int) -> list[int]:
        """The free blocks of one order in the policy's order (units)."""
        return sorted(self.free[order])


class RecentIndex(FreeIndex):
    """Free blocks by order, most recently freed or split off first (``lifo``)."""

    def key(self, unit: int, stamp: int) -> int:
        # Newest stamp first; among the two halves of one split, the lower.
        return -(stamp + 1) * self._units + unit

    def first(self, order: int) -> int | None:
        heap, free, units = self._heaps[order], self.free[order], self._units
        while heap:
            key = heap[0]
            unit = key % units
            # The key must carry the block's current stamp: an older key for the
            # same address is a stale one from before the block was last taken.
            if free.get(unit) == -((key - unit) // units) - 1:
                return unit
            heappop(heap)
        return None

    def stamp(self, stamp: int) -> int:
        return stamp

    def merge(self, unit: int, order: int, stamp: int) -> int:
        """As for FreeIndex, but returns both halves' stamps packed in one int."""
        free = self.free[order - 1]
        lower = free.pop(unit)
        upper = free.pop(unit + (1 << (order - 1)))
        self.put(unit, order, stamp)
        return (lower + 1) * _PAIR + upper + 1

    def unmerge(self, unit: int, order: int, old: int) -> None:
        del self.free[order][unit]
        lower, upper = divmod(old, _PAIR)
        self.put(unit, order - 1, lower - 1)
        self.put(unit + (1 << (order - 1)), order - 1, upper - 1)

    def listing(self, order: int) -> list[int]:
        free = self.free[order]
        return sorted(free, key=lambda unit: (-free[unit], unit))


def smallest_order_first(index: FreeIndex, order: int) -> tuple[int, int] | None:
    """The textbook rule (Knuth): the smallest order that has a free block."""
    free = index.free
    for have in range(order, len(free)):
        if free[have]:
            return index.first(have), have
    return None


def lowest_address_first(index: FreeIndex, order: int) -> tuple[int, int] | None:
    """The classic tree walk: the lowest-address free block at least this big."""
    best = None
    for have in range(order, len(index.free)):
        if index.free[have]:
            unit = index.first(have)
            if best is None or unit < best[0]:
                best = (unit, have)
    return best


POLICIES = {
    "lowest": (FreeIndex, smallest_order_first),
    "lifo": (RecentIndex, smallest_order_first),
    "leftmost": (FreeIndex, lowest_address_first),
}
