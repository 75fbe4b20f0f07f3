"""Confine one grading kernel with bubblewrap: the command line that starts it in a sandbox.

A student's notebook is a program written by someone who may want to spoil
the class's grades, so each kernel starts inside ``bwrap`` (Linux,
unprivileged user namespaces, no daemon or root) with

- its own PID, network, IPC, UTS and user namespaces, no capabilities, a new
  session, and ``--die-with-parent``: when the kernel, its sandbox or the
  grader ends (even by ``kill -9``), every process the notebook started ends
  with it;
- a read-only view of only what Python, ipykernel and buddy_edu need (the
  interpreter's prefix, the virtual environment, the buddy_edu package,
  ``/usr`` and the dynamic loader's cache), a private ``/tmp``, ``/dev/shm``
  and work folder (in memory, size-capped) holding the one notebook; never
  the home folder, the submissions, the gradebook or the grader's files;
- an empty environment but for ``BUDDY_EDU_GRADING=1``, ``PATH``, ``HOME``
  (the work folder), the locale and the kit's settings (see :func:`kernel_env`,
  which also gives the environment of a kernel run without a sandbox);
- limits on memory, processes, open files and file size, set inside the
  sandbox just before ipykernel starts (see :func:`launcher_argv`);
- one folder shared with the grader, for the connection file and the kernel
  protocol's Unix sockets (jupyter_client's ``transport="ipc"``): the network
  namespace has no route to the grader.

This module only builds command lines; :mod:`.runner` starts them.  Another
runtime (podman, docker) would be a module beside this one.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..core import InvalidRequest
from .options import Limits
from .process_cap import cap_kernel, mechanism

#: Where the notebook's copy lives inside the sandbox (a private in-memory folder).
WORK_DIR = "/grading/work"

_INSTALL = ("install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; "
            "Fedora: sudo dnf install bubblewrap; Arch: sudo pacman -S bubblewrap)")
_NO_SANDBOX = ("or pass --no-sandbox (sandbox=False from Python) to grade without"
               " isolation at your own risk: every notebook then runs with "
               "your rights and can read and change your files and its classmates' grades")
# Top-level system folders a dynamically linked Python may load from (often symlinks into /usr).
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# The dynamic loader's configuration: without it libraries outside the default path go missing.
_ETC = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime")


class SandboxUnavailable(InvalidRequest):
    """bubblewrap cannot run here; the message says what is missing and how to fix it."""


@functools.lru_cache(maxsize=1)
def bwrap_path() -> str:
    """The ``bwrap`` executable, checked to work here; SandboxUnavailable otherwise.

    The check runs ``bwrap`` once with the namespaces the kernels get, so a
    machine where user namespaces are disabled (many containers) is caught
    before any notebook is graded, with the reason.
    """
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(
            f"cannot sandbox the notebooks on {sys.platform}: bubblewrap, which isolates "
            "each kernel, runs only on Linux. Grade on a Linux machine (or a Linux VM) with "
            f"bubblewrap installed, {_NO_SANDBOX}")
    found = shutil.which("bwrap")
    if found is None:
        raise SandboxUnavailable(
            f"cannot sandbox the notebooks: bubblewrap (the bwrap command) is not "
            f"installed; {_INSTALL}, {_NO_SANDBOX}")
    probe = [found, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
             "--unshare-uts", "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc",
             "true"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SandboxUnavailable(f"cannot sandbox the notebooks: {found} did not run "
                                 f"({error}); reinstall bubblewrap, {_NO_SANDBOX}") from None
    if done.returncode != 0:
        why = " ".join(done.stderr.split())[:300] or f"exit status {done.returncode}"
        raise SandboxUnavailable(
            f"cannot sandbox the notebooks: bubblewrap cannot create its namespaces here "
            f"({why}). Allow unprivileged user namespaces (sysctl "
            "kernel.unprivileged_userns_clone=1 and user.max_user_namespaces > 0; in a "
            "container, run it with a seccomp/AppArmor profile that allows them), "
            f"{_NO_SANDBOX}")
    return found


def preflight(limits: Limits) -> None:
    """Start Python in a sandbox as a kernel would get it, and import ipykernel and buddy_edu.

    Run once before a batch: a sandbox that cannot start the kernel here (a
    Python or virtual environment outside what is bound, a limit too small)
    would otherwise give every student 0 points "because the kernel died".
    Raises SandboxUnavailable with bwrap's or Python's own message.
    """
    with tempfile.TemporaryDirectory(prefix="buddy-edu-preflight-") as folder:
        notebook, kernel_dir = Path(folder) / "notebook.ipynb", Path(folder) / "kernel"
        notebook.write_bytes(b"{}")
        kernel_dir.mkdir()
        os.chmod(folder, 0o711)
        command = launcher_argv(limits, count_processes=True,
                                then="import ipykernel.kernelapp, buddy_edu.exercises")
        command = bwrap_argv(command, notebook=notebook, notebook_name="notebook.ipynb",
                             kernel_dir=kernel_dir, limits=limits)
        cap = cap_kernel(limits, connection_file="", owned=(kernel_dir, notebook))
        argv = [*cap.prefix, *command]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as error:
            done = subprocess.CompletedProcess(argv, 1, "", str(error))
        finally:
            cap.close()
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        why = lines[-1][:300] if lines else f"exit status {done.returncode}"
        user = mechanism()
        who = (f" as the unprivileged uid {user.uid} (the grader runs as root; set "
               "BUDDY_EDU_KERNEL_UID to a user who can read them)"
               if user.name == "uid" else "")
        raise SandboxUnavailable(
            f"cannot start a kernel in the sandbox ({why}): the kernel sees only {sys.prefix}, "
            f"{sys.base_prefix} and /usr{who} and gets {limits.memory >> 20} MB of memory; "
            f"install buddy-edu and ipykernel there or raise --memory, {_NO_SANDBOX}")


_RUN_KERNEL = "runpy.run_module('ipykernel_launcher', run_name='__main__', alter_sys=True)"


def launcher_argv(limits: Limits, *, count_processes: bool,
                  then: str = _RUN_KERNEL) -> list[str]:
    """``python -c ...`` that sets the limits, then runs ipykernel (``then``) in the same process.

    The limits are set by the kernel's own interpreter rather than by the
    grader before ``exec``: ``preexec_fn`` is unsafe in the grader's threads,
    and inside the sandbox ``RLIMIT_NPROC`` counts only the sandbox's own
    processes (Linux counts it per user namespace), not every process of the
    instructor's user.  ``count_processes`` is False without a sandbox for
    that reason.  Soft and hard limits are equal, so the notebook cannot raise
    them again.  Without a sandbox, a limit the system does not support (no
    ``resource`` module on Windows, no ``RLIMIT_AS`` on macOS) is left unset.
    """
    values = {"RLIMIT_AS": limits.memory, "RLIMIT_NOFILE": limits.open_files,
              "RLIMIT_FSIZE": limits.file_size}
    if count_processes:
        values["RLIMIT_NPROC"] = limits.processes
    strict = count_processes  # in the sandbox (Linux) every limit must hold
    code = (
        "import runpy, sys\n"
        "try:\n"
        "    import resource\n"
        f"    for name, value in {sorted(values.items())!r}:\n"
        "        try:\n"
        "            resource.setrlimit(getattr(resource, name), (value, value))\n"
        "        except (AttributeError, ValueError, OSError):\n"
        f"            if {strict!r}:\n"
        "                raise\n"
        "except ImportError:\n"
        f"    if {strict!r}:\n"
        "        raise\n"
        "sys.argv = ['ipykernel_launcher', *sys.argv[1:]]\n"
        f"{then}\n"
    )
    return [sys.executable, "-c", code]


def bwrap_argv(command: list[str], *, notebook: Path, notebook_name: str,
               kernel_dir: Path, limits: Limits) -> list[str]:
    """The bwrap command line that runs ``command`` confined.

    ``notebook`` (a file in the grader's temporary folder, removed as soon as
    the kernel is up) appears as ``WORK_DIR/notebook_name`` inside; the
    ``kernel_dir`` (connection file and sockets) is shared at its own path.
    """
    argv = [bwrap_path(),
            "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try", "--cap-drop", "ALL",
            "--die-with-parent", "--new-session", "--hostname", "grading",
            "--proc", "/proc",
            # bwrap's /dev and / are in-memory folders without a size limit: /dev gets a
            # capped /dev/shm and, like /, is made read-only, so no write escapes the limits.
            "--dev", "/dev", "--size", str(limits.scratch), "--tmpfs", "/dev/shm",
            "--remount-ro", "/dev",
            # /tmp first: binds below may live under /tmp and must come back on top of it.
            "--size", str(limits.scratch), "--tmpfs", "/tmp"]
    for path in _SYSTEM:
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            argv += ["--ro-bind", path, path]
    for path in _ETC:
        if os.path.exists(path):
            argv += ["--ro-bind", path, path]
    for source, target in readonly_binds():
        argv += ["--ro-bind", source, target]
    work = f"{WORK_DIR}/{notebook_name}"
    argv += ["--size", str(limits.scratch), "--tmpfs", WORK_DIR,
             "--bind", str(notebook), work,
             "--bind", str(kernel_dir), str(kernel_dir),
             "--remount-ro", "/",
             "--chdir", WORK_DIR,
             "--clearenv", *_setenv(kernel_env(sandboxed=True)),
             "--", *command]
    return argv


def kernel_env(*, sandboxed: bool, scratch: str | os.PathLike = "/tmp") -> dict[str, str]:
    """The whole environment of a grading kernel, sandboxed or not: made here only.

    Every kernel gets the kit's settings: ``BUDDY_EDU_GRADING=1``, matplotlib
    drawing without a display, unbuffered output, IPython's folder in
    ``scratch`` (the kernel's own folder for such files: the sandbox's private
    ``/tmp``, or one the grader made; never the work folder, which holds only
    the notebook), and
    few malloc arenas (each would reserve 64 MB of address space, counted
    against the memory limit without being used).  In the sandbox that is the
    whole environment, with ``PATH``, ``HOME`` (the work folder) and the
    locale: nothing of the grader's leaks in.  Without a sandbox the kernel
    gets the grader's environment plus the kit's settings.
    """
    kit = {
        "BUDDY_EDU_GRADING": "1",
        "MPLBACKEND": "Agg",
        "PYTHONUNBUFFERED": "1",
        "IPYTHONDIR": os.path.join(scratch, "ipython"),
        "MALLOC_ARENA_MAX": "2",
    }
    if not sandboxed:
        return {**os.environ, **kit}
    bindir = str(Path(sys.executable).parent)
    return {
        "PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": WORK_DIR,
        "LANG": "C.UTF-8",
        # HOME is the work folder: matplotlib's own folder goes beside IPython's instead.
        "MPLCONFIGDIR": os.path.join(scratch, "matplotlib"),
        **kit,
    }


def readonly_binds() -> list[tuple[str, str]]:
    """(source, target) of the interpreter, its virtual environment and buddy_edu, deduplicated.

    Symlinked prefixes are bound at both their real path and the path Python
    knows them by.  Anything already inside ``/usr`` is covered by that bind.
    """
    package = Path(__file__).parents[1]  # buddy_edu/, by the path Python knows it by
    wanted = [sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix, str(package)]
    binds: list[tuple[str, str]] = []
    for path in wanted:
        real = os.path.realpath(path)
        for target in dict.fromkeys([real, os.path.abspath(path)]):
            binds.append((real, target))
    kept: list[tuple[str, str]] = []
    for source, target in sorted(set(binds), key=lambda pair: (len(pair[1]), pair)):
        covered = any(_inside(target, done) and source == os.path.join(
            done_source, os.path.relpath(target, done)) for done_source, done in kept)
        if not covered and not _inside(os.path.realpath(target), "/usr"):
            kept.append((source, target))
    return kept


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _setenv(env: dict[str, str]) -> list[str]:
    return [part for name, value in env.items() for part in ("--setenv", name, value)]
