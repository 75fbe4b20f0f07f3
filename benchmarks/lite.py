"""Figures for the zero-install site (issues 12 and 20), measured on the built site served locally.

    .venv/bin/python benchmarks/lite.py [--site build/lite] [--no-build] [--clicks 20]
                                        [--engines chromium,firefox,webkit]
                                        [--pause SECONDS]

1. Build time from clean: ``lite/build.py build`` into an empty folder (the
   tools venv under build/lite-tools is reused when it is there; its first
   install is printed separately by the build when it happens).
2. Site size: MB on disk and as a .tgz (what a USB stick or a static host gets),
   and what the build left out.
3. In each engine (Chromium, Firefox ESR, WebKitGTK: tests/_engines.py), with a
   fresh profile, on lesson 00: page open -> Pyodide kernel ready (first visit,
   nothing cached), Run All -> the first Stepper tree drawn (imports, viz.js
   load, first render), then the same page opened again in the same profile ->
   kernel ready (second visit, the browser's cache warm).
4. Click -> picture: the median (and spread) over N Forward clicks on lesson
   03's 300-operation Stepper, each a picture not drawn before, timed inside
   the page from the click until the tree's SVG has changed.

To see what a change is worth in each engine, keep the earlier build
(``cp -r build/lite build/lite-before``) and run this script on each in turns
(``--no-build --site build/lite-before``).  ``--pause S`` waits S seconds
between kernel ready and Run All, which tells the cell's own time from the
page's start-up work it may overlap (WebKit).

Each browser's proxy points at a local port that refuses and logs, as in
tests/test_lite.py, and the script fails if a request tried to leave; the
tests' per-request route is left off here, as it sends every request through
this Python process and would slow the page down.  Speed is measured here,
never asserted in tests.  The machine is shared and has two cores: run it twice
and report both when a figure looks noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from _engines import (  # noqa: E402 - the shared helpers live beside the tests
    BROWSER_OWN_HOSTS,
    ENGINES,
    engine_page,
    firefox_problem,
    webkit_problem,
)
from _jupyter import CLICK_TO_PICTURE, browser_problem  # noqa: E402
from _lite import (  # noqa: E402
    KERNEL_READY,
    RefusingProxy,
    SiteServer,
    build_site,
    errors,
    run_all,
)

FIRST = "notebooks/00-start-here.ipynb"
MANY_STEPS = "notebooks/03-fragmentation.ipynb"
PROBLEMS = {"chromium": lambda: browser_problem(advice=False), "firefox": firefox_problem,
            "webkit": webkit_problem}


def size(site: Path) -> tuple[float, float, int]:
    """MB on disk, MB as .tgz, number of files."""
    files = [p for p in site.rglob("*") if p.is_file()]
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "site.tgz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(site, arcname="site")
        packed = archive.stat().st_size
    return sum(p.stat().st_size for p in files) / 1e6, packed / 1e6, len(files)


def kernel_ready(page, site_url: str, path: str) -> float:
    """Seconds from opening ``path``'s page to its Pyodide kernel being idle."""
    started = time.monotonic()
    page.goto(f"{site_url}/lab/index.html?path={path}")
    page.wait_for_function("window.jupyterapp !== undefined", timeout=180_000, polling=50)
    page.evaluate("() => window.jupyterapp.restored.then(() => true)")
    page.wait_for_function(KERNEL_READY, arg=path, timeout=300_000, polling=50)
    return time.monotonic() - started


RUN_ALL_NOW = """(path) => {
  const panel = Array.from(window.jupyterapp.shell.widgets('main'))
    .find(w => w.context && w.context.path === path);
  window.jupyterapp.commands.execute('notebook:run-all-cells', {widgetId: panel.id});
  return true;
}"""
TREE_DRAWN = "() => document.querySelector('.buddy-stepper-tree svg g.node') !== null"


def first_picture(page, pause: float = 0.0) -> float:
    """Seconds from Run All on lesson 00, ``pause`` s after its kernel was ready (0: at once,
    as a student who pressed Run All while it started), to its first Stepper tree on screen."""
    time.sleep(pause)
    started = time.monotonic()
    page.evaluate(RUN_ALL_NOW, FIRST)
    page.wait_for_function(TREE_DRAWN, timeout=180_000, polling=20)
    picture = time.monotonic() - started
    cells = run_all(page, FIRST)  # let it finish: an error would make the figures moot
    if errors(cells):
        raise SystemExit(f"lesson 00 failed in the browser: {errors(cells)}")
    return picture


