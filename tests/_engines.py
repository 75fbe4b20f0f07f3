"""One page in each of the three browser engines, driven the same way.

Chromium (Playwright), Firefox ESR (puppeteer-core over WebDriver BiDi, through
``tests/browsers/firefox.mjs``) and WebKitGTK (selenium with WebKitWebDriver
and MiniBrowser under Xvfb) each give a :class:`EnginePage` with the calls the
lite tests make: ``goto``, ``evaluate`` (a JavaScript function's source and
one argument; a promise is awaited), ``wait_for_function``, ``screenshot`` of
an element, ``click`` and ``requests``.  Each browser's proxy points at a
:class:`_lite.RefusingProxy`, so a request that tries to leave 127.0.0.1 is
caught in every engine, also from workers and service workers; downloads land
in a folder the caller chooses.

Debian has the three browsers: ``chromium``, ``firefox-esr``, and
``webkit2gtk-driver`` with ``xvfb``.  puppeteer-core comes from npm, pinned in
``tests/browsers/package.json`` and installed once into
``build/test-browsers`` (:func:`puppeteer_folder`); selenium from PyPI, in the
test extra.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(__file__).resolve().parent / "browsers"
NPM_FOLDER = ROOT / "build" / "test-browsers"
FIREFOX = os.environ.get("BUDDY_EDU_FIREFOX", "/usr/bin/firefox-esr")
WEBKIT_DRIVER = os.environ.get("BUDDY_EDU_WEBKIT_DRIVER", "/usr/bin/WebKitWebDriver")
MINIBROWSER = os.environ.get(
    "BUDDY_EDU_MINIBROWSER", "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser")
XVFB = "Xvfb"
ENGINES = ("chromium", "firefox", "webkit")
# Each browser's own background traffic that may reach the proxy (updates, safe browsing,
# telemetry): the browser's, not the site's, and never the site's data.
BROWSER_OWN_HOSTS = (".google.com", ".googleapis.com", ".gvt1.com", ".googleusercontent.com",
                     ".mozilla.com", ".mozilla.org", ".mozilla.net", ".firefox.com",
                     ".services.mozilla.com", ".webkit.org")


class EngineError(RuntimeError):
    """The browser could not be started or answered with an error."""


# ------------------------------------------------------------------ what is missing
def firefox_problem() -> str | None:
    """Why the Firefox tests cannot run here, or None."""
    missing = [what for what, ok in (
        (f"Firefox at {FIREFOX}", Path(FIREFOX).exists() or shutil.which(FIREFOX)),
        ("node", shutil.which("node")), ("npm", shutil.which("npm"))) if not ok]
    return f"{' and '.join(missing)} not found" if missing else None


def webkit_problem() -> str | None:
    """Why the WebKit tests cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is missing (pip install -e '.[test]')"
    missing = [what for what, ok in (
        (f"WebKitWebDriver at {WEBKIT_DRIVER}", Path(WEBKIT_DRIVER).exists()),
        (f"MiniBrowser at {MINIBROWSER}", Path(MINIBROWSER).exists()),
        ("Xvfb", shutil.which(XVFB))) if not ok]
    return f"{' and '.join(missing)} not found" if missing else None


def puppeteer_folder() -> Path:
    """node_modules with puppeteer-core as tests/browsers/package-lock.json pins it,
    installed with ``npm ci`` once per lock file (no browser download: Debian's Firefox)."""
    lock = (PACKAGE / "package-lock.json").read_bytes()
    stamp = NPM_FOLDER / "lock.sha256"
    wanted = hashlib.sha256(lock).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and (NPM_FOLDER / "node_modules").is_dir():
        shutil.copy2(PACKAGE / "firefox.mjs", NPM_FOLDER / "firefox.mjs")  # it may have changed
        return NPM_FOLDER
    shutil.rmtree(NPM_FOLDER, ignore_errors=True)
    NPM_FOLDER.mkdir(parents=True)
    for name in ("package.json", "package-lock.json", "firefox.mjs"):
        shutil.copy2(PACKAGE / name, NPM_FOLDER / name)
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                          cwd=NPM_FOLDER, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise EngineError(f"npm ci for puppeteer-core failed:\n{done.stderr[-3000:]}")
    stamp.write_text(wanted)
    return NPM_FOLDER


