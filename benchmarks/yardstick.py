"""A tight buddy allocator without history: the yardstick for the core's overhead.

Not shipped.  It places blocks exactly as BuddyAllocator's three policies do
(benchmarks/core.py checks that on its trace) but keeps only the current
state: per order a set of free units with a lazily cleaned heap (``lowest``,
``leftmost``) or an insertion-ordered dict used as a stack (``lifo``), and a
dict of live blocks.  No events, no names checks, no explanations.
"""

from __future__ import annotations

from heapq import heappop, heappush


class Yardstick:
    """``allocate(size) -> address or None`` and ``free(address)``, min block 1."""

    def __init__(self, total: int, policy: str = "lowest") -> None:
        self.max_order = total.bit_length() - 1
        self.lifo = policy == "lifo"
        self.leftmost = policy == "leftmost"
        orders = self.max_order + 1
        self.free_sets: list[dict[int, None]] = [{} for _ in range(orders)]
        self.heaps: list[list[int]] = [[] for _ in range(orders)]
        self.live: dict[int, int] = {}  # address -> order
        self._put(0, self.max_order)

    def _put(self, unit: int, order: int) -> None:
        self.free_sets[order][unit] = None
        if not self.lifo:
            heappush(self.heaps[order], unit)

    def _pop(self, order: int) -> int:
        free = self.free_sets[order]
        if self.lifo:
            return free.popitem()[0]
        heap = self.heaps[order]
        while heap[0] not in free:
            heappop(heap)
        unit = heappop(heap)
        del free[unit]
        return unit

    def _lowest(self, order: int) -> int:
        heap, free = self.heaps[order], self.free_sets[order]
        while heap[0] not in free:
            heappop(heap)
        return heap[0]

    def allocate(self, size: int) -> int | None:
        order = (size - 1).bit_length()
        free_sets = self.free_sets
        have = None
        if self.leftmost:
            best = None
            for level in range(order, self.max_order + 1):
                if free_sets[level]:
                    unit = self._lowest(level)
                    if best is None or unit < best:
                        best, have = unit, level
        else:
            for level in range(order, self.max_order + 1):
                if free_sets[level]:
                    have = level
                    break
        if have is None:
            return None
        unit = self._pop(have)
        while have > order:  # keep the lower half, free the upper one
            have -= 1
            self._put(unit + (1 << have), have)
        self.live[unit] = order
        return unit

    def free(self, unit: int) -> None:
        order = self.live.pop(unit)
        free_sets = self.free_sets
        while order < self.max_order:
            buddy = unit ^ (1 << order)
            if buddy not in free_sets[order]:
                break
            del free_sets[order][buddy]
            unit &= ~(1 << order)
            order += 1
        self._put(unit, order)
