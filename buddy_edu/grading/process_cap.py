"""A hard cap on each kernel's processes that binds root too.

``RLIMIT_NPROC`` (set in every kernel, see :func:`.sandbox.launcher_argv`) is
not enforced for root: Linux skips the check for a task whose real uid is 0
in the first user namespace, which a sandbox's own user namespace does not
change.  A grader running as root (the usual user in a Docker-based grading
server, and in Gradescope's containers) would let one notebook fork thousands
of processes.  So, where the grader runs as root, each kernel gets one of
these, chosen once per grader process, the first that works here:

1. ``cgroup2``: a cgroup v2 of its own under the grader's cgroup, with
   ``pids.max`` (and ``memory.max``, when the memory controller is
   delegated).  Needs the ``pids`` controller in the grader's cgroup's
   ``cgroup.subtree_control``; the grader enables it when it can, moving
   itself into a leaf cgroup if it is alone in its own (as in a container
   whose only process is the grader).
2. ``cgroup1``: on a host with the cgroup v1 ``pids`` hierarchy, a cgroup of
   its own there with ``pids.max`` (memory stays with ``RLIMIT_AS``).
3. ``uid``: the kernel (and bubblewrap) runs as an unprivileged user
   (``nobody``, 65534; ``BUDDY_EDU_KERNEL_UID`` chooses another), so
   ``RLIMIT_NPROC`` applies; its folder is handed to that user.

Not as root, ``rlimit``: ``RLIMIT_NPROC`` already binds.  The kernel joins
its cgroup before anything of it runs: a ``/bin/sh`` writes its own pid into
``cgroup.procs``, then ``exec``\\ s the kernel's command.  When the kernel ends
the cgroup's leftovers are killed and the cgroup removed.

``BUDDY_EDU_PROCESS_CAP`` set to one of the names above forces that mechanism
(tests use it to try each one on one machine).
"""

from __future__ import annotations

import functools
import itertools
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..core import InvalidRequest
from .options import Limits

MECHANISMS = ("cgroup2", "cgroup1", "uid", "rlimit")
FORCE = "BUDDY_EDU_PROCESS_CAP"
UID_VARIABLE = "BUDDY_EDU_KERNEL_UID"
NOBODY = 65534
PREFIX = "buddy-edu-"
_counter = itertools.count()

_JOIN = ('for f in "$@"; do [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; done; '
         'while [ "$1" != -- ]; do shift; done; shift; exec "$@"')
_DROP = ("import os, sys\n"
         "uid, gid, connection = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]\n"
         "if connection:  # written 0600 by the grader's jupyter_client: hand it over\n"
         "    os.chown(connection, uid, gid)\n"
         "os.setgroups([]); os.setgid(gid); os.setuid(uid)\n"
         "os.execv(sys.argv[5], sys.argv[5:])\n")


@dataclass(frozen=True)
class Mechanism:
    """How this grader caps its kernels' processes (see the module's docstring)."""

    name: str
    parent: Path | None = None  # where kernels' cgroups are made
    uid: int | None = None
    memory: bool = False  # cgroup2 with the memory controller: memory.max too

    def describe(self, limits: Limits) -> str:
        """One line for the grader's output: which cap holds and why."""
        if self.name == "cgroup2":
            memory = " and memory.max" if self.memory else ""
            return (f"processes: each kernel has its own cgroup v2 under {self.parent} with "
                    f"pids.max={limits.processes}{memory} (the grader runs as root, where "
                    "RLIMIT_NPROC does not bind)")
        if self.name == "cgroup1":
            return (f"processes: each kernel has its own cgroup under {self.parent} with "
                    f"pids.max={limits.processes} (the grader runs as root, where "
                    "RLIMIT_NPROC does not bind; cgroup v2 is not delegated here)")
        if self.name == "uid":
            return (f"processes: kernels run as the unprivileged uid {self.uid}, so "
                    f"RLIMIT_NPROC={limits.processes} binds (the grader runs as root and "
                    "cannot make a cgroup with pids.max here)")
        return f"processes: RLIMIT_NPROC={limits.processes} in each kernel"


@dataclass
class KernelCap:
    """The cap of one kernel: the command prefix that applies it, and its clean-up."""

    prefix: list[str] = field(default_factory=list)
    counts_processes: bool = False  # set RLIMIT_NPROC even without a sandbox (its own uid)
    cgroups: list[Path] = field(default_factory=list)

    def close(self) -> None:
        """Kill whatever is left in the kernel's cgroups and remove them."""
        for folder in self.cgroups:
            remove_cgroup(folder)
        self.cgroups = []


@functools.lru_cache(maxsize=1)
def mechanism() -> Mechanism:
    """The mechanism this grader uses, found once (see the module's docstring)."""
    forced = os.environ.get(FORCE, "")
    if forced and forced not in MECHANISMS:
        raise InvalidRequest(f"{FORCE}={forced!r} is not one of {', '.join(MECHANISMS)}")
    if forced == "rlimit" or not hasattr(os, "geteuid") or (os.geteuid() != 0 and not forced):
        return Mechanism("rlimit")
    finders = {"cgroup2": _cgroup2, "cgroup1": _cgroup1, "uid": _uid}
    for name in [forced] if forced else finders:
        found = finders[name]()
        if found is not None:
            _sweep(found)
            return found
    if forced:
        raise InvalidRequest(f"{FORCE}={forced}: that mechanism cannot be used here")
    return Mechanism("rlimit")


