"""The free lists per order and the stats, as small HTML tables.

The free-list table is what Linux prints in /proc/buddyinfo (a count per
order) plus the addresses, in the order the policy would hand them out.
Rows that the event just shown changed are marked, in words as well as in
weight, so a student sees which free list a split or merge touched.
"""

from __future__ import annotations

from html import escape

from ..core import BuddyAllocator, format_size
from .position import at_position

MAX_ADDRESSES = 8


_CHANGED = ' class="changed" style="font-weight:600"'
#: The stats rows, in order.
STAT_NAMES = ("allocated", "requested", "internal fragmentation", "free", "largest free block",
              "external fragmentation")
HIDDEN = "hidden"  # what a hidden row shows instead of its figure
_MARK = ' <span title="changed by this step">(changed)</span>'


def _before(allocator: BuddyAllocator, position: int | None, read):
    """``read(allocator)`` one event earlier than ``position`` (None at the start)."""
    here = allocator.position if position is None else position
    if here == 0:
        return None
    with at_position(allocator, here - 1):
        return read(allocator)


def free_lists_html(allocator: BuddyAllocator, position: int | None = None) -> str:
    """One row per order: order, block size, how many are free, and their addresses; the
    orders the last event changed are marked."""
    with at_position(allocator, position):
        lists = allocator.free_lists()
    before = _before(allocator, position, lambda a: a.free_lists())
    rows = []
    for order, (size, addresses) in enumerate(lists.items()):
        shown = ", ".join(format_size(a) for a in addresses[:MAX_ADDRESSES])
        if len(addresses) > MAX_ADDRESSES:
            shown += f" … and {len(addresses) - MAX_ADDRESSES} more"
        changed = before is not None and before.get(size) != addresses
        rows.append(
            f"<tr{_CHANGED if changed else ''}><td>{order}{_MARK if changed else ''}</td>"
            f"<td>{format_size(size)}</td><td>{len(addresses)}</td>"
            f"<td>{escape(shown) or '—'}</td></tr>"
        )
    return (
        '<table class="buddy-free-lists"><caption>Free lists per order</caption>'
        '<thead><tr><th scope="col">order</th><th scope="col">block size</th>'
        '<th scope="col">free blocks</th><th scope="col">addresses</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def stats_html(allocator: BuddyAllocator, position: int | None = None, *,
               hidden: tuple[str, ...] = ()) -> str:
    """Allocated, requested, both fragmentations, free and the largest free block; the
    figures the last event changed are marked.

    The rows named in ``hidden`` (e.g. ``"largest free block"``) show no figure: predict
    mode hides those that would answer the question asked (see :data:`STAT_NAMES`).
    """
    unknown = set(hidden) - set(STAT_NAMES)
    if unknown:
        raise ValueError(f"no stats row named {sorted(unknown)}: the rows are "
                         f"{', '.join(STAT_NAMES)}")
    with at_position(allocator, position):
        s = allocator.stats()
    before = _before(allocator, position, lambda a: _stat_rows(a.stats()))
    rows = [(name, HIDDEN, "shown once you have answered") if name in hidden
            else (name, value, note) for name, value, note in _stat_rows(s)]
    changed = [before is not None and row[0] not in hidden and row[:2] != earlier[:2]
               for row, earlier in zip(rows, before or rows, strict=True)]
    body = "".join(
        f'<tr{_CHANGED if mark else ""}><th scope="row">{name}</th><td>{value}'
        f'{_MARK if mark else ""}</td><td>{note}</td></tr>'
        for (name, value, note), mark in zip(rows, changed, strict=True)
    )
    return (f'<table class="buddy-stats"><caption>Stats of {format_size(s.total)}</caption>'
            f"<tbody>{body}</tbody></table>")


def _stat_rows(s) -> list[tuple[str, str, str]]:
    internal = s.internal_fragmentation / s.allocated if s.allocated else 0.0
    return [
        ("allocated", format_size(s.allocated), f"{s.allocated / s.total:.1%} of memory"),
        ("requested", format_size(s.requested), "what the programs asked for"),
        ("internal fragmentation", format_size(s.internal_fragmentation),
         f"{internal:.1%} of the allocated blocks is waste"),
        ("free", format_size(s.free), f"{s.free / s.total:.1%} of memory"),
        ("largest free block", format_size(s.largest_free), "the biggest request that fits"),
        ("external fragmentation", f"{s.external_fragmentation:.1%}",
         "1 − largest free block ÷ free"),
    ]
