"""Every build-your-own function, lesson 6's and Knuth's, behind one set of calls.

The judge (:mod:`.judge`) and the course's sealed checks (``course.sealing``) ask here
which traces a function is checked on, which calls and expected outcomes those traces
give, and what of one outcome must agree with the core; each family answers from its own
module (:mod:`.contract`, :mod:`.knuth`).
"""

from __future__ import annotations

import random

from ...core import InvalidRequest, Operation
from . import contract, knuth
from .spec import Spec

SPECS: dict[str, Spec] = {**contract.SPECS, **knuth.SPECS}


def check_function_name(name: object) -> Spec:
    """The spec of function ``name``; InvalidRequest naming every function otherwise."""
    if isinstance(name, str) and name in SPECS:
        return SPECS[name]
    raise InvalidRequest(f"unknown function {name!r}: the build-your-own functions are "
                         f"{', '.join(SPECS)}")


def random_traces(name: str, rng: random.Random) -> tuple[int, int, list[list[Operation]]]:
    """``(total, min_block, traces)`` for a question on function ``name``."""
    if SPECS[name].family == knuth.FAMILY:
        return knuth.random_traces(rng)
    return contract.random_traces(rng)


def expected_calls(name: str, total: int, min_block: int, traces: list[list[Operation]]
                   ) -> tuple[list[list], list[list]]:
    """The calls function ``name`` gets on these traces, and what the core says each gives."""
    if check_function_name(name).family == knuth.FAMILY:
        return knuth.expected_calls(name, total, traces)
    return contract.expected_calls(name, total, min_block, traces)


def call_reading(name: str, result: object, after: object, total: int) -> dict:
    """What of one call's outcome must agree with the core: the same reading for the core's
    expected outcome and for a student's (the sealed checks hash it).  ``after`` is the
    first argument as the call left it."""
    spec = SPECS[name]
    if spec.family == knuth.FAMILY:
        return knuth.reading(name, result, after, total)
    reading: dict = {}
    if "result" in spec.compare:
        reading["result"] = list(result) if isinstance(result, list | tuple) \
            and len(result) == 2 else result
    if "free" in spec.compare:
        reading["free"] = contract.normalize_free(after)
    return reading
