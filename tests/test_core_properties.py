"""Hypothesis stateful tests: random allocate/free/step/undo/redo/seek against invariants.

A tiny reference allocator (a sorted list of leaves, rebuilt from scratch,
slow and obviously right) checks that every operation lands where the
design note's placement rules say, for ``lowest`` and ``leftmost``; ``lifo``
is checked against the free-list order it promises.
"""

from __future__ import annotations

import json

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from buddy_edu import BuddyAllocator, InvalidRequest, Operation, OutOfMemory

TOTAL, MIN = 1024, 16


def reference_place(leaves, size, policy):
    """Where a request should land, by the design note's words: (address, block size) or None."""
    need = MIN
    while need < size:
        need *= 2
    free = [(addr, blk) for addr, blk, name in leaves if name is None and blk >= need]
    if not free:
        return None
    if policy == "leftmost":
        return min(free)[0], need
    smallest = min(blk for _, blk in free)
    return min(addr for addr, blk in free if blk == smallest), need


class Timeline(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.policy = None
        self.seen: dict[int, tuple] = {}  # position -> state first seen there

    @precondition(lambda self: self.policy is None)
    @rule(policy=st.sampled_from(["lowest", "lifo", "leftmost"]))
    def start(self, policy):
        self.policy = policy
        self.a = BuddyAllocator(TOTAL, MIN, policy)
        self.remember()

    def state(self):
        return (self.a.blocks(), self.a.free_lists(), self.a.stats())

    def remember(self):
        self.seen[self.a.position] = self.state()

    def forget_after(self, position):
        """A new operation recorded from ``position`` replaces what came after it."""
        self.seen = {p: s for p, s in self.seen.items() if p <= position}

    def to_boundary(self) -> None:
        """Where the allocator records a new operation from the middle of one."""
        a = self.a
        if not self.at_boundary():
            span = a.operation_span(a.event_at(a.position).op)
            a.seek(span.stop if a.event_at(span.start).kind == "free" else span.start)

    def at_boundary(self) -> bool:
        a = self.a
        return a.position in (0, a.event_count()) or (
            a.event_at(a.position - 1).op != a.event_at(a.position).op)

    @precondition(lambda self: self.policy is not None)
    @rule(size=st.integers(1, TOTAL), name=st.sampled_from([None, "A", "B", "C", "D", "E"]))
    def allocate(self, size, name):
        a = self.a
        before = (self.state(), a.events, a.position)
        self.to_boundary()
        duplicate = name is not None and name in {b.name for b in a.allocations()}
        a.seek(before[2])
        if duplicate:
            try:
                a.allocate(size, name)
            except InvalidRequest:
                assert (self.state(), a.events, a.position) == before
                return
            raise AssertionError("a duplicate name was accepted")
        self.to_boundary()
        start = a.position
        leaves = [(b.address, b.size, b.name) for b in a.blocks()]
        expected = reference_place(leaves, size, self.policy)
        try:
            block = a.allocate(size, name)
        except OutOfMemory:
            assert expected is None
            assert a.event_at(a.position - 1).kind == "fail"
        else:
            assert expected is not None
            if self.policy != "lifo":
                assert (block.address, block.size) == expected
            assert block.size == expected[1] and block.requested == size
        self.forget_after(start)
        self.remember()

    @precondition(lambda self: self.policy is not None and self.a.allocations())
    @rule(data=st.data())
    def free(self, data):
        a = self.a
        name = data.draw(st.sampled_from(sorted(b.name for b in a.allocations())))
        self.to_boundary()
        if name not in {b.name for b in a.allocations()}:
            return  # it belonged to an allocation the boundary move undid
        self.forget_after(a.position)
        a.free(name)
        self.remember()

    @precondition(lambda self: self.policy is not None)
    @rule()
    def free_unknown(self):
        a = self.a
        before = (self.state(), a.events, a.position)
        try:
            a.free("nobody")
        except InvalidRequest:
            pass
        assert (self.state(), a.events, a.position) == before

    @precondition(lambda self: self.policy is not None)
    @rule(data=st.data())
    def replay_a_bad_list(self, data):
        """A list that goes wrong part way, after operations that would succeed."""
        a = self.a
        operations = a.operations()
        good = operations[: data.draw(st.integers(0, len(operations)))]
        before = (self.state(), a.events, a.position, a.to_json())
        try:
            a.replay([*good, Operation("free", "nobody")])
        except InvalidRequest:
            pass
        else:
            raise AssertionError("a free of a name never allocated was replayed")
        assert (self.state(), a.events, a.position, a.to_json()) == before

    @precondition(lambda self: self.policy is not None)
    @rule(move=st.sampled_from(["back", "forward", "undo", "redo"]))
    def move(self, move):
        {"back": self.a.step_back, "forward": self.a.step_forward,
         "undo": self.a.undo, "redo": self.a.redo}[move]()
        self.check_seen()

    @precondition(lambda self: self.policy is not None)
    @rule(data=st.data())
    def seek(self, data):
        self.a.seek(data.draw(st.integers(0, self.a.event_count())))
        self.check_seen()

    def check_seen(self):
        position = self.a.position
        if position in self.seen:
            assert self.state() == self.seen[position], "coming back changed the state"
        else:
            self.seen[position] = self.state()

    @invariant()
    def blocks_tile_memory(self):
        if self.policy is None:
            return
        address = 0
        for block in self.a.blocks():
            assert block.address == address, "gap or overlap"
            assert block.address % block.size == 0, "misaligned block"
            assert block.size >= MIN and block.size & (block.size - 1) == 0
            address += block.size
        assert address == TOTAL

    @invariant()
    def free_buddies_are_merged_between_operations(self):
        if self.policy is None or not self.at_boundary():
            return
        free = set(self.a.free_blocks())
        for address, size in free:
            if size < TOTAL:
                assert (address ^ size, size) not in free, "two free buddies left unmerged"

    @invariant()
    def only_buddies_merge(self):
        if self.policy is None or not self.a.position:
            return
        event = self.a.event_at(self.a.position - 1)
        if event.kind == "merge":
            half = event.size // 2
            assert event.address % event.size == 0
            assert event.address ^ half == event.address + half

    @invariant()
    def lifo_lists_put_the_newest_first(self):
        if self.policy != "lifo" or not self.a.position:
            return
        event = self.a.event_at(self.a.position - 1)
        if event.kind in ("free", "merge"):
            assert self.a.free_lists()[event.size][0] == event.address

    @invariant()
    def replaying_the_operations_gives_the_same_events(self):
        if self.policy is None:
            return
        operations = self.a.operations()
        fresh = BuddyAllocator(TOTAL, MIN, self.policy)
        fresh.replay(operations)
        assert fresh.events == self.a.events
        assert fresh.operations() == operations
        middle = len(operations) // 2
        assert self.a.operations(middle) == operations[middle:]

    @invariant()
    def json_round_trip_is_identity(self):
        if self.policy is None:
            return
        b = BuddyAllocator.from_json(self.a.to_json())
        assert b.position == self.a.position and b.events == self.a.events
        assert (b.blocks(), b.free_lists()) == (self.a.blocks(), self.a.free_lists())
        assert json.loads(b.to_json()) == json.loads(self.a.to_json())


Timeline.TestCase.settings = settings(
    max_examples=200, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestTimeline = Timeline.TestCase
