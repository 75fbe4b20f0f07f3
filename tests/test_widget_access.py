"""What the widgets give screen readers, and what predict mode keeps back, in Python.

The browser half (names set on the page, live regions that stay, focus that is
never lost, keys that do not leak to JupyterLab) is tested in headless
Chromium by tests/test_browser.py; here the kernel's half: which widgets are
live regions and carry no roles of their own, what the event slider says, and
that a predict-mode Stepper hides what would answer its question until the
student answers (issue 21: the "of N" in "Step k of N", the slider's end,
"largest free block ... the biggest request that fits").
"""

from __future__ import annotations

import re

import ipywidgets as widgets
import pytest
from examples import WIKIPEDIA

from buddy_edu import Stepper, run_script
from buddy_edu.widget import access
from buddy_edu.widget.access import Access
from buddy_edu.widget.quickcheck import QuickCheck
from buddy_edu.widget.shortcuts import Shortcuts

K = 1024
EVENTS = 18
OP_ENDS = [5, 6, 7, 9, 10, 12, 13, 18]  # where each operation of WIKIPEDIA ends
ANSWERS = [0, 0, "succeeds", 256 * K, 0, 1, 0, 4]  # the right answer to each question
CHECKERBOARD = ("memory 1M min 64K\n" + "".join(f"P{i} = alloc 64K\n" for i in range(16))
                + "".join(f"free P{i}\n" for i in range(0, 16, 2)) + "big = alloc 128K\n")


def parts(widget) -> list:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += parts(child)
    return found


def live_regions(widget) -> list[widgets.HTML]:
    return [w for w in parts(widget) if "buddy-live" in getattr(w, "_dom_classes", ())]


def by_class(widget, name: str) -> widgets.Widget:
    (found,) = [w for w in parts(widget) if name in getattr(w, "_dom_classes", ())]
    return found


def the(widget, kind: type) -> widgets.Widget:
    (found,) = [w for w in parts(widget) if isinstance(w, kind)]
    return found


def stats_rows(stepper: Stepper) -> dict[str, str]:
    html = "".join(w.value for w in parts(stepper) if isinstance(w, widgets.HTML)
                   and "buddy-stats" in w.value)
    return {name: value.strip() for name, value in
            re.findall(r'<th scope="row">([^<]+)</th><td>([^<]*)', html)}


# ------------------------------------------------------------ live regions
def test_the_narration_is_one_live_region_whose_text_changes():
    s = Stepper.from_script(WIKIPEDIA)
    narration = by_class(s, "buddy-stepper-narration")
    assert "buddy-live" in narration._dom_classes  # access.py makes it role=status, once
    assert narration.value == "Start: 1M free."  # text only: no element re-created inside
    s.forward()
    assert narration is by_class(s, "buddy-stepper-narration")
    assert narration.value == (
        "Step 1 of 18: Split the 1M block at 0 into buddies at 0 and 512K for A.")


def test_questions_markings_and_results_are_live_regions_without_roles_of_their_own():
    """A region inside a region would be announced twice, or not at all."""
    s = Stepper.from_script(WIKIPEDIA, predict=True)
    regions = live_regions(s)
    assert len(regions) == 4  # narration, question, marking, the live row's Undo offer
    s.press("ArrowRight")  # before answering: the hint
    s.answer(512 * K)  # wrong, marked
    check = QuickCheck(_Question())
    check.check("2")
    regions += live_regions(check)
    assert len(regions) == 5
    said = [region.value for region in regions]
    assert any("Predict before you step" in text for text in said)
    assert any("Not quite: you chose 512K" in text for text in said)
    assert any("Not yet." in text for text in said)
    assert not any("role=" in text for text in said)


class _Question:
    prompt = "What is 1 + 2?"

    def check(self, value):
        from types import SimpleNamespace

        right = str(value).strip() == "3"
        return SimpleNamespace(score=float(right), message="Right." if right else "No.")


def test_every_widget_carries_the_browser_code_that_names_its_parts():
    s = Stepper.from_script(WIKIPEDIA)
    shortcuts = the(s, Shortcuts)
    assert shortcuts._esm.startswith(access.JS)
    assert shortcuts._css == access.CSS
    for widget in (QuickCheck(_Question()),):
        assert isinstance(the(widget, Access), Access)
    assert ".buddy-quickcheck" in access.ROOTS and ".buddy-side-by-side" in access.ROOTS
    assert "outline: 3px solid" in access.CSS


# ------------------------------------------------------------ the slider
def test_the_event_slider_says_where_it_is():
    s = Stepper.from_script(WIKIPEDIA)
    shortcuts = the(s, Shortcuts)
    slider = by_class(s, "buddy-event-slider")
    assert slider.description == "Event"
    assert shortcuts.valuetext == "event 0 of 18: the start, before the first event"
    s.position = 10
    assert shortcuts.valuetext == "event 10 of 18: Free B: the 128K block at 128K is free again."
    s.last()
    assert shortcuts.valuetext.startswith("event 18 of 18: Merge the buddies at 0 and 512K")


