"""A process limit that binds root: cgroup pids.max, else an unprivileged uid.

Fast tests check how the mechanism is chosen and what the kernel's command
line becomes.  The sandboxed test forks up to 3,000 sleeping processes in one
notebook, graded beside honest classmates two at a time, under each mechanism
this machine can give (as root: a cgroup if the grader can make one, and the
unprivileged uid when this Python is readable by that user).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_grader import NAME, student_notebook, write

from buddy_edu import InvalidRequest
from buddy_edu.exercises import ASSIGNMENTS, answer_key
from buddy_edu.grading import process_cap
from buddy_edu.grading.options import Limits

FORKS = 3000
FORKER = f'''
import os, time
forked = 0
for _ in range({FORKS}):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(120)
        os._exit(0)
    forked += 1
q1 = forked
'''


@pytest.fixture()
def forced(monkeypatch):
    """Force a mechanism for one test (BUDDY_EDU_PROCESS_CAP), found afresh."""
    def force(name: str | None) -> None:
        if name is None:
            monkeypatch.delenv(process_cap.FORCE, raising=False)
        else:
            monkeypatch.setenv(process_cap.FORCE, name)
        process_cap.mechanism.cache_clear()

    yield force
    process_cap.mechanism.cache_clear()


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _readable_by_nobody() -> str | None:
    """Why the unprivileged uid cannot run this Python, or None if it can."""
    if not _is_root():
        return "needs root to drop to another uid"
    probe = subprocess.run(
        [sys.executable, "-S", "-c", "import os, sys; os.setgroups([]); os.setgid(65534); "
         "os.setuid(65534); import os.path; sys.exit(0 if all(os.access(p, os.R_OK | os.X_OK) "
         "for p in sys.argv[1:]) else 1)", sys.base_prefix, sys.prefix],
        capture_output=True, timeout=60)
    if probe.returncode != 0:
        return (f"uid 65534 cannot read this Python ({sys.base_prefix}): make a virtual "
                "environment from a Python outside /root to test the uid mechanism")
    return None


# ------------------------------------------------------------------ choosing
def test_not_as_root_the_rlimit_binds_and_nothing_is_added(forced, monkeypatch):
    forced(None)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    found = process_cap.mechanism()
    assert found.name == "rlimit"
    cap = process_cap.cap_kernel(Limits())
    assert (cap.prefix, cap.counts_processes, cap.cgroups) == ([], False, [])
    assert found.describe(Limits()) == "processes: RLIMIT_NPROC=128 in each kernel"


def test_a_bad_setting_is_refused_naming_it(forced, monkeypatch):
    forced("podman")
    with pytest.raises(InvalidRequest, match="BUDDY_EDU_PROCESS_CAP='podman' is not one of"):
        process_cap.mechanism()
    forced("uid")
    monkeypatch.setenv(process_cap.UID_VARIABLE, "0")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    with pytest.raises(InvalidRequest, match="would run kernels as root"):
        process_cap.mechanism()


def test_the_uid_mechanism_hands_the_kernels_files_over_and_drops_before_exec(
        forced, monkeypatch, tmp_path):
    forced("uid")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    chowned = []
    monkeypatch.setattr(os, "chown", lambda path, uid, gid: chowned.append((path, uid, gid)))
    cap = process_cap.cap_kernel(Limits(), owned=(tmp_path / "kernel",))
    assert chowned == [(tmp_path / "kernel", 65534, 65534)]
    assert cap.counts_processes and cap.prefix[:3] == [sys.executable, "-S", "-c"]
    assert cap.prefix[4:] == ["65534", "65534", "{connection_file}", "--"]
    assert "os.setuid(uid)" in cap.prefix[3] and "os.execv" in cap.prefix[3]
    assert "uid 65534" in process_cap.mechanism().describe(Limits())


@pytest.mark.skipif(not _is_root(), reason="only root can make cgroups here")
def test_as_root_a_cgroup_with_pids_max_is_made_joined_and_removed(forced):
    forced(None)
    found = process_cap.mechanism()
    if found.name not in ("cgroup2", "cgroup1"):
        pytest.skip(f"no cgroup with pids.max can be made here ({found.name} is used)")
    cap = process_cap.cap_kernel(Limits(processes=50))
    folder = cap.cgroups[0]
    assert (folder / "pids.max").read_text().strip() == "50"
    joined = subprocess.run([*cap.prefix, "/bin/cat", "/proc/self/cgroup"],
                            capture_output=True, text=True, timeout=30)
    assert joined.returncode == 0 and folder.name in joined.stdout
    sleeper = subprocess.Popen([*cap.prefix, "/bin/sleep", "60"])
    try:
        deadline = time.monotonic() + 10
        while str(sleeper.pid) not in (folder / "cgroup.procs").read_text().split():
            assert time.monotonic() < deadline, "the process never joined its cgroup"
            time.sleep(0.02)
        cap.close()  # kills what is left in the cgroup, then removes it
        assert sleeper.wait(timeout=10) == -9
    finally:
        sleeper.kill()
    assert not folder.exists()


# ------------------------------------------------------------------ 3,000 forks as root
def _mechanisms() -> list:
    params = [pytest.param(None, id="auto")]
    why = _readable_by_nobody()
    params.append(pytest.param("uid", id="uid", marks=pytest.mark.skipif(
        why is not None, reason=why or "")))
    return params


@pytest.mark.sandbox
@pytest.mark.kernel
@pytest.mark.parametrize("mechanism", _mechanisms())
def test_a_fork_bomb_sees_at_most_the_limit_and_classmates_keep_full_marks(
        forced, tmp_path, mechanism):
    from buddy_edu.grading.batch import grade

    forced(mechanism)
    key = {s: answer_key(NAME, s) for s in ("honest1", "honest2")}
    subs = tmp_path / "subs"
    for student, answers in key.items():
        write(student_notebook(NAME, student, answers), subs / f"{student}.ipynb")
    write(student_notebook(NAME, "forker", lines={"q1": FORKER}), subs / "forker.ipynb")
    progress = io.StringIO()
    results = {r.student: r for r in grade(NAME, [subs], out=tmp_path / "g.csv", jobs=2,
                                           timeout=120, cell_timeout=60, progress=progress)}
    limit = Limits().processes
    forked = results["forker"].questions[0].answer
    assert isinstance(forked, int) and 0 < forked < limit, (forked, progress.getvalue())
    full = ASSIGNMENTS[NAME].max_score
    assert results["honest1"].score == results["honest2"].score == full
    if _is_root():
        assert process_cap.mechanism().describe(Limits()) in progress.getvalue()
    leftover = [folder for folder in _cgroup_parents() for folder in
                folder.glob(f"{process_cap.PREFIX}{os.getpid()}-*")]
    assert leftover == []


def _cgroup_parents() -> list[Path]:
    found = process_cap.mechanism()
    return [found.parent] if found.parent is not None else []


# ------------------------------------------------------------------ cgroup v2, on a fake tree
class FakeCgroup2:
    """A cgroup v2 tree in a plain folder: "no internal processes" and moves enforced."""

    def __init__(self, root: Path, own: str, others: list[int], controllers: str):
        self.root, self.own = root, root / own
        self.own.mkdir(parents=True)
        (self.own / "cgroup.controllers").write_text(controllers)
        (self.own / "cgroup.subtree_control").write_text("")
        (self.own / "cgroup.procs").write_text(
            "\n".join(str(pid) for pid in [os.getpid(), *others]))

    def write(self, path: Path, text: str) -> None:
        if path.name == "cgroup.subtree_control" and (path.parent / "cgroup.procs").read_text():
            raise OSError(16, "Device or resource busy")  # a cgroup with processes: EBUSY
        if path.name == "cgroup.procs":
            for procs in self.root.rglob("cgroup.procs"):
                procs.write_text("\n".join(p for p in procs.read_text().split() if p != text))
            text = ((path.read_text() + "\n") if path.exists() else "") + text
        path.write_text(text.strip() + "\n" if path.name != "cgroup.procs" else text.strip())
        if path.name == "cgroup.subtree_control":
            path.write_text(" ".join(word.lstrip("+") for word in text.split()))

    def install(self, monkeypatch) -> None:
        monkeypatch.setattr(process_cap, "_mounts", lambda kind: [(self.root, set())]
                            if kind == "cgroup2" else [])
        monkeypatch.setattr(process_cap, "_own", lambda controller: "/" + str(
            self.own.relative_to(self.root)) if controller == "" else None)
        monkeypatch.setattr(process_cap, "_write", self.write)
        monkeypatch.setattr(process_cap, "remove_cgroup", lambda folder: None)
        monkeypatch.setattr(os, "geteuid", lambda: 0)


def test_cgroup2_moves_a_lone_grader_into_a_leaf_to_delegate_pids_and_memory(
        forced, monkeypatch, tmp_path):
    tree = FakeCgroup2(tmp_path, "docker/abc", [], "cpu memory pids")
    tree.install(monkeypatch)
    forced("cgroup2")
    found = process_cap.mechanism()
    assert (found.name, found.parent, found.memory) == ("cgroup2", tree.own, True)
    leaf = tree.own / f"{process_cap.PREFIX}grader-{os.getpid()}"
    assert (leaf / "cgroup.procs").read_text() == str(os.getpid())
    assert (tree.own / "cgroup.subtree_control").read_text().split() == ["pids", "memory"]
    cap = process_cap.cap_kernel(Limits(processes=99, memory=1 << 30, scratch=1 << 20))
    folder = cap.cgroups[0]
    assert (folder / "pids.max").read_text().strip() == "99"
    assert (folder / "memory.max").read_text().strip() == str((1 << 30) + 3 * (1 << 20))
    assert cap.prefix[-2:] == [str(folder / "cgroup.procs"), "--"]
    assert "memory.max" in found.describe(Limits())


def test_cgroup2_leaves_a_shared_cgroup_alone_and_falls_back(forced, monkeypatch, tmp_path):
    tree = FakeCgroup2(tmp_path, "user.slice/session-1.scope", [1, 77], "memory pids")
    tree.install(monkeypatch)
    monkeypatch.setattr(process_cap, "_cgroup1", lambda: None)
    forced(None)
    assert process_cap.mechanism().name == "uid"  # others share the cgroup: never moved
    assert sorted((tree.own / "cgroup.procs").read_text().split()) == sorted(
        [str(os.getpid()), "1", "77"])
