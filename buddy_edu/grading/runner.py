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

Nothing here decides a score: :mod:`.batch` checks the values in its own
process.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import zmq
import zmq.asyncio
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from ..core import format_size
from .options import GradingOptions
from .probe import ANSWER_LIMIT, CALLS_TIMEOUT, call_extraction, extraction, setup_code
from .sandbox import bwrap_argv, kernel_env, launcher_argv

#: Start of the name of every temporary folder of the grader; the pid follows, so a later
#: run can remove the folders of a grader that was killed (see :func:`sweep_stale_folders`).
TEMP_PREFIX = "buddy-edu-grade-"
#: Characters of one cell's stdout the grader keeps (the answer report needs the most).
_KEEP_LIMIT = ANSWER_LIMIT + 10_000
#: Largest message (bytes) the grader accepts from a kernel; a kernel sending more is
#: disconnected by ZeroMQ before the message is read, so memory stays bounded.
MESSAGE_LIMIT = 16 * 1024 * 1024
#: Seconds the grader's own snippets (setup, answer snapshots) may take at most; they take
#: milliseconds, so running out means the kernel is stuck in a cell that ignored the interrupt.
_SNIPPET_TIMEOUT = 10
#: Marker of the reply nbclient fabricates when it interrupts a cell that ran too long.
_TIMEOUT_NAME = "BuddyEduCellTimeout"

_ASSIGN_RE = r"^[ \t]*{name}[ \t]*(?::[^=\n]*)?=(?!=)"
_STUDENT_RE = re.compile(r"""student\s*=\s*(['"])([^'"\n]{1,200})\1""")


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
        nb = _read(notebook)
    except _Unreadable as error:
        return RunOutcome(answers=missing, error=str(error), sandboxed=sandbox)
    cells = list(nb.cells)
    assigned = _assigned_in(cells, names)
    declared = _declared_student(cells)
    folder = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))
    try:
        kernel = _prepare(folder, notebook, file_name, options)
        run = _Run(nb, names, options, kernel, stop=stop, calls=calls or {})
        try:
            asyncio.run(run.main())
        except (RuntimeError, TimeoutError, OSError, zmq.ZMQError) as error:
            # The kernel did not start (or its sockets failed): not the notebook's doing.
            run.stop_because(f"the notebook could not be run: {_one_line(error)}")
    finally:
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


class _Unreadable(Exception):
    """The submission is not a notebook we can run."""


@dataclass(frozen=True)
class _Kernel:
    """How one notebook's kernel is started: its spec, folders and the notebook's copy.

    ``kernel_dir`` holds the connection file and the sockets; ``workdir`` is
    the kernel's working folder as the grader sees it.  ``sandboxed_copy``
    is the copy bound into the sandbox, removed once the kernel is up (None
    without a sandbox: the kernel then reads its copy in ``workdir``).
    """

    spec: KernelSpec
    kernel_dir: Path
    workdir: Path
    sandboxed_copy: Path | None
    env: dict[str, str]


def _prepare(folder: Path, notebook: bytes, file_name: str,
             options: GradingOptions) -> _Kernel:
    """Write the notebook's copy into ``folder`` and make the kernel spec.

    In a sandbox the copy is bound into the kernel's private work folder and
    removed from here once the kernel is up; without one, the kernel runs in
    ``work`` beside the ``kernel`` folder.
    """
    kernel_dir = folder / "kernel"
    kernel_dir.mkdir()
    command = launcher_argv(options.limits, count_processes=options.sandbox)
    if options.sandbox:
        copy = folder / "notebook.ipynb"
        copy.write_bytes(notebook)
        command = bwrap_argv(command, notebook=copy, notebook_name=file_name,
                             kernel_dir=kernel_dir, limits=options.limits)
        workdir, sandboxed_copy = kernel_dir, copy
        env = kernel_env(sandboxed=True)  # bwrap's own; it starts the kernel with the same
    else:
        workdir, sandboxed_copy = folder / "work", None
        workdir.mkdir()
        (workdir / file_name).write_bytes(notebook)
        env = kernel_env(sandboxed=False, scratch=folder)
    spec = KernelSpec(argv=[*command, "-f", "{connection_file}"], display_name="grading",
                      language="python", interrupt_mode="message", env={})
    return _Kernel(spec, kernel_dir, workdir, sandboxed_copy, env)


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


def _read(content: bytes) -> nbformat.NotebookNode:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise _Unreadable("the file is not a notebook: it is not UTF-8 text") from None
    try:
        nb = nbformat.reads(text, as_version=4)
        cells = nb["cells"]
        if not isinstance(cells, list):
            raise ValueError("'cells' is not a list")
        for cell in cells:
            if not isinstance(cell.get("source"), str) or "cell_type" not in cell:
                raise ValueError("a cell has no source text")
    except nbformat.reader.NotJSONError:
        raise _Unreadable(
            "the file is not a notebook: it is not valid JSON (was it edited by hand, "
            "or saved while truncated?)") from None
    except Exception as error:
        raise _Unreadable(f"the file is not a valid notebook ({_one_line(error)})") from None
    return nb


