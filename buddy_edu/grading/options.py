"""The grader's defaults and the checks of its options, shared by ``grade()`` and the CLI.

Kept apart from the engine so ``buddy-edu --help`` can show and check them
without loading nbclient and ZeroMQ.
"""

from __future__ import annotations

import os

from ..core import InvalidRequest, format_size

#: Seconds a whole notebook may run (kernel start-up not counted).
DEFAULT_TIMEOUT = 300.0
#: Seconds one cell may run before it is interrupted and the next cell runs.
DEFAULT_CELL_TIMEOUT = 30.0
#: Bytes of memory (address space) one kernel may use.
DEFAULT_MEMORY = 1 << 30
#: The least memory a kernel is given: ipykernel alone needs about 150 MB to start.
MIN_MEMORY = 256 << 20


def check_jobs(jobs: int | None) -> int:
    """The number of notebooks to run at once (default: the cores), or InvalidRequest."""
    if jobs is None:
        return os.cpu_count() or 1
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InvalidRequest(f"jobs must be a whole number of at least 1, got {jobs!r}")
    return jobs


def check_seconds(what: str, value: float) -> float:
    """A time limit in seconds (above 0, at most a day), or InvalidRequest naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise InvalidRequest(f"the {what} must be a number of seconds above 0, got {value!r}")
    if value > 86_400:
        raise InvalidRequest(f"the {what} must be at most one day (86400 s), got {value!r}")
    return float(value)


def check_memory(memory: object) -> int:
    """A kernel's memory limit in bytes (at least ``MIN_MEMORY``), or InvalidRequest."""
    if isinstance(memory, bool) or not isinstance(memory, int) or memory < MIN_MEMORY:
        shown = format_size(memory) if isinstance(memory, int) and memory > 0 else repr(memory)
        raise InvalidRequest(
            f"the memory limit must be at least {format_size(MIN_MEMORY)} (a kernel needs "
            f"about 150M to start), got {shown}")
    return memory
