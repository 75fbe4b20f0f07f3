"""Figures for the zero-install site (issue 12), measured on the built site served locally.

    .venv/bin/python benchmarks/lite.py [--site build/lite] [--no-build] [--clicks 20]

1. Build time from clean: ``lite/build.py build`` into an empty folder (the
   tools venv under build/lite-tools is reused when it is there; its first
   install is printed separately by the build when it happens).
2. Site size: MB on disk and as a .tgz (what a USB stick or a static host gets).
3. In headless Chromium with a fresh profile (nothing cached), on lesson 00:
   page open -> Pyodide kernel ready, then Run All -> the first Stepper tree
   drawn (importing buddy-edu's wheels, loading viz.js, the first render).
4. Click -> picture: the median (and spread) over N Forward clicks on lesson
   03's 300-operation Stepper, each a picture not drawn before, timed inside
   the page from the click until the tree's SVG has changed.

Chromium's proxy points at a local port that refuses and logs, as in
tests/test_lite.py, and the script fails if a request tried to leave; the
tests' per-request route is left off here, as it sends every request through
this Python process and would slow the page down.  Speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from _jupyter import CLICK_TO_PICTURE  # noqa: E402 - the shared helpers live beside the tests
from _lite import (  # noqa: E402
    RefusingProxy,
    SiteServer,
    build_site,
    environment_note,
    errors,
    new_offline_page,
    offline_chromium,
    open_notebook,
    run_all,
)

FIRST = "notebooks/00-start-here.ipynb"
MANY_STEPS = "notebooks/03-fragmentation.ipynb"


def size(site: Path) -> tuple[float, float, int]:
    """MB on disk, MB as .tgz, number of files."""
    files = [p for p in site.rglob("*") if p.is_file()]
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "site.tgz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(site, arcname="site")
        packed = archive.stat().st_size
    return sum(p.stat().st_size for p in files) / 1e6, packed / 1e6, len(files)


def first_picture(page, site_url: str) -> tuple[float, float]:
    """Kernel-ready and first-picture seconds for lesson 00 in a fresh profile."""
    ready = open_notebook(page, site_url, FIRST)
    started = time.monotonic()
    page.evaluate("""(path) => {
      const panel = Array.from(window.jupyterapp.shell.widgets('main'))
        .find(w => w.context && w.context.path === path);
      window.jupyterapp.shell.activateById(panel.id);
      window.jupyterapp.commands.execute('notebook:run-all-cells');
      return true; }""", FIRST)
    page.locator(".buddy-stepper-tree svg g.node").first.wait_for(timeout=180_000)
    picture = time.monotonic() - started
    cells = run_all(page, FIRST)  # let it finish: an error would make the figures moot
    if errors(cells):
        raise SystemExit(f"lesson 00 failed in the browser: {errors(cells)}")
    return ready, picture


def clicks(page, site_url: str, count: int) -> list[float]:
    """Milliseconds from each Forward click to the changed tree, on lesson 03's big Stepper."""
    open_notebook(page, site_url, MANY_STEPS)
    cells = run_all(page, MANY_STEPS)
    if errors(cells):
        raise SystemExit(f"lesson 03 failed in the browser: {errors(cells)}")
    steppers = page.locator(".buddy-stepper")
    stepper = next(steppers.nth(i) for i in range(steppers.count())
                   if steppers.nth(i).get_by_role("button", name="Check").count() == 0)
    stepper.scroll_into_view_if_needed()
    return [stepper.evaluate(CLICK_TO_PICTURE)[0] for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "build" / "lite")
    parser.add_argument("--no-build", action="store_true", help="measure an existing site")
    parser.add_argument("--clicks", type=int, default=20)
    args = parser.parse_args()
    site = args.site.resolve()
    print(f"buddy-edu lite site: {environment_note()}")
    if not args.no_build:
        seconds = build_site(site)
        print(f"build from clean:          {seconds:6.1f} s  (python3 lite/build.py build)")
    disk, packed, files = size(site)
    print(f"site size:                 {disk:6.1f} MB in {files} files, {packed:.1f} MB as .tgz")

    proxy = RefusingProxy()
    leaks: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        server = SiteServer(site, Path(folder) / "server.log")
        try:
            server.wait_ready()
            with offline_chromium(proxy) as chromium:
                page = new_offline_page(chromium, leaks, route=False)
                ready, picture = first_picture(page, server.url)
                print(f"page open -> kernel ready: {ready:6.1f} s  (lesson 00, fresh profile)")
                print(f"run all -> first picture:  {picture:6.1f} s  (imports, viz.js load, "
                      "first render)")
                page.context.close()
                page = new_offline_page(chromium, leaks, route=False)
                times = clicks(page, server.url, args.clicks)
                page.context.close()
        finally:
            server.stop()
    quartiles = statistics.quantiles(times, n=4)
    print(f"click -> picture:          {statistics.median(times):6.0f} ms median over "
          f"{len(times)} Forward clicks (quartiles {quartiles[0]:.0f}-{quartiles[2]:.0f} ms, "
          f"max {max(times):.0f} ms)")
    if leaks or proxy.site_requests():
        raise SystemExit(f"requests tried to leave the machine: {leaks + proxy.site_requests()}")
    print("requests outside 127.0.0.1: none")


if __name__ == "__main__":
    main()