def cap_kernel(limits: Limits, *, connection_file: str = "{connection_file}",
               owned: tuple[Path, ...] = ()) -> KernelCap:
    """The cap for one kernel about to start.  ``owned`` are the paths the kernel must be
    able to use (handed to the unprivileged user under ``uid``); ``connection_file`` is the
    file jupyter_client writes at launch (its placeholder in a kernel spec), or ""."""
    found = mechanism()
    if found.name in ("cgroup2", "cgroup1"):
        folder = found.parent / f"{PREFIX}{os.getpid()}-{next(_counter)}"
        folder.mkdir()
        try:
            _write(folder / "pids.max", str(limits.processes))
            if found.memory:
                _write(folder / "memory.max", str(limits.memory + 3 * limits.scratch))
                if (folder / "memory.swap.max").exists():
                    _write(folder / "memory.swap.max", "0")
        except OSError:
            remove_cgroup(folder)
            raise
        prefix = ["/bin/sh", "-c", _JOIN, "buddy-edu-join", str(folder / "cgroup.procs"), "--"]
        return KernelCap(prefix, counts_processes=False, cgroups=[folder])
    if found.name == "uid":
        uid = gid = found.uid
        for path in owned:
            os.chown(path, uid, gid)
        prefix = [sys.executable, "-S", "-c", _DROP, str(uid), str(gid), connection_file, "--"]
        return KernelCap(prefix, counts_processes=True)
    return KernelCap()


def remove_cgroup(folder: Path) -> None:
    """Kill every process left in ``folder`` (a cgroup) and remove it; quietly best-effort."""
    deadline = time.monotonic() + 5
    while True:
        if (folder / "cgroup.kill").exists():
            try:
                _write(folder / "cgroup.kill", "1")
            except OSError:
                pass
        pids = _pids(folder)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)


def _pids(folder: Path) -> list[int]:
    try:
        return [int(line) for line in (folder / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _write(path: Path, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _mounts(kind: str) -> list[tuple[Path, set[str]]]:
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        fields = line.split()
        if len(fields) >= 4 and fields[2] == kind:
            found.append((Path(fields[1].replace("\\040", " ")), set(fields[3].split(","))))
    return found


def _own(controller: str) -> str | None:
    """This process's cgroup path in the hierarchy of ``controller`` ("" for v2)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, names, path = line.split(":", 2)
        if names.split(",") == [controller] or (controller in names.split(",") and controller):
            return path
    return None


def _usable(parent: Path, memory: bool = False) -> bool:
    """Whether a child cgroup with pids.max can be made under ``parent``."""
    probe = parent / f"{PREFIX}probe-{os.getpid()}"
    try:
        probe.mkdir()
    except OSError:
        return False
    try:
        _write(probe / "pids.max", "64")
        if memory:
            _write(probe / "memory.max", str(1 << 30))
        return True
    except OSError:
        return False
    finally:
        remove_cgroup(probe)


def _cgroup2() -> Mechanism | None:
    mounts = _mounts("cgroup2")
    own = _own("")
    if not mounts or own is None:
        return None
    parent = mounts[0][0] / own.lstrip("/")
    try:
        controllers = (parent / "cgroup.controllers").read_text().split()
        enabled = (parent / "cgroup.subtree_control").read_text().split()
    except OSError:
        return None
    if "pids" not in controllers:
        return None
    wanted = [name for name in ("pids", "memory") if name in controllers and name not in enabled]
    if wanted and not _enable(parent, wanted):
        return None
    enabled = (parent / "cgroup.subtree_control").read_text().split()
    memory = "memory" in enabled
    return Mechanism("cgroup2", parent, memory=memory) if _usable(parent, memory) else None


def _enable(parent: Path, wanted: list[str]) -> bool:
    """Delegate ``wanted`` controllers to ``parent``'s children.  A cgroup v2 that holds
    processes cannot; when the grader is its only process it moves into a leaf first."""
    text = " ".join(f"+{name}" for name in wanted)
    try:
        _write(parent / "cgroup.subtree_control", text)
        return True
    except OSError:
        pass
    if _pids(parent) != [os.getpid()]:
        return False
    leaf = parent / f"{PREFIX}grader-{os.getpid()}"
    try:
        leaf.mkdir(exist_ok=True)
        _write(leaf / "cgroup.procs", str(os.getpid()))
        _write(parent / "cgroup.subtree_control", text)
        return True
    except OSError:
        return False


def _cgroup1() -> Mechanism | None:
    for mount, options in _mounts("cgroup"):
        if "pids" in options:
            own = _own("pids")
            parent = mount / (own or "/").lstrip("/")
            if _usable(parent):
                return Mechanism("cgroup1", parent)
    return None


def _uid() -> Mechanism | None:
    try:
        uid = int(os.environ.get(UID_VARIABLE, NOBODY))
    except ValueError:
        raise InvalidRequest(f"{UID_VARIABLE} must be a number (a uid), got "
                             f"{os.environ[UID_VARIABLE]!r}") from None
    if uid == 0:
        raise InvalidRequest(f"{UID_VARIABLE}=0 would run kernels as root: choose an "
                             "unprivileged uid")
    return Mechanism("uid", uid=uid)


def _sweep(found: Mechanism) -> None:
    """Remove the kernel cgroups of graders that were killed (their pid is gone)."""
    if found.parent is None:
        return
    for folder in found.parent.glob(f"{PREFIX}*-*"):
        pid = folder.name[len(PREFIX):].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            remove_cgroup(folder)
        except OSError:
            continue
