"""The one registry of question types; every other table is derived from it.

Topic modules (:mod:`.sizes`, :mod:`.buddies`, :mod:`.placement`, :mod:`.state`,
:mod:`.waste`, :mod:`.build_your_own`) each define their types as plain values; this
module lists them explicitly, so nothing is registered by the side effect of an import and no
module below this one needs to know the others.
"""

from __future__ import annotations

from ..core import InvalidRequest
from . import buddies, build_your_own, placement, sizes, state, waste
from .question import Question, QuestionType

TYPES: dict[str, QuestionType] = {
    spec.kind: spec for spec in (
        sizes.BLOCK_SIZE, sizes.BLOCK_ORDER, buddies.BUDDY_ADDRESS,
        placement.LANDING_ADDRESS, state.FREE_BLOCKS, placement.SPLIT_COUNT,
        buddies.MERGE_COUNT, state.INTERNAL_FRAGMENTATION, placement.WILL_SUCCEED,
        buddies.MERGING_BLOCKS, state.BUDDYINFO, placement.POLICY_LANDING,
        waste.LARGEST_REQUEST, waste.WASTE_BOUND, build_your_own.FUNCTION,
    )
}

#: ``QUESTION_TYPES[kind](seed, **options) -> Question``: the seeded generators.
QUESTION_TYPES = {kind: spec.generate for kind, spec in TYPES.items()}
#: ``BUILDERS[kind](...) -> Question``: questions from explicit parameters, for lessons.
BUILDERS = {kind: spec.build for kind, spec in TYPES.items()}


def kind_spec(kind: str) -> QuestionType:
    """The question type registered under ``kind``."""
    try:
        return TYPES[kind]
    except (KeyError, TypeError):
        raise InvalidRequest(
            f"unknown question kind {kind!r}: known kinds are {', '.join(sorted(TYPES))}"
        ) from None


def question_from_dict(data: dict) -> Question:
    """Rebuild a question saved with ``Question.to_dict``."""
    spec = kind_spec(data["kind"])
    if spec.run is not None:
        # A function's inputs hold free lists keyed by block size, and JSON turns those
        # keys into text: rebuild the inputs and answers from the traces, with the core.
        params = data["params"]
        question = spec.build(params["function"], params["total"], params["min_block"],
                              params["traces"])
        return question.placed(data.get("id", ""), data["points"])
    return Question(spec, prompt=data["prompt"], params=data["params"],
                    answer=data["answer"], points=data["points"], id=data.get("id", ""))
