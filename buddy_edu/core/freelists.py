"""Free blocks per order, and the placement policies that choose among them.

The free blocks live in one dict per order (``unit -> stamp``, addresses
counted in min_block units, the stamp being the index of the event that made
the block free).  Those dicts are the truth and change in O(1) per event.
For address order (``lowest``, ``leftmost``) each order also has a heap of
addresses; it is only an index, cleaned lazily (a key whose block is gone is
dropped when it reaches the top), so a push is O(log n) and a lookup amortised
O(log n), with no work proportional to the length of the history.  For
``lifo`` the dict's own insertion order is the stack (see RecentIndex).

The methods named after events (``split``, ``merge``, ``take``, ``put``) and
their inverses are what the timeline applies and reverts; each returns what
its inverse needs to restore the exact previous state.  The placement
policies (``smallest_order_first``, ``lowest_address_first``) and
``release`` apply a whole allocation or free, the same as its events one by
one, in a single call: they are the recording hot path.
"""

from __future__ import annotations

from array import array
from heapq import heapify, heappop, heappush

_PAIR = 1 << 40  # packs the two stamps a merge consumes into one int


class FreeIndex:
    """Free blocks by order, preferring the lowest address (``lowest``, ``leftmost``).

    Address order does not depend on when a block was freed, so this index
    stores no stamps (0) and its undo data is the shared small int 0.  The
    event methods push heap keys themselves rather than through :meth:`put`:
    they run once per event, and a call less each is measurable.
    """

    def __init__(self, orders: int) -> None:
        self.free: list[dict[int, int]] = [{} for _ in range(orders)]
        self._heaps: list[list[int]] = [[] for _ in range(orders)]

    def _rebuild(self, order: int) -> None:
        """Drop the stale keys of one heap (callers do it once they outnumber the live ones)."""
        heap = self._heaps[order]
        heap[:] = self.free[order]
        heapify(heap)

    # single blocks
    def put(self, unit: int, order: int, stamp: int) -> None:
        """Make a block free."""
        free, heap = self.free[order], self._heaps[order]
        free[unit] = 0
        heappush(heap, unit)
        if len(heap) > 2 * len(free) + 32:
            self._rebuild(order)

    def take(self, unit: int, order: int) -> int:
        """Make a free block used; returns its stamp so :meth:`put` can restore it."""
        return self.free[order].pop(unit)

    # events
    def split(self, unit: int, order: int, stamp: int) -> int:
        """Split a free block into two free halves; returns the parent's stamp."""
        old = self.free[order].pop(unit)
        half = order - 1
        upper = unit + (1 << half)
        free, heap = self.free[half], self._heaps[half]
        free[unit] = free[upper] = 0
        heappush(heap, unit)
        heappush(heap, upper)
        if len(heap) > 2 * len(free) + 32:
            self._rebuild(half)
        return old

    def unsplit(self, unit: int, order: int, old: int) -> None:
        free = self.free[order - 1]
        del free[unit], free[unit + (1 << (order - 1))]
        self.put(unit, order, old)

    def merge(self, unit: int, order: int, stamp: int) -> int:
        """Join two free buddies into the block at ``unit`` of ``order``."""
        free = self.free[order - 1]
        del free[unit], free[unit + (1 << (order - 1))]
        self.free[order][unit] = 0
        heappush(self._heaps[order], unit)
        if len(self._heaps[order]) > 2 * len(self.free[order]) + 32:
            self._rebuild(order)
        return 0

    def unmerge(self, unit: int, order: int, old: int) -> None:
        del self.free[order][unit]
        self.put(unit, order - 1, 0)
        self.put(unit + (1 << (order - 1)), order - 1, 0)

    # whole operations, as the allocator records them
    def carve(self, unit: int, have: int, order: int, stamp: int, undo: list) -> None:
        """Split the free block ``(unit, have)`` down to ``order`` and take its lowest part.

        The same as the events split(have), split(have - 1), ..., take(order)
        stamped ``stamp``, ``stamp + 1``, ..., with each event's undo data
        appended to ``undo``; but in one call, and the lower halves, taken at
        once, never reach a heap.
        """
        undo.append(self.free[have].pop(unit))
        undo += [0] * (have - order)  # the stamps the lower halves had: none
        free, heaps = self.free, self._heaps
        while have > order:
            have -= 1
            upper = unit + (1 << have)
            free[have][upper] = 0
            heappush(heaps[have], upper)
            if len(heaps[have]) > 2 * len(free[have]) + 32:
                self._rebuild(have)

    def release(self, unit: int, order: int, stamp: int, top: int, undo: list) -> int:
        """Free a block and merge it with free buddies; returns the order it ends at.

        The same as the events put(order), merge(order + 1), ... stamped
        ``stamp``, ``stamp + 1``, ..., with their undo data appended to ``undo``,
        but only the final block is put.
        """
        free = self.free
        undo.append(0)
        while order < top and (unit ^ (1 << order)) in free[order]:
            del free[order][unit ^ (1 << order)]
            unit &= ~(1 << order)
            order += 1
            undo.append(0)
        free, heap = free[order], self._heaps[order]
        free[unit] = 0
        heappush(heap, unit)
        if len(heap) > 2 * len(free) + 32:
            self._rebuild(order)
        return order

    # checkpoints
    def snapshot(self) -> tuple:
        """The free blocks, compactly: ``(order, units, stamps)`` per order that has some."""
        return tuple((order, array("q", free), None)
                     for order, free in enumerate(self.free) if free)

    def restore(self, snapshot: tuple) -> None:
        """Make the free blocks those of a :meth:`snapshot`, heaps rebuilt from them."""
        for order in range(len(self.free)):
            self.free[order] = {}
            self._heaps[order] = []
        for order, units, _ in snapshot:
            self.free[order] = dict.fromkeys(units, 0)
            self._rebuild(order)

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

    # the placement rules: each chooses a block and carves the request out of
    # it, in the same call as reading the heap (this runs once per allocation)
    def smallest_order_first(self, order: int, stamp: int, undo: list) -> tuple[int, int] | None:
        """The textbook rule (Knuth): the smallest order that has a free block.

        Carves the request out of it as :meth:`carve` does and returns
        ``(unit, order it had)``, or None (nothing changed) when nothing is big enough.
        """
        free_lists, heaps = self.free, self._heaps
        for have in range(order, len(free_lists)):
            free = free_lists[have]
            if free:
                heap = heaps[have]
                while heap[0] not in free:  # a free block always has its key in the heap
                    heappop(heap)
                unit = heap[0]
                undo.append(free.pop(unit))  # then as carve(), inline
                undo += [0] * (have - order)
                level = have
                while level > order:
                    level -= 1
                    upper = unit + (1 << level)
                    free_lists[level][upper] = 0
                    heappush(heaps[level], upper)
                    if len(heaps[level]) > 2 * len(free_lists[level]) + 32:
                        self._rebuild(level)
                return unit, have
        return None

    def lowest_address_first(self, order: int, stamp: int, undo: list) -> tuple[int, int] | None:
        """The classic tree walk: the lowest-address free block at least this big."""
        best = None
        for have in range(order, len(self.free)):
            if self.free[have]:
                unit = self.first(have)
                if best is None or unit < best[0]:
                    best = (unit, have)
        if best is not None:
            self.carve(*best, order, stamp, undo)
        return best

    def listing(self, order: int) -> list[int]:
        """The free blocks of one order in the policy's order (units)."""
        return sorted(self.free[order])


