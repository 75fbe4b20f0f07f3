"""The student's five functions put together as an allocator, run beside the core.

Checking each function on its own (:mod:`.build_your_own`) says *which*
function is wrong; running them together says *where it shows*: the same
seeded traces go through the core's ``BuddyAllocator`` and through an
allocator composed of the student's functions, the states are compared after
every operation, and the first trace where they differ is kept with both
runs, so the lesson can show them side by side (``Comparison`` displays
itself as a :class:`buddy_edu.exercises.side_by_side.SideBySide`).

The composition is only glue (round, find, split, remember; look up, free):
every rule is the student's, and every expected state is the core's.  This
runs in the student's own process, for the lesson; the grader uses the
per-function checks instead, in its sandbox.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field

from ...core import BuddyAllocator, InvalidRequest, Operation
from ...core.recorded import Divergence, OpState, Run, block_text, op_text
from ..answers import transport
from . import harness
from .contract import FUNCTIONS, free_lists, normalize_free, random_traces

COMPARED_TRACES = 20  # traces compare() runs through both allocators
COMPARED_OPERATIONS = 14


@dataclass(frozen=True, repr=False)
class Comparison:
    """The result of :func:`compare`: how much agreed, and the first divergence if any."""

    traces: int
    operations: int
    divergence: Divergence | None = None
    missing: tuple[str, ...] = field(default=())

    @property
    def agrees(self) -> bool:
        """Whether every operation of every trace gave the core's state."""
        return self.divergence is None and not self.missing

    def summary(self) -> str:
        """One paragraph for students."""
        if self.missing:
            return (f"Define {', '.join(self.missing)} first (run the cells with their `def`), "
                    "then compare again.")
        if self.divergence is None:
            return (f"✓ Your functions agree with the allocator on all {self.traces} traces "
                    f"({self.operations} operations).")
        d = self.divergence
        return (f"✗ Trace {d.trace_number} differs at operation {d.op_index + 1} "
                f"({op_text(d.theirs.trace[d.op_index])}): {d.reason}")

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        import html

        return f"<p class='buddy-edu-compare'>{html.escape(self.summary())}</p>"

    def side_by_side(self):
        """A widget with the first differing trace, yours and the core's, one operation at a
        time (None when nothing differs)."""
        if self.divergence is None:
            return None
        from ...widget.side_by_side import SideBySide

        return SideBySide(self.divergence)

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(HTML(self._repr_html_()))
        view = self.side_by_side()
        if view is not None:
            display(view)


# ------------------------------------------------------------------ the core's side
def core_run(total: int, min_block: int, trace: list[Operation]) -> Run:
    """``trace`` through the core's allocator (policy ``lowest``), one state per operation."""
    core = BuddyAllocator(total, min_block)
    states = []
    for op in trace:
        core.replay([op])
        last = core.event_at(core.event_count() - 1)
        outcome = "fail" if last.kind == "fail" else "ok"
        block = None if outcome == "fail" else (last.address, last.size)
        allocated = {b.name: (b.address, b.size, b.requested) for b in core.allocations()}
        states.append(OpState(op, free_lists(core), allocated, outcome, block))
    return Run("the allocator", total, min_block, tuple(trace), tuple(states))


# ------------------------------------------------------------------ the student's side
def student_run(functions: dict, total: int, min_block: int, trace: list[Operation]) -> Run:
    """``trace`` through the student's functions; stops after the first operation that
    raises, runs too long, or returns something that cannot be used."""
    free: dict = {total: [0]}
    live: dict[str, tuple[int, int, int]] = {}
    states: list[OpState] = []

    def call(name: str, *args):
        status, value = harness.call_limited(functions[name], args, harness.CALL_SECONDS)
        if status == "timeout":
            raise _Stop(f"{name} did not finish within {harness.CALL_SECONDS:g} s")
        if status == "raised":
            raise _Stop(f"{name} raised {value}")
        return value

    for op in trace:
        outcome, block = "ok", None
        try:
            if op.kind == "allocate":
                name, request = op.name, op.size
                size = _plain(call("block_size", request, min_block, total), "block_size")
                found = _plain(call("find_block", free, size), "find_block")
                if found is None:
                    outcome = "fail"
                else:
                    address, have = _pair(found, "find_block")
                    call("split", free, address, have, size)
                    block = (address, size)
                    live[name] = (address, size, request)
            else:
                if op.name not in live:  # the allocator served it and yours did not
                    raise _Stop(f"{op.name} was never allocated by your functions")
                address, size, _ = live.pop(op.name)
                block = _pair(_plain(call("free_block", free, address, size, total),
                                     "free_block"), "free_block")
        except _Stop as stop:
            outcome = str(stop)
        status, plain = transport.read(free)
        states.append(OpState(op, normalize_free(plain) if status == "value" else None,
                              dict(live), outcome, block))
        if outcome not in ("ok", "fail"):
            break
    return Run("your functions", total, min_block, tuple(trace), tuple(states))


