"""Predict-mode questions, computed from the core's own recorded events.

Before a student steps into an operation, the Stepper asks one short question
about it: where the block will start, how many splits it takes, whether the
request fails, or how many merges a free causes.  The right answer and the
one-line reason are read off the events the allocator already recorded for
that operation (``operation_span`` and ``event_at``); nothing here re-applies
the buddy rules, so the questions can never disagree with what the stepper
then shows.  This module has no widgets, so it is tested on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..core import BuddyAllocator, Event, InvalidRequest, format_size

FAIL_CHOICE = "fail"  # the choice value meaning "the request fails"
QUESTION_KINDS = ("where", "splits", "fails", "merges")  # what PredictQuestion.kind can be
_ALLOCATION_KINDS = ("where", "splits", "fails")  # asked in turn, one per allocation
#: The stats rows that would answer a question of each kind, hidden until it is answered.
#: Every allocation question can be answered "it fails" (where, how many splits, will it
#: succeed), and beside it "largest free block 64K, the biggest request that fits" says
#: whether a 128K request does; external fragmentation (1 - largest / free) says it too.
_FAILS_GIVEN_AWAY = ("largest free block", "external fragmentation")
GIVEAWAY_STATS = {kind: _FAILS_GIVEN_AWAY for kind in _ALLOCATION_KINDS}
_MAX_ADDRESS_CHOICES = 6


@dataclass(frozen=True)
class Marking:
    """How one answer was marked: ``message`` is one line, starting "Right" or "Not quite"."""

    correct: bool
    chosen: str
    message: str


@dataclass(frozen=True)
class PredictQuestion:
    """One question about operation ``op``; ``choices`` are ``(label, value)`` pairs."""

    op: int
    kind: str
    prompt: str
    choices: tuple[tuple[str, int | str], ...]
    answer: int | str
    reason: str

    def label_of(self, value: int | str) -> str:
        """The label shown for a choice value."""
        for label, choice in self.choices:
            if choice == value:
                return label
        raise InvalidRequest(
            f"{value!r} is not one of the choices for this question: "
            f"pick one of {', '.join(label for label, _ in self.choices)}"
        )

    def check(self, value: int | str) -> Marking:
        """Mark an answer; an unknown choice raises :class:`InvalidRequest`."""
        chosen = self.label_of(value)
        if value == self.answer:
            return Marking(True, chosen, f"Right! {self.reason}")
        return Marking(False, chosen, f"Not quite: you chose {chosen}. {self.reason}")


def question_for(allocator: BuddyAllocator, op: int) -> PredictQuestion:
    """The question to ask before operation ``op`` is revealed.

    Free operations ask how many merges follow; allocations take turns asking
    where the block lands, how many splits happen and whether the request
    fails (falling back to splits when only one place is possible).  The
    allocator's position is the same afterwards.
    """
    span = allocator.operation_span(op)
    events = [allocator.event_at(index) for index in span]
    with _state_at(allocator, span.start):
        if events[0].kind == "free":
            return _merges(allocator, op, events)
        kind = _ALLOCATION_KINDS[_allocation_ordinal(allocator, op) % len(_ALLOCATION_KINDS)]
        if kind == "where":
            question = _where(allocator, op, events)
            if question is not None:
                return question
            kind = "splits"
        if kind == "splits":
            return _splits(allocator, op, events)
        return _fails(allocator, op, events)


def score_text(markings: list[Marking]) -> str:
    """The running score, e.g. "Score: 3 / 4 correct"."""
    right = sum(marking.correct for marking in markings)
    return f"Score: {right} / {len(markings)} correct"


# --------------------------------------------------------------- questions
def _where(allocator: BuddyAllocator, op: int, events: list[Event]) -> PredictQuestion | None:
    outcome = events[-1]
    need = outcome.size
    answer: int | str = FAIL_CHOICE if outcome.kind == "fail" else outcome.address
    places = set()
    for address, size in allocator.free_blocks():
        if size >= need:
            places.update((address, address + size // 2, address + size - need))
    places.discard(answer)
    others = sorted(places)[: _MAX_ADDRESS_CHOICES - (answer != FAIL_CHOICE)]
    addresses = sorted(others + ([answer] if answer != FAIL_CHOICE else []))
    if len(addresses) < 2:
        return None
    choices = tuple((format_size(a), a) for a in addresses)
    choices += (("nowhere: it fails", FAIL_CHOICE),)
    prompt = (
        f"{_who(outcome)} asks for {format_size(outcome.requested)}. "
        "Where will its block start?"
    )
    return PredictQuestion(op, "where", prompt, choices, answer,
                           _allocation_reason(allocator, events))


def _splits(allocator: BuddyAllocator, op: int, events: list[Event]) -> PredictQuestion:
    outcome = events[-1]
    most = _levels(allocator, outcome.size)
    splits = sum(event.kind == "split" for event in events)
    answer: int | str = FAIL_CHOICE if outcome.kind == "fail" else splits
    choices = tuple((str(n), n) for n in range(most + 1)) + (("none: it fails", FAIL_CHOICE),)
    prompt = (
        f"{_who(outcome)} asks for {format_size(outcome.requested)}. "
        "How many splits happen before it gets its block?"
    )
    return PredictQuestion(op, "splits", prompt, choices, answer,
                           _allocation_reason(allocator, events))


def _fails(allocator: BuddyAllocator, op: int, events: list[Event]) -> PredictQuestion:
    outcome = events[-1]
    answer = FAIL_CHOICE if outcome.kind == "fail" else "succeeds"
    choices = (("yes, it gets a block", "succeeds"), ("no: the request fails", FAIL_CHOICE))
    prompt = f"{_who(outcome)} asks for {format_size(outcome.requested)}. Will it get a block?"
    return PredictQuestion(op, "fails", prompt, choices, answer,
                           _allocation_reason(allocator, events))


def _merges(allocator: BuddyAllocator, op: int, events: list[Event]) -> PredictQuestion:
    freed = events[0]
    merges = [event for event in events if event.kind == "merge"]
    most = _levels(allocator, freed.size)
    choices = tuple((str(n), n) for n in range(most + 1))
    prompt = (
        f"{freed.name} frees its {format_size(freed.size)} block at "
        f"{format_size(freed.address)}. How many merges follow?"
    )
    if merges:
        final = merges[-1]
        times = _times(len(merges))
        reason = (
            f"The freed block merges with a free buddy {times} and ends as a free "
            f"{format_size(final.size)} block at {format_size(final.address)}."
        )
    else:
        buddy = freed.address ^ freed.size
        reason = (
            f"Its buddy at {format_size(buddy)} is not a whole free "
            f"{format_size(freed.size)} block, so nothing merges."
        )
    return PredictQuestion(op, "merges", prompt, choices, len(merges), reason)


# ------------------------------------------------------------------ helpers
def _allocation_reason(allocator: BuddyAllocator, events: list[Event]) -> str:
    outcome = events[-1]
    rounded = f"{format_size(outcome.requested)} rounds up to a {format_size(outcome.size)} block"
    if outcome.kind == "fail":
        stats = allocator.stats()
        reason = f"{rounded}, but the largest free block is {format_size(stats.largest_free)}"
        if stats.free >= outcome.size:
            reason += (
                f" although {format_size(stats.free)} is free in total "
                "(external fragmentation)"
            )
        return reason + ", so the request fails."
    splits = [event for event in events if event.kind == "split"]
    if splits:
        first = splits[0]
        how = (
            f"the free {format_size(first.size)} block at {format_size(first.address)} "
            f"is split {_times(len(splits))}"
        )
    else:
        how = f"a free {format_size(outcome.size)} block is ready, so nothing is split"
    return f"{rounded}; {how}, and {outcome.name} gets the block at {format_size(outcome.address)}."


def _who(event: Event) -> str:
    return event.name or "The request"


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def _levels(allocator: BuddyAllocator, size: int) -> int:
    """How many times a block of ``size`` can double before it is the whole memory."""
    return (allocator.total // size).bit_length() - 1


def _allocation_ordinal(allocator: BuddyAllocator, op: int) -> int:
    """How many allocation operations come before ``op``."""
    return sum(
        allocator.event_at(allocator.operation_span(k).start).kind != "free" for k in range(op)
    )


@contextmanager
def _state_at(allocator: BuddyAllocator, position: int) -> Iterator[None]:
    """Look at the allocator at ``position`` and put it back where it was."""
    start = allocator.position
    allocator.seek(position)
    try:
        yield
    finally:
        allocator.seek(start)
