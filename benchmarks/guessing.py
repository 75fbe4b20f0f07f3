"""How much guessing earns on each graded question, over 100 students.

Prints, per question, the average share of its points that each constant answer
(0, [], "succeeds", a list of zeros) earns, the best constant in hindsight (the
commonest key value given by everyone), and a neighbour's answer; then what a
neighbour's whole key earns per assignment.  Goals (issue 8): the listed constants
at most 25%, a neighbour's whole key at most about a third.  The tests hold those
goals with this module's own ``guessing`` and ``neighbour_share``, so the figures
printed are the figures tested.

    .venv/bin/python benchmarks/guessing.py [STUDENTS]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass

from buddy_edu.exercises import ASSIGNMENTS, Question
from buddy_edu.exercises.course.assignments import get_assignment, variant

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


def main() -> None:
    students = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    print(f"{'question':<26} {'0':>6} {'[]':>6} {'succ.':>6} {'zeros':>6} {'best':>6} "
          f"{'neigh.':>6}")
    for name in ASSIGNMENTS:
        figures = guessing(name, students)
        for figure in figures:
            values = [figure.constants[key] for key in ("0", "[]", "'succeeds'", "'zeros'")]
            cells = " ".join(f"{100 * v:5.0f}%" for v in values + [figure.best_constant,
                                                                  figure.neighbour])
            print(f"{name + ' ' + figure.id + ' ' + figure.kind:<26.26} {cells}")
        share = neighbour_share(name, students, figures)
        worst = max(f.worst_listed for f in figures)
        print(f"  {name}: neighbour's whole key {100 * share:.0f}% (goal <= 33%), "
              f"worst listed constant {100 * worst:.0f}% (goal <= 25%)\n")


if __name__ == "__main__":
    main()
