"""Core speed: random allocate/free traces while recording every event.

Three tables, each with its goal beside it:

1. Throughput, for memories of 2^10, 2^16 and 2^20 units (min block 1):
   operations and events per second, bytes per recorded event, and the time
   to seek from the end of the timeline to 0 and back.  Goal (issue 2) at
   2^20 units: >= 300,000 operations per second, cost per operation growing
   at most logarithmically with memory size, < 200 bytes per recorded event.
2. Random seeks on timelines of 10^4, 10^5 and 10^6 events at 2^20 units:
   median and p99 of ``seek(n)`` to random positions, and bytes per event,
   checkpoints included.  Goal (issue 13): <= 20 ms, < 200 bytes per event.
3. Overhead against a tight allocator without history (benchmarks/yardstick.py),
   side by side in one process on the same 60,000-operation traces at 2^20
   units, for each policy.  Goal (issue 13): at most 4 times its time.

    .venv/bin/python benchmarks/core.py [--ops N] [--policy lowest|lifo|leftmost]
                                        [--only throughput|seek|overhead]
"""

from __future__ import annotations

import argparse
import gc
import random
import time
import tracemalloc

from yardstick import Yardstick

from buddy_edu import BuddyAllocator, OutOfMemory


def trace(units: int, ops: int, seed: int = 1,
          max_request: int | None = None) -> list[tuple[str, int]]:
    """A reproducible workload: mostly small requests, about as many frees as allocations.

    Requests are log-uniform up to ``max_request`` (default ``units // 64``,
    which never fails at 2^20; ``units`` makes about one request in six fail).
    """
    rng = random.Random(seed)
    live: list[int] = []
    steps, counter = [], 0
    max_request = max(1, max_request or units // 64)
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

    return sum(size(part) for part in (allocator._codes, allocator._aux, allocator._ops,
                                       allocator._checkpoints, allocator._snapshots))


GOAL_SEEK_MS, GOAL_BYTES, GOAL_RATIO = 20.0, 200, 4.0


def timeline_of(events: int, policy: str, units: int = 1 << 20) -> BuddyAllocator:
    """An allocator whose timeline has (just over) ``events`` events, from the trace."""
    allocator = BuddyAllocator(units, 1, policy)
    steps = trace(units, events)  # fewer events than operations never happens
    names: dict[int, str] = {}
    counter = 0
    for kind, value in steps:
        if allocator.event_count() >= events:
            break
        if kind == "alloc":
            counter += 1
            try:
                names[counter] = allocator.allocate(value).name
            except OutOfMemory:
                pass
        elif value in names:
            allocator.free(names.pop(value))
    return allocator


def measure_seeks(events: int, policy: str, seeks: int = 1000) -> dict:
    """Median and p99 of seek() to random positions; bytes per event, checkpoints included."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    allocator = timeline_of(events, policy)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    count = allocator.event_count()
    rng = random.Random(events)
    times = []
    for _ in range(seeks):
        position = rng.randrange(count + 1)
        start = time.perf_counter()
        allocator.seek(position)
        times.append(time.perf_counter() - start)
    times.sort()
    return {
        "events": count, "median_ms": times[len(times) // 2] * 1000,
        "p99_ms": times[int(len(times) * 0.99)] * 1000, "max_ms": times[-1] * 1000,
        "bytes_per_event": _timeline_bytes(allocator) / count,
        "all_bytes_per_event": grown / count, "checkpoints": len(allocator._checkpoints),
    }


def run_yardstick(yardstick: Yardstick, steps) -> list[int | None]:
    """The trace on the yardstick, as :func:`run` does it; returns where each request went."""
    allocate, free = yardstick.allocate, yardstick.free
    addresses: dict[int, int] = {}
    placed = []
    counter = 0
    for kind, value in steps:
        if kind == "alloc":
            counter += 1
            address = allocate(value)
            placed.append(address)
            if address is not None:
                addresses[counter] = address
        elif value in addresses:
            free(addresses.pop(value))
    return placed


def placements(policy: str, units: int, steps) -> list[int | None]:
    """Where BuddyAllocator puts each request of the trace (None: it failed)."""
    allocator = BuddyAllocator(units, 1, policy)
    run(allocator, steps)
    return [event.address for event in allocator.events if event.kind in ("allocate", "fail")]


def measure_overhead(policy: str, steps, units: int = 1 << 20, repeats: int = 9) -> dict:
    """Best-of-``repeats`` time of both allocators on ``steps``, alternating runs.

    CPU time of this process (``time.process_time``), not wall time: on the
    shared 2-core machines other jobs otherwise decide the ratio.
    """
    if placements(policy, units, steps) != run_yardstick(Yardstick(units, policy), steps):
        raise SystemExit(f"the yardstick does not place blocks as {policy!r} does")
    ours = theirs = float("inf")
    for _ in range(repeats):
        allocator = BuddyAllocator(units, 1, policy)
        gc.collect()
        start = time.process_time()
        run(allocator, steps)
        ours = min(ours, time.process_time() - start)
        yardstick = Yardstick(units, policy)
        gc.collect()
        start = time.process_time()
        run_yardstick(yardstick, steps)
        theirs = min(theirs, time.process_time() - start)
    fails = sum(event.kind == "fail" for event in allocator.events)
    requests = sum(kind == "alloc" for kind, _ in steps)
    return {"ours": len(steps) / ours, "theirs": len(steps) / theirs, "ratio": ours / theirs,
            "failed": fails / requests}


def report_seeks(policy: str) -> None:
    """Table 2: random seeks on 10^4, 10^5 and 10^6 events."""
    print(f"\nrandom seeks, policy {policy}, 2^20 units, 1,000 seeks to random positions")
    print(f"{'events':>10} {'median':>9} {'p99':>9} {'max':>9} {'B/event':>8} "
          f"{'B/event*':>9} {'checkpoints':>12}")
    for exponent in (4, 5, 6):
        r = measure_seeks(10 ** exponent, policy)
        print(f"{r['events']:>10,} {r['median_ms']:>7.2f}ms {r['p99_ms']:>7.2f}ms "
              f"{r['max_ms']:>7.2f}ms {r['bytes_per_event']:>8.0f} "
              f"{r['all_bytes_per_event']:>9.0f} {r['checkpoints']:>12,}")
    print(f"goal: seek <= {GOAL_SEEK_MS:g} ms at 10^6 events: p99 {r['p99_ms']:.2f} ms = "
          f"{r['p99_ms'] / GOAL_SEEK_MS:.2f}x of goal; < {GOAL_BYTES} B/event: "
          f"{r['bytes_per_event']:.0f} B (timeline and checkpoints), "
          f"{r['all_bytes_per_event']:.0f} B (everything, state included)")


def report_overhead(ops: int = 60_000, units: int = 1 << 20) -> None:
    """Table 3: ours against the yardstick, on a trace that never fails and one that often does."""
    print(f"\noverhead against the history-free yardstick, {ops:,} operations at 2^20 units, "
          "best of 9 (CPU time), same process")
    print(f"{'trace':>8} {'policy':>9} {'failed':>7} {'ours ops/s':>11} {'yardstick':>11} "
          f"{'ratio':>6}  goal")
    for label, max_request in (("mixed", None), ("failing", units)):
        steps = trace(units, ops, max_request=max_request)
        for policy in ("lowest", "lifo", "leftmost"):
            r = measure_overhead(policy, steps, units)
            print(f"{label:>8} {policy:>9} {r['failed']:>6.0%} {r['ours']:>11,.0f} "
                  f"{r['theirs']:>11,.0f} {r['ratio']:>5.2f}x  <= {GOAL_RATIO:g}x "
                  f"({r['ratio'] / GOAL_RATIO:.2f} of goal)")


def report_throughput(ops: int, policy: str) -> None:
    """Table 1: operations per second and bytes per event at three memory sizes."""
    print(f"policy {policy}, {ops:,} operations per trace, best of 3 runs")
    header = (f"{'memory':>7} {'ops/s':>10} {'us/op':>7} {'events/s':>10} "
              f"{'B/event':>8} {'B/event*':>9} {'seek->0':>8} {'seek->end':>9}")
    print(header)
    rows = [measure(exp, ops, policy) for exp in (10, 16, 20)]
    for r in rows:
        print(f"{r['units']:>7} {r['ops_per_s']:>10,.0f} {r['us_per_op']:>7.2f} "
              f"{r['events_per_s']:>10,.0f} {r['bytes_per_event']:>8.0f} "
              f"{r['all_bytes_per_event']:>9.0f} {r['seek0_s']:>7.2f}s {r['seek_end_s']:>8.2f}s")
    print("B/event: the timeline (events, revert data, operations, blocks they name, "
          "checkpoints);")
    print("B/event*: everything the run allocated (tracemalloc), state included.")
    big, small = rows[-1], rows[0]
    print(f"goal >= 300,000 ops/s at 2^20: {big['ops_per_s'] / 300_000:.2f}x of goal")
    print(f"cost growth 2^10 -> 2^20 (10 doublings): {big['us_per_op'] / small['us_per_op']:.2f}x "
          f"per operation")
    print(f"goal < 200 B/event: {big['bytes_per_event']:.0f} B")



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=300_000)
    parser.add_argument("--policy", default="lowest")
    parser.add_argument("--only", choices=("throughput", "seek", "overhead"))
    args = parser.parse_args()
    if args.only in (None, "throughput"):
        report_throughput(args.ops, args.policy)
    if args.only in (None, "seek"):
        report_seeks(args.policy)
    if args.only in (None, "overhead"):
        report_overhead()


if __name__ == "__main__":
    main()
