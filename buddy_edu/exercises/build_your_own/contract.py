"""Build your own allocator: the contract of the five functions students write, and the
traces they are checked on.

The contract is five plain functions over plain data.  Free memory is a dict
``free`` from block size to a list of the addresses of the free blocks of that
size (order inside a list does not matter, and an empty list is the same as no
key).  The policy is the kit's default, ``lowest``.

- ``block_size(request, min_block, total) -> int``: the block a request gets.
- ``find_block(free, size) -> (address, size) | None``: the free block to use
  for a block of ``size``: of the smallest size that has a free block and is at
  least ``size``, the lowest address; None if there is none.  Only looks.
- ``split(free, address, size, wanted) -> None``: take the free block
  ``(address, size)`` out of ``free`` and halve it until it is ``wanted``
  large, keeping the lower half each time and putting the upper halves in
  ``free``.  The block ``(address, wanted)`` is then in use, not in ``free``.
- ``buddy(address, size) -> int``: the address of the block's buddy.
- ``free_block(free, address, size, total) -> (address, size)``: put the
  block back into ``free``, merging it with its buddy for as long as the buddy
  is a whole free block of the same size; returns the block that ends up free.

Each function is checked by differential testing: seeded random traces of
allocations and frees run through the core's ``BuddyAllocator``, and every
call the function would see on the way (with the core's state as the input)
must give what the core did.  The expected values are read from the core's
events and free lists, never computed by a second copy of the rules
(:mod:`.judge` asks and marks the question; :mod:`.harness` makes the calls).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from ...core import BuddyAllocator, Event, InvalidRequest, Operation, OutOfMemory
from .spec import Spec

#: Memories of the traces: (total, min_block) in plain units, small enough to read.
MEMORIES = ((1024, 64), (512, 32), (2048, 128), (1024, 32), (256, 16))
QUESTION_TRACES = 4  # traces a graded function is checked on
TRACE_OPERATIONS = 16


#: What the notebooks say about lesson 6's data (``block_size`` needs none of it).
LESSON_TEXT = (
    "Lesson 6's functions keep free memory as a dict `free` from block size to a list of the "
    "addresses of the free blocks of that size: `{1024: [0]}` is a fresh memory of 1024 "
    "units. The order inside a list does not matter. A request takes the smallest free block "
    "that is large enough, the one at the lowest address among those, and a split keeps the "
    "lower half."
)

SPECS: dict[str, Spec] = {spec.name: spec for spec in (
    Spec("block_size", ("request", "min_block", "total"), "int",
         "Return the size of the block a request of `request` units gets: the smallest "
         "`min_block * 2**j` that holds it (an exact block size is not rounded further). "
         "The request is between 1 and `total`.",
         ("result",)),
    Spec("find_block", ("free", "size"), "(address, size) or None",
         "Return the free block to use for a block of `size`: among the sizes at least `size` "
         "that have a free block, the smallest, and of those blocks the one at the lowest "
         "address. Return None if no free block is large enough. Do not change `free`.",
         ("result", "free")),
    Spec("split", ("free", "address", "size", "wanted"), "None",
         "The block `(address, size)` is free. Take it out of `free`, then halve it until it "
         "is `wanted` large, keeping the lower half each time and putting each upper half into "
         "`free`. The block `(address, wanted)` is then in use, so it is not in `free`.",
         ("free",)),
    Spec("buddy", ("address", "size"), "int",
         "Return the address of the buddy of the block `(address, size)`.",
         ("result",)),
    Spec("free_block", ("free", "address", "size", "total"), "(address, size)",
         "The block `(address, size)` was in use and is freed. Put it into `free`, merging it "
         "with its buddy for as long as the buddy is a whole free block of the same size (a "
         "merged block may merge again). Return the block that ends up free.",
         ("result", "free")),
)}
FUNCTIONS = tuple(SPECS)


def check_function_name(name: object) -> Spec:
    """The spec of lesson 6's function ``name``; InvalidRequest naming the five otherwise."""
    if isinstance(name, str) and name in SPECS:
        return SPECS[name]
    raise InvalidRequest(f"unknown function {name!r}: lesson 6's functions are "
                         f"{', '.join(FUNCTIONS)}")


# ----------------------------------------------------------------- traces
def random_traces(rng: random.Random, count: int = QUESTION_TRACES,
                  operations: int = TRACE_OPERATIONS
                  ) -> tuple[int, int, list[list[Operation]]]:
    """``(total, min_block, traces)``: ``count`` random traces over one memory.

    A trace is a list of the core's :class:`~buddy_edu.core.Operation` values; it
    ends by asking for the whole memory (which fails while anything is allocated)
    and freeing whatever is still allocated, so that frees merge all the way up.
    Some requests are exact block sizes, some are one unit over one, and some are
    too large to fit, because the rules differ there.
    """
    total, min_block = rng.choice(MEMORIES)
    traces = [random_trace(rng, BuddyAllocator(total, min_block), operations, max_live=8,
                           request=lambda: _request(rng, total, min_block))
              for _ in range(count)]
    return total, min_block, traces


