"""Partial credit for answers with several parts, with summaries that never
say what the missing parts are."""

from __future__ import annotations

from collections import Counter


def score_blocks(given: list[tuple[int, int]], expected: list[tuple[int, int]]
                 ) -> tuple[float, str]:
    """Share of the expected blocks listed, minus one share per wrong or repeated block.

    Returns the score (clamped at 0) and a one-sentence summary that counts
    the student's right and wrong blocks without naming the missing ones.
    """
    want = Counter(expected)
    have = Counter(given)
    hits = sum((have & want).values())
    extras = sum((have - want).values())
    missing = sum((want - have).values())
    score = max(0.0, (hits - extras) / len(expected)) if expected else (0.0 if given else 1.0)
    if given:
        right = f"{hits} {_is(hits)}" if hits else "none is"
        sentence = f"Of the {_blocks(len(given))} you listed, {right} right"
        if extras:
            sentence += f" and {extras} {_is(extras)} not"
    else:
        sentence = "You listed no blocks"
    if missing:
        sentence += "; at least one block is missing"
    return score, sentence


def score_counts(given: list[int], expected: list[int]) -> tuple[float, int]:
    """Partial credit for counts per order, and how many orders are wrong.

    Only orders where the student or the key has a free block count: a list of
    zeros matches most orders of a mostly-empty key without knowing anything, so
    it earns nothing.  A wrong answer earns at most half: the share of those
    orders that are right less the share that are wrong, halved (so one slip in
    a careful trace keeps some credit, and a guess that gets some orders right
    by chance and others wrong keeps none).
    """
    length = max(len(given), len(expected))
    given = list(given) + [0] * (length - len(given))
    expected = list(expected) + [0] * (length - len(expected))
    relevant = [j for j in range(length) if given[j] or expected[j]]
    wrong = sum(1 for j in range(length) if given[j] != expected[j])
    if not relevant:
        return (1.0 if not wrong else 0.0), wrong
    right = sum(1 for j in relevant if given[j] == expected[j])
    if not wrong:
        return 1.0, wrong
    return max(0.0, 0.5 * (right - wrong) / len(relevant)), wrong


def _blocks(number: int) -> str:
    return "1 block" if number == 1 else f"{number} blocks"


def _is(number: int) -> str:
    return "is" if number == 1 else "are"
