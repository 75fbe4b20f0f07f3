"""The pictures in words: what a screen reader says for the tree and the memory map.

Every picture the kit draws has a text alternative made from the same state:

- :func:`tree_summary` names the tree (its ``aria-label``): how many blocks are
  free and allocated, which, and what the step shown did;
- :func:`tree_outline_html` is the whole tree as a nested list, visually hidden
  beside the picture, for reading node by node;
- :func:`strip_summary` names the memory map: every block in address order.

The Stepper, the exported HTML page and the slide decks all show these, because
they all draw through :func:`buddy_edu.render.to_svg` and
:func:`buddy_edu.render.memory_strip_svg`.
"""

from __future__ import annotations

from html import escape

from ..core import BuddyAllocator, format_size
from ..core.tree import tree_nodes
from .position import Change, at_position, current_change

#: Blocks named one by one in the tree's summary, per kind; the rest are counted
#: (the outline beside the picture names every one).
SUMMARY_NAMES = 6
#: Blocks named in the memory map's name; a bigger map names these and counts the rest.
STRIP_NAMES = 64
#: Visually hidden but read by screen readers, in any page (no stylesheet needed).
SR_ONLY = ("position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;"
           "overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap")


def tree_summary(allocator: BuddyAllocator, position: int | None = None) -> str:
    """One sentence naming the tree, e.g. "Tree of 1M: 3 free blocks (64K at 64K, ...),
    2 allocated (A 64K at 0, ...); this step: split the 128K block at 0 ..."."""
    with at_position(allocator, position):
        blocks = allocator.blocks()
        change = current_change(allocator)
        total = allocator.total
    free = [f"{format_size(b.size)} at {format_size(b.address)}" for b in blocks
            if b.name is None]
    used = [f"{b.name} {format_size(b.size)} at {format_size(b.address)}" for b in blocks
            if b.name is not None]
    parts = [_counted(len(free), "free block", free),
             _counted(len(used), "allocated", used, plural="allocated")]
    return f"Tree of {format_size(total)}: {', '.join(parts)}{_step(change)}"


def strip_summary(allocator: BuddyAllocator, position: int | None = None) -> str:
    """The memory map in words, every block in address order, e.g. "Memory map of 1M,
    5 blocks in address order: A 64K at 0 (requested 34K), free 64K at 64K, ...; this
    step changed A."."""
    with at_position(allocator, position):
        blocks = allocator.blocks()
        change = current_change(allocator)
        total = allocator.total
    words = []
    for block in blocks[:STRIP_NAMES]:
        where = f"{format_size(block.size)} at {format_size(block.address)}"
        if block.name is None:
            words.append(f"free {where}")
        else:
            words.append(f"{block.name} {where} (requested {format_size(block.requested)})")
    if len(blocks) > STRIP_NAMES:
        words.append(f"and {len(blocks) - STRIP_NAMES} more up to {format_size(total)}")
    changed = [_block_word(b) for b in blocks if (b.address, b.size) in change.blocks]
    tail = f"; this step changed {', '.join(changed)}" if changed else ""
    count = f"{len(blocks)} block{'s' * (len(blocks) != 1)}"
    return (f"Memory map of {format_size(total)}, {count} in address order: "
            f"{', '.join(words)}{tail}.")


def tree_outline_html(allocator: BuddyAllocator, position: int | None = None, *,
                      hidden: bool = True) -> str:
    """The whole tree as nested lists, one item per block, parent before its halves;
    visually hidden unless ``hidden=False``."""
    with at_position(allocator, position):
        nodes = tree_nodes(allocator)
        change = current_change(allocator)
        total = allocator.total
    out, depth = [], -1
    for node in nodes:
        if node.depth > depth:
            out.append("<ul>")
        else:
            out.append("</li>" + "</ul></li>" * (depth - node.depth))
        depth = node.depth
        out.append(f"<li>{escape(_node_words(node, change))}")
    out.append("</li>" + "</ul></li>" * depth + "</ul>")
    style = f' style="{SR_ONLY}"' if hidden else ""
    return (f'<div class="buddy-tree-outline"{style}><p>The tree of {format_size(total)} '
            f"in words, each block before its two halves:</p>{''.join(out)}</div>")


def _node_words(node, change: Change) -> str:
    where = f"{format_size(node.size)} at {format_size(node.address)}"
    if node.state == "split":
        words = f"{where}, split into two {format_size(node.size // 2)} halves"
    elif node.state == "free":
        words = f"{where}, free"
    else:
        block = node.block
        words = (f"{where}, allocated to {block.name}, requested "
                 f"{format_size(block.requested)}, waste {format_size(block.waste)}")
    if (node.address, node.size) in change.blocks:
        words += ", changed by this step"
    return words


def _counted(count: int, noun: str, names: list[str], plural: str | None = None) -> str:
    head = f"{count} {noun if count == 1 else plural or noun + 's'}"
    if not names:
        return head
    shown = names[:SUMMARY_NAMES]
    more = f" and {count - SUMMARY_NAMES} more" if count > SUMMARY_NAMES else ""
    return f"{head} ({', '.join(shown)}{more})"


def _step(change: Change) -> str:
    if change.event is None:
        return "; before the first step."
    said = change.event.describe()
    return f"; this step: {said[:1].lower()}{said[1:]}"


def _block_word(block) -> str:
    if block.name is None:
        return f"free {format_size(block.size)} at {format_size(block.address)}"
    return block.name