class _Stop(Exception):
    """A student function failed; the trace cannot go on."""


def _plain(value, name: str):
    status, plain = transport.read(value)
    if status != "value":
        raise _Stop(f"{name} returned something that is not plain data ({plain})")
    return plain


def _pair(value, name: str) -> tuple[int, int]:
    if type(value) is not list or len(value) != 2 or not all(type(v) is int for v in value):
        raise _Stop(f"{name} returned {value!r}, not an (address, size) pair")
    return value[0], value[1]


# ------------------------------------------------------------------ comparing
def first_difference(theirs: Run, core: Run) -> tuple[int, str] | None:
    """``(operation index, why)`` of the first operation whose states differ, else None."""
    for index, mine in enumerate(theirs.states):
        want = core.states[index]
        if mine.outcome not in ("ok", "fail"):
            return index, mine.outcome + "."
        if mine.outcome != want.outcome:
            if want.outcome == "fail":
                return index, "the allocator finds no free block large enough here, yours does."
            return index, "yours finds no free block large enough, the allocator does."
        if mine.op.kind == "allocate" and mine.block != want.block:
            return index, (f"yours hands out the block {block_text(mine.block)}, the "
                           f"allocator {block_text(want.block)}.")
        if mine.free is None:
            return index, "your free lists are not a dict from size to a list of addresses."
        if mine.free != want.free:
            return index, (f"the free lists differ: yours {_lists_text(mine.free)}, the "
                           f"allocator's {_lists_text(want.free)}.")
    return None


def compare(functions: dict | None = None, traces: int = COMPARED_TRACES, seed: int = 0,
            operations: int = COMPARED_OPERATIONS) -> Comparison:
    """Run ``traces`` seeded random traces through your functions and the core's allocator.

    ``functions`` is a dict holding the five functions by name: ``block_size``,
    ``find_block``, ``split``, ``buddy`` and ``free_block``.  Without it, ``compare()``
    reads those five names from the caller's global variables (in a notebook, the
    functions its cells defined), and nothing else from them.
    """
    if functions is None:
        functions = sys._getframe(1).f_globals
    if not isinstance(functions, dict):
        raise InvalidRequest("functions must be a dict holding the five functions by name, "
                             "such as globals()")
    for count, what in ((traces, "traces"), (operations, "operations")):
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 500:
            raise InvalidRequest(f"{what} must be a whole number from 1 to 500, got {count!r}")
    missing = tuple(name for name in FUNCTIONS if not callable(functions.get(name)))
    if missing:
        return Comparison(0, 0, missing=missing)
    done = 0
    for number in range(1, traces + 1):
        rng = random.Random(f"buddy-edu/compare/{seed}/{number}")
        total, min_block, (trace,) = random_traces(rng, 1, operations)
        core = core_run(total, min_block, trace)
        theirs = student_run(functions, total, min_block, trace)
        found = first_difference(theirs, core)
        if found is not None:
            index, why = found
            return Comparison(number, done + index + 1,
                              Divergence(number, index, why, theirs, core))
        done += len(trace)
    return Comparison(traces, done)


def _lists_text(free: dict) -> str:
    text = "{" + ", ".join(f"{size}: {addresses}" for size, addresses in free.items()) + "}"
    return text if len(text) <= 200 else text[:197] + "..."


