"""Questions about one allocation after a setup script: where it lands, how
many splits it causes, and whether it succeeds."""

from __future__ import annotations

import random

from ...core import BuddyAllocator, InvalidRequest, OutOfMemory, format_size
from .. import answers
from . import scenarios
from .feedback import Feedback, partial, right, wrong
from .question import Question, QuestionType
from .setups import POLICY_RULES, after, leftmost_rule, settle_address, state_before


def _rounded_down(allocator: BuddyAllocator, request: int) -> int | None:
    """The block below the request's own block, the size a student who rounds down uses."""
    size = allocator.block_size(request)
    return size // 2 if size // 2 >= allocator.min_block and size != request else None


def _rounded_down_events(allocator: BuddyAllocator, request: int) -> list | None:
    """Undo the asked request, then try the block a student who rounds down would use.

    Returns that attempt's events (None if there is no smaller block or it does not
    fit) and leaves the allocator at the state before the asked request.
    """
    down = _rounded_down(allocator, request)
    state_before(allocator)
    if down is None:
        return None
    start = allocator.position
    try:
        allocator.allocate(down, "X")
    except OutOfMemory:
        return None
    finally:
        end = allocator.position
        allocator.seek(start)
    return [allocator.event_at(index) for index in range(start, end)]


# ---------------------------------------------------------------- landing
def landing_address(setup: str, request: int | str) -> Question:
    """At which address does ``X = alloc request`` land after ``setup`` (policy ``lowest``)?"""
    request = scenarios.size_of(request)
    allocator, events, failure = after(setup, request)
    if failure is not None:
        raise InvalidRequest(f"the request does not fit after the setup: {failure}")
    block = allocator.allocations()
    address = next(b.address for b in block if b.name == "X")
    params = _placement_params(allocator, request, events)
    prompt = (f"{scenarios.setup_text(setup)}\n\n"
              f"Now `X = alloc {format_size(request)}` runs. The policy "
              f"is `lowest`: {POLICY_RULES['lowest']}. At which address does X land?")
    return Question(LANDING_ADDRESS, prompt, {"setup": setup, "request": request, **params},
                    address)


def _placement_params(allocator: BuddyAllocator, request: int, events) -> dict:
    """What the misconception checks need to know about the state before the request."""
    splits = [[e.address, e.size] for e in events if e.kind == "split"]
    need = allocator.block_size(request)
    down = _rounded_down_events(allocator, request)
    down_address = down[-1].address if down else None  # the last event is the allocation
    return {"block": need, "splits": splits, "free_before": [list(b) for b in
                                                             allocator.free_blocks()],
            "rounded_down_address": down_address}


def generate_landing_address(seed: random.Random | int | str, frees: bool | None = None
                             ) -> Question:
    """A request after a random setup; ``frees=True`` makes the setup free some blocks."""
    rng = scenarios.rng_of(seed)
    frees = rng.random() < 0.5 if frees is None else frees

    def make(rng: random.Random):
        total, min_block = scenarios.memory(rng)
        lines = scenarios.random_lines(rng, total, min_block, rng.randint(3, 7),
                                       free_share=0.35 if frees else 0.0)
        if frees and not any(line.startswith("free") for line in lines):
            return None
        setup = scenarios.script([scenarios.header(total, min_block)] + lines)
        allocator = scenarios.run(setup)
        free = allocator.free_blocks()
        if not free:
            return None
        size = rng.choice([s for _, s in free])
        block = size >> rng.randint(0, 1) if size > min_block else size
        request = scenarios.request(rng, min_block, block, rng.random() < 0.15)
        try:
            placed = allocator.allocate(request, "X")
        except OutOfMemory:
            return None
        if placed.address == 0 and rng.random() < 0.8:
            return None
        return setup, request

    found = scenarios.search(rng, make, lambda: ("memory 1M min 64K\nA = alloc 100K\n", 40960))
    return landing_address(*found)


def _judge_landing(question: Question, value: int | tuple[int, int]) -> Feedback:
    params = question.params
    value, settled = settle_address(question, value)
    if settled is not None:
        return settled
    free = {address: size for address, size in params["free_before"]}
    if value == params["rounded_down_address"] or (
            value in free and params["request"] <= free[value] < params["block"]):
        return wrong("Round the request UP to a block size that holds all of it; a block "
                     "smaller than that is too small, even if the request almost fits.",
                     "no-round-up")
    if value in free and free[value] < params["block"]:
        return wrong("The free block at that address is too small for the request.")
    if params["splits"]:
        top_address, top_size = params["splits"][0]
        if value in (top_address + top_size - params["block"], top_address + params["block"]):
            return wrong("When a block is split for a request, the request gets the lower half; "
                         "the upper half stays free.", "took-upper-half")
    if value == leftmost_rule(params["free_before"], params["block"]):
        return wrong("That is first fit by address. The `lowest` policy prefers the smallest "
                     "free block that fits and splits a bigger block only when it must.",
                     "first-fit")
    return wrong("Not there. Round the request up, look for the smallest free block that fits "
                 "(lowest address first), and split it down if it is bigger.")


