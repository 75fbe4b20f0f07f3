"""The tree of blocks at one moment: split (interior) blocks and leaves.

The allocator stores only leaves; the tree is derived from them, because the
leaves tile memory and every block containing a leaf must have been split.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Block
from .units import format_size


@dataclass(frozen=True, slots=True)
class Node:
    """One block of the tree: ``state`` is ``"split"``, ``"free"`` or ``"allocated"``."""

    address: int
    size: int
    depth: int
    state: str
    block: Block | None = None  # the allocated block, for state "allocated"

    @property
    def end(self) -> int:
        return self.address + self.size


def tree_nodes(allocator) -> list[Node]:
    """All nodes in pre-order (a block, then its lower half's subtree, then the upper)."""
    leaves = {(b.address, b.size): b for b in allocator.blocks()}
    nodes: list[Node] = []
    stack = [(0, allocator.total, 0)]
    while stack:
        address, size, depth = stack.pop()
        leaf = leaves.get((address, size))
        if leaf is None:
            nodes.append(Node(address, size, depth, "split"))
            half = size // 2
            stack.append((address + half, half, depth + 1))
            stack.append((address, half, depth + 1))
        elif leaf.name is None:
            nodes.append(Node(address, size, depth, "free"))
        else:
            nodes.append(Node(address, size, depth, "allocated", leaf))
    return nodes


def format_tree(allocator) -> str:
    """The tree as indented text, one node a line, as the classic menu program printed it.

    A block with children is "Split", the word the pictures and narration use.
    """
    lines = []
    for node in tree_nodes(allocator):
        span = f"{format_size(node.size)} [{format_size(node.address)}, {format_size(node.end)})"
        if node.state == "split":
            state = "Split"
        elif node.state == "free":
            state = "Free"
        else:
            state = (
                f"Allocated to {node.block.name}, requested "
                f"{format_size(node.block.requested)}"
            )
        lines.append(f"{'    ' * node.depth}{span} {state}")
    return "\n".join(lines)
