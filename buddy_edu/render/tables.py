"""The free lists per order and the stats, as small HTML tables.

The free-list table is what Linux prints in /proc/buddyinfo (a count per
order) plus the addresses, in the order the policy would hand them out.
"""

from __future__ import annotations

from html import escape

from ..core import BuddyAllocator, format_size
from .position import at_position

MAX_ADDRESSES = 8


def free_lists_html(allocator: BuddyAllocator, position: int | None = None) -> str:
    """One row per order: order, block size, how many are free, and their addresses."""
    with at_position(allocator, position):
        lists = allocator.free_lists()
    rows = []
    for order, (size, addresses) in enumerate(lists.items()):
        shown = ", ".join(format_size(a) for a in addresses[:MAX_ADDRESSES])
        if len(addresses) > MAX_ADDRESSES:
            shown += f" … and {len(addresses) - MAX_ADDRESSES} more"
        rows.append(
            f"<tr><td>{order}</td><td>{format_size(size)}</td><td>{len(addresses)}</td>"
            f"<td>{escape(shown) or '—'}</td></tr>"
        )
    return (
        '<table class="buddy-free-lists"><caption>Free lists per order</caption>'
        '<thead><tr><th scope="col">order</th><th scope="col">block size</th>'
        '<th scope="col">free blocks</th><th scope="col">addresses</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def stats_html(allocator: BuddyAllocator, position: int | None = None) -> str:
    """Allocated, requested, both fragmentations, free and the largest free block."""
    with at_position(allocator, position):
        s = allocator.stats()
    internal = s.internal_fragmentation / s.allocated if s.allocated else 0.0
    rows = [
        ("allocated", format_size(s.allocated), f"{s.allocated / s.total:.1%} of memory"),
        ("requested", format_size(s.requested), "what the programs asked for"),
        ("internal fragmentation", format_size(s.internal_fragmentation),
         f"{internal:.1%} of the allocated blocks is waste"),
        ("free", format_size(s.free), f"{s.free / s.total:.1%} of memory"),
        ("largest free block", format_size(s.largest_free), "the biggest request that fits"),
        ("external fragmentation", f"{s.external_fragmentation:.1%}",
         "1 − largest free block ÷ free"),
    ]
    body = "".join(
        f'<tr><th scope="row">{name}</th><td>{value}</td><td>{note}</td></tr>'
        for name, value, note in rows
    )
    return (f'<table class="buddy-stats"><caption>Stats of {format_size(s.total)}</caption>'
            f"<tbody>{body}</tbody></table>")
