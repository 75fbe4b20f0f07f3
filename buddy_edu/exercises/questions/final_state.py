"""Questions about the state a script leaves: the free blocks, the free
blocks per order (as /proc/buddyinfo shows them) and internal fragmentation."""

from __future__ import annotations

import random

from ...core import BuddyAllocator, InvalidRequest, format_size
from .. import answers
from . import scenarios
from .feedback import Feedback, partial, right, wrong
from .question import Question, QuestionType
from .scoring import score_blocks, score_counts


def _prompt(setup: str, ops: str, ask: str) -> str:
    text = scenarios.setup_text(setup)
    if ops.strip():
        text += f"\n\nThen these lines run:\n\n```text\n{ops}```"
    return f"{text}\n\n{ask}"


def _run(setup: str, ops: str) -> tuple[BuddyAllocator, int]:
    """Run setup then ops; the allocator (at its end) and where the ops' events begin."""
    if not isinstance(setup, str) or not isinstance(ops, str):
        raise InvalidRequest("setup and ops are script text")
    if ops.strip() and not setup.endswith("\n"):
        setup += "\n"
    before = scenarios.run(setup).event_count()
    return scenarios.run(setup, ops), before


def _last_free_stages(allocator: BuddyAllocator, start: int) -> dict[str, list]:
    """Free blocks part-way through the last operation, when it is a free that merges.

    ``unmerged`` is the state right after the free event (no merging at all),
    ``one_level`` after its first merge only: the answers of students who stop
    too early.  Positions come from the core's own events.
    """
    if allocator.operation_count() == 0:
        return {}
    span = allocator.operation_span(allocator.operation_count() - 1)
    if span.start < start:
        return {}
    kinds = [allocator.event_at(i).kind for i in span]
    if kinds[0] != "free" or "merge" not in kinds:
        return {}
    end = allocator.position
    stages = {}
    allocator.seek(span.start + 1)
    stages["unmerged"] = [list(b) for b in allocator.free_blocks()]
    if kinds.count("merge") >= 2:
        allocator.seek(span.start + 2)
        stages["one_level"] = [list(b) for b in allocator.free_blocks()]
    allocator.seek(end)
    return stages


def _split(rng: random.Random, lines: list[str], total: int, min_block: int,
           ops_count: int, policy: str = "lowest") -> tuple[str, str]:
    head = [scenarios.header(total, min_block, policy)]
    return scenarios.script(head + lines[:-ops_count]), scenarios.script(lines[-ops_count:])


def _scenario(rng: random.Random, frees: bool, want_merges: int) -> tuple[str, str]:
    """Setup and ops: with ``frees``, the ops end with a free causing ``want_merges`` merges
    (or at least one, when no such script turns up)."""

    def maker(need: int):
        def make(rng: random.Random):
            total, min_block = scenarios.memory(rng)
            if frees:
                lines = scenarios.random_lines(rng, total, min_block, rng.randint(6, 10),
                                               free_share=0.4)
                if not lines or not lines[-1].startswith("free"):
                    return None
            else:
                lines = scenarios.random_lines(rng, total, min_block, rng.randint(3, 5),
                                               free_share=0.0)
            if len(lines) < 3:
                return None
            setup, ops = _split(rng, lines, total, min_block, rng.randint(2, 3))
            allocator, _ = _run(setup, ops)
            if frees and (len(allocator.free_blocks()) < 2 or not allocator.allocations()):
                return None  # "everything is free" teaches little
            span = allocator.operation_span(allocator.operation_count() - 1)
            merges = sum(1 for i in span if allocator.event_at(i).kind == "merge")
            return (setup, ops) if merges >= need else None
        return make

    for need in ([want_merges, 1] if want_merges > 1 else [want_merges]):
        found = scenarios.search(rng, maker(need), lambda: None, tries=150)
        if found is not None:
            return found
    return ("memory 1M min 64K\nA = alloc 60K\nB = alloc 60K\nC = alloc 120K\n",
            "free B\nfree A\n" if frees else "D = alloc 30K\n")


