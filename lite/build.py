"""Build the zero-install course: a static JupyterLite site with every lesson and exercise.

    python3 lite/build.py build [--out build/lite]     # what `make lite` runs
    python3 lite/build.py serve [--dir build/lite] [--port 8000]

The site runs Python in the student's browser (Pyodide) and holds everything it
needs: the JupyterLite app, Pyodide, the pure-Python wheels the lessons import
(buddy-edu's own included), and viz.js, Graphviz for the browser.  Nothing in
it fetches from anywhere else: the kernel's PyPI fallback is off, so a
missing package fails in the page instead of leaving the machine.

Everything comes from PyPI and npm at versions pinned in this folder:
``requirements.txt`` (the build tools, installed into their own venv under
``build/lite-tools`` so their exact pins never fight the dev environment's
JupyterLab), ``wheels.txt`` (the browser's wheels, with hashes) and
``package.json`` + ``package-lock.json`` (Pyodide and viz.js).  The site is
built from an empty folder every time: JupyterLite's incremental rebuild was
seen to drop the local Pyodide address and send the page to a CDN.

Four steps make the site work everywhere and start fast (issue 20): viz.js is
served as a synchronous script (``vizjs.py``), so the kernel draws without
WebAssembly JSPI, which WebKit/Safari lacks; what a kernel start imports is
compiled to bytecode by Pyodide itself under Node.js (``pyc.mjs``); the
kernel's packages and buddy-edu are served as one zip that Python imports in
place, instead of wheels unpacked at every start (``packages.py``); and the
kernel's worker loads that zip, imports the kernel before it enters the
browser's files at ``/drive``, where each import would cost a request to the
page, keeps the page's answers about those files for a moment, and is the one
worker the page starts, whatever headers the host sends (``worker.py``).  Left
out, as nothing a lesson or exercise uses: the JupyterLite apps other than
JupyterLab, Font Awesome's pre-WOFF2 font files, jedi with parso (IPython's
tab completion falls back to its own completer),
what ``slim.py`` cuts from the served wheels and Pyodide's stdlib (IPython's
terminal with prompt_toolkit, Pygments' lexers for other languages, front-end
assets in Python wheels, and stdlib modules and codecs a browser tab cannot use),
and the JupyterLab code that only the Mermaid, Vega and terminal extensions load,
which the site turns off (``prune.py``).

Only the standard library is needed to start; the steps that need the build
tools (``jupyter lite``, pip for the wheels) run in the tools venv, into which the
script re-executes itself.
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import http.server
import importlib
import json
import os
import shutil
import subprocess
import sys
import time
import venv
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_OUT = ROOT / "build" / "lite"
TOOLS = ROOT / "build" / "lite-tools"
STAMP = "requirements.sha256"
FIRST = "notebooks/00-start-here.ipynb"
CONTENT = ("notebooks", "exercises")
OWN_SOURCES = ("pyproject.toml", "README.md", "buddy_edu", "notebooks")  # what the wheel needs
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
EXTENSION_WHEELS = ("anywidget-",)  # browser wheels that carry a JupyterLab extension
# The Pyodide kernel's own wheels, shipped in its lab extension: in the packages zip too, so
# that the kernel finds them at start-up with everything else (see PRELOAD).
KERNEL_EXTENSION = "share/jupyter/labextensions/@jupyterlite/pyodide-kernel-extension"
KERNEL_WHEELS = ("piplite-", "pyodide_kernel-", "ipykernel-")
# What a kernel start and a lesson's first cells import: compiled to bytecode at build time.
WARM = ("micropip", "piplite", "pyodide_kernel", "buddy_edu", "buddy_edu.widget",
        "buddy_edu.render", "buddy_edu.exercises", "ipywidgets", "anywidget", "graphviz")
# The kernel's packages that its worker would otherwise install one by one with
# `piplite.install` at each start: named in the site's settings, it skips them, as they are
# all in the packages zip (checked at build time).
PRELOAD = ("micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython",
           "buddy-edu", "ipywidgets", "anywidget", "graphviz")
KERNEL_SETTINGS = "@jupyterlite/pyodide-kernel-extension:kernel"


class BuildError(Exception):
    """The site cannot be built; the message says what to install or fix."""


def log(message: str) -> None:
    print(f"[lite] {message}", flush=True)


def run(command: list[str], **kwargs) -> None:
    """Run a build step; its own output shows only when it fails."""
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if done.returncode != 0:
        raise BuildError(f"`{' '.join(map(str, command))}` failed (exit {done.returncode}):\n"
                         f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------ tools
def tools_python() -> Path:
    """The tools venv's Python, (re)made when requirements.txt has changed."""
    python = TOOLS / "bin" / "python"
    wanted = sha256(HERE / "requirements.txt")
    stamp = TOOLS / STAMP
    if python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return python
    log(f"installing the pinned build tools into {TOOLS.relative_to(ROOT)}")
    shutil.rmtree(TOOLS, ignore_errors=True)
    try:
        venv.EnvBuilder(with_pip=True).create(TOOLS)
    except (OSError, subprocess.CalledProcessError) as error:
        raise BuildError(f"cannot make a venv in {TOOLS} ({error}): on Debian/Ubuntu "
                         "install python3-venv") from None
    run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-r", str(HERE / "requirements.txt")])
    stamp.write_text(wanted + "\n")
    return python


