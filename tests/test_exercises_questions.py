"""Question types, answer parsing, feedback and per-student variants of buddy_edu.exercises."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from buddy_edu import InvalidRequest, format_size
from buddy_edu.exercises import (
    ASSIGNMENTS,
    QUESTION_TYPES,
    TYPES,
    Feedback,
    Question,
    answer_key,
    block_order,
    block_size,
    buddy_address,
    buddyinfo,
    free_blocks_after,
    internal_fragmentation,
    landing_address,
    merge_count,
    merging_blocks,
    policy_landing,
    question_from_dict,
    split_count,
    variant,
    will_succeed,
)
from buddy_edu.exercises.questions.scoring import score_counts

K = 1024
SEEDS = range(8)
# Question types answered with a value; "function" (build your own) is answered with a
# function and tested in test_build_your_own.py.
KINDS = sorted(kind for kind, spec in TYPES.items() if spec.run is None)
VALUE_ASSIGNMENTS = sorted(name for name, spec in ASSIGNMENTS.items()
                           if all(slot.kind in KINDS for slot in spec.slots))


def generated(kind: str, seeds=SEEDS) -> list[Question]:
    return [QUESTION_TYPES[kind](seed) for seed in seeds]


# ------------------------------------------------------------------ helpers
def lenient_forms(question: Question) -> list[object]:
    """Other spellings of the question's answer that mean the same thing."""
    answer = question.answer
    if question.kind == "will_succeed":
        return {
            "succeeds": [True, "yes", "It succeeds", ("yes", "")],
            "fails: external fragmentation": [
                "external fragmentation", (False, "external fragmentation"),
                "no: external fragmentation", "fails because of EXTERNAL fragmentation",
                "No free block is large enough"],
            "fails: not enough memory": [
                "not enough memory", (False, "not enough memory"), "no, out of memory",
                "Fails: not enough free memory in total"],
        }[answer]
    if question.kind in ("block_order", "merge_count", "split_count", "buddy_pfn"):
        return [str(answer), float(answer), f" {answer} "]
    if question.kind == "which_is_true":
        return [answer.upper(), f"({answer})", f"{answer})", f"Statement {answer}", f" {answer}."]
    if question.kind == "buddyinfo":
        min_block = question.params["min_block"]
        return [tuple(answer), " ".join(map(str, answer)), ", ".join(map(str, answer)),
                {j: c for j, c in enumerate(answer) if c},
                {format_size(min_block << j): c for j, c in enumerate(answer)},
                "Node 0, zone Normal " + " ".join(map(str, answer)),
                list(answer) + [0, 0]]
    if isinstance(answer, int):
        forms = [format_size(answer), float(answer), hex(answer), f"{answer}"]
        if answer % K == 0 and answer:
            forms += [f"{answer // K} KiB", f"{answer // K}kb"]
        return forms
    blocks = [tuple(block) for block in answer]
    forms = [
        [tuple(b) for b in reversed(blocks)],
        [[format_size(a), format_size(s)] for a, s in blocks],
        ", ".join(f"{format_size(a)}-{format_size(a + s)}" for a, s in blocks),
        " ".join(f"({format_size(a)}, {format_size(s)})" for a, s in blocks),
        "; ".join(f"[{format_size(a)}, {format_size(a + s)})" for a, s in blocks),
        {format_size(a): format_size(s) for a, s in blocks},
        [{"address": a, "size": s} for a, s in blocks],
    ]
    if len(blocks) == 1:
        (a, s), = blocks
        forms += [(a, s), (a, format_size(s)), f"{format_size(a)}-{format_size(a + s)}",
                  {"address": a, "size": format_size(s)}, {"start": a, "end": a + s}]
    if not blocks:
        forms += ["none", "", ()]
    return forms


class Spy:
    """An object that records any use of its special methods (and always says it is equal)."""

    calls: list[str] = []

    def __eq__(self, other):
        Spy.calls.append("__eq__")
        return True

    def __ne__(self, other):
        Spy.calls.append("__ne__")
        return False

    def __hash__(self):
        Spy.calls.append("__hash__")
        return 0

    def __str__(self):
        Spy.calls.append("__str__")
        return "64K"

    def __repr__(self):
        Spy.calls.append("__repr__")
        return "64K"

    def __index__(self):
        Spy.calls.append("__index__")
        return 0

    def __iter__(self):
        Spy.calls.append("__iter__")
        return iter([])

    def __len__(self):
        Spy.calls.append("__len__")
        return 2

    def __getitem__(self, item):
        Spy.calls.append("__getitem__")
        return 0


