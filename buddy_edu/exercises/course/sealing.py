"""Checks that need no key: what a released notebook carries instead of the answers.

In a course, ``ex.check`` must say ✓, partly or ✗ (and name a known
misconception) without the student's material holding the answer.  At
release, each question is *sealed*: its judge, which knows the answer, is run
here on every answer worth telling apart (the right one, the answers the
known misconceptions produce, the ones that earn partial credit), and only
keyed hashes of those answers' readings go out, with the marks they earned.
Answers with several parts (lists of blocks, counts per order, a function's
results per call) also get one hash per part, so partial credit is counted as
the grader counts it.  A :class:`SealedQuestion` reads an answer with the same
form as the grader, hashes the reading and looks it up.

What this protects, and what it cannot: nothing in the release reads back as
an answer, but every check is an oracle, and a small answer space can be
searched by trying answers (with ``ex.check`` or with the hashes, alike);
exams should use the feedback level ``none``.  A student can also compute an
answer from the scenario in the prompt with the kit itself; that is doing the
exercise with a tool.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

from ...core import InvalidRequest
from ...core.script import run_script
from ..answers import FAILS, INTERNAL, OUTCOMES, FormError, forms, transport
from ..questions.feedback import Feedback
from ..questions.question import Asked, Question, read_answer
from ..registry import kind_spec

#: The parameters a released question keeps: what its form needs to read an answer and
#: what ``show()`` and ``stepper()`` need to draw the state before the asked operation.
RELEASED_PARAMS = ("setup", "policy", "total", "min_block", "orders", "function", "calls")
#: Entries of one misconception kept per question: enough to name it for the answers it
#: produces, few enough to keep a class's release small.
PER_MISCONCEPTION = 4
DIGEST_BYTES = 8
_ODD_SIZE = "*"  # the table's word for "a size that is no block size" in (address, size)


def canonical(value: object) -> str:
    """One text per reading: JSON with lists for tuples and sorted keys."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"))


def _plain(value: object) -> object:
    # Numbers as Python compares them (True == 1 == 1.0), as the judges do.
    if type(value) is bool:
        return int(value)
    if type(value) is float and value.is_integer():
        return int(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, transport.Unordered):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def digest(salt: bytes, *parts: object) -> str:
    """A keyed hash of ``parts`` (BLAKE2b under the question's random salt), as hex."""
    text = canonical(list(parts)).encode()
    return hashlib.blake2b(text, key=salt, digest_size=DIGEST_BYTES).hexdigest()


# ----------------------------------------------------------------- sealing
def seal(question: Question, salt: bytes) -> dict:
    """Everything a released notebook needs to ask and mark ``question``, and nothing more.

    The returned plain data holds the prompt, the released parameters, the salt and
    hashed readings with their marks; the answer itself is not in it.
    """
    spec = question.type
    params = {key: question.params[key] for key in RELEASED_PARAMS if key in question.params}
    sizes = memory_sizes(question.params)
    sealed: dict = {"id": question.id, "kind": question.kind, "points": question.points,
                    "prompt": question.prompt, "params": params, "salt": salt.hex(),
                    "sizes": sorted(sizes)}
    if spec.run is not None:
        sealed["calls"] = [digest(salt, "call", number, _call_reading(question, want))
                           for number, want in enumerate(question.answer)]
        return sealed
    table: dict[str, list] = {}
    named: Counter = Counter()
    for reading in _candidates(question, sizes):
        feedback = question.type.judge(question, reading)
        if feedback.score <= 0 and feedback.misconception is None:
            continue
        if feedback.score <= 0:
            named[feedback.misconception] += 1
            if named[feedback.misconception] > PER_MISCONCEPTION:
                continue
        table.setdefault(digest(salt, _key(spec.form, reading, sizes)),
                         [feedback.score, feedback.misconception])
    sealed["table"] = table
    if spec.form is forms.BLOCKS:
        sealed["parts"] = sorted(digest(salt, "block", list(block))
                                 for block in question.answer)
        sealed["count"] = len(question.answer)
    elif spec.form is forms.COUNTS:
        sealed["parts"] = [digest(salt, "order", order, count)
                           for order, count in enumerate(question.answer)]
    return sealed