# ------------------------------------------------- predict mode keeps back
def test_predict_mode_hides_the_number_of_events_until_every_question_is_answered():
    s = Stepper.from_script(WIKIPEDIA, predict=True)
    shortcuts = the(s, Shortcuts)
    slider = by_class(s, "buddy-event-slider")
    narration = by_class(s, "buddy-stepper-narration")
    assert slider.max == 0 and "18" not in shortcuts.valuetext
    for op, value in enumerate(ANSWERS):
        s.answer(value)
        s.last()
        assert s.position == OP_ENDS[op]
        if op < len(ANSWERS) - 1:  # the events still to come stay untold
            assert slider.max == s.position
            assert s.caption.startswith(f"Step {s.position}: ")
            assert narration.value == s.caption
            assert shortcuts.valuetext.startswith(f"event {s.position}: ")
            assert " of " not in narration.value.split(":")[0]
    assert s.caption.startswith("Step 18 of 18: Merge")  # all answered: nothing to give away
    assert slider.max == EVENTS and shortcuts.valuetext.startswith("event 18 of 18: ")
    s.first()
    assert s.caption == "Start: 1M free." and slider.max == EVENTS


def test_a_stepper_without_predict_mode_hides_nothing():
    s = Stepper.from_script(WIKIPEDIA)
    s.position = 6
    assert s.caption.startswith("Step 6 of 18: ")
    assert by_class(s, "buddy-event-slider").max == EVENTS
    assert stats_rows(s)["largest free block"] == "512K"


@pytest.mark.parametrize("step_back_first", [False, True])
def test_stats_that_answer_the_waiting_question_are_hidden_until_it_is_answered(step_back_first):
    """Lesson 03's checkerboard: eight free 64K blocks, none adjacent, and "big asks for
    128K": "largest free block 64K, the biggest request that fits" would say it fails."""
    board = run_script(CHECKERBOARD)
    before_big = board.operation_span(board.operation_count() - 1).start
    s = Stepper.from_script(CHECKERBOARD, predict=True, position=before_big)
    assert s.question.prompt.startswith("big asks for 128K")
    assert "none: it fails" in [label for label, _ in s.question.choices]
    rows = stats_rows(s)
    assert rows["largest free block"] == rows["external fragmentation"] == "hidden"
    assert rows["free"] == "512K"  # the rest of the state is there to reason from
    assert "the biggest request that fits" not in str(s.children)
    assert s.caption.startswith(f"Step {before_big}: ")
    if step_back_first:
        s.back()  # stepping back does not show them either: the question still waits
        assert stats_rows(s)["largest free block"] == "hidden"
        s.forward()
    s.answer(s.question.answer)
    rows = stats_rows(s)
    assert rows["largest free block"] == "64K"
    assert rows["external fragmentation"] == "87.5%"
    assert s.caption.startswith(f"Step {before_big} of {board.event_count()}: ")


def test_only_allocations_hide_the_largest_free_block():
    s = Stepper.from_script(WIKIPEDIA, predict=True)
    for value in ANSWERS[:4]:
        s.answer(value)
        s.next_operation()
    assert s.question.kind == "merges"  # free B: how many merges?
    assert stats_rows(s)["largest free block"] == "512K"


def test_a_click_on_allocate_or_free_uses_the_text_sent_with_it():
    """The browser may send the click before the boxes' last updates (it holds a box's
    update back while an earlier one is unanswered): the click's own copy of what the
    boxes held wins, so a fast typist gets the block and the name they typed."""
    s = Stepper.from_script("memory 1M min 64K\nA = alloc 34K\n")
    s.last()
    shortcuts = the(s, Shortcuts)
    size, name = by_class(s, "buddy-live-size"), by_class(s, "buddy-live-name")
    assert size.value == name.value == ""  # the kernel has not seen the typing yet
    shortcuts._handle_custom_msg({"live": "allocate", "size": "100K", "name": "E"}, [])
    assert [b.name for b in s.allocator.allocations()] == ["A", "E"]
    assert s.allocator.allocations()[1].requested == 100 * K
    shortcuts._handle_custom_msg({"live": "free", "free_name": "A"}, [])
    assert [b.name for b in s.allocator.allocations()] == ["E"]
    shortcuts._handle_custom_msg({"live": "allocate", "size": "", "name": "F"}, [])
    assert "Type a size to allocate first" in " ".join(
        w.value for w in parts(s) if isinstance(w, widgets.HTML))
    shortcuts._handle_custom_msg({"live": "steal", "size": "1M"}, [])  # ignored
    assert [b.name for b in s.allocator.allocations()] == ["E"]
