"""Serve the built JupyterLite site locally and drive its lessons in headless Chromium.

Shared by tests/test_lite.py and benchmarks/lite.py.  Nothing may leave the
machine, and that is checked two ways: every request the pages make goes
through a Playwright route that lets only 127.0.0.1 through and logs the
rest, and Chromium's proxy points at a local port that answers nothing and
logs what it was asked for, which also catches requests from workers and the
service worker that a route may not see.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager, nullcontext
from pathlib import Path

from _jupyter import CHROMIUM, CHROMIUM_ARGS, free_port

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "lite" / "build.py"
# Chromium's own background traffic (component updates, sign-in, field trials) reaches
# the proxy even on about:blank; it is the browser's, not the site's.
LOCAL = ("http://127.0.0.1:", "data:", "blob:")
BROWSER_OWN_HOSTS = (".google.com", ".googleapis.com", ".gvt1.com", ".googleusercontent.com")


def build_site(out: Path) -> float:
    """Build the site into ``out`` with lite/build.py; the seconds it took."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(BUILD), "build", "--out", str(out)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"lite/build.py failed:\n{done.stdout}\n{done.stderr}")
    return time.monotonic() - started


class SiteServer:
    """lite/build.py's static server for ``site`` on a free port of 127.0.0.1."""

    def __init__(self, site: Path, log: Path) -> None:
        self.site = site
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, str(BUILD), "serve", "--dir", str(site), "--port", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 30) -> None:
        """Wait until *this* server answers with this site's files (a server left over by
        an earlier run on the same port would serve another site)."""
        expected = (self.site / "jupyter-lite.json").read_bytes()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the site server exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/jupyter-lite.json", timeout=2) as r:
                    if r.read() == expected:
                        return
                    raise RuntimeError(f"another server answers on port {self.port}")
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the site server did not answer within {timeout:.0f} s")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


class RefusingProxy:
    """A local port that reads each request's first line, logs it, and hangs up."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self.port = self._socket.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    line = connection.recv(4096).split(b"\r\n", 1)[0]
                except OSError:
                    line = b"(nothing read)"
                self.requests.append(line.decode("latin-1"))

    def site_requests(self) -> list[str]:
        """What was asked of the proxy, less Chromium's own background traffic."""
        return [r for r in self.requests if not _host(r).endswith(BROWSER_OWN_HOSTS)]

    def close(self) -> None:
        self._socket.close()


def _host(request_line: str) -> str:
    """The host of a proxy request line (``CONNECT host:443 ...`` or ``GET http://host/``)."""
    parts = request_line.split()
    target = parts[1] if len(parts) > 1 else ""
    target = target.split("://", 1)[-1]
    return target.split("/", 1)[0].rsplit(":", 1)[0].lower()


@contextmanager
def offline_chromium(proxy: RefusingProxy, playwright=None):
    """Headless Chromium whose proxy is ``proxy`` (127.0.0.1 itself is never proxied).

    ``playwright``: a running sync Playwright to launch it from (one thread can run only
    one at a time, so tests that hold two browsers at once share one); else its own.
    """
    from playwright.sync_api import sync_playwright

    with (nullcontext(playwright) if playwright else sync_playwright()) as running:
        browser = running.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, f"--proxy-server=http://127.0.0.1:{proxy.port}"])
        try:
            yield browser
        finally:
            browser.close()


def new_offline_page(browser, leaks: list[str], viewport: dict | None = None,
                     route: bool = True):
    """A tab in a fresh browser profile (no cached site, no stored notebooks) whose
    requests may go only to 127.0.0.1; anything else is aborted and appended to
    ``leaks``.  Close it with ``page.context.close()``.

    The route is the page's: a context-wide route made the JupyterLite page hang
    while it registered its service worker (Chromium 156, Playwright 1.5x).
    ``route=False`` leaves only the proxy on guard, for timings: every routed
    request makes a round trip through this Python process.
    """
    context = browser.new_context(viewport=viewport or {"width": 1366, "height": 900})
    page = context.new_page()

    def guard(route):
        if route.request.url.startswith(LOCAL):
            route.continue_()
        else:
            leaks.append(route.request.url)
            route.abort()

    if route:
        page.route("**/*", guard)
    return page


# ------------------------------------------------------------------ the notebook page
KERNEL_READY = """(path) => {
  const panel = Array.from(window.jupyterapp.shell.widgets('main'))
    .find(w => w.context && w.context.path === path);
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return Boolean(kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected'
    && panel.sessionContext.kernelDisplayName.includes('Pyodide'));
}"""

