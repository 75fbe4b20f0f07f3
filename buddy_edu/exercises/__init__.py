"""Graded exercises: per-student question variants, checked against the core.

Students use :func:`start` in a notebook; instructors use :func:`answer_key`
and the batch grader (``buddy-edu grade``, :mod:`buddy_edu.grading`).
Each question type has a builder with explicit parameters (used by lessons
for ungraded quick checks) and a seeded generator (``QUESTION_TYPES``).
Lesson 6 checks functions students write: :func:`check_function` one at a
time, :func:`compare` all five together as an allocator beside the core.
Importing this package loads only the core: pictures and widgets load when a
question is shown.
"""

from __future__ import annotations

from importlib import import_module

from .assignments import ASSIGNMENTS, Assignment, Slot, answer_key, variant
from .buddies import buddy_address, merge_count, merging_blocks
from .build_your_own import check_function
from .catalog import BUILDERS, QUESTION_TYPES, TYPES, kind_spec, question_from_dict
from .composed import compare
from .feedback import Feedback
from .placement import landing_address, policy_landing, split_count, will_succeed
from .question import Question, QuestionType
from .session import Exercise, Summary, grading, start
from .sizes import block_order, block_size
from .state import buddyinfo, free_blocks_after, internal_fragmentation
from .waste import largest_request, waste_bound

__all__ = [
    "ASSIGNMENTS", "Assignment", "BUILDERS", "Exercise", "Feedback", "QUESTION_TYPES",
    "Question", "QuestionType", "Slot", "Summary", "TYPES", "answer_key", "block_order",
    "block_size", "buddy_address", "buddyinfo", "check_function", "compare",
    "free_blocks_after", "grading",
    "internal_fragmentation", "kind_spec", "landing_address", "largest_request", "merge_count",
    "merging_blocks", "policy_landing", "question_from_dict", "split_count", "start", "variant",
    "waste_bound", "will_succeed",
]


def __getattr__(name: str):
    # A lazy alias: the grader lives in buddy_edu.grading, a layer above this one,
    # and loads only when asked for (it pulls in nbclient), so it is not in __all__.
    if name == "grade":
        return import_module("buddy_edu.grading").grade
    raise AttributeError(f"module 'buddy_edu.exercises' has no attribute {name!r}")
