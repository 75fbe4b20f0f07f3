"""QuickCheck: the ungraded in-lesson question widget.

The widget is driven the way a student drives it (typing, pressing Check),
with a small stand-in question so these tests do not depend on the
exercises layer: QuickCheck promises to work with any object that has a
``prompt`` and a ``check(value)`` returning ``score`` and ``message``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from buddy_edu import BuddyAllocator, InvalidRequest, parse_size
from buddy_edu.widget.quickcheck import QuickCheck


@dataclass(frozen=True)
class Marked:
    score: float
    message: str


class BlockSizeQuestion:
    """Which block does a request get? Marked by the core, as the lessons' questions are."""

    def __init__(self, request: str) -> None:
        self.request = request
        self.prompt = f"A 1M memory, 64K minimum block: which block does {request} get?"
        self.asked: list[str] = []

    def check(self, value: str) -> Marked:
        self.asked.append(value)
        right = BuddyAllocator(parse_size("1M"), parse_size("64K")).block_size(
            parse_size(self.request))
        given = parse_size(value)  # raises InvalidRequest (a ValueError) for "lots"
        if given == right:
            return Marked(1.0, f"{self.request} rounds up to {value}.")
        if given == right // 2:
            return Marked(0.5, "Close: that block is one size too small.")
        return Marked(0.0, "Round up to the next power-of-two block.")


def test_right_answer_typed_and_checked_shows_success():
    check = QuickCheck(BlockSizeQuestion("34K"))
    check.answer.value = "64K"
    check.button.click()
    assert check.result.score == 1.0
    assert "Right" in check.feedback.value
    assert "34K rounds up to 64K." in check.feedback.value


def test_wrong_and_partial_answers_say_so():
    check = QuickCheck(BlockSizeQuestion("100K"))
    assert check.check("32K").score == 0.0
    assert "Not yet" in check.feedback.value
    assert check.check("64K").score == 0.5
    assert "Partly" in check.feedback.value


def test_pressing_enter_checks_once_and_check_after_it_is_not_a_second_attempt():
    question = BlockSizeQuestion("34K")
    check = QuickCheck(question)
    check.answer.value = "64K"  # what Enter does with continuous_update=False
    assert question.asked == ["64K"]
    check.button.click()
    assert check.attempts == 1
    check.answer.value = "128K"
    assert check.attempts == 2


def test_empty_answer_asks_for_one_without_calling_the_question():
    question = BlockSizeQuestion("34K")
    check = QuickCheck(question)
    check.button.click()
    assert question.asked == []
    assert check.result is None and check.attempts == 0
    assert "Type an answer first" in check.feedback.value


def test_unreadable_answer_shows_the_question_s_reason_and_is_not_marked():
    check = QuickCheck(BlockSizeQuestion("34K"))
    assert check.check("lots") is None
    assert check.attempts == 0
    assert "Could not read &#x27;lots&#x27;" in check.feedback.value
    assert "64K" in check.feedback.value  # parse_size's message names the accepted forms


def test_prompt_and_feedback_are_escaped():
    class Shouty:
        prompt = "Is 2 < 3?"

        def check(self, value):
            return Marked(0, "<b>no</b>")

    check = QuickCheck(Shouty())
    check.check("x")
    assert "2 &lt; 3" in check.prompt.value
    assert "&lt;b&gt;no" in check.feedback.value


def test_inline_markdown_of_prompts_is_rendered_after_escaping():
    class MarkedUp:
        prompt = "A **1M** memory: what is the *order* of `alloc 34K`? <script>"

        def check(self, value):
            return Marked(1, "**Yes.**")

    check = QuickCheck(MarkedUp())
    assert "<b>1M</b>" in check.prompt.value
    assert "<i>order</i>" in check.prompt.value
    assert "<code>alloc 34K</code>" in check.prompt.value
    assert "&lt;script&gt;" in check.prompt.value and "<script>" not in check.prompt.value
    check.check("yes")
    assert "<b>Yes.</b>" in check.feedback.value


def test_an_object_without_prompt_or_check_is_refused_with_the_fix():
    with pytest.raises(TypeError, match="buddy_edu.exercises"):
        QuickCheck(object())
    with pytest.raises(TypeError, match="prompt"):
        QuickCheck(InvalidRequest("not a question"))
