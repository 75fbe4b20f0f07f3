"""Questions about one request on its own: the block it gets, and that block's order."""

from __future__ import annotations

import random

from ...core import BuddyAllocator, format_size
from .. import answers
from . import scenarios
from .feedback import Feedback, partial, right, wrong
from .question import Question, QuestionType


def _memory_text(total: int, min_block: int) -> str:
    return (f"A buddy allocator manages **{format_size(total)}** of memory; its smallest "
            f"block (order 0) is **{format_size(min_block)}**.")


def _block_sizes(question: Question) -> list[int]:
    total, min_block = question.params["total"], question.params["min_block"]
    return [min_block << j for j in range((total // min_block).bit_length())]


# ---------------------------------------------------------------- block size
def block_size(request: int | str, total: int | str, min_block: int | str) -> Question:
    """What size of block does a request of ``request`` get?"""
    request, total, min_block = (scenarios.size_of(v) for v in (request, total, min_block))
    allocator = BuddyAllocator(total, min_block)
    answer = allocator.block_size(request)
    prompt = (f"{_memory_text(total, min_block)} A program asks for "
              f"**{format_size(request)}**. What is the size of the block it gets?")
    return Question(BLOCK_SIZE, prompt,
                    {"request": request, "total": total, "min_block": min_block}, answer)


def generate_block_size(seed: random.Random | int | str, exact: bool | None = None,
                        edge: bool = False) -> Question:
    """A random request; ``exact=True`` asks about an exact block size.

    ``edge=True`` asks at a boundary, where the rule matters most: half the time
    a request of exactly a block size (not rounded further), else one 1K over a
    block size (rounded up to twice it), so the answer never simply repeats the
    request.
    """
    rng = scenarios.rng_of(seed)
    total, min_block = scenarios.memory(rng)
    block = _random_block(rng, total, min_block)
    if edge:
        if rng.random() < 0.5:
            return block_size(block, total, min_block)
        return block_size(block // 2 + scenarios.K, total, min_block) if block > min_block \
            else block_size(block + scenarios.K, total, min_block)
    exact = rng.random() < 0.2 if exact is None else exact
    return block_size(scenarios.request(rng, min_block, block, exact), total, min_block)


def _random_block(rng: random.Random, total: int, min_block: int) -> int:
    """A block size below the whole memory; the minimum block half as likely as the others,
    so that "order 0" or "the minimum block" is a poor constant guess."""
    levels = (total // min_block).bit_length() - 1
    order = rng.choice([0] + [j for j in range(1, levels) for _ in range(2)])
    return min_block << order


def _judge_block_size(question: Question, value: int) -> Feedback:
    answer, request = question.answer, question.params["request"]
    min_block = question.params["min_block"]
    if value == answer:
        return right("It is the smallest block that holds the request.")
    if value < min_block:
        return wrong("No block is smaller than the minimum block: even a tiny request gets a "
                     "whole block of order 0.", "below-min-block")
    if value < request or value == request:
        return wrong("The block must hold the whole request and be a power-of-two multiple of "
                     "the minimum block: round the request UP to the next block size.",
                     "no-round-up")
    if value not in _block_sizes(question):
        return wrong("That is not a block size: every block is the minimum block times a "
                     "power of two.")
    if request == answer:
        return wrong("Too big: the request is already a block size, and an exact fit is not "
                     "rounded further.", "exact-fit-rounded-up")
    return wrong("Too big: a smaller block already holds the request. Round up only to the "
                 "smallest block that fits.", "rounded-too-far")


BLOCK_SIZE = QuestionType(
    kind="block_size", title="Block size for a request", form=answers.SIZE,
    judge=_judge_block_size, build=block_size, generate=generate_block_size,
)


# --------------------------------------------------------------------- order
def block_order(request: int | str, total: int | str, min_block: int | str) -> Question:
    """Which order (0 = the minimum block) does a request of ``request`` get?"""
    request, total, min_block = (scenarios.size_of(v) for v in (request, total, min_block))
    allocator = BuddyAllocator(total, min_block)
    size = allocator.block_size(request)
    answer = (size // min_block).bit_length() - 1  # the core's block, named by its order
    prompt = (f"{_memory_text(total, min_block)} Order *j* means blocks of the minimum block "
              f"times 2<sup>*j*</sup>: orders count from the minimum block, as Linux counts "
              f"from one page (not from one byte, as Knuth's k does). A program asks for "
              f"**{format_size(request)}**. Which order is the block it gets?")
    return Question(BLOCK_ORDER, prompt,
                    {"request": request, "total": total, "min_block": min_block}, answer)


def generate_block_order(seed: random.Random | int | str) -> Question:
    """A random request, asked as an order."""
    rng = scenarios.rng_of(seed)
    total, min_block = scenarios.memory(rng)
    block = _random_block(rng, total, min_block)
    return block_order(scenarios.request(rng, min_block, block, rng.random() < 0.2),
                       total, min_block)


def _judge_order(question: Question, value: int) -> Feedback:
    answer, request = question.answer, question.params["request"]
    min_block = question.params["min_block"]
    size = min_block << answer
    if value == answer:
        return right()
    if value in (size, size // 1024):
        return wrong("That is a size: the order is the exponent *j* in min_block × 2^j.",
                     "size-not-order")
    if value == size.bit_length() - 1:
        return partial(0.5, "That is the block's absolute order, Knuth's k (the exponent of "
                            "its size in bytes): the right block, counted from one byte. This "
                            "question counts orders from the minimum block (order 0), as Linux "
                            "counts from one page.", "absolute-order")
    floor = max(j for j in range(answer + 1) if min_block << j <= max(request, min_block))
    if value == floor and floor != answer:
        return wrong("A block of that order is smaller than the request: round up, not down.",
                     "no-round-up")
    if value > answer and request == size:
        return wrong("Too high: the request is already a block size, and an exact fit is not "
                     "rounded further.", "exact-fit-rounded-up")
    if value > answer:
        return wrong("Too high: a smaller block already holds the request. Find the smallest "
                     "block that holds it, then count the doublings from the minimum block.")
    return wrong("Too low: a block of that order cannot hold the whole request. Find the "
                 "smallest block that holds it, then count the doublings from the minimum "
                 "block.")


BLOCK_ORDER = QuestionType(
    kind="block_order", title="Order for a request", form=answers.ORDER,
    judge=_judge_order, build=block_order, generate=generate_block_order,
)
