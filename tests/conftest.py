"""What each test costs and needs, decided once per run from the tools on this machine.

Mark every test with what it costs or needs (the markers are registered in
pyproject.toml, and ``--strict-markers`` refuses a misspelt one).  Give a test
every marker that applies; a whole module takes ``pytestmark = [...]``.

``kernel``
    starts a Jupyter kernel or server here: nbclient running a lesson or an
    exercise notebook, the grader's runner (even with ``sandbox=False``),
    ``buddy-edu lab``, ``buddy-edu slides`` (it runs the lesson), JupyterLab
    or Voilà for a browser test.
``sandbox``
    needs a working bubblewrap (``bwrap``): every sandboxed grading run.  A
    sandboxed batch starts kernels, so it is ``sandbox`` *and* ``kernel``.
``browser``
    needs Chromium and playwright.
``lite``
    builds the JupyterLite site: needs Node.js and npm.  The tests that then
    open it in Chromium are ``browser`` as well.
``needs("dot", "npm")``
    needs these system programs, by their key in ``TOOLS`` below (``dot`` is
    Graphviz; ``npm`` fetches reveal.js for the slides; ``firefox`` and
    ``webkit`` are the JupyterLite site's other two browser engines, Firefox ESR
    and WebKitGTK under Xvfb).
``slow``
    takes seconds without any of the above (a packaging round trip, figures
    over 100 students); ``make test-fast`` leaves it out.

``make test-fast`` runs everything that is none of kernel, sandbox, browser,
lite and slow; ``make test`` runs everything.

A test whose tool is missing is skipped with the reason before any of its
fixtures run, so a module-wide batch is never started for tests that cannot
use it.  Where skipping would hide that the tests never ran (CI), a variable
turns the skip into an error: ``BUDDY_EDU_REQUIRE_SANDBOX=1`` (bubblewrap),
``BUDDY_EDU_REQUIRE_BROWSER=1`` (Chromium, playwright, and Node.js/npm for the
JupyterLite tests) and ``BUDDY_EDU_REQUIRE_TOOLS=1`` (every tool, dot included;
``.ci/run`` sets it).  The run ends with one block naming each missing tool,
the tests it skipped and the command that installs it.

The markers are kept honest: a test marked none of kernel, sandbox, browser
and lite that starts a Jupyter kernel or server fails, saying to mark it.
The guard sees every process this pytest starts (``subprocess.Popen``), not
what those processes start in turn.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

# ------------------------------------------------------------------ the tools
_NAMESPACES = ["--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
               "--unshare-uts", "--die-with-parent"]


def _bwrap_problem() -> str | None:
    """Run bwrap once with the grader's namespaces: on PATH is not enough, as many
    containers forbid the unprivileged user namespaces it needs."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap runs only on Linux, not on {sys.platform}"
    found = shutil.which("bwrap")
    if found is None:
        return "the bwrap command is not on PATH"
    try:
        done = subprocess.run([found, *_NAMESPACES, "--ro-bind", "/", "/", "--proc", "/proc",
                               "true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{found} did not run ({error})"
    if done.returncode != 0:
        why = " ".join(done.stderr.split())[:200] or f"exit status {done.returncode}"
        return (f"{found} cannot create its namespaces here ({why}): allow unprivileged "
                "user namespaces")
    return None


def _chromium_problem() -> str | None:
    from _jupyter import browser_problem  # shared with benchmarks/render.py

    return browser_problem(advice=False)


def _firefox_problem() -> str | None:
    from _engines import firefox_problem  # shared with benchmarks/lite.py

    return firefox_problem()


def _webkit_problem() -> str | None:
    from _engines import webkit_problem

    return webkit_problem()


def _programs_problem(*programs: str) -> str | None:
    missing = [program for program in programs if shutil.which(program) is None]
    return f"{' and '.join(missing)} not on PATH" if missing else None


@dataclass(frozen=True)
class Tool:
    """A system tool some tests need: how to tell it works, how to install it."""

    name: str
    problem: Callable[[], str | None]  # why it cannot be used here, or None if it can
    require: str  # the variable that makes its absence an error (besides _REQUIRE_ALL)
    apt: str = ""  # Debian/Ubuntu packages
    dnf: str = ""  # Fedora packages
    brew: str = ""  # macOS: Homebrew formulae, or "--cask NAME"
    note: str = ""  # said after the install commands


TOOLS = {
    "bwrap": Tool("bubblewrap", _bwrap_problem, "BUDDY_EDU_REQUIRE_SANDBOX",
                  apt="bubblewrap", dnf="bubblewrap",
                  note="bubblewrap is Linux-only: the sandbox tests cannot run on macOS"),
    "chromium": Tool("Chromium", _chromium_problem, "BUDDY_EDU_REQUIRE_BROWSER",
                     apt="chromium", dnf="chromium", brew="--cask chromium",
                     note="Chromium elsewhere than /usr/bin/chromium, as on macOS: set "
                          "BUDDY_EDU_CHROMIUM to its binary"),
    "npm": Tool("Node.js and npm", lambda: _programs_problem("node", "npm"),
                "BUDDY_EDU_REQUIRE_BROWSER", apt="nodejs npm", dnf="nodejs npm",
                brew="node"),
    "firefox": Tool("Firefox", _firefox_problem, "BUDDY_EDU_REQUIRE_BROWSER",
                    apt="firefox-esr nodejs npm", dnf="firefox nodejs npm",
                    brew="--cask firefox",
                    note="Firefox is driven by puppeteer-core from npm (tests/browsers/); "
                         "set BUDDY_EDU_FIREFOX to a Firefox binary elsewhere"),
    "webkit": Tool("WebKitGTK (WebKitWebDriver, MiniBrowser) and Xvfb", _webkit_problem,
                   "BUDDY_EDU_REQUIRE_BROWSER", apt="webkit2gtk-driver xvfb",
                   dnf="webkit2gtk4.1-devel xorg-x11-server-Xvfb",
                   note="WebKitGTK is Linux-only: Safari's own driver is not used"),
    "dot": Tool("Graphviz dot", lambda: _programs_problem("dot"), "BUDDY_EDU_REQUIRE_TOOLS",
                apt="graphviz", dnf="graphviz", brew="graphviz"),
}
_REQUIRE_ALL = "BUDDY_EDU_REQUIRE_TOOLS"
_BY_MARKER = {"sandbox": ("bwrap",), "browser": ("chromium",), "lite": ("npm",)}
#: A test marked with one of these may start kernels and servers.
_MAY_START_KERNELS = ("kernel", "sandbox", "browser", "lite")


@cache
def _problem(key: str) -> str | None:
    """Why tool ``key`` cannot be used here, or None; asked once per run."""
    return TOOLS[key].problem()


def _required(tool: Tool) -> str | None:
    """The variable set to 1 that requires ``tool``, if any."""
    return next((name for name in (tool.require, _REQUIRE_ALL)
                 if os.environ.get(name) == "1"), None)


def _tools_of(item: pytest.Item) -> list[str]:
    keys = [key for marker, tools in _BY_MARKER.items() if item.get_closest_marker(marker)
            for key in tools]
    for marker in item.iter_markers("needs"):
        for key in marker.args:
            if key not in TOOLS:
                raise pytest.UsageError(f"{item.nodeid}: needs({key!r}): the tools are "
                                        f"{', '.join(TOOLS)}")
            keys.append(key)
    return list(dict.fromkeys(keys))


# What was skipped or failed for want of each tool: {tool key: [node ids]}.
_SKIPPED: dict[str, list[str]] = defaultdict(list)
_FAILED: dict[str, list[str]] = defaultdict(list)


def _decide(item: pytest.Item) -> None:
    """Skip ``item`` (or fail it, if a variable requires the tool) when a tool it needs
    is missing."""
    missing = [(key, _problem(key)) for key in _tools_of(item) if _problem(key)]
    if not missing:
        return
    required = [(key, problem, _required(TOOLS[key])) for key, problem in missing
                if _required(TOOLS[key])]
    if required:
        for key, _, _ in required:
            _FAILED[key].append(item.nodeid)
        pytest.fail("; ".join(f"{variable}=1 but {TOOLS[key].name} cannot be used: {problem}"
                              for key, problem, variable in required), pytrace=False)
    # Every missing tool is counted, so that the closing block names all a newcomer needs
    # at once (the Firefox tests also need Chromium's fixtures, say).
    for key, _ in missing:
        _SKIPPED[key].append(item.nodeid)
    pytest.skip("needs " + "; ".join(f"{TOOLS[key].name}: {problem}" for key, problem in missing))


# ------------------------------------------------------------------ the guard
_JUPYTER_MODULES = {"ipykernel_launcher", "ipykernel", "jupyterlab", "notebook", "voila",
                    "jupyter_server", "jupyter", "nbclassic"}
_JUPYTER_PROGRAMS = {"jupyter", "jupyter-lab", "jupyter-notebook", "jupyter-server", "voila"}
_BUDDY_EDU_COMMANDS = {"lab", "slides"}  # the buddy-edu commands that start Jupyter
_GUARD = pytest.StashKey[str]()


def _argv(args) -> list[str]:
    """Popen's ``args`` (a list, or a shell string) as a list of words."""
    if isinstance(args, (str, bytes)):
        text = os.fsdecode(args)
        try:
            return shlex.split(text)
        except ValueError:  # unbalanced quotes: words are good enough here
            return text.split()
    return [os.fsdecode(a) if isinstance(a, (bytes, os.PathLike)) else str(a) for a in args]


def starts_jupyter(args) -> bool:
    """Whether a process started with ``args`` (as Popen takes them) is a Jupyter kernel
    or server, or ``buddy-edu lab``/``slides``, which start them."""
    argv = _argv(args)
    if any("ipykernel_launcher" in word for word in argv):  # also the grader's `-c` launcher
        return True
    for index, word in enumerate(argv):
        following = argv[index + 1:index + 3]
        if word == "-m" and following:
            module = following[0]
            if module in _JUPYTER_MODULES:
                return True
            if module == "buddy_edu" and following[1:] and following[1] in _BUDDY_EDU_COMMANDS:
                return True
        name = Path(word).name
        if name in _JUPYTER_PROGRAMS:
            return True
        if name == "buddy-edu" and following and following[0] in _BUDDY_EDU_COMMANDS:
            return True
    return False


_running: list[pytest.Item] = []  # the test whose setup, call or teardown runs now
_popen_init = subprocess.Popen.__init__


def _guarded_popen_init(self, args, *rest, **kw):
    item = _running[-1] if _running else None
    if item is not None and starts_jupyter(args) and not any(
            item.get_closest_marker(name) for name in _MAY_START_KERNELS):
        message = (f"{item.nodeid} starts a Jupyter kernel or server ({_short(args)}) but "
                   "is not marked for it: mark it `kernel` (see tests/conftest.py), so that "
                   "make test-fast leaves it out")
        item.stash[_GUARD] = message
        pytest.fail(message, pytrace=False)  # a BaseException: not swallowed by `except Exception`
    _popen_init(self, args, *rest, **kw)


def _short(args) -> str:
    text = " ".join(" ".join(_argv(args)).split())  # a `-c` program on one line
    return text if len(text) <= 120 else text[:117] + "..."


# ------------------------------------------------------------------ the hooks
def pytest_configure(config: pytest.Config) -> None:
    subprocess.Popen.__init__ = _guarded_popen_init


def pytest_unconfigure(config: pytest.Config) -> None:
    subprocess.Popen.__init__ = _popen_init


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture of ``item`` runs: note it for the guard, and skip or fail it
    if a tool it needs is missing."""
    _running.append(item)
    _decide(item)


def pytest_runtest_logfinish(nodeid: str, location) -> None:
    _running.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Fail a test that started Jupyter unmarked even if it caught the guard's error."""
    outcome = yield
    report = outcome.get_result()
    message = item.stash.get(_GUARD, None)
    if message and report.passed and report.when == "call":
        report.outcome = "failed"
        report.longrepr = message


def pytest_terminal_summary(terminalreporter) -> None:
    """One block: each missing tool, the tests it skipped (or failed), how to install it."""
    keys = [key for key in TOOLS if _SKIPPED.get(key) or _FAILED.get(key)]
    if not keys:
        return
    write = terminalreporter.write_line
    terminalreporter.section("tools missing here", sep="-", bold=True)
    for key in keys:
        write(f"{TOOLS[key].name}: {_problem(key)}")
        for verb, ids in (("skipped", _SKIPPED.get(key)), ("FAILED", _FAILED.get(key))):
            if ids:
                files = sorted({nodeid.split("::")[0].rsplit("/", 1)[-1] for nodeid in ids})
                write(f"  {len(ids)} test{'s' * (len(ids) != 1)} {verb}: {', '.join(files)}")
    tools = [TOOLS[key] for key in keys]
    apt = " ".join(dict.fromkeys(p for tool in tools for p in tool.apt.split()))  # once each
    dnf = " ".join(dict.fromkeys(p for tool in tools for p in tool.dnf.split()))
    formulae = " ".join(t.brew for t in tools if t.brew and not t.brew.startswith("--cask"))
    brew = [f"brew install {formulae}"] if formulae else []
    brew += [f"brew install {t.brew}" for t in tools if t.brew.startswith("--cask")]
    write("install with:")
    for system, command in (("Debian/Ubuntu", apt and f"sudo apt-get install {apt}"),
                            ("Fedora", dnf and f"sudo dnf install {dnf}"),
                            ("macOS", " && ".join(brew))):
        if command:
            write(f"  {system + ':':15}{command}")
    for tool in tools:
        if tool.note:
            write(f"  ({tool.note})")
    if not _FAILED:
        write(f"CI sets {_REQUIRE_ALL}=1, where a missing tool fails its tests instead.")
