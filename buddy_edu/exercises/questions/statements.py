""""Which statement is true?": four claims about one scenario; the wrong ones are what the
known misconceptions would say.

Every claim is an answer to a question of another type, built on the same scenario: the
true claim is that question's answer (the core's), and each false claim is an answer its
judge names a misconception for.  So the claims are decided by the same judges as the
rest of the bank, the answer is a letter, and the misconception each wrong letter stands
for is kept in the question's parameters (where a sealed check finds it).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from ...core import InvalidRequest, format_size
from .. import answers
from ..answers import FormError
from . import scenarios
from .buddies import buddy_address, merge_count
from .feedback import TAUGHT, Feedback, right, wrong
from .placement import landing_address, split_count, will_succeed
from .question import Question, QuestionType
from .sizes import block_order, block_size
from .waste import largest_request, waste_bound

LETTERS = "abcd"
TOPICS = ("splitting", "coalescing", "fragmentation")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# Each aspect: (make the question from the scenario, say a reading of it as a claim).
# A maker gets (rng, setup, allocator) and returns a Question, or raises InvalidRequest.
def _request_block(rng, setup, allocator):
    block = allocator.min_block << rng.randint(1, allocator.max_order - 1)
    request = scenarios.request(rng, allocator.min_block, block, rng.random() < 0.3)
    return block_size(request, allocator.total, allocator.min_block)


def _say_block(question, value):
    return (f"A request of {format_size(question.params['request'])} gets a block of "
            f"{format_size(value)}.")


def _fitting_request(rng, allocator) -> int:
    free = [size for _, size in allocator.free_blocks()]
    if not free:
        raise InvalidRequest("nothing is free")
    size = rng.choice(free)
    block = size >> rng.randint(0, 1) if size > allocator.min_block else size
    return scenarios.request(rng, allocator.min_block, block, rng.random() < 0.15)


def _order(rng, setup, allocator):
    block = allocator.min_block << rng.randint(1, allocator.max_order - 1)
    request = scenarios.request(rng, allocator.min_block, block, rng.random() < 0.3)
    return block_order(request, allocator.total, allocator.min_block)


def _say_order(question, value):
    return (f"A request of {format_size(question.params['request'])} gets a block of order "
            f"{value} (orders count from the minimum block, order 0).")


def _splits(rng, setup, allocator):
    return split_count(setup, _fitting_request(rng, allocator))


def _say_splits(question, value):
    return (f"If `X = alloc {format_size(question.params['request'])}` runs next, it splits "
            f"{_plural(value, 'block')}.")


def _landing(rng, setup, allocator):
    return landing_address(setup, _fitting_request(rng, allocator))


def _say_landing(question, value):
    return (f"If `X = alloc {format_size(question.params['request'])}` runs next, X lands at "
            f"address {format_size(value)}.")


def _buddy(rng, setup, allocator):
    size = allocator.min_block << rng.randint(0, allocator.max_order - 2)
    # An upper half (its buddy is on its left) that is not the last block, so that the
    # misconception's answer, address + size, is an address of this memory.
    index = 2 * rng.randrange(max(1, allocator.total // size // 2 - 1)) + 1
    return buddy_address(index * size, size, allocator.total, allocator.min_block)


def _say_buddy(question, value):
    return (f"The buddy of the {format_size(question.params['size'])} block at "
            f"{format_size(question.params['address'])} is the block at {format_size(value)}.")


def _merges(rng, setup, allocator):
    names = scenarios.live_names(allocator)
    if not names:
        raise InvalidRequest("nothing is allocated")
    return merge_count(setup, rng.choice(names))


def _say_merges(question, value):
    return f"If `free {question.params['name']}` runs next, it causes {_plural(value, 'merge')}."


def _outcome(rng, setup, allocator):
    block = allocator.min_block << rng.randint(1, allocator.max_order)
    return will_succeed(setup, scenarios.request(rng, allocator.min_block, block))


def _say_outcome(question, value):
    run = f"If `X = alloc {format_size(question.params['request'])}` runs next, it"
    return {answers.SUCCEEDS: f"{run} succeeds.",
            answers.EXTERNAL: f"{run} fails although enough memory is free in total "
                              "(external fragmentation).",
            answers.NOT_ENOUGH: f"{run} fails: not enough memory is free in total.",
            answers.INTERNAL: f"{run} fails because of internal fragmentation."}[value]


def _largest(rng, setup, allocator):
    return largest_request(setup)


def _say_largest(question, value):
    return f"After the script, the largest request that can succeed is {format_size(value)}."


def _waste(rng, setup, allocator):
    block = allocator.min_block << rng.randint(1, allocator.max_order)
    return waste_bound(block, allocator.total, allocator.min_block)


def _say_waste(question, value):
    return (f"Of all requests (whole multiples of 1K) that get a "
            f"{format_size(question.params['block'])} block, the one that wastes the most "
            f"wastes {format_size(value)} inside it.")


Aspect = tuple[Callable, Callable]
ASPECTS: dict[str, tuple[Aspect, ...]] = {
    "splitting": ((_request_block, _say_block), (_splits, _say_splits),
                  (_landing, _say_landing), (_order, _say_order)),
    "coalescing": ((_buddy, _say_buddy), (_merges, _say_merges), (_landing, _say_landing),
                   (_outcome, _say_outcome)),
    "fragmentation": ((_outcome, _say_outcome), (_largest, _say_largest),
                      (_waste, _say_waste), (_request_block, _say_block)),
}


def misconceived(question: Question) -> list[tuple[object, Feedback]]:
    """Readings of ``question`` that its judge scores 0 and names a misconception for: the
    values its parameters keep for them, and numbers near the answer."""
    form = question.type.form
    candidates: list = [question.answer]
    if form is answers.OUTCOME:
        candidates += [answers.SUCCEEDS, answers.EXTERNAL, answers.NOT_ENOUGH,
                       answers.INTERNAL]
    else:
        stack: list = [question.params]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                stack += list(value.values())
            elif isinstance(value, list):
                stack += value
            elif type(value) is int and value >= 0:
                candidates.append(value)
        answer = question.answer if type(question.answer) is int else 0
        candidates += [answer + 1, max(answer - 1, 0), 2 * answer, answer // 2]
    found, seen = [], set()
    for value in candidates:
        try:
            reading = form.parse(question.params, value)
        except (FormError, TypeError, ValueError):
            continue
        if reading in seen:
            continue
        seen.add(reading)
        try:
            feedback = question.type.judge(question, reading)
        except Exception:  # a broken checker must not stop a batch: that claim is not offered
            continue
        if feedback.score == 0 and feedback.misconception:
            found.append((reading, feedback))
    return found


def which_is_true(setup: str, claims: list[tuple[str, str | None, str]]) -> Question:
    """A question from explicit claims: ``(text, misconception or None, why it is false)``,
    exactly one of them true (its misconception and explanation are None and "")."""
    if len(claims) != len(LETTERS) or sum(1 for _, m, why in claims if not why) != 1:
        raise InvalidRequest(f"give {len(LETTERS)} claims, exactly one true (no explanation)")
    listing = "\n\n".join(f"**({letter})** {text}" for letter, (text, _, _) in
                          zip(LETTERS, claims, strict=True))
    prompt = (f"{scenarios.setup_text(setup)}\n\nWhich **one** of these statements is true? "
              f"Exactly one is.\n\n{listing}\n\nAnswer with its letter.")
    answer = next(letter for letter, (_, _, why) in zip(LETTERS, claims, strict=True)
                  if not why)
    params = {"setup": setup, "choices": list(LETTERS),
              "statements": [text for text, _, _ in claims],
              "misconceptions": {letter: m for letter, (_, m, why) in
                                 zip(LETTERS, claims, strict=True) if why},
              "explanations": {letter: why for letter, (_, _, why) in
                               zip(LETTERS, claims, strict=True) if why}}
    return Question(WHICH_IS_TRUE, prompt, params, answer)


def generate_which_is_true(seed: random.Random | int | str, topic: str | None = None
                           ) -> Question:
    """Four claims about one random scenario of ``topic`` (one of ``TOPICS``): one true, the
    other three what a named misconception would claim."""
    rng = scenarios.rng_of(seed)
    topic = rng.choice(TOPICS) if topic is None else topic
    if topic not in ASPECTS:
        raise InvalidRequest(f"topic must be one of {', '.join(TOPICS)}, got {topic!r}")

    def make(rng: random.Random):
        total, min_block = scenarios.memory(rng)
        lines = scenarios.random_lines(rng, total, min_block, rng.randint(4, 8),
                                       free_share=0.35)
        setup = scenarios.script([scenarios.header(total, min_block)] + lines)
        allocator = scenarios.run(setup)
        built = []
        for maker, say in ASPECTS[topic]:
            try:
                question = maker(rng, setup, allocator)
            except InvalidRequest:
                return None
            built.append((question, say, misconceived(question)))
        true = rng.randrange(len(built))
        claims = [(built[true][1](built[true][0], built[true][0].answer), None, "")]
        for index, (question, say, wrong_ones) in enumerate(built):
            if index == true:
                continue
            if not wrong_ones:
                return None
            taught = [pair for pair in wrong_ones if pair[1].misconception in TAUGHT]
            reading, feedback = rng.choice(taught or wrong_ones)
            claims.append((say(question, reading), feedback.misconception,
                           feedback.message))
        if len({text for text, _, _ in claims}) != len(claims):
            return None
        rng.shuffle(claims)
        return which_is_true(setup, claims)

    return scenarios.search(rng, make, lambda: _fallback(topic), tries=200)


def _fallback(topic: str) -> Question:
    """Claims a test checks against the core's judges (used only if no scenario turns up)."""
    setup = "memory 1M min 64K\nA = alloc 60K\nB = alloc 60K\nC = alloc 120K\nfree A\n"
    return which_is_true(setup, [
        ("If `free B` runs next, it causes 1 merge.", None, ""),
        ("A request of 64K gets a block of 128K.", "exact-fit-rounded-up",
         "Too big: the request is already a block size, and an exact fit is not rounded "
         "further."),
        ("The buddy of the 64K block at 64K is the block at 128K.", "buddy-plus-size",
         "address + size is the buddy only of a block that is the lower half of its parent."),
        ("A request of 100K gets a block of 100K.", "no-round-up",
         "A block is the minimum block times a power of two: round the request up."),
    ])


def _judge_which(question: Question, letter: str) -> Feedback:
    params = question.params
    if letter == question.answer:
        return right("That is the true one: the allocator agrees.")
    if letter not in params["choices"]:
        return wrong(f"There is no statement ({letter}): answer with one of "
                     f"{', '.join(params['choices'])}.")
    return wrong(f"Statement ({letter}) is false. {params['explanations'][letter]}",
                 params["misconceptions"].get(letter))


WHICH_IS_TRUE = QuestionType(
    kind="which_is_true", title="Which statement is true?", form=answers.CHOICE,
    judge=_judge_which, build=which_is_true, generate=generate_which_is_true,
    setup_picture=True,
)

__all__ = ["generate_which_is_true", "misconceived", "which_is_true"]
