"""The build-your-own question: "write this function", and how an answer is judged.

The answer is the student's function itself.  It is called on every input
the contract's traces lead to (in the notebook by :func:`run_function`, under
the grader inside the student's kernel, both through :mod:`.harness`), and
the outcomes are compared with what the core did; the feedback names the
first call that differs, never the expected value.
"""

from __future__ import annotations

import json
import random

from ...core import InvalidRequest, Operation
from ..answers import Form, FormError, transport
from ..questions import scenarios
from ..questions.feedback import Feedback, right, wrong
from ..questions.question import Question, QuestionType
from . import harness, knuth
from .catalog import SPECS, check_function_name, expected_calls, random_traces
from .contract import as_operations, normalize_free, reference
from .spec import Spec


def function_question(function: str, total: int, min_block: int, traces: list[list]
                      ) -> Question:
    """The question "write ``function``", checked on the calls these traces lead to.

    ``traces`` are lists of the core's Operation values (or their dicts, as the question's
    JSON keeps them)."""
    traces = [as_operations(trace) for trace in traces]
    spec = check_function_name(function)
    calls, expected = expected_calls(function, total, min_block, traces)
    if spec.family == knuth.FAMILY:
        where = (f"a memory of {total} words (m = {total.bit_length() - 1}). "
                 f"{knuth.MEMORY_TEXT}")
    else:
        where = f"a memory of {total} units with blocks of at least {min_block}"
    prompt = (f"Write `{spec.signature}` → {spec.returns}. {spec.does}\n\n"
              f"It is checked on {len(calls)} calls taken from {len(traces)} random traces "
              f"of allocations and frees in {where}: every call must give what the kit's "
              "allocator did.")
    params = {"function": function, "total": total, "min_block": min_block,
              "traces": [[op.to_dict() for op in trace] for trace in traces], "calls": calls}
    return Question(FUNCTION, prompt, params, expected)


def generate_function_question(seed: random.Random | int | str, function: str = "split"
                               ) -> Question:
    """A "write ``function``" question on seeded random traces."""
    rng = scenarios.rng_of(seed)
    check_function_name(function)
    for _ in range(scenarios.TRIES):
        total, min_block, traces = random_traces(function, rng)
        if _telling(function, total, min_block, traces):
            break
    return function_question(function, total, min_block, traces)


def _telling(function: str, total: int, min_block: int, traces: list[list[Operation]]
             ) -> bool:
    """Whether the traces hold the cases where the common mistakes show (the core decides).

    A split must go down two levels or more; a free must merge twice in a row (a
    one-level merge passes otherwise), and an upper half must merge with its buddy (an
    ``address + size`` buddy is right for every lower half); a request must fail.
    """
    if SPECS[function].family == knuth.FAMILY:
        return knuth.telling(function, total, traces)
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
    text = harness.run_calls(function, question.params["calls"], harness.CALL_SECONDS,
                             harness.FUNCTION_BUDGET, harness.REPORT_LIMIT, transport.encode,
                             transport._quote)
    return transport.read_entry({"value": json.loads(text)})


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
            return wrong(f"{name} did not finish within {harness.CALL_SECONDS:g} s on {call[:-1]} "
                         "(an endless loop?).")
        if status == "skipped":
            return wrong(f"{name} was not called on {call[:-1]}: {_detail(outcome)}.")
        if status != "ok" or len(outcome) != 3:
            why = _detail(outcome) if status == "refused" else "the outcome is malformed"
            return wrong(f"{name} returned something that is not plain data on {call[:-1]} "
                         f"({why}).")
        result, after = outcome[1], outcome[2]
        if spec.family == knuth.FAMILY:
            mem = after[0] if type(after) is list and after else None
            why = knuth.mismatch(name, args, result, mem, want, want_free,
                                 question.params["total"])
            if why is not None:
                return wrong(f"On {call} {name} {why}")
            continue
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
    if spec.family == knuth.FAMILY:
        return knuth.call_text(spec, args)
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
