"""The student's five functions put together as an allocator, run beside the core.

Checking each function on its own (:mod:`.build_your_own`) says *which*
function is wrong; running them together says *where it shows*: the same
seeded traces go through the core's ``BuddyAllocator`` and through an
allocator composed of the student's functions, the states are compared after
every operation, and the first trace where they differ is kept with both
runs, so the lesson can show them side by side (``Comparison`` displays
itself as a :class:`SideBySide`, at the end of this module: the view and the
runs it draws change together).

The composition is only glue (round, find, split, remember; look up, free):
every rule is the student's, and every expected state is the core's.  This
runs in the student's own process, for the lesson; the grader uses the
per-function checks instead, in its sandbox.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from html import escape

import ipywidgets as widgets
import traitlets

from .. import render
from ..core import Block, BuddyAllocator, Event, InvalidRequest, OutOfMemory, format_size
from ..core.tree import format_tree
from . import calls as calling
from . import wire
from .build_your_own import FUNCTIONS, free_lists, normalize_free, random_traces

TRACES = 20
OPERATIONS = 14


@dataclass(frozen=True)
class OpState:
    """The state after one operation of a trace, as one side (student or core) saw it.

    ``free`` is ``{size: sorted addresses}`` (None if the free lists could not
    be read); ``allocated`` maps names to ``(address, size, requested)``;
    ``outcome`` is ``"ok"``, ``"fail"`` (no block was large enough) or a
    sentence saying which function raised or ran too long; ``block`` is the
    block handed out, or the free block a free ended with.
    """

    op: tuple
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
    trace: tuple
    states: tuple[OpState, ...]


@dataclass(frozen=True)
class Divergence:
    """Where the student's allocator first differs from the core's, and both runs up to there."""

    trace_number: int
    op_index: int
    reason: str
    theirs: Run
    core: Run


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
        return SideBySide(self.divergence)

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(HTML(self._repr_html_()))
        view = self.side_by_side()
        if view is not None:
            display(view)


def op_text(op) -> str:
    """``alloc P3 100`` or ``free P3``, for captions."""
    if op[0] == "alloc":
        return f"{op[1]} = alloc {format_size(op[2])}"
    return f"free {op[1]}"


# ------------------------------------------------------------------ the core's side
def core_run(total: int, min_block: int, trace) -> Run:
    """``trace`` through the core's allocator (policy ``lowest``), one state per operation."""
    core = BuddyAllocator(total, min_block)
    states = []
    for op in trace:
        outcome = "ok"
        if op[0] == "alloc":
            try:
                placed = core.allocate(op[2], op[1])
                block = (placed.address, placed.size)
            except OutOfMemory:
                outcome, block = "fail", None
        else:
            core.free(op[1])
            last = core.event_at(core.event_count() - 1)
            block = (last.address, last.size)
        allocated = {b.name: (b.address, b.size, b.requested) for b in core.allocations()}
        states.append(OpState(tuple(op), free_lists(core), allocated, outcome, block))
    return Run("the allocator", total, min_block, tuple(map(tuple, trace)), tuple(states))


# ------------------------------------------------------------------ the student's side
def student_run(functions: dict, total: int, min_block: int, trace) -> Run:
    """``trace`` through the student's functions; stops after the first operation that
    raises, runs too long, or returns something that cannot be used."""
    free: dict = {total: [0]}
    live: dict[str, tuple[int, int, int]] = {}
    states: list[OpState] = []

    def call(name: str, *args):
        status, value = calling.call_limited(functions[name], args, calling.CALL_SECONDS)
        if status == "timeout":
            raise _Stop(f"{name} did not finish within {calling.CALL_SECONDS:g} s")
        if status == "raised":
            raise _Stop(f"{name} raised {value}")
        return value

    for op in trace:
        outcome, block = "ok", None
        try:
            if op[0] == "alloc":
                name, request = op[1], op[2]
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
                if op[1] not in live:  # the allocator served it and yours did not
                    raise _Stop(f"{op[1]} was never allocated by your functions")
                address, size, _ = live.pop(op[1])
                block = _pair(_plain(call("free_block", free, address, size, total),
                                     "free_block"), "free_block")
        except _Stop as stop:
            outcome = str(stop)
        status, plain = wire.read(free)
        states.append(OpState(tuple(op), normalize_free(plain) if status == "value" else None,
                              dict(live), outcome, block))
        if outcome not in ("ok", "fail"):
            break
    return Run("your functions", total, min_block, tuple(map(tuple, trace)), tuple(states))


class _Stop(Exception):
    """A student function failed; the trace cannot go on."""


def _plain(value, name: str):
    status, plain = wire.read(value)
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
        if mine.op[0] == "alloc" and mine.block != want.block:
            return index, (f"yours hands out the block {_block_text(mine.block)}, the "
                           f"allocator {_block_text(want.block)}.")
        if mine.free is None:
            return index, "your free lists are not a dict from size to a list of addresses."
        if mine.free != want.free:
            return index, (f"the free lists differ: yours {_lists_text(mine.free)}, the "
                           f"allocator's {_lists_text(want.free)}.")
    return None


