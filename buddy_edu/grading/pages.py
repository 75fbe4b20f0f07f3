"""One HTML feedback page per student, written from their Result.

The page shows each question's points and the grader's message, and the
student's own answer as the grader read it.  The correct answers appear only
when the instructor asks for them (``reveal``), e.g. after the deadline.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

from .results import Result, format_points

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .4em .6em; text-align: left;
         vertical-align: top; }
td.points { text-align: right; white-space: nowrap; }
code { background: #f4f4f4; padding: 0 .2em; overflow-wrap: anywhere; }
.problem { background: #fdecea; border-left: 4px solid #D55E00; padding: .5em 1em; }
.notes { background: #fff8e1; border-left: 4px solid #E69F00; padding: .5em 1em; }
.misconception { color: #8a5a00; font-size: 90%; }
"""


def write_feedback(results: list[Result], folder: str | os.PathLike,
                   reveal: bool = False) -> list[Path]:
    """Write ``<student>.html`` for every result into ``folder``; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for result in results:
        path = folder / f"{result.student}.html"
        path.write_text(feedback_html(result, reveal), encoding="utf-8")
        written.append(path)
    return written


def feedback_html(result: Result, reveal: bool = False) -> str:
    """The feedback page of one submission."""
    e = html.escape
    title = f"{result.assignment}: feedback for {result.student}"
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f"<p><strong>Score: {format_points(result.score)} / {result.max_score} points"
        "</strong></p>",
    ]
    if result.practice:
        parts.append('<p class="problem">Practice mode: these answers were checked against '
                     "practice questions, which anyone can make; this is not a course's "
                     "grade.</p>")
    if result.error:
        parts.append(f'<p class="problem">Your notebook could not be run to the end: '
                     f"{e(result.error)}.</p>")
    if result.notes:
        items = "".join(f"<li>{e(note)}</li>" for note in result.notes)
        parts.append(f'<div class="notes"><p>While running your notebook:</p><ul>{items}</ul>'
                     "</div>")
    head = "<th>question</th><th>points</th><th>feedback</th><th>your answer</th>"
    if reveal:
        head += "<th>correct answer</th>"
    parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>")
    for question in result.questions:
        note = ""
        if question.misconception:
            note = (f'<br><span class="misconception">known misconception: '
                    f"{e(question.misconception)}</span>")
        row = (f"<td>{e(question.id)}</td>"
               f'<td class="points">{format_points(question.earned)} / {question.points}</td>'
               f"<td>{e(question.message)}{note}</td>"
               f"<td>{_value(question.answer)}</td>")
        if reveal:
            row += f"<td>{_value(question.expected)}</td>"
        parts.append(f"<tr>{row}</tr>")
    parts.append("</tbody></table></body></html>")
    return "\n".join(parts) + "\n"


def _value(value: object) -> str:
    if value is None:
        return "—"
    text = json.dumps(value, ensure_ascii=False)
    if len(text) > 500:
        text = text[:497] + "..."
    return f"<code>{html.escape(text)}</code>"
