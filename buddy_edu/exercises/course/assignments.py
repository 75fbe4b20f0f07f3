"""Assignments: fixed lists of question slots, turned into one variant per student.

A variant is seeded from (assignment, student, question number), so it is the
same on every machine and in every process (Python's own ``hash()`` is salted
per process and would not be), and a neighbour with another id gets other
numbers.  In practice mode the seed is a plain SHA-256 of those three, which
anyone can compute; in a course it is an HMAC under the course's secret
(:mod:`.settings`), which only the instructor can.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from dataclasses import dataclass, field

from ...core import InvalidRequest
from ..questions.question import Question
from ..registry import QUESTION_TYPES

STUDENT_ID = re.compile(r"[A-Za-z0-9._@-]{1,64}\Z")
PLACEHOLDER_ID = "your-id"


@dataclass(frozen=True)
class Slot:
    """One question of an assignment: its kind, its points and the generator's options."""

    kind: str
    points: int
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Assignment:
    """A named list of question slots, with the lesson it goes with.

    ``feedback`` is how much ``ex.check`` says on its questions before grading
    (one of ``feedback.LEVELS``): ``full`` explains mistakes, ``mark`` gives
    only ✓/◐/✗ and the misconception's name, ``none`` only says the answer was
    recorded.  Unlimited checks with full explanations let a patient student
    search for an answer; the instructor chooses the trade-off.
    """

    name: str
    title: str
    lessons: tuple[str, ...]
    intro: str
    slots: tuple[Slot, ...]
    feedback: str = "full"

    @property
    def max_score(self) -> int:
        """The points of all questions together."""
        return sum(slot.points for slot in self.slots)

    @property
    def question_ids(self) -> list[str]:
        """``["q1", "q2", ...]``."""
        return [f"q{number}" for number in range(1, len(self.slots) + 1)]


ASSIGNMENTS: dict[str, Assignment] = {
    assignment.name: assignment for assignment in (
        Assignment(
            name="splitting",
            title="Splitting: rounding requests up and splitting blocks down",
            lessons=("notebooks/01-splitting.ipynb",),
            intro=("Requests are rounded up to a power-of-two block, and a larger free block "
                   "is split in halves until a half has that size."),
            slots=(
                Slot("block_size", 1, {"exact": False}),
                Slot("block_size", 1, {"edge": True}),
                Slot("block_order", 1),
                Slot("split_count", 2),
                Slot("landing_address", 2, {"frees": False}),
                Slot("free_blocks", 3, {"frees": False}),
                Slot("internal_fragmentation", 2),
                Slot("which_is_true", 2, {"topic": "splitting"}),
            ),
        ),
        Assignment(
            name="coalescing",
            title="Freeing and coalescing: buddies and repeated merging",
            lessons=("notebooks/02-freeing-and-coalescing.ipynb",
                     "notebooks/05-buddy-allocation-in-linux.ipynb"),
            intro=("A freed block merges with its buddy (address XOR size) when the buddy is a "
                   "whole free block of the same size, and the merged block tries again. "
                   "Two questions ask it in Linux's terms: pages, page frame numbers and "
                   "/proc/buddyinfo."),
            slots=(
                Slot("buddy_address", 2),
                Slot("buddy_address", 1),
                Slot("merge_count", 2),
                Slot("merging_blocks", 3),
                Slot("free_blocks", 3, {"frees": True}),
                Slot("buddyinfo", 3, {"frees": True}),
                Slot("landing_address", 2, {"frees": True}),
                Slot("buddy_pfn", 2),
                Slot("buddyinfo_memory", 2),
                Slot("which_is_true", 2, {"topic": "coalescing"}),
            ),
            feedback="mark",
        ),
        Assignment(
            name="fragmentation",
            title="Fragmentation and placement policies",
            lessons=("notebooks/03-fragmentation.ipynb", "notebooks/04-placement-policies.ipynb"),
            intro=("Internal fragmentation is the waste inside blocks; external fragmentation "
                   "is free memory split into blocks too small for a request, and the buddy "
                   "system has both. The placement policy decides which free block a request "
                   "takes."),
            slots=(
                Slot("internal_fragmentation", 2),
                Slot("waste_bound", 2),
                Slot("will_succeed", 2),
                Slot("largest_request", 2),
                Slot("buddyinfo", 2, {"frees": True}),
                Slot("policy_landing", 2, {"policy": "lifo"}),
                Slot("policy_landing", 2, {"policy": "leftmost"}),
                Slot("landing_address", 2, {"frees": True}),
                Slot("which_is_true", 2, {"topic": "fragmentation"}),
            ),
            feedback="mark",
        ),
        Assignment(
            name="build-your-own",
            title="Build your own buddy allocator: Knuth's algorithms R and S",
            lessons=("notebooks/06-build-your-own.ipynb",
                     "notebooks/02-freeing-and-coalescing.ipynb"),
            intro=("Lesson 6 kept free blocks in Python lists, where finding and removing a "
                   "buddy is a search. Here you write the buddy system as Knuth does "
                   "(TAOCP vol. 1 §2.5): doubly linked AVAIL lists that unlink a block in "
                   "O(1), a TAG in every block and a KVAL in every free one, and his "
                   "algorithms R (reserve) and S (liberate), after a warm-up from lesson 6. "
                   "Each function is run on the calls it would get in random traces of "
                   "allocations and frees, and must do what the kit's allocator did on every "
                   "one."),
            slots=(
                Slot("function", 1, {"function": "block_size"}),
                Slot("function", 2, {"function": "avail_push"}),
                Slot("function", 2, {"function": "avail_unlink"}),
                Slot("function", 2, {"function": "reserve"}),
                Slot("function", 3, {"function": "liberate"}),
            ),
        ),
    )
}


