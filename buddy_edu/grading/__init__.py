"""The batch grader: every submission in a fresh kernel, scored with the exercises' checks.

This package sits above :mod:`buddy_edu.exercises` (it regenerates each
student's questions and calls their checks) and below the CLI.  The exercises
never import it: a student's notebook needs nothing of the grader.
"""

from __future__ import annotations

from .batch import DEFAULT_CELL_TIMEOUT, DEFAULT_TIMEOUT, grade
from .results import QuestionResult, Result

__all__ = ["DEFAULT_CELL_TIMEOUT", "DEFAULT_TIMEOUT", "QuestionResult", "Result", "grade"]