class SneakyInt(int):
    def __eq__(self, other):
        Spy.calls.append("SneakyInt.__eq__")
        return True

    __hash__ = int.__hash__


class SneakyList(list):
    def __eq__(self, other):
        Spy.calls.append("SneakyList.__eq__")
        return True


class Meta(type):
    def __eq__(cls, other):
        Spy.calls.append("Meta.__eq__")
        return True

    __hash__ = type.__hash__


class Classy(metaclass=Meta):
    pass


def malformed() -> list[object]:
    deep: list = [1]
    for _ in range(20):
        deep = [deep]
    looped: list = []
    looped.append(looped)
    return [Spy(), SneakyInt(65536), SneakyList([0, 65536]), Classy(), {"a": {"b": [Spy()]}},
            deep, looped, [Spy(), Spy()], ({1, 2},), b"64K", 3 + 4j, float("nan"),
            float("inf"), object(), [[[[["x"]]]]], "x" * 10_000, {Spy(): 1}]


def assert_form_message(question: Question, feedback: Feedback) -> None:
    assert feedback.score == 0, (question.kind, feedback)
    assert "Expected" in feedback.message and question.form in feedback.message, feedback
    assert feedback.misconception is None


# ------------------------------------------------------------- every type
@pytest.mark.parametrize("kind", KINDS)
def test_correct_answers_score_full_marks(kind):
    for question in generated(kind):
        assert question.kind == kind
        feedback = question.check(question.answer)
        assert feedback == Feedback(1.0, feedback.message) and feedback.correct, feedback
        assert question.check(json.loads(json.dumps(question.answer))).score == 1


@pytest.mark.parametrize("kind", KINDS)
def test_lenient_forms_score_full_marks(kind):
    for question in generated(kind, range(5)):
        for form in lenient_forms(question):
            feedback = question.check(form)
            assert feedback.score == 1, (kind, question.answer, form, feedback)


@pytest.mark.parametrize("kind", KINDS)
def test_malformed_answers_get_the_expected_form_and_run_no_student_code(kind):
    question = QUESTION_TYPES[kind](1)
    values = malformed()  # building {Spy(): 1} hashes a Spy: that call is ours
    Spy.calls.clear()
    for value in values:
        assert_form_message(question, question.check(value))
    assert Spy.calls == []
    no_answer = question.check(None)
    assert no_answer.score == 0 and no_answer.message.startswith("No answer yet")
    assert question.form in no_answer.message


@pytest.mark.parametrize("kind", ["block_size", "internal_fragmentation", "landing_address",
                                  "buddy_address", "split_count", "merge_count", "block_order"])
def test_a_dict_or_text_where_a_number_is_expected_gets_the_form_message(kind):
    question = QUESTION_TYPES[kind](2)
    for value in ({"size": 4}, "sixty-four kilobytes", [1, 2, 3], True, "12 34"):
        assert_form_message(question, question.check(value))


def wrong_values(question: Question) -> list[object]:
    answer = question.answer
    if isinstance(answer, int):
        return [answer + 1, answer * 2 + 1, max(0, answer - 1), answer + 4 * K, 0, 3 * K,
                answer + 64 * K]
    if isinstance(answer, str):
        return [a for a in ("succeeds", "fails: external fragmentation",
                            "fails: not enough memory", False, "internal fragmentation")
                if a != answer]
    if question.kind == "buddyinfo":
        return [[c + 1 for c in answer], list(reversed(answer)), [0] * len(answer),
                answer[:1] + [c + 2 for c in answer[1:]]]
    blocks = [tuple(b) for b in answer]
    return [blocks[:-1], blocks + [(10 * K, 4 * K)], [(a, s * 2) for a, s in blocks],
            [(a + s, s) for a, s in blocks], []]


