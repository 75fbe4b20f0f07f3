"""Inside Gradescope's container: grade one submission, write ``results/results.json``.

``run_autograder`` (see :mod:`.gradescope_package`) runs ``python -m
buddy_edu.grading.gradescope_run /autograder``.  It

1. reads the course and ``autograder.json`` from ``source/``, and the
   submitters from ``submission_metadata.json`` (``users``: email, id, name;
   Gradescope's "Submission Metadata" page), matched through the roster
   (``gradescope_sid``, ``sis_id``, ``email``, name) to one student;
2. grades the notebook in ``submission/`` for that student with
   :func:`.batch.grade`, exactly as ``buddy-edu grade --course`` would (the
   file's written id is flagged when it disagrees, as there);
3. writes ``results/results.json``: the total ``score``, one test per
   question (``name``, ``number``, ``score``, ``max_score``, ``output``: what
   ``ex.check`` says at the ``mark`` level, ``visibility``), and an ``output``
   with what concerns the whole notebook.

Isolation: where bubblewrap works in the container, each kernel is sandboxed
as on any grading machine.  Gradescope's containers usually forbid the user
namespaces bubblewrap needs; the kernel then runs without it, with the
container (one per submission, thrown away afterwards) as its isolation, and
the output says so.  Even then it runs as an unprivileged user
(:mod:`.process_cap`), so it cannot read the course secret or roster
(``course/`` is readable by root only), write ``results/``, or fork without
limit.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
from contextlib import ExitStack, redirect_stdout
from pathlib import Path

from ..core import InvalidRequest
from ..exercises.course.assignments import get_assignment
from ..exercises.course.settings import load_course
from ..exercises.questions.feedback import Feedback, limited
from ..exercises.registry import TYPES
from . import process_cap
from .gradescope_package import CONFIG_FILE, CONFIG_FORMAT
from .layouts import Found, discover
from .options import GradingOptions
from .roster_match import RosterIndex, match
from .sandbox import SandboxUnavailable, preflight

CONTAINER_NOTE = (
    "bubblewrap cannot isolate notebooks in this container ({why}), so your notebook ran "
    "without the kit's sandbox: Gradescope's container, one per submission and thrown away "
    "afterwards, is its isolation.")


def main(argv: list[str] | None = None) -> int:
    """``python -m buddy_edu.grading.gradescope_run [ROOT]``: grade, write results.json."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else "/autograder")
    results = run_autograder(root)
    print(f"score: {results['score']} (results in {root / 'results' / 'results.json'})")
    return 0


def run_autograder(root: Path) -> dict:
    """Grade ``root/submission`` and write ``root/results/results.json``; returns its data.
    Nothing about the submission stops it: a problem is a score of 0 and its reason."""
    out = root / "results"
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o755)  # the grader's: a student's kernel runs as another user
    try:
        results = _grade(root)
    except InvalidRequest as error:
        results = {"score": 0.0, "output": f"This submission could not be graded: {error}",
                   "tests": []}
    path = out / "results.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return results