def in_tools() -> bool:
    return Path(sys.prefix).resolve() == TOOLS.resolve()


def sibling(name: str):
    """lite/<name>.py (vizjs.py, slim.py, ...), also when this file is imported as a module, as
    the tests do, rather than run."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    return importlib.import_module(name)


# ------------------------------------------------------------------------ build
def build(out: Path, course: Path | None = None) -> dict:
    """Build the site into ``out`` from nothing; returns figures about it.

    With ``course`` (a course folder), the exercises are the course's released notebooks
    (``DIR/release/*.ipynb``, written by ``buddy-edu course release``) instead of the
    practice ones; nothing else of the course folder is copied, and the built site is
    searched for the course secret before it is kept.
    """
    released = released_notebooks(course) if course is not None else None
    started = time.monotonic()
    work = out.parent / f"{out.name}-work"
    for folder in (out, work):
        shutil.rmtree(folder, ignore_errors=True)
    work.mkdir(parents=True)
    site_src = work / "lite"
    pyodide_dir = site_src / "static" / "pyodide"
    pyodide_dir.mkdir(parents=True)

    node_modules = npm_install(work / "npm")
    for name in PYODIDE_FILES:
        shutil.copy2(node_modules / "pyodide" / name, pyodide_dir / name)
    vizjs = sibling("vizjs")
    try:  # the kernel loads it synchronously: no promise to wait for, so no JSPI needed
        vizjs.write(node_modules, pyodide_dir / "viz.js")
    except vizjs.VizjsError as error:
        raise BuildError(str(error)) from None

    own = build_own_wheel(work / "own")
    wheels = (download_wheels(work / "wheels") + [own] + kernel_wheels()
              + [jedi_stand_in(work / "stand-in")])
    slim = sibling("slim")
    saved = 0
    for wheel in wheels:
        shutil.copy2(wheel, pyodide_dir / wheel.name)
        try:  # the served copy only: the page's extensions come from the downloaded wheel
            saved += slim.slim(pyodide_dir / wheel.name)
        except slim.SlimError as error:
            raise BuildError(str(error)) from None
    try:
        saved += slim.slim_stdlib(pyodide_dir / "python_stdlib.zip")
    except slim.SlimError as error:
        raise BuildError(str(error)) from None
    log(f"served wheels and stdlib slimmed by {saved / 1e6:.1f} MB (lite/slim.py)")
    served = [pyodide_dir / w.name for w in wheels]
    precompile(node_modules / "pyodide", served, work / "pyc-jobs.json",
               zips=[pyodide_dir / "python_stdlib.zip", *served],
               keep_source=pyodide_dir / own.name)
    packages = merge_packages(served, pyodide_dir)
    lock = json.loads((node_modules / "pyodide" / "pyodide-lock.json").read_text())
    lock["packages"] = {}  # nothing for Pyodide to install: the packages zip has it all
    (pyodide_dir / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))

    for folder in CONTENT:
        if folder == "exercises" and released is not None:
            (site_src / "files" / folder).mkdir(parents=True)
            for notebook in released:
                shutil.copy2(notebook, site_src / "files" / folder / notebook.name)
            continue
        shutil.copytree(ROOT / folder, site_src / "files" / folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    write_config(site_src, [w for w in wheels if w.name.startswith(EXTENSION_WHEELS)])
    log("running jupyter lite build")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(JUPYTER_CONFIG_DIR=str(work / "jupyter-config"),
               JUPYTER_DATA_DIR=str(work / "jupyter-data"))
    run([str(Path(sys.prefix) / "bin" / "jupyter"), "lite", "build", "--lite-dir",
         str(site_src), "--output-dir", str(out)], cwd=site_src, env=env)
    open_first_lesson(out)
    pruned = prune_legacy_fonts(out)
    prune = sibling("prune")
    try:
        chunks, freed = prune.prune(out)
    except prune.PruneError as error:
        raise BuildError(str(error)) from None
    worker = sibling("worker")
    try:  # the packages zip on sys.path, and 76 fewer requests to the page at each start
        worker.patch(out, packages.path.name, packages.sha256)
    except worker.WorkerError as error:
        raise BuildError(str(error)) from None
    schemas = prune_plugin_schemas(out) + shrink_favicon(out)
    log(f"left out {chunks} JupyterLab chunks that only the extensions turned off load "
        f"({freed / 1e6:.1f} MB), the per-plugin schema copies and the 256-pixel favicon "
        f"({schemas / 1e6:.1f} MB)")
    check_site(out)
    if course is not None:
        check_no_secret(out, course)
    shutil.rmtree(work)
    seconds = time.monotonic() - started
    files = [p for p in out.rglob("*") if p.is_file()]
    figures = {"seconds": round(seconds, 1), "files": len(files),
               "megabytes": round(sum(p.stat().st_size for p in files) / 1e6, 1),
               "pruned_fonts_megabytes": round(pruned / 1e6, 1)}
    log(f"built {out} in {figures['seconds']} s: {figures['files']} files, "
        f"{figures['megabytes']} MB")
    return figures


def npm_install(folder: Path) -> Path:
    """Pyodide and viz.js exactly as package-lock.json pins them; their node_modules."""
    if shutil.which("npm") is None:
        raise BuildError("npm is not on PATH: install Node.js 18 or later with npm "
                         "(Debian/Ubuntu: `apt-get install nodejs npm`)")
    folder.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(HERE / name, folder / name)
    log("npm ci (pyodide, @viz-js/viz)")
    run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=folder)
    return folder / "node_modules"


def download_wheels(folder: Path) -> list[Path]:
    """The browser's wheels from PyPI, each checked against its hash in wheels.txt."""
    log("pip download (the browser's wheels, hash-checked)")
    run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--only-binary=:all:", "--python-version", "3.14", "--platform", "any",
         "--implementation", "py", "--require-hashes", "-r", str(HERE / "wheels.txt"),
         "-d", str(folder)])
    return sorted(folder.glob("*.whl"))


def build_own_wheel(folder: Path) -> Path:
    """buddy-edu's wheel from this checkout, built with the pinned setuptools.

    Built from a copy of the sources: setuptools keeps a build/lib of its own
    beside pyproject.toml and never removes files from it, so a module deleted
    from the checkout would live on in wheels built in place.
    """
    log("building buddy-edu's wheel")
    source = folder / "source"
    for name in OWN_SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc",
                                                          ".ipynb_checkpoints"))
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--no-build-isolation", "-w", str(folder), str(source)])
    (wheel,) = folder.glob("buddy_edu-*.whl")
    return wheel


def jedi_stand_in(folder: Path) -> Path:
    """A wheel named jedi whose import fails, saying why: the kernel's start-up asks for
    jedi by name (and Pyodide refuses a name its lock lacks), IPython only tries it for tab
    completion and falls back to its own completer when the import fails."""
    folder.mkdir(parents=True)
    wheel = folder / "jedi-0-py3-none-any.whl"
    info = "jedi-0.dist-info"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("jedi/__init__.py", 'raise ImportError("jedi is left out of the '
                         'buddy-edu site: IPython completes with its own completer")\n')
        archive.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: jedi\nVersion: 0\n"
                         "Summary: stand-in: jedi is left out of this site\n")
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: lite/build.py\n"
                         "Root-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", "")
    return wheel


def precompile(pyodide: Path, wheels: list[Path], jobs_file: Path, zips: list[Path],
               keep_source: Path) -> None:
    """Compile to bytecode, with Pyodide itself (lite/pyc.mjs), every module that a kernel
    start and the lessons' first imports (WARM) load, in the zip that holds it: the browser
    then imports IPython, the stdlib and buddy-edu without compiling them (kernel ready in
    about half the time).  Other modules stay source.  Only ``keep_source`` (buddy-edu's
    wheel, whose tracebacks students read) keeps the .py beside its bytecode."""
    log("compiling what a kernel start imports to bytecode with Pyodide (node lite/pyc.mjs)")
    jobs_file.write_text(json.dumps({
        "wheels": [str(w) for w in wheels], "warm": list(WARM),
        "zips": [{"path": str(z), "keep_source": z == keep_source} for z in zips]}))
    run(["node", str(HERE / "pyc.mjs"), str(pyodide), str(jobs_file)])


def kernel_wheels() -> list[Path]:
    """The wheels the Pyodide kernel's extension serves itself (piplite, pyodide_kernel and
    its ipykernel stand-in), from the pinned jupyterlite-pyodide-kernel in the tools venv."""
    folder = Path(sys.prefix) / KERNEL_EXTENSION / "static" / "pypi"
    found = sorted(w for w in folder.glob("*.whl") if w.name.startswith(KERNEL_WHEELS))
    if len(found) != len(KERNEL_WHEELS):
        raise BuildError(f"{folder} should hold one wheel for each of {KERNEL_WHEELS}, holds "
                         f"{[w.name for w in found]}: update KERNEL_WHEELS in lite/build.py")
    return found


def merge_packages(wheels: list[Path], folder: Path):
    """Merge the served ``wheels`` into one packages zip in ``folder`` and delete them
    (lite/packages.py); BuildError if the kernel's own packages are not all in it."""
    packages = sibling("packages")
    try:
        merged = packages.merge(wheels, folder)
    except packages.PackagesError as error:
        raise BuildError(str(error)) from None
    missing = sorted(set(PRELOAD) - set(merged.names))
    if missing:
        raise BuildError(f"the packages zip lacks {missing}, which the kernel's settings name "
                         "as installed: add their wheels to lite/wheels.txt")
    for wheel in wheels:
        wheel.unlink()
    log(f"{len(wheels)} wheels merged into {merged.path.name} "
        f"({merged.path.stat().st_size / 1e6:.1f} MB, lite/packages.py)")
    return merged


def write_config(site_src: Path, extensions: list[Path]) -> None:
    """jupyter-lite.json for the page and jupyter_lite_config.json for the build.

    ``extensions`` are browser wheels that also carry a JupyterLab extension the page
    needs: the build takes it out of the same hash-checked file the kernel installs,
    so the two halves always match and the build tools need not install them.
    """
    page = {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "buddy-edu lessons",
            "exposeAppInBrowser": True,  # window.jupyterapp, for the browser test
            # Features no lesson uses, whose code lite/prune.py leaves out of the site.
            "disabledExtensions": sorted(sibling("prune").DISABLED),
            "litePluginSettings": {KERNEL_SETTINGS: {
                "disablePyPIFallback": True,
                "loadPyodideOptions": {"packages": list(PRELOAD)}}},
        },
    }
    (site_src / "jupyter-lite.json").write_text(json.dumps(page, indent=2))
    build_config = {"LiteBuildConfig": {
        "contents": [str(site_src / "files")], "no_sourcemaps": True,
        # Only JupyterLab, the one app the course opens, and only the shared packages it
        # uses: the other apps (Notebook 7, REPL, ...) and their code are left out.
        "apps": ["lab"], "no_unused_shared_packages": True,
        "federated_extensions": [str(wheel) for wheel in extensions]}}
    (site_src / "jupyter_lite_config.json").write_text(json.dumps(build_config, indent=2))


def open_first_lesson(out: Path) -> None:
    """The site's front page opens JupyterLab on the first lesson, not an empty launcher.

    JupyterLite's root index.html only hands over to the app; the app's own pages
    read their configuration out of it, so it stays, and just the hand-over changes.
    """
    index = out / "index.html"
    hand_over = "await import('./config-utils.js');"
    text = index.read_text()
    if hand_over not in text:
        raise BuildError(f"{index} no longer loads config-utils.js as JupyterLite 0.8 did: "
                         "update open_first_lesson() in lite/build.py for this version")
    index.write_text(text.replace(
        hand_over, f"location.replace('./lab/index.html?path={FIRST}');"))


LEGACY_FONTS = (".eot", ".ttf", ".svg", ".woff")


def prune_legacy_fonts(out: Path) -> int:
    """Delete the old formats of every web font that also comes as WOFF2; the bytes freed.

    Font Awesome's stylesheet offers each font as EOT, WOFF2, WOFF, TTF and SVG,
    WOFF2 first after the EOT that only Internet Explorer reads; Chromium, Firefox and
    Safari all take WOFF2, so the other four are never fetched.  A font without a
    WOFF2 sibling (MathJax's) is kept, and so is any whose stylesheet does not name the
    WOFF2 file: then this build stops instead of guessing.
    """
    build = out / "build"
    sheets = [p for p in build.glob("*.js")] + list(build.glob("*.css"))
    freed = 0
    for font in sorted(build.iterdir()):
        woff2 = font.with_suffix(".woff2")
        if font.suffix not in LEGACY_FONTS or not woff2.exists():
            continue
        for sheet in sheets:
            text = sheet.read_text(encoding="utf-8", errors="replace")
            if font.name in text and woff2.name not in text:
                raise BuildError(f"{sheet.name} names {font.name} without {woff2.name}: "
                                 "update prune_legacy_fonts() in lite/build.py")
        freed += font.stat().st_size
        font.unlink()
    return freed


def prune_plugin_schemas(out: Path) -> int:
    """Delete build/schemas' per-plugin files; the bytes freed.  The page reads the settings
    schemas only from the two files the build compiles them into (``all.json``, and
    ``all_federated.json`` for the extensions from wheels): the per-plugin copies are the
    build's input, left beside its output."""
    schemas = out / "build" / "schemas"
    compiled = {schemas / "all.json", schemas / "all_federated.json"}
    if not all(path.is_file() for path in compiled):
        raise BuildError(f"{schemas} lacks all.json or all_federated.json: update "
                         "prune_plugin_schemas() in lite/build.py for this jupyterlite-core")
    freed = 0
    for path in sorted(schemas.rglob("*"), reverse=True):  # files before their folders
        if path.is_dir():
            path.rmdir()
        elif path not in compiled:
            freed += path.stat().st_size
            path.unlink()
    return freed


def shrink_favicon(out: Path) -> int:
    """lab/favicon.ico becomes the site's own static/favicons/favicon.ico (16 and 32 pixels,
    all a browser tab shows) instead of a 320 KB icon with 256-pixel images; the bytes freed."""
    big, small = out / "lab" / "favicon.ico", out / "static" / "favicons" / "favicon.ico"
    if not (big.is_file() and small.is_file()):
        raise BuildError(f"{big} or {small} is missing: update shrink_favicon() in "
                         "lite/build.py for this jupyterlite-core")
    freed = big.stat().st_size - small.stat().st_size
    if freed <= 0:
        return 0
    shutil.copyfile(small, big)
    return freed


def released_notebooks(course: Path) -> list[Path]:
    """The notebooks ``buddy-edu course release`` wrote for ``course``; BuildError if none."""
    if not (course / "course.json").is_file():
        raise BuildError(f"{course} is not a course folder (no course.json): make one with "
                         "`buddy-edu course init DIR`")
    found = sorted((course / "release").glob("*.ipynb"))
    if not found:
        raise BuildError(f"{course / 'release'} holds no notebooks: run `buddy-edu course "
                         f"release {course} ASSIGNMENT` for each assignment first")
    return found


def check_no_secret(out: Path, course: Path) -> None:
    """Refuse a site in which the course secret can be found, as text (hex) or as bytes
    (raw, base 64): the secret makes every student's answer key."""
    text = (course / "secret.key").read_text(encoding="ascii").strip()
    raw = bytes.fromhex(text)
    needles = [text.encode(), text.upper().encode(), raw, base64.b64encode(raw),
               base64.urlsafe_b64encode(raw)]
    for path in out.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            if any(needle in content for needle in needles):
                shutil.rmtree(out, ignore_errors=True)
                raise BuildError(f"the course secret was found in {path}: the site was "
                                 "deleted; report this as a bug")


def check_site(out: Path) -> None:
    """Refuse a site that would reach outside itself or miss a file its lock names."""
    settings = {}
    for config in [out / "jupyter-lite.json", *out.glob("*/jupyter-lite.json")]:
        data = json.loads(config.read_text()).get("jupyter-config-data", {})
        settings.update(data.get("litePluginSettings", {}).get(KERNEL_SETTINGS, {}))
    url = settings.get("pyodideUrl", "")
    if not url or "://" in url or url.startswith("//"):
        raise BuildError(f"the site's pyodideUrl is {url!r}, not the local static/pyodide: "
                         "is static/pyodide/pyodide.mjs missing from the lite dir?")
    if settings.get("disablePyPIFallback") is not True:
        raise BuildError("the site's kernel settings lost disablePyPIFallback: true")
    pyodide_dir = out / "static" / "pyodide"
    zips = sorted(pyodide_dir.glob("packages.*.zip"))
    if len(zips) != 1:
        raise BuildError(f"{pyodide_dir} should hold one packages zip, holds "
                         f"{[z.name for z in zips]}")
    worker = sibling("worker")
    workers = sorted((out / worker.STATIC).glob(worker.WORKER))
    stale = [w.name for w in workers if zips[0].name not in w.read_text(encoding="utf-8")]
    if not workers or stale:
        raise BuildError(f"the kernel's workers {stale or '(none found)'} do not load "
                         f"{zips[0].name}")
    for name in ("viz.js", *PYODIDE_FILES):
        if not (pyodide_dir / name).exists():
            raise BuildError(f"{pyodide_dir / name} is missing from the site")
    for folder in CONTENT:
        if not (out / "files" / folder).is_dir():
            raise BuildError(f"the site has no files/{folder}")


# ------------------------------------------------------------------------ serve
class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with the types the page needs (.mjs as JavaScript, .wasm streamed)."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".js": "text/javascript",
                      ".wasm": "application/wasm", ".json": "application/json"}

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if os.environ.get("BUDDY_EDU_LITE_QUIET") != "1":
            super().log_message(format, *args)


def serve(site: Path, port: int) -> None:
    """Serve ``site`` on 127.0.0.1 only: a try-out, not a production web server."""
    if not (site / "index.html").exists():
        raise BuildError(f"no site at {site}: build it first with `make lite`")
    handler = functools.partial(Handler, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"Serving {site} at http://127.0.0.1:{server.server_address[1]}/ "
              "(Ctrl-C stops)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build the site from a clean folder")
    build_cmd.add_argument("--out", type=Path, default=DEFAULT_OUT)
    build_cmd.add_argument("--course", type=Path, default=None,
                           help="a course folder: its released notebooks replace the "
                                "practice exercises")
    serve_cmd = commands.add_parser("serve", help="serve a built site on 127.0.0.1")
    serve_cmd.add_argument("--dir", type=Path, default=DEFAULT_OUT)
    serve_cmd.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            serve(args.dir.resolve(), args.port)
        elif in_tools():
            build(args.out.resolve(), args.course.resolve() if args.course else None)
        else:
            python = tools_python()
            os.execv(python, [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])
    except BuildError as error:
        print(f"lite: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
