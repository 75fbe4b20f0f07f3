"""Core speed: random allocate/free traces while recording every event.

Prints, for memories of 2^10, 2^16 and 2^20 units (min block 1): operations
per second, events per second, bytes per recorded event, and the time to seek
from the end of the timeline to 0 and back.  The goal (issue 2) at 2^20 units:
>= 300,000 allocate+free operations per second on one core, cost per
operation growing at most logarithmically with memory size, < 200 bytes per
recorded event.

    .venv/bin/python benchmarks/core.py [--ops N] [--policy lowest|lifo|leftmost]
"""

from __future__ import annotations

import argparse
import gc
import random
import time
import tracemalloc

from buddy_edu import BuddyAllocator, OutOfMemory


def trace(units: int, ops: int, seed: int = 1) -> list[tuple[str, int]]:
    """A reproducible workload: mostly small requests, about as many frees as allocations."""
    rng = random.Random(seed)
    live: list[int] = []
    steps, counter = [], 0
    max_request = max(1, units // 64)
    while len(steps) < ops:
        if live and (rng.random() < 0.5 or len(live) > 256):
            steps.append(("free", live.pop(rng.randrange(len(live)))))
        else:
            counter += 1
            # log-uniform sizes: realistic mix of tiny and large requests
            size = max(1, int(max_request ** rng.random()))
            steps.append(("alloc", size))
            live.append(counter)
    return steps


def run(allocator: BuddyAllocator, steps) -> int:
    """Apply a trace; returns how many operations ran (failed allocations count too)."""
    allocate, free = allocator.allocate, allocator.free
    names: dict[int, str] = {}
    counter = 0
    for kind, value in steps:
        if kind == "alloc":
            counter += 1
            try:
                names[counter] = allocate(value).name
            except OutOfMemory:
                pass
        elif value in names:
            free(names.pop(value))
    return len(steps)


def measure(exponent: int, ops: int, policy: str) -> dict:
    units = 1 << exponent
    steps = trace(units, ops)
    best = None
    for _ in range(3):
        allocator = BuddyAllocator(units, 1, policy)
        gc.collect()
        start = time.perf_counter()
        run(allocator, steps)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    events = allocator.event_count()

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    probe = BuddyAllocator(units, 1, policy)
    run(probe, steps)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    # Subtract what the state itself holds (free lists, live blocks): replay
    # nothing and measure only the timeline's lists.
    timeline = _timeline_bytes(probe)

    start = time.perf_counter()
    allocator.seek(0)
    to_start = time.perf_counter() - start
    start = time.perf_counter()
    allocator.seek(events)
    to_end = time.perf_counter() - start
    return {
        "units": f"2^{exponent}", "ops": ops, "ops_per_s": ops / best,
        "events_per_s": events / best, "events": events,
        "bytes_per_event": timeline / events, "all_bytes_per_event": grown / events,
        "us_per_op": best / ops * 1e6, "seek0_s": to_start, "seek_end_s": to_end,
    }


def _timeline_bytes(allocator: BuddyAllocator) -> int:
    """Bytes held by the recorded history: packed events, revert data, operations."""
    import sys

    seen: set[int] = set()

    def size(obj) -> int:
        if id(obj) in seen or obj is None or isinstance(obj, bool):
            return 0
        seen.add(id(obj))
        total = sys.getsizeof(obj)
        if isinstance(obj, (list, tuple)):
            total += sum(size(item) for item in obj)
        elif hasattr(obj, "__slots__"):
            total += sum(size(getattr(obj, slot)) for slot in obj.__slots__)
        return total

    return sum(size(part) for part in (allocator._codes, allocator._aux,
                                       allocator._ops))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=300_000)
    parser.add_argument("--policy", default="lowest")
    args = parser.parse_args()
    print(f"policy {args.policy}, {args.ops:,} operations per trace, best of 3 runs")
    header = (f"{'memory':>7} {'ops/s':>10} {'us/op':>7} {'events/s':>10} "
              f"{'B/event':>8} {'B/event*':>9} {'seek->0':>8} {'seek->end':>9}")
    print(header)
    rows = [measure(exp, args.ops, args.policy) for exp in (10, 16, 20)]
    for r in rows:
        print(f"{r['units']:>7} {r['ops_per_s']:>10,.0f} {r['us_per_op']:>7.2f} "
              f"{r['events_per_s']:>10,.0f} {r['bytes_per_event']:>8.0f} "
              f"{r['all_bytes_per_event']:>9.0f} {r['seek0_s']:>7.2f}s {r['seek_end_s']:>8.2f}s")
    print("B/event: the timeline (events, revert data, operations, blocks they name);")
    print("B/event*: everything the run allocated (tracemalloc), state included.")
    big, small = rows[-1], rows[0]
    print(f"goal >= 300,000 ops/s at 2^20: {big['ops_per_s'] / 300_000:.2f}x of goal")
    print(f"cost growth 2^10 -> 2^20 (10 doublings): {big['us_per_op'] / small['us_per_op']:.2f}x "
          f"per operation")
    print(f"goal < 200 B/event: {big['bytes_per_event']:.0f} B")


if __name__ == "__main__":
    main()
