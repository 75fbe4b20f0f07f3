"""The printed account of a timeline: narration, tree, free lists, stats."""

from __future__ import annotations

from ..core import BuddyAllocator, format_size
from ..core.tree import format_tree


def report(allocator: BuddyAllocator) -> str:
    """Everything ``buddy-edu run`` prints for one script."""
    lines = ["Events:"]
    for index, event in enumerate(allocator.events, start=1):
        lines.append(f"{index:4}. {event.describe()}")
    lines += ["", "Tree:", format_tree(allocator), "", "Free lists per order:"]
    lines += format_free_lists(allocator)
    lines += ["", "Stats:"] + format_stats(allocator)
    return "\n".join(lines)


def format_free_lists(allocator: BuddyAllocator) -> list[str]:
    """One line per order, like Linux's /proc/buddyinfo but with the addresses too."""
    lines = []
    for order, (size, addresses) in enumerate(allocator.free_lists().items()):
        where = ", ".join(format_size(a) for a in addresses) or "-"
        lines.append(
            f"  order {order:2} ({format_size(size):>5}): {len(addresses):3} free  {where}"
        )
    return lines


def format_stats(allocator: BuddyAllocator) -> list[str]:
    """The stats as aligned lines."""
    s = allocator.stats()
    return [
        f"  total                   {format_size(s.total)}",
        f"  allocated               {format_size(s.allocated)}",
        f"  requested               {format_size(s.requested)}",
        f"  internal fragmentation  {format_size(s.internal_fragmentation)}",
        f"  free                    {format_size(s.free)}",
        f"  largest free block      {format_size(s.largest_free)}",
        f"  external fragmentation  {s.external_fragmentation:.1%}",
    ]
