"""Widgets as static HTML, for a lesson executed to become a slide deck.

A Stepper's output in a notebook is a widget view: without a running kernel
it shows nothing.  ``buddy-edu slides`` runs the lesson with one extra first
cell that calls :func:`show_widgets_statically`; from then on every widget
the lesson displays is formatted as plain HTML instead, drawn by the render
layer:

* a Stepper becomes its frames (the pictures :func:`buddy_edu.render.frames_html`
  gives ``export_html``), one ``.buddy-step`` per position, stacked so that
  the deck shows one at a time, each step a Reveal.js fragment; in predict
  mode the frame before each operation carries the question the widget would
  ask, so the room can predict before the next step reveals the answer;
* a QuickCheck becomes its prompt and picture (the room answers aloud);
* a Tab or Box becomes its children, and a child that is a Stepper becomes a
  part of its own (the deck puts each part on a slide of its own);
* any other widget becomes a note that it needs the live notebook.

Every bundle carries ``metadata["buddy_edu"]["static"]`` naming what it
shows, which :mod:`buddy_edu.cli.deck` reads to lay the slides out.
"""

from __future__ import annotations

from html import escape

import ipywidgets as widgets

from ..render import frames_html
from ..widget.predict_questions import question_for
from ..widget.quickcheck import QuickCheck
from ..widget.stepper import Stepper
from .deck import PART_BREAK, STEPPER

MAX_STEPS = 30  # frames of one Stepper in a deck; a longer timeline is cut (and says so)
QUICKCHECK, WIDGET = "quickcheck", "widget"


def show_widgets_statically() -> None:
    """From now on, display every ipywidgets widget in this kernel as static HTML.

    Registered as IPython's mimebundle printer for ``Widget``, which IPython
    asks before a widget's own ``_repr_mimebundle_``, so the lesson's code
    runs unchanged.
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("show_widgets_statically() runs inside an IPython kernel")
    shell.display_formatter.mimebundle_formatter.for_type(widgets.Widget, static_bundle)


def static_bundle(widget: widgets.Widget, include=None, exclude=None):
    """``(data, metadata)`` showing ``widget`` as HTML, in the shape IPython's printers return."""
    kind, parts = _parts(widget)
    data = {"text/html": f"\n{PART_BREAK}\n".join(parts),
            "text/plain": f"<{type(widget).__name__}: shown as static HTML>"}
    return data, {"buddy_edu": {"static": kind}}


def stepper_steps_html(stepper: Stepper, limit: int = MAX_STEPS) -> str:
    """The Stepper's timeline as stacked frames, from the position it shows, at most ``limit``.

    Frame 0 is on screen when the slide opens; every later frame is a
    Reveal.js fragment, so each press of the arrow key shows the next
    position.  (The deck's style hides a frame once a later one is shown.)
    """
    allocator = stepper.allocator
    count = allocator.event_count()
    start = stepper.position
    stop = min(count, start + limit - 1)
    positions = range(start, stop + 1)
    questions = _questions(stepper, positions) if stepper.predict else {}
    # In predict mode the number of events to come would give answers away, as in the
    # notebook's Stepper.
    frames = frames_html(allocator, positions, tables=False, of_total=not stepper.predict)
    steps = []
    for index, (position, frame) in enumerate(zip(positions, frames, strict=True)):
        fragment = " fragment" if index else ""
        if position in questions:  # the question comes before the pictures it is about
            frame = frame.replace("</p>", "</p>" + questions[position], 1)
        steps.append(f'<div class="buddy-step{fragment}" data-position="{position}">{frame}</div>')
    note = ""
    if start or stop < count:
        of_count = "" if stepper.predict else f" of {count}"
        note = (f'<p class="buddy-steps-note">Positions {start} to {stop}{of_count}; '
                "run the lesson to step through the rest.</p>")
    return (f'<div class="buddy-steps r-stack" data-steps="{len(steps)}">'
            + "".join(steps) + "</div>" + note)


def _questions(stepper: Stepper, positions: range) -> dict[int, str]:
    """``{position: HTML}`` of the predict question asked at the start of each operation."""
    allocator = stepper.allocator
    found = {}
    for op in range(allocator.operation_count()):
        start = allocator.operation_span(op).start
        if start in positions and start < allocator.event_count():
            question = question_for(allocator, op)
            choices = " · ".join(escape(label) for label, _value in question.choices)
            found[start] = (f'<p class="buddy-predict"><b>Predict.</b> {escape(question.prompt)}'
                            f"<br><small>{choices}</small></p>")
    return found


def quickcheck_html(check: QuickCheck) -> str:
    """The quick check's prompt and picture: the question without its text box."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    picture = "".join(child.value for child in check.children
                      if isinstance(child, widgets.HTML) and "<svg" in child.value)
    prompt = markdown2html_mistune(f"**Quick check.** {check.question.prompt}")
    return f'<div class="buddy-quickcheck-static">{prompt}{picture}</div>'


def _parts(widget: widgets.Widget) -> tuple[str, list[str]]:
    """What ``widget`` is, and its HTML in parts (a Stepper in a container is a part alone)."""
    if isinstance(widget, Stepper):
        return STEPPER, [stepper_steps_html(widget)]
    if isinstance(widget, QuickCheck):
        return QUICKCHECK, [quickcheck_html(widget)]
    if isinstance(widget, widgets.Box):
        titles = getattr(widget, "titles", ()) or ()
        kinds, parts, loose = set(), [], []
        for index, child in enumerate(widget.children):
            kind, child_parts = _parts(child)
            title = titles[index] if index < len(titles) and titles[index] else ""
            heading = f'<p class="buddy-part-title">{escape(title)}</p>' if title else ""
            kinds.add(kind)
            if kind == STEPPER:
                if loose:
                    parts.append("".join(loose))
                    loose = []
                parts += [heading + part for part in child_parts]
            else:
                loose.append(heading + "".join(child_parts))
        if loose:
            parts.append("".join(loose))
        kind = STEPPER if STEPPER in kinds else (QUICKCHECK if kinds == {QUICKCHECK} else WIDGET)
        return kind, parts or [""]
    if isinstance(widget, (widgets.HTML, widgets.HTMLMath)):
        return WIDGET, [widget.value]
    if isinstance(widget, widgets.Label):
        return WIDGET, [f"<p>{escape(widget.value)}</p>"]
    return WIDGET, [f'<p class="buddy-widget-note">(A {escape(type(widget).__name__)} '
                    "widget: open the lesson in JupyterLab to use it.)</p>"]
