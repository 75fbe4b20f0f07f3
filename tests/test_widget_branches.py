"""Live operations' branches (discard, Undo, Reset) on a plain allocator, with no widget."""

from __future__ import annotations

import ast
import pathlib

import pytest

from buddy_edu import BuddyAllocator, InvalidRequest, OutOfMemory
from buddy_edu.widget.branches import LiveBranches


def scenario() -> BuddyAllocator:
    """Operations 0 to 6: A, B, C allocated (with splits), B and A freed, C freed with
    merges all the way up, E allocated."""
    a = BuddyAllocator(1024, 64)
    a.allocate(100, "A")
    a.allocate(200, "B")
    a.allocate(64, "C")
    a.free("B")
    a.free("A")
    a.free("C")
    a.allocate(64, "E")
    return a


def timeline(a: BuddyAllocator) -> tuple:
    return a.events, a.event_count(), [o.to_dict() for o in a.operations()]


def test_the_module_needs_only_the_core():
    source = pathlib.Path(__file__).parents[1] / "buddy_edu" / "widget" / "branches.py"
    imported = {node.module for node in ast.walk(ast.parse(source.read_text()))
                if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__", "collections.abc", "dataclasses", "typing", "core"}


def test_an_operation_at_the_end_discards_nothing():
    a = scenario()
    branches = LiveBranches(a)
    block = branches.record(a.event_count(), lambda: a.allocate(64, "D"))
    assert block.name == "D" and a.position == a.event_count()
    assert branches.discarded == 0 and branches.undo() is None


def test_undo_puts_back_exactly_what_a_live_operation_discarded():
    a = scenario()
    original = timeline(a)
    shown = a.operation_span(1).stop  # after A and B's allocations
    branches = LiveBranches(a)
    branches.record(shown, lambda: a.allocate(512, "BIG"), lambda op: f"answers {op}")
    assert branches.discarded == original[1] - shown
    assert [o.name for o in a.operations()] == ["A", "B", "BIG"]
    branch = branches.undo()
    assert branch.position == shown and branch.kept == "answers 2"
    assert timeline(a) == original
    assert branches.discarded == 0 and branches.undo() is None  # once only


def test_a_live_operation_inside_an_allocation_replaces_that_allocation():
    a = scenario()
    original = timeline(a)
    replaced = a.operation_span(2)  # C's split and allocation
    branches = LiveBranches(a)
    branches.record(replaced.start + 1, lambda: a.allocate(64, "D"))
    assert [o.name for o in a.operations()] == ["A", "B", "D"]
    assert branches.discarded == original[1] - replaced.start
    branches.undo()
    assert timeline(a) == original


def test_a_live_operation_inside_a_free_keeps_that_free():
    a = scenario()
    original = timeline(a)
    span = a.operation_span(5)  # free C: its merges
    branches = LiveBranches(a)
    branches.record(span.start + 1, lambda: a.allocate(64, "D"))
    assert [o.name for o in a.operations()] == ["A", "B", "C", "B", "A", "C", "D"]
    assert branches.discarded == original[1] - span.stop
    branches.undo()
    assert timeline(a) == original


def test_a_request_that_does_not_fit_is_recorded_and_can_be_undone():
    a = scenario()
    original = timeline(a)
    calls = []
    branches = LiveBranches(a)
    with pytest.raises(OutOfMemory):
        branches.record(a.operation_span(1).stop, lambda: a.allocate(1024, "HUGE"),
                        calls.append)
    assert calls == [2] and a.event_at(a.position - 1).kind == "fail"
    assert branches.discarded == original[1] - a.operation_span(2).start
    branches.undo()
    assert timeline(a) == original


def test_a_failed_request_in_the_discarded_branch_fails_again_when_put_back():
    a = scenario()
    with pytest.raises(OutOfMemory):
        a.allocate(1024, "HUGE")
    original = timeline(a)
    branches = LiveBranches(a)
    branches.record(0, lambda: a.allocate(64, "D"))
    branches.undo()
    assert timeline(a) == original and a.events[-1].kind == "fail"


def test_an_invalid_operation_changes_nothing_and_keeps_the_last_branch():
    a = scenario()
    branches = LiveBranches(a)
    branches.record(a.operation_span(2).start, lambda: a.allocate(64, "D"))
    before, kept = timeline(a), branches.discarded
    with pytest.raises(InvalidRequest):
        branches.record(a.event_count(), lambda: a.free("nobody"))
    assert timeline(a) == before and branches.discarded == kept


def test_reset_returns_to_the_scenario_after_live_operations_replaced_it():
    a = scenario()
    original = timeline(a)
    branches = LiveBranches(a)
    branches.record(a.operation_span(1).stop, lambda: a.allocate(64, "D"))
    branches.record(a.event_count(), lambda: a.free("A"))
    branches.reset()
    assert timeline(a) == original and branches.discarded == 0


def test_reset_drops_operations_added_after_the_scenario():
    a = scenario()
    original = timeline(a)
    branches = LiveBranches(a)
    branches.record(a.event_count(), lambda: a.allocate(64, "D"))
    branches.record(a.event_count(), lambda: a.free("E"))
    branches.reset()
    assert timeline(a) == original


def test_reset_of_an_empty_scenario_leaves_an_empty_timeline():
    a = BuddyAllocator(1024, 64)
    branches = LiveBranches(a)
    branches.record(0, lambda: a.allocate(64, "A"))
    branches.reset()
    assert a.event_count() == 0 and a.position == 0
