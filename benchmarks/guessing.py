"""How much guessing earns on each graded question, over 100 students.

Prints, per question, the average share of its points that each constant answer
(0, [], "succeeds", a list of zeros) earns, the best constant in hindsight (the
commonest key value given by everyone), and a neighbour's answer; then what a
neighbour's whole key earns per assignment.  Goals (issue 8): the listed constants
at most 25%, a neighbour's whole key at most about a third.

    .venv/bin/python benchmarks/guessing.py [STUDENTS]
"""

from __future__ import annotations

import sys

from buddy_edu.exercises import ASSIGNMENTS
from buddy_edu.exercises.guessing import guessing, neighbour_share


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
