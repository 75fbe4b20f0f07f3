"""Two runs of one trace side by side: the student's functions and the core's allocator.

Built for the build-your-own lesson: :func:`buddy_edu.exercises.compare` finds the
first operation where a student's allocator differs from the core, and this
widget steps both runs (:mod:`buddy_edu.core.recorded`, plain data that needs
only the core) together, one operation at a time, starting
at that operation.  Each side shows its narration, tree, memory map and free
lists, drawn by :mod:`buddy_edu.render` from a recorded state, exactly as the
Stepper draws the core's.  Like the Stepper it holds one number,
``position``, and no allocator logic.
"""

from __future__ import annotations

from html import escape

import ipywidgets as widgets
import traitlets

from .. import render
from ..core.recorded import Divergence, RecordedRun
from ..core.tree import format_tree
from .access import Access

_STYLE = """<style>
.buddy-side h4 {margin: 4px 0}
.buddy-side table {border-collapse: collapse; font-size: 0.85em}
.buddy-side th, .buddy-side td {border: 1px solid var(--jp-border-color1, #bbb);
  padding: 1px 5px; text-align: left}
.buddy-side svg {max-width: 100%; height: auto}
.buddy-side-differs {outline: 3px solid #D55E00; outline-offset: 2px}
</style>"""


class SideBySide(widgets.VBox):
    """Step through the first differing trace: your functions on the left, the core's
    allocator on the right.  ``position`` is how many operations are applied; it starts
    just after the operation where the two first differ."""

    position = traitlets.Int(0, help="How many operations of the trace are applied.")

    def __init__(self, divergence: Divergence, **kwargs) -> None:
        self.divergence = divergence
        self._sides = (RecordedRun(divergence.theirs), RecordedRun(divergence.core))
        count = len(divergence.theirs.states)  # the student's run stops where it broke
        self._differs = divergence.op_index + 1
        reason = divergence.reason[:1].upper() + divergence.reason[1:]
        head = widgets.HTML(
            f"{_STYLE}<b>Trace {divergence.trace_number}</b>: the first difference is at "
            f"operation {self._differs}. {escape(reason)}")
        self._slider = widgets.IntSlider(value=self._differs, min=0, max=count,
                                         description="Operation", continuous_update=False)
        back = widgets.Button(description="◀ Back", layout=widgets.Layout(width="auto"))
        forward = widgets.Button(description="Forward ▶", layout=widgets.Layout(width="auto"))
        jump = widgets.Button(description="First difference",
                              layout=widgets.Layout(width="auto"))
        back.on_click(lambda _b: self._move(self.position - 1))
        forward.on_click(lambda _b: self._move(self.position + 1))
        jump.on_click(lambda _b: self._move(self._differs))
        self._panes = [widgets.HTML(layout=widgets.Layout(width="50%", padding="0 6px"))
                       for _ in self._sides]
        for pane in self._panes:
            pane.add_class("buddy-side")
        widgets.link((self._slider, "value"), (self, "position"))
        super().__init__([head, widgets.HBox([back, self._slider, forward, jump]),
                          widgets.HBox(self._panes), Access()], **kwargs)
        self.add_class("buddy-side-by-side")
        self.observe(lambda _change: self._show(), "position")
        self.position = self._differs
        self._show()

    def _move(self, position: int) -> None:
        self.position = max(0, min(self._slider.max, position))

    def _show(self) -> None:
        for pane, side, title in zip(self._panes, self._sides,
                                     ("Your functions", "The allocator (core)"), strict=True):
            pane.value = self.pane_html(side, title)

    def pane_html(self, side: RecordedRun, title: str) -> str:
        """One side at the current position: narration, tree, memory map and free lists."""
        side.seek(self.position)
        differs = self.position == self._differs
        parts = [f"<h4>{escape(title)}</h4>",
                 f"<div class='{'buddy-side-differs' if differs else ''}'>"
                 f"{escape(side.caption())}</div>"]
        if side.tiles():
            try:
                parts.append(render.to_svg(side, self.position))
            except Exception:  # the picture is a help: fall back to the text tree
                parts.append(f"<pre>{escape(format_tree(side))}</pre>")
        else:
            parts.append("<p><i>These blocks do not cover the memory exactly with aligned "
                         "blocks, so there is no tree to draw.</i></p>")
        parts.append(render.memory_strip_svg(side, self.position, legend=False))
        parts.append(render.free_lists_html(side, self.position))
        return "".join(parts)
