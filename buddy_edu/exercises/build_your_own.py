"""Build your own allocator: the five functions students write, and how each is checked.

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

Each function is checked on its own, by differential testing: seeded random
traces of allocations and frees run through the core's ``BuddyAllocator``,
and every call the function would see on the way (with the core's state as
the input) must give what the core did.  The answers are read from the core's
events and free lists, never computed by a second copy of the rules.  The
calls go through :mod:`.calls`, in the notebook and in the grader alike.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from ..core import BuddyAllocator, Event, InvalidRequest, OutOfMemory
from . import calls as calling
from . import scenarios, wire
from .answers import Form, FormError
from .feedback import Feedback, right, wrong
from .question import Question, QuestionType

#: Memories of the traces: (total, min_block) in plain units, small enough to read.
MEMORIES = ((1024, 64), (512, 32), (2048, 128), (1024, 32), (256, 16))
TRACES = 4
OPERATIONS = 16


@dataclass(frozen=True)
class Spec:
    """One function of the contract: its signature, what it must do, and how it is compared.

    ``compare`` lists what must agree with the core: ``"result"`` (what the
    function returns) and/or ``"free"`` (the free lists, its first argument,
    as the function left them).
    """

    name: str
    parameters: tuple[str, ...]
    returns: str
    does: str
    compare: tuple[str, ...]

    @property
    def signature(self) -> str:
        """``split(free, address, size, wanted)``."""
        return f"{self.name}({', '.join(self.parameters)})"


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
    """The spec of function ``name``; InvalidRequest naming the five otherwise."""
    if isinstance(name, str) and name in SPECS:
        return SPECS[name]
    raise InvalidRequest(f"unknown function {name!r}: the build-your-own functions are "
                         f"{', '.join(FUNCTIONS)}")


# ----------------------------------------------------------------- traces
def random_traces(rng: random.Random, count: int = TRACES, operations: int = OPERATIONS
                  ) -> tuple[int, int, list[list[list]]]:
    """``(total, min_block, traces)``: ``count`` random traces over one memory.

    A trace is a list of ``["alloc", name, request]`` and ``["free", name]``
    steps; it ends by asking for the whole memory (which fails while anything is
    allocated) and freeing whatever is still allocated, so that frees merge all
    the way up.  Some requests are exact block sizes, some are one unit
    over one, and some are too large to fit, because the rules differ there.
    """
    total, min_block = rng.choice(MEMORIES)
    traces = []
    for _ in range(count):
        core = BuddyAllocator(total, min_block)  # only to know which names are live
        live: list[str] = []
        steps: list[list] = []
        number = 0
        for _ in range(operations):
            if live and (rng.random() < 0.4 or len(live) >= 8):
                name = live.pop(rng.randrange(len(live)))
                core.free(name)
                steps.append(["free", name])
                continue
            number += 1
            name = f"P{number}"
            request = _request(rng, total, min_block)
            steps.append(["alloc", name, request])
            try:
                core.allocate(request, name)
            except OutOfMemory:
                continue
            live.append(name)
        if live:  # the whole memory while something is allocated: find_block finds nothing
            steps.append(["alloc", f"P{number + 1}", total])
        rng.shuffle(live)
        steps.extend(["free", name] for name in live)
        traces.append(steps)
    return total, min_block, traces


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

    op: list
    before: dict[int, list[int]]
    after: dict[int, list[int]]
    events: tuple[Event, ...]


def free_lists(allocator: BuddyAllocator) -> dict[int, list[int]]:
    """The core's free lists in the students' form: ``{size: sorted addresses}``, no empty lists."""
    return {size: sorted(addresses) for size, addresses in allocator.free_lists().items()
            if addresses}


def reference(total: int, min_block: int, trace: list[list]) -> list[Step]:
    """Run ``trace`` through the core (policy ``lowest``) and record every step."""
    core = BuddyAllocator(total, min_block)
    steps = []
    for op in trace:
        before = free_lists(core)
        start = core.event_count()
        if op[0] == "alloc":
            try:
                core.allocate(op[2], op[1])
            except OutOfMemory:
                pass
        else:
            core.free(op[1])
        events = tuple(core.event_at(i) for i in range(start, core.event_count()))
        steps.append(Step(op, before, free_lists(core), events))
    return steps


def expected_calls(function: str, total: int, min_block: int, traces: list[list[list]]
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
            kind, events = step.op[0], step.events
            if kind == "alloc":
                request = step.op[2]
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


# ----------------------------------------------------------------- questions
def function_question(function: str, total: int, min_block: int, traces: list[list[list]]
                      ) -> Question:
    """The question "write ``function``", checked on the calls these traces lead to."""
    spec = check_function_name(function)
    calls, expected = expected_calls(function, total, min_block, traces)
    prompt = (f"Write `{spec.signature}` → {spec.returns}. {spec.does}\n\n"
              f"It is checked on {len(calls)} calls taken from {len(traces)} random traces "
              f"of allocations and frees in a memory of {total} units with blocks of at "
              f"least {min_block}: every call must give what the kit's allocator did.")
    params = {"function": function, "total": total, "min_block": min_block,
              "traces": traces, "calls": calls}
    return Question(FUNCTION, prompt, params, expected)


def generate_function_question(seed: random.Random | int | str, function: str = "split"
                               ) -> Question:
    """A "write ``function``" question on seeded random traces."""
    rng = scenarios.rng_of(seed)
    check_function_name(function)
    for _ in range(scenarios.TRIES):
        total, min_block, traces = random_traces(rng)
        if _telling(function, total, min_block, traces):
            break
    return function_question(function, total, min_block, traces)


def _telling(function: str, total: int, min_block: int, traces: list[list[list]]) -> bool:
    """Whether the traces hold the cases where the common mistakes show (the core decides).

    A split must go down two levels or more; a free must merge twice in a row (a
    one-level merge passes otherwise), and an upper half must merge with its buddy (an
    ``address + size`` buddy is right for every lower half); a request must fail.
    """
    deep_split = double_merge = upper_merge = failed = False
    for trace in traces:
        for step in reference(total, min_block, trace):
            kinds = [event.kind for event in step.events]
            deep_split |= kinds.count("split") >= 2
            failed |= "fail" in kinds
            if kinds and kinds[0] == "free":
                freed = step.events[0]
                merges = kinds.count("merge")
                double_merge |= merges >= 2
                upper_merge |= merges >= 1 and freed.address % (2 * freed.size) == freed.size
    return {"block_size": True, "find_block": failed, "split": deep_split,
            "buddy": upper_merge, "free_block": double_merge and upper_merge}[function]


def check_function(name: str, function: object, seed: int | str = 0) -> Feedback:
    """Check one of your functions the way the assignment does, on practice traces.

    ``name`` is which of the five it is (``"split"``); the feedback names the first
    call where it differs from the allocator.  The graded assignment uses other
    traces, made for your student id.
    """
    check_function_name(name)
    if isinstance(seed, bool) or not isinstance(seed, int | str):
        raise InvalidRequest(f"seed must be a whole number or a text, got {seed!r}")
    question = generate_function_question(random.Random(f"buddy-edu/practice/{name}/{seed}"),
                                          name)
    return question.check(function)


def run_function(question: Question, function: object) -> tuple[str, object]:
    """Call the student's ``function`` on the question's calls in this process, exactly as the
    grader's probe does in the kernel: ``("value", outcomes)`` or ``("problem", why)``."""
    name = question.params["function"]
    if not callable(function):
        return "problem", (f"{name} is not a function: define it with `def "
                           f"{SPECS[name].signature}:` and pass the function itself")
    text = calling.run_calls(function, question.params["calls"], calling.CALL_SECONDS,
                             calling.FUNCTION_BUDGET, calling.REPORT_LIMIT, wire.encode,
                             wire._quote)
    return wire.read_entry({"value": json.loads(text)})


