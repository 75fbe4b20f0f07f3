"""One notebook's execution in its kernel, cell by cell, and what happened to each cell.

Each student cell runs with its own time limit (interrupted when over it,
then the next cell runs) within the notebook's; after each, a grader snippet
in a scratch cell takes a snapshot of the answers (see :mod:`.probe`), so
answers given before a crash are kept.  After the last cell, each function a
question asks for is called, one snippet per function.  A dead or stuck
kernel ends the run with the reason; so does the batch's Ctrl-C.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

import nbformat
from nbclient.exceptions import DeadKernelError

from ..core import format_size
from .kernel_client import CappedClient, KernelLaunch
from .options import GradingOptions
from .probe import CALLS_TIMEOUT, call_extraction, extraction, setup_code

#: Seconds the grader's own snippets (setup, answer snapshots) may take at most; they take
#: milliseconds, so running out means the kernel is stuck in a cell that ignored the interrupt.
_SNIPPET_TIMEOUT = 10
#: Marker of the reply nbclient fabricates when it interrupts a cell that ran too long.
_TIMEOUT_NAME = "BuddyEduCellTimeout"


@dataclass(frozen=True)
class CellRun:
    """What happened to one code cell: ``status`` is ``ok``, ``error`` or ``timeout``."""

    index: int
    status: str
    detail: str = ""
    first_line: str = ""

    def describe(self) -> str:
        """Where the cell is, for messages: "cell 7 (`q3 = ...`)"."""
        where = f"cell {self.index + 1}"
        return f"{where} (`{self.first_line}`)" if self.first_line else where


class Execution:
    """The state of one notebook's execution, driven by :meth:`main` in an event loop."""

    def __init__(self, nb, names: list[str], options: GradingOptions, kernel: KernelLaunch, *,
                 stop: threading.Event | None, calls: dict[str, tuple[str, list]]) -> None:
        self.names = list(names)
        self.options, self.kernel = options, kernel
        self.calls = dict(calls)
        self.student_cells = [(i, c) for i, c in enumerate(nb.cells)
                              if c.get("cell_type") == "code" and c.source.strip()]
        scratch = nbformat.v4.new_code_cell("pass")
        runnable = nbformat.v4.new_notebook(cells=[*nb.cells, scratch])
        self.scratch_index = len(runnable.cells) - 1
        self.stop_event = stop
        self.snippet_timeout = min(_SNIPPET_TIMEOUT, max(5.0, self.options.cell_timeout))
        self.current_timeout: float = self.snippet_timeout
        self.answers: dict[str, dict] | None = None
        self.cell_runs: list[CellRun] = []
        self.stopped: str | None = None
        self.started_kernel = False
        self.snapshot_problem: str | None = None
        self.reconnects = 0
        self.client = CappedClient(
            runnable, kernel.spec, kernel.kernel_dir,
            kernel_name="python3",  # whatever the notebook names: see OneSpec
            timeout_func=lambda cell: self.current_timeout,
            interrupt_on_timeout=True,
            error_on_timeout={"ename": _TIMEOUT_NAME, "evalue": "time limit", "traceback": []},
            allow_errors=True,
            iopub_timeout=5,
            startup_timeout=60,
            shell_timeout_interval=1,
            record_timing=False,
            store_widget_state=False,
            shutdown_kernel="immediate",
            extra_arguments=["--IPKernelApp.capture_fd_output=False"],
            resources={"metadata": {"path": str(kernel.workdir)}},
            on_cell_executed=self._on_executed,
        )

    def stop_because(self, reason: str) -> None:
        """Record why the run ended early; the first reason wins, the rest follow from it."""
        if self.stopped is None:
            self.stopped = reason

    def _on_executed(self, cell, cell_index, execute_reply):
        self.client.last_reply = execute_reply

    async def main(self) -> None:
        """Start the kernel and run the cells; whatever happens, end every process it left."""
        # A safety net only: the per-cell limits end every cell long before this.
        budget = (self.options.timeout + 60 + 4 * self.snippet_timeout
                  + len(self.calls) * CALLS_TIMEOUT)
        pgid = None
        try:
            async with self.client.async_setup_kernel(
                env=self.kernel.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ):
                self.started_kernel = True
                if self.kernel.sandboxed_copy is not None:
                    # Bound into the sandbox already; not left on disk if the grader is killed.
                    self.kernel.sandboxed_copy.unlink(missing_ok=True)
                pgid = getattr(getattr(self.client.km, "provisioner", None), "pgid", None)
                await asyncio.wait_for(self._cells(), budget)
        except asyncio.TimeoutError:
            self.stop_because(f"the notebook was stopped after {self.options.timeout:g} s")
        finally:
            _kill_group(pgid)
            self.client.close_context()

    async def _cells(self) -> None:
        if await self._snippet(setup_code(self.options.output_limit)) is None:
            self.stop_because("the kernel did not respond to the grader's set-up code")
            return
        deadline = time.monotonic() + self.options.timeout
        for index, cell in self.student_cells:
            if self.stop_event is not None and self.stop_event.is_set():
                self.stop_because("grading was interrupted before this notebook finished")
                return
            remaining = deadline - time.monotonic()
            if remaining < 0.5:
                self.stop_because(
                    f"the notebook ran out of time ({self.options.timeout:g} s in all) before "
                    f"{_describe(index, cell)}; later cells were not run")
                return
            run = await self._student_cell(index, cell, min(self.options.cell_timeout, remaining))
            if run is None:
                return
            self.cell_runs.append(run)
            if not await self._snapshot():
                if run.status == "timeout":
                    self.stop_because(
                        f"{run.describe()} did not stop when interrupted after its time "
                        "limit, so the kernel was shut down; later cells were not run")
                self.stop_because(f"the kernel stopped responding after {run.describe()}, "
                                  "so it was shut down; later cells were not run")
                return
        if not self.student_cells:
            await self._snapshot()
        await self._call_functions()

    async def _call_functions(self) -> None:
        """Call each function the grader asks about and take the outcomes as its answer.

        One snippet per function: a function that ignores its time limits is
        interrupted with its snippet, and the next function still gets its turn
        (if the kernel answers no more, the rest are reported as not run).
        """
        for qid, (function, arguments) in self.calls.items():
            if self.stop_event is not None and self.stop_event.is_set():
                self.stop_because("grading was interrupted before this notebook finished")
                return
            request = call_extraction(qid, function, arguments)
            stdout = await self._snippet(request.code, CALLS_TIMEOUT)
            if self.answers is None:
                self.answers = {name: {"missing": True} for name in self.names}
            if stdout is None:
                self.answers[qid] = {"problem": f"{function} did not stop when interrupted "
                                                f"after {CALLS_TIMEOUT:g} s"}
                if self.stopped is not None:  # the kernel died: nothing more can be asked
                    return
                continue
            try:
                self.answers.update(request.parse(stdout, [qid]))
            except ValueError as error:
                self.answers[qid] = {"problem": f"the calls of {function} could not be read "
                                                f"({error})"}

    async def _student_cell(self, index: int, cell, seconds: float) -> CellRun | None:
        self.current_timeout = max(seconds, 0.5)
        self.client.reset_capture()
        try:
            await self.client.async_execute_cell(cell, index, store_history=True)
        except DeadKernelError:
            self.cell_runs.append(CellRun(index, "error", "the kernel died", _first_line(cell)))
            self.stop_because(
                f"the kernel died while running {_describe(index, cell)}: "
                f"{self._death_hint()}; later cells were not run")
            return None
        content = (self.client.last_reply or {}).get("content") or {}
        if content.get("status") != "error":
            return CellRun(index, "ok", "", _first_line(cell))
        if content.get("ename") == _TIMEOUT_NAME:
            limit = "per cell" if seconds >= self.options.cell_timeout else "left for the notebook"
            return CellRun(index, "timeout",
                           f"interrupted after {seconds:g} s (the time limit {limit})",
                           _first_line(cell))
        detail = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}".strip(": ")
        if content.get("ename") == "MemoryError":
            detail = f"MemoryError (the memory limit is {format_size(self.options.memory)})"
        return CellRun(index, "error", detail[:300], _first_line(cell))

    async def _snapshot(self) -> bool:
        """Read the answers as they are now; False when the kernel no longer responds."""
        while True:
            request = extraction(self.names)
            stdout = await self._snippet(request.code)
            if stdout is None:
                return False
            try:
                self.answers = request.parse(stdout, self.names)
                self.snapshot_problem = None
                return True
            except ValueError as error:
                self.snapshot_problem = str(error)
            if self.client.heard_back or self.reconnects >= 3:
                return True
            # Not a single message came back: ZeroMQ dropped the output channel
            # because the kernel sent more than MESSAGE_LIMIT at once.
            self.reconnects += 1
            await self.client.reconnect_iopub()

    async def _snippet(self, code: str, seconds: float | None = None) -> str | None:
        """Run grader code in the scratch cell: its stdout, or None if the kernel is gone/stuck.

        ``seconds`` replaces the usual snippet time limit (calls of a student's function
        take longer than a snapshot)."""
        cell = self.client.nb.cells[self.scratch_index]
        cell.source = code
        self.current_timeout = self.snippet_timeout if seconds is None else seconds
        self.client.reset_capture()
        try:
            await self.client.async_execute_cell(cell, self.scratch_index, store_history=False)
        except DeadKernelError:
            self.stop_because(
                f"the kernel died between cells: {self._death_hint()}; later cells were not run")
            return None
        content = (self.client.last_reply or {}).get("content") or {}
        if content.get("ename") == _TIMEOUT_NAME:
            return None
        return "".join(self.client.stdout_text)

    def _death_hint(self) -> str:
        return ("something ended the Python process (os._exit, a crash, or going over the "
                f"memory limit of {format_size(self.options.memory)})")


def _first_line(cell) -> str:
    for line in cell.source.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= 60 else line[:57] + "..."
    return ""


def _describe(index: int, cell) -> str:
    return CellRun(index, "", "", _first_line(cell)).describe()


def _kill_group(pgid: int | None) -> None:
    """Kill whatever the student's code left running in the kernel's process group."""
    if not pgid or not hasattr(os, "killpg") or pgid == os.getpgid(0):
        return
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