CLICK_FIRST_FREE = f"""async () => {{
  const click = {CLICK_TO_PICTURE};
  const stepper = Array.from(document.querySelectorAll('.buddy-stepper')).find(s =>
    !Array.from(s.querySelectorAll('button')).some(b => b.textContent.trim() === 'Check'));
  stepper.scrollIntoView({{block: 'center'}});
  return click(stepper);
}}"""


def clicks(page, site_url: str, count: int) -> list[float]:
    """Milliseconds from each Forward click to the changed tree, on lesson 03's big Stepper."""
    kernel_ready(page, site_url, MANY_STEPS)
    cells = run_all(page, MANY_STEPS, timeout_ms=300_000)
    if errors(cells):
        raise SystemExit(f"lesson 03 failed in the browser: {errors(cells)}")
    return [page.evaluate(CLICK_FIRST_FREE)[0] for _ in range(count)]


def measure(engine: str, site_url: str, count: int, scratch: Path, pause: float) -> dict:
    """The figures of one engine, from a fresh profile."""
    proxy = RefusingProxy()
    try:
        with engine_page(engine, proxy, scratch / "downloads", scratch, route=False) as page:
            figures = {"version": page.version}
            figures["first"] = kernel_ready(page, site_url, FIRST)
            figures["picture"] = first_picture(page, pause)
            figures["second"] = kernel_ready(page, site_url, FIRST)
            figures["clicks"] = clicks(page, site_url, count)
            figures["leaks"] = [url for url in page.requests()
                                if not url.startswith(("http://127.0.0.1:", "data:", "blob:",
                                                       "about:"))]
    finally:
        proxy.close()
    figures["leaks"] += [r for r in proxy.requests
                         if not r.split()[1].split("://", 1)[-1].split("/", 1)[0]
                         .rsplit(":", 1)[0].lower().endswith(BROWSER_OWN_HOSTS)]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "build" / "lite")
    parser.add_argument("--no-build", action="store_true", help="measure an existing site")
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help="comma-separated, from: " + ", ".join(ENGINES))
    parser.add_argument("--pause", type=float, default=0.0, metavar="SECONDS",
                        help="wait this long after the kernel is ready before Run All")
    args = parser.parse_args()
    site = args.site.resolve()
    engines = [e for e in args.engines.split(",") if e]
    print(f"buddy-edu lite site: {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} at the start")
    if not args.no_build:
        seconds = build_site(site)
        print(f"build from clean:          {seconds:6.1f} s  (python3 lite/build.py build)")
    disk, packed, files = size(site)
    print(f"site size:                 {disk:6.1f} MB in {files} files, {packed:.1f} MB as .tgz")
    print("left out by the build:     the apps other than JupyterLab and their shared "
          "packages; Font Awesome's EOT/TTF/SVG/WOFF (WOFF2 kept); jedi; IPython's terminal "
          "with prompt_toolkit; Pygments' other lexers; front-end files in wheels; stdlib a "
          "tab cannot use (lite/slim.py); JupyterLab's Mermaid, Vega and terminal chunks "
          "(lite/prune.py)")
    leaks = []
    with tempfile.TemporaryDirectory() as folder:
        server = SiteServer(site, Path(folder) / "server.log")
        try:
            server.wait_ready()
            print(f"{'engine':28} {'1st visit':>10} {'2nd visit':>10} {'1st picture':>12} "
                  f"{'click -> picture (median, quartiles, max)':>44}")
            for engine in engines:
                problem = PROBLEMS[engine]()
                if problem:
                    print(f"{engine:28} skipped: {problem}")
                    continue
                got = measure(engine, server.url, args.clicks, Path(folder) / engine,
                              args.pause)
                times = got["clicks"]
                quartiles = statistics.quantiles(times, n=4)
                print(f"{engine + ' ' + got['version']:28} {got['first']:8.1f} s "
                      f"{got['second']:8.1f} s {got['picture']:10.2f} s "
                      f"{statistics.median(times):12.0f} ms ({quartiles[0]:.0f}-"
                      f"{quartiles[2]:.0f} ms, max {max(times):.0f} ms) over {len(times)}",
                      flush=True)
                leaks += got["leaks"]
        finally:
            server.stop()
    if leaks:
        raise SystemExit(f"requests tried to leave the machine: {leaks}")
    print("requests outside 127.0.0.1: none")


if __name__ == "__main__":
    main()
