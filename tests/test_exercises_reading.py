"""Reading answers: the transport every answer travels, forms that mean what they say, a
parser that cannot be made slow, feedback levels, and guessing that does not pay."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import buddy_edu.exercises as exercises
from benchmarks.guessing import guessing, neighbour_share
from buddy_edu import InvalidRequest
from buddy_edu.exercises import (
    ASSIGNMENTS,
    QUESTION_TYPES,
    TYPES,
    answers,
    block_size,
    buddy_address,
    buddyinfo,
    free_blocks_after,
    landing_address,
    largest_request,
    waste_bound,
    will_succeed,
)
from buddy_edu.exercises.answers import transport
from buddy_edu.exercises.questions.feedback import LEVELS, MISCONCEPTIONS, TAUGHT, Recorded, limited

K = 1024
PACKAGE = Path(exercises.__file__).parent

# ------------------------------------------------------------------ the transport


def kernel_entry(value: object) -> dict:
    """What the grader's probe reports for ``value``: transport's own source, run from text in
    fresh globals as inside a student's kernel, then decoded as JSON by the grader."""
    namespace: dict = {}
    exec(compile(Path(transport.__file__).read_text(), "<kernel>", "exec"), namespace)
    return json.loads(namespace["entry"](value))


@pytest.mark.parametrize("value", [
    {0: 1, 3: 1}, {"64K": 2, 2: 1}, {0: 65536, 131072: 65536}, (0, "64K"),
    {(0, 65536), (131072, 65536)}, frozenset({1, 2}), [(0, "64K"), [1, 2]], None, True, 2.5,
    "fails: external fragmentation", {"address": 0, "size": "64K"}, [],
])
def test_values_students_write_travel_as_they_are(value):
    status, plain = transport.read_entry(kernel_entry(value))
    assert (status, plain) == transport.read(value)
    assert status == "value"
    if isinstance(value, dict):
        assert plain == {key: (list(v) if isinstance(v, tuple) else v)
                         for key, v in value.items()}  # int keys stay ints
    if isinstance(value, (set, frozenset)):
        assert type(plain) is transport.Unordered
        def norm(item):
            return tuple(item) if isinstance(item, (list, tuple)) else item
        assert sorted(map(norm, plain)) == sorted(map(norm, value))


class Meta(type):
    def __eq__(cls, other):
        raise AssertionError("a metaclass __eq__ ran")

    __hash__ = type.__hash__


class Odd(metaclass=Meta):
    __module__ = property(lambda self: "x")


@pytest.mark.parametrize("value", [
    object(), Odd(), {(1, 2): 3}, {Odd(): 1}, "x" * 5000, [[[[[[["deep"]]]]]]],
    list(range(6000)), float("nan"), b"64K", 2 ** 5000, ["x" * 3999] * 60,
])
def test_refusals_are_the_same_in_the_notebook_and_the_kernel(value):
    status, problem = transport.read(value)
    assert status == "problem" and problem
    assert transport.read_entry(kernel_entry(value)) == (status, problem)
    question = block_size("100K", "1M", "64K")
    feedback = question.check(value)
    assert feedback.score == 0 and problem in feedback.message
    assert feedback == question.score(*transport.read_entry(kernel_entry(value)))


def test_the_wire_source_needs_no_imports_to_run_in_a_kernel():
    tree = ast.parse(Path(transport.__file__).read_text())
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    assert imports == []


def test_reading_uses_no_regular_expressions():
    # Linear by construction: no backtracking engine ever sees student text.
    modules = sorted((PACKAGE / "answers").glob("*.py"))
    assert len(modules) >= 5
    for module in modules:
        tree = ast.parse(module.read_text())
        names = {alias.name for node in ast.walk(tree)
                 if isinstance(node, ast.Import | ast.ImportFrom) for alias in node.names}
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert "re" not in names | modules, module


