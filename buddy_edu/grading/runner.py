"""Run one student notebook in a fresh kernel and read its answers out as plain data.

The notebook is the student's code, so this module assumes the worst of it:
it may loop forever, print 100 MB, kill its own kernel, or replace anything it
can reach.  Each submission therefore gets

- a fresh ``python3`` kernel (whatever kernel the notebook names), started in
  its own sandbox (see :mod:`.sandbox`) in a folder holding only a copy of the
  notebook, with ``BUDDY_EDU_GRADING=1`` in its environment, limits on
  memory, processes and files, and the kernel protocol over Unix sockets;
- a time limit per cell (the kernel is interrupted and the next cell runs) and
  one for the whole notebook;
- output capped both inside the kernel and in the grader, so memory stays
  bounded;
- a snapshot of the answer variables after every cell (see
  :mod:`.probe`), so answers given before a crash are kept;
- for questions answered with a function, one snippet per function after the
  last cell, which calls it on the grader's inputs (each call and each
  function with its own time limit), so a function that loops or raises
  costs only its own question.

:func:`run_notebook` reads the file (:mod:`.notebook_file`), starts the
kernel (:mod:`.kernel_client`) and runs the cells (:mod:`.execution`).
Nothing here decides a score: :mod:`.batch` checks the values in its own
process.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import zmq

from .execution import CellRun, Execution
from .kernel_client import prepare_kernel
from .notebook_file import NotANotebook, assigned_in, declared_student, one_line, read_notebook
from .options import GradingOptions

#: Start of the name of every temporary folder of the grader; the pid follows, so a later
#: run can remove the folders of a grader that was killed (see :func:`sweep_stale_folders`).
TEMP_PREFIX = "buddy-edu-grade-"


@dataclass(frozen=True)
class RunOutcome:
    """Everything the grader learned from running one notebook.

    ``answers`` maps each question id to ``{"value": v}``, ``{"missing": True}``
    or ``{"problem": text}``.  ``stopped`` says why the run ended before the
    last cell (the kernel died, time ran out, ...); ``error`` says why the
    notebook could not be run at all.  ``assigned_in`` maps a question id to
    the index of the last cell whose source assigns it.
    """

    answers: dict[str, dict]
    cells: tuple[CellRun, ...] = ()
    stopped: str | None = None
    error: str | None = None
    assigned_in: dict[str, int] = field(default_factory=dict)
    declared_student: str | None = None
    answer_problem: str | None = None
    seconds: float = 0.0
    sandboxed: bool = True


def run_notebook(
    notebook: bytes | str | os.PathLike,
    names: list[str],
    options: GradingOptions | None = None,
    *,
    file_name: str | None = None,
    stop: threading.Event | None = None,
    calls: dict[str, tuple[str, list]] | None = None,
) -> RunOutcome:
    """Execute a notebook in a fresh kernel and snapshot ``names`` after each cell.

    ``notebook`` is the file's content (what the batch read and hashed) or a
    path to read it from; ``file_name`` is the name its copy gets in the
    kernel's folder.  ``options`` (default: :class:`GradingOptions`'
    defaults) give the time limits, the memory and whether the kernel runs
    confined (see :mod:`.sandbox`) or with the grader's rights.  Never
    raises for anything the notebook does; problems are reported in the
    outcome.  ``stop`` (set by the batch on Ctrl-C) ends the run after the
    current cell.  ``calls`` maps a question id to ``(function name, argument
    lists)``: after the last cell, that function is called on each argument
    list and the outcomes become the question's answer (see
    :func:`.probe.call_extraction`).
    """
    options = options or GradingOptions()
    sandbox = options.sandbox
    started = time.monotonic()
    missing = {name: {"missing": True} for name in names}
    if not isinstance(notebook, bytes):
        file_name = file_name or Path(notebook).name
        try:
            notebook = Path(notebook).read_bytes()
        except OSError as error:
            return RunOutcome(answers=missing, sandboxed=sandbox,
                              error=f"the file could not be read ({error.strerror})")
    file_name = file_name or "notebook.ipynb"
    try:
        nb = read_notebook(notebook)
    except NotANotebook as error:
        return RunOutcome(answers=missing, error=str(error), sandboxed=sandbox)
    cells = list(nb.cells)
    assigned = assigned_in(cells, names)
    declared = declared_student(cells)
    folder = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))
    kernel = None
    try:
        kernel = prepare_kernel(folder, notebook, file_name, options)
        run = Execution(nb, names, options, kernel, stop=stop, calls=calls or {})
        try:
            asyncio.run(run.main())
        except (RuntimeError, TimeoutError, OSError, zmq.ZMQError) as error:
            # The kernel did not start (or its sockets failed): not the notebook's doing.
            run.stop_because(f"the notebook could not be run: {one_line(error)}")
    finally:
        if kernel is not None:
            kernel.cap.close()  # whatever the notebook left in its cgroup ends here
        shutil.rmtree(folder, ignore_errors=True)
    return RunOutcome(
        answers=run.answers if run.answers is not None else missing,
        cells=tuple(run.cell_runs),
        stopped=run.stopped if run.started_kernel else None,
        error=None if run.started_kernel else (run.stopped or "the kernel did not start"),
        assigned_in=assigned,
        declared_student=declared,
        answer_problem=run.snapshot_problem,
        seconds=time.monotonic() - started,
        sandboxed=sandbox,
    )


def sweep_stale_folders() -> list[Path]:
    """Remove the temporary folders of graders that were killed; returns those removed.

    A grader killed with ``kill -9`` cannot clean up; its sandboxes died with
    it (``--die-with-parent``), leaving only their socket folders.  Folders of
    a live process are left alone.
    """
    removed: list[Path] = []
    if os.name != "posix":  # os.kill(pid, 0) would end the process on Windows
        return removed
    root = Path(tempfile.gettempdir())
    for folder in root.glob(f"{TEMP_PREFIX}*-*"):
        pid = folder.name[len(TEMP_PREFIX):].split("-", 1)[0]
        try:
            if not pid.isdigit() or folder.is_symlink() or folder.lstat().st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except OSError:
            continue
    return removed
