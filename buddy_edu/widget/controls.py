"""The Stepper's navigation controls: buttons, play timer, speed and slider.

Construction, layout and showing a position live here; the Stepper wires the
behaviour.
Every control carries a visible text label and a tooltip, because icon-only
buttons are invisible to screen readers and to ``get_by_role`` in tests.

Play is a labelled Button the kernel toggles, driving a hidden
``ipywidgets.Play``: that widget's timer runs in the browser (so playback is
smooth and works in JupyterLab, Notebook 7 and Voilà) and reports each tick
back to the kernel, while its own unlabeled buttons stay out of sight.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

import ipywidgets as widgets

from ..core import Event

# Up to this many events the pictures follow the slider while it is dragged.
# Beyond, a drag passes mostly positions never drawn, each a new picture of
# tens to hundreds of milliseconds, and the kernel would fall seconds behind
# the mouse: the slider then moves freely and the pictures show where it is
# released (a click on the track and the arrow keys still move it at once).
FOLLOW_DRAG_UP_TO = 200

# (label, milliseconds between steps); the default is the second entry.
SPEEDS = (
    ("1 step/s", 1000),
    ("2 steps/s", 500),
    ("4 steps/s", 250),
    ("8 steps/s", 125),
)


@dataclass(frozen=True)
class Navigation:
    """The navigation widgets of one Stepper, and the boxes that lay them out."""

    first: widgets.Button
    back: widgets.Button
    play: widgets.Button
    forward: widgets.Button
    last: widgets.Button
    previous_operation: widgets.Button
    next_operation: widgets.Button
    speed: widgets.Dropdown
    slider: widgets.IntSlider
    timer: widgets.Play
    box: widgets.VBox

    def buttons(self) -> tuple[widgets.Button, ...]:
        """The clickable buttons, in tab order."""
        return (self.first, self.back, self.play, self.forward, self.last,
                self.previous_operation, self.next_operation)

    def show(self, position: int, events: int, gate: int, *, of_total: bool = True) -> None:
        """Show ``position`` of ``events``; Play may run up to ``gate`` (in predict mode, the
        next unanswered question) and stops there.  With ``of_total=False`` (predict mode,
        a question waiting) the slider also ends at ``gate``: its length would tell how
        many events are still to come.

        The slider and the timer take the position without reporting a move back to
        the Stepper: their observer sees its value equal to the position and does
        nothing, so there is no loop to break.
        """
        with ExitStack() as stack:
            for widget in (self.slider, self.timer):
                stack.enter_context(widget.hold_sync())
            _set_range(self.slider, events if of_total else gate, position)
            self.slider.continuous_update = follows_drag(events)
            _set_range(self.timer, gate, position)
            if self.timer.playing and position >= gate:
                self.timer.playing = False
        # Grey out the buttons that would do nothing here.  (In predict mode Forward stays
        # live before an unanswered question: pressing it says why it cannot go on.)
        at_start, at_end = position <= 0, position >= events
        for button in (self.first, self.back, self.previous_operation):
            button.disabled = at_start
        for button in (self.forward, self.last, self.next_operation):
            button.disabled = at_end  # Play stays: at the end it starts over


def build_navigation(events: int) -> Navigation:
    """Controls for a timeline of ``events`` events (positions 0..events)."""
    first = _button("First", "fast-backward", "Go to the start, before the first event")
    back = _button("Back", "step-backward", "Undo the last shown event (one step back)")
    play = _button("Play", "play", "Play the events one by one; press again to pause")
    forward = _button("Forward", "step-forward", "Show the next event (one step forward)")
    last = _button("Last", "fast-forward", "Go to the end, after the last event")
    previous_operation = _button(
        "Previous operation", "arrow-left",
        "Jump back to the start of this or the previous allocate/free operation",
    )
    next_operation = _button(
        "Next operation", "arrow-right",
        "Jump forward over the rest of this allocate/free operation",
    )
    speed = widgets.Dropdown(
        options=SPEEDS, value=SPEEDS[1][1], description="Speed",
        tooltip="How fast Play steps through the events",
        layout=widgets.Layout(width="170px"),
        style={"description_width": "initial"},
    )
    forward.add_class("buddy-forward")  # where focus goes after a predict-mode Check
    slider = widgets.IntSlider(
        value=0, min=0, max=events, step=1, description="Event",
        tooltip="Drag, or focus and use the arrow keys, to move through the events",
        continuous_update=follows_drag(events),
        layout=widgets.Layout(flex="1 1 360px", max_width="760px"),
        style={"description_width": "initial"},
    )
    slider.add_class("buddy-event-slider")  # named "event k of n: ..." by access.py
    timer = widgets.Play(
        value=0, min=0, max=events, step=1, interval=SPEEDS[1][1],
        description="Timer", tooltip="The clock behind the Play button",
        show_repeat=False, layout=widgets.Layout(display="none"),
    )
    # Two rows on a laptop-sized cell (every button, then the slider with the speed),
    # wrapping further only on a narrow one.
    buttons = widgets.HBox(
        [first, back, play, forward, last, previous_operation, next_operation],
        layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
    )
    box = widgets.VBox(
        [buttons, widgets.HBox([slider, speed], layout=widgets.Layout(
            flex_flow="row wrap", align_items="center")), timer],
    )
    widgets.dlink((speed, "value"), (timer, "interval"))
    return Navigation(first, back, play, forward, last, previous_operation, next_operation,
                      speed, slider, timer, box)


def slider_text(position: int, events: int, event: Event | None, *,
                of_total: bool = True) -> str:
    """What the slider says to a screen reader at ``position``: "event 8 of 18: Free B: ..."
    ("event 8: ..." when ``of_total`` is False), or where the start is."""
    total = f" of {events}" if of_total else ""
    if event is None:
        return f"event 0{total}: the start, before the first event"
    return f"event {position}{total}: {event.describe()}"


def follows_drag(events: int) -> bool:
    """Whether the slider sends every position it is dragged over (short timelines)."""
    return events <= FOLLOW_DRAG_UP_TO


def show_playing(play: widgets.Button, playing: bool) -> None:
    """Turn the Play button into Pause while playing, and back."""
    with play.hold_sync():
        play.description = "Pause" if playing else "Play"
        play.icon = "pause" if playing else "play"
        play.tooltip = (
            "Pause the playback" if playing
            else "Play the events one by one; press again to pause"
        )


def _set_range(widget, maximum: int, value: int) -> None:
    """Set max and value in an order the widget accepts (value always within 0..max)."""
    if maximum >= widget.max:
        widget.max = maximum
        widget.value = value
    else:
        widget.value = value
        widget.max = maximum


def _button(label: str, icon: str, tooltip: str) -> widgets.Button:
    width = "auto" if " " in label else "96px"
    return widgets.Button(description=label, icon=icon, tooltip=tooltip,
                          layout=widgets.Layout(width=width))