def _grade(root: Path) -> dict:
    from .batch import grade

    source = root / "source"
    config = _config(source / CONFIG_FILE)
    course = load_course(source / "course")
    spec = get_assignment(course.check_assignment(config["assignment"]))
    roster = course.roster()
    users = _users(root / "submission_metadata.json")
    notebook = _notebook(root / "submission", spec.name)
    if notebook is None:
        return _zero(f"No notebook (.ipynb file) in your submission: upload your "
                     f"{spec.name}.ipynb.", config)
    entry, why = match(RosterIndex(roster), _found(notebook.path, users), None)
    if entry is None:
        return _zero(f"Your Gradescope account is not on the course roster ({why}). Ask your "
                     "instructor to add you; nothing was graded.", config)
    sandbox, note = _sandbox(GradingOptions(memory=config["memory"]))
    with tempfile.TemporaryDirectory(prefix="buddy-edu-gradescope-") as work:
        work = Path(work)
        os.chmod(work, 0o711)
        copy = work / f"{entry.student_id}.ipynb"
        copy.write_bytes(notebook.path.read_bytes())
        log = io.StringIO()
        with ExitStack() as stack:
            if not sandbox and process_cap.mechanism().name not in ("uid", "rlimit"):
                stack.callback(process_cap.mechanism.cache_clear)
                os.environ[process_cap.FORCE] = "uid"  # never a root kernel beside the secret
                stack.callback(os.environ.pop, process_cap.FORCE, None)
                process_cap.mechanism.cache_clear()
            if not sandbox and process_cap.mechanism().name == "uid":
                note += f" It ran as the unprivileged uid {process_cap.mechanism().uid}."
            stack.enter_context(redirect_stdout(sys.stderr))
            graded = grade(spec.name, [copy], out=work / "grades.csv", course=course,
                           roster=[entry], sandbox=sandbox, jobs=1, timeout=config["timeout"],
                           cell_timeout=config["cell_timeout"], memory=config["memory"],
                           progress=log)
        print(log.getvalue(), file=sys.stderr)  # results/stdout: for the instructor
    result = graded[0]
    tests = [_test(number, question, slot.kind, config["visibility"])
             for number, (question, slot) in enumerate(zip(result.questions, spec.slots,
                                                           strict=True), start=1)]
    said = [note] if note else []
    if result.error:
        said.append(f"Your notebook could not be run to the end: {result.error}.")
    said += [f"{note[0].upper()}{note[1:]}." for note in result.notes]
    return {"score": result.score, "output": "\n".join(said), "visibility":
            config["visibility"], "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"student": entry.student_id, "mode": result.mode.split(":")[0],
                           "sandboxed": result.sandboxed}}


def _test(number: int, question, kind: str, visibility: str) -> dict:
    feedback = Feedback(question.score, question.message, question.misconception)
    return {"name": f"{question.id}: {TYPES[kind].title}", "number": str(number),
            "score": question.earned, "max_score": question.points,
            "output": limited(feedback, "mark").line(), "visibility": visibility}


def _zero(output: str, config: dict) -> dict:
    return {"score": 0.0, "output": output, "visibility": config["visibility"], "tests": []}


def _config(path: Path) -> dict:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InvalidRequest(f"the autograder's {path.name} cannot be read ({error}): "
                             "build the autograder again with buddy-edu course gradescope"
                             ) from None
    if not isinstance(config, dict) or config.get("format") != CONFIG_FORMAT:
        raise InvalidRequest(f"{path} is not a buddy-edu autograder's settings")
    return config


def _users(path: Path) -> list[dict]:
    try:
        users = json.loads(path.read_text(encoding="utf-8")).get("users")
    except (OSError, ValueError, AttributeError) as error:
        raise InvalidRequest(f"Gradescope's {path.name} cannot be read ({error})") from None
    if not isinstance(users, list) or not users:
        raise InvalidRequest(f"Gradescope's {path.name} names no submitter")
    return [user for user in users if isinstance(user, dict)]


def _found(path: Path, users: list[dict]) -> Found:
    """The submission as a Gradescope export names it: claims from each submitter."""
    claims = []
    for user in users:
        sid, email = str(user.get("sid") or ""), str(user.get("email") or "")
        claims += [(column, value) for column, value in (
            ("gradescope_sid", sid), ("sis_id", sid), ("email", email.lower()),
            ("gradescope_sid", email), ("gradescope_sid", str(user.get("id") or "")),
            ("name", str(user.get("name") or ""))) if value]
    who = ", ".join(str(u.get("email") or u.get("name") or u.get("id")) for u in users)
    return Found(path, str(path), "gradescope", f"the Gradescope user {who}",
                 claims=tuple(dict.fromkeys(claims)))


def _notebook(folder: Path, assignment: str) -> Found | None:
    """The notebook to grade in the submission: the one named after the assignment, else
    the only one, else the newest."""
    if not folder.is_dir():
        return None
    with ExitStack() as stack:
        try:
            found = [f for f in discover([folder], assignment, stack, lambda text: None)]
        except InvalidRequest:
            return None
    if not found:
        return None
    return max(found, key=lambda f: (f.path.stem == assignment, _mtime(f.path), f.shown))


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0


def _sandbox(options: GradingOptions) -> tuple[bool, str]:
    """Whether bubblewrap can run the kernel here, and what to say when it cannot."""
    try:
        preflight(options.limits)
    except SandboxUnavailable as error:
        why = str(error).split(":")[1].split(";")[0].strip() if ":" in str(error) else ""
        return False, CONTAINER_NOTE.format(why=why or "no user namespaces")
    return True, ""


if __name__ == "__main__":
    raise SystemExit(main())