def compare(functions: dict | None = None, traces: int = TRACES, seed: int = 0,
            operations: int = OPERATIONS) -> Comparison:
    """Run ``traces`` seeded random traces through your functions and the core's allocator.

    ``functions`` is a dict holding the five functions by name (default: the
    caller's global variables, i.e. what you defined in the notebook).
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


def _block_text(block) -> str:
    return "none" if block is None else f"({block[0]}, {block[1]})"


def _lists_text(free: dict) -> str:
    text = "{" + ", ".join(f"{size}: {addresses}" for size, addresses in free.items()) + "}"
    return text if len(text) <= 200 else text[:197] + "..."


# ------------------------------------------------------------------ pictures
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
        if op[0] == "alloc":
            requested = op[2]
            if state.outcome == "ok":
                return Event("allocate", state.block[0], state.block[1], op[1], requested, index)
            size = state.block[1] if state.block else requested
            return Event("fail", None, size, op[1], requested, index)
        before = self.run.states[index - 1].allocated if index else {}
        address, size, requested = before.get(op[1], (0, 0, 0))
        if state.block is not None and state.block != (address, size):
            return Event("merge", state.block[0], state.block[1], op[1], requested, index)
        return Event("free", address, size, op[1], requested, index)

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
        return text + f" → block {_block_text(state.block)}."


# ------------------------------------------------------------------ the view
_STYLE = """<style>
.buddy-side h4 {margin: 4px 0}
.buddy-side table {border-collapse: collapse; font-size: 0.85em}
.buddy-side th, .buddy-side td {border: 1px solid var(--jp-border-color1, #bbb);
  padding: 1px 5px; text-align: left}
.buddy-side svg {max-width: 100%; height: auto}
.buddy-side-differs {outline: 3px solid #D55E00; outline-offset: 2px}
</style>"""


class SideBySide(widgets.VBox):
    """Step through the first differing trace: your functions on the left, the core's
    allocator on the right.  ``position`` is how many operations are applied; it starts
    just after the operation where the two first differ."""

    position = traitlets.Int(0, help="How many operations of the trace are applied.")

    def __init__(self, divergence: Divergence, **kwargs) -> None:
        self.divergence = divergence
        self._sides = (RecordedRun(divergence.theirs), RecordedRun(divergence.core))
        count = len(divergence.theirs.states)  # the student's run stops where it broke
        self._differs = divergence.op_index + 1
        reason = divergence.reason[:1].upper() + divergence.reason[1:]
        head = widgets.HTML(
            f"{_STYLE}<b>Trace {divergence.trace_number}</b>: the first difference is at "
            f"operation {self._differs}. {escape(reason)}")
        self._slider = widgets.IntSlider(value=self._differs, min=0, max=count,
                                         description="Operation", continuous_update=False)
        back = widgets.Button(description="◀ Back", layout=widgets.Layout(width="auto"))
        forward = widgets.Button(description="Forward ▶", layout=widgets.Layout(width="auto"))
        jump = widgets.Button(description="First difference",
                              layout=widgets.Layout(width="auto"))
        back.on_click(lambda _b: self._move(self.position - 1))
        forward.on_click(lambda _b: self._move(self.position + 1))
        jump.on_click(lambda _b: self._move(self._differs))
        self._panes = [widgets.HTML(layout=widgets.Layout(width="50%", padding="0 6px"))
                       for _ in self._sides]
        for pane in self._panes:
            pane.add_class("buddy-side")
        widgets.link((self._slider, "value"), (self, "position"))
        super().__init__([head, widgets.HBox([back, self._slider, forward, jump]),
                          widgets.HBox(self._panes)], **kwargs)
        self.add_class("buddy-side-by-side")
        self.observe(lambda _change: self._show(), "position")
        self.position = self._differs
        self._show()

    def _move(self, position: int) -> None:
        self.position = max(0, min(self._slider.max, position))

    def _show(self) -> None:
        for pane, side, title in zip(self._panes, self._sides,
                                     ("Your functions", "The allocator (core)"), strict=True):
            pane.value = self.pane_html(side, title)

    def pane_html(self, side: RecordedRun, title: str) -> str:
        """One side at the current position: narration, tree, memory map and free lists."""
        side.seek(self.position)
        differs = self.position == self._differs
        parts = [f"<h4>{escape(title)}</h4>",
                 f"<div class='{'buddy-side-differs' if differs else ''}'>"
                 f"{escape(side.caption())}</div>"]
        if side.tiles():
            try:
                parts.append(render.to_svg(side, self.position))
            except Exception:  # the picture is a help: fall back to the text tree
                parts.append(f"<pre>{escape(format_tree(side))}</pre>")
        else:
            parts.append("<p><i>These blocks do not cover the memory exactly with aligned "
                         "blocks, so there is no tree to draw.</i></p>")
        parts.append(render.memory_strip_svg(side, self.position, legend=False))
        parts.append(render.free_lists_html(side, self.position))
        return "".join(parts)
