"""Pictures to files: one SVG, or a self-contained HTML stepper for slides and LMSs.

The HTML file holds every position of the timeline inline (tree, memory map,
free lists, stats and narration) and a few lines of plain JavaScript to step
through them, so it works offline, without Jupyter, from a USB stick.  A wide
tree scrolls rather than shrinking below readable labels, and a button shows
it at its natural size; the page follows the reader's light or dark setting.

Every frame carries the pictures' text alternatives (the tree and the memory
map named in words, the whole tree as a visually hidden list beside it), and
the page announces each step's narration in one live region; the tree's
scrolling pane takes focus and scrolls with the arrow keys.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from ..core import BuddyAllocator, InvalidRequest
from .describe import SR_ONLY, tree_outline_html
from .dot import to_svg
from .position import at_position, caption
from .strip import memory_strip_svg
from .tables import free_lists_html, stats_html

_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
# Inside HTML the namespaces are implied; dropping them leaves no URL in the file.
_NAMESPACE = re.compile(r'\s+xmlns(?::xlink)?="[^"]*"')
_GRAPHVIZ_ID = re.compile(r'\s+id="(?:graph|node|edge)\d+"')
_COMMENT = re.compile(r"<!--.*?-->\n?", re.DOTALL)
TREE_REGION = "Tree of blocks: scroll it with the arrow keys; the tree in words follows it"


def save_svg(allocator: BuddyAllocator, path: str | Path, position: int | None = None) -> Path:
    """Write the tree at ``position`` (default: current) as a standalone SVG file."""
    path = Path(path)
    path.write_text(_XML_HEAD + to_svg(allocator, position), encoding="utf-8")
    return path


def export_html(allocator: BuddyAllocator, path: str | Path, *, title: str | None = None,
                start: int | None = None) -> Path:
    """Write every position 0..N as one offline HTML page with First/Back/Forward/Last.

    ``start`` is the position shown first (default: the allocator's current
    one).  Keys: Left/Right step, Home/End jump to the ends.
    """
    path = Path(path)
    count = allocator.event_count()
    first = allocator.position if start is None else start
    if type(first) is not int or not 0 <= first <= count:
        raise InvalidRequest(f"start must be a position between 0 and {count}, got {start!r}")
    heading = title or "Buddy allocator, step by step"
    sections = [
        f'<section class="snapshot" data-position="{position}">{frame}</section>'
        for position, frame in enumerate(frames_html(allocator))
    ]
    page = _PAGE.format(title=escape(heading), count=count, start=first,
                        snapshots="\n".join(sections), sr_only=SR_ONLY)
    path.write_text(page, encoding="utf-8")
    return path


def frames_html(allocator: BuddyAllocator, positions: range | None = None, *,
                tables: bool = True, of_total: bool = True) -> list[str]:
    """The HTML of each position in ``positions`` (default: 0..N): caption, tree, strip, tables.

    This is what :func:`export_html` pages through, returned instead of
    written, so a slide deck can lay the same pictures out as its own steps.
    ``tables=False`` leaves out the free-list and stats tables, for a slide
    that has room only for the narration and the two pictures;
    ``of_total=False`` captions "Step i" without "of n", for predict mode.  The
    allocator is left at the position it was at.
    """
    count = allocator.event_count()
    wanted = range(count + 1) if positions is None else positions
    frames = []
    with at_position(allocator):
        for position in wanted:
            allocator.seek(position)
            extra = (f'<div class="tables">{free_lists_html(allocator)}'
                     f"{stats_html(allocator)}</div>") if tables else ""
            frames.append(
                f'<p class="caption">{escape(caption(allocator, of_total=of_total))}</p>'
                f'<div class="tree" tabindex="0" role="region" aria-label="{TREE_REGION}">'
                f"{_inline(to_svg(allocator))}{tree_outline_html(allocator)}</div>"
                f'<div class="strip">{_inline(memory_strip_svg(allocator))}</div>'
                + extra
            )
    return frames


def _inline(svg: str) -> str:
    """An SVG ready to sit inside HTML: no namespaces, no Graphviz ids or comments."""
    return _COMMENT.sub("", _GRAPHVIZ_ID.sub("", _NAMESPACE.sub("", svg)))


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 1rem 2rem; color: #111;
  background: #fff; color-scheme: light dark; }}
@media (prefers-color-scheme: dark) {{ body {{ color: #eee; background: #111; }} }}
nav {{ display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }}
nav button {{ font-size: 1rem; padding: .3rem .8rem; }}
.js .snapshot {{ display: none; }}
.js .snapshot.current {{ display: block; }}
.snapshot {{ border-top: 1px solid #ccc; margin-top: 1rem; }}
.caption {{ font-size: 1.15rem; min-height: 2.6em; }}
.tree {{ overflow-x: auto; position: relative; }}
:focus-visible {{ outline: 3px solid #005A8C; outline-offset: 2px; }}
@media (prefers-color-scheme: dark) {{ :focus-visible {{ outline-color: #8FCBF5; }} }}
.tree svg {{ max-width: 100%; height: auto; }}
.natural .tree svg {{ max-width: none; }}
.strip {{ max-width: 60rem; margin: 1rem 0; }}
.tables {{ display: flex; gap: 2rem; flex-wrap: wrap; align-items: flex-start; }}
table {{ border-collapse: collapse; }}
caption {{ text-align: left; font-weight: bold; }}
td, th {{ border: 1px solid #ccc; padding: .15rem .5rem; text-align: left; }}
</style>
</head>
<body>
<h1>{title}</h1>
<nav aria-label="Step through the timeline">
<button type="button" id="first" title="First step (Home)">&laquo; First</button>
<button type="button" id="back" title="Back one step (Left arrow)">&#x25C0; Back</button>
<button type="button" id="forward" title="Forward one step (Right arrow)">Forward &#x25B6;</button>
<button type="button" id="last" title="Last step (End)">Last &raquo;</button>
<button type="button" id="zoom" aria-pressed="false"
 title="Show the tree at its natural size (pressed) or fit to the page">Tree at 100%</button>
<span id="where"></span>
</nav>
<p id="said" aria-live="polite" aria-atomic="true" style="{sr_only}"></p>
<main>
{snapshots}
</main>
<script>
(function () {{
  var snaps = document.querySelectorAll(".snapshot"), last = {count}, at = {start};
  document.documentElement.className = "js";
  function show(n) {{
    at = Math.max(0, Math.min(last, n));
    for (var i = 0; i < snaps.length; i++) snaps[i].classList.toggle("current", i === at);
    document.getElementById("where").textContent = "Position " + at + " of " + last;
    var caption = snaps[at].querySelector(".caption");
    document.getElementById("said").textContent = caption ? caption.textContent : "";
  }}
  document.getElementById("first").onclick = function () {{ show(0); }};
  document.getElementById("back").onclick = function () {{ show(at - 1); }};
  document.getElementById("forward").onclick = function () {{ show(at + 1); }};
  document.getElementById("last").onclick = function () {{ show(last); }};
  var zoom = document.getElementById("zoom");
  zoom.onclick = function () {{
    var natural = document.querySelector("main").classList.toggle("natural");
    zoom.setAttribute("aria-pressed", String(natural));
  }};
  document.addEventListener("keydown", function (e) {{
    var moves = {{ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: last}};
    if (e.altKey || e.ctrlKey || e.metaKey || !(e.key in moves)) return;
    if (e.key.indexOf("Arrow") === 0 && e.target.closest && e.target.closest(".tree")) return;
    e.preventDefault();
    show(moves[e.key]);
  }});
  show(at);
}})();
</script>
</body>
</html>
"""