RUN_ALL = """(path) => {
  const panel = Array.from(window.jupyterapp.shell.widgets('main'))
    .find(w => w.context && w.context.path === path);
  window.jupyterapp.shell.activateById(panel.id);
  // widgetId names the notebook: the current one may not have changed yet (WebKit).
  window.jupyterapp.commands.execute('notebook:run-all-cells', {widgetId: panel.id});
  return true;
}"""

# Per code cell: its execution count and the types of its outputs, from the model
# (JupyterLab virtualizes cells that are off screen, so the DOM may not hold them).
CELLS = """(path) => {
  const panel = Array.from(window.jupyterapp.shell.widgets('main'))
    .find(w => w.context && w.context.path === path);
  const model = panel.content.model;
  const cells = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    if (cell.type !== 'code') continue;
    const outputs = cell.outputs.toJSON();
    cells.push({index: i, source: cell.sharedModel.getSource(),
                count: cell.executionCount, outputs: outputs});
  }
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return {cells: cells, status: kernel ? kernel.status : 'none'};
}"""

SET_SOURCE = """([path, index, source]) => {
  const panel = Array.from(window.jupyterapp.shell.widgets('main'))
    .find(w => w.context && w.context.path === path);
  panel.content.model.cells.get(index).sharedModel.setSource(source);
  return true;
}"""


def open_notebook(page, site_url: str, path: str, timeout_ms: int = 120_000) -> float:
    """Open ``path`` in the site's JupyterLab and wait for its Pyodide kernel to be idle;
    the seconds from page open to kernel ready."""
    started = time.monotonic()
    page.goto(f"{site_url}/lab/index.html?path={path}")
    page.wait_for_function("window.jupyterapp !== undefined", timeout=timeout_ms)
    page.evaluate("() => window.jupyterapp.restored.then(() => true)")
    page.wait_for_function(KERNEL_READY, arg=path, timeout=timeout_ms, polling=100)
    return time.monotonic() - started


def run_all(page, path: str, timeout_ms: int = 180_000) -> list[dict]:
    """Run every cell and wait until each code cell has run and the kernel is idle;
    the code cells with their outputs."""
    page.evaluate(RUN_ALL, path)
    page.wait_for_function(
        """(path) => {
          const panel = Array.from(window.jupyterapp.shell.widgets('main'))
            .find(w => w.context && w.context.path === path);
          const model = panel.content.model;
          for (let i = 0; i < model.cells.length; i++) {
            const cell = model.cells.get(i);
            if (cell.type === 'code' && cell.sharedModel.getSource().trim()
                && !cell.executionCount) return false;
          }
          return panel.sessionContext.session.kernel.status === 'idle';
        }""", arg=path, timeout=timeout_ms, polling=200)
    return page.evaluate(CELLS, path)["cells"]


_EXECUTE = """async ([path, code]) => {
  const panel = Array.from(window.jupyterapp.shell.widgets('main'))
    .find(w => w.context && w.context.path === path);
  const future = panel.sessionContext.session.kernel.requestExecute(
    {code: code, store_history: false});
  let out = '';
  future.onIOPub = (msg) => {
    const type = msg.header.msg_type;
    if (type === 'stream') out += msg.content.text;
    if (type === 'error') out += msg.content.ename + ': ' + msg.content.evalue + '\\n';
  };
  await future.done;
  return out;
}"""


def kernel_says(page, path: str, code: str) -> str:
    """What ``code`` prints (and any error) when run in the notebook's kernel, off the
    notebook: nothing is added to the lesson."""
    return page.evaluate(_EXECUTE, [path, code])


def errors(cells: list[dict]) -> list[str]:
    """Each error output as 'cell N: Name: message'."""
    return [f"cell {cell['index']}: {out.get('ename')}: {out.get('evalue')}"
            for cell in cells for out in cell["outputs"] if out["output_type"] == "error"]


def texts(cells: list[dict]) -> str:
    """All text the cells printed or displayed, for checks on what a lesson says."""
    parts = []
    for cell in cells:
        for out in cell["outputs"]:
            if out["output_type"] == "stream":
                parts.append("".join(out["text"]) if isinstance(out["text"], list)
                             else out["text"])
            for kind in ("text/plain", "text/html", "text/markdown"):
                value = out.get("data", {}).get(kind)
                if value:
                    parts.append("".join(value) if isinstance(value, list) else value)
    return "\n".join(parts)


TREE_TITLES = """(stepper) => Array.from(stepper.querySelectorAll(
  '.buddy-stepper-tree svg g.node > title')).map(t => t.textContent).sort().join('|')"""

def environment_note() -> str:
    """The machine the figures were taken on, for the benchmark's output."""
    return f"{os.cpu_count()} cores, Chromium at {CHROMIUM}"


# ------------------------------------------------- the same checks in every engine
# Plain JavaScript over the DOM and the notebook model, so that Chromium, Firefox and WebKit
# (tests/_engines.py) run exactly the same steps.