def revealed(question: Question, message: str) -> list[str]:
    """Spellings of the correct answer found in a feedback message."""
    answer = question.answer
    found = []
    if question.kind == "which_is_true":  # a letter: named only as "(b)" or "statement b"
        if f"({answer})" in message or f"statement {answer}" in message.lower():
            found.append(answer)
    elif isinstance(answer, str):
        if answer in message.lower() or answer.split(": ")[-1] in message.lower():
            found.append(answer)
    elif question.kind in ("block_order", "merge_count", "split_count"):
        # these messages need no number but in definitions: "order 0", "min_block × 2^j"
        found += re.findall(r"\d+", message.replace("order 0", "").replace("2^j", ""))
    elif question.kind == "buddyinfo":
        if " ".join(map(str, answer)) in message or str(answer) in message:
            found.append(str(answer))
    else:
        values = [answer] if isinstance(answer, int) else [v for b in answer for v in b]
        for value in [v for v in values if v >= K]:  # "0" is in too much prose to tell
            for text in {str(value), format_size(value), hex(value)}:
                if re.search(rf"(?<![\w.]){re.escape(text)}(?![\w.])", message):
                    found.append(text)
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_feedback_never_contains_the_correct_answer(kind):
    for question in generated(kind, range(6)):
        for value in wrong_values(question):
            feedback = question.check(value)
            if feedback.score == 1:
                continue  # e.g. "succeeds" spelled another way; scored as right
            assert feedback.score < 1
            if question.kind in ("free_blocks", "merging_blocks", "buddy_address",
                                 "landing_address", "policy_landing"):
                # the message may name the student's own blocks, never the missing ones
                assert not re.search(r"\d+K|\d{4,}", feedback.message), feedback.message
            assert not revealed(question, feedback.message), (value, feedback)


@pytest.mark.parametrize("kind", KINDS)
def test_questions_are_plain_data_that_survive_json(kind):
    question = QUESTION_TYPES[kind](3).placed("q4", 2)
    copy = question_from_dict(json.loads(json.dumps(question.to_dict())))
    assert copy == question
    assert copy.check(question.answer).score == 1
    assert "answer=" not in repr(question)
    assert question.id == "q4" and question.points == 2
    assert question.prompt and question.title in question._repr_markdown_()


def test_generators_are_reproducible_from_a_seed():
    for kind in KINDS:
        assert QUESTION_TYPES[kind](42) == QUESTION_TYPES[kind](42)
        prompts = {QUESTION_TYPES[kind](seed).prompt for seed in range(12)}
        assert len(prompts) >= 6, kind  # the seed really varies the question


# ------------------------------------------------------------ misconceptions
def mistake(question: Question, value: object) -> str | None:
    feedback = question.check(value)
    assert feedback.score < 1, feedback
    return feedback.misconception


def test_block_size_feedback_names_rounding_mistakes():
    question = block_size("34K", "1M", "64K")
    assert question.answer == 64 * K
    small = block_size(10 * K, 1024 * K, 64 * K)
    assert mistake(small, "10K") == "below-min-block"
    middle = block_size("100K", "1M", "64K")
    assert mistake(middle, "100K") == "no-round-up"
    assert mistake(middle, "64K") == "no-round-up"
    exact = block_size("128K", "1M", "64K")
    assert mistake(exact, "256K") == "exact-fit-rounded-up"
    assert mistake(middle, "256K") == "rounded-too-far"
    assert mistake(middle, "192K") is None  # not a block size at all
    assert "not a block size" in middle.check("192K").message


def test_block_order_feedback():
    question = block_order("100K", "1M", "64K")
    assert question.answer == 1
    assert mistake(question, 131072) == "size-not-order"
    assert mistake(question, 128) == "size-not-order"
    assert mistake(question, 17) == "absolute-order"
    assert mistake(question, 0) == "no-round-up"
    assert question.check("order 1").score == 1
    assert question.check(2).message.startswith("Too high")
    exact = block_order("128K", "1M", "64K")
    assert mistake(exact, 2) == "exact-fit-rounded-up"
    low = block_order("200K", "1M", "64K")
    assert low.answer == 2 and low.check(0).message.startswith("Too low")


def test_buddy_address_feedback():
    upper = buddy_address("192K", "64K", "1M")
    assert upper.answer == 128 * K
    assert mistake(upper, "256K") == "buddy-plus-size"
    assert "XOR" in upper.check("256K").message
    assert "below" not in upper.check("256K").message  # that would all but give it away
    lower = buddy_address("128K", "64K", "1M", "32K")
    assert lower.answer == 192 * K
    assert mistake(lower, "64K") == "not-buddies"
    assert lower.check(("192K", "64K")).score == 1
    assert lower.check(("192K", "32K")).score == 0


def test_buddy_address_is_found_by_the_cores_merging_for_every_block():
    for size in (64 * K, 128 * K, 256 * K):
        for address in range(0, 1024 * K, size):
            assert buddy_address(address, size, 1024 * K, 64 * K).answer == address ^ size