# ------------------------------------------------------------- what it means
OUTCOME_TEXTS = {
    "it never fits": answers.FAILS,
    "never succeeds": answers.FAILS,
    "doesn't fail": answers.SUCCEEDS,
    "it does not fail": answers.SUCCEEDS,
    "it is not fragmentation, memory is exhausted": answers.NOT_ENOUGH,
    "no room in one block": answers.EXTERNAL,
    "no free block is large enough": answers.EXTERNAL,
    "not enough contiguous memory": answers.EXTERNAL,
    "there is enough memory in total but no block is big enough": answers.EXTERNAL,
    "fails: not enough memory": answers.NOT_ENOUGH,
    "no, out of memory": answers.NOT_ENOUGH,
    "the memory is full": answers.NOT_ENOUGH,
    "no: external fragmentation": answers.EXTERNAL,
    "Yes": answers.SUCCEEDS,
    "no": answers.FAILS,
    "won't fit": answers.FAILS,
}
AMBIGUOUS = ["not external fragmentation", "yes and no", "succeeds, external fragmentation",
             "external fragmentation and not enough memory", "maybe", "the room is roomy",
             "fails, but not because of external fragmentation"]


@pytest.mark.parametrize("text, meaning", sorted(OUTCOME_TEXTS.items()))
def test_outcomes_are_read_with_negations_and_whole_words(text, meaning):
    assert answers.outcome(text) == meaning


@pytest.mark.parametrize("text", AMBIGUOUS)
def test_ambiguous_outcomes_score_zero_and_ask_for_one_of_the_forms(text):
    question = will_succeed("memory 1M min 64K\nA = alloc 200K\nB = alloc 200K\n"
                            "C = alloc 200K\nD = alloc 200K\nfree A\nfree C\n", "300K")
    assert question.answer == answers.EXTERNAL
    feedback = question.check(text)
    assert feedback.score == 0
    assert '"fails: external fragmentation"' in feedback.message


def test_negated_reasons_are_never_read_as_the_reason():
    external = will_succeed("memory 1M min 64K\nA = alloc 200K\nB = alloc 200K\n"
                            "C = alloc 200K\nD = alloc 200K\nfree A\nfree C\n", "300K")
    for text in ("not external fragmentation", "it is not fragmentation, memory is exhausted",
                 "doesn't fail", "it does not fail", "never succeeds"):
        assert external.check(text).score < 1, text
    assert external.check("never succeeds").score == 0.25  # it fails, no reason given


@pytest.mark.parametrize("text, value", [
    ("1.5M", 1536 * K), ("0.5M", 512 * K), ("524,288", 512 * K), ("512K bytes", 512 * K),
    ("524288 bytes", 512 * K), ("131,072", 128 * K), ("64 KiB", 64 * K), ("2^17", 128 * K),
    ("2 ** 17", 128 * K), ("0x20000", 128 * K), (" 128 kb ", 128 * K), ("1,048,576", 1024 * K),
])
def test_sizes_people_write_are_read(text, value):
    assert answers.quantity(text) == value


@pytest.mark.parametrize("text", ["1.3K", "-64K", "64 K K", "1,0000", "(131,072)", "²"])
def test_sizes_that_are_not_whole_or_not_sizes_are_refused(text):
    with pytest.raises(answers.FormError):
        answers.quantity(text)


def test_an_address_with_a_thousands_separator_is_an_address_not_a_block():
    question = buddy_address("128K", "64K", "1M", "64K")
    assert question.answer == 192 * K
    assert question.check("196,608").score == 1
    assert question.check("131,072").misconception is None  # read as 128K, the block itself


def test_sets_of_blocks_count_when_the_order_does_not():
    four = "memory 1M min 64K\nA = alloc 60K\nB = alloc 60K\nC = alloc 60K\nD = alloc 60K\n"
    question = free_blocks_after(four, "free B\nfree C\n")
    as_set = {tuple(block) for block in question.answer}
    assert question.check(as_set).score == 1
    assert question.check({(a, f"{s // K}K") for a, s in as_set}).score == 1
    counts = buddyinfo(four, "free B\n")
    feedback = counts.check(set(counts.answer))
    assert feedback.score == 0 and "a set has no order" in feedback.message


# ------------------------------------------------------------- cannot be slowed
ADVERSARIAL = [
    "1" + " " * 1998 + "-" + " " * 1998 + "]",
    "9" * 3999,
    "," * 3999,
    "[" * 2000 + "]" * 1999,
    "(" * 3999,
    "K" * 3999,
    "1K" * 1999,
    "0x" + "f" * 3997,
    "1," * 1999,
    "not " * 999,
    "(0, 64K) " * 444,
    "0-" * 1999,
    "1." * 1999,
    "2^" * 1999,
    "no fails succeeds external " * 140,
]


