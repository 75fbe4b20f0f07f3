"""The predict-mode panel: one question, a choice, Check, feedback and the score.

The panel only displays what predict mode's state (:mod:`.predict_state`) says about
the operation shown, and hands the chosen answer to the Stepper, which marks it.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import ipywidgets as widgets

from ..render import palette
from .predict_questions import Marking, PredictQuestion
from .predict_state import Predictions


class PredictPanel(widgets.VBox):
    """Question, answer choices, a Check button, the marked answer and the score."""

    def __init__(self) -> None:
        self.prompt = widgets.HTML("", layout=widgets.Layout(flex="1 1 auto"))
        self.choices = widgets.RadioButtons(
            options=(), value=None, description="Your answer",
            tooltip="Pick your prediction, then press Check",
            layout=widgets.Layout(width="auto"),
            style={"description_width": "initial"},
        )
        self.check = widgets.Button(
            description="Check", icon="check", disabled=True,
            tooltip="Check your prediction; then you may step into the operation",
            layout=widgets.Layout(width="auto"),
        )
        self.feedback = widgets.HTML("", layout=widgets.Layout(flex="1 1 240px"))
        # The question and its marking are announced as they change (see access.py).
        self.prompt.add_class("buddy-live")
        self.feedback.add_class("buddy-live")
        self.score = widgets.HTML("", layout=widgets.Layout(flex="0 0 auto"))
        # Compact, so that on a laptop the panel sits beside the live row and the tree
        # stays in view: the score sits beside the question, the choices run in a row
        # (see panes' style), and Check shares a line with the feedback.
        self.choices.add_class("buddy-choices-row")
        super().__init__(
            [widgets.HBox([self.prompt, self.score],
                          layout=widgets.Layout(align_items="baseline")),
             self.choices,
             widgets.HBox([self.check, self.feedback],
                          layout=widgets.Layout(align_items="center"))],
            layout=widgets.Layout(border=f"1px solid {palette.LINE}", padding="2px 8px",
                                  margin="4px 0", flex="2 1 420px"),
        )
        self.add_class("buddy-predict-panel")  # its rows are spaced by panes' style
        self.choices.observe(self._enable_check, "value")

    def on_check(self, callback: Callable[[int | str], object]) -> None:
        """Call ``callback(value)`` with the chosen answer when Check is pressed."""
        self.check.on_click(lambda _: self._checked(callback))

    def show_state(self, predictions: Predictions, op: int | None) -> None:
        """Show the score and what is due about operation ``op`` (None: past the end): its
        question, the answer given, or why nothing is asked."""
        self.show_score(predictions.score_text())
        if op is None:
            self.idle("End of the timeline: add an operation below to get a new question.")
            return
        answer = predictions.answered(op)
        if answer is not None:
            self.review(answer.question, answer.value, answer.marking)
        elif op < predictions.asked_from:
            self.idle("This operation was already shown when the Stepper started; "
                      "step forward to the next question.")
        else:
            self.ask(predictions.question())

    def ask(self, question: PredictQuestion) -> None:
        """Show a question that has not been answered yet."""
        with self.hold_sync():
            self.prompt.value = _ask(question)
            self._set_choices(question, None, disabled=False)
            self.check.disabled = True
            self.check.layout.display = None
            self.feedback.value = ""

    def review(self, question: PredictQuestion, value: int | str, marking: Marking) -> None:
        """Show a question with the student's answer and how it was marked.

        The choices and Check make way for the feedback (which names a wrong choice), so
        an answered panel is no taller than an open one and the tree stays in view."""
        with self.hold_sync():
            self.prompt.value = _ask(question)
            self._set_choices(question, value, disabled=True)
            self.choices.layout.display = "none"
            self.check.disabled = True
            self.check.layout.display = "none"
            self.show_marking(marking)

    def idle(self, text: str) -> None:
        """No question is due here: hide the choices and say what comes next."""
        with self.hold_sync():
            self.prompt.value = f'<p style="color:{palette.TEXT_QUIET}">{escape(text)}</p>'
            self._set_choices(None, None, disabled=True)
            self.check.disabled = True
            self.check.layout.display = "none"
            self.feedback.value = ""

    def hint(self, text: str) -> None:
        """A one-line nudge, e.g. when Forward is pressed before answering."""
        self.feedback.value = f'<p style="color:{palette.ERROR_TEXT}">{escape(text)}</p>'

    def show_marking(self, marking: Marking) -> None:
        """The marked answer, with a green bar if right and a red one if wrong (and a mark)."""
        style = palette.tone_style(palette.RIGHT_MARK if marking.correct
                                   else palette.ERROR_TEXT)
        mark = "✔" if marking.correct else "✘"
        self.feedback.value = (
            f'<p style="{style};font-weight:600">'
            f"{mark} {escape(marking.message)}</p>"
        )

    def show_score(self, text: str) -> None:
        """The running score, e.g. "Score: 3 / 4 correct"."""
        self.score.value = f"<b>{escape(text)}</b>"

    def _set_choices(self, question: PredictQuestion | None, value, disabled: bool) -> None:
        options = question.choices if question is not None else ()
        if tuple(self.choices.options) != options:
            self.choices.options = options
        self.choices.value = value
        self.choices.disabled = disabled
        self.choices.layout.display = "none" if question is None else None

    def _checked(self, callback: Callable[[int | str], object]) -> None:
        if self.choices.value is None:
            self.hint("Pick an answer first, then press Check.")
            return
        callback(self.choices.value)

    def _enable_check(self, change) -> None:
        self.check.disabled = self.choices.disabled or change["new"] is None


def _ask(question: PredictQuestion) -> str:
    return f"<p><b>Predict before you step:</b> {escape(question.prompt)}</p>"
