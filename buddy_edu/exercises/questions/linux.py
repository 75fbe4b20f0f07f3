"""Questions in Linux's terms (lesson 5): the buddy of a page frame number at an order, and
the free memory one column of a ``/proc/buddyinfo`` line holds.

Orders here count pages, as Linux counts them: order 0 is one page.  The answers are
the core's: the buddy is the block the core merges with (on a memory of pages), and the
buddyinfo line is printed from the core's free lists.
"""

from __future__ import annotations

import random

from ...core import BuddyAllocator, InvalidRequest, format_size
from .. import answers
from . import scenarios
from .feedback import Feedback, right, wrong
from .question import Question, QuestionType

PAGE = 4096
ORDER_TEXT = ("Orders count pages, as Linux counts them: a block of order *k* is "
              "2<sup>*k*</sup> contiguous pages, order 0 one page of 4 KiB.")


# ------------------------------------------------------------------ buddy pfn
def buddy_pfn(pfn: int, order: int) -> Question:
    """Which pfn is the buddy of the free block of ``order`` at page frame number ``pfn``?"""
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 20:
        raise InvalidRequest(f"order must be a whole number from 0 to 20, got {order!r}")
    if isinstance(pfn, bool) or not isinstance(pfn, int) or pfn < 0 or pfn % (1 << order):
        raise InvalidRequest(f"a block of order {order} starts at a pfn that is a multiple "
                             f"of {1 << order}, not at {pfn!r}")
    # Buddies are the two halves of one parent block of order + 1, aligned to its size.
    # The core finds the buddy in a memory that is just that parent (its addresses start
    # at 0), and the answer is moved back to where the parent starts.
    parent = pfn - pfn % (2 << order)
    answer = parent + _merged_with((pfn - parent) * PAGE, PAGE << order) // PAGE
    prompt = (f"Linux numbers physical pages by page frame number (pfn). {ORDER_TEXT} The "
              f"free block of **order {order}** starts at **pfn {pfn}**. What is the pfn of "
              "its buddy, the one block it may merge with?")
    params = {"pfn": pfn, "order": order,
              "plus_size": pfn + (1 << order), "minus_size": pfn - (1 << order),
              "xor_order": pfn ^ order,
              "next_order": pfn ^ (2 << order),
              "previous_order": pfn ^ (1 << (order - 1)) if order else None,
              "bytes": answer * PAGE}
    return Question(BUDDY_PFN, prompt, params, answer)


def _merged_with(address: int, size: int) -> int:
    """The block the core merges ``(address, size)`` with, in a memory of two such blocks:
    both are allocated, ours is freed, then the other; the merge says which it was."""
    allocator = BuddyAllocator(2 * size, size)
    names = {allocator.allocate(size, name).address: name for name in ("p", "q")}
    allocator.free(names.pop(address))
    (other, name), = names.items()
    start = allocator.position
    allocator.free(name)
    assert any(event.kind == "merge" for event in allocator.events[start:])
    return other


def generate_buddy_pfn(seed: random.Random | int | str, upper: bool | None = None) -> Question:
    """A block of order 1 to 9 at a pfn below 2^18; ``upper=True`` picks an upper half."""
    rng = scenarios.rng_of(seed)
    order = rng.randint(1, 9)
    upper = rng.random() < 0.5 if upper is None else upper
    parent = rng.randrange(1, 1 << (18 - order - 1)) << (order + 1)
    return buddy_pfn(parent + ((1 << order) if upper else 0), order)


def _judge_buddy_pfn(question: Question, value: int) -> Feedback:
    params, answer = question.params, question.answer
    if value == answer:
        return right("The buddy is pfn XOR (1 << order).")
    if value == params["bytes"]:
        return wrong("That is a byte address; the question asks for a page frame number, "
                     "which counts pages.", "address-not-pfn")
    if value == params["xor_order"] and value != answer:
        return wrong("XOR with the order itself flips the wrong bits: the buddy flips the bit "
                     "worth 2 to the order, pfn XOR (1 << order).", "xor-with-order")
    if value in (params["next_order"], params["previous_order"]):
        return wrong("That flips the bit of another order: a block of order k has its buddy "
                     "at pfn XOR (1 << k).", "wrong-order-bit")
    if value == params["plus_size"]:
        return wrong("pfn + 2^order is the buddy only of a block that is the lower half of its "
                     "parent. Which half is this block? The buddy is pfn XOR (1 << order).",
                     "buddy-plus-size")
    if value == params["minus_size"]:
        return wrong("That neighbour is not its buddy: the two did not come from splitting "
                     "the same parent. The buddy is pfn XOR (1 << order).", "not-buddies")
    if value == params["pfn"]:
        return wrong("That is the block itself, not its buddy.")
    return wrong("Not its buddy: the buddy has the same order and differs from the block's pfn "
                 "in exactly one bit, the one worth 2 to the order.")


