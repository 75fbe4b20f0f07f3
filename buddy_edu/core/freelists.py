"""Free blocks per order, and the placement policies that choose among them.

The free blocks themselves live in one dict per order (``address -> stamp``,
the stamp being the index of the event that made the block free).  Those
dicts are the truth and change in O(1) per event.  Each order also has a heap
of keys in the policy's preferred order; it is only an index, cleaned lazily
(a key whose block is gone is dropped when it reaches the top), so a push is
O(log n) and a lookup amortised O(log n) with no work proportional to history.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush


class FreeIndex:
    """Free blocks by order, preferring the lowest address (``lowest``, ``leftmost``)."""

    def __init__(self, orders: int, units: int) -> None:
        self.free: list[dict[int, int]] = [{} for _ in range(orders)]
        self._heaps: list[list[int]] = [[] for _ in range(orders)]
        self._units = units  # addresses are counted in min_block units

    def key(self, unit: int, stamp: int) -> int:
        """Heap key: smaller keys are preferred."""
        return unit

    def insert(self, unit: int, order: int, stamp: int) -> None:
        free = self.free[order]
        free[unit] = stamp
        heap = self._heaps[order]
        heappush(heap, self.key(unit, stamp))
        if len(heap) > 2 * len(free) + 32:  # too many stale keys: rebuild
            heap[:] = [self.key(u, s) for u, s in free.items()]
            heapify(heap)

    def remove(self, unit: int, order: int) -> int:
        """Take a block off its free list; returns its stamp so a revert can restore it."""
        return self.free[order].pop(unit)

    def first(self, order: int) -> int | None:
        """The preferred free block of this order, or None."""
        heap, free, units = self._heaps[order], self.free[order], self._units
        while heap:
            key = heap[0]
            unit = key % units
            if self.fresh(free, key, unit):
                return unit
            heappop(heap)
        return None

    def fresh(self, free: dict[int, int], key: int, unit: int) -> bool:
        """Whether a heap key still stands for a free block (keys are removed lazily)."""
        return unit in free

    def listing(self, order: int) -> list[int]:
        """The free blocks of one order in the policy's order (units)."""
        return sorted(self.free[order])


class RecentIndex(FreeIndex):
    """Free blocks by order, most recently freed or split off first (``lifo``)."""

    def key(self, unit: int, stamp: int) -> int:
        # Newest stamp first; among blocks made free by one split, the lower one.
        return -(stamp + 1) * self._units + unit

    def fresh(self, free: dict[int, int], key: int, unit: int) -> bool:
        # The key must carry the block's current stamp: an older key for the
        # same address is a stale one from before it was last taken.
        return free.get(unit) == -((key - unit) // self._units) - 1

    def listing(self, order: int) -> list[int]:
        free = self.free[order]
        return sorted(free, key=lambda unit: (-free[unit], unit))


def smallest_order_first(index: FreeIndex, order: int) -> tuple[int, int] | None:
    """The textbook rule (Knuth): the smallest order that has a free block."""
    for have in range(order, len(index.free)):
        if index.free[have]:
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