LANDING_ADDRESS = QuestionType(
    kind="landing_address", title="Where a request lands", form=answers.ADDRESS,
    judge=_judge_landing, build=landing_address, generate=generate_landing_address,
    setup_picture=True,
)


# ---------------------------------------------------------------- split count
def split_count(setup: str, request: int | str) -> Question:
    """How many splits does ``X = alloc request`` cause after ``setup``?"""
    request = scenarios.size_of(request)
    allocator, events, failure = after(setup, request)
    if failure is not None:
        raise InvalidRequest(f"the request does not fit after the setup: {failure}")
    answer = sum(1 for event in events if event.kind == "split")
    need = allocator.block_size(request)
    down = _rounded_down_events(allocator, request)
    down_splits = None if down is None else sum(1 for e in down if e.kind == "split")
    prompt = (f"{scenarios.setup_text(setup)}\n\n"
              f"Now `X = alloc {format_size(request)}` runs (policy "
              f"`lowest`: {POLICY_RULES['lowest']}). How many times is a block split?")
    params = {"setup": setup, "request": request, "block": need, "total": allocator.total,
              "rounded_down_splits": down_splits}
    return Question(SPLIT_COUNT, prompt, params, answer)


def generate_split_count(seed: random.Random | int | str, least: int | None = None
                         ) -> Question:
    """A request that causes at least ``least`` splits; by default a number of splits drawn
    from 0 to 3 (0 least often), so no constant answer earns much."""
    rng = scenarios.rng_of(seed)
    target = rng.choice((0, 1, 1, 2, 2, 3, 3)) if least is None else None

    def make(rng: random.Random):
        total, min_block = scenarios.memory(rng)
        lines = scenarios.random_lines(rng, total, min_block, rng.randint(1, 5), free_share=0.2)
        setup = scenarios.script([scenarios.header(total, min_block)] + lines)
        allocator = scenarios.run(setup)
        levels = (total // min_block).bit_length() - 1
        block = min_block << rng.randint(0, max(0, levels - 2))
        request = scenarios.request(rng, min_block, block, rng.random() < 0.15)
        start = allocator.position
        try:
            allocator.allocate(request, "X")
        except OutOfMemory:
            return None
        splits = sum(1 for e in allocator.events[start:] if e.kind == "split")
        wanted = splits == target if target is not None else splits >= least
        return (setup, request) if wanted else None

    found = scenarios.search(rng, make, lambda: ("memory 1M min 64K\nA = alloc 100K\n", 40960))
    return split_count(*found)


def _judge_splits(question: Question, value: int) -> Feedback:
    params, answer = question.params, question.answer
    if value == answer:
        return right()
    if params["rounded_down_splits"] is not None and value == params["rounded_down_splits"]:
        return wrong("Round the request up to its block size first: splitting stops at the "
                     "block that holds the whole request.", "no-round-up")
    from_top = (params["total"] // params["block"]).bit_length() - 1
    if value == from_top:
        return wrong("Splitting starts from the smallest free block that fits, not from the "
                     "whole memory: blocks split earlier are reused.", "split-from-top")
    if value > answer:
        return wrong("Too many: splitting stops as soon as a half is the rounded-up size of the "
                     "request, and it starts from the smallest free block that fits.")
    return wrong("Too few: the smallest free block that fits is halved again and again until a "
                 "half is the rounded-up size of the request; count every halving.")


SPLIT_COUNT = QuestionType(
    kind="split_count", title="Splits caused by a request", form=answers.COUNT,
    judge=_judge_splits, build=split_count, generate=generate_split_count,
    setup_picture=True,
)


# -------------------------------------------------------------- will succeed
def will_succeed(setup: str, request: int | str) -> Question:
    """Does ``X = alloc request`` succeed after ``setup``, and if not, why?"""
    request = scenarios.size_of(request)
    allocator, _, failure = after(setup, request)
    need = allocator.block_size(request)
    if failure is None:
        state_before(allocator)
    stats = allocator.stats()  # a failure changes no block: this is the state before it
    if failure is None:
        answer = answers.SUCCEEDS
    elif stats.free >= need:
        answer = answers.EXTERNAL
    else:
        answer = answers.NOT_ENOUGH
    prompt = (f"{scenarios.setup_text(setup)}\n\n"
              f"Now `X = alloc {format_size(request)}` runs. Does it "
              "succeed? If not, is it because of **external fragmentation** (enough memory is "
              "free in total for the rounded-up block, but no single free block is big enough) "
              "or because **not enough memory** is free in total for the rounded-up block? "
              "Answer `\"succeeds\"`, `\"fails: external fragmentation\"` or "
              "`\"fails: not enough memory\"`.")
    params = {"setup": setup, "request": request, "block": need, "free": stats.free,
              "largest_free": stats.largest_free}
    return Question(WILL_SUCCEED, prompt, params, answer)


OUTCOMES = answers.OUTCOMES
# Success is drawn least often, so answering "succeeds" every time earns little.
_DRAW = (answers.SUCCEEDS, answers.EXTERNAL, answers.EXTERNAL, answers.NOT_ENOUGH,
         answers.NOT_ENOUGH)


def generate_will_succeed(seed: random.Random | int | str, outcome: str | None = None
                          ) -> Question:
    """A request with the given outcome (one of ``OUTCOMES``; by default drawn at random,
    success one time in five and each failure two times in five)."""
    rng = scenarios.rng_of(seed)
    outcome = rng.choice(_DRAW) if outcome is None else outcome
    if outcome not in OUTCOMES:
        raise InvalidRequest(f"outcome must be one of {', '.join(map(repr, OUTCOMES))}")

    def make(rng: random.Random):
        total, min_block = scenarios.memory(rng)
        lines = scenarios.random_lines(rng, total, min_block, rng.randint(6, 12), free_share=0.3)
        setup = scenarios.script([scenarios.header(total, min_block)] + lines)
        stats = scenarios.run(setup).stats()
        largest, free = stats.largest_free, stats.free
        if outcome == answers.SUCCEEDS:
            if not largest:
                return None
            block = largest >> rng.randint(0, 1) if largest > min_block else largest
        elif outcome == answers.EXTERNAL:
            block = max(largest * 2, min_block)
            if not (largest < block <= free):
                return None
        else:
            block = min_block
            while block <= free:
                block *= 2
            if block > total:
                return None
        request = scenarios.request(rng, min_block, block, rng.random() < 0.15)
        question = will_succeed(setup, request)
        return question if question.answer == outcome else None

    fallback = {
        answers.SUCCEEDS: "memory 1M min 64K\nA = alloc 100K\n",
        answers.EXTERNAL: "memory 1M min 64K\nA = alloc 200K\nB = alloc 200K\nC = alloc 200K\n"
                          "D = alloc 200K\nfree A\nfree C\n",
        answers.NOT_ENOUGH: "memory 1M min 64K\nA = alloc 500K\nB = alloc 300K\n",
    }
    request = {answers.SUCCEEDS: 40960, answers.EXTERNAL: 307200, answers.NOT_ENOUGH: 307200}
    return scenarios.search(rng, make,
                            lambda: will_succeed(fallback[outcome], request[outcome]))


def _judge_outcome(question: Question, value: str) -> Feedback:
    params, answer = question.params, question.answer
    if value == answer:
        return right()
    if value == answers.FAILS:
        if answer == answers.SUCCEEDS:
            return wrong("Look again for a free block of at least the rounded-up size.")
        return partial(0.25, "It does fail; now say why: is enough memory free in total for "
                             "the rounded-up block, or not?")
    if value == answers.INTERNAL:
        return wrong("Internal fragmentation is waste inside allocated blocks; it never makes a "
                     "request fail by itself. Look at how the free memory is laid out.",
                     "internal-vs-external")
    unrounded_fits = params["free"] >= params["request"]
    if value == answers.SUCCEEDS:
        if answer == answers.EXTERNAL:
            return wrong("The total of all free memory does not decide it: the request needs "
                         "ONE free block of at least its rounded-up size.",
                         "ignores-fragmentation")
        if unrounded_fits:
            return wrong("The request is first rounded up to a block size, and it is that "
                         "rounded size which must fit.", "no-round-up")
        return wrong("Compare the rounded-up request with the free blocks, and with all the "
                     "free memory together.")
    if answer == answers.SUCCEEDS:
        return wrong("Look again for a free block of at least the rounded-up size.")
    if value == answers.EXTERNAL:
        if unrounded_fits:
            return wrong("Round the request up to its block size before comparing it with the "
                         "free memory in total.", "no-round-up")
        return wrong("Add up all the free memory and compare it with the rounded-up request.")
    return wrong("Add up all the free memory and compare it with the rounded-up request.")


WILL_SUCCEED = QuestionType(
    kind="will_succeed", title="Will the request succeed?", form=answers.OUTCOME,
    judge=_judge_outcome, build=will_succeed, generate=generate_will_succeed,
    setup_picture=True,
)
