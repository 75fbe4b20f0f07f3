"""The buddy allocator and its timeline.

Each allocate or free call is an *operation*, made of *events* (split,
allocate, free, merge, fail).  The timeline keeps every event packed into one
integer and applies or reverts it with a handful of dict updates, so any
position of the history can be reached by stepping, at a cost proportional to
the distance and independent of how long the history is.  For long jumps (a
slider dragged across a million events) it also keeps *checkpoints*: copies
of the state every few thousand events, so ``seek`` restores the nearest one
and steps only from there.  ``Event`` objects are made only when somebody
asks to look at one.
"""

from __future__ import annotations

import operator
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from functools import partial

from .errors import InvalidRequest, OutOfMemory
from .freelists import POLICIES
from .model import KINDS, Block, Event, Operation, Stats
from .units import format_size

SPLIT, ALLOCATE, FREE, MERGE, FAIL = range(5)
# Events between checkpoints, at least; more when the state is big, so that a
# checkpoint costs at most a few bytes per event and restoring one costs at
# most a quarter of the steps it saves.
CHECKPOINT_EVERY = 2048


class BuddyAllocator:
    """A buddy-system allocator over ``total`` units with blocks of ``min_block * 2**j``.

    >>> a = BuddyAllocator(total=1024, min_block=64)
    >>> a.allocate(34, name="A")
    Block(name='A', address=0, size=64, requested=34)
    """

    def __init__(self, total: int, min_block: int = 1, policy: str = "lowest") -> None:
        total = _positive_int("total", total)
        min_block = _positive_int("min_block", min_block)
        blocks, rest = divmod(total, min_block)
        if rest or blocks & (blocks - 1):
            raise InvalidRequest(
                f"total ({total}) must be min_block ({min_block}) times a power of two, "
                f"e.g. {min_block * _next_power(max(blocks, 1))}"
            )
        if policy not in POLICIES:
            raise InvalidRequest(
                f"unknown policy {policy!r}: choose one of {', '.join(POLICIES)}"
            )
        self.total, self.min_block, self.policy = total, min_block, policy
        self.max_order = blocks.bit_length() - 1
        index_class, choose = POLICIES[policy]
        self._index = index_class(self.max_order + 1)
        self._choose = getattr(self._index, choose)
        self._index.put(0, self.max_order, -1)
        self._abits = self.max_order + 1  # bits for an address in min_block units
        # Operations from this one on would overflow array("q"): the codes become a list.
        self._packable_ops = 1 << (54 - self._abits) if self._abits <= 54 else 0
        self._live: dict[str, Block] = {}
        self._codes = array("q")  # one packed int per event: op, address, order, kind
        self._aux: list[int] = []  # what reverting each applied event needs back
        self._ops: list = []  # per operation: its Block, or (name, requested) if it failed
        self._requests = 0  # allocation requests in the kept timeline, for P1, P2, ...
        self._position = 0
        self._allocated = 0
        self._requested = 0
        self._event_cache: list[Event] = []
        self._checkpoints: list[int] = []  # positions, ascending
        self._snapshots: list[tuple] = []  # the state at each of them
        self._checkpoint()

    def __repr__(self) -> str:
        return (
            f"BuddyAllocator(total={self.total}, min_block={self.min_block}, "
            f"policy={self.policy!r})  # {len(self._live)} allocated, "
            f"position {self._position} of {len(self._codes)}"
        )

    # ----------------------------------------------------------- operations
    def allocate(self, size: int, name: str | None = None) -> Block:
        """Allocate ``size`` units, rounded up to a power-of-two block.

        Raises :class:`InvalidRequest` (nothing changes) for a bad size or
        name, and :class:`OutOfMemory` (a ``fail`` event is recorded) when no
        free block is large enough.
        """
        if type(size) is not int:
            size = _size_int(size)
        if not 0 < size <= self.total:
            raise InvalidRequest(
                f"size must be between 1 and the memory size {format_size(self.total)}, "
                f"got {format_size(size)}"
            )
        start = self._position
        behind = start != len(self._codes)  # recording from an earlier position
        if behind:
            self._to_operation_boundary()
        if name is not None:
            try:
                self._check_new_name(name)
            except InvalidRequest:
                self.seek(start)
                raise
        order = (-(-size // self.min_block) - 1).bit_length()
        if behind:
            self._truncate()
        self._requests += 1
        if name is None:
            name = f"P{self._requests}"
            if name in self._live:
                name = self._auto_name()
        op = len(self._ops)
        codes = self._codes
        if op >= self._packable_ops and type(codes) is array:
            self._codes = codes = list(codes)  # codes would pass 63 bits: a list of ints
        position = len(codes)
        # The policy chooses the block and applies the splits and the allocation
        # to the free index in one call: this is the core's hot path.
        found = self._choose(order, position, self._aux)
        if found is None:
            self._ops.append((name, size))
            codes.append(((op << self._abits) << 6 | order) << 3 | FAIL)
            self._aux.append(0)
            self._position = position + 1
            if self._position >= self._next_checkpoint:
                self._checkpoint()
            largest, free = 0, self._index.free  # nothing of ``order`` or more is free
            for smaller in range(order - 1, -1, -1):
                if free[smaller]:
                    largest = self.min_block << smaller
                    break
            raise OutOfMemory(partial(
                _out_of_memory, size, name, self.min_block << order,
                self.total - self._allocated, largest,
            ))
        unit, have = found
        block = _new_block(name, unit * self.min_block, self.min_block << order, size)
        self._ops.append(block)
        base = (op << self._abits | unit) << 9
        if have > order:  # splits of orders have .. order + 1 (SPLIT is 0): 8 apart
            codes.extend(range(base | have << 3, base | order << 3, -8))
        codes.append(base | order << 3 | ALLOCATE)
        self._position = len(codes)
        self._live[name] = block
        self._allocated += block.size
        self._requested += size
        if self._position >= self._next_checkpoint:
            self._checkpoint()
        return block

    def free(self, name: str) -> Block:
        """Free the block allocated to ``name`` and merge it with free buddies, repeatedly."""
        if not isinstance(name, str):
            raise InvalidRequest(
                f"free() takes the name of an allocation, got {type(name).__name__} {name!r}"
            )
        start = self._position
        behind = start != len(self._codes)
        if behind:
            self._to_operation_boundary()
        block = self._live.pop(name, None)
        if block is None:
            message = self._not_allocated(name)
            self.seek(start)
            raise InvalidRequest(message)
        if behind:
            self._truncate()
        op = len(self._ops)
        codes = self._codes
        if op >= self._packable_ops and type(codes) is array:
            self._codes = codes = list(codes)
        position = len(codes)
        self._ops.append(block)
        self._allocated -= block.size
        self._requested -= block.requested
        unit = block.address // self.min_block
        order = (block.size // self.min_block).bit_length() - 1
        top = self._index.release(unit, order, position, self.max_order, self._aux)
        base = op << self._abits
        codes.append(((base | unit) << 6 | order) << 3 | FREE)
        while order < top:
            unit &= ~(1 << order)
            order += 1
            codes.append(((base | unit) << 6 | order) << 3 | MERGE)
        self._position = len(codes)
        if self._position >= self._next_checkpoint:
            self._checkpoint()
        return block

    # --------------------------------------------------------------- state
    def free_blocks(self) -> list[tuple[int, int]]:
        """Free blocks as ``(address, size)``, sorted by address."""
        mb = self.min_block
        return sorted(
            (unit * mb, mb << order)
            for order, free in enumerate(self._index.free)
            for unit in free
        )

    def allocations(self) -> list[Block]:
        """Allocated blocks, sorted by address."""
        return sorted(self._live.values(), key=operator.attrgetter("address"))

    def blocks(self) -> list[Block]:
        """Every leaf block, free (``name=None``) or allocated, sorted by address."""
        free = [Block(None, address, size, 0) for address, size in self.free_blocks()]
        return sorted(free + list(self._live.values()), key=operator.attrgetter("address"))

    def free_lists(self) -> dict[int, list[int]]:
        """``{size: [addresses]}`` for every order, smallest first, in the policy's order."""
        mb = self.min_block
        return {
            mb << order: [unit * mb for unit in self._index.listing(order)]
            for order in range(self.max_order + 1)
        }

    def stats(self) -> Stats:
        """Totals and both kinds of fragmentation at the current position."""
        free = self.total - self._allocated
        largest = 0
        for order in range(self.max_order, -1, -1):
            if self._index.free[order]:
                largest = self.min_block << order
                break
        return Stats(
            total=self.total,
            allocated=self._allocated,
            requested=self._requested,
            internal_fragmentation=self._allocated - self._requested,
            free=free,
            largest_free=largest,
            external_fragmentation=1 - largest / free if free else 0.0,
        )

    def block_size(self, size: int) -> int:
        """The block a request of ``size`` gets: rounded up to ``min_block * 2**j``."""
        if type(size) is not int:
            size = _size_int(size)
        if not 0 < size <= self.total:
            raise InvalidRequest(f"size must be between 1 and {self.total}, got {size}")
        return self.min_block << (-(-size // self.min_block) - 1).bit_length()

    # ------------------------------------------------------------ timeline
    @property
    def position(self) -> int:
        """How many events of the timeline are applied now."""
        return self._position

    @property
    def events(self) -> list[Event]:
        """The whole recorded timeline, including any undone tail (a copy)."""
        cache = self._event_cache
        for index in range(len(cache), len(self._codes)):
            cache.append(self.event_at(index))
        return list(cache)

    def event_count(self) -> int:
        """``len(self.events)`` without building the list."""
        return len(self._codes)

    def event_at(self, index: int) -> Event:
        """One event of the timeline, by index (0-based)."""
        if not 0 <= index < len(self._codes):
            raise InvalidRequest(
                f"event index must be between 0 and {len(self._codes) - 1}, got {index}"
            )
        if index < len(self._event_cache):
            return self._event_cache[index]
        kind, unit, order, op = self._decode(self._codes[index])
        block = self._ops[op]
        if kind == FAIL:
            return Event("fail", None, self.min_block << order, block[0], block[1], op)
        return Event(
            KINDS[kind], unit * self.min_block, self.min_block << order,
            block.name, block.requested, op,
        )

    def operation_span(self, op: int) -> range:
        """The event indices of operation ``op``."""
        if not 0 <= op < len(self._ops):
            raise InvalidRequest(f"operation must be between 0 and {len(self._ops) - 1}, got {op}")
        return range(self._op_start(op), self._op_start(op + 1))

    def operation_count(self) -> int:
        """How many operations (allocate or free calls, failed ones included) are recorded."""
        return len(self._ops)

    def step_forward(self) -> Event | None:
        """Apply the next event; returns it, or None at the end of the timeline."""
        if self._position == len(self._codes):
            return None
        self._apply(self._position)
        self._position += 1
        return self.event_at(self._position - 1)

    def step_back(self) -> Event | None:
        """Revert the last applied event; returns it, or None at the start."""
        if self._position == 0:
            return None
        self._position -= 1
        self._revert(self._position)
        return self.event_at(self._position)

    def undo(self) -> list[Event]:
        """Revert one whole operation; returns its events (empty at the start)."""
        if self._position == 0:
            return []
        start = self._op_start(self._op_of(self._position - 1))
        undone = [self.event_at(i) for i in range(start, self._position)]
        self.seek(start)
        return undone

    def redo(self) -> list[Event]:
        """Re-apply one whole operation; returns its events (empty at the end)."""
        if self._position == len(self._codes):
            return []
        span = self.operation_span(self._op_of(self._position))
        redone = [self.event_at(i) for i in range(self._position, span.stop)]
        self.seek(span.stop)
        return redone

    def truncate(self) -> int:
        """Drop every event after the current position, as recording a new operation here
        does; returns how many events were dropped.

        Inside an operation it first moves to that operation's edge, the way recording
        does (a free shown free is finished, an allocation not yet handed out is undone).
        A Stepper uses this to put back the branch a live operation replaced.
        """
        before = len(self._codes)
        if self._position != before:
            self._to_operation_boundary()
            self._truncate()
        return before - len(self._codes)

    def seek(self, position: int) -> None:
        """Move to ``position`` (0 .. number of events).

        Steps there one event at a time, or first restores the checkpoint nearest
        to ``position`` when that is less work: a few milliseconds at most,
        however long the timeline.
        """
        if type(position) is not int or not 0 <= position <= len(self._codes):
            raise InvalidRequest(
                f"position must be an integer between 0 and {len(self._codes)}, got {position!r}"
            )
        distance = abs(position - self._position)
        if distance > CHECKPOINT_EVERY // 2:
            checkpoints = self._checkpoints
            after = bisect_left(checkpoints, position)
            # the nearest checkpoint on either side, by its distance plus restoring it
            best = min(
                range(max(after - 1, 0), min(after + 1, len(checkpoints))),
                key=lambda i: abs(checkpoints[i] - position) + self._snapshots[i][0],
            )
            if abs(checkpoints[best] - position) + self._snapshots[best][0] < distance:
                self._restore(best)
        while self._position < position:
            self._apply(self._position)
            self._position += 1
        while self._position > position:
            self._position -= 1
            self._revert(self._position)

    # ------------------------------------------------------------- runs
    def operations(self, start: int = 0, stop: int | None = None) -> list[Operation]:
        """The recorded operations ``start`` to ``stop`` (default: the end), failed requests
        included, in order: what :meth:`replay` needs to record the same run again."""
        count = len(self._ops)
        stop = count if stop is None else stop
        if type(start) is not int or type(stop) is not int or not 0 <= start <= stop <= count:
            raise InvalidRequest(
                f"operations(start, stop) needs 0 <= start <= stop <= {count} (the number "
                f"of operations), got start={start!r}, stop={stop!r}"
            )
        codes, ops, shift = self._codes, self._ops, 9 + self._abits
        reach = self.max_order + 2  # an operation has at most max_order + 1 events
        index = self._op_start(start)
        found = []
        for op in range(start, stop):
            entry, kind = ops[op], codes[index] & 7
            if kind == FAIL:
                found.append(Operation("allocate", entry[0], entry[1]))
            elif kind == FREE:
                found.append(Operation("free", entry.name))
            else:
                found.append(Operation("allocate", entry.name, entry.requested))
            # the next operation's first event, searched among this one's few events only
            index = bisect_left(codes, (op + 1) << shift, index + 1,
                                min(index + reach, len(codes)))
        return found

    def replay(self, operations: Iterable[Operation]) -> None:
        """Record ``operations`` again at the end of the timeline and move there.

        A request that failed when it was recorded fails again, silently, as a
        ``fail`` event.  Anything else that goes wrong (not an :class:`Operation`, a
        free of a name not allocated, a size larger than the memory) raises
        :class:`InvalidRequest` naming the operation, and the allocator is left
        exactly as it was: none of the operations is kept.
        """
        operations = list(operations)
        for number, operation in enumerate(operations):
            if not isinstance(operation, Operation):
                raise InvalidRequest(
                    f"operation {number} must be an Operation (see Operation.from_dict), "
                    f"got {type(operation).__name__} {operation!r}"
                )
        start, end = self._position, len(self._codes)
        self.seek(end)
        try:
            for number, operation in enumerate(operations):
                try:
                    if operation.kind == "free":
                        self.free(operation.name)
                    else:
                        self.allocate(operation.size, operation.name)
                except OutOfMemory:
                    pass
                except InvalidRequest as error:
                    raise InvalidRequest(
                        f"operation {number} cannot be replayed: {error}") from None
        except BaseException:  # an interrupted replay is taken back too
            self.seek(end)
            self.truncate()
            self.seek(start)
            raise

    # --------------------------------------------------------------- JSON
    def to_json(self, indent: int | None = None) -> str:
        """The whole timeline and position as JSON (schema ``buddy-edu-timeline`` v1)."""
        from .timeline_json import dump

        return dump(self, indent)

    @classmethod
    def from_json(cls, text: str) -> BuddyAllocator:
        """Rebuild an allocator saved by :meth:`to_json`, checking it is consistent."""
        from .timeline_json import load

        return load(cls, text)

    # ------------------------------------------------------------ private
    def _decode(self, code: int) -> tuple[int, int, int, int]:
        return (code & 7, (code >> 9) & ((1 << self._abits) - 1), (code >> 3) & 63,
                code >> (9 + self._abits))

    def _apply(self, index: int) -> None:
        kind, unit, order, op = self._decode(self._codes[index])
        self._aux[index] = self._do(kind, unit, order, op, index)

    def _do(self, kind: int, unit: int, order: int, op: int, index: int) -> int:
        """Apply one event to the state; returns what reverting it needs."""
        if kind == SPLIT:
            return self._index.split(unit, order, index)
        if kind == ALLOCATE:
            self._take(self._ops[op])
            return self._index.take(unit, order)
        if kind == FREE:
            self._give(self._ops[op])
            self._index.put(unit, order, index)
        elif kind == MERGE:
            return self._index.merge(unit, order, index)
        return 0

    def _revert(self, index: int) -> None:
        kind, unit, order, op = self._decode(self._codes[index])
        old = self._aux[index]
        if kind == SPLIT:
            self._index.unsplit(unit, order, old)
        elif kind == ALLOCATE:
            self._give(self._ops[op])
            self._index.put(unit, order, old)
        elif kind == FREE:
            self._index.take(unit, order)
            self._take(self._ops[op])
        elif kind == MERGE:
            self._index.unmerge(unit, order, old)

    def _take(self, block: Block) -> None:
        self._live[block.name] = block
        self._allocated += block.size
        self._requested += block.requested

    def _give(self, block: Block) -> None:
        del self._live[block.name]
        self._allocated -= block.size
        self._requested -= block.requested

    def _op_kind(self, op: int) -> int:
        """FREE for a free operation, FAIL for a failed request, else an allocation."""
        kind = self._codes[self._op_start(op)] & 7
        return kind if kind in (FREE, FAIL) else ALLOCATE

    def _op_start(self, op: int) -> int:
        """The index of operation ``op``'s first event (the event count past the last).

        The codes are sorted by operation, their top bits, so a binary search
        finds it and no list of starts (40 bytes an operation) is kept.
        """
        return bisect_left(self._codes, op << (9 + self._abits))

    def _op_of(self, index: int) -> int:
        """The operation that event ``index`` belongs to."""
        return self._codes[index] >> (9 + self._abits)

    def _to_operation_boundary(self) -> None:
        """If stepped into the middle of an operation, move to the nearer edge that
        matches what the student sees: a free whose block is already shown free is
        finished (its merges applied); an allocation not yet handed out is undone.
        """
        pos = self._position
        if 0 < pos < len(self._codes):
            op = self._op_of(pos - 1)
            if self._op_of(pos) == op:
                if self._op_kind(op) == FREE:
                    self.seek(self.operation_span(op).stop)
                else:
                    self.seek(self._op_start(op))

    def _truncate(self) -> None:
        """Discard the undone tail before recording a new operation (like an editor)."""
        pos = self._position
        if pos == len(self._codes):
            return
        kept_ops = self._current_ops()
        for op in range(kept_ops, len(self._ops)):
            if self._op_kind(op) != FREE:
                self._requests -= 1
        del self._ops[kept_ops:]
        del self._codes[pos:], self._aux[pos:]
        del self._event_cache[pos:]
        kept = bisect_left(self._checkpoints, pos + 1)  # a checkpoint at pos is still right
        del self._checkpoints[kept:], self._snapshots[kept:]
        self._next_checkpoint = self._checkpoints[-1] + self._checkpoint_gap(self._snapshots[-1][0])

    def _checkpoint(self) -> None:
        """Remember the state at the current position (the end of the timeline)."""
        free = self._index.snapshot()
        live = tuple(self._live.values())
        size = len(live) + sum(len(units) for _, units, _ in free)
        self._checkpoints.append(self._position)
        self._snapshots.append((size, free, live, self._allocated, self._requested))
        self._next_checkpoint = self._position + self._checkpoint_gap(size)

    @staticmethod
    def _checkpoint_gap(size: int) -> int:
        """Events until the next checkpoint after one holding ``size`` blocks."""
        return max(CHECKPOINT_EVERY, 4 * size)

    def _restore(self, checkpoint: int) -> None:
        """Jump to a checkpoint: the state exactly as it was there, the free index rebuilt."""
        _, free, live, self._allocated, self._requested = self._snapshots[checkpoint]
        self._index.restore(free)
        self._live = {block.name: block for block in live}
        self._position = self._checkpoints[checkpoint]

    def _check_new_name(self, name: object) -> None:
        if not isinstance(name, str) or not name.strip():
            raise InvalidRequest(
                f"name must be a non-empty string such as 'A' or 'P1', got {name!r}"
            )
        if name in self._live:
            block = self._live[name]
            raise InvalidRequest(
                f"{name!r} is already allocated ({format_size(block.size)} at "
                f"{format_size(block.address)}): free it first or choose another name"
            )

    def _auto_name(self) -> str:
        """``P<n>`` for the n-th request, or the next number whose name is not in use."""
        number = self._requests
        while f"P{number}" in self._live:
            number += 1
        return f"P{number}"

    def _not_allocated(self, name: str) -> str:
        live = ", ".join(sorted(self._live)) or "none"
        for op in range(self._current_ops() - 1, -1, -1):
            if self._op_kind(op) == FREE and self._ops[op].name == name:
                return f"{name!r} was already freed; allocated now: {live}"
        return f"nothing is allocated under the name {name!r}; allocated now: {live}"

    def _current_ops(self) -> int:
        """How many operations are (at least partly) applied at the current position."""
        return self._op_of(self._position - 1) + 1 if self._position else 0

def _out_of_memory(size: int, name: str, need: int, free: int, largest: int) -> str:
    """Why a request failed, from the numbers at that moment (written when first read)."""
    head = (
        f"cannot allocate {format_size(size)} for {name}: it needs a "
        f"{format_size(need)} block and the largest free block is "
        f"{format_size(largest)}. "
    )
    if free >= need:
        return head + (
            f"{format_size(free)} is free in total, which would be enough: "
            "this is external fragmentation (free memory is split into blocks "
            "too small for the request)."
        )
    return head + f"Only {format_size(free)} is free in total: free something first."


def _block_maker():
    """``Block(name, address, size, requested)`` in half the time.

    A frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``; setting the slots directly gives the same value
    and is about 10% of an allocation.
    """
    new = object.__new__
    set_name, set_address = Block.name.__set__, Block.address.__set__
    set_size, set_requested = Block.size.__set__, Block.requested.__set__

    def make(name: str, address: int, size: int, requested: int) -> Block:
        block = new(Block)
        set_name(block, name)
        set_address(block, address)
        set_size(block, size)
        set_requested(block, requested)
        return block

    return make


_new_block = _block_maker()


def _positive_int(what: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidRequest(f"{what} must be a positive integer, got {value!r}")
    return value


def _size_int(size: object) -> int:
    """Accept int-like sizes (numpy integers too); refuse bools, floats and strings."""
    if isinstance(size, bool):
        raise InvalidRequest(f"size must be a positive integer, got the bool {size!r}")
    if isinstance(size, str):
        raise InvalidRequest(
            f"size must be a positive integer, got the string {size!r}; "
            "convert it first with buddy_edu.parse_size (it accepts 64, 64K, 1M, 2G)"
        )
    try:
        return operator.index(size)
    except TypeError:
        raise InvalidRequest(
            f"size must be a positive integer, got {type(size).__name__} {size!r}"
        ) from None


def _next_power(n: int) -> int:
    return 1 << (n - 1).bit_length()
