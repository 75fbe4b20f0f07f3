"""The tree of blocks as a Graphviz graph: one node per block, lower half on the left.

Node names are ``b<address>_<size>`` (addresses and sizes in the allocator's
units), so the same block has the same name at every position and the SVG's
``<title>`` finds it.  The SVG ``g.node`` groups carry a class: ``split``,
``free`` or ``allocated``, plus ``changed`` for the nodes the shown event
touched and ``fail`` for the note of a failed request.

The picture follows the page's theme: the background is transparent and the
lines that sit on it (edges, box borders) are drawn in ``currentColor``, the
text colour of whatever holds the SVG, while the labels stay dark on their
light Okabe-Ito fills.  Graphviz cannot write ``currentColor`` itself, so the
DOT uses a stand-in colour that :func:`to_svg` replaces.  The SVG also carries
its readable minimum width (:data:`MIN_PX_PER_PT`), so a page that shrinks it
to fit a cell scrolls instead of shrinking the labels below 11 px.
"""

from __future__ import annotations

import functools
import html
import re
import textwrap

import graphviz

from ..core import BuddyAllocator, format_size
from ..core.tree import tree_nodes
from . import palette
from .cache import cached_svg
from .describe import tree_summary
from .position import Change, at_position, current_change

_ON_PAGE = "#010101"  # stand-in for currentColor; no other part of the picture uses it
GRAPH_ATTR = {"ordering": "out", "nodesep": "0.18", "ranksep": "0.32",
              "bgcolor": "transparent", "fontname": "Helvetica"}
NODE_ATTR = {"shape": "box", "fontname": "Helvetica", "fontsize": "11", "margin": "0.1,0.05",
             "height": "0.3", "color": _ON_PAGE, "fontcolor": palette.INK}
EDGE_ATTR = {"arrowhead": "none", "color": _ON_PAGE}
# Labels are 11 pt; at one CSS pixel per point they are 11 px tall, readable on any screen.
MIN_PX_PER_PT = 1.0
_WIDTH = re.compile(r'<svg width="([\d.]+)pt"')

_STYLE = {
    "split": f'style="rounded,filled" fillcolor="{palette.SPLIT}"',
    "free": f'style="filled,dashed" fillcolor="{palette.FREE}"',
    "allocated": f'style="filled" fillcolor="{palette.ALLOCATED}"',
}
_CHANGED = f' penwidth={palette.HIGHLIGHT_WIDTH} color="{palette.HIGHLIGHT}"'


def node_name(address: int, size: int) -> str:
    """The Graphviz name (and SVG ``<title>``) of the block ``(address, size)``."""
    return f"b{address}_{size}"


def to_dot(allocator: BuddyAllocator, position: int | None = None) -> graphviz.Digraph:
    """The tree at ``position`` (default: the current one) as a ``graphviz.Digraph``."""
    with at_position(allocator, position):
        body = _body(allocator, current_change(allocator))
    return graphviz.Digraph(name="buddy", graph_attr=GRAPH_ATTR, node_attr=NODE_ATTR,
                            edge_attr=EDGE_ATTR, body=body)


def to_svg(allocator: BuddyAllocator, position: int | None = None) -> str:
    """The tree at ``position`` as an ``<svg>`` string, rendered once per distinct picture.

    Lines on the background are ``currentColor`` and the root has a
    ``min-width`` (see the module's docstring), so the SVG is readable as it
    is in any page, light or dark.  The root is ``role="img"`` and named by
    :func:`buddy_edu.render.describe.tree_summary` (also its tooltip), so a
    screen reader says what the tree shows instead of Graphviz's node ids.
    """
    with at_position(allocator, position):
        source = to_dot(allocator).source
        summary = tree_summary(allocator)
    return _named(_for_pages(cached_svg(source)), summary)


@functools.lru_cache(maxsize=32)
def _named(svg: str, summary: str) -> str:
    """The SVG as an image named ``summary``: on the root, and as the graph's title (cached,
    as :func:`_for_pages` is, so a revisited state gives the very same string)."""
    label = html.escape(summary)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    # What is inside is drawing, not text to read out: Chromium would otherwise expose
    # every node's group, named by its <title> (b0_1048576), under the image.
    svg = svg.replace('<g id="graph0" ', '<g id="graph0" aria-hidden="true" ', 1)
    return svg.replace("<title>buddy</title>", f"<title>{label}</title>", 1)


@functools.lru_cache(maxsize=32)
def _for_pages(svg: str) -> str:
    """Graphviz's SVG with the stand-in colour made ``currentColor`` and a readable minimum.

    Cached, so a revisited state gives the very same string and a page that
    compares pictures (the Stepper) sends nothing new.
    """
    svg = svg.replace(f'"{_ON_PAGE}"', '"currentColor"')
    found = _WIDTH.search(svg)
    if found is None:
        return svg
    width = float(found.group(1)) * MIN_PX_PER_PT
    return f'{svg[:found.end()]} style="min-width: {width:.0f}px"{svg[found.end():]}'


def _escape(text: str) -> str:
    """Quote text for a DOT string: backslashes and double quotes."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _body(allocator: BuddyAllocator, change: Change) -> list[str]:
    lines: list[str] = []
    edges: list[str] = []
    changed = change.blocks
    for node in tree_nodes(allocator):
        name = node_name(node.address, node.size)
        size = format_size(node.size)
        span = f"[{format_size(node.address)}, {format_size(node.end)})"
        classes = node.state
        if node.state == "split":
            label = f"{size}\\n{span}\\nSplit"
            half = node.size // 2
            edges.append(f"\t{name} -> {node_name(node.address, half)}\n")
            edges.append(f"\t{name} -> {node_name(node.address + half, half)}\n")
        elif node.state == "free":
            label = f"{size}\\n{span}\\nFree"
        else:
            block = node.block
            label = (
                f"{size}\\n{span}\\nAllocated to {_escape(block.name)}\\n"
                # Two lines: exact sizes such as "82379 B (80.45K)" would make one line, and
                # so every node of a wide tree, much wider.
                f"requested {format_size(block.requested)}\\nwaste {format_size(block.waste)}"
            )
        extra = ""
        if (node.address, node.size) in changed:
            classes += " changed"
            extra = _CHANGED
            if change.merged_from is not None:
                label += f"\\n(merged from two {format_size(node.size // 2)} buddies)"
        lines.append(f'\t{name} [label="{label}" class="{classes}" {_STYLE[node.state]}{extra}]\n')
    if change.failed:
        text = "\\n".join(textwrap.wrap(_escape(change.event.describe()), 44))
        lines.append(
            f'\tfail [label="{text}" class="fail changed" shape=note style=filled margin="0.2,0.1" '
            f'fillcolor="{palette.FAIL}"{_CHANGED}]\n'
        )
    return lines + edges
