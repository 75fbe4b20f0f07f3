"""How the grader runs each notebook: :class:`GradingOptions`, its defaults and its checks.

One object carries the options from ``grade()`` (or ``buddy-edu grade``)
through the batch to each notebook's run, checked once when it is made.  Kept
apart from the engine so ``buddy-edu --help`` can show and check them without
loading nbclient and ZeroMQ.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..core import InvalidRequest, format_size

#: Seconds a whole notebook may run (kernel start-up not counted).
DEFAULT_TIMEOUT = 300.0
#: Seconds one cell may run before it is interrupted and the next cell runs.
DEFAULT_CELL_TIMEOUT = 30.0
#: Bytes of memory (address space) one kernel may use.
DEFAULT_MEMORY = 1 << 30
#: The least memory a kernel is given: ipykernel alone needs about 150 MB to start.
MIN_MEMORY = 256 << 20
#: Characters of stdout a student cell may print before the kernel drops the rest.
KERNEL_OUTPUT_LIMIT = 64_000


@dataclass(frozen=True)
class Limits:
    """Resource limits of one kernel (bytes, or counts).

    ``processes`` counts threads too (ipykernel itself runs about ten); Linux
    does not enforce ``RLIMIT_NPROC`` for root, so a grader running as root
    caps each kernel with a cgroup's ``pids.max`` or runs it as an unprivileged
    user (see :mod:`.process_cap`).  ``scratch`` caps each of the
    sandbox's in-memory folders (``/tmp`` and the work folder), which the
    memory limit does not cover.
    """

    memory: int = DEFAULT_MEMORY
    processes: int = 128
    open_files: int = 256
    file_size: int = 64 << 20
    scratch: int = 64 << 20


@dataclass(frozen=True)
class GradingOptions:
    """How every notebook of a batch is run, so one value travels from ``grade()`` to each kernel.

    ``timeout`` bounds a whole notebook and ``cell_timeout`` each cell
    (seconds); ``memory`` is each kernel's limit in bytes; ``sandbox`` runs
    each kernel in bubblewrap (False: with your rights, see
    :mod:`.sandbox`); ``jobs`` notebooks run at once (None: one per core,
    stored as that number); ``output_limit`` is the characters one cell may
    print.  A bad value raises InvalidRequest naming it, when the options
    are made, so nothing is started with them.
    """

    timeout: float = DEFAULT_TIMEOUT
    cell_timeout: float = DEFAULT_CELL_TIMEOUT
    memory: int = DEFAULT_MEMORY
    sandbox: bool = True
    jobs: int | None = None
    output_limit: int = KERNEL_OUTPUT_LIMIT

    def __post_init__(self) -> None:
        checked = {
            "timeout": check_seconds("timeout", self.timeout),
            "cell_timeout": check_seconds("cell timeout", self.cell_timeout),
            "memory": check_memory(self.memory),
            "jobs": check_jobs(self.jobs),
        }
        if not isinstance(self.sandbox, bool):
            raise InvalidRequest(f"sandbox must be True or False, got {self.sandbox!r}")
        if isinstance(self.output_limit, bool) or not isinstance(self.output_limit, int) \
                or self.output_limit < 1:
            raise InvalidRequest(f"the output limit must be a whole number of characters of "
                                 f"at least 1, got {self.output_limit!r}")
        for name, value in checked.items():  # frozen: the checked values replace the given
            object.__setattr__(self, name, value)

    @property
    def limits(self) -> Limits:
        """The resource limits each kernel gets (``memory``; the rest fixed)."""
        return Limits(memory=self.memory)


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
