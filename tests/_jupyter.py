"""Start a throwaway JupyterLab server and open notebooks in headless Chromium.

Used by the browser tests.  The server runs from this test's own Python
(``sys.executable -m jupyterlab``), so the notebook's ``python3`` kernel is the
same environment (jupyter_client runs the spec's ``python`` as
``sys.executable``); every Jupyter directory it could read or write points
into a temporary folder, so a user's own settings or kernels never leak in.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

CHROMIUM = os.environ.get("BUDDY_EDU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
HOW_TO_GET_IT = (
    "install Chromium with `apt-get install chromium` (Debian/Ubuntu) and the test tools "
    "with `pip install -e '.[test]'` (playwright); set BUDDY_EDU_CHROMIUM to use another "
    "Chromium binary"
)


def browser_problem(advice: bool = True) -> str | None:
    """Why a browser test cannot run here, or None if Chromium and playwright are present.

    tests/conftest.py asks this once per run to skip (or, in CI, fail) the ``browser``
    tests, without the ``advice`` on getting them, which its closing block gives;
    benchmarks/render.py asks it before timing anything.
    """
    how = f": {HOW_TO_GET_IT}" if advice else ""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"the playwright package is missing{how or ' (pip install -e .[test])'}"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM}{how}"
    return None


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabServer:
    """One Jupyter server on a free port with a random token, rooted at ``root``.

    ``app`` picks the front end: ``"lab"`` (JupyterLab), ``"notebook"``
    (Notebook 7) or ``"voila"`` (which runs ``root/voila`` and shows it as an app).
    """

    def __init__(self, root: Path, home: Path, app: str = "lab", voila: str = "") -> None:
        self.root = root
        self.app = app
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        for variable, folder in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                                 ("JUPYTER_RUNTIME_DIR", "runtime"),
                                 ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                                 ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
                                 ("IPYTHONDIR", "ipython")):
            (home / folder).mkdir(parents=True, exist_ok=True)
            env[variable] = str(home / folder)
        env.pop("JUPYTER_PATH", None)
        # No "get notified about Jupyter news?" toast over the notebook in screenshots.
        news = home / "settings" / "@jupyterlab" / "apputils-extension"
        news.mkdir(parents=True, exist_ok=True)
        (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
        env["PYTHONUNBUFFERED"] = "1"
        self.log_path = home / "jupyterlab.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        server = [
            "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
        ]
        command = {
            "lab": [sys.executable, "-m", "jupyterlab", *server,
                    "--LabApp.expose_app_in_browser=True",
                    "--LabApp.news_url=None"],  # no announcements fetched: there is no internet
            "notebook": [sys.executable, "-m", "notebook", *server,
                         "--JupyterNotebookApp.expose_app_in_browser=True"],
            "voila": [sys.executable, "-m", "voila", voila, "--no-browser",
                      "--Voila.ip=127.0.0.1", f"--port={self.port}"],
        }[app]
        self.process = subprocess.Popen(
            command, cwd=root, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Poll /api/status until the server answers; raise with its log if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early:\n{self.log()}")
            try:
                self.api("GET", "/" if self.app == "voila" else "/api/status")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.25)
        raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{self.log()}")

    def api(self, method: str, path: str, body: dict | None = None, timeout: float = 5) -> dict:
        """Call the server's REST API with the token."""
        request = urllib.request.Request(
            f"{self.url}{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}",
                     "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            if "json" not in response.headers.get("Content-Type", ""):
                return {}
        return json.loads(body) if body else {}

    def notebook_url(self, name: str) -> str:
        """The address that opens notebook ``name`` (in a fresh JupyterLab workspace)."""
        if self.app == "notebook":
            return f"{self.url}/notebooks/{name}?token={self.token}"
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"

    def log(self) -> str:
        """What the server printed so far (for failure messages)."""
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self) -> None:
        """Shut the server and its kernels down; kill them if they do not go in time."""
        if self.process.poll() is None:
            try:
                if self.app != "voila":
                    self.api("POST", "/api/shutdown")  # also shuts down every kernel
                    self.process.wait(timeout=15)
            except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
                pass
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