@pytest.mark.parametrize("kind", sorted(k for k, spec in TYPES.items() if spec.run is None))
def test_adversarial_texts_get_an_answer_for_every_question_type(kind):  # values, not functions
    question = QUESTION_TYPES[kind](5)
    for text in ADVERSARIAL:
        assert len(text) <= transport.MAX_TEXT
        feedback = question.check(text)
        assert 0 <= feedback.score <= 1 and feedback.message
    assert "too long" in question.check("1" * (transport.MAX_TEXT + 1)).message


# ------------------------------------------------------------- feedback levels
def test_mark_level_keeps_the_points_and_names_only_the_misconception():
    question = block_size("100K", "1M", "64K")
    full = question.check("100K")
    marked = limited(full, "mark")
    assert marked.score == full.score == 0
    assert marked.message == f"Not right yet. Looks like: {MISCONCEPTIONS['no-round-up']}."
    assert limited(question.check("128K"), "mark").message == "Right."
    unreadable = question.check({"x": 1})
    assert limited(unreadable, "mark") == unreadable  # the form is always explained


def test_none_level_says_only_whether_the_answer_could_be_read():
    question = block_size("100K", "1M", "64K")
    recorded = limited(question.check("128K"), "none")
    assert isinstance(recorded, Recorded) and recorded.readable
    assert not hasattr(recorded, "score") and "✓" not in repr(recorded)
    assert limited(question.check("100K"), "none") == recorded  # right and wrong look alike
    assert not limited(question.check({"x": 1}), "none").readable


@pytest.mark.parametrize("level", LEVELS)
def test_the_notebook_applies_the_assignments_level_and_grades_the_same(level):
    ex = exercises.start("coalescing", "alice", feedback=level)
    key = exercises.answer_key("coalescing", "alice")
    summary = ex.check_all({qid: value for qid, value in key.items()})
    if level == "none":
        assert summary.score is None
        assert all(isinstance(row.feedback, Recorded) for row in summary.rows)
    else:
        assert summary.score == ASSIGNMENTS["coalescing"].max_score
    with pytest.raises(InvalidRequest, match="feedback must be one of"):
        exercises.start("coalescing", "alice", feedback="loud")


def test_generated_notebooks_say_which_feedback_level_they_use():
    from buddy_edu.exercises.course.student_notebooks import build

    for name, assignment in ASSIGNMENTS.items():
        intro = build(name).cells[0].source
        assert f"Feedback before grading: **{assignment.feedback}**" in intro
        chosen = build(name, "none")
        assert 'feedback="none"' in chosen.cells[1].source


# ------------------------------------------------------------- misconceptions
def test_the_buddy_system_does_not_eliminate_fragmentation_question():
    setup = ("memory 1M min 64K\nA = alloc 200K\nB = alloc 200K\nC = alloc 200K\n"
             "D = alloc 200K\nfree A\nfree C\n")
    question = largest_request(setup)
    assert question.answer == 256 * K
    assert question.check("512K").misconception == "buddy-no-fragmentation"
    assert question.check("128K").misconception == "too-small"
    assert question.check("256K").correct


def test_the_waste_bound_is_against_the_block_question():
    question = waste_bound("128K", "1M", "64K")
    assert question.answer == 63 * K  # a 65K request wastes 63K of its 128K block
    assert question.check("64K").misconception == "exact-fit-rounded-up"
    assert question.check("32K").misconception == "waste-against-request"
    assert question.check("32.5K").misconception == "waste-against-request"
    assert question.check(0).misconception == "no-round-up"


