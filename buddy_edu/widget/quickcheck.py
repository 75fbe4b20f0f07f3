"""QuickCheck: an ungraded question inside a lesson, with instant feedback.

A lesson builds the question with the exercises' builders and wraps it::

    from buddy_edu.exercises import block_size
    QuickCheck(block_size(34 * 1024, 1024**2, 64 * 1024))

The widget needs only what every question offers: a ``prompt`` (Markdown)
and a ``check(value)`` returning something with ``score`` and ``message``.
It does not import the exercises layer, so the two can change independently,
and any object of that shape works.  Two optional attributes are used when
present: ``form`` (how an answer is written, shown under the box) and
``params["setup"]`` (a scenario script, drawn as a memory map because such
prompts refer to "the picture").
"""

from __future__ import annotations

import functools
import re
from html import escape
from typing import Any, Protocol

import ipywidgets as widgets
from IPython.display import Markdown

from ..render import palette
from .access import Access

__all__ = ["AUTO", "CheckableQuestion", "QuickCheck", "inline_markdown"]

AUTO = "auto"  # picture=AUTO: draw the question's setup script, if it has one

# JupyterLab's theme colours (see render.palette): the page's text colour with a
# coloured bar for a mark, quieter text for a note; readable in Light and Dark.
_STYLES = {
    "right": palette.tone_style(palette.RIGHT_MARK),
    "partly": palette.tone_style(palette.PARTLY_MARK),
    "wrong": palette.tone_style(palette.ERROR_TEXT),
    "note": f"color: {palette.TEXT_QUIET}",
}
_HEADS = {"right": "✓ Right.", "partly": "◐ Partly right.", "wrong": "✗ Not yet.", "note": ""}

_INLINE = (
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*(.+?)\*\*"), r"<b>\1</b>"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"<i>\1</i>"),
)


def inline_markdown(text: str) -> str:
    """Escape ``text`` as HTML, then honour the inline Markdown of one-line messages.

    Feedback messages and answer forms use ``**bold**``, ``*italic*`` and
    `` `code` ``; they are converted after escaping, so any other markup in a
    message stays inert text.
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
    """A prompt, an optional picture, a text box, a "Check" button and one line of feedback.

    Nothing is recorded or graded: a student may try as often as they like,
    and pressing Enter in the box checks too.  ``picture`` is an HTML/SVG
    string or a widget to show under the prompt, None for none, or ``AUTO``
    (the default) to draw the memory map of the question's setup script when
    it has one.  ``result`` holds the last feedback the question returned
    (None before the first readable answer) and ``attempts`` counts the
    different answers the question marked.
    """

    def __init__(self, question: CheckableQuestion, picture: Any = AUTO,
                 placeholder: str = "your answer") -> None:
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
        self.prompt = widgets.Output()
        self.prompt.append_display_data(Markdown(f"**Quick check.** {prompt}"))
        children: list[widgets.Widget] = [self.prompt]
        shown = _setup_picture(question) if picture is AUTO else picture
        if shown is not None:
            children.append(shown if isinstance(shown, widgets.Widget)
                            else widgets.HTML(str(shown), layout=widgets.Layout(overflow="auto")))
        self.answer = widgets.Text(
            placeholder=placeholder, description="Answer:", continuous_update=False,
            tooltip="Type your answer, then press Enter or Check",
            layout=widgets.Layout(width="420px"),
        )
        self.button = widgets.Button(
            description="Check", tooltip="Check your answer (ungraded, try as often as you like)",
            button_style="primary", layout=widgets.Layout(width="auto"),
        )
        children.append(widgets.HBox([self.answer, self.button]))
        form = getattr(question, "form", None)
        if isinstance(form, str) and form:
            children.append(widgets.HTML(
                f'<small style="{_STYLES["note"]}">Answer form: '
                f"{inline_markdown(form)}</small>"))
        self.feedback = widgets.HTML("")
        self.feedback.add_class("buddy-live")  # each result is announced (see access.py)
        children.append(self.feedback)
        # After two wrong tries a student alone is stuck: offer the worked steps, replayed
        # by a Stepper, for questions that can say what to replay (``worked()``).
        self._wrong: set[str] = set()
        self.why_button = widgets.Button(
            description="Show me why", tooltip="Step through what the allocator does here",
            layout=widgets.Layout(width="auto", display="none"))
        self.why = widgets.Output()
        self.why_button.on_click(lambda _button: self.show_why())
        children += [self.why_button, self.why, Access()]
        self.button.on_click(lambda _button: self.check())
        self.answer.observe(self._on_submit, names="value")
        super().__init__(children, layout=widgets.Layout(
            border="1px solid var(--jp-border-color2, #d0d7de)", padding="4px 10px 8px 10px",
            margin="8px 0", max_width="900px",
        ))
        self.add_class("buddy-quickcheck")

    def check(self, value: str | None = None) -> Any:
        """Mark ``value`` (default: the text box) and show the feedback; returns it.

        An empty answer, or one the question refuses with ``ValueError`` or
        ``TypeError``, gets a hint instead of a mark, returns None and does
        not count as an attempt.
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
        tone = "right" if score >= 1 else "partly" if score > 0 else "wrong"
        self._show(tone, str(getattr(result, "message", "")))
        if score < 1:
            self._wrong.add(answer)
        if len(self._wrong) >= 2 and self._replay is not None:
            self.why_button.layout.display = None
        return result

    @functools.cached_property
    def _replay(self) -> tuple[str, int] | None:
        """The question's replay, asked for once (it runs the question's script)."""
        return _worked(self.question)

    def show_why(self):
        """Show a Stepper that replays the question's operation from just before it, so the
        student can step through every split, allocation, free and merge; returns it."""
        worked = self._replay
        if worked is None:
            return None
        from .stepper import Stepper

        script, start = worked
        stepper = Stepper.from_script(script, position=start)
        self.why.clear_output()
        with self.why:
            from IPython.display import display

            display(stepper)
        self.why_button.layout.display = "none"
        return stepper

    def _on_submit(self, change: dict) -> None:
        """The box's text arrived (Enter, or focus left it): mark it.

        The browser sends the text only when focus leaves the box and holds it back
        while an earlier update of the box is unanswered, but sends a Check click at
        once: a click can reach the kernel before the text it was meant for.  Marking
        every text that arrives (and saying so when it is empty) makes the last word
        on screen always about what the box holds.
        """
        self.check()

    def _show(self, tone: str, message: str) -> None:
        head = f"<b>{escape(_HEADS[tone])}</b> " if _HEADS[tone] else ""
        self.feedback.value = (
            f'<div class="buddy-quickcheck-{tone}" '
            f'style="{_STYLES[tone]}">{head}{inline_markdown(message)}</div>'
        )


def _worked(question: Any) -> tuple[str, int] | None:
    """The question's ``worked()`` replay (script, start event), if it offers one."""
    worked = getattr(question, "worked", None)
    if not callable(worked):
        return None
    try:
        found = worked()
    except Exception:  # a replay is a help, never a reason for the check to fail
        return None
    if isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], str):
        return found
    return None


def _setup_picture(question: Any) -> str | None:
    """The memory map after the question's setup script, if it has one (else None)."""
    params = getattr(question, "params", None)
    setup = params.get("setup") if isinstance(params, dict) else None
    if not isinstance(setup, str):
        return None
    from ..core.script import run_script
    from ..render import memory_strip_svg

    return memory_strip_svg(run_script(setup, policy=params.get("policy")))
