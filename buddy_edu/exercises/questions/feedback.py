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


def right(message: str = "That is what the allocator does.") -> Feedback:
    """Full marks."""
    return Feedback(1.0, message)


def wrong(message: str, misconception: str | None = None) -> Feedback:
    """No marks, with what went wrong."""
    return Feedback(0.0, message, misconception)


def partial(score: float, message: str, misconception: str | None = None) -> Feedback:
    """Some of the marks: ``score`` is clamped into 0..1."""
    return Feedback(min(1.0, max(0.0, float(score))), message, misconception)


#: Every misconception a check can name, by id, with the words shown to students.
MISCONCEPTIONS = {
    "no-round-up": "not rounding the request up to a block size",
    "exact-fit-rounded-up": "rounding up a request that is already a block size",
    "rounded-too-far": "rounding up past the smallest block that holds the request",
    "below-min-block": "a block smaller than the minimum block",
    "size-not-order": "giving a size where an order is asked",
    "absolute-order": ("giving Knuth's absolute order k (the size is 2^k) where the order "
                       "counted from the minimum block is asked"),
    "buddy-plus-size": "taking address + size as the buddy of every block",
    "not-buddies": "merging free neighbours that are not buddies",
    "different-sizes-merge": "merging blocks of different sizes",
    "one-level-merge": "stopping after one merge",
    "no-merge": "forgetting that a freed block merges",
    "results-not-buddies": "naming the merged blocks instead of the buddies",
    "took-upper-half": "handing out the upper half of a split",
    "split-from-top": "splitting from the whole memory every time",
    "first-fit": "taking the first free block by address",
    "wrong-policy": "using another placement policy",
    "ignores-fragmentation": "adding up free memory that lies in separate blocks",
    "internal-vs-external": "mixing up internal and external fragmentation",
    "buddy-no-fragmentation": "believing the buddy system eliminates fragmentation",
    "waste-against-request": "stating the internal-fragmentation bound against the request",
    "free-not-waste": "counting free memory as internal fragmentation",
    "counted-freed-blocks": "counting the waste of blocks already freed",
    "counted-allocated": "counting allocated blocks as free",
    "reversed-orders": "listing the orders from the largest down",
    "too-small": "stopping short of the largest request that fits",
    "address-not-pfn": "giving a byte address where a page frame number is asked",
    "xor-with-order": "XOR with the order itself instead of with 2 to the order",
    "wrong-order-bit": "flipping the bit of another order",
    "buddyinfo-column-from-one": "counting /proc/buddyinfo's columns from order 1, not 0",
    "count-as-pages": "reading a count of free blocks as a count of pages",
}

#: The nine misconceptions the lessons teach against; each has a graded question.
TAUGHT = ("no-round-up", "exact-fit-rounded-up", "buddy-plus-size", "not-buddies",
          "different-sizes-merge", "one-level-merge", "took-upper-half",
          "buddy-no-fragmentation", "waste-against-request")

#: How much ``check`` says on a graded question: the whole message, the mark and the
#: misconception's name, or nothing until the notebook is graded.
LEVELS = ("full", "mark", "none")


@dataclass(frozen=True)
class Recorded:
    """What ``check`` shows when an assignment gives no feedback before grading."""

    readable: bool
    message: str
    mark = "•"  # neither ✓ nor ✗: nothing is marked before grading

    def line(self) -> str:
        """The one-line text shown under an answer cell."""
        return f"{self.mark} {self.message}"

    def to_dict(self) -> dict:
        """Plain data, like ``Feedback.to_dict`` but with no score to give away."""
        return {"recorded": self.readable, "message": self.message}

    def __repr__(self) -> str:
        return self.line()

    def _repr_html_(self) -> str:
        return f'<div class="buddy-edu-feedback">{html.escape(self.line())}</div>'


def limited(feedback: Feedback, level: str) -> Feedback | Recorded:
    """``feedback`` as an assignment with feedback ``level`` shows it to the student.

    ``mark`` keeps the score and names the misconception, if any, without the
    explanation; ``none`` says only whether the answer could be read.  Points never
    depend on the level: the grader always scores the full answer.
    """
    if level == "full":
        return feedback
    unreadable = feedback.score == 0 and feedback.message.startswith(
        ("Cannot read", "No answer"))
    if level == "none":
        if unreadable:
            return Recorded(False, feedback.message)
        return Recorded(True, "Answer recorded: it is checked when your notebook is graded.")
    if unreadable:
        return feedback
    words = {"✓": "Right.", "◐": "Partly right.", "✗": "Not right yet."}[feedback.mark]
    name = MISCONCEPTIONS.get(feedback.misconception or "")
    return Feedback(feedback.score, f"{words} Looks like: {name}." if name else words,
                    feedback.misconception)
