"""The student's side of an assignment in a notebook: ``start``, ``show``, ``check``.

Under ``BUDDY_EDU_GRADING=1`` (set by the batch grader) nothing is displayed
and nothing beyond the core is imported: ``start`` and ``check`` just compute.
Pictures come from ``buddy_edu.render``, imported the first time a question
is shown; a question shows the state *before* the operation it asks about, so
the picture never gives the answer away.
"""

from __future__ import annotations

import html
import os
import sys
from dataclasses import dataclass

from ...core import InvalidRequest
from ...core.script import run_script
from ..questions.feedback import LEVELS, Feedback, Recorded, limited
from ..questions.question import Question
from ..registry import kind_spec
from .assignments import PLACEHOLDER_ID, check_student, get_assignment, variant
from .release import LEVELS as RELEASE_LEVELS
from .release import decode, questions_for
from .sealing import SealedQuestion

GRADING_ENV = "BUDDY_EDU_GRADING"


def grading() -> bool:
    """Whether the code runs under the batch grader (``BUDDY_EDU_GRADING=1``)."""
    return os.environ.get(GRADING_ENV, "").strip().lower() not in ("", "0", "false", "no")


@dataclass(frozen=True)
class Row:
    """One line of a summary: a question's points and the feedback on its answer."""

    id: str
    title: str
    points: int
    feedback: Feedback | Recorded

    @property
    def earned(self) -> float | None:
        """Points earned: the feedback's share of the question's points (None when the
        assignment shows no feedback before grading)."""
        if isinstance(self.feedback, Recorded):
            return None
        return round(self.feedback.score * self.points, 2)


@dataclass(frozen=True, repr=False)
class Summary:
    """Scores of every answer of one variant; shows itself as a table in a notebook."""

    assignment: str
    student: str
    rows: tuple[Row, ...]

    @property
    def score(self) -> float | None:
        """Points earned in total (None when the assignment shows no feedback before grading)."""
        if any(row.earned is None for row in self.rows):
            return None
        return round(sum(row.earned for row in self.rows), 2)

    @property
    def max_score(self) -> int:
        """Points available in total."""
        return sum(row.points for row in self.rows)

    def __repr__(self) -> str:
        lines = [f"{self.assignment} for {self.student}: {_points(self.score)} / "
                 f"{self.max_score} points"]
        for row in self.rows:
            lines.append(f"  {row.id:>4} {row.feedback.mark} {_points(row.earned)}/"
                         f"{row.points}  {row.feedback.message}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td>{row.id}</td><td>{html.escape(row.title)}</td>"
            f"<td style='text-align:center'>{row.feedback.mark}</td>"
            f"<td style='text-align:right'>{_points(row.earned)} / {row.points}</td>"
            f"<td style='text-align:left'>{html.escape(row.feedback.message)}</td></tr>"
            for row in self.rows
        )
        return (
            f"<table class='buddy-edu-summary'><caption>{html.escape(self.assignment)} for "
            f"{html.escape(self.student)}</caption><thead><tr><th>question</th><th>topic</th>"
            "<th>mark</th><th>points</th><th style='text-align:left'>feedback</th></tr></thead>"
            f"<tbody>{body}</tbody><tfoot><tr><th colspan='3'>total</th>"
            f"<th style='text-align:right'>{_points(self.score)} / {self.max_score}</th>"
            "<th></th></tr></tfoot></table>"
        )

    def to_dict(self) -> dict:
        """Plain data: totals and per-question score, points and message."""
        return {"assignment": self.assignment, "student": self.student, "score": self.score,
                "max_score": self.max_score,
                "questions": {row.id: {"earned": row.earned, "points": row.points,
                                       **row.feedback.to_dict()} for row in self.rows}}