def _parse_outcomes(params: dict, value: object) -> list:
    if type(value) is not list or len(value) != len(params["calls"]):
        raise FormError("the calls' report does not have one outcome per call")
    for outcome in value:
        if type(outcome) is not list or not outcome or type(outcome[0]) is not str:
            raise FormError("a call's outcome is malformed")
    return value


def _judge_function(question: Question, outcomes: list) -> Feedback:
    name = question.params["function"]
    spec = SPECS[name]
    calls = question.params["calls"]
    for number, (args, outcome, (want, want_free)) in enumerate(
            zip(calls, outcomes, question.answer, strict=True), start=1):
        call = f"call {number} of {len(calls)}, {_call_text(spec, args)},"
        status = outcome[0]
        if status == "raised":
            return wrong(f"{name} raised {_detail(outcome)} on {call[:-1]}.")
        if status == "timeout":
            return wrong(f"{name} did not finish within {calling.CALL_SECONDS:g} s on {call[:-1]} "
                         "(an endless loop?).")
        if status == "skipped":
            return wrong(f"{name} was not called on {call[:-1]}: {_detail(outcome)}.")
        if status != "ok" or len(outcome) != 3:
            why = _detail(outcome) if status == "refused" else "the outcome is malformed"
            return wrong(f"{name} returned something that is not plain data on {call[:-1]} "
                         f"({why}).")
        result, after = outcome[1], outcome[2]
        if "result" in spec.compare and _block(result) != _block(want):
            return wrong(f"On {call} {name} returned {_short(result)}; the allocator's answer "
                         "is different.")
        if "free" in spec.compare:
            free_after = normalize_free(after[0] if type(after) is list and after else None)
            if free_after is None:
                return wrong(f"On {call} {name} left `free` as something that is not a dict "
                             "from block size to a list of addresses.")
            if free_after != normalize_free(want_free):
                return wrong(f"On {call} {name} left `free` as {_short(free_after)}; "
                             f"{_difference(free_after, normalize_free(want_free))}")
    return right(f"{name} agrees with the allocator on all {len(calls)} calls.")


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


