"""The batch grader: each submission in a fresh, sandboxed kernel, scored by the exercises' checks.

This package sits above :mod:`buddy_edu.exercises` (it regenerates each
student's questions and calls their checks) and below the CLI.  The exercises
never import it: a student's notebook needs nothing of the grader.  ``grade``
loads the engine (nbclient, ZeroMQ) only when first used, so the CLI can read
and check the options (:class:`GradingOptions`) cheaply.
"""

from __future__ import annotations

from importlib import import_module

from .options import DEFAULT_CELL_TIMEOUT, DEFAULT_MEMORY, DEFAULT_TIMEOUT, GradingOptions
from .results import QuestionResult, Result

__all__ = ["DEFAULT_CELL_TIMEOUT", "DEFAULT_MEMORY", "DEFAULT_TIMEOUT", "GradingOptions",
           "QuestionResult", "Result", "grade"]


def __getattr__(name: str):
    if name == "grade":
        return import_module(".batch", __name__).grade
    raise AttributeError(f"module 'buddy_edu.grading' has no attribute {name!r}")
