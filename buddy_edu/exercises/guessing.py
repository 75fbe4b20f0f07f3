"""How much an assignment gives away to guessing: constant answers and a neighbour's key.

An assignment measures knowledge only if answers that need none earn little.
These figures are what an instructor (and the tests) look at before trusting
one: the average share of a question's points that a constant answer earns
across many students, and what copying a neighbour's whole key earns.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from .assignments import get_assignment, variant
from .question import Question

#: The answers someone who knows nothing types: zero, nothing, the first outcome.
CONSTANTS = (0, [], "succeeds", "zeros")


@dataclass(frozen=True)
class QuestionGuessing:
    """Average share of one question's points (0 to 1) that guesses earn across students."""

    id: str
    kind: str
    constants: dict[str, float]  # each answer of CONSTANTS, by its repr
    best_constant: float  # the commonest key value, given by everyone
    neighbour: float  # the next student's answer to the same question

    @property
    def worst_listed(self) -> float:
        """The most that any of :data:`CONSTANTS` earns."""
        return max(self.constants.values())


def _constant(value: object, question: Question) -> object:
    if value == "zeros":
        orders = question.params.get("orders")
        return [0] * orders if orders else 0
    return value


def guessing(assignment: str, students: int = 100) -> list[QuestionGuessing]:
    """Guessing figures for every question of ``assignment`` over ``students`` made-up ids."""
    spec = get_assignment(assignment)
    variants = [variant(spec.name, f"student-{number:03d}") for number in range(students)]
    results = []
    for index, question_id in enumerate(spec.question_ids):
        column = [questions[index] for questions in variants]
        constants = {
            repr(value): _average(q.check(_constant(value, q)).score for q in column)
            for value in CONSTANTS
        }
        keys = Counter(json.dumps(q.answer) for q in column)
        common = json.loads(keys.most_common(1)[0][0])
        best = _average(q.check(common).score for q in column)
        neighbour = _average(
            column[(n + 1) % len(column)].check(column[n].answer).score
            for n in range(len(column))
        )
        results.append(QuestionGuessing(question_id, column[0].kind, constants, best, neighbour))
    return results


def neighbour_share(assignment: str, students: int = 100,
                    figures: list[QuestionGuessing] | None = None) -> float:
    """The share of the whole assignment's points a neighbour's full key earns, on average."""
    spec = get_assignment(assignment)
    figures = guessing(assignment, students) if figures is None else figures
    earned = sum(slot.points * figure.neighbour
                 for slot, figure in zip(spec.slots, figures, strict=True))
    return earned / spec.max_score


def _average(scores) -> float:
    values = list(scores)
    return sum(values) / len(values)