def test_landing_address_feedback():
    # A (512K at 0) leaves one 512K block: X (100K -> 128K) splits it twice, keeps the lower half.
    question = landing_address("memory 1M min 64K\nA = alloc 300K\n", "100K")
    assert question.answer == 512 * K
    assert mistake(question, "640K") == "took-upper-half"
    assert mistake(question, "896K") == "took-upper-half"
    # With A (256K) freed next to B, first fit by address and rounding down are tempting.
    tempting = landing_address("memory 1M min 64K\nA = alloc 200K\nB = alloc 60K\nfree A\n",
                               "100K")
    assert tempting.answer == 384 * K
    assert mistake(tempting, 0) == "first-fit"
    assert mistake(tempting, "320K") == "no-round-up"
    assert tempting.check(("384K", "128K")).score == 1
    assert tempting.check(("384K", "64K")).score == 0.5


def test_split_count_feedback():
    question = split_count("memory 1M min 64K\nA = alloc 300K\n", "100K")
    assert question.answer == 2
    assert mistake(question, 3) == "no-round-up"
    reuse = split_count("memory 1M min 64K\nA = alloc 60K\n", "20K")
    assert reuse.answer == 0
    assert mistake(reuse, 4) == "split-from-top"
    # Too low and too high get different words.
    assert question.check(1).message.startswith("Too few")
    assert question.check(5).message.startswith("Too many")


SETUP = "memory 1M min 64K\nA = alloc 60K\nB = alloc 60K\nC = alloc 100K\nD = alloc 500K\n"


def test_merge_count_feedback():
    question = merge_count(SETUP + "free B\nfree C\n", "A")
    assert question.answer == 3
    assert mistake(question, 1) == "one-level-merge"
    assert question.check("3 merges").score == 1


def test_merging_blocks_feedback():
    question = merging_blocks(SETUP + "free B\nfree C\n", "A")
    assert question.answer == [[64 * K, 64 * K], [128 * K, 128 * K], [256 * K, 256 * K]]
    assert mistake(question, [(64 * K, 64 * K)]) == "one-level-merge"
    assert mistake(question, [(0, 128 * K), (0, 256 * K), (0, 512 * K)]) == "results-not-buddies"
    partly = question.check([(64 * K, 64 * K), (128 * K, 128 * K)])
    assert partly.score == pytest.approx(2 / 3)
    four = "memory 1M min 64K\nA = alloc 60K\nB = alloc 60K\nC = alloc 60K\nD = alloc 60K\n"
    neighbours = merging_blocks(four + "free C\n", "B")
    assert neighbours.answer == []
    assert mistake(neighbours, [("128K", "64K")]) == "not-buddies"
    assert neighbours.check("none").score == 1
    sizes = merging_blocks("memory 1M min 64K\nA = alloc 60K\nB = alloc 60K\nC = alloc 100K\n"
                           "free C\n", "B")
    assert mistake(sizes, "128K-256K") == "different-sizes-merge"


def test_free_blocks_feedback_and_partial_credit():
    question = free_blocks_after(SETUP, "free C\nfree B\nfree A\n")
    assert question.answer == [[0, 512 * K]]
    one_level = [(0, 128 * K), (128 * K, 128 * K), (256 * K, 256 * K)]
    assert mistake(question, one_level) == "one-level-merge"
    unmerged = [(0, 64 * K), (64 * K, 64 * K), (128 * K, 128 * K), (256 * K, 256 * K)]
    assert mistake(question, unmerged) == "no-merge"

    four = "memory 1M min 64K\nA = alloc 60K\nB = alloc 60K\nC = alloc 60K\nD = alloc 60K\n"
    neighbours = free_blocks_after(four, "free B\nfree C\n")
    expected = [(64 * K, 64 * K), (128 * K, 64 * K), (256 * K, 256 * K), (512 * K, 512 * K)]
    assert [tuple(b) for b in neighbours.answer] == expected
    merged = [(64 * K, 128 * K), (256 * K, 256 * K), (512 * K, 512 * K)]
    feedback = neighbours.check(merged)
    assert feedback.misconception == "not-buddies"
    assert feedback.score == pytest.approx(0.25)  # 2 of 4 right, minus 1 extra
    assert neighbours.check(expected[:3]).score == pytest.approx(0.75)
    assert neighbours.check(expected + [(0, 64 * K)]).score == pytest.approx(0.75)
    assert neighbours.check(expected + [expected[0]]).score == pytest.approx(0.75)
    assert neighbours.check([(0, 64 * K), (192 * K, 64 * K)]).score == 0  # clamped at 0
    assert "missing" in neighbours.check(expected[:3]).message

    sizes = free_blocks_after(four, "free C\nfree D\n")
    assert mistake(sizes, [(128 * K, 384 * K), (512 * K, 512 * K)]) == "different-sizes-merge"


