"""The one registry of question types; every other table is derived from it.

The topic modules of :mod:`.questions` and the build-your-own judge
(:mod:`.build_your_own.judge`) each define their types as plain values; this
module lists them explicitly, so nothing is registered by the side effect of an
import and no topic module needs to know the others.  A new question type is a
module in ``questions/`` and one line here.
"""

from __future__ import annotations

from ..core import InvalidRequest
from .build_your_own import judge
from .questions import (
    buddies,
    final_state,
    linux,
    placement,
    policies,
    sizes,
    statements,
    waste,
)
from .questions.question import Question, QuestionType

TYPES: dict[str, QuestionType] = {
    spec.kind: spec for spec in (
        sizes.BLOCK_SIZE, sizes.BLOCK_ORDER, buddies.BUDDY_ADDRESS,
        placement.LANDING_ADDRESS, final_state.FREE_BLOCKS, placement.SPLIT_COUNT,
        buddies.MERGE_COUNT, final_state.INTERNAL_FRAGMENTATION, placement.WILL_SUCCEED,
        buddies.MERGING_BLOCKS, final_state.BUDDYINFO, policies.POLICY_LANDING,
        waste.LARGEST_REQUEST, waste.WASTE_BOUND, linux.BUDDY_PFN, linux.BUDDYINFO_MEMORY,
        statements.WHICH_IS_TRUE, judge.FUNCTION,
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
