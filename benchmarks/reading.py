"""How long one check takes on hostile answer text, by length: reading must be linear.

Builds families of adversarial strings (long runs of spaces between a digit and a
dash, digits, commas, brackets, unit letters, negations ...) at 500, 1000, 2000
and 4000 characters, checks each against one question of every type, and prints
the slowest check per length.  If reading were super-linear, the time would
grow much faster than the length.  Goal (issue 8): milliseconds at 4000.

    .venv/bin/python benchmarks/reading.py
"""

from __future__ import annotations

import time

from buddy_edu.exercises import QUESTION_TYPES


def family(n: int) -> dict[str, str]:
    half = (n - 3) // 2
    return {
        "digit-spaces-dash": "1" + " " * half + "-" + " " * half + "]",
        "digits": "9" * n,
        "commas": "," * n,
        "brackets": "[" * (n // 2) + "]" * (n // 2),
        "open parens": "(" * n,
        "unit letters": "K" * n,
        "sizes": "1K" * (n // 2),
        "thousands": "1," * (n // 2),
        "hex": "0x" + "f" * (n - 2),
        "negations": "not " * (n // 4),
        "blocks": "(0, 64K) " * (n // 9),
        "ranges": "0-" * (n // 2),
        "decimals": "1." * (n // 2),
        "powers": "2^" * (n // 2),
        "outcome words": "no fails succeeds external " * (n // 27),
    }


def main() -> None:
    questions = [make(5) for make in QUESTION_TYPES.values()]
    print(f"{'length':>6}  {'slowest check':>14}  {'median check':>13}  slowest case")
    for n in (500, 1000, 2000, 4000):
        times = []
        for name, text in family(n).items():
            for question in questions:
                start = time.perf_counter()
                question.check(text)
                times.append((time.perf_counter() - start, name, question.kind))
        times.sort()
        slowest, name, kind = times[-1]
        median = times[len(times) // 2][0]
        print(f"{n:>6}  {slowest * 1000:>11.2f} ms  {median * 1000:>10.3f} ms  {name} / {kind}")


if __name__ == "__main__":
    main()