class RecentIndex:
    """Free blocks by order, most recently freed or split off first (``lifo``).

    No heaps: each order's dict is kept in preference order, the preferred
    block last, as a stack.  Recording only ever adds the newest block, and
    undoing an event puts back a block that was the preferred one, so both
    append.  The one exception is undoing a merge, which may put back a buddy
    freed long ago: that order is then marked unsorted and sorted again when
    a block of it is next chosen.
    """

    def __init__(self, orders: int) -> None:
        self.free: list[dict[int, int]] = [{} for _ in range(orders)]
        self._unsorted: set[int] = set()  # orders whose dict may be out of order

    def put(self, unit: int, order: int, stamp: int) -> None:
        """Make a block free (recorded and undone blocks alike are the preferred one)."""
        self.free[order][unit] = stamp

    def take(self, unit: int, order: int) -> int:
        """Make a free block used; returns its stamp so :meth:`put` can restore it."""
        return self.free[order].pop(unit)

    def split(self, unit: int, order: int, stamp: int) -> int:
        """Split a free block into two free halves; returns the parent's stamp."""
        old = self.free[order].pop(unit)
        free = self.free[order - 1]
        free[unit + (1 << (order - 1))] = stamp
        free[unit] = stamp  # the lower half last: it is preferred
        return old

    def unsplit(self, unit: int, order: int, old: int) -> None:
        free = self.free[order - 1]
        del free[unit], free[unit + (1 << (order - 1))]
        self.free[order][unit] = old

    def merge(self, unit: int, order: int, stamp: int) -> int:
        """Join two free buddies; returns both halves' stamps packed in one int."""
        free = self.free[order - 1]
        lower = free.pop(unit)
        upper = free.pop(unit + (1 << (order - 1)))
        self.free[order][unit] = stamp
        return (lower + 1) * _PAIR + upper + 1

    def unmerge(self, unit: int, order: int, old: int) -> None:
        del self.free[order][unit]
        half = order - 1
        lower, upper = divmod(old, _PAIR)
        halves = sorted([(lower - 1, -unit), (upper - 1, -unit - (1 << half))])
        free = self.free[half]
        last = next(reversed(free), None)
        if last is not None and (free[last], -last) > halves[0]:
            self._unsorted.add(half)  # the older half belongs further down
        for stamp, negated in halves:
            free[-negated] = stamp

    def release(self, unit: int, order: int, stamp: int, top: int, undo: list) -> int:
        free = self.free
        undo.append(0)
        while order < top and (unit ^ (1 << order)) in free[order]:
            buddy = unit ^ (1 << order)
            other = free[order].pop(buddy)
            # a merge's undo data: the lower and the upper half's stamps
            if unit < buddy:
                undo.append((stamp + 1) * _PAIR + other + 1)
            else:
                undo.append((other + 1) * _PAIR + stamp + 1)
            unit &= ~(1 << order)
            order += 1
            stamp += 1
        free[order][unit] = stamp
        return order

    def _sort(self, order: int) -> None:
        """Put one order's dict back in preference order (after an undone merge)."""
        free = self.free[order]
        self.free[order] = dict(sorted(free.items(), key=lambda item: (item[1], -item[0])))
        self._unsorted.discard(order)

    def restore(self, snapshot: tuple) -> None:
        self.free = [{} for _ in self.free]
        for order, units, stamps in snapshot:
            self.free[order] = dict(zip(units, stamps, strict=True))
            self._sort(order)
        self._unsorted.clear()

    def snapshot(self) -> tuple:
        return tuple((order, array("q", free), array("q", free.values()))
                     for order, free in enumerate(self.free) if free)

    def smallest_order_first(self, order: int, stamp: int, undo: list) -> tuple[int, int] | None:
        free_lists = self.free
        for have in range(order, len(free_lists)):
            free = free_lists[have]
            if free:
                if have in self._unsorted:
                    self._sort(have)
                    free = free_lists[have]
                unit, parent = free.popitem()  # the preferred block is the last
                undo.append(parent)
                undo.extend(range(stamp, stamp + have - order))  # each lower half's stamp
                level = have
                while level > order:  # the upper halves, newest on top
                    level -= 1
                    free_lists[level][unit + (1 << level)] = stamp
                    stamp += 1
                return unit, have
        return None

    def listing(self, order: int) -> list[int]:
        free = self.free[order]
        return sorted(free, key=lambda unit: (-free[unit], unit))


POLICIES = {  # name: (free index, the index's method that chooses a block)
    "lowest": (FreeIndex, "smallest_order_first"),
    "lifo": (RecentIndex, "smallest_order_first"),
    "leftmost": (FreeIndex, "lowest_address_first"),
}