def _block(value: object) -> object:
    """A returned pair as a tuple (a list and a tuple are the same answer)."""
    if type(value) in (list, tuple) and len(value) == 2:
        return tuple(value)
    return value


def _difference(have: dict, want: dict) -> str:
    """Counts of wrong and missing free blocks, without naming the missing ones."""
    mine = {(a, s) for s, addresses in have.items() for a in addresses}
    theirs = {(a, s) for s, addresses in want.items() for a in addresses}
    extra, missing = len(mine - theirs), len(theirs - mine)
    parts = []
    if extra:
        parts.append(f"{extra} of its free blocks should not be free")
    if missing:
        parts.append(f"{missing} free block{'s are' if missing > 1 else ' is'} missing")
    if not parts:
        parts.append("an address is listed twice")
    return "; ".join(parts) + "."


def _detail(outcome: list) -> str:
    return str(outcome[1]) if len(outcome) > 1 else "no detail"


def _call_text(spec: Spec, args: list) -> str:
    pairs = ", ".join(f"{name}={_short(value)}" for name, value in
                      zip(spec.parameters, args, strict=False))
    return f"`{spec.name}({pairs})`"


def _short(value: object, limit: int = 160) -> str:
    text = repr(tuple(value) if type(value) is list and len(value) == 2
                and all(type(v) is int for v in value) else value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


FUNCTION_FORM = Form(
    text="the function itself: its name without brackets, as in `ex.check(\"q1\", block_size)`",
    example="block_size",
    parse=_parse_outcomes,
)


def _answer_cell(qid: str, options: dict) -> str:
    """The cell a student notebook gives for writing the function: a signature to fill in."""
    spec = check_function_name(options.get("function"))
    doc = "\n".join(f"    {line}" for line in _wrap(spec.does, 88))
    return (f"def {spec.signature}:\n    \"\"\"\n{doc}\n    \"\"\"\n"
            f"    raise NotImplementedError(\"write {spec.name}\")\n\n\n"
            f'ex.check("{qid}", {spec.name})')


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width)


FUNCTION = QuestionType(
    kind="function", title="Write a function", form=FUNCTION_FORM, judge=_judge_function,
    build=function_question, generate=generate_function_question,
    run=run_function, answer_cell=_answer_cell,
)