# ---------------------------------------------------------------- free blocks
def free_blocks_after(setup: str, ops: str = "") -> Question:
    """Which blocks are free after ``setup`` and then ``ops``?"""
    allocator, start = _run(setup, ops)
    answer = [list(b) for b in allocator.free_blocks()]
    params = {"setup": setup, "ops": ops, **_last_free_stages(allocator, start)}
    prompt = _prompt(setup, ops, "List **every free block** afterwards as `(address, size)`, "
                     "in any order.")
    return Question(FREE_BLOCKS, prompt, params, answer)


def generate_free_blocks(seed: random.Random | int | str, frees: bool | None = None) -> Question:
    """Free blocks after a few more lines; ``frees=True`` ends them with a merging free."""
    rng = scenarios.rng_of(seed)
    frees = rng.random() < 0.5 if frees is None else frees
    return free_blocks_after(*_scenario(rng, frees, 2 if frees else 0))


def _judge_free_blocks(question: Question, value: list[tuple[int, int]]) -> Feedback:
    expected = [tuple(b) for b in question.answer]
    given = sorted(value)
    if given == sorted(expected):
        return right()
    params = question.params
    if "one_level" in params and given == sorted(tuple(b) for b in params["one_level"]):
        return wrong("Merging does not stop after one level: the merged block has a buddy too, "
                     "and they merge again if it is free and whole.", "one-level-merge")
    if "unmerged" in params and given == sorted(tuple(b) for b in params["unmerged"]):
        return wrong("A freed block merges with its buddy when the buddy is free and whole; "
                     "the last free causes merging.", "no-merge")
    score, summary = score_blocks(given, expected)
    misconception = _bad_merge(given, expected)
    if misconception == "not-buddies":
        hint = ("One of your blocks joins two free neighbours of the same size that are not "
                "buddies: only a block and its buddy (address XOR size) merge.")
    elif misconception == "different-sizes-merge":
        hint = ("One of your blocks joins free neighbours of different sizes: only two free "
                "buddies of the same size merge.")
    else:
        hint = "Trace the lines one event at a time: every split, allocation, free and merge."
    return partial(score, f"{summary}. {hint}", misconception)


def _bad_merge(given: list[tuple[int, int]], expected: list[tuple[int, int]]) -> str | None:
    """Whether a given block is the union of two or more adjacent correct free blocks."""
    ordered = sorted(expected)
    for address, size in given:
        if (address, size) in expected:
            continue
        for first in range(len(ordered)):
            if ordered[first][0] != address:
                continue
            end, parts = address, []
            for block in ordered[first:]:
                if block[0] != end:
                    break
                parts.append(block)
                end += block[1]
                if end == address + size:
                    break
            if end == address + size and len(parts) >= 2:
                sizes = {part[1] for part in parts}
                return "not-buddies" if len(sizes) == 1 else "different-sizes-merge"
    return None


FREE_BLOCKS = QuestionType(
    kind="free_blocks", title="Free blocks after a script", form=answers.BLOCKS,
    judge=_judge_free_blocks, build=free_blocks_after, generate=generate_free_blocks,
    setup_picture=True,
)


# ------------------------------------------------------------------ buddyinfo
def buddyinfo(setup: str, ops: str = "") -> Question:
    """How many free blocks of each order are there after ``setup`` and ``ops``?"""
    allocator, start = _run(setup, ops)
    orders = allocator.max_order + 1
    answer = [len(allocator.free_lists()[allocator.min_block << j]) for j in range(orders)]
    stages = _last_free_stages(allocator, start)
    params = {"setup": setup, "ops": ops, "orders": orders, "min_block": allocator.min_block,
              "all_blocks": _per_order([(b.address, b.size) for b in allocator.blocks()],
                                       allocator.min_block, orders)}
    if "one_level" in stages:
        params["one_level"] = _per_order(stages["one_level"], allocator.min_block, orders)
    sizes = ", ".join(f"order {j} = {format_size(allocator.min_block << j)}"
                      for j in range(orders))
    prompt = _prompt(setup, ops, "Like a line of Linux's `/proc/buddyinfo`, give the **number of "
                     f"free blocks of each order**, from order 0 up to order {orders - 1} "
                     f"({sizes}; orders count from the minimum block, as Linux's count from "
                     "one page).")
    return Question(BUDDYINFO, prompt, params, answer)


