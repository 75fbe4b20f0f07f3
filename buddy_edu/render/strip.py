"""The memory map: the address space 0..total as one row of boxes, widths to scale.

Built as plain SVG text (no Graphviz), so it is cheap enough to redraw on
every step.  Allocated blocks show the requested part solid and the internal
waste lighter and hatched, over a dark foot; free blocks have a dashed border
and no foot; the blocks the current event changed get a thick border.  Labels
and dashes are dropped from boxes too narrow to hold them, but the foot stays:
even a block one pixel wide says "allocated" by lightness (black against the
free blocks' light fill, over 9:1), not by colour alone.  Every box keeps a
``<title>`` tooltip with the details, and the whole map is named in words,
every block in address order (:func:`buddy_edu.render.describe.strip_summary`).
The axis and the legend sit on the page, so their text is ``currentColor``
(the page's text colour, light or dark); labels on the boxes stay dark.
"""

from __future__ import annotations

from html import escape

from ..core import BuddyAllocator, format_size
from . import palette
from .describe import strip_summary
from .position import at_position, current_change

WIDTH = 1000  # user units across the whole address space
ROW_Y, ROW_H = 4, 40
FOOT_H = 6  # the dark foot along the bottom of every run of allocated blocks
_CHAR_W = 7.0  # rough width of one 12px Helvetica character, to decide whether a label fits
_HATCH = 6.0
_HALO = ' stroke="white" stroke-width="2" paint-order="stroke"'  # legible over the hatching
_ON_PAGE = ' fill="currentColor"'  # text on the page background follows the theme


def memory_strip_svg(allocator: BuddyAllocator, position: int | None = None,
                     *, legend: bool = True) -> str:
    """The memory map at ``position`` (default: the current one) as an inline ``<svg>`` string."""
    with at_position(allocator, position):
        blocks = allocator.blocks()
        change = current_change(allocator)
        total = allocator.total
        label = strip_summary(allocator)
    scale = WIDTH / total
    parts: list[str] = []
    outlines: list[str] = []
    feet: list[list[int]] = []  # [start, end) of each run of allocated blocks
    for block in blocks:
        x, w = block.address * scale, block.size * scale
        span = (f"{format_size(block.size)} at "
                f"[{format_size(block.address)}, {format_size(block.end)})")
        thin = w < 8
        stroke = f'stroke="{palette.INK}" stroke-width="{0.3 if thin else 1}"'
        if block.name is None:
            title = f"free: {span}"
            body = (f'<rect x="{x:.2f}" y="{ROW_Y}" width="{w:.2f}" height="{ROW_H}" '
                    f'fill="{palette.FREE}" {stroke} stroke-dasharray="{"" if thin else "4 3"}"/>')
            text, kind, used = "free", "free", 0.0
        else:
            title = (f"{block.name}: {span}, requested {format_size(block.requested)}, "
                     f"waste {format_size(block.waste)}")
            used = block.requested * scale
            body = (f'<rect x="{x:.2f}" y="{ROW_Y}" width="{used:.2f}" height="{ROW_H}" '
                    f'fill="{palette.ALLOCATED}"/>')
            if block.waste:
                body += _waste(x + used, w - used)
            body += (f'<rect x="{x:.2f}" y="{ROW_Y}" width="{w:.2f}" height="{ROW_H}" '
                     f'fill="none" {stroke}/>')
            if feet and feet[-1][1] == block.address:  # one foot under a run of them
                feet[-1][1] = block.end
            else:
                feet.append([block.address, block.end])
            text = block.name
            kind = "allocated"
        need = len(text) * _CHAR_W + 6
        if need <= w:
            # on the solid requested part when it has room, else across the whole block
            solid = block.name is None or need <= used
            centre = x + w / 2 if block.name is None or not solid else x + used / 2
            body += (f'<text x="{centre:.2f}" y="{ROW_Y + ROW_H / 2 + 4}" '
                     f'text-anchor="middle"{"" if solid else _HALO}>{escape(text)}</text>')
        parts.append(f'<g class="block {kind}" data-address="{block.address}" '
                     f'data-size="{block.size}"><title>{escape(title)}</title>{body}</g>')
        if (block.address, block.size) in change.blocks:
            inset = palette.HIGHLIGHT_WIDTH / 2
            outlines.append(
                f'<rect class="changed" x="{x + inset:.2f}" y="{ROW_Y + inset}" '
                f'width="{max(w - 2 * inset, 1):.2f}" height="{ROW_H - 2 * inset}" fill="none" '
                f'stroke="{palette.HIGHLIGHT}" stroke-width="{palette.HIGHLIGHT_WIDTH}"/>'
            )
    foot = "".join(f"M{start * scale:.2f} {ROW_Y + ROW_H - FOOT_H}h{(end - start) * scale:.2f}"
                   f"v{FOOT_H}h{-(end - start) * scale:.2f}z" for start, end in feet)
    if foot:
        parts.append(f'<path class="feet" d="{foot}" fill="{palette.INK}"/>')
    axis_y = ROW_Y + ROW_H + 14
    axis = (f'<text x="0" y="{axis_y}"{_ON_PAGE}>0</text>'
            f'<text x="{WIDTH / 2}" y="{axis_y}" text-anchor="middle"{_ON_PAGE}>'
            f'{format_size(total // 2)}</text>'
            f'<text x="{WIDTH}" y="{axis_y}" text-anchor="end"{_ON_PAGE}>'
            f'{format_size(total)}</text>')
    height = axis_y + 6
    extra = ""
    if legend:
        extra = _legend(height + 12)
        height += 22
    return (
        f'<svg class="buddy-strip" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{escape(label)}" viewBox="-2 0 {WIDTH + 4} {height}" width="100%" '
        f'font-family="Helvetica,Arial,sans-serif" font-size="12">'
        f'<g aria-hidden="true">{"".join(parts)}{"".join(outlines)}{axis}{extra}</g></svg>'
    )


