"""Questions about one request on its own: the block it gets, and that block's order."""

from __future__ import annotations

import random

from ..core import BuddyAllocator, format_size
from . import answers, scenarios
from .feedback import Feedback, right, wrong
from .question import Question, QuestionType, register


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
    return Question("block_size", prompt,
                    {"request": request, "total": total, "min_block": min_block}, answer)


def generate_block_size(seed: random.Random | int | str, exact: bool | None = None) -> Question:
    """A random request; ``exact=True`` asks about an exact power of two."""
    rng = scenarios.rng_of(seed)
    total, min_block = scenarios.memory(rng)
    levels = (total // min_block).bit_length() - 1
    block = min_block << rng.randint(0, levels - 1)
    exact = rng.random() < 0.2 if exact is None else exact
    return block_size(scenarios.request(rng, min_block, block, exact), total, min_block)


def _judge_block_size(question: Question, value: int) -> Feedback:
    answer, request = question.answer, question.params["request"]
    min_block = question.params["min_block"]
    if value == answer:
        return right("Correct: the smallest block that holds the request.")
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
    return wrong("Too big: a smaller block already holds the request. Round up only to the "
                 "smallest block that fits (an exact fit is not rounded further).",
                 "rounded-too-far")


SIZE_FORM = ('a size: a whole number of bytes, or a number with a unit K, M or G '
             '(like 49152 or "48K")')

register(QuestionType(
    kind="block_size", title="Block size for a request",
    form=SIZE_FORM,
    example='"48K"',
    parse=lambda question, value: answers.quantity(value),
    judge=_judge_block_size, generate=generate_block_size,
))


# --------------------------------------------------------------------- order
def block_order(request: int | str, total: int | str, min_block: int | str) -> Question:
    """Which order (0 = the minimum block) does a request of ``request`` get?"""
    request, total, min_block = (scenarios.size_of(v) for v in (request, total, min_block))
    allocator = BuddyAllocator(total, min_block)
    size = allocator.block_size(request)
    answer = (size // min_block).bit_length() - 1  # the core's block, named by its order
    prompt = (f"{_memory_text(total, min_block)} Order *j* means blocks of the minimum block "
              f"times 2<sup>*j*</sup>. A program asks for **{format_size(request)}**. "
              "Which order is the block it gets?")
    return Question("block_order", prompt,
                    {"request": request, "total": total, "min_block": min_block}, answer)


def generate_block_order(seed: random.Random | int | str) -> Question:
    """A random request, asked as an order."""
    rng = scenarios.rng_of(seed)
    total, min_block = scenarios.memory(rng)
    levels = (total // min_block).bit_length() - 1
    block = min_block << rng.randint(0, levels - 1)
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
        return wrong("Orders count doublings of the minimum block (order 0), not of one byte.",
                     "absolute-order")
    floor = max(j for j in range(answer + 1) if min_block << j <= max(request, min_block))
    if value == floor and floor != answer:
        return wrong("A block of that order is smaller than the request: round up, not down.",
                     "no-round-up")
    if value == answer + 1:
        return wrong("One too high: order 0 is the minimum block itself.")
    return wrong("Not that order: find the smallest block that holds the request, then count "
                 "how many times the minimum block was doubled to get it.")


register(QuestionType(
    kind="block_order", title="Order for a request",
    form="an order: a whole number j (0 for the minimum block, 1 for twice it, ...)",
    example="0",
    parse=lambda question, value: answers.order(value),
    judge=_judge_order, generate=generate_block_order,
))