OPEN_BESIDE = """(path) => window.jupyterapp.commands.execute('docmanager:open',
  {path: path, factory: 'Notebook', options: {activate: false}}).then(() => true)"""

# Close every open notebook and open `path` on the kernel the first of them used: one
# Pyodide kernel start serves several notebooks (two kernels starting at once in WebKit
# took minutes, or never became ready).  The notebooks are closed first so that only the
# new one's widget manager listens to the kernel.
HAND_KERNEL_TO = """async (path) => {
  const app = window.jupyterapp;
  const panels = Array.from(app.shell.widgets('main')).filter(w => w.context);
  const running = panels.find(w => w.sessionContext.session && w.sessionContext.session.kernel);
  const id = running.sessionContext.session.kernel.id;
  for (const panel of panels) panel.dispose();
  await app.commands.execute('docmanager:open',
    {path: path, factory: 'Notebook', kernel: {id: id}});
  return id;
}"""

FIRST_STEPPER = ".buddy-stepper"


def first_stepper_moves(page) -> list[float]:
    """Click Forward on the page's first Stepper (one whose Forward is free, as lesson 00's
    first is); [ms to the new picture, ms to the next frame].  Throws in the page if the
    picture stays the same."""
    from _jupyter import CLICK_TO_PICTURE

    return page.evaluate(f"""async () => {{
      const click = {CLICK_TO_PICTURE};
      const stepper = document.querySelector('{FIRST_STEPPER}');
      stepper.scrollIntoView({{block: 'center'}});
      return click(stepper);
    }}""")


_QUICKCHECK = """async (answer) => {
  const cells = Array.from(document.querySelectorAll('.jp-CodeCell'))
    .filter(cell => cell.textContent.includes('Quick check.'));
  const cell = cells[cells.length - 1];
  cell.scrollIntoView({block: 'center'});
  const input = cell.querySelector('input[type="text"]');
  input.focus();
  input.value = answer;
  input.dispatchEvent(new Event('input', {bubbles: true}));
  input.dispatchEvent(new Event('change', {bubbles: true}));
  const check = Array.from(cell.querySelectorAll('button'))
    .find(button => button.textContent.trim() === 'Check');
  check.click();
  for (let i = 0; i < 600; i++) {
    if (cell.textContent.includes('Right')) return cell.textContent;
    await new Promise(done => setTimeout(done, 100));
  }
  throw new Error('the QuickCheck did not mark ' + answer + ' right: ' + cell.textContent);
}"""


def quickcheck_answer(page, answer: str) -> str:
    """Type ``answer`` into the page's last QuickCheck and press Check; the cell's text once
    it says Right (an error in the page if it never does, within 60 s)."""
    return page.evaluate(_QUICKCHECK, answer)


def tree_nodes(page, selector: str = FIRST_STEPPER) -> list[str]:
    """The titles of the tree nodes drawn in the first element matching ``selector``."""
    return page.evaluate(f"""() => Array.from(document.querySelector('{selector}')
      .querySelectorAll('.buddy-stepper-tree svg g.node > title')).map(t => t.textContent)""")


# JupyterLab draws the outputs of cells on screen only: the hand-in widget starts its download
# when it is drawn, so show the last cell, as a student who runs it sees it.
SHOW_LAST_CELL = """async (path) => {
  const panel = Array.from(window.jupyterapp.shell.widgets('main'))
    .find(w => w.context && w.context.path === path);
  const last = panel.content.widgets.length - 1;
  panel.content.activeCellIndex = last;
  await panel.content.scrollToItem(last, 'center');
  return last;
}"""


def wait_for_download(page, path: str, download: Path, seconds: float = 60) -> None:
    """Show ``path``'s last cell (the hand-in widget) and wait for ``download`` to arrive;
    AssertionError with what the widget says if it does not."""
    page.evaluate(SHOW_LAST_CELL, path)
    deadline = time.monotonic() + seconds
    while not (download.exists() and download.stat().st_size) and time.monotonic() < deadline:
        # Wait in the page, not in Python: Playwright's sync API runs the handler that saves
        # Chromium's download (engine_page) only while a call into the page is in progress.
        page.evaluate("() => new Promise(done => setTimeout(() => done(true), 200))")
    if not download.exists():
        said = page.evaluate("() => Array.from(document.querySelectorAll('.buddy-edu-handin'))"
                             ".map(e => e.textContent)")
        raise AssertionError(f"no {download.name} after {seconds:.0f} s in {download.parent}: "
                             f"{sorted(p.name for p in download.parent.glob('*'))}; the "
                             f"hand-in widget says {said}")
    time.sleep(0.5)  # let the browser finish writing it