# ------------------------------------------------------------------ the page
class EnginePage:
    """The calls the lite tests make of a page; one subclass per engine."""

    engine = ""
    version = ""

    def goto(self, url: str) -> None:
        raise NotImplementedError

    def evaluate(self, source: str, arg=None):
        """Call the JavaScript function ``source`` with ``arg`` in the page (or evaluate the
        expression ``source``, as Playwright does); its value, a promise awaited."""
        raise NotImplementedError

    def wait_for_function(self, source: str, arg=None, timeout: float = 30_000,
                          polling: float = 200):
        """Call ``source`` every ``polling`` ms until it returns a true value (returned);
        TimeoutError after ``timeout`` ms.  The units are Playwright's."""
        deadline = time.monotonic() + timeout / 1000
        while True:
            value = self.evaluate(source, arg)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.engine}: still false after {timeout / 1000:.0f} s: "
                                   f"{source[:200]}")
            time.sleep(polling / 1000)

    def screenshot(self, selector: str, path: Path) -> None:
        raise NotImplementedError

    def click(self, selector: str) -> None:
        raise NotImplementedError

    def requests(self) -> list[str]:
        """Every address the page asked for, where the driver can tell (else [])."""
        return []

    def close(self) -> None:
        raise NotImplementedError


class ChromiumPage(EnginePage):
    """A Playwright page of Chromium, with the route guard of _lite.new_offline_page."""

    engine = "chromium"

    def __init__(self, page, version: str, leaks: list[str]) -> None:
        self.page = page
        self.version = version
        self.leaks = leaks

    def goto(self, url: str) -> None:
        self.page.goto(url)

    def evaluate(self, source: str, arg=None):
        return self.page.evaluate(source, arg)

    def wait_for_function(self, source, arg=None, timeout=30_000, polling=200):
        return self.page.wait_for_function(source, arg=arg, timeout=timeout,
                                           polling=polling).json_value()

    def screenshot(self, selector: str, path: Path) -> None:
        element = self.page.locator(selector).first
        element.scroll_into_view_if_needed()
        element.screenshot(path=str(path))

    def click(self, selector: str) -> None:
        self.page.locator(selector).first.click()

    def requests(self) -> list[str]:
        return list(self.leaks)

    def close(self) -> None:
        self.page.context.close()


