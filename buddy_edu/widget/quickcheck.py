"""QuickCheck: an ungraded question inside a lesson, with instant feedback.

A lesson builds the question with the exercises' builders and wraps it::

    from buddy_edu.exercises import block_size
    QuickCheck(block_size(34 * 1024, 1024**2, 64 * 1024))

The widget needs only what every question offers: a ``prompt`` and a
``check(value)`` returning something with ``score`` and ``message``.  It does
not import the exercises layer, so the two can change independently, and any
object of that shape (a lesson's own small question too) works.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any, Protocol

import ipywidgets as widgets

__all__ = ["CheckableQuestion", "QuickCheck", "inline_markdown"]

# JupyterLab's theme colours, with fallbacks for Voila and classic pages.
_COLOURS = {
    "right": "var(--jp-success-color1, #1a7f37)",
    "partly": "var(--jp-warn-color1, #9a6700)",
    "wrong": "var(--jp-error-color1, #cf222e)",
    "note": "var(--jp-ui-font-color2, #57606a)",
}


_INLINE = (
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*(.+?)\*\*"), r"<b>\1</b>"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"<i>\1</i>"),
)


def inline_markdown(text: str) -> str:
    """Escape ``text`` as HTML, then honour the inline Markdown prompts use.

    Questions write prompts in Markdown (``**1M**``, ``*order*``, `` `code` ``);
    an HTML widget would show the asterisks, so the few inline forms are
    converted after escaping, which keeps any other markup inert.
    """
    html = escape(text)
    for pattern, replacement in _INLINE:
        html = pattern.sub(replacement, html)
    return html


class CheckableQuestion(Protocol):
    """What QuickCheck needs from a question (the exercises' ``Question`` has it)."""

    prompt: str

    def check(self, value: Any) -> Any:
        """Mark an answer; the result has ``score`` (1 is full marks) and ``message``."""
        ...


class QuickCheck(widgets.VBox):
    """A prompt, a text box, a "Check" button and one line of feedback.

    Nothing is recorded or graded: a student may try as often as they like.
    Pressing Enter in the box checks too.  ``result`` holds the last feedback
    object the question returned (None before the first readable answer) and
    ``attempts`` counts the answers the question marked.
    """

    def __init__(self, question: CheckableQuestion, placeholder: str = "e.g. 64K") -> None:
        prompt = getattr(question, "prompt", None)
        if not isinstance(prompt, str) or not callable(getattr(question, "check", None)):
            raise TypeError(
                "QuickCheck needs a question with a text .prompt and a .check(value) method, "
                f"got {type(question).__name__}; build one with buddy_edu.exercises"
            )
        self.question = question
        self.result: Any = None
        self.attempts = 0
        self._last: str | None = None
        self.prompt = widgets.HTML(
            f"<b>Quick check.</b> {inline_markdown(prompt)}",
            layout=widgets.Layout(margin="0 0 4px 0"),
        )
        self.answer = widgets.Text(
            placeholder=placeholder, description="Answer:", continuous_update=False,
            tooltip="Type your answer, then press Enter or Check",
            layout=widgets.Layout(width="280px"),
        )
        self.button = widgets.Button(
            description="Check", tooltip="Check your answer (ungraded, try as often as you like)",
            button_style="primary", layout=widgets.Layout(width="auto"),
        )
        self.feedback = widgets.HTML("")
        self.button.on_click(lambda _button: self.check())
        self.answer.observe(self._on_submit, names="value")
        super().__init__(
            [self.prompt, widgets.HBox([self.answer, self.button]), self.feedback],
            layout=widgets.Layout(
                border="1px solid var(--jp-border-color2, #d0d7de)", padding="8px",
                margin="8px 0", max_width="760px",
            ),
        )

    def check(self, value: str | None = None) -> Any:
        """Mark ``value`` (default: the text box) and show the feedback; returns it.

        An empty answer or one the question cannot read gets a hint instead of
        a mark, returns None and does not count as an attempt.
        """
        answer = str(self.answer.value if value is None else value).strip()
        if not answer:
            self._show("note", "Type an answer first, then press Check.")
            return None
        try:
            result = self.question.check(answer)
        except (ValueError, TypeError) as error:
            self._show("note", f"Could not read {answer!r}: {error}")
            return None
        if answer != self._last:
            self.attempts += 1  # pressing Enter and then Check marks one answer once
        self.result, self._last = result, answer
        score = float(getattr(result, "score", 0))
        message = str(getattr(result, "message", ""))
        if score >= 1:
            self._show("right", message, "✓ Right.")
        elif score > 0:
            self._show("partly", message, "◐ Partly right.")
        else:
            self._show("wrong", message, "✗ Not yet.")
        return result

    def _on_submit(self, change: dict) -> None:
        if change["new"].strip():
            self.check()

    def _show(self, tone: str, message: str, head: str = "") -> None:
        lead = f"<b>{escape(head)}</b> " if head else ""
        self.feedback.value = (
            f'<div role="status" class="buddy-quickcheck-{tone}" '
            f'style="color: {_COLOURS[tone]}">{lead}{inline_markdown(message)}</div>'
        )