def test_buddyinfo_feedback():
    question = buddyinfo(SETUP, "free C\nfree B\nfree A\n")
    assert question.answer == [0, 0, 0, 1, 0]
    assert mistake(question, [0, 1, 0, 0, 0]) == "reversed-orders"
    assert mistake(question, [0, 2, 1, 0, 0]) == "one-level-merge"
    assert mistake(question, [0, 0, 0, 2, 0]) == "counted-allocated"
    assert question.check([0, 0, 0, 1]).score == 1  # trailing zeros may be left out
    assert question.check({"512K": 1}).score == 1
    # Zeros that match an empty order show no knowledge: all zeros earn nothing, and the
    # message counts the wrong orders without naming them.
    assert question.check([0, 0, 0, 0, 0]).score == 0
    assert "order 3" not in question.check([0, 0, 0, 0, 0]).message
    assert question.check([0, 1, 0, 1, 0]).score == 0  # one right, one wrong: no credit
    # One slip in an otherwise careful trace keeps some credit.
    assert score_counts([2, 1, 0, 1], [2, 1, 1, 1]) == (pytest.approx(0.25), 1)
    assert question.check([0, 0, 0, 1, 0, 4]).score == 0  # there is no order 5


def test_internal_fragmentation_feedback():
    question = internal_fragmentation("memory 1M min 64K\nA = alloc 34K\nB = alloc 66K\n",
                                      "free A\n")
    assert question.answer == 62 * K
    assert mistake(question, "896K") == "free-not-waste"
    assert mistake(question, "92K") == "counted-freed-blocks"
    assert mistake(question, 0) == "no-round-up"


def test_will_succeed_feedback():
    short = will_succeed("memory 1M min 64K\nA = alloc 500K\nB = alloc 100K\n", "300K")
    assert short.answer == "fails: not enough memory"
    assert mistake(short, "succeeds") == "no-round-up"
    assert mistake(short, "external fragmentation") == "no-round-up"
    assert mistake(short, "internal fragmentation") == "internal-vs-external"
    scattered = will_succeed("memory 1M min 64K\nA = alloc 200K\nB = alloc 200K\n"
                             "C = alloc 200K\nD = alloc 200K\nfree A\nfree C\n", "300K")
    assert scattered.answer == "fails: external fragmentation"
    assert mistake(scattered, True) == "ignores-fragmentation"
    half = scattered.check(False)
    assert half.score == 0.25 and "why" in half.message
    fits = will_succeed("memory 1M min 64K\nA = alloc 500K\n", "250K")
    assert fits.answer == "succeeds"
    assert fits.check("no").score == 0
    assert_form_message(fits, fits.check("yes and no"))
    assert_form_message(fits, fits.check("maybe"))


def test_policy_landing_feedback():
    lifo = policy_landing("memory 1M min 64K policy lifo\nA = alloc 60K\nB = alloc 60K\n"
                          "C = alloc 60K\nD = alloc 60K\nfree A\nfree C\n", "60K", "lifo")
    assert lifo.answer == 128 * K
    assert mistake(lifo, 0) == "wrong-policy"
    assert "`lowest`" in lifo.check(0).message
    leftmost = policy_landing("memory 1M min 64K policy leftmost\nA = alloc 200K\n"
                              "B = alloc 60K\nfree A\n", "50K", "leftmost")
    assert leftmost.answer == 0
    assert mistake(leftmost, "320K") == "wrong-policy"


def test_generated_coalescing_questions_offer_their_traps():
    # Scenarios are searched so that the misconceptions can actually show up.
    for question in [QUESTION_TYPES["merge_count"](seed, least=2) for seed in SEEDS]:
        assert question.answer >= 2
        assert mistake(question, 1) == "one-level-merge"
    for question in [QUESTION_TYPES["free_blocks"](seed, frees=True) for seed in SEEDS]:
        assert len(question.answer) >= 2  # never "everything is free"
        assert "unmerged" in question.params
    for policy in ("lifo", "leftmost"):
        for question in [QUESTION_TYPES["policy_landing"](seed, policy=policy)
                         for seed in SEEDS]:
            lowest = question.params["other_policies"]["lowest"]
            assert lowest != question.answer
            assert mistake(question, lowest) == "wrong-policy"


