"""The allocator's semantics on textbook examples, its errors, and its timeline."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from buddy_edu import (
    Block,
    BuddyAllocator,
    BuddyError,
    Event,
    InvalidRequest,
    Operation,
    OutOfMemory,
    describe,
    format_tree,
)

K = 1024


def leaves(a: BuddyAllocator) -> list[tuple[int, int, str | None]]:
    """(address, size, name) of every leaf, in address order; name None = free."""
    return [(b.address // K, b.size // K, b.name) for b in a.blocks()]


def snapshot(a: BuddyAllocator):
    return (a.blocks(), a.free_lists(), a.events, a.position, a.stats())


# --------------------------------------------------------------- examples
WIKIPEDIA = [  # (operation, leaves after it) in K; the article's table, row by row
    (("alloc", "A", 34), [(0, 64, "A"), (64, 64, None), (128, 128, None), (256, 256, None),
                          (512, 512, None)]),
    (("alloc", "B", 66), [(0, 64, "A"), (64, 64, None), (128, 128, "B"), (256, 256, None),
                          (512, 512, None)]),
    (("alloc", "C", 35), [(0, 64, "A"), (64, 64, "C"), (128, 128, "B"), (256, 256, None),
                          (512, 512, None)]),
    (("alloc", "D", 67), [(0, 64, "A"), (64, 64, "C"), (128, 128, "B"), (256, 128, "D"),
                          (384, 128, None), (512, 512, None)]),
    (("free", "B"), [(0, 64, "A"), (64, 64, "C"), (128, 128, None), (256, 128, "D"),
                     (384, 128, None), (512, 512, None)]),
    (("free", "D"), [(0, 64, "A"), (64, 64, "C"), (128, 128, None), (256, 256, None),
                     (512, 512, None)]),
    (("free", "A"), [(0, 64, None), (64, 64, "C"), (128, 128, None), (256, 256, None),
                     (512, 512, None)]),
    (("free", "C"), [(0, 1024, None)]),
]


def run_ops(a: BuddyAllocator, ops) -> None:
    for op in ops:
        if op[0] == "alloc":
            a.allocate(op[2] * K, op[1])
        else:
            a.free(op[1])


def test_wikipedia_example_block_by_block():
    a = BuddyAllocator(1024 * K, 64 * K)
    for op, expected in WIKIPEDIA:
        run_ops(a, [op])
        assert leaves(a) == expected, op
    kinds = [e.kind for e in a.events]
    assert kinds == ["split"] * 4 + ["allocate"] * 3 + ["split", "allocate", "free", "free",
                                                         "merge", "free", "free"] + ["merge"] * 4


def test_wikipedia_example_stepping_back_shows_every_row_again():
    a = BuddyAllocator(1024 * K, 64 * K)
    run_ops(a, [op for op, _ in WIKIPEDIA])
    for op_index in range(len(WIKIPEDIA) - 1, -1, -1):
        assert leaves(a) == WIKIPEDIA[op_index][1]
        a.undo()
    assert leaves(a) == [(0, 1024, None)] and a.position == 0
    for _, expected in WIKIPEDIA:
        a.redo()
        assert leaves(a) == expected


def test_tanenbaum_64_page_example():
    # Tanenbaum, Modern Operating Systems, Linux memory management: 64 pages,
    # requests of 8, 8 and 4 pages, then both 8-page chunks released.
    a = BuddyAllocator(64, 1)
    a.allocate(8, "A")
    assert [(b.address, b.size, b.name) for b in a.blocks()] == [
        (0, 8, "A"), (8, 8, None), (16, 16, None), (32, 32, None)]
    a.allocate(8, "B")
    a.allocate(4, "C")  # the smallest free chunk (16 at 16) is split twice
    assert [(b.address, b.size, b.name) for b in a.blocks()] == [
        (0, 8, "A"), (8, 8, "B"), (16, 4, "C"), (20, 4, None), (24, 8, None), (32, 32, None)]
    a.free("B")  # its buddy A is in use: nothing merges
    assert a.events[-1].kind == "free"
    a.free("A")  # A and B came from the same 16-page chunk: merged back
    assert a.events[-1] == Event("merge", 0, 16, "A", 8, 4)
    assert a.free_blocks() == [(0, 16), (20, 4), (24, 8), (32, 32)]


def test_events_name_the_right_blocks():
    a = BuddyAllocator(1024 * K, 64 * K)
    a.allocate(34 * K, "A")
    first = a.events[0]
    assert first == Event("split", 0, 1024 * K, "A", 34 * K, 0)
    assert first.describe() == "Split the 1M block at 0 into buddies at 0 and 512K for A."
    assert describe(a.events[-1]) == (
        "Allocate the 64K block at 0 to A (requested 34K, wasting 30K inside the block).")
    a.free("A")
    merge = a.events[-1]
    assert (merge.kind, merge.address, merge.size, merge.op) == ("merge", 0, 1024 * K, 1)
    assert merge.describe() == "Merge the buddies at 0 and 512K into one free 1M block at 0."


def test_rounding_exact_powers_are_not_rounded_further():
    a = BuddyAllocator(1024, 64)
    assert a.block_size(64) == 64
    assert a.block_size(65) == 128
    assert a.block_size(1) == 64
    assert a.block_size(1024) == 1024
    assert a.allocate(64).size == 64
    assert a.allocate(129).size == 256


def test_auto_names_count_requests():
    a = BuddyAllocator(1024, 64)
    assert [a.allocate(10).name for _ in range(3)] == ["P1", "P2", "P3"]
    a.free("P2")
    assert a.allocate(10).name == "P4"
    a.undo()
    a.undo()
    assert a.allocate(10).name == "P4"  # the undone requests are forgotten


def test_block_returned_by_free_and_allocations():
    a = BuddyAllocator(1024, 64)
    b = a.allocate(100, "X")
    assert b == Block("X", 0, 128, 100) and b.waste == 28 and b.end == 128
    a.allocate(10, "Y")
    assert [x.name for x in a.allocations()] == ["X", "Y"]
    assert a.free("X") == b


def test_stats_and_external_fragmentation():
    a = BuddyAllocator(1024, 64)
    for name in "ABCD":
        a.allocate(256, name)
    a.free("A")
    a.free("C")
    s = a.stats()
    assert (s.allocated, s.requested, s.free, s.largest_free) == (512, 512, 512, 256)
    assert s.external_fragmentation == pytest.approx(0.5)
    a.free("B")
    s = a.stats()  # A and B merged into 512 at 0; C's 256 stays apart
    assert (s.free, s.largest_free) == (768, 512)
    assert s.external_fragmentation == pytest.approx(1 / 3)
    a.allocate(33, "E")
    assert a.stats().internal_fragmentation == 64 - 33


# -------------------------------------------------------------- policies
def test_lifo_takes_the_most_recently_freed_block():
    def scene(policy):
        a = BuddyAllocator(256, 64, policy)
        for name in "ABCD":
            a.allocate(64, name)
        a.free("A")
        a.free("C")  # neither merges: their buddies are in use
        return a

    lowest, lifo = scene("lowest"), scene("lifo")
    assert lowest.free_lists()[64] == [0, 128]
    assert lifo.free_lists()[64] == [128, 0]
    assert lowest.allocate(64).address == 0
    assert lifo.allocate(64).address == 128


def test_lifo_prefers_the_lower_half_of_a_split_and_restores_order_on_undo():
    a = BuddyAllocator(1024, 64, "lifo")
    a.allocate(64, "A")
    assert a.free_lists()[64] == [64]
    for name in "BC":
        a.allocate(64, name)
    a.free("A")
    order = a.free_lists()
    a.allocate(64, "D")
    a.undo()
    assert a.free_lists() == order


def test_leftmost_splits_a_big_block_on_the_left_before_an_exact_fit_on_the_right():
    def scene(policy):
        a = BuddyAllocator(256, 64, policy)
        a.allocate(128, "A")
        a.allocate(64, "B")
        a.free("A")  # free: 128 at 0, 64 at 192
        return a

    assert scene("lowest").allocate(64).address == 192
    leftmost = scene("leftmost")
    assert leftmost.allocate(64).address == 0
    assert [e.kind for e in leftmost.undo()] == ["split", "allocate"]


def test_unknown_policy():
    with pytest.raises(InvalidRequest, match="lowest, lifo, leftmost"):
        BuddyAllocator(1024, 64, "best")


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "size, message",
    [(0, "between 1 and"), (-5, "between 1 and"), (2.5, "positive integer"),
     (64.0, "positive integer"), (True, "bool"), ("34K", "parse_size"), (None, "NoneType"),
     (2048, "between 1 and the memory size 1K"), ([64], "list")],
)
def test_bad_sizes_change_nothing(size, message):
    a = BuddyAllocator(1024, 64)
    a.allocate(100, "A")
    a.step_back()
    before = snapshot(a)
    with pytest.raises(InvalidRequest, match=message) as caught:
        a.allocate(size, "B")
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, BuddyError)
    assert snapshot(a) == before


@pytest.mark.parametrize("name", ["", "   ", 7, ("A",)])
def test_bad_names_change_nothing(name):
    a = BuddyAllocator(1024, 64)
    before = snapshot(a)
    with pytest.raises(InvalidRequest, match="non-empty string"):
        a.allocate(10, name)
    assert snapshot(a) == before


def test_duplicate_live_name_changes_nothing_even_mid_operation():
    a = BuddyAllocator(1024, 64)
    a.allocate(10, "A")
    a.allocate(10, "B")
    a.seek(a.position - 1)  # between B's events: inside an operation
    before = snapshot(a)
    with pytest.raises(InvalidRequest, match="'A' is already allocated"):
        a.allocate(10, "A")
    assert snapshot(a) == before


def test_free_errors_change_nothing():
    a = BuddyAllocator(1024, 64)
    a.allocate(10, "A")
    a.free("A")
    before = snapshot(a)
    with pytest.raises(InvalidRequest, match="'A' was already freed"):
        a.free("A")
    with pytest.raises(InvalidRequest, match="nothing is allocated under the name 'Z'"):
        a.free("Z")
    with pytest.raises(InvalidRequest, match="name of an allocation"):
        a.free(64)
    assert snapshot(a) == before


@pytest.mark.parametrize(
    "total, min_block, message",
    [(1000, 64, "power of two"), (1024, 0, "min_block must be a positive"),
     (0, 1, "total must be a positive"), (1024, 3, "power of two"), (1024.0, 64, "total"),
     (True, 1, "total"), (64, 128, "power of two"), ("1M", 1, "total")],
)
def test_bad_memory_shapes(total, min_block, message):
    with pytest.raises(InvalidRequest, match=message):
        BuddyAllocator(total, min_block)


def test_out_of_memory_explains_external_fragmentation_and_records_a_fail():
    a = BuddyAllocator(1024 * K, 64 * K)
    for name in "ABCD":
        a.allocate(256 * K, name)
    a.free("A")
    a.free("C")
    blocks = a.blocks()
    events = len(a.events)
    with pytest.raises(OutOfMemory) as caught:
        a.allocate(300 * K, "E")
    message = str(caught.value)
    assert "512K is free in total" in message
    assert "largest free block is 256K" in message
    assert "external fragmentation" in message
    assert a.blocks() == blocks
    assert len(a.events) == events + 1
    fail = a.events[-1]
    assert (fail.kind, fail.address, fail.size, fail.requested, fail.name) == (
        "fail", None, 512 * K, 300 * K, "E")
    assert "Cannot allocate 300K for E" in fail.describe()
    assert a.undo()[0].kind == "fail" and a.blocks() == blocks


def test_out_of_memory_when_there_is_simply_too_little():
    a = BuddyAllocator(1024, 64)
    a.allocate(1000, "A")
    with pytest.raises(OutOfMemory, match="Only 0 is free in total"):
        a.allocate(64)


def test_out_of_memory_explains_the_moment_it_failed_even_when_read_later():
    """The message is written when first read, but from the numbers of the failure."""
    import pickle

    a = BuddyAllocator(1024 * K, 64 * K)
    a.allocate(512 * K, "A")
    a.allocate(256 * K, "B")
    with pytest.raises(OutOfMemory) as caught:
        a.allocate(300 * K, "C")
    a.free("A")
    a.seek(0)
    message = ("cannot allocate 300K for C: it needs a 512K block and the largest free block "
               "is 256K. Only 256K is free in total: free something first.")
    assert str(caught.value) == message
    assert repr(caught.value) == f"OutOfMemory({message!r})"
    assert str(pickle.loads(pickle.dumps(caught.value))) == message
    assert str(OutOfMemory("plain text")) == "plain text"


def test_classic_failures():
    # size 1 (collided with the "divided" marker in the classic program)
    a = BuddyAllocator(16, 1)
    assert a.allocate(1, "one") == Block("one", 0, 1, 1)
    # removing something not present, size 0 and negative sizes
    with pytest.raises(InvalidRequest):
        a.free("two")
    for bad in (0, -1):
        with pytest.raises(InvalidRequest):
            a.allocate(bad)
    # a total that is not min_block * 2**k is refused instead of floored
    with pytest.raises(InvalidRequest, match="e.g. 2048"):
        BuddyAllocator(1536, 1)


@pytest.mark.slow  # a million allocations: ~5 s
def test_deep_tree_of_a_million_unit_blocks():
    a = BuddyAllocator(1 << 20, 1)
    for _ in range(1 << 20):
        a.allocate(1)
    assert a.stats().free == 0 and a.allocations()[-1].address == (1 << 20) - 1
    with pytest.raises(OutOfMemory):
        a.allocate(1)
    a.seek(0)
    assert a.free_blocks() == [(0, 1 << 20)]


# -------------------------------------------------------------- timeline
def test_step_back_and_forward_one_event():
    a = BuddyAllocator(1024, 64)
    a.allocate(64, "A")
    assert a.position == 5
    assert a.step_back().kind == "allocate"
    assert a.allocations() == [] and a.free_blocks()[0] == (0, 64)
    assert a.step_forward().kind == "allocate"
    assert a.step_forward() is None
    a.seek(0)
    assert a.step_back() is None and a.undo() == [] and a.free_blocks() == [(0, 1024)]


def test_new_operation_discards_the_undone_tail():
    a = BuddyAllocator(1024, 64)
    a.allocate(64, "A")
    a.allocate(64, "B")
    a.undo()
    assert len(a.events) == 6  # B's allocate is still recorded after the undo
    a.allocate(512, "C")
    assert [e.name for e in a.events] == ["A"] * 5 + ["C"]
    assert a.redo() == [] and a.operation_count() == 2


def test_recording_inside_an_operation_starts_from_that_operations_beginning():
    a = BuddyAllocator(1024, 64)
    a.allocate(64, "A")
    a.seek(2)  # two of A's four splits applied
    a.allocate(512, "B")
    assert [b.name for b in a.allocations()] == ["B"]
    assert [e.name for e in a.events] == ["B", "B"]


def test_undo_redo_from_the_middle_of_an_operation():
    a = BuddyAllocator(1024, 64)
    a.allocate(64, "A")
    a.allocate(64, "B")
    a.seek(3)
    assert [e.kind for e in a.undo()] == ["split"] * 3 and a.position == 0
    a.seek(3)
    assert [e.kind for e in a.redo()] == ["split", "allocate"] and a.position == 5


def test_seek_errors():
    a = BuddyAllocator(1024, 64)
    a.allocate(64)
    for bad in (-1, 6, 2.0, "1"):
        with pytest.raises(InvalidRequest, match="between 0 and 5"):
            a.seek(bad)
    assert a.position == 5


def test_operation_span_and_event_at():
    a = BuddyAllocator(1024, 64)
    a.allocate(64, "A")
    a.free("A")
    assert a.operation_span(0) == range(0, 5) and a.operation_span(1) == range(5, 10)
    assert a.event_at(5).kind == "free" and a.event_count() == 10
    with pytest.raises(InvalidRequest):
        a.event_at(10)
    with pytest.raises(InvalidRequest):
        a.operation_span(2)


def test_events_is_a_copy():
    a = BuddyAllocator(1024, 64)
    a.allocate(64)
    events = a.events
    events.clear()
    assert len(a.events) == 5


# ------------------------------------------------------------------ JSON
def test_json_round_trip_keeps_timeline_position_and_lifo_order():
    a = BuddyAllocator(1024, 64, "lifo")
    for name in "ABCD":
        a.allocate(100, name)
    a.free("C")
    a.free("A")
    with pytest.raises(OutOfMemory):
        a.allocate(1024)
    a.undo()
    a.step_back()
    b = BuddyAllocator.from_json(a.to_json())
    assert b.events == a.events and b.position == a.position
    assert b.free_lists() == a.free_lists() and b.allocations() == a.allocations()
    data = json.loads(a.to_json())
    assert data["schema"] == "buddy-edu-timeline" and data["version"] == 1
    b.redo()
    b.redo()
    a.redo()
    a.redo()
    assert b.blocks() == a.blocks()


@pytest.mark.parametrize(
    "edit, message",
    [(lambda d: d.update(version=99), "version 99"),
     (lambda d: d.pop("operations"), "missing the field 'operations'"),
     (lambda d: d["events"][0].update(address=64), "differ from what its operations produce"),
     (lambda d: d["operations"].append({"op": "free", "name": "nobody"}), "cannot be replayed"),
     (lambda d: d.update(position=10**6), "position must be"),
     (lambda d: d["operations"].append({"op": "steal"}), "operation 2 must be")],
)
def test_damaged_json_is_refused_with_a_reason(edit, message):
    a = BuddyAllocator(1024, 64)
    a.allocate(64, "A")
    a.allocate(64, "B")
    data = json.loads(a.to_json())
    edit(data)
    with pytest.raises(InvalidRequest, match=message):
        BuddyAllocator.from_json(json.dumps(data))


def test_not_json_at_all():
    with pytest.raises(InvalidRequest, match="invalid JSON"):
        BuddyAllocator.from_json("{nope")
    with pytest.raises(InvalidRequest, match="schema"):
        BuddyAllocator.from_json("[]")


def test_the_core_modules_import_each_other_without_a_circle():
    """Any import counts, even one inside a function: a circle means neither module can be
    read (or loaded) without the other."""
    import ast
    import pathlib

    core = pathlib.Path(__file__).parents[1] / "buddy_edu" / "core"
    imports = {}
    for path in core.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports[path.stem] = {
            (node.module or "").split(".")[0] for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1
        }

    def reaches(start, goal, seen=()):
        return any(step == goal or (step not in seen and reaches(step, goal, {*seen, step}))
                   for step in imports.get(start, ()))

    assert [name for name in imports if reaches(name, name)] == []


# ------------------------------------------------------------ operations
def failing_run() -> BuddyAllocator:
    """Named and automatic names, a failed request, frees with merges."""
    a = BuddyAllocator(1024, 64)
    a.allocate(100, "A")
    a.allocate(64)
    with pytest.raises(OutOfMemory):
        a.allocate(1024, "BIG")
    a.free("A")
    a.allocate(300)
    return a


def test_operations_list_every_call_failed_requests_included():
    a = failing_run()
    assert a.operations() == [
        Operation("allocate", "A", 100), Operation("allocate", "P2", 64),
        Operation("allocate", "BIG", 1024), Operation("free", "A"),
        Operation("allocate", "P4", 300),
    ]
    assert a.operations(2, 4) == a.operations()[2:4] and a.operations(5) == []
    a.seek(3)  # the position does not matter: the whole recorded timeline is listed
    assert len(a.operations()) == a.operation_count() == 5


@pytest.mark.parametrize("start, stop", [(-1, None), (0, 6), (3, 2), (1.0, None), (0, "2")])
def test_operations_refuse_a_range_outside_the_timeline(start, stop):
    with pytest.raises(InvalidRequest, match="0 <= start <= stop <= 5"):
        failing_run().operations(start, stop)


@pytest.mark.parametrize("total, min_block", [(1 << 20, 1), (1 << 62, 1)])
def test_operations_read_from_any_start_on_deep_and_huge_memories(total, min_block):
    """Operations of max_order + 1 events each (the most an allocation or free makes), and
    a memory so large that the timeline is kept as a list of big integers."""
    a = BuddyAllocator(total, min_block)
    for name in "ABC":
        a.allocate(1, name)
    a.free("B")
    a.free("A")
    a.free("C")  # merges all the way up
    whole = a.operations()
    assert [(o.kind, o.name) for o in whole] == [
        ("allocate", "A"), ("allocate", "B"), ("allocate", "C"),
        ("free", "B"), ("free", "A"), ("free", "C")]
    assert all(a.operations(start) == whole[start:] for start in range(len(whole) + 1))


def test_replay_records_the_same_run_again():
    a = failing_run()
    b = BuddyAllocator(1024, 64)
    b.replay(a.operations())
    assert b.events == a.events and b.position == b.event_count()
    assert b.allocate(64).name == a.allocate(64).name == "P5"  # requests counted alike


def test_replay_records_at_the_end_and_keeps_the_tail():
    a = failing_run()
    count = a.event_count()
    a.seek(2)
    a.replay([Operation("free", "P4")])
    assert a.event_count() > count and a.position == a.event_count()
    assert [block.name for block in a.allocations()] == ["P2"]


@pytest.mark.parametrize("bad, message", [
    (Operation("free", "nobody"), "operation 2 cannot be replayed: nothing is allocated"),
    (Operation("allocate", "P2", 64), "operation 2 cannot be replayed: 'P2' is already"),
    (Operation("allocate", "X", 4096), "operation 2 cannot be replayed: size must be"),
    (("alloc", 64, "X"), "operation 2 must be an Operation"),
])
def test_replay_of_a_bad_list_changes_nothing(bad, message):
    a = failing_run()
    a.seek(7)  # not at the end: the position comes back too
    before = (a.to_json(), a.blocks(), a.free_lists(), a.stats())
    good = [Operation("allocate", "X", 64), Operation("allocate", "Y", 100)]
    with pytest.raises(InvalidRequest, match=message):
        a.replay([*good, bad])
    assert (a.to_json(), a.blocks(), a.free_lists(), a.stats()) == before
    a.seek(a.event_count())
    assert a.allocate(64).name == "P5"  # the rolled-back requests are not counted


def test_operations_are_the_timeline_json_dicts():
    allocate, free = Operation("allocate", "A", 34), Operation("free", "A")
    assert allocate.to_dict() == {"op": "allocate", "name": "A", "size": 34}
    assert free.to_dict() == {"op": "free", "name": "A"}
    assert [Operation.from_dict(o.to_dict()) for o in (allocate, free)] == [allocate, free]
    assert Operation.from_dict({"op": "free", "name": "A", "size": 34}) == free
    a = failing_run()
    assert [o.to_dict() for o in a.operations()] == json.loads(a.to_json())["operations"]


@pytest.mark.parametrize("data, message", [
    ([1, 2], "must be a JSON object, got list"),
    ({"op": "steal", "name": "A"}, '"op" must be "allocate" or "free", got \'steal\''),
    ({"name": "A", "size": 3}, '"op" must be "allocate" or "free", got None'),
    ({"op": "free"}, "name must be a non-empty string such as 'A', got None"),
    ({"op": "allocate", "name": " ", "size": 3}, "name must be a non-empty string"),
    ({"op": "allocate", "name": "A"}, "size must be a positive integer, got None"),
    ({"op": "allocate", "name": "A", "size": "34K"}, "positive integer, got '34K'"),
    ({"op": "allocate", "name": "A", "size": True}, "positive integer, got True"),
    ({"op": "allocate", "name": "A", "size": 0}, "positive integer, got 0"),
])
def test_operation_from_dict_says_what_is_wrong(data, message):
    with pytest.raises(InvalidRequest, match=message):
        Operation.from_dict(data)


def test_an_operation_is_checked_when_made():
    with pytest.raises(InvalidRequest, match="kind must be 'allocate' or 'free'"):
        Operation("alloc", "A", 3)
    with pytest.raises(InvalidRequest, match="a free takes no size"):
        Operation("free", "A", 3)


# ------------------------------------------------------------------ tree
def test_text_tree_of_the_wikipedia_state():
    a = BuddyAllocator(1024 * K, 64 * K)
    run_ops(a, [op for op, _ in WIKIPEDIA[:4]])
    assert format_tree(a).splitlines() == [
        "1M [0, 1M) Split",
        "    512K [0, 512K) Split",
        "        256K [0, 256K) Split",
        "            128K [0, 128K) Split",
        "                64K [0, 64K) Allocated to A, requested 34K",
        "                64K [64K, 128K) Allocated to C, requested 35K",
        "            128K [128K, 256K) Allocated to B, requested 66K",
        "        256K [256K, 512K) Split",
        "            128K [256K, 384K) Allocated to D, requested 67K",
        "            128K [384K, 512K) Free",
        "    512K [512K, 1M) Free",
    ]


def test_importing_the_package_loads_neither_widgets_nor_graphviz():
    code = ("import sys, buddy_edu; buddy_edu.run_script('A = alloc 1K'); "
            "print(sorted(m for m in ('ipywidgets', 'graphviz', 'IPython') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_core_imports_only_the_standard_library():
    import pathlib
    import re

    core = pathlib.Path(__file__).parents[1] / "buddy_edu" / "core"
    imported = set()
    for path in core.glob("*.py"):
        for line in path.read_text().splitlines():
            match = re.match(r"\s*(?:from|import)\s+([A-Za-z_][\w]*)", line)
            if match:
                imported.add(match.group(1))
    assert imported - set(sys.stdlib_module_names) - {"__future__"} == set()


def test_recording_inside_a_free_finishes_it_as_the_picture_shows():
    a = BuddyAllocator(1024, 64)
    a.allocate(64, "A")
    a.free("A")
    a.seek(6)  # A's block is shown free, its merges not yet applied
    assert "A" not in {b.name for b in a.allocations()}
    a.allocate(64, "A")  # the name is free, as shown: the free is finished first
    assert [e.kind for e in a.events[5:10]] == ["free", "merge", "merge", "merge", "merge"]
    assert a.allocations() == [Block("A", 0, 64, 64)]


# ----------------------------------------------------------- checkpoints
def random_history(policy: str, seed: int, operations: int = 400) -> BuddyAllocator:
    """Random allocations, frees, undos and jumps back followed by new operations
    (which truncate the timeline), in a memory small enough to fail sometimes."""
    import random

    rng = random.Random(seed)
    a = BuddyAllocator(256, 1, policy)
    for _ in range(operations):
        roll = rng.random()
        if roll < 0.03:
            a.undo()
        elif roll < 0.04:
            a.seek(rng.randrange(a.event_count() // 2, a.event_count() + 1))  # then truncated
        elif roll < 0.45 and a.allocations():
            a.free(rng.choice(a.allocations()).name)
        else:
            try:
                a.allocate(int(64 ** rng.random()))
            except OutOfMemory:
                pass
    return a


def state(a: BuddyAllocator):
    return a.blocks(), a.free_lists(), a.stats()


def replayed_at_end(a: BuddyAllocator) -> BuddyAllocator:
    """A copy of ``a`` that has only recorded its operations, never jumped."""
    data = json.loads(a.to_json())
    data["position"] = len(data["events"])
    return BuddyAllocator.from_json(json.dumps(data))


def stepped_states(a: BuddyAllocator) -> list:
    """The state at every position, reached only by stepping one event at a time."""
    twin = replayed_at_end(a)
    while twin.step_back():
        pass
    states = [state(twin)]
    while twin.step_forward():
        states.append(state(twin))
    return states


def every_few_events(monkeypatch) -> None:
    """Checkpoints every 3 events, used for any jump of 2 or more."""
    from buddy_edu.core import allocator as allocator_module

    monkeypatch.setattr(allocator_module, "CHECKPOINT_EVERY", 2)
    monkeypatch.setattr(BuddyAllocator, "_checkpoint_gap", staticmethod(lambda size: 3))


@pytest.mark.parametrize("policy", ["lowest", "lifo", "leftmost"])
@pytest.mark.parametrize("seed", range(4))
def test_seeking_through_checkpoints_equals_stepping(monkeypatch, policy, seed):
    """Checkpoints every few events, kept through undo and truncation, restore exactly:
    the blocks, the free lists in the policy's order (lifo's included) and what the
    next allocation picks."""
    import random

    every_few_events(monkeypatch)
    a = random_history(policy, seed)
    assert len(a._checkpoints) > 20  # the test exercises them
    expected = stepped_states(a)
    positions = list(range(a.event_count() + 1)) * 2
    random.Random(seed).shuffle(positions)
    for position in positions:
        a.seek(position)
        assert a.position == position
        assert state(a) == expected[position], position
    # The index behind the free lists is rebuilt too: allocate after a jump.
    saved = a.to_json()
    for position in random.Random(seed).sample(range(a.event_count() + 1), 5):
        jumped = BuddyAllocator.from_json(saved)
        jumped.seek(position)
        stepped = replayed_at_end(a)
        while stepped.position > position:
            stepped.step_back()
        for size in (1, 3, 8):
            outcome = []
            for b in (jumped, stepped):
                try:
                    outcome.append(b.allocate(size, f"new{size}"))
                except OutOfMemory as error:
                    outcome.append(str(error))
            assert outcome[0] == outcome[1]
        assert state(jumped) == state(stepped)
        assert jumped.events == stepped.events


def test_checkpoints_after_a_truncation_belong_to_the_new_timeline(monkeypatch):
    every_few_events(monkeypatch)
    a = BuddyAllocator(64, 1, "lifo")
    for name in "ABCDEFGH":
        a.allocate(3, name)
    a.seek(4)
    a.allocate(20, "Z")  # truncates: B..H are gone
    for name in "IJKLMN":
        a.allocate(1, name)
    assert all(p <= a.event_count() for p in a._checkpoints)
    expected = stepped_states(a)
    for position in (a.event_count(), 0, 7, a.event_count(), 3, 12, 0):
        a.seek(position)
        assert state(a) == expected[position]


def test_truncate_drops_the_events_after_the_position_as_recording_would():
    from examples import WIKIPEDIA as SCRIPT

    from buddy_edu import run_script

    a = run_script(SCRIPT)
    assert a.truncate() == 0  # at the end: nothing after it
    a.seek(6)  # after A and B's allocation
    assert a.truncate() == 12 and a.event_count() == 6 and a.position == 6
    assert [b.name for b in a.allocations()] == ["A", "B"]
    a.seek(3)  # inside A's allocation: its splits are taken back first, as recording does
    assert a.truncate() == 6 and a.event_count() == 0 and a.position == 0
