"""The Stepper's live row: allocate SIZE [NAME] and free NAME from the widget.

The row reads what was typed and shows the core's error messages in ``error``,
so a typo never shows a traceback; the Stepper runs the operations.

A click on Allocate or Free can reach the kernel before the last thing typed:
the browser holds a text box's update back while an earlier one is unanswered,
but sends a click at once (a fast typist who tabs to Allocate and presses Enter
got "type a size first", or a block without the name typed).  So the Stepper's
browser code (:mod:`.shortcuts`) sends the boxes' text *with* the click, and
:meth:`LiveRow.connect`'s handler takes it from there; the plain buttons remain
for front ends without that code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

import ipywidgets as widgets

from ..core import BuddyError, OutOfMemory
from ..render import palette


@dataclass(frozen=True)
class LiveRow:
    """Inputs and buttons that append operations to the timeline."""

    size: widgets.Text
    name: widgets.Text
    allocate: widgets.Button
    free_name: widgets.Combobox
    free: widgets.Button
    undo: widgets.Button
    reset: widgets.Button
    error: widgets.HTML
    offer: widgets.HTML
    box: widgets.VBox

    def show_offer(self, discarded: int) -> None:
        """Say how many later events the last live operation discarded, and offer Undo."""
        self.undo.layout.display = None if discarded else "none"
        plural = "event" if discarded == 1 else "events"
        self.offer.value = (
            f"This discarded {discarded} later {plural}; Undo puts them back."
            if discarded else "")

    def show_error(self, message: str) -> None:
        """Show the core's message next to the inputs (empty hides it)."""
        style = f"color:{palette.ERROR_TEXT};font-weight:600"
        self.error.value = (
            f'<div role="alert" style="{style}">{escape(message)}</div>' if message else ""
        )

    def show_note(self, message: str) -> None:
        """Show a neutral note (not an error) next to the inputs."""
        self.error.value = (f'<div role="status" style="color:{palette.TEXT_QUIET}">'
                            f"{escape(message)}</div>")

    def set_names(self, names: list[str]) -> None:
        """Offer the names allocated now as suggestions for Free."""
        options = tuple(names)
        if self.free_name.options != options:
            self.free_name.options = options

    def connect(self, allocate: Callable[[str, str | None], object],
                free: Callable[[str], object], undo: Callable[[], object],
                reset: Callable[[], object], report: Callable[[str], None]
                ) -> Callable[[str, dict], None]:
        """Run the buttons: ``allocate(size_text, name)`` and ``free(name)`` raise the core's
        errors, shown here; once an operation is recorded (a request that does not fit is
        recorded too) ``report(message)`` shows what to say, "" for nothing.

        Returns ``clicked(action, typed)``: a click on ``"allocate"`` or ``"free"`` with
        the text the browser's boxes held at that moment (``size``, ``name``,
        ``free_name``), which wins over the boxes' values the kernel has seen so far."""
        self.allocate.on_click(lambda _: self._allocate_clicked(allocate, report))
        self.free.on_click(lambda _: self._free_clicked(free, report))
        self.undo.on_click(lambda _: undo())
        self.reset.on_click(lambda _: reset())

        def clicked(action: str, typed: dict) -> None:
            boxes = {"size": self.size, "name": self.name, "free_name": self.free_name}
            for key, box in boxes.items():
                if isinstance(typed.get(key), str):
                    box.value = typed[key][:200]
            if action == "allocate":
                self._allocate_clicked(allocate, report)
            elif action == "free":
                self._free_clicked(free, report)
        return clicked

    def _allocate_clicked(self, allocate, report) -> None:
        text, name = self.size.value.strip(), self.name.value.strip() or None
        if not text:
            self.show_error("Type a size to allocate first, e.g. 34K.")
            return
        try:
            allocate(text, name)
        except OutOfMemory as error:  # recorded as a fail event, which is now shown
            report(str(error))
            return
        except BuddyError as error:  # the core's own words; nothing changed
            self.show_error(str(error))
            return
        report("")
        self.name.value = ""

    def _free_clicked(self, free, report) -> None:
        name = self.free_name.value.strip()
        if not name:
            self.show_error("Type the name of an allocated block to free, e.g. A.")
            return
        try:
            free(name)
        except BuddyError as error:
            self.show_error(str(error))
            return
        report("")
        self.free_name.value = ""


def build_live_row() -> LiveRow:
    """The row under the pictures that adds operations while the lesson runs."""
    narrow = {"description_width": "initial"}
    size = widgets.Text(
        description="Allocate size", placeholder="e.g. 34K",
        tooltip="Size to allocate: 64, 34K, 1M or 2G (powers of 1024)",
        layout=widgets.Layout(width="190px"), style=narrow,
    )
    name = widgets.Text(
        description="name", placeholder="optional",
        tooltip=("Name for the new block; leave empty for an automatic one: P and the "
                 "request's number in the timeline, e.g. P6 for the sixth request"),
        layout=widgets.Layout(width="150px"), style=narrow,
    )
    allocate = widgets.Button(
        description="Allocate", icon="plus",
        tooltip="Allocate this size now, at the position shown (later events are discarded)",
        layout=widgets.Layout(width="auto"),
    )
    free_name = widgets.Combobox(
        description="Free name", placeholder="e.g. A", options=(), ensure_option=False,
        tooltip="Name of an allocated block to free",
        layout=widgets.Layout(width="170px"), style=narrow,
    )
    free = widgets.Button(
        description="Free", icon="minus",
        tooltip="Free this block now, at the position shown (later events are discarded)",
        layout=widgets.Layout(width="auto"),
    )
    undo = widgets.Button(
        description="Undo", icon="undo",
        tooltip="Take back the last live operation and restore the events it discarded",
        layout=widgets.Layout(width="auto", display="none"),
    )
    reset = widgets.Button(
        description="Reset", icon="refresh",
        tooltip="Go back to the scenario this Stepper was created with",
        layout=widgets.Layout(width="auto"),
    )
    error = widgets.HTML("")
    offer = widgets.HTML("")
    offer.add_class("buddy-live")  # announced when it changes (see access.py)
    # The browser code finds these by class to send their text with a click (see above).
    for widget, name_ in ((size, "size"), (name, "name"), (allocate, "allocate"),
                          (free_name, "free-name"), (free, "free")):
        widget.add_class(f"buddy-live-{name_}")
    row = widgets.HBox(
        [size, name, allocate, _gap(), free_name, free, _gap(), undo, reset],
        layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
    )
    box = widgets.VBox([row, offer, error])
    return LiveRow(size, name, allocate, free_name, free, undo, reset, error, offer, box)


def _gap() -> widgets.HTML:
    return widgets.HTML("", layout=widgets.Layout(width="24px"))
