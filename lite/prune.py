"""Leave out of the site the JupyterLab code that only features the course turns off load.

JupyterLite's prebuilt JupyterLab (from the pinned jupyterlite-core) carries,
as chunks loaded on demand, three large libraries for features no lesson or
exercise uses: Mermaid (diagrams in Markdown, with its KaTeX, Cytoscape, ELK
and D3: about 4.5 MB), Vega (charts) and xterm.js (terminals, which a static
site cannot have anyway).  The site turns the three extensions off
(``DISABLED``, written into ``jupyter-lite.json``'s ``disabledExtensions``,
which JupyterLab honours plugin by plugin), and this module deletes the
chunks that nothing else can load.

Which chunks those are is computed, not listed: the chunk graph is read from
the build (every ``__webpack_require__.e(N)`` in the app's bundle and chunks),
the places that load the three libraries (``CUTS``: exact text that must occur
once, so a new jupyterlite-core stops the build here and says where to look)
are taken out, and what is then unreachable is deleted.  As a check on the
graph itself, nothing may be unreachable before the cuts: a chunk loaded in a
way the graph does not see would make the build stop rather than lose it.
"""

from __future__ import annotations

import re
from pathlib import Path

# Extensions turned off in the page, and why nothing in the course needs them.
DISABLED = {
    "@jupyterlab/mermaid-extension": "Mermaid diagrams: no notebook of the course has one",
    "@jupyterlab/vega5-extension": "Vega charts: no output of the course is one",
    "@jupyterlab/terminal-extension": "terminals: a static site has no server to run them",
}

# Where the app loads each library: taken out of the graph before the unreachable chunks go.
# In bundle.js, a shared module's factory and fallback; in jlab_core, a lazy import.
SHARED_KEYS = ("vega", "vega-lite", "vega-embed")  # loaded only by the Vega extension's renderer
CUTS = (
    # @jupyterlab/mermaid's MermaidManager loads mermaid itself (only the Mermaid extension
    # makes a MermaidManager).
    ("jlab_core", "Promise.all([o.e(5981),o.e(9497),o.e(5506),o.e(2840)]).then(o.bind(o,21657))"),
    ("jlab_core", "o.e(6068).then(o.t.bind(o,63711,19))"),  # mermaid's version, beside it
    ("jlab_core", "o.e(5395).then(o.bind(o,36222))"),  # its ELK layout (ensureMermaidElk)
    # @jupyterlab/terminal's Terminal widget loads xterm.js and its add-ons (only the terminal
    # extension makes one).
    ("jlab_core", "Promise.all([o.e(2802).then(o.t.bind(o,66436,23)),o.e(5733).then(o.t.bind("
                  "o,50308,23)),c?o.e(2113).then(o.t.bind(o,95768,23)):o.e(2613).then(o.t.bind("
                  "o,82852,23)),o.e(8829).then(o.t.bind(o,39100,23)),o.e(3697).then(o.t.bind(o,"
                  "92872,23))])"),
)
# Chunk ids are numbers as the minifier writes them: 6000 is `6e3`.
NUMBER = r"\d+(?:e\d+)?"
LOAD = re.compile(r"\.e\((" + NUMBER + r")\)")


def number(text: str) -> int:
    return int(float(text)) if "e" in text else int(text)


class PruneError(Exception):
    """The app's build no longer has the shape this module expects."""


def chunk_files(build: Path, bundle: str) -> dict[int, Path]:
    """Chunk id -> file, from the bundle's own id -> name function (``__webpack_require__.u``)."""
    found = re.search(r'__webpack_require__\.u=\w=>""\+\((\d+)===\w\?"(\w+)":\w\)\+"\."\+'
                      r"\(\{([^}]*)\}\)", bundle)
    if not found:
        raise PruneError("lab/bundle.js names its chunks in another way than JupyterLite 0.8's: "
                         "update chunk_files() in lite/prune.py")
    named_id, name, table = int(found.group(1)), found.group(2), found.group(3)
    files = {}
    for text, digest in re.findall(r"(" + NUMBER + r'):"([0-9a-f]+)"', table):
        chunk = number(text)
        stem = name if chunk == named_id else str(chunk)
        files[chunk] = build / f"{stem}.{digest}.js"
    return files


def shared_snippets(bundle: str, key: str) -> list[str]:
    """The bundle's text that loads shared module ``key``: its factory and its fallbacks."""
    snippets = re.findall(r'\{name:"' + re.escape(key) + r'",version:"[^"]*",factory:\(\)=>[^{}]*?'
                          r',eager:', bundle)
    snippets += re.findall(r'shareKey:"' + re.escape(key) + r'",[^{}]*?fallback:\(\)=>[^{}]*?'
                           r',treeShakingMode:', bundle)
    if len(snippets) < 2:
        raise PruneError(f"lab/bundle.js does not share {key!r} as JupyterLite 0.8.6 did: update "
                         "SHARED_KEYS in lite/prune.py")
    return snippets


def unreachable(texts: dict[int, str], roots: list[str]) -> set[int]:
    """Chunks that no chain of loads from ``roots`` reaches."""
    seen: set[int] = set()
    todo = [number(n) for text in roots for n in LOAD.findall(text)]
    while todo:
        chunk = todo.pop()
        if chunk in seen or chunk not in texts:
            continue
        seen.add(chunk)
        todo += [number(n) for n in LOAD.findall(texts[chunk])]
    return set(texts) - seen


def prune(site: Path) -> tuple[int, int]:
    """Delete the chunks only the DISABLED extensions' libraries need; (files, bytes) freed."""
    build = site / "build"
    bundle = (build / "lab" / "bundle.js").read_text(encoding="utf-8")
    files = chunk_files(build, bundle)
    missing = [str(p.name) for p in files.values() if not p.exists()]
    if missing:
        raise PruneError(f"lab/bundle.js names chunks the site lacks: {missing[:5]}")
    texts = {chunk: path.read_text(encoding="utf-8") for chunk, path in files.items()}
    if unreachable(texts, [bundle]):
        raise PruneError("some chunks are loaded in a way lite/prune.py does not see: "
                         "update LOAD there before pruning anything")
    for key in SHARED_KEYS:
        for snippet in shared_snippets(bundle, key):
            bundle = bundle.replace(snippet, "")
    by_name = {path.name.split(".")[0]: chunk for chunk, path in files.items()}
    for stem, snippet in CUTS:
        chunk = by_name.get(stem)
        count = texts[chunk].count(snippet) if chunk is not None else 0
        if count != 1:
            raise PruneError(f"{stem}'s chunk holds {count} copies, not one, of {snippet[:60]!r}"
                             "...: update CUTS in lite/prune.py for this jupyterlite-core")
        texts[chunk] = texts[chunk].replace(snippet, "")
    gone = unreachable(texts, [bundle])
    freed = 0
    for chunk in sorted(gone):
        freed += files[chunk].stat().st_size
        files[chunk].unlink()
    return len(gone), freed
