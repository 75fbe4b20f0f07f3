"""The batch grader: run every submission, check its answers here, keep the grades.

``grade()`` (and ``buddy-edu grade``) finds the notebooks, skips those the
gradebook already holds, runs the others ``jobs`` at a time (each in its own
fresh kernel in its own sandbox, see :mod:`.runner` and :mod:`.sandbox`), and
for each one, as it finishes:
regenerates the student's variant from (assignment, student id), checks the
answers read from the kernel with ``Question.check`` in this process, and
commits the result to the gradebook.  The CSV and the feedback pages are made
from the gradebook at the end.  Nothing a notebook does can stop the batch:
whatever goes wrong scores the affected questions 0 and says why.

The grader trusts only what it read itself: each notebook is read once (see
:mod:`.submissions`), and that content is hashed, run and recorded; the
gradebook, CSV and feedback pages are written here, in folders no kernel can
see.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, TextIO

from ..core import InvalidRequest
from ..exercises.answers import transport
from ..exercises.course.assignments import PLACEHOLDER_ID, PRACTICE, Variants, get_assignment
from ..exercises.course.settings import Course
from ..exercises.questions.question import Question
from . import process_cap
from .gradebook import Gradebook, check_gradebook, default_path
from .options import GradingOptions
from .pages import write_feedback
from .progress import Progress
from .results import QuestionResult, Result
from .roster_match import ClassResults, close_report, csv_extras, gather, roster_for
from .runner import RunOutcome, run_notebook, sweep_stale_folders
from .sandbox import preflight
from .submissions import Submission

__all__ = ["NO_SANDBOX_WARNING", "GradingOptions", "QuestionResult", "Result", "grade",
           "score_outcome"]

_INTERRUPTED = "grading was interrupted"

#: Printed by every run without a course: its grades are practice mode's.
PRACTICE_WARNING = (
    "practice mode: no course given (--course DIR), so answers are checked against "
    "practice variants, which anyone with the kit can make with their keys. These grades "
    "are marked 'practice' in the CSV and the gradebook.")

#: Printed by every run with ``sandbox=False`` (``--no-sandbox``).
NO_SANDBOX_WARNING = (
    "WARNING: grading without a sandbox (--no-sandbox): every notebook runs with your rights "
    "and can read your files, change other students' submissions and grades, and leave "
    "processes running. The gradebook records that these grades were made without a sandbox.")


def grade(
    assignment: str,
    submissions: Iterable[str | os.PathLike],
    out: str | os.PathLike = "grades.csv",
    *,
    feedback_dir: str | os.PathLike | None = None,
    reveal: bool = False,
    gradebook: str | os.PathLike | None = None,
    regrade: bool = False,
    progress: TextIO | None = None,
    options: GradingOptions | None = None,
    course: Course | None = None,
    roster: str | os.PathLike | list | None = None,
    **settings: Any,
) -> list[Result]:
    """Grade ``submissions`` (notebooks or folders of them) of ``assignment``.

    Writes the gradebook (default: ``out`` with the suffix ``.sqlite``), then
    ``out`` (CSV of every student's current grade in the gradebook) and, with
    ``feedback_dir``, one HTML page per student (correct answers only with
    ``reveal``).  Submissions whose exact file is already in the gradebook are
    not run again unless ``regrade`` (nor grades made without a sandbox reused
    while the sandbox is on).  How each notebook runs is ``options`` (see
    :class:`GradingOptions`: time limits, memory, sandbox, jobs); any of its
    fields may also be given as a keyword (``memory=512 << 20``,
    ``sandbox=False``), which replaces that field of ``options``.  Each kernel
    runs in a bubblewrap sandbox; ``sandbox=False`` runs them with your
    rights, warns, and marks the grades as made without a sandbox.  Returns
    one Result per submission, sorted by student; ``skipped`` marks those
    taken from the gradebook.

    With ``course`` each answer is checked against the student's variant of that
    course (made with its secret); without, against practice mode's, which anyone
    can make: such grades are marked ``practice`` in the CSV and the gradebook, and
    a warning says so.

    With a roster (``roster``: a CSV file or its rows; else the course's
    ``roster.csv`` if it lists anyone) ``submissions`` may be what an LMS gives
    (Canvas, Moodle, Gradescope downloads, as folders or zips): each notebook is
    mapped to one roster student (see :mod:`.roster_match`), the returned list's
    ``report`` says what did not fit, and the CSV gets a ``status`` column and a
    row of 0 for each roster student with no grade (``missing``).

    Bad arguments raise InvalidRequest first, whatever the machine; then a
    sandbox that cannot run here raises SandboxUnavailable (saying what to
    install); both before anything is run or written.  Notebooks that cannot
    count (links, misplaced or unusable file names, a second notebook of one
    student) are skipped with a warning.  Progress goes to ``progress``
    (default: stderr).  On KeyboardInterrupt the running notebooks stop after
    their current cell, everything finished so far stays in the gradebook,
    and the interrupt is raised again.
    """
    spec = get_assignment(assignment)
    options = _with_settings(options or GradingOptions(), settings)
    variants = PRACTICE if course is None else course.variants()
    if course is not None:
        course.check_assignment(spec.name)
    out = Path(out)
    if out.is_dir() or not out.parent.is_dir():
        raise InvalidRequest(f"cannot write the grades to {out}: give a file name in an "
                             "existing folder")
    if feedback_dir is not None:
        _check_feedback_dir(Path(feedback_dir))
    stream = progress
    book_path = check_gradebook(gradebook if gradebook is not None else default_path(out))
    found, report = gather(spec.name, submissions, roster_for(roster, course),
                           warn=lambda text: _say(stream, f"warning: {text}"))
    if options.sandbox:
        preflight(options.limits)
    else:
        _say(stream, NO_SANDBOX_WARNING)
    if process_cap.mechanism().name != "rlimit":  # as root: say which cap holds
        _say(stream, process_cap.mechanism().describe(options.limits))
    if course is None:
        _say(stream, PRACTICE_WARNING)
    sweep_stale_folders()
    with Gradebook(book_path) as book:
        done: dict[str, Result] = {}
        todo: list[Submission] = []
        for submission in found:
            kept = None if regrade else book.load(spec.name, submission.student,
                                                  submission.file_hash)
            if kept is not None and kept.mode == variants.mode \
                    and (kept.sandboxed or not options.sandbox):
                book.mark_current(spec.name, submission.student, submission.file_hash)
                done[submission.student] = kept
            else:
                todo.append(submission)
        if done:
            _say(stream, f"skipped {len(done)} already graded "
                         f"(same file already in {book.path.name})")
        bar = Progress(len(todo), stream)
        runs = _run_all(spec.name, todo, options, variants)
        try:
            for result in runs:
                book.record(result)
                done[result.student] = result
                bar.advance(result.student, result.failed)
        finally:
            runs.close()  # on Ctrl-C: stop the running notebooks now, not at garbage collection
            bar.close()
        report = close_report(book, spec.name, report, found)
        book.export_csv(spec.name, out, spec.question_ids, **csv_extras(report, variants.mode))
    results = ClassResults([done[student] for student in sorted(done)], report)
    if feedback_dir is not None:
        write_feedback(results, feedback_dir, reveal=reveal)
    return results


def _check_feedback_dir(folder: Path) -> None:
    """Refuse a feedback folder that could not be made, before a whole batch runs for nothing."""
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        where = "it is a file" if existing == folder else f"{existing} is a file"
        raise InvalidRequest(f"cannot write feedback into {folder}: {where}, not a folder")


def _with_settings(options: GradingOptions, settings: dict[str, Any]) -> GradingOptions:
    """``options`` with the fields named in ``settings`` replaced (checked again)."""
    known = [f.name for f in fields(GradingOptions)]
    unknown = sorted(set(settings) - set(known))
    if unknown:
        raise TypeError(f"grade() got no option {unknown[0]!r}: the options are "
                        f"{', '.join(known)}")
    return replace(options, **settings) if settings else options


def score_outcome(submission: Submission, assignment: str, outcome: RunOutcome,
                  variants: Variants = PRACTICE) -> Result:
    """Check the answers read from one notebook against the student's own variant (of the
    course ``variants`` come from, else of practice mode)."""
    questions = variants.of(assignment, submission.student)
    graded = tuple(_score_question(question, outcome) for question in questions)
    notes = [*submission.notes, *_cell_notes(outcome.cells)]
    if outcome.answer_problem:
        notes.append(f"the answers could not be read after the last cell "
                     f"({outcome.answer_problem}); earlier answers were used")
    declared = outcome.declared_student
    if declared not in (None, PLACEHOLDER_ID, submission.student):
        notes.append(f"the notebook starts the variant of {declared!r}, but this file is "
                     f"graded as {submission.student!r} (where it was handed in decides), so its "
                     "answers were checked against the questions of "
                     f"{submission.student!r}")
    return Result(
        student=submission.student,
        assignment=assignment,
        path=str(submission.path),
        score=round(sum(q.earned for q in graded), 2),
        max_score=sum(q.points for q in questions),
        questions=graded,
        error=outcome.error or outcome.stopped,
        notes=tuple(notes),
        file_hash=submission.file_hash,
        seconds=round(outcome.seconds, 2),
        sandboxed=outcome.sandboxed,
        mode=variants.mode,
    )


def _score_question(question: Question, outcome: RunOutcome) -> QuestionResult:
    # The same reading and scoring as ex.check in the notebook: the transport's entry, then
    # Question.score (which never raises), so a ✓ there is the points here.
    status, answer = transport.read_entry(outcome.answers.get(question.id, {"missing": True}))
    feedback = question.score(status, answer)
    if status != "value":
        answer = None
    message = feedback.message
    if answer is None and feedback.score == 0:
        why = _why_unanswered(question.id, outcome)
        if why:
            message = f"{message} Note: {why}."
    earned = round(feedback.score * question.points, 2)
    return QuestionResult(id=question.id, points=question.points, earned=earned,
                          score=feedback.score, message=message,
                          misconception=feedback.misconception, answer=answer,
                          expected=question.answer)


def _why_unanswered(qid: str, outcome: RunOutcome) -> str | None:
    """The likeliest reason a question has no answer, from what happened to the notebook."""
    if outcome.error:
        return outcome.error
    index = outcome.assigned_in.get(qid)
    runs = {run.index: run for run in outcome.cells}
    if index is not None and index in runs and runs[index].status != "ok":
        run = runs[index]
        return f"the cell that sets {qid}, {run.describe()}, {_cell_problem(run)}"
    if outcome.stopped and (index is None or index not in runs):
        return outcome.stopped
    if outcome.answer_problem and "value" not in outcome.answers.get(qid, {}):
        return f"the answers could not be read ({outcome.answer_problem})"
    return None


def _cell_notes(cells) -> list[str]:
    """One note per kind of cell problem: "cells 3, 5 and 7 raised NameError: ..." ."""
    groups: dict[tuple[str, str], list] = {}
    for run in cells:
        if run.status != "ok" and run.detail != "the kernel died":  # that one is the error
            groups.setdefault((run.status, run.detail), []).append(run)
    notes = []
    for runs in groups.values():
        if len(runs) == 1:
            where = runs[0].describe()
        else:
            numbers = [str(run.index + 1) for run in runs]
            where = f"cells {', '.join(numbers[:-1])} and {numbers[-1]}"
        notes.append(f"{where} {_cell_problem(runs[0])}")
    return notes


def _cell_problem(run) -> str:
    if run.status == "timeout":
        return f"was {run.detail}"
    return f"raised {run.detail}" if run.detail != "the kernel died" else "killed the kernel"


def _run_all(assignment: str, todo: list[Submission], options: GradingOptions,
             variants: Variants):
    """Yield a Result for each submission as soon as it is graded (in finishing order)."""
    if not todo:
        return
    names = get_assignment(assignment).question_ids
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=min(options.jobs, len(todo)),
                              thread_name_prefix="buddy-edu-grade")
    pending: dict[Future, Submission] = {
        pool.submit(_run_one, s, names, options, stop=stop,
                    calls=_function_calls(assignment, s, variants)): s
        for s in todo
    }
    try:
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                submission = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as error:  # a bug of ours: record it, go on with the rest
                    outcome = RunOutcome(
                        answers={}, error=f"the grader failed on this notebook "
                                          f"({type(error).__name__}: {error})")
                if stop.is_set() and _INTERRUPTED in (outcome.stopped or ""):
                    continue  # cut short by Ctrl-C: not a grade, run it again next time
                yield score_outcome(submission, assignment, outcome, variants)
    except BaseException:
        stop.set()
        for future in pending:
            future.cancel()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _function_calls(assignment: str, submission: Submission, variants: Variants
                    ) -> dict[str, tuple[str, list]]:
    """For questions answered with a function: ``{qid: (function, argument lists)}``, the calls
    the kernel must make.  Made here from the student's variant, so the inputs, like the
    answers, are the grader's."""
    if submission.problem is not None:
        return {}
    return {question.id: (question.function, question.params["calls"])
            for question in variants.of(assignment, submission.student) if question.function}


def _run_one(submission: Submission, names: list[str], options: GradingOptions,
             **run: Any) -> RunOutcome:
    """Run the content read from the submission (never the file on disk now)."""
    if submission.problem is not None:
        return RunOutcome(answers={name: {"missing": True} for name in names},
                          error=submission.problem, sandboxed=options.sandbox)
    return run_notebook(submission.content, names, options, file_name=submission.path.name,
                        **run)


def _say(stream: TextIO | None, text: str) -> None:
    import sys

    target = stream if stream is not None else sys.stderr
    target.write(text + "\n")
    target.flush()
