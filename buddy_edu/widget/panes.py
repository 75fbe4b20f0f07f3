"""The Stepper's pictures: narration, tree, memory strip, free lists and stats.

Everything drawn comes from :mod:`buddy_edu.render`; this module only places
the pictures and pushes a new state to the browser in one go.  A state is
identified by the Stepper's (revision, position) key, so showing the same
state twice renders nothing, and a pane whose text did not change sends
nothing to the browser (traitlets drops equal values).

The tree pane scrolls: "Fit" shrinks a wide tree to the cell but never below
the readable minimum the SVG carries (labels 11 px tall), "100%" shows it at
its natural size.  Colours on the page background come from JupyterLab's
theme variables, so the panes read in Light and Dark.

For screen readers the narration is one live region that stays while its text
changes (the browser code in :mod:`.access` gives it its role), the tree and the
memory map are images named in words, and the whole tree follows its picture as
a visually hidden list (:mod:`buddy_edu.render.describe`).
"""

from __future__ import annotations

from contextlib import ExitStack
from html import escape

import ipywidgets as widgets

from .. import render
from ..core import BuddyAllocator

_PANE = {"overflow": "auto", "width": "100%"}
TREE_HEIGHT = "max(200px, 32vh)"
_STYLE = """<style>
.buddy-stepper-narration {font-size: 1.15em; padding: 4px 0; min-height: 2.6em}
.buddy-stepper-pane h4 {margin: 6px 0 2px 0; font-size: 0.95em}
.buddy-stepper-pane table {border-collapse: collapse; font-size: 0.9em}
.buddy-stepper-pane th, .buddy-stepper-pane td {border: 1px solid var(--jp-border-color1, #bbb);
  padding: 1px 6px; text-align: left}
.buddy-stepper-pane caption {text-align: left; font-weight: 600; padding-bottom: 2px}
.buddy-stepper-tree svg {max-width: 100%; height: auto}
.buddy-tree-natural .buddy-stepper-tree svg {max-width: none}
.buddy-choices-row .widget-radio-box {flex-direction: row; flex-wrap: wrap; column-gap: 14px}
.buddy-choices-row, .buddy-zoom {display: flex; flex-flow: row wrap; align-items: center}
.buddy-zoom > label {font-weight: 600; margin-right: 8px}
.buddy-predict-panel p {margin: 2px 0; line-height: 1.4}
.buddy-predict-panel .widget-hbox, .buddy-row-gap {column-gap: 12px}
</style>"""
_ZOOM = {"fit": ("Fit", "Shrink a wide tree to the cell, never below readable labels"),
         "natural": ("100%", "The tree at its natural size; scroll to see all of it")}


class Panes:
    """The output widgets of a Stepper and what they currently show."""

    def __init__(self) -> None:
        self.narration = widgets.HTML("")
        self.narration.add_class("buddy-stepper-narration")
        self.narration.add_class("buddy-live")  # a polite live region: see access.py
        # The tree pane scrolls within about a third of the screen, so on a laptop the
        # controls, the memory map and the tree are in view together.
        self.tree = widgets.HTML("", layout=widgets.Layout(max_height=TREE_HEIGHT, **_PANE))
        self.tree.add_class("buddy-tree-pane")  # the pane shortcuts.py scrolls to the change
        self.zoom = widgets.ToggleButtons(
            options=[(label, key) for key, (label, _tip) in _ZOOM.items()], value="fit",
            description="Tree of blocks", tooltips=[tip for _label, tip in _ZOOM.values()],
            tooltip="How the tree fits the cell",
            style={"description_width": "initial", "button_width": "auto"},
        )
        self.zoom.add_class("buddy-zoom")
        self.zoom.observe(self._zoom, "value")
        self.strip = widgets.HTML("", layout=widgets.Layout(**_PANE))
        self.free_lists = widgets.HTML("", layout=widgets.Layout(margin="0 16px 0 0"))
        self.stats = widgets.HTML("")
        self.svg = ""
        self.caption = ""
        self._shown: tuple | None = None
        self.top = widgets.VBox([widgets.HTML(_STYLE), self.narration])
        self.pictures = widgets.VBox([
            self.strip,
            self.zoom,
            self.tree,
            widgets.HBox([self.free_lists, self.stats],
                         layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start")),
        ])

    def show(self, allocator: BuddyAllocator, key: tuple, *, of_total: bool = True,
             hidden_stats: tuple[str, ...] = ()) -> None:
        """Draw the allocator's current state, unless ``key`` is already on screen.

        Predict mode passes ``of_total=False`` and the stats rows to hide while a
        question waits (they would give the answer away); ``key`` must tell those apart.
        """
        if key == self._shown:
            return
        caption = render.caption(allocator, of_total=of_total)
        svg = render.to_svg(allocator)
        outline = render.tree_outline_html(allocator)
        strip = render.memory_strip_svg(allocator)
        free_lists = render.free_lists_html(allocator)
        stats = render.stats_html(allocator, hidden=hidden_stats)
        panes = (self.narration, self.tree, self.strip, self.free_lists, self.stats)
        with ExitStack() as stack:
            for pane in panes:
                stack.enter_context(pane.hold_sync())
            self.narration.value = escape(caption)
            # titled by the zoom row; the tree in words follows the picture, visually hidden
            self.tree.value = _section("", svg + outline, "buddy-stepper-tree")
            self.strip.value = _section("Memory, address 0 to the end", strip)
            self.free_lists.value = _section("", free_lists)
            self.stats.value = _section("", stats)
        self.svg, self.caption, self._shown = svg, caption, key

    def _zoom(self, change: dict) -> None:
        if change["new"] == "natural":
            self.tree.add_class("buddy-tree-natural")
        else:
            self.tree.remove_class("buddy-tree-natural")


def _section(title: str, body: str, extra_class: str = "") -> str:
    heading = f"<h4>{escape(title)}</h4>" if title else ""
    return f'<div class="buddy-stepper-pane {extra_class}">{heading}{body}</div>'
