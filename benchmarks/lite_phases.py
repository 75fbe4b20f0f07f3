"""Where a visit to the zero-install site spends its time before the kernel is ready (issue 20).

    .venv/bin/python benchmarks/lite_phases.py [--site build/lite] [--visits 4] [--drive]
                                               [--against OTHER_SITE]

benchmarks/lite.py gives the totals; this splits them, in Chromium, on lesson
00, for a first visit and then later visits in the same profile (cache warm):

* page side: JupyterLab's app object exists, its layout is restored, the
  notebook is on screen (read from the page);
* kernel side, inside the Pyodide kernel's worker: the worker starts; Pyodide
  is up with the packages zip on ``sys.path`` (lite/packages.py) and the
  kernel imported: restored from the snapshot the browser keeps on a later
  visit, started and imported (and the snapshot taken) on a first one
  (lite/worker.py); the package manager's settings are made; the kernel's
  import statement has run (IPython, ipykernel's shim: already in memory);
* the kernel reported idle, as the tests and benchmarks/lite.py wait for it;
* with ``--drive``: how many synchronous requests the worker made to the page
  for the browser's files (``/drive``) before the kernel was ready, and their
  time (lite/worker.py keeps the kernel's own imports off ``/drive``);
* with ``--against OTHER_SITE``: the same visits, in turns, to another built
  site (an earlier build, say, kept with ``cp -r build/lite``), in a profile of
  its own, and the ratio of the later visits' medians: a change's gain,
  measured side by side on a noisy machine.

The worker's phases are read by instrumenting a *copy* of the site: the
kernel worker's start-up sequence (JupyterLite's ``initialize``) gets a
timestamp after each step, sent on a BroadcastChannel that the page records.
The copy is deleted afterwards; the built site is not touched.  If JupyterLite's
worker no longer has that sequence the script stops and says so.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "lite"))

from _jupyter import CHROMIUM, CHROMIUM_ARGS, browser_problem  # noqa: E402
from _lite import KERNEL_READY, SiteServer  # noqa: E402
from worker import STATIC, WORKER  # noqa: E402 - lite/worker.py: the worker it rewrites

FIRST = "notebooks/00-start-here.ipynb"
STEPS = ("initRuntime", "initFilesystem", "initPackageManager", "initKernel", "initGlobals")
NAMES = {"start": "worker starts", "initRuntime": "Pyodide, zip, kernel",
         "initPackageManager": "package manager", "initKernel": "kernel imports"}
RECORD = ("window.__phases = [];"
          "new BroadcastChannel('buddy-edu-phases').onmessage = e => window.__phases.push("
          "[e.data[0], e.data[0] === 'drive' ? e.data[1] : e.data[1] - performance.timeOrigin]);")


def instrument(site: Path) -> None:
    """Time-stamp each step of the kernel worker's start in ``site`` (a copy)."""
    def stamp(name: str) -> str:
        return f'new BroadcastChannel("buddy-edu-phases").postMessage(["{name}",Date.now()])'

    sequence = ",".join(f"await this.{step}(e)" for step in STEPS)
    timed = ",".join([stamp("start")] + [f"await this.{step}(e),{stamp(step)}" for step in STEPS])
    workers = list((site / STATIC).glob(WORKER))
    texts = [path.read_text(encoding="utf-8") for path in workers]
    if len(workers) != 1 or texts[0].count(sequence) != 1:
        raise SystemExit(f"{site / STATIC}: no single comlink worker with JupyterLite 0.8's "
                         f"start-up sequence {sequence[:60]}...: update lite_phases.py")
    workers[0].write_text(texts[0].replace(sequence, timed), encoding="utf-8")


# The DriveFS request of JupyterLite 0.8's worker: one synchronous XMLHttpRequest per call.
DRIVE_REQUEST = 'request(e){let t=new XMLHttpRequest;t.open("POST",encodeURI(this.endpoint),!1);'
COUNTED = ('request(e){const t0=performance.now();try{return this.uncounted(e)}finally{'
           'self.drive=self.drive||[0,0];self.drive[0]++;self.drive[1]+=performance.now()-t0;'
           'new BroadcastChannel("buddy-edu-phases").postMessage(["drive",self.drive])}}'
           'uncounted(e){let t=new XMLHttpRequest;t.open("POST",encodeURI(this.endpoint),!1);')


