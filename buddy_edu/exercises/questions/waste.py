"""Questions about what the buddy system wastes: the largest request that still fits
(external fragmentation remains), and the worst waste inside one block (the bound is
against the block, not the request)."""

from __future__ import annotations

import random

from ...core import BuddyAllocator, InvalidRequest, format_size
from .. import answers
from . import scenarios
from .feedback import Feedback, right, wrong
from .question import Question, QuestionType

K = 1024


# ------------------------------------------------------------ largest request
def largest_request(setup: str) -> Question:
    """After ``setup``, what is the largest request that still succeeds?

    The answer is the core's largest free block: a request succeeds exactly when
    its rounded-up size fits one free block.
    """
    allocator = scenarios.run(setup)
    stats = allocator.stats()
    answer = stats.largest_free
    if answer == 0:
        raise InvalidRequest("after this setup no request fits at all: free some memory first")
    prompt = (f"{scenarios.setup_text(setup)}\n\nWhat is the **largest request** that "
              "`X = alloc SIZE` could make now and still succeed? Give SIZE.")
    params = {"setup": setup, "free": stats.free, "joined": _largest_free_run(allocator),
              "min_block": allocator.min_block}
    return Question(LARGEST_REQUEST, prompt, params, answer)


def _largest_free_run(allocator: BuddyAllocator) -> int:
    """The most free memory lying side by side, across blocks that are not buddies."""
    best = run = 0
    end = None
    for address, size in sorted(allocator.free_blocks()):
        run = run + size if address == end else size
        end = address + size
        best = max(best, run)
    return best


def generate_largest_request(seed: random.Random | int | str) -> Question:
    """A state where free memory is split: its total is more than the largest free block."""
    rng = scenarios.rng_of(seed)

    def make(rng: random.Random):
        total, min_block = scenarios.memory(rng)
        lines = scenarios.random_lines(rng, total, min_block, rng.randint(6, 11), free_share=0.4)
        setup = scenarios.script([scenarios.header(total, min_block)] + lines)
        allocator = scenarios.run(setup)
        free = allocator.free_blocks()
        if len(free) < 2 or not allocator.allocations():
            return None
        if allocator.stats().free <= max(size for _, size in free):
            return None
        return largest_request(setup)

    fallback = ("memory 1M min 64K\nA = alloc 200K\nB = alloc 200K\nC = alloc 200K\n"
                "D = alloc 200K\nfree A\nfree C\n")
    return scenarios.search(rng, make, lambda: largest_request(fallback))


def _judge_largest(question: Question, value: int) -> Feedback:
    answer, params = question.answer, question.params
    if value == answer:
        return right("One request needs one free block, and the largest free block "
                     "decides.")
    if value == params["free"]:
        return wrong("That is all the free memory together, but it lies in separate blocks and "
                     "one request needs ONE block. The buddy system does not eliminate "
                     "fragmentation: free blocks that are not buddies never merge.",
                     "buddy-no-fragmentation")
    if value == params["joined"] and value != answer:
        return wrong("Those free blocks lie side by side, but they are not buddies of one size, "
                     "so they never merge into one block that a request could get.",
                     "not-buddies")
    if value < answer:
        return wrong("A larger request still succeeds: a request is rounded up to a block size, "
                     "and any block size up to the largest free block fits.", "too-small")
    return wrong("No free block is that big: compare the request, rounded up to a block size, "
                 "with each free block on its own.")


LARGEST_REQUEST = QuestionType(
    kind="largest_request", title="The largest request that still fits", form=answers.SIZE,
    judge=_judge_largest, build=largest_request, generate=generate_largest_request,
    setup_picture=True,
)


# ------------------------------------------------------------------ waste bound
def waste_bound(block: int | str, total: int | str, min_block: int | str) -> Question:
    """Of all requests (whole K) that get a block of ``block``, how much does the worst waste?

    The answer is found with the core: every request size from 1K up is given
    to the allocator and the waste of those that get a ``block`` block is compared.
    """
    block, total, min_block = (scenarios.size_of(v) for v in (block, total, min_block))
    allocator = BuddyAllocator(total, min_block)
    if block < min_block or block > total or block & (block - 1) or block % K:
        raise InvalidRequest(f"block must be a block size of this memory, from "
                             f"{format_size(min_block)} to {format_size(total)}")
    wastes = [(block - request, request) for request in range(K, block + 1, K)
              if allocator.block_size(request) == block]
    answer, worst = max(wastes)
    prompt = (f"A buddy allocator manages **{format_size(total)}** of memory; its smallest "
              f"block is **{format_size(min_block)}**. Requests are whole multiples of 1K "
              f"(1024 bytes). Of all the requests that get a block of **{format_size(block)}**, "
              "which one wastes the most memory inside its block, and **how much does it "
              "waste**? Give the wasted size.")
    params = {"block": block, "total": total, "min_block": min_block, "worst_request": worst}
    return Question(WASTE_BOUND, prompt, params, answer)


def generate_waste_bound(seed: random.Random | int | str) -> Question:
    """A block size above the minimum block, so the worst request is just over half of it."""
    rng = scenarios.rng_of(seed)
    total, min_block = scenarios.memory(rng)
    levels = (total // min_block).bit_length() - 1
    return waste_bound(min_block << rng.randint(1, levels), total, min_block)


def _judge_waste(question: Question, value: int) -> Feedback:
    answer, params = question.answer, question.params
    block, worst = params["block"], params["worst_request"]
    if value == answer:
        return right("The smallest request that gets this block wastes the most, just "
                     "under half of the block.")
    if value == block // 2:
        return wrong("A request of exactly half the block fits the smaller block (an exact fit "
                     "is not rounded up), so it never gets this block.", "exact-fit-rounded-up")
    if value in (worst // 2, answer // 2, block // 4):
        return wrong("The bound is against the block, not the request: a request just over half "
                     "a block wastes almost half the BLOCK, which is nearly as much as the "
                     "request itself.", "waste-against-request")
    if value == 0:
        return wrong("Requests are rounded up to a block size, so most requests leave part of "
                     "their block unused.", "no-round-up")
    if value >= block // 2:
        return wrong("Too much: a request of half the block or less gets a smaller block, so no "
                     "request in this block wastes half of it.")
    return wrong("Too little: find the smallest request that still gets this block (not a "
                 "smaller one), and subtract it from the block size.")


WASTE_BOUND = QuestionType(
    kind="waste_bound", title="The most one block can waste", form=answers.SIZE,
    judge=_judge_waste, build=waste_bound, generate=generate_waste_bound,
)
