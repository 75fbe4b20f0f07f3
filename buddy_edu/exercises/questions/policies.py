"""Questions about placement policies: where one request lands under ``lifo`` or
``leftmost``, with the other policies' answers as the misconceptions."""

from __future__ import annotations

import random

from ...core import InvalidRequest, OutOfMemory, format_size
from .. import answers
from . import scenarios
from .feedback import Feedback, wrong
from .question import Question, QuestionType
from .setups import POLICY_RULES, after, leftmost_rule, lowest_rule, settle_address, state_before


def policy_landing(setup: str, request: int | str, policy: str) -> Question:
    """At which address does ``X = alloc request`` land after ``setup`` under ``policy``?"""
    request = scenarios.size_of(request)
    if policy not in POLICY_RULES:
        raise InvalidRequest(f"unknown policy {policy!r}: use {', '.join(POLICY_RULES)}")
    allocator, events, failure = after(setup, request, policy=policy)
    if failure is not None:
        raise InvalidRequest(f"the request does not fit after the setup: {failure}")
    address = next(b.address for b in allocator.allocations() if b.name == "X")
    need = allocator.block_size(request)
    state_before(allocator)
    free = allocator.free_blocks()
    others = {name: rule(free, need) for name, rule in
              (("lowest", lowest_rule), ("leftmost", leftmost_rule)) if name != policy}
    prompt = (f"This script has run with the policy **`{policy}`**: {POLICY_RULES[policy]} "
              f"(the picture shows the state it leaves):\n\n```text\n{setup}```\n\nNow "
              f"`X = alloc {format_size(request)}` runs under the same policy. At which "
              "address does X land?")
    params = {"setup": setup, "request": request, "policy": policy, "block": need,
              "other_policies": others}
    return Question(POLICY_LANDING, prompt, params, address)


def generate_policy_landing(seed: random.Random | int | str, policy: str | None = None
                            ) -> Question:
    """A request whose address under ``policy`` (lifo or leftmost) differs from ``lowest``."""
    rng = scenarios.rng_of(seed)
    policy = rng.choice(("lifo", "leftmost")) if policy is None else policy

    def make(rng: random.Random):
        total, min_block = scenarios.memory(rng)
        lines = scenarios.random_lines(rng, total, min_block, rng.randint(5, 10), policy=policy,
                                       free_share=0.45)
        setup = scenarios.script([scenarios.header(total, min_block, policy)] + lines)
        allocator = scenarios.run(setup)
        free = allocator.free_blocks()
        sizes = [size for _, size in free]
        if policy == "lifo":  # lifo differs only where one size has several free blocks
            sizes = [size for size in sizes if sizes.count(size) >= 2]
        if len(free) < 2 or not sizes:
            return None
        block = rng.choice(sizes)
        request = scenarios.request(rng, min_block, block, rng.random() < 0.15)
        need = allocator.block_size(request)
        try:
            placed = allocator.allocate(request, "X")
        except OutOfMemory:
            return None
        if placed.address == 0 and rng.random() < 0.9:
            return None  # "address 0" must not be a good constant guess (leftmost likes it)
        return (setup, request) if placed.address != lowest_rule(free, need) else None

    fallback = {
        "lifo": ("memory 1M min 64K policy lifo\nA = alloc 60K\nB = alloc 60K\n"
                 "C = alloc 60K\nD = alloc 60K\nfree A\nfree C\n", 61440),
        "leftmost": ("memory 1M min 64K policy leftmost\nA = alloc 200K\nB = alloc 60K\n"
                     "free A\n", 51200),
    }
    if policy not in fallback:
        raise InvalidRequest(f"policy must be lifo or leftmost, got {policy!r}")
    setup, request = scenarios.search(rng, make, lambda: fallback[policy])
    return policy_landing(setup, request, policy)


def _judge_policy(question: Question, value: int | tuple[int, int]) -> Feedback:
    params = question.params
    value, settled = settle_address(question, value)
    if settled is not None:
        return settled
    for name, address in params["other_policies"].items():
        if value == address:
            return wrong(f"That is where the `{name}` policy would put it; this allocator uses "
                         f"`{params['policy']}`: {POLICY_RULES[params['policy']]}.",
                         "wrong-policy")
    return wrong(f"Not there. Under `{params['policy']}`: {POLICY_RULES[params['policy']]}.")


POLICY_LANDING = QuestionType(
    kind="policy_landing", title="Where a request lands under another policy", form=answers.ADDRESS,
    judge=_judge_policy, build=policy_landing, generate=generate_policy_landing,
    setup_picture=True,
)
