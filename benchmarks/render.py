"""Per-step latency of the tree picture: move one event, then get its SVG.

A seeded trace of 100 random allocate/free operations in 1M of memory with a
1K minimum block is stepped through from the first event to the last with an
empty SVG cache (cold: every picture is new), then back again (cached: every
picture was seen).  Both renderers are measured when available: the system
Graphviz ``dot`` and Graphviz compiled to WebAssembly.

Goal (issue 3): median under 25 ms cold and under 1 ms cached.

First, the first picture of a fresh process with the WebAssembly renderer
(import buddy_edu, draw one tree), run in a subprocess with an empty module
cache (cold: wasmtime compiles graphviz.wasm) and again with the cache the
first run wrote (warm).  Goal (issue 13): warm at most 0.3 s.

Last, what a student feels: in JupyterLab in headless Chromium, a Stepper over
the same trace, Forward clicked 50 times; each click is timed in the page from
the click to the new tree on screen.  Goal (issue 10): median at most 60 ms.
Skipped (with the reason) where Chromium or playwright is missing.

    .venv/bin/python benchmarks/render.py [--seed N] [--operations N] [--max-kib N]
                                          [--clicks N]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

from buddy_edu import BuddyAllocator, OutOfMemory, format_size
from buddy_edu.core.tree import tree_nodes
from buddy_edu.render import ENV_VAR, RenderError, backend, cache_info, clear_cache, to_svg

GOAL_COLD_MS, GOAL_CACHED_MS = 25.0, 1.0
GOAL_FIRST_WARM_S = 0.3
GOAL_CLICK_MS = 60.0

FIRST_PICTURE = """
import time
start = time.perf_counter()
from buddy_edu import BuddyAllocator
from buddy_edu.render import to_svg
allocator = BuddyAllocator(1024 * 1024, 1024)
allocator.allocate(300 * 1024, "A")
assert "<svg" in to_svg(allocator)
print(time.perf_counter() - start)
"""


def first_picture(cache_home: str) -> tuple[float, float]:
    """Seconds to the first picture in a fresh process: (import + draw, whole process)."""
    env = dict(os.environ, XDG_CACHE_HOME=cache_home)
    env[ENV_VAR] = "wasm"
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", FIRST_PICTURE], env=env, check=True,
                          capture_output=True, text=True)
    return float(done.stdout), time.perf_counter() - start


def report_first_picture(runs: int) -> None:
    """Cold (empty module cache) then warm, each in a fresh process; best of ``runs``."""
    cold, warm = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache_home:
            cold.append(first_picture(cache_home))
            warm.append(first_picture(cache_home))
    print(f"first picture, wasm backend, fresh process, best of {runs} "
          "(import buddy_edu + draw; whole process incl. Python start in brackets)")
    for label, samples in (("cold (empty cache)", cold), ("warm (cached module)", warm)):
        inner, whole = min(s[0] for s in samples), min(s[1] for s in samples)
        goal = (f"   goal <= {GOAL_FIRST_WARM_S} s: {inner / GOAL_FIRST_WARM_S:.2f}x of goal"
                if label.startswith("warm") else "")
        print(f"  {label:<21} {inner:6.3f} s  ({whole:.3f} s){goal}")


def report_browser_clicks(allocator: BuddyAllocator, clicks: int) -> None:
    """Median and p95 click-to-picture time of the Stepper in JupyterLab (Chromium)."""
    tests = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "tests")
    sys.path.insert(0, os.path.abspath(tests))
    from _jupyter import (
        CHROMIUM,
        CHROMIUM_ARGS,
        CLICK_TO_PICTURE,
        LabServer,
        browser_problem,
        open_and_run,
        write_notebook,
    )

    problem = browser_problem()
    if problem:
        print(f"browser clicks: skipped ({problem})")
        return
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        root, home = Path(folder, "root"), Path(folder, "home")
        root.mkdir()
        write_notebook(root / "clicks.ipynb", [
            "from buddy_edu import BuddyAllocator, Stepper\n"
            f"Stepper(BuddyAllocator.from_json({allocator.to_json()!r}))",
        ])
        server = LabServer(root, home)
        try:
            server.wait_ready()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                     args=CHROMIUM_ARGS)
                tab = browser.new_page(viewport={"width": 1366, "height": 768})
                tab.set_default_timeout(120_000)
                open_and_run(tab, server, "clicks.ipynb")
                stepper = tab.locator(".buddy-stepper")
                stepper.locator(".buddy-stepper-tree svg").wait_for()
                handle = stepper.element_handle()
                for _ in range(3):  # warm up: the first pictures also load fonts
                    tab.evaluate(CLICK_TO_PICTURE, handle)
                timings = [tab.evaluate(CLICK_TO_PICTURE, handle) for _ in range(clicks)]
                browser.close()
        finally:
            server.stop()
    print(f"browser, JupyterLab in Chromium at 1366x768: {clicks} Forward clicks on a "
          f"{allocator.event_count()}-event Stepper")
    for index, what in ((0, "click to picture in the page"), (1, "click to picture drawn")):
        times = [timing[index] / 1000 for timing in timings]
        median, p95 = summary(times)
        print(f"  {what:28} median {median:6.1f} ms  p95 {p95:6.1f} ms  "
              f"worst {max(times) * 1000:6.1f} ms  median/goal {median / GOAL_CLICK_MS:5.2f} "
              f"(goal <= {GOAL_CLICK_MS:g} ms)")


def trace(seed: int, operations: int, max_kib: int = 64) -> BuddyAllocator:
    """Random operations: allocate 1K..max_kib K (log-uniform) or free a random live block."""
    rng = random.Random(seed)
    allocator = BuddyAllocator(1024 * 1024, 1024)
    live: list[str] = []
    for number in range(operations):
        if live and rng.random() < 0.4:
            allocator.free(live.pop(rng.randrange(len(live))))
            continue
        name = f"P{number}"
        try:
            allocator.allocate(int(1024 * max_kib ** rng.uniform(0, 1)), name)
            live.append(name)
        except OutOfMemory:
            pass
    allocator.seek(0)
    return allocator


def summary(samples: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def measure(allocator: BuddyAllocator) -> tuple[list[float], list[float]]:
    """Step forward through the whole timeline cold, then back through it cached."""
    clear_cache()
    allocator.seek(0)
    cold, cached = [], []
    clock = time.perf_counter
    for _ in range(allocator.event_count()):
        start = clock()
        allocator.step_forward()
        to_svg(allocator)
        cold.append(clock() - start)
    for _ in range(allocator.event_count()):
        start = clock()
        allocator.step_back()
        to_svg(allocator)
        cached.append(clock() - start)
    return cold, cached


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--operations", type=int, default=100)
    parser.add_argument("--max-kib", type=int, default=64,
                        help="largest request in K (smaller requests give deeper trees)")
    parser.add_argument("--first-runs", type=int, default=3,
                        help="fresh processes per first-picture figure (best is printed)")
    parser.add_argument("--clicks", type=int, default=50,
                        help="Forward clicks timed in the browser (0 skips the browser)")
    args = parser.parse_args()
    try:
        report_first_picture(args.first_runs)
    except (subprocess.CalledProcessError, ValueError) as error:
        print(f"first picture: the wasm renderer did not draw ({error})")
    print()
    allocator = trace(args.seed, args.operations, args.max_kib)
    sizes = []
    for position in range(allocator.event_count() + 1):
        allocator.seek(position)
        sizes.append(len(tree_nodes(allocator)))
    allocator.seek(0)
    print(f"trace: seed {args.seed}, {allocator.operation_count()} operations, "
          f"{allocator.event_count()} events in {format_size(allocator.total)} with "
          f"{format_size(allocator.min_block)} blocks; tree nodes per picture: "
          f"median {statistics.median(sizes):.0f}, max {max(sizes)}")
    saved = os.environ.get(ENV_VAR)
    try:
        for name in ("dot", "wasm"):
            os.environ[ENV_VAR] = name
            backend.cache_clear()
            try:
                start = time.perf_counter()
                backend()
                to_svg(allocator)  # first render: starts dot / compiles the WebAssembly module
                first = (time.perf_counter() - start) * 1000
            except RenderError as error:
                print(f"\n{name}: not available ({error})")
                continue
            cold, cached = measure(allocator)
            info = cache_info()
            cold_median, cold_p95 = summary(cold)
            cached_median, cached_p95 = summary(cached)
            print(f"\n{name} backend (first render incl. start-up {first:.0f} ms; "
                  f"{info.misses} renders, {info.hits} cache hits)")
            print(f"  cold   median {cold_median:7.2f} ms  p95 {cold_p95:7.2f} ms  "
                  f"median/goal {cold_median / GOAL_COLD_MS:5.2f} (goal < {GOAL_COLD_MS:g} ms)")
            print(f"  cached median {cached_median:7.3f} ms  p95 {cached_p95:7.3f} ms  "
                  f"median/goal {cached_median / GOAL_CACHED_MS:5.2f} "
                  f"(goal < {GOAL_CACHED_MS:g} ms)")
    finally:
        if saved is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = saved
        backend.cache_clear()
    if args.clicks:
        print()
        allocator.seek(0)
        report_browser_clicks(allocator, args.clicks)


if __name__ == "__main__":
    main()