def _key(form: object, reading: object, sizes: set[int]) -> object:
    """The reading as it is hashed: blocks in address order (their order does not count),
    and in (address, size) any size that is no block size as one word."""
    if form is forms.BLOCKS:
        return sorted(tuple(block) for block in reading)
    if isinstance(reading, tuple) and form is forms.ADDRESS and reading[1] not in sizes:
        return (reading[0], _ODD_SIZE)
    return reading


def memory_sizes(params: dict) -> set[int]:
    """The block sizes of the question's memory (from its parameters, or its setup's
    header): not a key, the prompt says them."""
    total, least = params.get("total"), params.get("min_block")
    if not (type(total) is int and type(least) is int) and isinstance(params.get("setup"), str):
        allocator = run_script(params["setup"], policy=params.get("policy"))
        total, least = allocator.total, allocator.min_block
    if not (type(total) is int and type(least) is int and 0 < least <= total):
        return set()
    return {least << j for j in range((total // least).bit_length())}


def _candidates(question: Question, sizes: set[int]) -> list:
    """Readings worth marking: the answer, every value in the parameters that reads as an
    answer (that is where the misconceptions' answers are kept), and numbers near them."""
    form, params = question.type.form, question.params
    found: dict[str, object] = {}

    def add(value: object) -> None:
        try:
            reading = form.parse(params, value)
        except (FormError, TypeError, ValueError):
            return
        found.setdefault(canonical(_key(form, reading, sizes)), reading)

    add(_as_answer(question.answer))
    values = list(_walk(params))
    for value in sorted(values, key=lambda value: type(value) is not int):  # numbers first
        add(value)
    if form is forms.OUTCOME:
        for outcome in (*OUTCOMES, INTERNAL, FAILS):
            add(outcome)
    elif form is forms.CHOICE:  # every letter, whether the question offers it or not
        for letter in forms.LETTERS:
            add(letter)
    elif form is forms.COUNTS:
        add(list(reversed(question.answer)))
    elif form in (forms.SIZE, forms.ADDRESS, forms.COUNT, forms.ORDER):
        for number in _numbers(question, sizes):
            add(number)
        if form is forms.ADDRESS:
            odd = 3 * min(sizes, default=1)  # no block size: stands for all such sizes
            for address in _numbers(question, sizes, near=False):
                for size in (*sorted(sizes), odd):
                    add([address, size])
    return list(found.values())


def _as_answer(answer: object) -> object:
    return [tuple(item) if isinstance(item, list) else item for item in answer] \
        if isinstance(answer, list) else answer


def _walk(value: object):
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item)


def _numbers(question: Question, sizes: set[int], near: bool = True) -> list[int]:
    """Whole numbers from the answer and the parameters; with ``near`` also their
    neighbours, halves, doubles, kilo-units, the small counts and the block sizes."""
    base = {value for value in _walk([question.answer, question.params])
            if type(value) is int and value >= 0}
    if not near:
        return sorted(base)
    numbers = set(base) | set(range(0, 65)) | sizes
    for value in list(numbers):
        numbers |= {value - 1, value + 1, value // 2, value * 2, value // 1024}
    return sorted(n for n in numbers if n >= 0)


def _call_reading(question: Question, want: list) -> object:
    """What one call must give, as the build-your-own judge compares it (the core's side)."""
    from ..build_your_own.catalog import call_reading

    result, after = want
    return call_reading(question.params["function"], result, after, question.params["total"])


# ----------------------------------------------------------------- checking
@dataclass(frozen=True)
class SealedQuestion(Asked):
    """A question as a released notebook holds it: the prompt, and marks without the key.

    It has no ``answer``; ``check`` and ``score`` read an answer exactly as the grader
    does and look the reading up in the sealed marks.
    """

    id: str
    kind: str
    points: int
    prompt: str
    params: dict
    sealed: dict = field(repr=False)

    @classmethod
    def from_dict(cls, data: dict) -> SealedQuestion:
        """The question :func:`seal` wrote; InvalidRequest if the data is not one."""
        try:
            kind_spec(data["kind"])
            params = dict(data["params"])
            if "calls" in params:  # JSON made the free lists' block sizes text: back to ints
                params["calls"] = _int_keys(params["calls"])
            return cls(str(data["id"]), data["kind"], int(data["points"]), str(data["prompt"]),
                       params, data)
        except (KeyError, TypeError, ValueError):
            raise InvalidRequest("the course data of this notebook is damaged: ask your "
                                 "instructor for the notebook again") from None

    @property
    def type(self):
        return kind_spec(self.kind)

    def score(self, status: str, value: object) -> Feedback:
        """Like ``Question.score``: the same readings and refusals, marked from the seal."""
        reading, refusal = read_answer(self, status, value)
        return refusal if refusal is not None else self.judge(reading)

    def judge(self, reading: object) -> Feedback:
        """The mark of a reading, from the sealed hashes alone."""
        salt = bytes.fromhex(self.sealed["salt"])
        if self.type.run is not None:
            return self._judge_calls(salt, reading)
        form = self.type.form
        reading = _key(form, reading, set(self.sealed["sizes"]))
        found = self.sealed["table"].get(digest(salt, reading))
        if found is not None:
            return Feedback(float(found[0]), "", found[1])
        if form is forms.BLOCKS:
            return Feedback(self._block_parts(salt, reading), "")
        if form is forms.COUNTS:
            return Feedback(self._count_parts(salt, reading), "")
        return Feedback(0.0, "")

    def _block_parts(self, salt: bytes, given: list) -> float:
        """``scoring.score_blocks`` computed from one hash per expected block."""
        parts, count = set(self.sealed["parts"]), self.sealed["count"]
        have = Counter(given)
        hits = sum(1 for block in have if digest(salt, "block", list(block)) in parts)
        extras = len(given) - hits
        if not count:
            return 0.0 if given else 1.0
        return max(0.0, (hits - extras) / count)

    def _count_parts(self, salt: bytes, given: list) -> float:
        """``scoring.score_counts`` computed from one hash per order."""
        parts = self.sealed["parts"]
        length = max(len(given), len(parts))
        given = list(given) + [0] * (length - len(given))
        relevant = wrong = right = 0
        for order in range(length):
            stored = parts[order] if order < len(parts) else digest(salt, "order", order, 0)
            expected_zero = stored == digest(salt, "order", order, 0)
            matches = stored == digest(salt, "order", order, given[order])
            wrong += not matches
            if given[order] or not expected_zero:
                relevant += 1
                right += matches
        if not relevant:
            return 1.0 if not wrong else 0.0
        if not wrong:
            return 1.0
        return max(0.0, 0.5 * (right - wrong) / relevant)

    def _judge_calls(self, salt: bytes, outcomes: list) -> Feedback:
        """Every call's reading (:func:`catalog.call_reading`, the same as the core's side)
        must hash to the sealed one."""
        from ..build_your_own.catalog import call_reading

        sealed = self.sealed["calls"]
        for number, outcome in enumerate(outcomes):
            if outcome[0] != "ok" or len(outcome) != 3:
                return Feedback(0.0, "")
            result, after = outcome[1], outcome[2]
            first = after[0] if type(after) is list and after else None
            reading = call_reading(self.params["function"], result, first,
                                   self.params["total"])
            if digest(salt, "call", number, reading) != sealed[number]:
                return Feedback(0.0, "")
        return Feedback(1.0, "")


def _int_keys(value: object) -> object:
    """``value`` with every dict key that is a whole number written as text made an int."""
    if isinstance(value, list):
        return [_int_keys(item) for item in value]
    if isinstance(value, dict):
        return {int(key) if isinstance(key, str) and key.isdigit() else key: _int_keys(item)
                for key, item in value.items()}
    return value