def random_trace(rng: random.Random, core: BuddyAllocator, operations: int, max_live: int,
                 request) -> list[Operation]:
    """One random trace, run on ``core`` only to know which names are live: ``operations``
    allocations of ``request()`` bytes and frees (at most ``max_live`` blocks held at once),
    then a request for the whole memory while anything is held, then frees of what is left
    in random order.  Lesson 6's traces and the Knuth lab's differ only in memory, request
    sizes and ``max_live``."""
    live: list[str] = []
    steps: list[Operation] = []
    number = 0
    for _ in range(operations):
        if live and (rng.random() < 0.4 or len(live) >= max_live):
            name = live.pop(rng.randrange(len(live)))
            core.free(name)
            steps.append(Operation("free", name))
            continue
        number += 1
        name = f"P{number}"
        size = request()
        steps.append(Operation("allocate", name, size))
        try:
            core.allocate(size, name)
        except OutOfMemory:
            continue
        live.append(name)
    if live:  # the whole memory while something is allocated: find_block finds nothing
        steps.append(Operation("allocate", f"P{number + 1}", core.total))
    rng.shuffle(live)
    steps.extend(Operation("free", name) for name in live)
    return steps


def _request(rng: random.Random, total: int, min_block: int) -> int:
    block = min_block << rng.choice([0, 0, 1, 1, 2, 2, 3, (total // min_block).bit_length() - 1])
    roll = rng.random()
    if roll < 0.25 or block == min_block and roll < 0.4:
        return block
    if roll < 0.4:
        return block + 1 if block < total else block
    return rng.randint(max(1, block // 2 + 1), block)


@dataclass(frozen=True)
class Step:
    """One step of a trace as the core ran it: the free lists before and after, and its events."""

    op: Operation
    before: dict[int, list[int]]
    after: dict[int, list[int]]
    events: tuple[Event, ...]


def free_lists(allocator: BuddyAllocator) -> dict[int, list[int]]:
    """The core's free lists in the students' form: ``{size: sorted addresses}``, no empty lists."""
    return {size: sorted(addresses) for size, addresses in allocator.free_lists().items()
            if addresses}


def as_operations(trace: list) -> list[Operation]:
    """A trace as Operation values, whether given as them or as their dicts (as JSON keeps
    them in a question's parameters)."""
    return [op if isinstance(op, Operation) else Operation.from_dict(op) for op in trace]


def reference(total: int, min_block: int, trace: list[Operation]) -> list[Step]:
    """Run ``trace`` through the core (policy ``lowest``) and record every step."""
    core = BuddyAllocator(total, min_block)
    steps = []
    for op in as_operations(trace):
        before = free_lists(core)
        start = core.event_count()
        core.replay([op])
        events = tuple(core.event_at(i) for i in range(start, core.event_count()))
        steps.append(Step(op, before, free_lists(core), events))
    return steps


def expected_calls(function: str, total: int, min_block: int, traces: list[list[Operation]]
                   ) -> tuple[list[list], list[list]]:
    """The calls ``function`` gets on these traces and what the core says each must give.

    Returns ``(calls, expected)``: ``calls[i]`` is the argument list,
    ``expected[i]`` is ``[result, free_after]`` (``free_after`` only where the
    free lists are compared).  Everything comes from the core's run.
    """
    check_function_name(function)
    core = BuddyAllocator(total, min_block)
    calls: list[list] = []
    expected: list[list] = []
    seen: set[str] = set()

    def add(args: list, result: object, free_after: object = None) -> None:
        key = json.dumps(args, sort_keys=True)
        if key not in seen:  # the same call twice tells nothing new
            seen.add(key)
            calls.append(args)
            expected.append([result, free_after])

    if function == "block_size":  # the edges, where rounding rules differ, come first
        for request in (1, min_block, min_block + 1, total // 2 + 1, total):
            add([request, min_block, total], core.block_size(request))
    for trace in traces:
        for step in reference(total, min_block, trace):
            kind, events = step.op.kind, step.events
            if kind == "allocate":
                request = step.op.size
                size = core.block_size(request)
                if function == "block_size":
                    add([request, min_block, total], size)
                first = events[0]
                found = None if first.kind == "fail" else [first.address, first.size]
                if function == "find_block":
                    add([step.before, size], found, step.before)
                elif function == "split" and found is not None:
                    add([step.before, found[0], found[1], size], None, step.after)
            else:
                if function == "buddy":
                    for event in events:
                        if event.kind == "merge":
                            half = event.size // 2
                            add([event.address, half], event.address + half)
                            add([event.address + half, half], event.address)
                elif function == "free_block":
                    freed, last = events[0], events[-1]
                    add([step.before, freed.address, freed.size, total],
                        [last.address, last.size], step.after)
    return calls, expected


def normalize_free(free: object) -> dict[int, list[int]] | None:
    """``{size: sorted addresses}`` without empty lists, or None if ``free`` is not free lists.

    Accepts what students naturally keep: lists, tuples or sets of addresses.
    """
    if type(free) is not dict:
        return None
    out = {}
    for size, addresses in free.items():
        if type(size) is not int or not isinstance(addresses, list | tuple):
            return None
        if any(type(address) is not int for address in addresses):
            return None
        if addresses:
            out[size] = sorted(addresses)
    return dict(sorted(out.items()))