# -------------------------------------------------------------- builders
def test_builders_refuse_impossible_questions_with_a_clear_message():
    with pytest.raises(InvalidRequest, match="multiple of 64K"):
        buddy_address("32K", "64K", "1M")
    with pytest.raises(InvalidRequest, match="block size below the whole memory"):
        buddy_address(0, "1M", "1M")
    with pytest.raises(InvalidRequest, match="power of two"):
        block_size("10K", "1000K", "64K")
    with pytest.raises(InvalidRequest, match="does not fit"):
        landing_address("memory 1M min 64K\nA = alloc 600K\n", "600K")
    with pytest.raises(InvalidRequest, match="not allocated"):
        merge_count("memory 1M min 64K\nA = alloc 60K\n", "B")
    with pytest.raises(InvalidRequest, match="unknown policy"):
        policy_landing("memory 1M min 64K\n", "60K", "best")


# -------------------------------------------------------------- variants
def test_assignments_have_five_to_ten_questions_with_points():
    assert {"splitting", "coalescing", "fragmentation"} <= set(ASSIGNMENTS)
    for name, assignment in ASSIGNMENTS.items():
        questions = variant(name, "alice")
        assert 5 <= len(questions) <= 10
        assert [q.id for q in questions] == [f"q{n}" for n in range(1, len(questions) + 1)]
        assert all(q.points >= 1 for q in questions)
        assert sum(q.points for q in questions) == assignment.max_score
    kinds = {slot.kind for a in ASSIGNMENTS.values() for slot in a.slots}
    assert kinds == set(QUESTION_TYPES)  # every question type is used somewhere


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_variants_are_stable_for_a_student_and_differ_between_students(name):
    first = variant(name, "alice")
    assert variant(name, "alice") == first
    students = ["alice", "bob", "carol", "dave", "erin", "j.doe@uni.edu"]
    keys = [json.dumps(answer_key(name, student)) for student in students]
    assert len(set(keys)) == len(students)
    prompts = [[q.prompt for q in variant(name, student)] for student in students]
    for one in range(len(students)):
        for other in range(one + 1, len(students)):
            same = sum(a == b for a, b in zip(prompts[one], prompts[other], strict=True))
            assert same < len(prompts[one]) / 2, (students[one], students[other])


def test_variants_do_not_depend_on_pythons_hash_seed():
    code = ("import json, buddy_edu.exercises as e; "
            "print(json.dumps({n: e.answer_key(n, 'alice') for n in e.ASSIGNMENTS}))")
    outputs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    here = {name: answer_key(name, "alice") for name in ASSIGNMENTS}
    assert json.loads(outputs.pop()) == json.loads(json.dumps(here))


@pytest.mark.parametrize("name", VALUE_ASSIGNMENTS)
def test_answer_key_round_trips_through_json_and_scores_full_marks(name):
    for student in ("alice", "bob", "s-42"):
        key = json.loads(json.dumps(answer_key(name, student)))
        questions = variant(name, student)
        assert list(key) == [q.id for q in questions]
        for question in questions:
            assert question.check(key[question.id]).score == 1


def test_unknown_assignments_and_bad_student_ids_are_refused():
    with pytest.raises(InvalidRequest) as error:
        variant("paging", "alice")
    for name in ASSIGNMENTS:
        assert name in str(error.value)
    with pytest.raises(InvalidRequest, match="unknown assignment"):
        answer_key(None, "alice")
    for student in ("", "a b", "../etc", "x" * 65, None, 42, "..", "ünï"):
        with pytest.raises(InvalidRequest, match="student id"):
            variant("splitting", student)
    assert variant("splitting", "J.Doe_1-x@uni.edu")


@pytest.mark.parametrize("kind", KINDS)
def test_worked_replays_exactly_the_asked_operation(kind):
    """A lesson's "show me why" starts where the question's picture stops and replays only
    the operation it asks about."""
    from buddy_edu import run_script

    for question in generated(kind, range(3)):
        worked = question.worked()
        if kind in ("buddy_address", "largest_request", "buddy_pfn", "buddyinfo_memory",
                    "which_is_true"):
            assert worked is None  # nothing to replay: the answer is a rule or a reading
            continue
        script, start = worked
        policy = question.params.get("policy")
        setup = question.params.get("setup")
        assert start == (run_script(setup, policy=policy).event_count() if setup else 0)
        replay = run_script(script, policy=policy)
        assert replay.event_count() > start
        if "request" in question.params or "worst_request" in question.params:
            assert replay.event_at(replay.event_count() - 1).name == "X"