def write_notebook(path: Path, cells: list[str]) -> None:
    """A notebook of code cells, without outputs, using the ``python3`` kernel."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python",
    }
    nbformat.write(notebook, str(path))


def start_kernel(server: LabServer, name: str) -> dict:
    """Start the notebook's ``python3`` kernel through the REST API; returns the session.

    With the session already there, JupyterLab attaches to it when the notebook
    opens instead of sometimes asking "Select Kernel" in a dialog.
    """
    return server.api("POST", "/api/sessions", {
        "path": name, "name": name, "type": "notebook", "kernel": {"name": "python3"},
    }, timeout=60)


def open_and_run(page, server: LabServer, name: str, timeout_ms: int = 60_000) -> None:
    """Open notebook ``name`` in JupyterLab, wait for its kernel, and run all cells."""
    start_kernel(server, name)
    page.goto(server.notebook_url(name))
    page.wait_for_function("window.jupyterapp !== undefined", timeout=timeout_ms)
    # Return plain values: handing JupyterLab's own objects back to Python can stall.
    page.evaluate("() => window.jupyterapp.restored.then(() => true)")
    page.wait_for_selector('.jp-NotebookPanel [data-status="idle"]', timeout=timeout_ms)
    wait_for_settled_kernel(page, server, name, timeout_ms / 1000)
    page.evaluate(
        "() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); return true; }"
    )


_PAGE_KERNEL = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
    && panel.sessionContext.session.kernel;
  return kernel ? kernel.id + " " + kernel.status : "";
}"""


def wait_for_settled_kernel(page, server: LabServer, name: str, timeout: float) -> None:
    """Wait until the page talks to the only running kernel not owned by another
    notebook, and it stays idle.

    On a fresh environment JupyterLab sometimes replaces the kernel started
    through the REST API a moment after the page opens; cells sent before that
    die with the old kernel, so run them only once the kernel has settled.
    """
    deadline = time.monotonic() + timeout
    steady = 0
    while time.monotonic() < deadline:
        seen = page.evaluate(_PAGE_KERNEL)
        others = {session["kernel"]["id"] for session in server.api("GET", "/api/sessions")
                  if session["path"] != name}
        running = [kernel["id"] for kernel in server.api("GET", "/api/kernels")
                   if kernel["id"] not in others]
        if seen and seen.split()[1] == "idle" and running == [seen.split()[0]]:
            steady += 1
            if steady >= 3:
                return
        else:
            steady = 0
        time.sleep(0.5)
    raise TimeoutError(f"the notebook's kernel did not settle within {timeout:.0f} s")


# In the page (JupyterLab or JupyterLite): click a Stepper's Forward and resolve with
# [ms until its tree pane holds a different tree, ms until the next frame is drawn];
# throws if the tree does not change.  Shared by the browser tests and the benchmarks.
CLICK_TO_PICTURE = """async (stepper) => {
  const pane = stepper.querySelector('.buddy-stepper-tree').closest('.widget-html');
  const before = pane.innerHTML;
  const forward = [...stepper.querySelectorAll('button')].find(
    b => b.textContent.trim() === 'Forward');
  let arrived = null;
  const start = performance.now();
  const seen = new Promise(done => {
    const watch = new MutationObserver(() => {
      if (pane.innerHTML === before || !pane.querySelector('svg g.node')) return;
      arrived = performance.now() - start;
      watch.disconnect();
      done();
    });
    watch.observe(pane, {childList: true, subtree: true, characterData: true});
  });
  forward.click();
  const late = new Promise((_, fail) =>
    setTimeout(() => fail(new Error('the picture did not change')), 30000));
  await Promise.race([seen, late]);
  await new Promise(done => requestAnimationFrame(done));
  return [arrived, performance.now() - start];
}"""