def _assigned_in(cells: list, names: list[str]) -> dict[str, int]:
    """The last code cell whose text assigns each answer variable (read, not run)."""
    found = {}
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        for name in names:
            if re.search(_ASSIGN_RE.format(name=re.escape(name)), cell.source, re.MULTILINE):
                found[name] = index
    return found


def _declared_student(cells: list) -> str | None:
    """The id the notebook passes to ``start(..., student=...)``, if written literally."""
    for cell in cells:
        if cell.get("cell_type") == "code":
            match = _STUDENT_RE.search(cell.source)
            if match:
                return match.group(2)
    return None


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


class _OneSpec(KernelSpecManager):
    """Every kernel name means the grader's own kernel spec (ipykernel, maybe sandboxed).

    A notebook may name any kernel, and a user's ``python3`` kernelspec may
    point at another interpreter; grading always runs where buddy_edu is.
    jupyter_client ignores ``KernelManager.kernel_cmd``, so the command line
    must come from a spec.
    """

    def __init__(self, spec: KernelSpec, **kw):
        super().__init__(**kw)
        self.spec = spec

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return self.spec


class _CappedClient(NotebookClient):
    """An nbclient that keeps almost nothing of the outputs: stdout up to a limit, no displays.

    The grader never needs a student's pictures or prints, only the answer
    report (printed to stdout by the grader's snippet) and whether each cell
    failed, which comes from the execute reply (``on_cell_executed``, a public
    hook).  Dropping outputs as they arrive and choosing the kernel manager
    have no public hooks, so this overrides nbclient's own methods
    (``create_kernel_manager``, ``process_message``, ``output``,
    ``clear_output``): pyproject.toml bounds nbclient (and jupyter_client, see
    :meth:`reconnect_iopub`) from above to the versions tested.
    """

    def __init__(self, nb, spec: KernelSpec, kernel_dir: Path, **kw):
        super().__init__(nb, **kw)
        self.spec, self.kernel_dir = spec, kernel_dir
        self.context = zmq.asyncio.Context()
        self.context.setsockopt(zmq.MAXMSGSIZE, MESSAGE_LIMIT)
        self.stdout_text: list[str] = []
        self.stdout_kept = 0
        self.last_reply: dict | None = None
        self.heard_back = False

    def create_kernel_manager(self):
        # IPC: Unix sockets in the folder shared with the sandbox, which has no network.
        self.km = km = self.kernel_manager_class(
            kernel_name="python3", kernel_spec_manager=_OneSpec(self.spec), config=self.config,
            transport="ipc", ip=str(self.kernel_dir / "k"),
            connection_file=str(self.kernel_dir / "connection.json"))
        make_client = km.client
        km.client = lambda **kw: make_client(context=self.context, **kw)
        return km

    def close_context(self) -> None:
        self.context.destroy(linger=0)

    def process_message(self, msg, cell, cell_index):
        self.heard_back = True  # nbclient only passes on messages about the current request
        return super().process_message(msg, cell, cell_index)

    async def reconnect_iopub(self) -> None:
        """Replace the output channel after ZeroMQ dropped it for an oversized message.

        jupyter_client creates the channel lazily from ``_iopub_channel``; there
        is no public way to renew only this one channel.
        """
        old = getattr(self.kc, "_iopub_channel", None)
        if old is not None:
            old.close()
        self.kc._iopub_channel = None
        self.kc.iopub_channel.start()
        await asyncio.sleep(0.5)  # let the new subscription reach the kernel

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content") or {}
        if msg.get("msg_type") == "stream" and content.get("name") == "stdout":
            text = content.get("text")
            room = _KEEP_LIMIT - self.stdout_kept
            if isinstance(text, str) and room > 0:
                self.stdout_text.append(text[:room])
                self.stdout_kept += min(len(text), room)
        return None

    def clear_output(self, outs, msg, cell_index):
        return None

    def reset_capture(self) -> None:
        self.stdout_text, self.stdout_kept, self.last_reply = [], 0, None
        self.heard_back = False


class _Run:
    """The state of one notebook's execution, driven by :meth:`main` in an event loop."""

    def __init__(self, nb, names: list[str], options: GradingOptions, kernel: _Kernel, *,
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
        self.client = _CappedClient(
            runnable, kernel.spec, kernel.kernel_dir,
            kernel_name="python3",  # whatever the notebook names: see _OneSpec
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
        if self.stopped is None:
            self.stopped = reason

    def _on_executed(self, cell, cell_index, execute_reply):
        self.client.last_reply = execute_reply

    async def main(self) -> None:
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