def get_assignment(name: str) -> Assignment:
    """The assignment called ``name``; InvalidRequest listing the known ones otherwise."""
    if isinstance(name, str) and name in ASSIGNMENTS:
        return ASSIGNMENTS[name]
    raise InvalidRequest(
        f"unknown assignment {name!r}: choose one of {', '.join(ASSIGNMENTS)}"
    )


def check_student(student: str) -> str:
    """Return ``student`` if it is a usable id, else raise InvalidRequest saying what is allowed."""
    if not isinstance(student, str) or not STUDENT_ID.match(student) or not student.strip("."):
        raise InvalidRequest(
            f"student id {student!r} is not usable: use 1 to 64 letters, digits and the "
            "characters . _ - @ (for example 'jdoe' or 'j.doe@uni.edu')"
        )
    return student


def seed_for(assignment: str, student: str, number: int, secret: bytes | None = None) -> int:
    """The seed of question ``number`` (1-based) in ``student``'s variant of ``assignment``:
    practice mode's SHA-256 without ``secret``, a course's HMAC-SHA-256 with it."""
    text = f"buddy-edu/{assignment}/{student}/{number}".encode()
    if secret is None:
        return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")
    return int.from_bytes(hmac.new(secret, text, hashlib.sha256).digest()[:8], "big")


def variant(assignment: str, student: str, secret: bytes | None = None) -> list[Question]:
    """The questions of ``student``'s variant of ``assignment``, with ids q1..qN and points:
    a course's with its ``secret``, else practice mode's."""
    spec = get_assignment(assignment)
    check_student(student)
    questions = []
    for number, slot in enumerate(spec.slots, start=1):
        rng = random.Random(seed_for(spec.name, student, number, secret))
        question = QUESTION_TYPES[slot.kind](rng, **slot.options)
        questions.append(question.placed(f"q{number}", slot.points))
    return questions


@dataclass(frozen=True)
class Variants:
    """Where students' questions come from: a course (its name, and the secret that seeds
    its variants) or practice mode (no secret: anyone can make them)."""

    course: str | None = None
    secret: bytes | None = field(default=None, repr=False)

    @property
    def mode(self) -> str:
        """``practice``, or ``course:`` and a fingerprint of the secret (not the secret: a
        gradebook records it, so a grade made under another secret is never reused)."""
        if self.secret is None:
            return "practice"
        return "course:" + hashlib.sha256(b"buddy-edu/fingerprint/" + self.secret
                                          ).hexdigest()[:12]

    def of(self, assignment: str, student: str) -> list[Question]:
        """``student``'s questions of ``assignment``."""
        return variant(assignment, student, self.secret)


#: Practice mode's variants, made from (assignment, student) alone.
PRACTICE = Variants()


def answer_key(assignment: str, student: str, secret: bytes | None = None
               ) -> dict[str, object]:
    """``{"q1": answer, ...}`` for ``student``'s variant (a course's with its ``secret``, else
    practice mode's): plain JSON data that scores full marks."""
    return {question.id: question.answer for question in variant(assignment, student, secret)}