def misconception_triggers():
    """For each taught misconception, a question kind and the answer that shows it."""
    setup = ("memory 1M min 64K\nA = alloc 60K\nB = alloc 60K\nC = alloc 100K\n"
             "D = alloc 500K\nfree B\nfree C\n")
    four = "memory 1M min 64K\nA = alloc 60K\nB = alloc 60K\nC = alloc 60K\nD = alloc 60K\n"
    return {
        "no-round-up": (block_size("100K", "1M", "64K"), "100K"),
        "exact-fit-rounded-up": (block_size("128K", "1M", "64K"), "256K"),
        "buddy-plus-size": (buddy_address("192K", "64K", "1M"), "256K"),
        "not-buddies": (free_blocks_after(four, "free B\nfree C\n"),
                        [(64 * K, 128 * K), (256 * K, 256 * K), (512 * K, 512 * K)]),
        "different-sizes-merge": (free_blocks_after(four, "free C\nfree D\n"),
                                  [(128 * K, 384 * K), (512 * K, 512 * K)]),
        "one-level-merge": (exercises.merge_count(setup, "A"), 1),
        "took-upper-half": (landing_address("memory 1M min 64K\nA = alloc 300K\n", "100K"),
                            "640K"),
        "buddy-no-fragmentation": (largest_request(four + "free A\nfree C\n"), "896K"),
        "waste-against-request": (waste_bound("128K", "1M", "64K"), "32K"),
    }


def test_all_nine_taught_misconceptions_are_graded_in_an_assignment():
    graded = {slot.kind for assignment in ASSIGNMENTS.values() for slot in assignment.slots}
    triggers = misconception_triggers()
    assert set(triggers) == set(TAUGHT)
    for misconception, (question, value) in triggers.items():
        assert question.kind in graded, misconception
        assert question.check(value).misconception == misconception


def test_form_examples_use_sizes_and_addresses_that_can_occur():
    # Every memory in the exercises has blocks of 64K or multiples of it at such addresses
    # (8K..128K minimum blocks); the old examples (48K, 6K, 0x1800) could never occur.
    for form in (answers.SIZE, answers.ADDRESS, answers.BLOCKS):
        for text in (form.text, form.example):
            numbers = [t.value for t in answers.tokens(text) if t.kind == "num"]
            assert numbers, text
            for number in numbers:
                assert number % (64 * K) == 0, (text, number)


# ------------------------------------------------------------- guessing
@pytest.fixture(scope="module")
def figures():
    return {name: guessing(name, 100) for name in ASSIGNMENTS}


@pytest.mark.slow  # the figures generate 100 students' variants: ~9 s
def test_constant_answers_earn_at_most_a_quarter_of_any_question(figures):
    for name, per_question in figures.items():
        for figure in per_question:
            assert figure.worst_listed <= 0.25, (name, figure)


@pytest.mark.slow
def test_a_neighbours_whole_key_earns_at_most_a_third(figures):
    for name, per_question in figures.items():
        assert neighbour_share(name, 100, per_question) <= 1 / 3, name


@pytest.mark.slow  # 30 students' keys, and the figures
def test_no_question_has_the_same_key_for_every_student(figures):
    for name in ASSIGNMENTS:
        keys = [exercises.answer_key(name, f"student-{n:03d}") for n in range(30)]
        for qid in keys[0]:
            assert len({json.dumps(key[qid]) for key in keys}) >= 3, (name, qid)


def test_buddy_questions_ask_about_lower_and_upper_halves_alike():
    uppers = [q.answer < q.params["address"]
              for q in (QUESTION_TYPES["buddy_address"](seed) for seed in range(200))]
    assert 0.35 <= sum(uppers) / len(uppers) <= 0.65


# ------------------------------------------------------------- one registry
TOPICS = {"sizes", "buddies", "placement", "policies", "final_state", "waste"}


def _question_imports(module: Path) -> set[str]:
    """The modules of buddy_edu.exercises.questions, and the registry, that ``module``
    imports (at any depth).  No circle anywhere is held by tests/test_layers.py."""
    found = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 2 and node.module == "registry":
            found.add("registry")
    return found & ({path.stem for path in (PACKAGE / "questions").glob("*.py")} | {"registry"})


def test_topics_never_borrow_from_each_other_or_the_registry():
    graph = {path.stem: _question_imports(path) for path in (PACKAGE / "questions").glob("*.py")
             if path.stem != "__init__"}
    assert TOPICS <= set(graph)
    for topic in TOPICS:
        assert not graph[topic] & (TOPICS | {"registry"}), topic


def test_every_table_of_question_types_comes_from_the_one_registry():
    assert set(QUESTION_TYPES) == set(exercises.BUILDERS) == set(TYPES)
    for kind, spec in TYPES.items():
        assert spec.kind == kind
        assert QUESTION_TYPES[kind] is spec.generate and exercises.BUILDERS[kind] is spec.build
        assert spec.generate(1).type is spec
