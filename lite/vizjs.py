"""A synchronous viz.js for the kernel's worker, made from the pinned npm file at build time.

@viz-js/viz's ``dist/viz.js`` is one ES module: Emscripten's loader (an
``async`` factory that awaits ``WebAssembly.instantiate``) with the Graphviz
wasm inlined, and a ``Viz`` class whose drawing calls are synchronous.
Python in a Pyodide kernel cannot wait for a promise in the middle of a cell
without WebAssembly JSPI, which WebKit (Safari, every browser on iOS) does not
have; so the kit loads a *synchronous* variant instead (see
``buddy_edu/render/browser.py``).  This module makes it by a handful of exact
replacements: the factory becomes a plain function that compiles the inlined
wasm with ``new WebAssembly.Module`` (synchronous, and unlimited in size in a
worker), and the module's ``export`` becomes the value of one classic script.

Each replacement must match exactly once, or the build stops and says so:
a new viz.js version is checked here, at build time, not in a student's
browser.
"""

from __future__ import annotations

from pathlib import Path

# Must match buddy_edu.render.browser.SYNC_MARK (tests/test_lite.py checks the two agree).
SYNC_MARK = "buddy-edu: synchronous viz.js"

REPLACEMENTS = (
    # The factory runs to the end in one go ...
    ("async function Module(moduleArg={}){", "function Module(moduleArg={}){"),
    # ... in a classic script, where import.meta is a syntax error (the wasm is inlined, so
    # the script's own address is never used).
    ("var _scriptName=import.meta.url;", "var _scriptName=undefined;"),
    ("async function createWasm(){", "function createWasm(){"),
    ("var result=await instantiateAsync(wasmBinary,wasmBinaryFile,info);",
     "var result={instance:new WebAssembly.Instance(new WebAssembly.Module(wasmBinaryFile),"
     "info)};"),
    ("async function run(){if(runDependencies){await resolveRunDependencies();}",
     "function run(){if(runDependencies){throw new Error('viz.js waits for a file it "
     "cannot load synchronously')}"),
    ("wasmExports=await createWasm();await run();", "wasmExports=createWasm();run();"),
    ("export { engines, formats, graphvizVersion, instance };",
     "return { graphvizVersion, instance: () => new Viz(Module()) };"),
)


class VizjsError(Exception):
    """The pinned viz.js no longer has the shape the replacements expect."""


def synchronous(source: str, version: str) -> str:
    """The synchronous classic-script variant of viz.js ``source``."""
    for old, new in REPLACEMENTS:
        found = source.count(old)
        if found != 1:
            raise VizjsError(
                f"@viz-js/viz {version}'s dist/viz.js holds {old!r} {found} times, not once: "
                "update REPLACEMENTS in lite/vizjs.py for this version (the kernel loads "
                "viz.js synchronously; see buddy_edu/render/browser.py)")
        source = source.replace(old, new)
    return (f"/* {SYNC_MARK}, made by lite/vizjs.py from @viz-js/viz {version}: evaluate it as "
            "a classic script; its value is {graphvizVersion, instance} and instance() "
            "returns a Viz at once. */\n(() => {\n" + source + "\n})()\n")


def write(node_modules: Path, target: Path) -> None:
    """Write the synchronous viz.js of the installed @viz-js/viz to ``target``."""
    import json

    package = node_modules / "@viz-js" / "viz"
    version = json.loads((package / "package.json").read_text())["version"]
    source = (package / "dist" / "viz.js").read_text(encoding="utf-8")
    target.write_text(synchronous(source, version), encoding="utf-8")
