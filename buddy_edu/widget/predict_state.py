"""Predict mode's bookkeeping: which operation is asked about next, the answers, the score.

The Stepper may only reveal an operation's events once the student answered a
question about it, so the furthest position it may show (the *gate*) follows
from the answers given.  Answers are about recorded events: when the timeline
changes (a live operation, an undo, code changing the allocator) the answers
whose operation no longer has the same events are dropped, with every later
one, since the questions after them were asked about a different history.

Plain Python over a :class:`BuddyAllocator`, no widgets: the Stepper owns one
and shows what it says; the tests drive it directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core import BuddyAllocator, Event, InvalidRequest
from .predict_questions import (
    GIVEAWAY_STATS,
    Marking,
    PredictQuestion,
    question_for,
    score_text,
)

#: Why an answer cannot be taken now.
NO_QUESTION = ("no question is waiting here: questions come up at the start of each "
               "operation not yet revealed (step forward to reach one)")


@dataclass(frozen=True)
class Answer:
    """A marked prediction and the events it was about (to notice a rewritten timeline)."""

    question: PredictQuestion
    value: int | str
    marking: Marking
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Kept:
    """Answers put aside with the operations a live operation replaced, for undo."""

    answers: dict[int, Answer]
    asked_from: int


class Predictions:
    """The questions and answers of one Stepper's predict mode (inert when ``enabled`` is
    False: everything is revealed and nothing is asked).

    ``asked_from`` is the first operation asked about: operations already shown when
    the Stepper starts are not.
    """

    @classmethod
    def starting_at(cls, allocator: BuddyAllocator, enabled: bool,
                    position: int) -> tuple[Predictions, int]:
        """Predictions for a Stepper that starts at ``position``, and the position it starts
        at: operations already shown there are not asked about, and a start inside an
        operation (in predict mode) moves back to that operation's start."""
        if not enabled or not position:
            return cls(allocator, enabled), position
        op = allocator.event_at(position - 1).op
        span = allocator.operation_span(op)
        if position == span.stop:
            return cls(allocator, enabled, op + 1), position
        return cls(allocator, enabled, op), span.start

    def __init__(self, allocator: BuddyAllocator, enabled: bool, asked_from: int = 0) -> None:
        self._allocator = allocator
        self.enabled = enabled
        self._start = asked_from
        self.asked_from = asked_from
        self.answers: dict[int, Answer] = {}
        self._questions: dict[int, PredictQuestion] = {}

    # ------------------------------------------------------------ reading
    def due(self) -> int:
        """The operation the next question is about (may be past the last operation)."""
        return self.asked_from + len(self.answers)

    def gate(self) -> int:
        """The furthest position the student may see now: the start of the first operation
        not yet answered for (the end of the timeline when predict mode is off)."""
        allocator = self._allocator
        count = allocator.event_count()
        if not self.enabled:
            return count
        op = self.due()
        if op >= allocator.operation_count():
            return count
        return allocator.operation_span(op).start

    def question(self) -> PredictQuestion | None:
        """The question waiting to be answered, or None (predict mode off, or every
        operation answered)."""
        op = self.due()
        if not self.enabled or op >= self._allocator.operation_count():
            return None
        if op not in self._questions:
            self._questions[op] = question_for(self._allocator, op)
        return self._questions[op]

    def hides_total(self) -> bool:
        """Whether to keep the number of events from the student (the "of N" in "Step k of
        N", the slider's end): while an operation is unanswered, it tells how many events
        (splits, merges) are still to come."""
        return self.enabled and self.gate() < self._allocator.event_count()

    def hidden_stats(self) -> tuple[str, ...]:
        """The stats rows that would answer the waiting question, hidden until it is
        answered (see :data:`GIVEAWAY_STATS`); () when nothing is asked."""
        question = self.question()
        return GIVEAWAY_STATS.get(question.kind, ()) if question is not None else ()

    def answered(self, op: int) -> Answer | None:
        """The answer given about operation ``op``, if any."""
        return self.answers.get(op)

    def score(self) -> tuple[int, int]:
        """``(right, answered)``."""
        right = sum(answer.marking.correct for answer in self.answers.values())
        return right, len(self.answers)

    def score_text(self) -> str:
        """The running score in words, e.g. "Score: 3 / 4 correct"."""
        return score_text([answer.marking for answer in self.answers.values()])

    # ------------------------------------------------------------ changing
    def answer(self, value: int | str) -> Marking:
        """Mark ``value`` as the answer to the waiting question and record it."""
        question = self.question()
        if question is None:
            raise InvalidRequest(NO_QUESTION)
        marking = question.check(value)
        self.answers[question.op] = Answer(question, value, marking,
                                           self._events(question.op))
        return marking

    def timeline_changed(self) -> None:
        """Drop the answers (and cached questions) the allocator's timeline no longer
        matches: from the first operation whose events changed, every answer on."""
        self._questions.clear()
        ops = self._allocator.operation_count()
        for op in sorted(self.answers):
            if op >= ops or self.answers[op].events != self._events(op):
                self._drop_from(op)
                break
        self.asked_from = min(self.asked_from, ops)

    def replaced_from(self, op: int) -> Kept:
        """A new operation took the place of operations ``op`` on: forget their answers,
        and return them (with where asking started) so an undo can put them back."""
        kept = Kept({k: a for k, a in self.answers.items() if k >= op}, self.asked_from)
        self._drop_from(op)
        self.asked_from = min(self.asked_from, op)
        return kept

    def restore(self, kept: Kept) -> None:
        """Put back answers set aside by :meth:`replaced_from` (their operations are back)."""
        self.answers.update(kept.answers)
        self.asked_from = kept.asked_from
        self._questions.clear()

    def reset(self) -> None:
        """No answers, asking from where the Stepper started."""
        self.answers.clear()
        self._questions.clear()
        self.asked_from = self._start

    # ------------------------------------------------------------ private
    def _events(self, op: int) -> tuple[Event, ...]:
        allocator = self._allocator
        return tuple(allocator.event_at(index) for index in allocator.operation_span(op))

    def _drop_from(self, op: int) -> None:
        for later in [k for k in self.answers if k >= op]:
            del self.answers[later]
