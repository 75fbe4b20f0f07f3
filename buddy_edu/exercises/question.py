"""A question is plain data; how to check it is looked up by its kind.

Keeping the checking rules out of the Question object means a Question can be
written to JSON, rebuilt in the grader's own process and checked there, with
no code travelling from the student's kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..core import InvalidRequest
from . import answers
from .feedback import Feedback


@dataclass(frozen=True)
class Question:
    """One question: what is asked (``prompt``, ``params``) and the answer that scores full marks.

    ``kind`` names the question type (a key of ``QUESTION_TYPES``); ``id`` is
    set when the question is placed in an assignment (``"q1"``, ...).  The
    answer is left out of ``repr`` so that printing a question in a notebook
    does not give it away.
    """

    kind: str
    prompt: str
    params: dict
    answer: object = field(repr=False)
    points: int = 1
    id: str = ""

    def check(self, value: object) -> Feedback:
        """Score ``value`` against the answer: never raises, never calls the value's methods."""
        spec = kind_spec(self.kind)
        if value is None:
            return Feedback(0.0, f"No answer yet. Expected {spec.form}.")
        try:
            parsed = spec.parse(self, answers.plain(value))
        except answers.FormError as error:
            return Feedback(0.0, f"Cannot read this answer: {error}. Expected {spec.form}.")
        return spec.judge(self, parsed)

    def placed(self, id: str, points: int) -> Question:
        """The same question as question ``id`` of an assignment, worth ``points``."""
        return replace(self, id=id, points=points)

    @property
    def form(self) -> str:
        """How an answer to this kind of question is written."""
        return kind_spec(self.kind).form

    @property
    def title(self) -> str:
        """A short name for the kind of question, for headings."""
        return kind_spec(self.kind).title

    def to_dict(self) -> dict:
        """Plain data (JSON-ready), answer included: for the instructor's side only."""
        return {"id": self.id, "kind": self.kind, "prompt": self.prompt, "params": self.params,
                "answer": self.answer, "points": self.points}

    @classmethod
    def from_dict(cls, data: dict) -> Question:
        """Rebuild a question saved with :meth:`to_dict`."""
        kind_spec(data["kind"])
        return cls(kind=data["kind"], prompt=data["prompt"], params=data["params"],
                   answer=data["answer"], points=data["points"], id=data.get("id", ""))

    def _repr_markdown_(self) -> str:
        head = f"**{self.id}** · " if self.id else ""
        unit = "point" if self.points == 1 else "points"
        return f"{head}{self.title} ({self.points} {unit})\n\n{self.prompt}"


@dataclass(frozen=True)
class QuestionType:
    """How one kind of question reads and judges answers.

    ``parse(question, plain_value)`` turns an answer into the canonical form or
    raises ``answers.FormError``; ``judge(question, parsed)`` compares it with
    ``question.answer`` and explains mistakes.  ``generate(rng_or_seed, **options)``
    makes a random question of this kind.
    """

    kind: str
    title: str
    form: str
    example: str
    parse: Callable[[Question, object], object]
    judge: Callable[[Question, object], Feedback]
    generate: Callable[..., Question]
    setup_picture: bool = False


_KINDS: dict[str, QuestionType] = {}


def register(spec: QuestionType) -> QuestionType:
    """Make a question type known by its kind (done once, when its module loads)."""
    _KINDS[spec.kind] = spec
    return spec


def kind_spec(kind: str) -> QuestionType:
    """The question type registered under ``kind``."""
    if not _KINDS:
        from . import catalog  # noqa: F401  (registers every built-in type)
    try:
        return _KINDS[kind]
    except (KeyError, TypeError):
        raise InvalidRequest(
            f"unknown question kind {kind!r}: known kinds are {', '.join(sorted(_KINDS))}"
        ) from None


def all_kinds() -> dict[str, QuestionType]:
    """Every registered question type, by kind."""
    kind_spec("block_size")
    return dict(_KINDS)
