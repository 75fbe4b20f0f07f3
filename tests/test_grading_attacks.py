"""Hostile notebooks against the sandboxed grader, each graded beside honest classmates.

Every attack of issue 9 is a submission in one batch (so the suite stays
fast): a daemon that kills later kernels, code injected through another
kernel's connection file, tampering with the gradebook, CSV and feedback
(during the run and from a daemon afterwards), overwriting a classmate's
submission, planting a ``.pth`` file, reading secrets into its own feedback,
a 3 GB allocation, nbgrader sub-folder and symlink spoofing, bad file names
and ids that spreadsheets would evaluate.  ``kill -9`` of the grader is its
own test.  Each checks that honest students keep full marks, the attacker
earns no more than it answered, no process of the batch survives and the
batch finishes.  Every daemon gives up by itself after a minute, so even a
broken sandbox cannot leave the suite hanging.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import signal
import site
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import types
import uuid
from pathlib import Path

import pytest
from test_grader import NAME, honest_score, points, student_notebook, write

from buddy_edu.exercises import ASSIGNMENTS, answer_key
from buddy_edu.grading.batch import grade
from buddy_edu.grading.runner import TEMP_PREFIX, sweep_stale_folders

# Every test but the last grades in the sandbox (the last one only needs bwrap).
pytestmark = [pytest.mark.sandbox, pytest.mark.kernel]

MARKER = f"buddy-edu-attack-{uuid.uuid4().hex}"
SECRET = f"instructor-secret-{uuid.uuid4().hex}"
HONEST = ("honest1", "honest2", "honest3", "zz-late")
ALL_QUESTIONS = ASSIGNMENTS[NAME].question_ids

# A process that leaves the kernel's session and process group, then replaces
# itself with a fresh Python whose command line carries MARKER (so the test can
# look for survivors) and runs BODY for at most a minute.
DAEMON = '''
import os, sys
_kernel = os.getpid()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", {body!r}, {marker!r}, str(_kernel)])
    os._exit(0)
os.wait()
'''

KILL_OTHER_KERNELS = '''
import os, signal, sys, time
own = {int(sys.argv[2]), os.getpid()}
end = time.time() + 60
while time.time() < end:
    for pid in os.listdir("/proc"):
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue
        if pid.isdigit() and int(pid) not in own and b"ipykernel" in cmd:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
    time.sleep(0.1)
'''

INJECT_NONSENSE = '''
import json, os, sys, time
from jupyter_client import BlockingKernelClient
own = int(sys.argv[2])
done = set()
end = time.time() + 60
while time.time() < end:
    for pid in os.listdir("/proc"):
        try:
            args = open(f"/proc/{pid}/cmdline", "rb").read().decode().split("\\0")
        except (OSError, UnicodeDecodeError):
            continue
        if not pid.isdigit() or int(pid) == own or "-f" not in args:
            continue
        path = args[args.index("-f") + 1]
        if path in done or not os.path.exists(path):
            continue
        done.add(path)
        try:
            client = BlockingKernelClient()
            client.load_connection_info(json.load(open(path)))
            client.start_channels()
            client.execute("q1 = q2 = q3 = q4 = q5 = q6 = q7 = 'injected'")
        except Exception:
            pass
    time.sleep(0.1)
'''


def tamper_body(targets: list[str]) -> str:
    return f'''
import time
end = time.time() + 60
while time.time() < end:
    for path in {targets!r}:
        try:
            with open(path, "w") as handle:
                handle.write("tampered")
        except OSError:
            pass
    time.sleep(0.1)
'''


def tamper_cell(targets: list[str], classmate: Path, planted: Path) -> str:
    return textwrap.dedent(f'''
    import os, json
    for path in {targets!r}:
        try:
            open(path, "w").write("tampered")
        except OSError:
            pass
    for pid in os.listdir("/proc"):  # the grader's folder, as found through /proc
        try:
            cwd = os.readlink(f"/proc/{{pid}}/cwd")
            open(os.path.join(cwd, "grades.csv"), "w").write("tamperer,{NAME},99")
        except OSError:
            pass
    try:
        nb = json.load(open({str(classmate)!r}))
        json.dump({{"cells": [], "metadata": {{}}, "nbformat": 4, "nbformat_minor": 5}},
                  open({str(classmate)!r}, "w"))
    except OSError:
        pass
    try:
        open({str(planted)!r}, "w").write("import os\\n")
    except OSError:
        pass
    ''')


SNOOP_HELPERS = """
import os