def count_drive_requests(site: Path) -> None:
    """Make the worker of ``site`` (a copy) report its /drive requests."""
    worker = next((site / STATIC).glob(WORKER))
    text = worker.read_text(encoding="utf-8")
    if text.count(DRIVE_REQUEST) != 1:
        raise SystemExit(f"{worker}: no single DriveFS request {DRIVE_REQUEST[:40]}...: "
                         "update lite_phases.py")
    worker.write_text(text.replace(DRIVE_REQUEST, COUNTED), encoding="utf-8")


def visit(page, url: str) -> dict[str, float]:
    """Seconds from opening lesson 00 to each phase."""
    started = time.monotonic()
    page.goto(f"{url}/lab/index.html?path={FIRST}")
    page.wait_for_function("window.jupyterapp !== undefined", timeout=180_000, polling=20)
    phases = {"app object": time.monotonic() - started}
    page.evaluate("() => window.jupyterapp.restored.then(() => true)")
    phases["layout restored"] = time.monotonic() - started
    page.wait_for_function("document.querySelector('.jp-Notebook .jp-Cell') !== null",
                           timeout=180_000, polling=20)
    phases["notebook on screen"] = time.monotonic() - started
    page.wait_for_function(KERNEL_READY, arg=FIRST, timeout=300_000, polling=20)
    idle = time.monotonic() - started
    # The worker's clock and the page's: both in ms since the epoch, so the page's origin
    # converts the worker's stamps to seconds since this navigation began.
    drive = [0, 0.0]
    for name, ms in page.evaluate("() => window.__phases"):
        if name in NAMES:
            phases[NAMES[name]] = ms / 1000
        elif name == "drive":  # the worker's running count and time, sent with each request
            drive = ms
    phases["kernel idle"] = idle
    phases["/drive requests"], phases["/drive request s"] = drive[0], drive[1] / 1000
    return phases


def table(title: str, rows: list[dict[str, float]], drive: bool) -> None:
    names = [name for name in rows[0] if drive or not name.startswith("/drive")]
    print(f"{title:28}" + "".join(f"{'visit ' + str(i + 1):>9}" for i in range(len(rows))))
    for name in names:
        form = "9.0f" if name == "/drive requests" else "9.2f"
        print(f"{name:28}" + "".join(f"{row.get(name, float('nan')):{form}}" for row in rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "build" / "lite")
    parser.add_argument("--visits", type=int, default=4)
    parser.add_argument("--drive", action="store_true",
                        help="also count the worker's requests for /drive before it is ready")
    parser.add_argument("--against", type=Path, metavar="OTHER_SITE",
                        help="visit, in turns, another built site, each in its own profile")
    args = parser.parse_args()
    sites = {"site as built": args.site}
    if args.against:
        sites[f"against {args.against.name}"] = args.against
    for site in sites.values():
        if not (site / "index.html").exists():
            raise SystemExit(f"no site at {site}: build it with `make lite`")
    problem = browser_problem(advice=False)
    if problem:
        raise SystemExit(f"Chromium is needed: {problem}")
    from playwright.sync_api import sync_playwright

    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start; "
          "seconds since the page was opened")
    kinds = list(sites)
    rows: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
    with tempfile.TemporaryDirectory() as folder:
        servers, pages = {}, {}
        try:
            for i, kind in enumerate(kinds):
                site = Path(folder) / f"site-{i}"
                shutil.copytree(sites[kind], site)
                instrument(site)
                if args.drive:
                    count_drive_requests(site)
                servers[kind] = SiteServer(site, Path(folder) / f"{site.name}.log")
                servers[kind].wait_ready()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                     args=CHROMIUM_ARGS)
                for kind in kinds:  # a context each: its own cache, as a second browser
                    context = browser.new_context(viewport={"width": 1366, "height": 900})
                    pages[kind] = context.new_page()
                    pages[kind].add_init_script(RECORD)
                for _ in range(args.visits):  # in turns, so both meet the machine's same moods
                    for kind in kinds:
                        rows[kind].append(visit(pages[kind], servers[kind].url))
                browser.close()
        finally:
            for server in servers.values():
                server.stop()
    for kind in kinds:
        table(kind, rows[kind], args.drive)
    if args.against and args.visits > 1:
        built, other = (statistics.median(row["kernel idle"] for row in rows[kind][1:])
                        for kind in kinds)
        print(f"kernel idle, median of visits 2-{args.visits}: {built:.2f} s as built, "
              f"{other:.2f} s {kinds[1]} (ratio {built / other:.2f})")


if __name__ == "__main__":
    main()