def _points(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


class Exercise:
    """One student's variant of an assignment, as used from a notebook.

    ``course`` is the course's name for graded work (its questions are sealed: they
    mark answers without holding the key), or None in practice mode.
    """

    def __init__(self, assignment: str, student: str,
                 questions: list[Question] | list[SealedQuestion],
                 feedback: str = "full", course: str | None = None) -> None:
        self.assignment = assignment
        self.student = student
        self.feedback = feedback
        self.course = course
        self._questions = {question.id: question for question in questions}

    @property
    def mode(self) -> str:
        """``"practice"``, or ``"course"`` for graded work of a course."""
        return "practice" if self.course is None else "course"

    def __repr__(self) -> str:
        points = sum(q.points for q in self._questions.values())
        where = "practice mode" if self.course is None else f"course {self.course}"
        return (f"Exercise({self.assignment!r}, student={self.student!r}): "
                f"{len(self._questions)} questions, {points} points ({where})")

    @property
    def questions(self) -> list[Question]:
        """The questions of this variant, q1 first."""
        return list(self._questions.values())

    @property
    def ids(self) -> list[str]:
        """``["q1", "q2", ...]``."""
        return list(self._questions)

    def question(self, qid: str) -> Question:
        """The question with id ``qid``; InvalidRequest naming the ids there are otherwise."""
        if isinstance(qid, str) and qid in self._questions:
            return self._questions[qid]
        raise InvalidRequest(
            f"there is no question {qid!r} in {self.assignment!r}: the questions are "
            f"{', '.join(self._questions)}"
        )

    def show(self, qid: str | None = None) -> None:
        """Display a question (all of them without ``qid``): prompt and a picture of the state
        before the operation it asks about.  Under the grader this does nothing."""
        if grading():
            return
        questions = [self.question(qid)] if qid is not None else self.questions
        _display_mode(self)
        for question in questions:
            _display_question(question, heading=qid is None)

    @property
    def handin_name(self) -> str:
        """The file name ``download()`` gives the notebook: ``<assignment>-<student>.ipynb``."""
        return f"{self.assignment}-{self.student}.ipynb"

    def download(self):
        """Save this notebook and download a copy with your answers, named
        ``<assignment>-<student>.ipynb``, to hand in (JupyterLab and JupyterLite: the browser
        saves it to its downloads folder).  Under the grader this does nothing."""
        if grading():
            return None
        from .handin import HandIn

        return HandIn(filename=self.handin_name)

    def stepper(self, qid: str):
        """A Stepper over the question's setup script, at its end: the state the question
        starts from, with every step that led there (the asked operation is not in it)."""
        question = self.question(qid)
        if "setup" not in question.params:
            raise InvalidRequest(f"{qid} has no script to step through")
        from ...widget import Stepper

        allocator = _setup_allocator(question)
        stepper = Stepper(allocator)
        stepper.position = allocator.event_count()
        return stepper

    def check(self, qid: str, value: object) -> Feedback | Recorded:
        """Check an answer exactly as the grader will; the result shows itself as one line.

        How much it says depends on the assignment's feedback level (see
        ``Assignment.feedback``); the points never do.
        """
        if self.course is not None and grading():
            return _GRADED_LATER  # the grader marks a course's answers in its own process
        question = self.question(qid)
        if question.function and grading():
            return _LEFT_TO_GRADER
        return limited(question.check(value), self.feedback)

    def check_all(self, namespace: dict | None = None) -> Summary:
        """Check q1..qN, read from ``namespace`` (default: the caller's global variables).

        A question answered with a function reads the function by its name.
        """
        if namespace is None:
            namespace = sys._getframe(1).f_globals
        if not isinstance(namespace, dict):
            raise InvalidRequest("namespace must be a dict of variables, such as globals()")
        rows = []
        for question in self.questions:
            if question.function and grading():
                feedback = _LEFT_TO_GRADER
            elif question.answer_name in namespace:
                feedback = question.check(namespace[question.answer_name])
            else:
                feedback = question.score("missing", None)
            if feedback is not _LEFT_TO_GRADER:
                feedback = limited(feedback, self.feedback)
            rows.append(Row(question.id, question.title, question.points, feedback))
        return Summary(self.assignment, self.student, tuple(rows))


# Under the grader a question answered with a function is not checked in the student's
# cells: the grader calls the function itself after the last cell (see
# buddy_edu.grading.probe), so a function that never returns costs one question there
# instead of stopping the notebook here, and nothing runs twice.
_LEFT_TO_GRADER = Recorded(True, "Checked by the grader, which calls the function itself.")
_GRADED_LATER = Recorded(True, "Checked by the grader.")


def start(assignment: str, student: str, feedback: str | None = None,
          release: str | None = None) -> Exercise:
    """Begin ``student``'s variant of ``assignment`` in a notebook.

    The placeholder id of the student notebooks (``"your-id"``) is refused
    outside the grader, so nobody works through somebody else's numbers by
    mistake; under the grader the notebook's id does not matter, since the
    grader identifies the student by the submitted file.

    Without ``release`` this is practice mode: the questions (and their answers) are
    made here from (assignment, student).  A course's notebook passes ``release``, its
    course data: the student's sealed questions, which mark answers without the key.

    ``feedback`` overrides the assignment's feedback level (``full``, ``mark`` or
    ``none``; in a course only ``mark`` or ``none``); the generated notebooks pass it
    only when the instructor chose one.
    """
    spec = get_assignment(assignment)
    if student == PLACEHOLDER_ID and not grading():
        raise InvalidRequest(
            f'replace "{PLACEHOLDER_ID}" with your own student id, e.g. '
            f'buddy_edu.exercises.start("{spec.name}", student="jdoe"): your questions are '
            "made for your id"
        )
    check_student(student)
    if release is None:
        level = spec.feedback if feedback is None else feedback
        if level not in LEVELS:
            raise InvalidRequest(f"feedback must be one of {', '.join(LEVELS)}, "
                                 f"got {feedback!r}")
        return Exercise(spec.name, student, variant(spec.name, student), level)
    data = decode(release)
    if data["assignment"] != spec.name:
        raise InvalidRequest(f"this notebook's course data is for {data['assignment']!r}, "
                             f"not {spec.name!r}: start({data['assignment']!r}, ...)")
    level = data["feedback"] if feedback is None else feedback
    if level not in RELEASE_LEVELS:
        raise InvalidRequest(f"feedback in a course notebook is {' or '.join(RELEASE_LEVELS)}, "
                             f"got {feedback!r}: full explanations are for practice mode")
    if grading():  # the grader makes the questions itself; nothing here may stop the notebook
        return Exercise(spec.name, student, [], level, course=data["course"])
    return Exercise(spec.name, student, questions_for(data, student), level,
                    course=data["course"])


# ------------------------------------------------------------------ display
def _setup_allocator(question: Question):
    return run_script(question.params["setup"], policy=question.params.get("policy"))


def _display_mode(exercise: Exercise) -> None:
    """One line above the questions saying whether this is practice or graded work."""
    if exercise.course is None:
        text = ("**Practice mode**: anyone with the kit can make these questions and their "
                "answers; they are not graded work.")
    else:
        text = (f"**{exercise.course}**, graded work of {exercise.student}: the answers are "
                "not in this notebook.")
    try:
        from IPython.display import Markdown, display
    except ImportError:
        print(text)
        return
    display(Markdown(text))


def _display_question(question: Question, heading: bool) -> None:
    head = f"{_heading(question)}\n\n" if heading else ""
    try:
        from IPython.display import HTML, Markdown, display
    except ImportError:  # plain Python: text is all there is
        print(f"{head}{question.prompt}")
        return
    display(Markdown(f"{head}{question.prompt}"))
    if kind_spec(question.kind).setup_picture and "setup" in question.params:
        display(HTML(_picture(question)))
        display(Markdown(f'*To step through the script that led here, run* '
                         f'`ex.stepper("{question.id}")`.'))
    if heading:
        display(Markdown(f"*Answer with* {question.form}."))


def _heading(question: Question) -> str:
    unit = "point" if question.points == 1 else "points"
    return f"#### {question.id} · {question.title} ({question.points} {unit})"


def _picture(question: Question) -> str:
    """The tree and memory strip after the setup, or the text tree if pictures cannot be made."""
    allocator = _setup_allocator(question)
    try:
        from ... import render

        return (f"<div class='buddy-edu-question-picture'>{render.to_svg(allocator)}"
                f"<div>{render.memory_strip_svg(allocator)}</div></div>")
    except Exception as error:  # the picture is a help, never a reason for show() to fail
        from ...core.tree import format_tree

        return (f"<pre>{html.escape(format_tree(allocator))}</pre>"
                f"<p><small>(text view: pictures unavailable: {html.escape(str(error))})"
                "</small></p>")