BUDDY_PFN = QuestionType(
    kind="buddy_pfn", title="Buddy of a page frame number", form=answers.COUNT,
    judge=_judge_buddy_pfn, build=buddy_pfn, generate=generate_buddy_pfn,
)


# ------------------------------------------------------------------ buddyinfo memory
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth", "eleventh")


def buddyinfo_memory(setup: str, column: int, zone: str = "Normal") -> Question:
    """How much free memory does the ``column``-th count (from 1) of the ``/proc/buddyinfo``
    line of the zone that ``setup`` leaves hold?  ``setup`` runs on pages of 4K."""
    allocator = scenarios.run(setup)
    if allocator.min_block != PAGE:
        raise InvalidRequest("the setup's minimum block must be one page, 4K")
    counts = [len(blocks) for blocks in allocator.free_lists().values()]
    if isinstance(column, bool) or not isinstance(column, int) \
            or not 1 <= column <= len(counts):
        raise InvalidRequest(f"column must be from 1 to {len(counts)}, got {column!r}")
    order = column - 1
    answer = sum(size for address, size in allocator.free_blocks() if size == PAGE << order)
    line = f"Node 0, zone {zone:>8} " + " ".join(f"{count:6}" for count in counts)
    prompt = (f"A zone of {format_size(allocator.total)} has pages of 4 KiB. {ORDER_TEXT} "
              f"Its line of `/proc/buddyinfo` reads:\n\n```text\n{line}\n```\n\nHow much "
              f"memory do the free blocks counted by the **{ORDINALS[order]} number** after "
              "the zone's name hold together?")
    count = counts[order]
    params = {"zone_script": setup, "column": column, "counts": counts,
              "off_by_one": counts[column] * (PAGE << column)
              if column < len(counts) and counts[column] else None,
              "as_pages": count * PAGE, "one_block": PAGE << order,
              "pages_not_bytes": count << order}
    return Question(BUDDYINFO_MEMORY, prompt, params, answer)


def generate_buddyinfo_memory(seed: random.Random | int | str) -> Question:
    """A zone of 128 to 512 pages after random requests, asked about a column whose count is
    2 or more and whose order is 1 or more (so every slip gives another number)."""
    rng = scenarios.rng_of(seed)

    def make(rng: random.Random):
        pages = rng.choice((128, 256, 512))
        total = pages * PAGE
        lines = scenarios.random_lines(rng, total, PAGE, rng.randint(6, 12), policy="lifo",
                                       free_share=0.35)
        setup = scenarios.script([scenarios.header(total, PAGE, "lifo")] + lines)
        counts = [len(blocks) for blocks in scenarios.run(setup).free_lists().values()]
        columns = [j + 1 for j, count in enumerate(counts) if count >= 2 and j >= 1]
        return (setup, rng.choice(columns)) if columns else None

    fallback = ("memory 512K min 4K policy lifo\nA = alloc 4K\nB = alloc 8K\nC = alloc 4K\n"
                "D = alloc 8K\nfree A\nfree D\n", 2)
    return buddyinfo_memory(*scenarios.search(rng, make, lambda: fallback))


def _judge_buddyinfo_memory(question: Question, value: int) -> Feedback:
    params, answer = question.params, question.answer
    if value == answer:
        return right("The n-th count is order n − 1, blocks of 2^(n−1) pages each.")
    if value == params["off_by_one"]:
        return wrong("The first number after the zone's name is order 0, one page: the n-th "
                     "number counts blocks of order n − 1.", "buddyinfo-column-from-one")
    if value in (params["as_pages"], params["one_block"]):
        return wrong("Each number counts free *blocks* of one order; every block of order k "
                     "is 2^k pages, and the question asks for all of them together.",
                     "count-as-pages")
    if value == params["pages_not_bytes"]:
        return wrong("That counts pages; give the memory in bytes (a page is 4 KiB).")
    return wrong("Find the order of that number (the first is order 0), then multiply the "
                 "count by the size of one block of that order.")


BUDDYINFO_MEMORY = QuestionType(
    kind="buddyinfo_memory", title="Free memory in a /proc/buddyinfo column",
    form=answers.SIZE, judge=_judge_buddyinfo_memory, build=buddyinfo_memory,
    generate=generate_buddyinfo_memory, setup_picture=False,
)

__all__ = ["buddy_pfn", "buddyinfo_memory", "generate_buddy_pfn", "generate_buddyinfo_memory"]
