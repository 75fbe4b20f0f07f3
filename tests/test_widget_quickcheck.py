"""QuickCheck: the ungraded in-lesson question widget.

The widget is driven the way a student drives it (typing, pressing Check),
with a small stand-in question so these tests do not depend on the
exercises layer: QuickCheck promises to work with any object that has a
``prompt`` and a ``check(value)`` returning ``score`` and ``message``.
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
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


def test_a_text_that_arrives_after_the_click_meant_for_it_gets_the_last_word():
    """The browser may deliver a Check click before the box's new text (it holds a text
    update back while an earlier one is unanswered): the feedback ends up about the text."""
    question = BlockSizeQuestion("34K")
    check = QuickCheck(question)
    check.answer.value = "128K"
    check.button.click()  # the click for the next answer overtakes it ...
    check.answer.value = "64K"  # ... which then arrives
    assert "Right" in check.feedback.value and check.attempts == 2
    check.button.click()  # a click meant for an emptied box, before the empty text
    check.answer.value = ""
    assert "Type an answer first" in check.feedback.value
    assert check.attempts == 2


def test_unreadable_answer_shows_the_question_s_reason_and_is_not_marked():
    check = QuickCheck(BlockSizeQuestion("34K"))
    assert check.check("lots") is None
    assert check.attempts == 0
    assert "Could not read &#x27;lots&#x27;" in check.feedback.value
    assert "64K" in check.feedback.value  # parse_size's message names the accepted forms


def prompt_markdown(check: QuickCheck) -> str:
    (output,) = check.prompt.outputs
    return output["data"]["text/markdown"]


def test_prompt_is_shown_as_markdown_and_feedback_markup_is_escaped():
    class Shouty:
        prompt = "Is **2 < 3**?\n\n```text\nmemory 1M\n```"

        def check(self, value):
            return Marked(0, "<b>no</b>, **really**")

    check = QuickCheck(Shouty())
    assert prompt_markdown(check) == "**Quick check.** " + Shouty.prompt
    check.check("x")
    assert "&lt;b&gt;no&lt;/b&gt;" in check.feedback.value
    assert "<b>really</b>" in check.feedback.value


def test_a_question_with_a_setup_script_shows_its_memory_map():
    class AfterSetup(BlockSizeQuestion):
        params = {"setup": "memory 1M min 64K\nA = alloc 34K\n", "policy": None}

    check = QuickCheck(AfterSetup("34K"))
    pictures = [child for child in check.children if isinstance(child, widgets.HTML)
                and "<svg" in child.value]
    assert len(pictures) == 1
    assert ">A<" in pictures[0].value  # the allocated block is labelled in the map
    assert not any("<svg" in getattr(child, "value", "")
                   for child in QuickCheck(AfterSetup("34K"), picture=None).children)


def test_a_given_picture_and_the_answer_form_are_shown():
    class WithForm(BlockSizeQuestion):
        form = "a size like `64K`"

    check = QuickCheck(WithForm("34K"), picture="<svg id='given'></svg>")
    texts = [getattr(child, "value", "") for child in check.children]
    assert "<svg id='given'></svg>" in texts
    assert any("Answer form: a size like <code>64K</code>" in text for text in texts)


def test_an_object_without_prompt_or_check_is_refused_with_the_fix():
    with pytest.raises(TypeError, match="buddy_edu.exercises"):
        QuickCheck(object())
    with pytest.raises(TypeError, match="prompt"):
        QuickCheck(InvalidRequest("not a question"))


def test_works_with_the_exercises_questions_the_lessons_use():
    from buddy_edu.exercises import block_size, merge_count

    check = QuickCheck(block_size("34K", "1M", "64K"))
    assert check.check("64K").score == 1.0
    assert "Right" in check.feedback.value
    wrong = check.check("34K")
    assert wrong.score == 0.0
    assert "Not yet" in check.feedback.value and wrong.message in check.feedback.value

    setup = "memory 1M min 64K\nA = alloc 34K\nB = alloc 34K\nfree B\n"
    merges = QuickCheck(merge_count(setup, "A"))
    assert any("<svg" in getattr(child, "value", "") for child in merges.children)
    assert merges.check("4").score == 1.0  # 64K -> 128K -> 256K -> 512K -> 1M


class WorkedQuestion(BlockSizeQuestion):
    """The stand-in question, able to replay its request for "show me why"."""

    def worked(self):
        return f"memory 1M min 64K\nX = alloc {self.request}\n", 0


def test_show_me_why_appears_after_two_wrong_tries_and_replays_the_request():
    check = QuickCheck(WorkedQuestion("34K"))
    assert check.why_button.layout.display == "none"
    check.check("32K")
    check.check("32K")  # the same answer twice is one try
    assert check.why_button.layout.display == "none"
    check.check("16K")
    assert check.why_button.layout.display != "none"
    stepper = check.show_why()
    assert stepper.position == 0
    kinds = [event.kind for event in stepper.allocator.events]
    assert kinds == ["split", "split", "split", "split", "allocate"]  # 1M down to 64K
    assert check.why_button.layout.display == "none"


def test_no_show_me_why_for_questions_without_a_replay():
    check = QuickCheck(BlockSizeQuestion("34K"))
    check.check("32K")
    check.check("16K")
    assert check.why_button.layout.display == "none" and check.show_why() is None
