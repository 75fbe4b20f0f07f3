"""One grading kernel: how it is started, and the nbclient client that talks to it.

:func:`prepare_kernel` writes the notebook's copy and makes the kernel's
command line (sandboxed or not, see :mod:`.sandbox`) and environment;
:class:`CappedClient` runs cells in it over Unix sockets while keeping
almost nothing of what the student's code outputs.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path

import zmq
import zmq.asyncio
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from nbclient import NotebookClient

from .options import GradingOptions
from .probe import ANSWER_LIMIT
from .process_cap import KernelCap, cap_kernel, mechanism
from .sandbox import bwrap_argv, kernel_env, launcher_argv

#: Characters of one cell's stdout the grader keeps (the answer report needs the most).
KEEP_LIMIT = ANSWER_LIMIT + 10_000
#: Largest message (bytes) the grader accepts from a kernel; a kernel sending more is
#: disconnected by ZeroMQ before the message is read, so memory stays bounded.
MESSAGE_LIMIT = 16 * 1024 * 1024


@dataclass(frozen=True)
class KernelLaunch:
    """How one notebook's kernel is started: its spec, folders and the notebook's copy.

    ``kernel_dir`` holds the connection file and the sockets; ``workdir`` is
    the kernel's working folder as the grader sees it.  ``sandboxed_copy``
    is the copy bound into the sandbox, removed once the kernel is up (None
    without a sandbox: the kernel then reads its copy in ``workdir``).
    ``env`` is the started process's environment (:func:`.sandbox.kernel_env`).
    ``cap`` caps its processes where the grader runs as root (:mod:`.process_cap`);
    close it when the kernel is gone.
    """

    spec: KernelSpec
    kernel_dir: Path
    workdir: Path
    sandboxed_copy: Path | None
    env: dict[str, str]
    cap: KernelCap = field(default_factory=KernelCap)


def prepare_kernel(folder: Path, notebook: bytes, file_name: str,
                   options: GradingOptions) -> KernelLaunch:
    """Write the notebook's copy into ``folder``; make the kernel's command line and environment.

    In a sandbox the copy is bound into the kernel's private work folder and
    removed from here once the kernel is up; without one, the kernel runs in
    ``work`` beside the ``kernel`` folder.
    """
    kernel_dir = folder / "kernel"
    kernel_dir.mkdir()
    os.chmod(folder, 0o711)  # a kernel run as another user may pass through, not list it
    if options.sandbox:
        copy = folder / "notebook.ipynb"
        copy.write_bytes(notebook)
        owned = (kernel_dir, copy)
        workdir, sandboxed_copy = kernel_dir, copy
        env = kernel_env(sandboxed=True)  # bwrap's own; it starts the kernel with the same
    else:
        workdir, sandboxed_copy, scratch = folder / "work", None, folder / "scratch"
        workdir.mkdir()
        scratch.mkdir()
        (workdir / file_name).write_bytes(notebook)
        owned = (kernel_dir, workdir, workdir / file_name, scratch)
        env = kernel_env(sandboxed=False, scratch=scratch)
    unprivileged = mechanism().name == "uid"  # then RLIMIT_NPROC binds without a sandbox
    command = launcher_argv(options.limits, count_processes=options.sandbox or unprivileged)
    if options.sandbox:
        command = bwrap_argv(command, notebook=copy, notebook_name=file_name,
                             kernel_dir=kernel_dir, limits=options.limits)
    cap = cap_kernel(options.limits, owned=owned)  # last: nothing after it can fail
    spec = KernelSpec(argv=[*cap.prefix, *command, "-f", "{connection_file}"],
                      display_name="grading", language="python", interrupt_mode="message",
                      env={})
    return KernelLaunch(spec, kernel_dir, workdir, sandboxed_copy, env, cap)


class OneSpec(KernelSpecManager):
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


class CappedClient(NotebookClient):
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
            kernel_name="python3", kernel_spec_manager=OneSpec(self.spec), config=self.config,
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
            room = KEEP_LIMIT - self.stdout_kept
            if isinstance(text, str) and room > 0:
                self.stdout_text.append(text[:room])
                self.stdout_kept += min(len(text), room)
        return None

    def clear_output(self, outs, msg, cell_index):
        return None

    def reset_capture(self) -> None:
        self.stdout_text, self.stdout_kept, self.last_reply = [], 0, None
        self.heard_back = False
