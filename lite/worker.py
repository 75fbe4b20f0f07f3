"""The Pyodide kernel's worker, rewritten to start sooner and to ask the page less often.

One worker on every host.  JupyterLite picks another kernel worker
(``coincident``, talking to the page over SharedArrayBuffer) when the host sends
the headers that make a page cross-origin isolated (COOP/COEP), as some hosts
and JupyterLite extensions' deployment guides set.  Behind those headers, in
Chromium, lesson 00's kernel start or Run All hung (cells left waiting, no
error) in 9 of 15 tries, 2 of the 3 tries with JupyterLite's unmodified worker
among them; with the plain worker forced, in none of 10.  No test ran that path.
So the page always starts the plain worker (ONE_WORKER), the one tested in
three engines, and mounts the browser's files when the service worker runs, as
on any other host; the other worker's file is left out of the site.

Its packages come from one zip that Python imports in place (``packages.py``
says why): Pyodide's own loading of the site's wheels is skipped (``packages:
[]``), and the worker fetches the zip, hash-checked like the wheels were,
writes it to MOUNT and appends it to ``sys.path`` before anything imports
from it.  The site's settings still name the kernel's packages, as the worker
skips its own ``piplite.install`` of each one named.

JupyterLite's kernel worker mounts the browser's files at ``/drive`` and makes
it the working folder *before* it imports the kernel (IPython, the package
manager: about 250 modules).  Python looks for every top-level module in the
working folder first (``''`` leads ``sys.path``), and on ``/drive`` each look
is a synchronous request from the worker through the service worker to the
page and back: 76 of them at each kernel start, 0.45-0.62 s of a 4 s second
visit, counted by ``benchmarks/lite_phases.py --drive`` (issue 20).

So the site's worker mounts ``/drive`` without entering it, imports the kernel
from the in-memory home folder, and then changes to the notebook's folder,
``/drive/<folder>``, where the original ends too (it made the same move,
relative to ``/drive``, only for notebooks in a subfolder).  A student's
code sees the same working folder and the same files as before.

A student's own imports still start in the notebook's folder (as in any
Jupyter), and lesson 00's first cell asked the same "what is at this path"
question about it once per module: 27 requests in its Run All, 0.1 s of the
first picture.  The worker now keeps each answer (``lookup``, ``getmode``,
``getattr``, ``readdir``) for KEEP_MS and forgets them all as soon as the
kernel itself creates, writes, renames or deletes a file; 13 requests are
left.  The price: a file changed from the page (an upload, a rename in the
file browser, another notebook's kernel) reaches this kernel up to KEEP_MS
later, less than it takes to move to a cell and run it.

The kernel's Python is kept in the browser after its first start (STARTER_JS).
A warm visit spent about 1 s in Pyodide's own start and 0.5-0.65 s importing
IPython and the kernel (issue 20), the same work each time.  So the first
start loads Pyodide able to take a memory snapshot (``_makeSnapshot``),
imports the kernel and the Stepper (SNAPSHOT_IMPORTS), takes a snapshot of
Python's memory and keeps it in the browser's Cache Storage (about 45 MB, in
the background); every later start restores it (``_loadSnapshot``) instead.
It is keyed by the packages zip's hash and the starter's own text, and Pyodide
refuses one from another Pyodide build; on any refusal or failure the kernel
starts afresh and the entry is dropped.  It holds nothing of a student's: it
is taken before the drive is mounted or a cell is run.  After a restore,
``random`` is seeded anew, so each kernel still has its own random numbers;
Python's string-hash seed stays the snapshot's (Pyodide's snapshots do without
hash randomization), which nothing in the kit relies on.
Where the page has no Cache Storage (a plain-http host, some private modes),
every start is a fresh one, as before.

Each replacement must be found in the worker's file, or the build stops and
says so: a new JupyterLite is checked here, at build time, not in a student's
browser.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

STATIC = Path("extensions/@jupyterlite/pyodide-kernel-extension/static")
WORKER = "comlink.worker.*.js"  # JupyterLite's plain kernel worker, the one the site uses
ISOLATED_WORKER = "coincident.worker.*.js"  # its choice behind COOP/COEP headers: left out
DRIVE = "/drive"  # the worker's mount point (initFilesystem's `t="/drive"`)

# Put before the worker's code: wraps the drive's request function (the page's answers) so
# that an answer to "what is at this path" is kept for KEEP_MS, until the kernel changes a file.
KEEP_MS = 500
KEEPER = ("const buddyEduKeepAnswers=api=>{const ask=api.request.bind(api),kept=new Map,"
          'reads=new Set(["lookup","getmode","getattr","readdir"]);'
          "api.request=e=>{if(!reads.has(e.method))return kept.clear(),ask(e);"
          'const key=e.method+" "+e.path,now=performance.now(),hit=kept.get(key);'
          f"if(hit&&now-hit[0]<{KEEP_MS})return JSON.parse(hit[1]);"
          "const answer=ask(e);return answer!==void 0&&kept.set(key,[now,JSON.stringify(answer)]),"
          "answer}};\n")

MOUNT = "/lib/packages.zip"  # where the kernel's packages zip goes in Pyodide's file system


def mounter(name: str, sha256: bytes) -> str:
    """Put before the worker's code: fetches the packages zip ``name`` from Pyodide's folder,
    checked against its ``sha256`` as Pyodide checks a wheel, and (unless ``onPath`` is
    false: a restored snapshot has it there already) puts it on ``sys.path`` after
    site-packages (where ``%pip`` installs, so that a newer version installed wins)."""
    integrity = "sha256-" + base64.b64encode(sha256).decode()
    refused = (f"the kernel's packages ({name}) did not load or differ from the site's build "
               "(${why}): publish the whole folder that 'make lite' built")
    return ("const buddyEduPackages=async(pyodide,index,onPath=true)=>{let answer;"
            f'try{{answer=await fetch(index+"{name}",{{integrity:"{integrity}"}})}}'
            "catch(error){const why=error.cause?error.cause.message:error.message;"
            f"throw Error(`{refused}`)}}"
            f"if(!answer.ok){{const why=answer.status;throw Error(`{refused}`)}}"
            f'pyodide.FS.writeFile("{MOUNT}",new Uint8Array(await answer.arrayBuffer()));'
            f"onPath&&pyodide.runPython('import sys; sys.path.append(\"{MOUNT}\")')}};\n")


SNAPSHOT_CACHE = "buddy-edu-kernel"  # the Cache Storage that keeps the kernel's snapshot
# What the kernel's start and a lesson's first cell import, so that a restored kernel has it in
# memory; none of it may hold a JavaScript object but Pyodide's own API.  Each import here is
# paid at the first visit's kernel start instead of at its first cell (buddy_edu.widget: 0.3-0.7
# s in Chromium); buddy_edu.exercises (0.05 s, exercises only) is left to its first cell.
SNAPSHOT_IMPORTS = "pyodide_kernel, buddy_edu.widget"
TAKEN = "import " + SNAPSHOT_IMPORTS
# Run once the snapshot is taken.  Taking one needs Pyodide's ``js`` module wrapped (every
# object reached from it is recorded, so that the snapshot can name it by its path), and
# browser objects reached through that wrapper refuse some calls ("Illegal invocation", from
# viz.js).  The kernel goes on with the browser's own objects.
UNWRAPPED = 'import sys\nsys.modules.pop("js", None)\n'
# Run after a restore: what the snapshot fixed that must differ between kernels, and the
# working folder's "" that Pyodide puts at the head of sys.path once more.
RESEEDED = ('import sys\n'
            'if sys.path[:2] == ["", ""]:\n    del sys.path[0]\n'
            'if "random" in sys.modules:\n    sys.modules["random"].seed()\n'
            'if "tempfile" in sys.modules:\n    sys.modules["tempfile"]._name_sequence = None\n')

STARTER_JS = """const buddyEduStart = async (load, options, index) => {
  const key = index + "KEY";
  const said = (what, error) => console.warn(`buddy-edu: ${what}`, error);
  let cache = null, kept = null, api = null;
  try {
    cache = await caches.open("CACHE");
    kept = await cache.match(key);
  } catch { cache = null; }
  if (kept) try {
    const snapshot = new Uint8Array(await kept.arrayBuffer());
    const { default: make } = await import(index + "pyodide.asm.mjs");
    // What Python held of Pyodide's own API, bound to the new one once it exists.
    const stand = name => name ? (...args) => api[name](...args)
      : new Proxy({}, { get: (_, k) => api[k], has: (_, k) => k in api });
    api = await load({
      ...options, _loadSnapshot: snapshot,
      _snapshotDeserializer: entry => stand(entry.pyodide_js),
      // Pyodide 314 does not size the heap for a snapshot (pyodide/pyodide#6254): grow it.
      createPyodideModule: async settings => {
        const module = await make(settings);
        module.growMemory(snapshot.length);
        return module;
      }});
    api.runPython(RESEEDED);
  } catch (error) {
    api = null;
    said("the kernel kept in this browser did not restore; starting afresh", error);
    await cache.delete(key).catch(() => {});
  }
  if (api) return await buddyEduPackages(api, index, false), api;
  const pyodide = await load({ ...options, _makeSnapshot: cache !== null });
  await buddyEduPackages(pyodide, index);
  if (cache) try {
    pyodide.runPython(TAKEN);
    const names = [];
    for (let o = pyodide; o && o !== Object.prototype; o = Object.getPrototypeOf(o))
      names.push(...Object.getOwnPropertyNames(o));
    const snapshot = pyodide.makeMemorySnapshot({ serializer: object => {
      const own = k => { try { return pyodide[k] === object; } catch { return false; } };
      const name = object === pyodide ? "" : names.find(own);
      if (name === undefined) throw Error(`Python holds ${object}, not Pyodide's own`);
      return { pyodide_js: name };
    }});
    (async () => {  // in the background: the kernel goes on starting
      for (const old of await cache.keys())
        if (old.url.startsWith(index) && old.url !== key) await cache.delete(old);
      await cache.put(key, new Response(snapshot));
    })().catch(error => said("the kernel could not be kept in this browser", error));
  } catch (error) {
    said("the kernel could not be kept in this browser", error);
  } finally {
    pyodide.registerJsModule("js", globalThis);
    pyodide.runPython(UNWRAPPED);
  }
  return pyodide;
};
"""


def starter(packages: str) -> str:
    """Put before the worker's code: ``buddyEduStart``, Pyodide's start from the snapshot kept
    in this browser, or else a fresh start that keeps one (see the module's docstring).  The
    snapshot's key changes with the packages zip (``packages``, named by its hash) and with
    this code."""
    code = (STARTER_JS.replace("CACHE", SNAPSHOT_CACHE)
            .replace("RESEEDED", json.dumps(RESEEDED)).replace("TAKEN", json.dumps(TAKEN))
            .replace("UNWRAPPED", json.dumps(UNWRAPPED)))
    version = hashlib.sha256((packages + code).encode()).hexdigest()[:16]
    return code.replace("KEY", f"kernel.{version}.snapshot")


# initPackageManager's Python, which imported the package manager (piplite, micropip: 55
# modules, 0.13 s under Node.js) at every start only to set two of its settings.  The settings
# are now made when something first imports it (`%pip`, or a student's `import piplite`): a
# finder at the head of sys.meta_path wraps that one import's loader, then steps aside.
LATER_PIPLITE = """
import sys
class BuddyEduPipliteSettings:
    def __init__(self, loader=None):
        self.loader = loader
    def find_spec(self, name, path=None, target=None):
        if name != "piplite.piplite":
            return None
        sys.meta_path.remove(self)
        import importlib.util
        spec = importlib.util.find_spec(name)
        spec.loader = type(self)(spec.loader)
        return spec
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        self.loader.exec_module(module)
        module._PIPLITE_DISABLE_PYPI = \\1
        module._PIPLITE_URLS = \\2
    def __getattr__(self, name):
        return getattr(self.loader, name)
sys.meta_path.insert(0, BuddyEduPipliteSettings())
del BuddyEduPipliteSettings
"""

REPLACEMENTS = (
    # initRuntime: Pyodide unpacks no wheels (the packages zip goes on sys.path instead), and
    # starts from the kernel kept in this browser when there is one (STARTER_JS).
    (re.compile(r"this\._pyodide=await (\w+)\(\{indexURL:(\w+),(.*?)"
                r"\.\.\.e\.loadPyodideOptions\}\)"),
     r"this._pyodide=await buddyEduStart(\1,{indexURL:\2,\3...e.loadPyodideOptions,packages:[]},"
     r"\2)"),
    # initPackageManager: piplite's settings are made when it is first imported (LATER_PIPLITE).
    (re.compile(r"import piplite\.piplite\n\s*piplite\.piplite\._PIPLITE_DISABLE_PYPI = "
                r"(\$\{\w+\?\"True\":\"False\"\})\n\s*piplite\.piplite\._PIPLITE_URLS = "
                r"(\$\{JSON\.stringify\(\w+\)\})"),
     LATER_PIPLITE),
    # initFilesystem: mount the drive, but do not enter it yet; keep its answers a moment.
    (re.compile(r"(\w+)\.mkdirTree\(t\),\1\.mount\((\w+),\{\},t\),\1\.chdir\(t\),"
                r"this\._driveFS=\2"),
     r"\1.mkdirTree(t),\1.mount(\2,{},t),this._driveFS=\2,buddyEduKeepAnswers(\2.API)"),
    # initKernel: after `import pyodide_kernel`, enter the notebook's folder by its full path
    # (the original's path was relative to /drive, which it had entered already).
    (re.compile(r'(\w+)\.push\("import pyodide_kernel"\),e\.mountDrive&&this\._localPath&&'
                r'\1\.push\("import os",`os\.chdir\("\$\{this\._localPath\}"\)`\)'),
     r'\1.push("import pyodide_kernel"),e.mountDrive&&\1.push("import os",'
     r'`os.chdir("' + DRIVE + r'/${this._localPath}")`)'),
)


# The page's choice of worker, in the kernel extension's own chunks: each found exactly once.
ONE_WORKER = (
    # PyodideKernel.initWorker and .initRemote: the plain worker and its channel, always.
    (re.compile(r"return crossOriginIsolated\?(\w+)\("), r"return false?\1("),
    (re.compile(r"initRemote\(e\)\{let (\w+);crossOriginIsolated\?"),
     r"initRemote(e){let \1;false?"),
    # The kernel's plugin: the browser's files are mounted when the service worker runs.
    (re.compile(r"\.enabled\)\|\|crossOriginIsolated\)"), r".enabled))"),
)


class WorkerError(Exception):
    """The kernel's worker no longer has the shape the replacements expect."""


def rewrite(source: str, name: str) -> str:
    """``source`` (one worker file, called ``name``) with every replacement made."""
    for pattern, replacement in REPLACEMENTS:
        source, found = pattern.subn(replacement, source)
        if found == 0:
            raise WorkerError(
                f"the Pyodide kernel's {name} has no {pattern.pattern[:60]!r}...: update "
                "REPLACEMENTS in lite/worker.py for this JupyterLite (see its docstring for "
                "what each one is for)")
    return source


def one_worker(static: Path) -> None:
    """Make the page in ``static`` (the kernel extension's folder) always start the plain
    worker (ONE_WORKER), and leave the other one out."""
    read = {path: path.read_text(encoding="utf-8") for path in sorted(static.glob("*.js"))
            if ".worker." not in path.name}
    chunks = dict(read)
    for pattern, replacement in ONE_WORKER:
        found = [path for path, text in chunks.items() if pattern.search(text)]
        if len(found) != 1 or len(pattern.findall(chunks[found[0]])) != 1:
            raise WorkerError(f"the Pyodide kernel's page code in {static} has {pattern.pattern!r} "
                              f"in {[p.name for p in found]}, not once in one file: update "
                              "ONE_WORKER in lite/worker.py for this JupyterLite")
        chunks[found[0]] = pattern.sub(replacement, chunks[found[0]])
    for path, text in chunks.items():  # only once every replacement was found
        if text != read[path]:
            path.write_text(text, encoding="utf-8")
    for path in static.glob(ISOLATED_WORKER):
        path.unlink()


def patch(site: Path, packages: str, sha256: bytes) -> None:
    """Rewrite the kernel's worker in the built ``site`` to load ``packages`` (the name of the
    zip in Pyodide's folder of the site, whose hash is ``sha256``), and make it the only one."""
    workers = sorted((site / STATIC).glob(WORKER))
    if len(workers) != 1:
        raise WorkerError(f"{site / STATIC} holds {[p.name for p in workers]}, not one {WORKER}: "
                          "update lite/worker.py for this JupyterLite")
    one_worker(site / STATIC)
    (path,) = workers
    path.write_text(KEEPER + mounter(packages, sha256) + starter(packages)
                    + rewrite(path.read_text(encoding="utf-8"), path.name), encoding="utf-8")
