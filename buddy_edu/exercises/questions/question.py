"""A question is data plus its type; the type says how answers are read and judged.

A Question can be written to JSON (``to_dict``) and rebuilt in the grader's
own process (``catalog.question_from_dict``), so no code travels from the
student's kernel: only the answer values do, through :mod:`..answers.transport`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ...core import format_size
from ...core.script import run_script
from ..answers import Form, FormError, transport
from .feedback import Feedback


@dataclass(frozen=True)
class QuestionType:
    """One kind of question: how answers are written and judged, and how questions are made.

    ``form`` (from :mod:`..answers`) reads an answer into its canonical value or
    raises ``FormError``; ``judge(question, parsed)`` compares it with
    ``question.answer`` and explains mistakes; ``build(...)`` makes a question
    from explicit parameters (lessons use it) and ``generate(rng_or_seed,
    **options)`` a random one (assignments use it).  The registry of all types
    is :mod:`..registry`.

    Most questions are answered with a value.  A type with ``run`` is answered
    with a *function* the student wrote (the build-your-own assignment):
    ``run(question, function)`` calls it on the question's inputs and returns
    what :meth:`Question.score` reads, ``("value", outcomes)`` or
    ``("problem", why)``; the grader makes the same calls inside the student's
    kernel instead.  ``answer_cell(qid, options)`` is then the source of the
    cell a student notebook gives for writing it.
    """

    kind: str
    title: str
    form: Form
    judge: Callable[[Question, object], Feedback]
    build: Callable[..., Question]
    generate: Callable[..., Question]
    setup_picture: bool = False
    run: Callable[[Question, object], tuple[str, object]] | None = None
    answer_cell: Callable[[str, dict], str] | None = None


class Asked:
    """How a question is shown and answered, shared by :class:`Question` and the sealed
    question of a released course notebook (``course.sealing``), which has no answer: both
    give ``type``, ``params``, ``id`` and ``score``."""

    @property
    def function(self) -> str | None:
        """The name of the function that answers this question, or None for a value."""
        return self.params.get("function") if self.type.run is not None else None

    @property
    def answer_name(self) -> str:
        """The variable a notebook answers with: the function's name, else the question id."""
        return self.function or self.id

    @property
    def form(self) -> str:
        """How an answer to this kind of question is written."""
        return self.type.form.text

    @property
    def title(self) -> str:
        """A short name for the kind of question, for headings."""
        if self.function:
            return f"{self.type.title}: {self.function}"
        return self.type.title

    def check(self, value: object) -> Feedback:
        """Score ``value`` exactly as the batch grader will: never raises, never calls the
        value's methods.

        The value goes through :mod:`..answers.transport` (the encoder that also runs in the
        grader's kernels), then ``score``.  For a question answered with a function,
        ``value`` is the function, called as the grader calls it.
        """
        if self.type.run is not None:
            return self.score(*self.type.run(self, value))
        return self.score(*transport.read(value))


@dataclass(frozen=True)
class Question(Asked):
    """One question: what is asked (``prompt``, ``params``) and the answer that scores full marks.

    ``type`` is its :class:`QuestionType`; ``id`` is set when the question is
    placed in an assignment (``"q1"``, ...).  The answer is left out of
    ``repr`` so that printing a question in a notebook does not give it away.
    """

    type: QuestionType = field(repr=False)
    prompt: str
    params: dict
    answer: object = field(repr=False)
    points: int = 1
    id: str = ""

    @property
    def kind(self) -> str:
        """The name of the question's type, such as ``"block_size"``."""
        return self.type.kind

    def score(self, status: str, value: object) -> Feedback:
        """Score what was read for this question: ``status`` is ``"value"`` (``value`` is
        plain data from :mod:`..answers.transport`), ``"problem"`` (``value`` says why the
        answer could not be read) or ``"missing"`` (the variable was never set).

        The notebook and the grader both end here, so they give the same points and
        the same words.
        """
        reading, refusal = read_answer(self, status, value)
        if refusal is not None:
            return refusal
        try:
            return self.type.judge(self, reading)
        except Exception as error:  # a checker bug must not stop a batch or a lesson
            return Feedback(0.0, f"This answer could not be checked ({type(error).__name__}: "
                                 f"{error}); please tell your instructor.")

    def worked(self) -> tuple[str, int] | None:
        """A script that replays what the question asks about, and where the asked part
        starts (in events): for a "show me why" Stepper after a student is stuck.

        None when the question has no operation to replay (a buddy's address, the
        largest request that fits).  The script is derived from the parameters every
        type already keeps, so no type needs code of its own.
        """
        params = self.params
        setup = params.get("setup")
        if setup is None and "total" in params and "min_block" in params:
            total, min_block = format_size(params["total"]), format_size(params["min_block"])
            setup = f"memory {total} min {min_block}\n"
        if not isinstance(setup, str):
            return None
        if "ops" in params:
            asked = params["ops"]
        elif "name" in params:
            asked = f"free {params['name']}\n"
        elif "request" in params or "worst_request" in params:
            request = params.get("request", params.get("worst_request"))
            asked = f"X = alloc {format_size(request)}\n"
        else:
            return None
        if not asked.strip():
            return None
        setup = setup if setup.endswith("\n") else setup + "\n"
        start = run_script(setup, policy=params.get("policy")).event_count()
        return setup + asked, start

    def placed(self, id: str, points: int) -> Question:
        """The same question as question ``id`` of an assignment, worth ``points``."""
        return replace(self, id=id, points=points)

    def to_dict(self) -> dict:
        """Plain data (JSON-ready), answer included: for the instructor's side only.

        ``catalog.question_from_dict`` rebuilds the question."""
        return {"id": self.id, "kind": self.kind, "prompt": self.prompt, "params": self.params,
                "answer": self.answer, "points": self.points}

    def _repr_markdown_(self) -> str:
        head = f"**{self.id}** · " if self.id else ""
        unit = "point" if self.points == 1 else "points"
        return f"{head}{self.title} ({self.points} {unit})\n\n{self.prompt}"


def read_answer(question, status: str, value: object) -> tuple[object, Feedback | None]:
    """``(reading, None)`` for an answer the question's form reads, else ``(None, refusal)``.

    Shared by every checker of a question (the full one here, and a released notebook's
    sealed one), so an answer that cannot be read is refused in the same words everywhere.
    """
    form = question.type.form.text
    if status == "missing":
        return None, Feedback(0.0, f"No answer: {question.answer_name or 'the answer'} is not "
                                   f"set. Expected {form}.")
    if status == "problem":
        return None, Feedback(0.0, f"Cannot read this answer: {value}. Expected {form}.")
    if value is None:
        return None, Feedback(0.0, f"No answer yet. Expected {form}.")
    try:
        return question.type.form.parse(question.params, value), None
    except FormError as error:
        return None, Feedback(0.0, f"Cannot read this answer: {error}. Expected {form}.")
