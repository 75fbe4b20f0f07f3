"""The Stepper: step forward and back through an allocator's timeline in Jupyter.

The widget holds no allocator logic.  It owns one number, ``position`` (how
many events are applied), seeks the allocator there and asks
:mod:`buddy_edu.render` for the pictures.  Everything else -- buttons, the
slider, the Play timer, live operations, predict mode -- just moves that
number or appends to the core's timeline.

Stock ipywidgets, plus one small anywidget module for keyboard shortcuts
(:mod:`.shortcuts`), so it runs in JupyterLab 4, Notebook 7, Voilà and JupyterLite.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import traitlets

from ..core import Block, BuddyAllocator, Event, InvalidRequest, OutOfMemory, parse_size
from ..core.script import run_script
from .branches import LiveBranches
from .controls import build_navigation, show_playing, slider_text
from .live import build_live_row
from .panes import Panes
from .predict_panel import PredictPanel
from .predict_questions import Marking, PredictQuestion
from .predict_state import NO_QUESTION, Predictions
from .shortcuts import SHORTCUTS, Shortcuts


class Stepper(widgets.VBox):
    """Step through every split, allocation, free and merge of a :class:`BuddyAllocator`.

    >>> from buddy_edu import Stepper
    >>> s = Stepper.from_script("A = alloc 34K\\nfree A")
    >>> s.forward().kind, s.position
    ('split', 1)

    ``position`` is the number of applied events (0 .. number of events); it
    is linked both ways to the slider, and setting it seeks the allocator.
    The Stepper moves the allocator it is given: an allocate or free made in
    code while the Stepper shows an earlier position discards the later
    events, exactly as the core does.  Call :meth:`refresh` after changing
    the allocator outside the Stepper.

    With ``predict=True`` the student must answer a question about each
    operation before its events are revealed; answers are marked from the
    events the core recorded, and a running score is shown.
    """

    position = traitlets.Int(0, help="How many events of the timeline are applied.")

    def __init__(self, allocator: BuddyAllocator, predict: bool = False,
                 position: int = 0, **kwargs) -> None:
        if not isinstance(allocator, BuddyAllocator):
            raise InvalidRequest(
                f"Stepper needs a BuddyAllocator, got {type(allocator).__name__}; "
                "build one with BuddyAllocator(...) or use Stepper.from_script(text)"
            )
        if not isinstance(predict, bool):
            raise InvalidRequest(f"predict must be True or False, got {predict!r}")
        count = allocator.event_count()
        _check_range(position, count)
        self._allocator = allocator
        self._count = count
        self._revision = 0
        self._branches = LiveBranches(allocator)
        self._predictions, position = Predictions.starting_at(allocator, predict, position)
        self._start = position
        self._nav = build_navigation(count)
        self._live = build_live_row()
        self._panes = Panes()
        self._panel = PredictPanel() if predict else None
        self._shortcuts = Shortcuts()
        # Laid out for a 1366x768 laptop: narration, controls, the live row and the
        # pictures stack so that the memory map and the top of the tree are in view with
        # the controls, and a live operation's effect shows without scrolling.
        # In predict mode the question panel and the live row share one row (each wraps
        # under the other on a narrow cell).
        if self._panel is not None:
            self._live.box.layout.flex = "1 1 420px"
        operations = self._live.box if self._panel is None else widgets.HBox(
            [self._panel, self._live.box],
            layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"))
        operations.add_class("buddy-row-gap")
        children = [self._panes.top, self._nav.box, operations, self._panes.pictures,
                    self._shortcuts]
        kwargs.setdefault("layout", widgets.Layout(width="100%", max_width="1100px"))
        super().__init__(children, **kwargs)
        self.add_class("buddy-stepper")
        self._wire()
        self.set_trait("position", position)
        self._show()

    @classmethod
    def from_script(cls, text: str, predict: bool = False, policy: str | None = None,
                    **kwargs) -> Stepper:
        """A Stepper over a scenario script (see :func:`buddy_edu.run_script`), at the start."""
        return cls(run_script(text, policy=policy), predict=predict, **kwargs)

    # ------------------------------------------------------------ reading
    @property
    def allocator(self) -> BuddyAllocator:
        """The allocator whose timeline is shown (the Stepper moves its position)."""
        return self._allocator

    @property
    def predict(self) -> bool:
        """Whether predict mode is on."""
        return self._predictions.enabled

    @property
    def svg(self) -> str:
        """The tree of blocks at the current position, as SVG."""
        return self._panes.svg

    @property
    def caption(self) -> str:
        """The narration of the current position, e.g. "Step 1 of 22: Split ..."."""
        return self._panes.caption

    @property
    def question(self) -> PredictQuestion | None:
        """In predict mode, the question to answer before the next operation; else None."""
        predictions = self._predictions
        return predictions.question() if self.position == predictions.gate() else None

    @property
    def score(self) -> tuple[int, int]:
        """``(right, answered)`` predictions so far."""
        return self._predictions.score()

    # ------------------------------------------------------------ moving
    def forward(self) -> Event | None:
        """Show the next event and return it; None at the end or before an unanswered question."""
        if self.position >= self._allocator.event_count():
            return None
        if self.position >= self._predictions.gate():
            self._blocked()
            return None
        self.position += 1
        return self._allocator.event_at(self.position - 1)

    def back(self) -> Event | None:
        """Take back the last shown event and return it; None at the start."""
        if self.position == 0:
            return None
        self.position -= 1
        return self._allocator.event_at(self.position)

    def first(self) -> None:
        """Go to the start: nothing allocated yet."""
        self.position = 0

    def last(self) -> None:
        """Go to the end (in predict mode: as far as the answered questions allow)."""
        gate = self._predictions.gate()
        if gate < self._allocator.event_count() and self.position == gate:
            self._blocked()
        self.position = gate

    def next_operation(self) -> None:
        """Jump to the end of the current allocate/free operation (the start of the next)."""
        count = self._allocator.event_count()
        if self.position >= count:
            return
        if self.position >= self._predictions.gate():
            self._blocked()
            return
        op = self._allocator.event_at(self.position).op
        self.position = min(self._allocator.operation_span(op).stop, self._predictions.gate())

    def previous_operation(self) -> None:
        """Jump back to the start of the operation the last shown event belongs to."""
        if self.position == 0:
            return
        op = self._allocator.event_at(self.position - 1).op
        self.position = self._allocator.operation_span(op).start

    def press(self, key: str) -> None:
        """Do what a shortcut key does when the Stepper has focus: ``"ArrowLeft"``/
        ``"ArrowRight"`` a step, ``"PageUp"``/``"PageDown"`` an operation, ``"Home"``/``"End"``
        the start/end (in predict mode, End stops at the next unanswered question)."""
        if key not in SHORTCUTS:
            raise InvalidRequest(
                f"{key!r} is not a Stepper shortcut: use one of {', '.join(SHORTCUTS)}"
            )
        getattr(self, SHORTCUTS[key])()

    # ------------------------------------------------------------ live
    def allocate(self, size: int | str, name: str | None = None) -> Block:
        """Allocate at the position shown (later events are discarded) and move to the new end.

        ``size`` may be text such as ``"34K"``.  Errors are the core's: a bad
        size or name raises :class:`InvalidRequest` and changes nothing; a
        request that does not fit raises :class:`OutOfMemory` after the
        Stepper moved to the recorded ``fail`` event.
        """
        size = parse_size(size)
        return self._live_operation(lambda: self._allocator.allocate(size, name))

    def free(self, name: str) -> Block:
        """Free ``name`` at the position shown (later events are discarded); move to the new end."""
        return self._live_operation(lambda: self._allocator.free(name))

    @property
    def discarded(self) -> int:
        """How many events the last live operation discarded that :meth:`undo_live` can put
        back (0 when there is nothing to put back)."""
        return self._branches.discarded

    def undo_live(self) -> bool:
        """Take back the last live operation and restore the events it discarded, exactly,
        with any predict-mode answers about them; False when there is nothing to restore."""
        branch = self._branches.undo()
        if branch is None:
            return False
        self._predictions.restore(branch.kept)
        self._timeline_changed()
        self._live.show_offer(0)
        self._show_at(min(branch.position, self._predictions.gate()))
        return True

    def reset(self) -> None:
        """Go back to the scenario the Stepper was created with: its operations, its start
        position, no answers; live operations and their discarded branches are forgotten."""
        self._branches.reset()
        self._predictions.reset()
        self._timeline_changed()
        self._live.show_offer(0)
        self._live.show_error("")
        self._show_at(self._start)

    # ------------------------------------------------------------ predict
    def answer(self, value: int | str) -> Marking:
        """Answer the waiting predict-mode question with a choice value; returns the marking."""
        if not self.predict:
            raise InvalidRequest("answer() is for predict mode: create the Stepper with "
                                 "predict=True")
        if self.question is None:
            raise InvalidRequest(NO_QUESTION)
        marking = self._predictions.answer(value)
        self._show()
        return marking

    def refresh(self) -> None:
        """Catch up after the allocator was changed outside the Stepper."""
        if not self._catch_up():
            self._show()

    # ------------------------------------------------------------ private
    @traitlets.validate("position")
    def _check_position(self, proposal) -> int:
        value = proposal["value"]
        _check_range(value, self._allocator.event_count())
        gate = self._predictions.gate()
        if value > gate:
            raise InvalidRequest(
                f"answer the question about the next operation first: in predict mode "
                f"the position can go up to {gate} now (use answer() or the Check button)"
            )
        return value

    @traitlets.observe("position")
    def _position_changed(self, change) -> None:
        self._show()

    def _blocked(self) -> None:
        if self._panel is not None:
            self._panel.hint("Answer the question first: then you may step into this operation.")

    def _show(self) -> None:
        """Bring every part of the widget to the current position, in one go."""
        allocator = self._allocator
        if allocator.event_count() != self._count and self._catch_up():
            return
        if allocator.position != self.position:
            allocator.seek(self.position)
        # Predict mode keeps back what would answer the waiting question: the number of
        # events ("of N", the slider's end) and the stats rows that give it away.
        predictions, position = self._predictions, self.position
        of_total, hidden = not predictions.hides_total(), predictions.hidden_stats()
        self._nav.show(position, self._count, predictions.gate(), of_total=of_total)
        self._panes.show(allocator, (self._revision, position, of_total, hidden),
                         of_total=of_total, hidden_stats=hidden)
        self._shortcuts.valuetext = slider_text(
            position, self._count, allocator.event_at(position - 1) if position else None,
            of_total=of_total)
        self._live.set_names([block.name for block in allocator.allocations()])
        if self._panel is not None:
            at_end = self.position >= self._count
            self._panel.show_state(self._predictions,
                                   None if at_end else allocator.event_at(self.position).op)

    def _catch_up(self) -> bool:
        """Adopt a timeline changed elsewhere; True if that moved (and showed) the position."""
        self._timeline_changed()
        limit = self._predictions.gate()
        if self.position > limit:  # the timeline was cut short outside the Stepper
            self.position = limit  # shown by the position observer
            return True
        return False

    def _timeline_changed(self) -> None:
        """Forget pictures and answers that no longer match the allocator's timeline."""
        self._count = self._allocator.event_count()
        self._revision += 1
        self._predictions.timeline_changed()

    def _live_operation(self, operation: Callable[[], Block]) -> Block:
        """Record an allocate or free at the shown position (answers about what it replaced
        are set aside with the discarded branch) and move to the new end."""
        try:
            block = self._branches.record(self.position, operation,
                                          self._predictions.replaced_from)
        except OutOfMemory:  # recorded as a fail event, shown like any other operation
            self._after_live()
            raise
        self._after_live()
        return block

    def _after_live(self) -> None:
        self._live.show_offer(self.discarded)
        self._timeline_changed()
        self._show_at(min(self._allocator.event_count(), self._predictions.gate()))

    def _show_at(self, target: int) -> None:
        """Move to ``target`` and show it once: the position observer draws a move, and a
        timeline changed under an unmoved position is drawn here."""
        if target == self.position:
            self._show()
        else:
            self.position = target

    # ------------------------------------------------------------ wiring
    def _wire(self) -> None:
        nav, live = self._nav, self._live
        nav.first.on_click(lambda _: self.first())
        nav.back.on_click(lambda _: self.back())
        nav.forward.on_click(lambda _: self.forward())
        nav.last.on_click(lambda _: self.last())
        nav.previous_operation.on_click(lambda _: self.previous_operation())
        nav.next_operation.on_click(lambda _: self.next_operation())
        nav.play.on_click(self._toggle_play)
        nav.slider.observe(self._follow, "value")
        nav.timer.observe(self._follow, "value")
        nav.timer.observe(lambda change: show_playing(nav.play, change["new"]), "playing")
        self._shortcuts.on_live(live.connect(self.allocate, self.free, self.undo_live,
                                             self.reset, self._report_live))
        self._shortcuts.on_key(self.press)
        if self._panel is not None:
            self._panel.on_check(self.answer)

    def _follow(self, change) -> None:
        """The slider was moved, or the browser's Play timer ticked: go there, never past
        the gate (a control pushed past it is put back, and the slider says why)."""
        control, wanted = change["owner"], change["new"]
        target = min(wanted, self._predictions.gate())
        if target != wanted and control is self._nav.slider:
            self._blocked()
        if target != self.position:
            self.position = target  # shown by the position observer
        elif control.value != target:
            control.value = target

    def _toggle_play(self, _button=None) -> None:
        timer = self._nav.timer
        if timer.playing:
            timer.playing = False
            return
        gate = self._predictions.gate()
        if self.position >= gate:
            if gate < self._allocator.event_count():
                self._blocked()
                return
            self.first()  # at the end, Play starts over
            if self._allocator.event_count() == 0:
                return
        timer.playing = True

    def _report_live(self, message: str) -> None:
        """After a live operation: its message, unless predict mode must ask about it first."""
        if self.question is not None:
            self._live.show_note("Added to the timeline: predict what happens (above), "
                                 "then step through it.")
        else:
            self._live.show_error(message)

def _check_range(position: object, count: int) -> None:
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= count:
        raise InvalidRequest(
            f"position must be an integer between 0 and {count} "
            f"(the number of events), got {position!r}"
        )