class FirefoxPage(EnginePage):
    """Firefox ESR through tests/browsers/firefox.mjs (puppeteer-core, WebDriver BiDi)."""

    engine = "firefox"

    def __init__(self, proxy_port: int, downloads: Path, profile: Path) -> None:
        folder = puppeteer_folder()
        options = {"executable": FIREFOX, "profile": str(profile),
                   "downloads": str(downloads), "proxyPort": proxy_port}
        self._log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            ["node", str(folder / "firefox.mjs"), json.dumps(options)], cwd=folder,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True,
            start_new_session=True)
        self._next = 0
        self.version = self._call("version", timeout=120)

    def _call(self, op: str, *args, timeout: float = 300):
        self._next += 1
        try:
            self.process.stdin.write(json.dumps({"id": self._next, "op": op,
                                                 "args": list(args)}) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            raise EngineError(f"Firefox's driver has exited: {self._stderr()}") from None
        line = self.process.stdout.readline()  # the driver answers in order, one line each
        if not line:
            raise EngineError(f"Firefox's driver said nothing to {op}: {self._stderr()}")
        answer = json.loads(line)
        if "error" in answer:
            raise EngineError(f"Firefox: {op} failed: {answer['error'][:2000]}")
        return answer["result"]

    def _stderr(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-3000:]

    def goto(self, url: str) -> None:
        self._call("goto", url)

    def evaluate(self, source: str, arg=None):
        return self._call("evaluate", source, arg)

    def screenshot(self, selector: str, path: Path) -> None:
        self._call("screenshot", selector, str(path))

    def click(self, selector: str) -> None:
        self._call("click", selector)

    def requests(self) -> list[str]:
        return self._call("requests")

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                self._call("close", timeout=60)
        except (EngineError, OSError, ValueError):
            pass
        finally:
            _stop(self.process)
            self._log.close()


class WebKitPage(EnginePage):
    """MiniBrowser (WebKitGTK) through WebKitWebDriver, on its own Xvfb display."""

    engine = "webkit"

    def __init__(self, proxy_port: int, downloads: Path, home: Path) -> None:
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service

        self.xvfb, display = _start_xvfb()
        proxy = f"http://127.0.0.1:{proxy_port}"
        # MiniBrowser saves downloads in the XDG download folder, read from user-dirs.dirs.
        (home / ".config").mkdir(parents=True, exist_ok=True)
        (home / ".config" / "user-dirs.dirs").write_text(f'XDG_DOWNLOAD_DIR="{downloads}"\n')
        env = {**os.environ, "DISPLAY": display, "HOME": str(home),
               "XDG_CONFIG_HOME": str(home / ".config"), "http_proxy": proxy,
               "https_proxy": proxy, "HTTP_PROXY": proxy, "HTTPS_PROXY": proxy,
               "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost",
               "WEBKIT_DISABLE_COMPOSITING_MODE": "1"}
        self.downloads = downloads
        self.home = home
        options = Options()
        options.binary_location = MINIBROWSER
        options.add_argument("--automation")
        try:
            self.driver = webdriver.WebKitGTK(
                options=options, service=Service(executable_path=WEBKIT_DRIVER, env=env))
        except Exception:
            _stop(self.xvfb)
            raise
        self.driver.set_window_size(1366, 900)
        self.driver.set_script_timeout(300)
        self.version = str(self.driver.capabilities.get("browserVersion", ""))

    def goto(self, url: str) -> None:
        self.driver.get(url)

    def evaluate(self, source: str, arg=None):
        answer = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"const arg = arguments[0]; Promise.resolve().then(() => {{ const f = ({source});"
            " return typeof f === 'function' ? f(arg) : f; })"
            ".then(value => done({value: value === undefined ? null : value}),"
            " error => done({error: String(error && error.stack || error)}));", arg)
        if "error" in answer:
            raise EngineError(f"WebKit: {answer['error'][:2000]}")
        return answer["value"]

    def screenshot(self, selector: str, path: Path) -> None:
        from selenium.webdriver.common.by import By

        # The window with the element at its top: WebKitWebDriver's element screenshot was
        # seen to fail, and the web process to crash after it, on a loaded machine.
        element = self.driver.find_element(By.CSS_SELECTOR, selector)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", element)
        Path(path).write_bytes(self.driver.get_screenshot_as_png())

    def click(self, selector: str) -> None:
        from selenium.webdriver.common.by import By

        element = self.driver.find_element(By.CSS_SELECTOR, selector)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            _stop(self.xvfb)


def _start_xvfb() -> tuple[subprocess.Popen, str]:
    """An Xvfb on a display nobody uses; the process (stop it by its PID) and ':N'."""
    for number in range(90, 190):
        if Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists():
            continue
        process = subprocess.Popen([XVFB, f":{number}", "-screen", "0", "1366x900x24",
                                    "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(50):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                return process, f":{number}"
            if process.poll() is not None:
                break
            time.sleep(0.1)
        _stop(process)
    raise EngineError("no free X display for Xvfb in :90-:189")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def engine_page(engine: str, proxy, downloads: Path, scratch: Path, route: bool = True,
                playwright=None):
    """A fresh page of ``engine`` (no cache, no stored notebooks) whose proxy is ``proxy``
    and whose downloads go to ``downloads``; ``scratch`` holds its profile.  ``route=False``
    leaves Chromium's per-request route off (for timings: it sends every request through
    this Python process); the proxy still catches what leaves.  ``playwright``: a running
    sync Playwright for Chromium (see _lite.offline_chromium)."""
    downloads.mkdir(parents=True, exist_ok=True)
    if engine == "chromium":
        from _lite import new_offline_page, offline_chromium

        leaks: list[str] = []
        with offline_chromium(proxy, playwright) as browser:
            page = new_offline_page(browser, leaks, route=route)
            # Playwright keeps a download under a random name: keep it under the name the
            # page gave it, as a browser would.
            page.on("download", lambda download: download.save_as(
                downloads / download.suggested_filename))
            yield ChromiumPage(page, browser.version, leaks)
        return
    if engine == "firefox":
        page = FirefoxPage(proxy.port, downloads, scratch / "firefox-profile")
    elif engine == "webkit":
        page = WebKitPage(proxy.port, downloads, scratch / "webkit-home")
    else:
        raise ValueError(f"engine {engine!r}: the engines are {', '.join(ENGINES)}")
    try:
        yield page
    finally:
        page.close()