def grab(read):
    try:
        return str(read())[:2000]
    except Exception as error:
        return f"denied: {type(error).__name__}"

def commands():
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            found.append(grab(lambda: open(f"/proc/{pid}/cmdline", "rb").read()))
    return " | ".join(found)
"""


def snoop_lines(secret_file: Path, classmate: Path) -> dict[str, str]:
    """Answer lines that read secrets into the answers, which the feedback page shows."""
    return {
        "q1": "q1 = grab(lambda: dict(os.environ))",
        "q2": 'q2 = grab(lambda: open("/etc/passwd").read())',
        "q3": f"q3 = grab(lambda: open({str(secret_file)!r}).read())",
        "q4": f"q4 = grab(lambda: open({str(classmate)!r}).read())",
        "q5": "q5 = grab(commands)",
        "q6": 'q6 = grab(lambda: os.listdir("/root") + os.listdir("/home"))',
    }


# Tries to fill the machine's memory through in-memory folders, which the memory
# limit does not cover; reports how many MB each place took (in an answer, q2).
FILLER = """
import os

def fill(folder, megabytes=200):
    written = 0
    try:
        for number in range(megabytes // 8):
            with open(os.path.join(folder, f"fill-{number}"), "wb") as handle:
                handle.write(b"x" * (8 << 20))
            written += 8
    except OSError:
        pass
    return written
"""
FILLED = ("/", "/dev", "/dev/shm", "/tmp", ".")


def survivors(tag: str) -> list[str]:
    """Command lines of processes that carry ``tag`` (the attack's marker or our temp folders)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if tag.encode() in cmd:
                found.append(cmd.replace(b"\0", b" ").decode(errors="replace")[:200])
    return found


def gone(tag: str, seconds: float = 20) -> list[str]:
    """Wait (boundedly) for processes carrying ``tag`` to end; returns those still there."""
    end = time.monotonic() + seconds
    while survivors(tag) and time.monotonic() < end:
        time.sleep(0.2)
    return survivors(tag)


def our_temp_folders(pid: int) -> list[Path]:
    return sorted(Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}{pid}-*"))


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """One sandboxed batch: honest students, every attacker, spoofed and badly named files."""
    base = tmp_path_factory.mktemp("attacked")
    subs, out, feedback = base / "subs", base / "grades.csv", base / "feedback"
    book = base / "grades.sqlite"
    secret_file = base / "instructor-secret.txt"
    secret_file.write_text(SECRET, encoding="utf-8")
    planted = Path(site.getsitepackages()[0]) / f"{MARKER}.pth"
    late = subs / "zz-late.ipynb"
    targets = [str(book), str(out), str(feedback / "honest1.html"), str(base / "grades.csv")]
    key = {s: answer_key(NAME, s) for s in
           (*HONEST, "aa-killer", "ab-injector", "ac-tamperer", "ad-snoop", "ae-hog",
            "af-filler", "carol", "mallory", "-2-3", "@A1")}
    only_q1 = {s: {"q1": key[s]["q1"]} for s in key}
    notebooks = {
        "aa-killer": student_notebook(NAME, "aa-killer", only_q1["aa-killer"],
                                      before=DAEMON.format(body=KILL_OTHER_KERNELS,
                                                           marker=MARKER)),
        "ab-injector": student_notebook(NAME, "ab-injector", only_q1["ab-injector"],
                                        before=DAEMON.format(body=INJECT_NONSENSE,
                                                             marker=MARKER)),
        "ac-tamperer": student_notebook(
            NAME, "ac-tamperer", only_q1["ac-tamperer"],
            before=tamper_cell(targets, late, planted) + DAEMON.format(
                body=tamper_body(targets), marker=MARKER)),
        "ad-snoop": student_notebook(NAME, "ad-snoop", before=SNOOP_HELPERS,
                                     lines=snoop_lines(secret_file, subs / "honest1.ipynb")),
        "ae-hog": student_notebook(NAME, "ae-hog", only_q1["ae-hog"],
                                   after={"q1": "hog = bytearray(3 * 2**30)"}),
        "af-filler": student_notebook(NAME, "af-filler", only_q1["af-filler"], before=FILLER,
                                      lines={"q2": f"q2 = [fill(p) for p in {FILLED!r}]"}),
        "-2-3": student_notebook(NAME, "-2-3", key["-2-3"]),
        "@A1": student_notebook(NAME, "@A1", key["@A1"]),
    }
    for student in HONEST:
        notebooks[student] = student_notebook(NAME, student, key[student])
    for student, nb in notebooks.items():
        write(nb, subs / f"{student}.ipynb")
    # Spoofing: a link named like a student pointing at a secret, a link to a
    # classmate's notebook, and file names that are not usable ids.
    (subs / "passwd.ipynb").symlink_to(secret_file)
    (subs / "honest9.ipynb").symlink_to(subs / "honest1.ipynb")
    write(notebooks["honest2"], subs / "bad id.ipynb")
    write(notebooks["honest2"], subs / "=cmd.ipynb")
    # nbgrader: mallory hides a notebook with carol's answers in a sub-folder of her own.
    nbgrader = base / "course" / "submitted"
    write(student_notebook(NAME, "carol", key["carol"]), nbgrader / "carol" / NAME / "c.ipynb")
    write(student_notebook(NAME, "mallory", only_q1["mallory"]),
          nbgrader / "mallory" / NAME / f"{NAME}.ipynb")
    write(student_notebook(NAME, "carol", key["carol"]),
          nbgrader / "mallory" / NAME / "extra" / "carol.ipynb")
    write(student_notebook(NAME, "carol", key["carol"]),
          nbgrader / "mallory" / NAME / "submitted" / "carol" / NAME / f"{NAME}.ipynb")
    late_bytes = late.read_bytes()

    os.environ["BUDDY_EDU_TEST_SECRET"] = SECRET
    progress = io.StringIO()
    try:
        results = grade(NAME, [subs, nbgrader], out=out, feedback_dir=feedback, jobs=2,
                        timeout=60, cell_timeout=10, progress=progress)
        left = gone(MARKER) + gone(f"{TEMP_PREFIX}{os.getpid()}-")
    finally:
        del os.environ["BUDDY_EDU_TEST_SECRET"]
        planted_there = planted.exists()
        planted.unlink(missing_ok=True)
    return types.SimpleNamespace(
        base=base, out=out, book=book, feedback=feedback, key=key, only_q1=only_q1,
        results={r.student: r for r in results}, progress=progress.getvalue(),
        survivors=left, planted=planted_there, late=late, late_bytes=late_bytes,
        temp_left=our_temp_folders(os.getpid()), max=ASSIGNMENTS[NAME].max_score)


def test_the_batch_finishes_and_no_process_or_temporary_folder_survives(attacked):
    assert set(attacked.results) == {
        *HONEST, "aa-killer", "ab-injector", "ac-tamperer", "ad-snoop", "ae-hog",
        "af-filler", "carol", "mallory", "-2-3", "@A1"}
    assert attacked.survivors == [] and attacked.temp_left == []
    assert all(r.sandboxed for r in attacked.results.values())


def test_honest_students_keep_full_marks_despite_killers_and_injectors(attacked):
    for student in (*HONEST, "carol", "-2-3", "@A1"):
        result = attacked.results[student]
        assert result.score == attacked.max, (student, result.error, result.messages)
        assert result.error is None


def test_attackers_earn_no_more_than_what_they_answered(attacked):
    for student in ("aa-killer", "ab-injector", "ac-tamperer", "ae-hog", "af-filler",
                    "mallory"):
        result = attacked.results[student]
        # The injector reaches only its own kernel (and spoils its own answers: not with
        # zeros, which can be a right answer, e.g. a split count of 0).
        assert result.score <= honest_score(NAME, student, attacked.only_q1[student])
        assert result.score <= points(NAME, student, {"q1"}), (student, result.messages)
    assert attacked.results["ad-snoop"].score == 0


def test_gradebook_csv_and_feedback_are_the_graders_alone(attacked):
    rows = {row["student_id"]: row for row in
            csv.DictReader(attacked.out.open(encoding="utf-8"))}
    assert "tampered" not in attacked.out.read_text(encoding="utf-8")
    assert rows["honest1"]["score"] == str(attacked.max)
    assert rows["ac-tamperer"]["score"] == str(
        points(NAME, "ac-tamperer", {"q1"}))
    with sqlite3.connect(attacked.book) as db:
        stored = dict(db.execute("SELECT student, score FROM submissions"))
    assert stored["honest1"] == attacked.max and len(stored) == len(attacked.results)
    page = (attacked.feedback / "honest1.html").read_text(encoding="utf-8")
    assert "tampered" not in page and f"{attacked.max} / {attacked.max}" in page


def test_a_classmates_submission_and_the_virtual_environment_cannot_be_changed(attacked):
    assert attacked.late.read_bytes() == attacked.late_bytes
    assert attacked.results["zz-late"].score == attacked.max
    assert attacked.planted is False


def test_secrets_do_not_come_back_through_the_attackers_feedback(attacked):
    page = html.unescape((attacked.feedback / "ad-snoop.html").read_text(encoding="utf-8"))
    answers = json.dumps([q.answer for q in attacked.results["ad-snoop"].questions])
    assert "denied" in answers  # the snooping ran and its findings reached the page
    for leaked in (SECRET, "BUDDY_EDU_TEST_SECRET", "root:x:0", "pytest", "nbformat",
                   str(attacked.base)):
        assert leaked not in page and leaked not in answers, leaked


def test_a_3_gb_allocation_hits_the_memory_limit_and_the_note_says_so(attacked):
    result = attacked.results["ae-hog"]
    assert any("MemoryError (the memory limit is 1G)" in note for note in result.notes), \
        result.notes


def test_spoofed_identities_and_bad_names_are_skipped_with_warnings(attacked):
    warnings = [line for line in attacked.progress.splitlines() if line.startswith("warning:")]
    text = "\n".join(warnings)
    assert "passwd.ipynb: it is a symbolic link" in text
    assert "honest9.ipynb: it is a symbolic link" in text
    assert "bad id.ipynb" in text and "=cmd.ipynb" in text and "rename the file" in text
    assert str(Path("mallory") / NAME / "extra" / "carol.ipynb") in text
    assert "passwd" not in attacked.results and "honest9" not in attacked.results
    assert Path(attacked.results["carol"].path).parts[-3] == "carol"


def test_ids_that_look_like_formulas_are_escaped_in_the_csv(attacked):
    lines = attacked.out.read_text(encoding="utf-8").splitlines()
    firsts = [line.split(",")[0] for line in lines[1:]]
    assert "'-2-3" in firsts and "'@A1" in firsts
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in firsts)


def test_in_memory_folders_are_read_only_or_capped(attacked):
    # The scratch folders hold 64 MB each (files of 8 MB: at most 56 fit beside the
    # notebook); the root and /dev cannot be written at all.
    filled = dict(zip(FILLED, attacked.results["af-filler"].questions[1].answer, strict=True))
    assert filled["/"] == filled["/dev"] == 0
    assert all(0 < filled[place] <= 64 for place in ("/dev/shm", "/tmp", ".")), filled


# ------------------------------------------------------------------ kill -9 of the grader
GRADER = """
import sys
from buddy_edu.grading.batch import grade
grade(sys.argv[1], [sys.argv[2]], out=sys.argv[3], jobs=1, timeout=300, cell_timeout=300)
"""


def test_kill_9_of_the_grader_leaves_no_process_and_no_notebook(tmp_path):
    student = f"spinner-{uuid.uuid4().hex[:12]}"
    subs = tmp_path / "subs"
    write(student_notebook(NAME, student, after={
        "q1": "import itertools\nsum(itertools.count())"}), subs / f"{student}.ipynb")
    grader = subprocess.Popen([sys.executable, "-c", GRADER, NAME, str(subs),
                               str(tmp_path / "grades.csv")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # The sandbox's command line names the notebook; wait until its kernel spins in C.
        end = time.monotonic() + 120
        while time.monotonic() < end and not _spinning(student):
            time.sleep(0.2)
        assert _spinning(student), "the kernel never started spinning"
        grader.send_signal(signal.SIGKILL)
        grader.wait()
    finally:
        if grader.poll() is None:
            grader.kill()
            grader.wait()
    assert gone(student) == [] and gone(f"{TEMP_PREFIX}{grader.pid}-") == []
    left = our_temp_folders(grader.pid)
    assert not any(p.suffix == ".ipynb" for folder in left for p in folder.rglob("*"))
    assert set(sweep_stale_folders()) >= set(left)
    assert our_temp_folders(grader.pid) == []


def _spinning(tag: str) -> bool:
    """Whether a process of the sandbox tagged ``tag`` has used over a second of CPU."""
    sandboxes = {int(line) for line in _pids_with(tag)}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent, user_ticks = int(fields[1]), int(fields[11])
        if parent in sandboxes and user_ticks > os.sysconf("SC_CLK_TCK"):
            return True
    return False


def _pids_with(tag: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if tag.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


# ------------------------------------------------------------------ the command line itself
def test_the_sandbox_binds_only_the_interpreter_and_puts_tmp_under_its_binds(tmp_path):
    from buddy_edu.grading.sandbox import Limits, bwrap_argv

    argv = bwrap_argv(["python"], notebook=tmp_path / "n.ipynb", notebook_name="ann.ipynb",
                      kernel_dir=tmp_path / "kernel", limits=Limits())
    options = argv[:argv.index("--")]
    for flag in ("--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
                 "--unshare-uts", "--die-with-parent", "--new-session", "--clearenv"):
        assert flag in options
    binds = [(options[i], options[i + 1], options[i + 2]) for i in range(len(options) - 2)
             if options[i] in ("--ro-bind", "--bind")]
    writable = [(source, target) for kind, source, target in binds if kind == "--bind"]
    assert writable == [(str(tmp_path / "n.ipynb"), "/grading/work/ann.ipynb"),
                        (str(tmp_path / "kernel"), str(tmp_path / "kernel"))]
    home = str(Path.home())
    for _, source, _ in binds:
        assert source in (str(tmp_path / "n.ipynb"), str(tmp_path / "kernel")) or \
            not source.startswith(str(tmp_path)), source
        assert source != home and source != "/" and not home.startswith(source + "/"), source
    tmpfs = options.index("/tmp")
    assert options[tmpfs - 1] == "--tmpfs"
    assert all(options.index(source) > tmpfs for _, source, _ in binds
               if source.startswith("/tmp/"))
    remounts = [options[i + 1] for i in range(len(options)) if options[i] == "--remount-ro"]
    chdir = options.index("--chdir")
    assert remounts == ["/dev", "/"] and options[chdir - 2:chdir] == ["--remount-ro", "/"]
    names = [options[i + 1] for i in range(len(options)) if options[i] == "--setenv"]
    assert options.index("--clearenv") < options.index("--setenv")
    assert {"BUDDY_EDU_GRADING", "PATH", "HOME", "LANG"} <= set(names)
    assert not any(name.startswith(("BUDDY_EDU_TEST", "PYTEST")) for name in names)
