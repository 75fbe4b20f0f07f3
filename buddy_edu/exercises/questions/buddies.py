"""Questions about buddies and merging: the buddy's address, how many merges a
free causes, and which blocks a freed block merges with."""

from __future__ import annotations

import random
from collections.abc import Callable

from ...core import BuddyAllocator, InvalidRequest, format_size
from .. import answers
from . import scenarios
from .feedback import Feedback, partial, right, wrong
from .question import Question, QuestionType
from .scoring import score_blocks


# ------------------------------------------------------------- buddy address
def buddy_address(address: int | str, size: int | str, total: int | str,
                  min_block: int | str | None = None) -> Question:
    """What is the address of the buddy of the block ``(address, size)``?

    The answer is found with the core: the memory is filled with blocks of
    ``size``, the block is freed, then the others one by one; the buddy is
    the block whose freeing makes the core merge it with our block.
    """
    address, size, total = (scenarios.size_of(v) for v in (address, size, total))
    min_block = size if min_block is None else scenarios.size_of(min_block)
    BuddyAllocator(total, min_block)  # checks the memory's shape
    if size < min_block or size >= total or (size // min_block) & (size // min_block - 1) \
            or size % min_block:
        raise InvalidRequest(
            f"size must be a block size below the whole memory: the minimum block "
            f"{format_size(min_block)} times a power of two, under {format_size(total)}")
    if address % size or not 0 <= address < total:
        raise InvalidRequest(
            f"a {format_size(size)} block starts at a multiple of {format_size(size)} "
            f"inside the memory, not at {format_size(address)}")
    answer = _buddy_by_merging(address, size, total)
    prompt = (f"A buddy allocator manages **{format_size(total)}** of memory; its smallest "
              f"block is **{format_size(min_block)}**. Consider the **{format_size(size)}** "
              f"block at address **{format_size(address)}**. What is the address of its "
              "buddy, the one block it may merge with?")
    return Question(BUDDY_ADDRESS, prompt,
                    {"address": address, "size": size, "total": total, "min_block": min_block},
                    answer)


def _buddy_by_merging(address: int, size: int, total: int) -> int:
    allocator = BuddyAllocator(total, size)
    names = {}
    for index in range(total // size):
        block = allocator.allocate(size, f"b{index}")
        names[block.address] = block.name
    allocator.free(names.pop(address))
    for other, name in sorted(names.items()):
        start = allocator.position
        allocator.free(name)
        for event in allocator.events[start:]:
            if event.kind == "merge" and event.address <= address < event.address + event.size:
                return other
    raise AssertionError("the core never merged the block: its buddy was not found")


def generate_buddy_address(seed: random.Random | int | str, upper: bool | None = None) -> Question:
    """A random block; ``upper=True`` picks one in the upper half of its parent."""
    rng = scenarios.rng_of(seed)
    total, min_block = scenarios.memory(rng)
    levels = (total // min_block).bit_length() - 1
    size = min_block << rng.randint(0, levels - 2)
    upper = rng.random() < 0.5 if upper is None else upper
    index = 2 * rng.randrange(total // size // 2) + (1 if upper else 0)
    return buddy_address(index * size, size, total, min_block)


def _judge_buddy(question: Question, value: int | tuple[int, int]) -> Feedback:
    address, size = question.params["address"], question.params["size"]
    if isinstance(value, tuple):
        value, given_size = value
        if given_size != size:
            return wrong("A buddy always has the same size as the block.")
    if value == question.answer:
        return right("The buddy is address XOR size.")
    upper = question.answer < address
    if upper and value == address + size:
        return wrong("address + size is the buddy only of a block that is the lower half of "
                     "its parent. Which half is this block? The buddy is address XOR size.",
                     "buddy-plus-size")
    if not upper and value == address - size:
        return wrong("That neighbour is not its buddy: the two do not come from splitting the "
                     "same parent. The buddy is address XOR size.", "not-buddies")
    if value == address:
        return wrong("That is the block itself, not its buddy.")
    if value % size:
        return wrong("A buddy has the same size and starts at a multiple of that size.")
    return wrong("Not its buddy: the buddy is the other half of the parent block, at "
                 "address XOR size.", "not-buddies" if abs(value - address) == size else None)


BUDDY_ADDRESS = QuestionType(
    kind="buddy_address", title="Buddy address of a block", form=answers.ADDRESS,
    judge=_judge_buddy, build=buddy_address, generate=generate_buddy_address,
)


# ------------------------------------------------------- scenarios for frees
def free_scenario(rng: random.Random, accept: Callable[[BuddyAllocator, str, list], bool],
                  tries: int = scenarios.TRIES, fallback: object = "default"
                  ) -> tuple[str, str] | None:
    """A setup script and a live name X such that ``accept(allocator, X, events)`` holds,
    where ``events`` are the core's events for freeing X after the setup.

    After ``tries`` rejected scenarios it returns a fixed scenario, or None
    when ``fallback`` is None.
    """

    def make(rng: random.Random):
        total, min_block = scenarios.memory(rng)
        lines = scenarios.random_lines(rng, total, min_block, rng.randint(5, 9))
        allocator = scenarios.run(scenarios.script([scenarios.header(total, min_block)] + lines))
        names = scenarios.live_names(allocator)
        rng.shuffle(names)
        for name in names:
            start = allocator.position
            allocator.free(name)
            events = allocator.events[start:]
            allocator.undo()
            if accept(allocator, name, events):
                return scenarios.script([scenarios.header(total, min_block)] + lines), name
        return None

    return scenarios.search(rng, make, _fallback_free if fallback else lambda: None, tries)


def _fallback_free() -> tuple[str, str]:
    lines = ["memory 1M min 64K", "A = alloc 60K", "B = alloc 50K", "C = alloc 100K", "free B"]
    return scenarios.script(lines), "A"


def _freeing(setup: str, name: str) -> tuple[BuddyAllocator, list]:
    """Run the setup, free ``name``; the allocator and the events of that free."""
    allocator = scenarios.run(setup)
    if name not in scenarios.live_names(allocator):
        live = ", ".join(scenarios.live_names(allocator)) or "none"
        raise InvalidRequest(f"{name!r} is not allocated after the setup; allocated: {live}")
    start = allocator.position
    allocator.free(name)
    return allocator, allocator.events[start:]


def merges(events) -> list:
    """The merge events among ``events``."""
    return [event for event in events if event.kind == "merge"]


# ---------------------------------------------------------------- merge count
def merge_count(setup: str, name: str) -> Question:
    """How many merges happen when ``name`` is freed after ``setup``?"""
    _, events = _freeing(setup, name)
    prompt = (f"{scenarios.setup_text(setup)}\n\nNow `free {name}` runs. How many merges does it "
              "cause?")
    return Question(MERGE_COUNT, prompt, {"setup": setup, "name": name},
                    len(merges(events)))


def generate_merge_count(seed: random.Random | int | str, least: int | None = None
                         ) -> Question:
    """A free that causes at least ``least`` merges; by default a number of merges drawn
    from 0 to 3 (0 least often), so no constant answer earns much."""
    rng = scenarios.rng_of(seed)
    if least is not None:
        setup, name = free_scenario(rng, lambda a, n, events: len(merges(events)) >= least)
        return merge_count(setup, name)
    target = rng.choice((0, 1, 1, 2, 2, 3, 3))
    found = free_scenario(rng, lambda a, n, events: len(merges(events)) == target,
                          tries=200, fallback=None)
    if found is None:
        found = free_scenario(rng, lambda a, n, events: len(merges(events)) >= min(target, 2))
    return merge_count(*found)


def _judge_merge_count(question: Question, value: int) -> Feedback:
    answer = question.answer
    if value == answer:
        return right()
    if value == 1 and answer >= 2:
        return wrong("Merging does not stop after one level: the merged block has a buddy too, "
                     "and if that buddy is free and whole they merge again.", "one-level-merge")
    if value < answer:
        return wrong("Too few: after each merge, check whether the new, bigger block's buddy "
                     "is a whole free block; if it is, they merge again.")
    return wrong("Too many: a block merges only with its buddy, and only while that buddy is "
                 "one whole free block of the same size. Free neighbours that are not buddies, "
                 "or are smaller, do not merge.")


MERGE_COUNT = QuestionType(
    kind="merge_count", title="Merges caused by a free", form=answers.COUNT,
    judge=_judge_merge_count, build=merge_count, generate=generate_merge_count,
    setup_picture=True,
)


# ------------------------------------------------------------- merging blocks
def merging_blocks(setup: str, name: str) -> Question:
    """Which blocks does ``name`` merge with when it is freed after ``setup``?

    The answer lists the buddies, as ``[address, size]``, in the order the
    core merges them (each merge event joins the growing block and its buddy).
    """
    allocator, events = _freeing(setup, name)
    freed = events[0]
    grown = (freed.address, freed.size)
    buddies, results = [], []
    for event in merges(events):
        half = event.size // 2
        halves = [(event.address, half), (event.address + half, half)]
        buddies.append(list(halves[1] if halves[0] == grown else halves[0]))
        grown = (event.address, event.size)
        results.append([event.address, event.size])
    allocator.undo()
    prompt = (f"{scenarios.setup_text(setup)}\n\nNow `free {name}` runs. Which free blocks does "
              f"{name}'s block merge with? List them as `(address, size)`, or answer `[]` "
              "if it merges with none.")
    params = {"setup": setup, "name": name, "freed": [freed.address, freed.size],
              "merged": results, "free_before": [list(b) for b in allocator.free_blocks()]}
    return Question(MERGING_BLOCKS, prompt, params, buddies)


def generate_merging_blocks(seed: random.Random | int | str) -> Question:
    """A free that merges, next to a free block it must NOT merge with, when one can be found."""
    rng = scenarios.rng_of(seed)

    def tempting(allocator: BuddyAllocator, name: str, events) -> bool:
        if not merges(events):
            return False
        freed = events[0]
        levels = [(freed.address, freed.size)] + [
            (e.address, e.size) for e in merges(events)]
        buddies = {(e.address, e.size // 2) for e in merges(events)} | {
            (e.address + e.size // 2, e.size // 2) for e in merges(events)}
        return any(
            _adjacent(block, level) and block not in buddies
            for block in allocator.free_blocks() for level in levels
        )

    found = free_scenario(rng, tempting, tries=120, fallback=None)
    if found is None:
        found = free_scenario(rng, lambda a, n, events: bool(merges(events)))
    return merging_blocks(*found)


def _adjacent(block: tuple[int, int], other: tuple[int, int]) -> bool:
    return block[0] + block[1] == other[0] or other[0] + other[1] == block[0]


def _judge_merging(question: Question, value: list[tuple[int, int]]) -> Feedback:
    expected = [tuple(b) for b in question.answer]
    merged = {tuple(b) for b in question.params["merged"]}
    given = set(value)
    if given == set(expected) and len(value) == len(expected):
        return right("Each merge joins the growing block with its buddy.")
    if merged and given == merged:
        return wrong("Those are the blocks the merges produce; the question asks for the "
                     "buddies the freed block merges with.", "results-not-buddies")
    if not expected:
        return wrong("The blocks you listed do not merge with it: check whether its buddy is "
                     "one whole free block of the same size; only buddies merge.",
                     _neighbour_kind(question, value))
    score, summary = score_blocks(value, expected)
    misconception = _neighbour_kind(question, value)
    if misconception == "not-buddies":
        hint = ("A neighbour of the same size is listed that is not a buddy: blocks that did "
                "not come from splitting the same parent never merge.")
    elif misconception == "different-sizes-merge":
        hint = "A free neighbour of another size is listed: only blocks of the same size merge."
    elif len(expected) >= 2 and len(given) == 1 and given <= set(expected):
        misconception = "one-level-merge"
        hint = ("Merging does not stop after one level: the merged block has a buddy too, and "
                "they merge again if it is free and whole.")
    else:
        hint = "Follow the merges one level at a time: at each level, is the buddy free?"
    return partial(score, f"{summary}. {hint}", misconception)


def _neighbour_kind(question: Question, value: list[tuple[int, int]]) -> str | None:
    freed = tuple(question.params["freed"])
    levels = [freed] + [tuple(b) for b in question.params["merged"]]
    free_before = {tuple(b) for b in question.params["free_before"]}
    expected = {tuple(b) for b in question.answer}
    found = None
    for block in value:
        if block in expected or block not in free_before:
            continue
        for level in levels:
            if _adjacent(block, level):
                if block[1] == level[1]:
                    return "not-buddies"
                found = "different-sizes-merge"
    return found


MERGING_BLOCKS = QuestionType(
    kind="merging_blocks", title="Which blocks merge", form=answers.BLOCKS,
    judge=_judge_merging, build=merging_blocks, generate=generate_merging_blocks,
    setup_picture=True,
)

__all__ = ["buddy_address", "generate_buddy_address", "generate_merge_count",
           "generate_merging_blocks", "merge_count", "merging_blocks"]
