"""What the batch grader hands back: one frozen Result per submission.

Kept apart from the grader so the gradebook can build Results from its
tables without importing the machinery that runs kernels.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class QuestionResult:
    """One question of one submission.

    ``score`` is the share of the points (0..1) and ``earned`` the points
    themselves; ``answer`` is the student's answer as the grader read it
    (plain JSON data, None when there was none) and ``expected`` the answer
    that scores full marks, shown only in feedback written with ``reveal``.
    """

    id: str
    points: int
    earned: float
    score: float
    message: str
    misconception: str | None = None
    answer: object = None
    expected: object = field(default=None, repr=False)


@dataclass(frozen=True)
class Result:
    """The grade of one submission.

    ``error`` is set when the notebook could not be run to the end (not a
    notebook, the kernel died, time ran out); the questions it did not reach
    score 0 and say why.  ``notes`` hold smaller remarks, such as a cell that
    raised.  ``skipped`` is True when the gradebook already held this exact
    file's grade, so nothing was run again.  ``sandboxed`` is False for a
    grade made without a sandbox (``--no-sandbox``), which the notebook could
    have tampered with.  ``mode`` is ``practice`` for a grade checked against
    practice mode's variants (anyone can make those), else ``course:`` and a
    fingerprint of the course secret.
    """

    student: str
    assignment: str
    path: str
    score: float
    max_score: int
    questions: tuple[QuestionResult, ...]
    error: str | None = None
    notes: tuple[str, ...] = ()
    file_hash: str = ""
    seconds: float = 0.0
    skipped: bool = False
    sandboxed: bool = True
    mode: str = "practice"

    @property
    def practice(self) -> bool:
        """Whether this grade was checked against practice mode's variants."""
        return self.mode == "practice"

    @property
    def scores(self) -> dict[str, float]:
        """Points earned per question id."""
        return {question.id: question.earned for question in self.questions}

    @property
    def messages(self) -> dict[str, str]:
        """Feedback message per question id."""
        return {question.id: question.message for question in self.questions}

    @property
    def failed(self) -> bool:
        """Whether the notebook could not be run to the end."""
        return self.error is not None


def format_points(value: float) -> str:
    """Points as people write them: ``3``, ``1.5``, ``0.67``."""
    return f"{round(value, 2):g}"
