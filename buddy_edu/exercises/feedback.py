"""What a student gets back from checking one answer.

A Feedback is plain data (so the grader can store it) that also shows itself
as one line in a notebook: a mark, the share of the points, and the message.
The message says what was wrong and, when the answer matches a well-known
misunderstanding, names it; it never contains the correct answer.
"""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class Feedback:
    """The result of checking one answer.

    ``score`` is the share of the question's points earned (0 to 1);
    ``misconception`` is a short id such as ``"not-buddies"`` when the answer
    is the one that a known misunderstanding produces, else None.
    """

    score: float
    message: str
    misconception: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"a Feedback score is between 0 and 1, got {self.score!r}")

    @property
    def correct(self) -> bool:
        """Whether the answer earned full marks."""
        return self.score >= 1.0

    @property
    def mark(self) -> str:
        """✓ for full marks, ◐ for partial credit, ✗ for none."""
        if self.score >= 1.0:
            return "✓"
        return "◐" if self.score > 0 else "✗"

    def line(self) -> str:
        """The one-line text shown under an answer cell."""
        if 0 < self.score < 1:
            return f"{self.mark} {round(self.score * 100)}%: {self.message}"
        return f"{self.mark} {self.message}"

    def _repr_html_(self) -> str:
        colour = {"✓": "#009E73", "◐": "#E69F00", "✗": "#D55E00"}[self.mark]
        return (
            f'<div class="buddy-edu-feedback"><b style="color:{colour}">{self.mark}</b> '
            f"{html.escape(self.line()[2:])}</div>"
        )

    def to_dict(self) -> dict:
        """Plain data for gradebooks and JSON."""
        return {"score": self.score, "message": self.message,
                "misconception": self.misconception}


def right(message: str = "Correct.") -> Feedback:
    """Full marks."""
    return Feedback(1.0, message)


def wrong(message: str, misconception: str | None = None) -> Feedback:
    """No marks, with what went wrong."""
    return Feedback(0.0, message, misconception)


def partial(score: float, message: str, misconception: str | None = None) -> Feedback:
    """Some of the marks: ``score`` is clamped into 0..1."""
    return Feedback(min(1.0, max(0.0, float(score))), message, misconception)
