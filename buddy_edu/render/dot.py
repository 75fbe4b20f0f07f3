"""The tree of blocks as a Graphviz graph: one node per block, lower half on the left.

Node names are ``b<address>_<size>`` (addresses and sizes in the allocator's
units), so the same block has the same name at every position and the SVG's
``<title>`` finds it.  The SVG ``g.node`` groups carry a class: ``split``,
``free`` or ``allocated``, plus ``changed`` for the nodes the shown event
touched and ``fail`` for the note of a failed request.
"""

from __future__ import annotations

import textwrap

import graphviz

from ..core import BuddyAllocator, format_size
from ..core.tree import tree_nodes
from . import palette
from .cache import cached_svg
from .position import Change, at_position, current_change

GRAPH_ATTR = {"ordering": "out", "nodesep": "0.18", "ranksep": "0.32", "bgcolor": "white",
              "fontname": "Helvetica"}
NODE_ATTR = {"shape": "box", "fontname": "Helvetica", "fontsize": "11", "margin": "0.1,0.05",
             "height": "0.3", "color": palette.INK}
EDGE_ATTR = {"arrowhead": "none", "color": "#555555"}

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
    """The tree at ``position`` as an ``<svg>`` string, rendered once per distinct picture."""
    return cached_svg(to_dot(allocator, position).source)


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
                f"requested {format_size(block.requested)}, waste {format_size(block.waste)}"
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