def _per_order(blocks, min_block: int, orders: int) -> list[int]:
    result = [0] * orders
    for _, size in blocks:
        result[(size // min_block).bit_length() - 1] += 1
    return result


def generate_buddyinfo(seed: random.Random | int | str, frees: bool = True) -> Question:
    """Counts per order after a script, ending with a free that merges when ``frees``.

    Scenarios that leave three or more free blocks are preferred: with only two,
    many students would share the same short key.
    """
    rng = scenarios.rng_of(seed)
    for _ in range(12):
        question = buddyinfo(*_scenario(rng, frees, 2 if frees else 0))
        if sum(question.answer) >= 3:
            return question
    return question


def _judge_buddyinfo(question: Question, value: list[int]) -> Feedback:
    answer, params = question.answer, question.params
    if value == answer:
        return right()
    if value[::-1] == answer:
        return wrong("The counts are in reverse: start with order 0, the smallest blocks.",
                     "reversed-orders")
    if value == params.get("one_level"):
        return wrong("Merging does not stop after one level: the merged block has a buddy too, "
                     "and they merge again if it is free and whole.", "one-level-merge")
    if value == params["all_blocks"]:
        return wrong("Count only the free blocks: allocated blocks are not on the free lists.",
                     "counted-allocated")
    score, bad = score_counts(value, answer)
    orders = "one order is" if bad == 1 else f"{bad} orders are"
    return partial(score, f"The count of {orders} wrong. Trace every split and merge, then "
                          "count the free blocks of each size.")


BUDDYINFO = QuestionType(
    kind="buddyinfo", title="Free blocks per order (/proc/buddyinfo)", form=answers.COUNTS,
    judge=_judge_buddyinfo, build=buddyinfo, generate=generate_buddyinfo,
    setup_picture=True,
)


# --------------------------------------------------------- internal waste
def internal_fragmentation(setup: str, ops: str = "") -> Question:
    """How much memory is wasted inside allocated blocks after ``setup`` and ``ops``?"""
    allocator, _ = _run(setup, ops)
    stats = allocator.stats()
    ever = sum(e.size - e.requested for e in allocator.events if e.kind == "allocate")
    prompt = _prompt(setup, ops, "How much **internal fragmentation** is there afterwards: "
                     "the memory inside allocated blocks that their requests do not use?")
    params = {"setup": setup, "ops": ops, "free": stats.free, "ever_wasted": ever,
              "allocated": stats.allocated}
    return Question(INTERNAL_FRAGMENTATION, prompt, params, stats.internal_fragmentation)


def generate_internal_fragmentation(seed: random.Random | int | str) -> Question:
    """A script that frees a block that wasted memory, so freed waste is a tempting mistake."""
    rng = scenarios.rng_of(seed)

    def make(rng: random.Random):
        total, min_block = scenarios.memory(rng)
        lines = scenarios.random_lines(rng, total, min_block, rng.randint(4, 7), free_share=0.3)
        if len(lines) < 3:
            return None
        setup, ops = _split(rng, lines, total, min_block, rng.randint(1, 2))
        question = internal_fragmentation(setup, ops)
        if question.answer and question.params["ever_wasted"] != question.answer:
            return question
        return None

    return scenarios.search(rng, make, lambda: internal_fragmentation(
        "memory 1M min 64K\nA = alloc 34K\nB = alloc 66K\n", "free A\n"))


def _judge_internal(question: Question, value: int) -> Feedback:
    answer, params = question.answer, question.params
    if value == answer:
        return right()
    if value == params["free"]:
        return wrong("That is the free memory. Internal fragmentation is the unused part "
                     "inside allocated blocks: block size minus requested size.",
                     "free-not-waste")
    if value == params["ever_wasted"]:
        return wrong("A freed block no longer wastes anything: count only the blocks still "
                     "allocated at the end.", "counted-freed-blocks")
    if value == 0:
        return wrong("Requests are rounded up to block sizes, so the blocks hold unused "
                     "space.", "no-round-up")
    if value == params["allocated"]:
        return wrong("That is all the allocated memory; subtract what the requests use.")
    return wrong("Not that much: for each block allocated at the end, take its block size "
                 "minus its requested size, and add these up.")


INTERNAL_FRAGMENTATION = QuestionType(
    kind="internal_fragmentation", title="Internal fragmentation after a script", form=answers.SIZE,
    judge=_judge_internal, build=internal_fragmentation, generate=generate_internal_fragmentation,
    setup_picture=True,
)