def _waste(x: float, w: float) -> str:
    """A light box with diagonal hatching, drawn as one path (no pattern ids to clash)."""
    out = (f'<rect class="waste" x="{x:.2f}" y="{ROW_Y}" width="{w:.2f}" height="{ROW_H}" '
           f'fill="{palette.WASTE}"/>')
    if w < 2:
        return out
    h = ROW_H
    segments = []
    k = -h + _HATCH / 2
    while k < w:
        u0, u1 = max(0.0, k), min(w, h + k)
        if u1 > u0:
            segments.append(f"M{x + u0:.1f} {ROW_Y + h - (u0 - k):.1f}"
                            f"L{x + u1:.1f} {ROW_Y + h - (u1 - k):.1f}")
        k += _HATCH
    return out + f'<path d="{"".join(segments)}" stroke="{palette.ALLOCATED}" stroke-width="1"/>'


def _legend(y: float) -> str:
    """Swatches saying what the marks mean, for readers who have not met the strip."""
    foot = f'<rect y="9" width="14" height="3" fill="{palette.INK}"/>'
    items = [
        (f'<rect width="14" height="12" fill="{palette.ALLOCATED}" stroke="{palette.INK}"/>'
         f"{foot}", "requested"),
        (f'<rect width="14" height="12" fill="{palette.WASTE}" stroke="{palette.INK}"/>'
         f'<path d="M0 9L9 0M6 9L14 1" stroke="{palette.ALLOCATED}"/>{foot}',
         "internal waste"),
        (f'<rect width="14" height="12" fill="{palette.FREE}" stroke="{palette.INK}" '
         f'stroke-dasharray="3 2"/>', "free"),
        (f'<rect x="1.5" y="1.5" width="11" height="9" fill="none" '
         f'stroke="{palette.HIGHLIGHT}" stroke-width="3"/>', "changed by this step"),
        (f'<rect x="0" y="7" width="14" height="5" fill="{palette.INK}"/>',
         "dark foot: allocated, however narrow"),
    ]
    out, x = [], 0.0
    for swatch, words in items:
        out.append(f'<g transform="translate({x:.0f},{y - 10})">{swatch}</g>'
                   f'<text x="{x + 20:.0f}" y="{y}"{_ON_PAGE}>{words}</text>')
        x += 20 + len(words) * 6.2 + 24
    return f'<g class="legend">{"".join(out)}</g>'
