"""Graded exercises: per-student question variants, checked against the core.

Students use :func:`start` in a notebook; instructors use :func:`answer_key`
and the batch grader (``buddy-edu grade``, :mod:`buddy_edu.grading`, a layer
above this one).  Each question type has a builder with explicit parameters
(used by lessons for ungraded quick checks) and a seeded generator
(``QUESTION_TYPES``).  Lesson 6 checks functions students write:
:func:`check_function` one at a time, :func:`compare` all five together as an
allocator beside the core.  Importing this package loads only the core:
pictures and widgets load when a question is shown.

The packages: :mod:`.questions` (the question bank), :mod:`.answers` (reading
answers, one path for notebook and grader), :mod:`.build_your_own` (student
functions against the core), :mod:`.course` (assignments, the notebook API,
the student notebooks, the class key); :mod:`.registry` lists every question type.
"""

from __future__ import annotations

from .build_your_own.comparison import compare
from .build_your_own.judge import check_function
from .course.assignments import ASSIGNMENTS, Assignment, Slot, answer_key, variant
from .course.notebook_api import Exercise, Summary, grading, start
from .questions.buddies import buddy_address, merge_count, merging_blocks
from .questions.feedback import Feedback
from .questions.final_state import buddyinfo, free_blocks_after, internal_fragmentation
from .questions.linux import buddy_pfn, buddyinfo_memory
from .questions.placement import landing_address, split_count, will_succeed
from .questions.policies import policy_landing
from .questions.question import Question, QuestionType
from .questions.sizes import block_order, block_size
from .questions.statements import which_is_true
from .questions.waste import largest_request, waste_bound
from .registry import BUILDERS, QUESTION_TYPES, TYPES, kind_spec, question_from_dict

__all__ = [
    "ASSIGNMENTS", "Assignment", "BUILDERS", "Exercise", "Feedback", "QUESTION_TYPES",
    "Question", "QuestionType", "Slot", "Summary", "TYPES", "answer_key", "block_order",
    "block_size", "buddy_address", "buddy_pfn", "buddyinfo", "buddyinfo_memory",
    "check_function", "compare",
    "free_blocks_after", "grading",
    "internal_fragmentation", "kind_spec", "landing_address", "largest_request", "merge_count",
    "merging_blocks", "policy_landing", "question_from_dict", "split_count", "start", "variant",
    "waste_bound", "which_is_true", "will_succeed",
]
