"""The Stepper, driven the way a notebook does: button clicks, ``.position`` and ``observe``.

Play's timer and ``jslink`` run only in a browser (tests/test_browser.py);
here a tick of the timer is simulated by setting its value, as the browser
does.  The timeline is the Wikipedia example of the buddy system: 1M of
memory, 64K minimum block; A 34K, B 66K, C 35K, D 67K, then free B, D, A, C.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import ipywidgets as widgets
import pytest
from examples import WIKIPEDIA

from buddy_edu import BuddyAllocator, InvalidRequest, OutOfMemory, Stepper, run_script
from buddy_edu.render import node_name
from buddy_edu.widget.predict_questions import FAIL_CHOICE, question_for

K = 1024
EVENTS = 18
# Where each operation of the Wikipedia timeline ends (= where the next starts).
OP_ENDS = [5, 6, 7, 9, 10, 12, 13, 18]


@pytest.fixture(autouse=True)
def callbacks_raise(monkeypatch):
    """Make an exception inside a click handler fail the test.

    ipywidgets normally catches it and prints a traceback into the notebook;
    the Stepper must never get there, so here it surfaces instead.
    """

    def call_all(self, *args, **kwargs):
        for callback in self.callbacks:
            callback(*args, **kwargs)

    monkeypatch.setattr(widgets.widgets.widget.CallbackDispatcher, "__call__", call_all)


@pytest.fixture()
def stepper() -> Stepper:
    return Stepper.from_script(WIKIPEDIA)


# What a student sees, found by its label as the browser tests find it by its role:
# the tests use the widget tree (``children``), not the Stepper's private attributes.
_LABELS = {
    "first": "First", "back": "Back", "play": "Play", "forward": "Forward", "last": "Last",
    "previous_operation": "Previous operation", "next_operation": "Next operation",
    "speed": "Speed", "slider": "Event", "size": "Allocate size", "name": "name",
    "allocate": "Allocate", "free_name": "Free name", "free": "Free", "undo": "Undo",
    "reset": "Reset", "choices": "Your answer", "check": "Check",
}


def parts(widget) -> list:
    """Every widget in ``widget``'s tree, itself first."""
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += parts(child)
    return found


def controls(stepper: Stepper) -> SimpleNamespace:
    """The Stepper's controls by name (see _LABELS), plus the Play button's timer."""
    everything = parts(stepper)
    found = {}
    for name, label in _LABELS.items():
        matches = [w for w in everything if getattr(w, "description", None) == label]
        if matches:
            (found[name],) = matches
    (found["timer"],) = [w for w in everything if isinstance(w, widgets.Play)]
    return SimpleNamespace(**found)


def shown(stepper: Stepper) -> str:
    """All the text the Stepper shows (its HTML panes, messages and the predict panel)."""
    return "\n".join(w.value for w in parts(stepper) if isinstance(w, widgets.HTML))


def alerts(stepper: Stepper) -> str:
    """The error messages on show (the live row's), empty when there are none."""
    return "\n".join(w.value for w in parts(stepper)
                     if isinstance(w, widgets.HTML) and 'role="alert"' in w.value)


def node_titles(svg: str) -> list[str]:
    return re.findall(r'<g id="node\d+" class="node[^"]*">\s*<title>([^<]+)</title>', svg)


def timeline(stepper: Stepper) -> tuple:
    a = stepper.allocator
    return a.event_count(), a.events, stepper.position


# ----------------------------------------------------------------- moving
def test_starts_at_the_beginning_with_the_whole_memory_free(stepper):
    assert stepper.position == 0
    assert stepper.allocator.position == 0
    assert stepper.caption == "Start: 1M free."
    assert node_titles(stepper.svg) == [node_name(0, 1024 * K)]
    assert controls(stepper).slider.max == EVENTS


def test_forward_and_back_change_position_caption_and_tree(stepper):
    start_svg = stepper.svg
    event = stepper.forward()
    assert (event.kind, event.address, event.size) == ("split", 0, 1024 * K)
    assert stepper.position == 1 and stepper.allocator.position == 1
    assert stepper.caption == (
        "Step 1 of 18: Split the 1M block at 0 into buddies at 0 and 512K for A."
    )
    assert sorted(node_titles(stepper.svg)) == sorted(
        [node_name(0, 1024 * K), node_name(0, 512 * K), node_name(512 * K, 512 * K)]
    )
    undone = stepper.back()
    assert undone == event
    assert stepper.position == 0
    assert stepper.caption == "Start: 1M free."
    assert stepper.svg == start_svg


def test_buttons_drive_the_same_moves(stepper):
    nav = controls(stepper)
    for _ in range(5):
        nav.forward.click()
    assert stepper.position == 5
    assert "Allocate the 64K block at 0 to A" in stepper.caption
    assert len(node_titles(stepper.svg)) == 9  # 4 split blocks, A and 4 free buddies
    nav.back.click()
    assert stepper.position == 4
    nav.last.click()
    assert stepper.position == EVENTS
    assert stepper.caption.endswith("Merge the buddies at 0 and 512K into one free 1M block at 0.")
    assert node_titles(stepper.svg) == [node_name(0, 1024 * K)]
    nav.first.click()
    assert stepper.position == 0


def test_forward_stops_at_the_end_and_back_at_the_start(stepper):
    assert stepper.back() is None and stepper.position == 0
    stepper.last()
    assert stepper.forward() is None and stepper.position == EVENTS


def test_buttons_that_would_do_nothing_are_disabled(stepper):
    nav = controls(stepper)
    backwards, forwards = (nav.first, nav.back, nav.previous_operation), (
        nav.forward, nav.last, nav.next_operation)
    assert all(b.disabled for b in backwards) and not any(b.disabled for b in forwards)
    stepper.forward()
    assert not any(b.disabled for b in backwards + forwards)
    stepper.last()
    assert all(b.disabled for b in forwards) and not any(b.disabled for b in backwards)
    assert not nav.play.disabled  # at the end Play starts over
    stepper.allocate("64K", "E")  # the timeline grows: still at its (new) end
    assert all(b.disabled for b in forwards)
    stepper.position = 3
    assert not any(b.disabled for b in backwards + forwards)


def test_operation_jumps_move_over_whole_allocate_and_free_calls(stepper):
    seen = []
    while stepper.position < EVENTS:
        controls(stepper).next_operation.click()
        seen.append(stepper.position)
    assert seen == OP_ENDS
    assert "Merge" in stepper.caption
    back = []
    while stepper.position > 0:
        controls(stepper).previous_operation.click()
        back.append(stepper.position)
    assert back == [13, 12, 10, 9, 7, 6, 5, 0]


def test_operation_jumps_from_inside_an_operation(stepper):
    stepper.position = 3  # inside A's four splits
    stepper.next_operation()
    assert stepper.position == 5
    stepper.position = 3
    stepper.previous_operation()
    assert stepper.position == 0


def test_slider_and_position_stay_in_sync(stepper):
    slider = controls(stepper).slider
    slider.value = 10  # what the browser sends when the slider is dragged
    assert stepper.position == 10
    assert stepper.allocator.position == 10
    assert stepper.caption == "Step 10 of 18: Free B: the 128K block at 128K is free again."
    stepper.position = 3
    assert slider.value == 3
    stepper.forward()
    assert slider.value == 4


def test_on_a_long_timeline_the_slider_draws_where_it_is_released(monkeypatch):
    """Short lessons redraw while the slider is dragged; long timelines only where it stops."""
    from buddy_edu.widget import controls as navigation

    monkeypatch.setattr(navigation, "FOLLOW_DRAG_UP_TO", 20)
    a = run_script(WIKIPEDIA)  # 18 events
    stepper = Stepper(a)
    slider = controls(stepper).slider
    assert slider.continuous_update
    stepper.last()
    stepper.allocate(64 * 1024, "E")  # 18 + 5 events: past the limit
    assert not slider.continuous_update
    slider.value = 7  # what the browser sends when the drag is released
    assert stepper.position == 7 and a.position == 7
    stepper.position = 4
    stepper.allocate(64 * 1024, "F")  # inside A's splits: the timeline restarts from 0
    assert slider.continuous_update and slider.max == a.event_count() <= 20


def test_position_changes_can_be_observed(stepper):
    seen = []
    stepper.observe(lambda change: seen.append((change["old"], change["new"])), "position")
    controls(stepper).forward.click()
    controls(stepper).slider.value = 7
    stepper.first()
    assert seen == [(0, 1), (1, 7), (7, 0)]


def test_a_bad_position_is_refused_and_changes_nothing(stepper):
    stepper.position = 4
    for bad in (-1, EVENTS + 1, True):
        with pytest.raises(InvalidRequest, match="position must be an integer between 0 and 18"):
            stepper.position = bad
    assert stepper.position == 4 and stepper.allocator.position == 4


def test_stepping_back_to_a_seen_position_renders_nothing_new(stepper, monkeypatch):
    import buddy_edu.widget.panes as panes

    stepper.position = 6
    calls = []
    real = panes.render.to_svg
    monkeypatch.setattr(panes.render, "to_svg", lambda a: calls.append(a.position) or real(a))
    controls(stepper).slider.value = 6  # the same state again
    stepper.refresh()
    assert calls == [6]  # refresh redraws once; the same slider value draws nothing
    stepper.forward()
    assert calls == [6, 7]


# ------------------------------------------------------------------- play
def test_play_follows_the_browser_timer_and_stops_at_the_end(stepper):
    nav = controls(stepper)
    nav.play.click()
    assert nav.timer.playing
    assert nav.play.description == "Pause"
    for expected in range(1, EVENTS + 1):
        nav.timer.value = expected  # one tick of the timer in the browser
        assert stepper.position == expected
    assert not nav.timer.playing
    assert nav.play.description == "Play"


def test_play_at_the_end_starts_over_and_pause_stops(stepper):
    nav = controls(stepper)
    stepper.last()
    nav.play.click()
    assert stepper.position == 0 and nav.timer.playing
    nav.play.click()
    assert not nav.timer.playing and nav.play.description == "Play"


def test_speed_sets_the_timer_interval(stepper):
    nav = controls(stepper)
    fastest = nav.speed.options[-1][1]
    nav.speed.value = fastest
    assert nav.timer.interval == fastest


# ------------------------------------------------------------------- live
def test_live_allocate_appends_and_moves_to_the_new_end(stepper):
    live = controls(stepper)
    stepper.last()
    live.size.value, live.name.value = "100K", "E"
    live.allocate.click()
    a = stepper.allocator
    assert a.event_count() == EVENTS + 4  # 1M split down to 128K: 3 splits, then allocate
    assert stepper.position == a.event_count()
    assert controls(stepper).slider.max == a.event_count()
    assert "Allocate the 128K block at 0 to E (requested 100K" in stepper.caption
    assert alerts(stepper) == ""
    assert live.name.value == ""  # ready for the next name
    assert "E" in live.free_name.options


def test_live_operations_after_stepping_back_discard_the_tail(stepper):
    live = controls(stepper)
    stepper.position = 5  # only A is allocated
    live.size.value, live.name.value = "100K", "E"
    live.allocate.click()
    a = stepper.allocator
    assert [b.name for b in a.allocations()] == ["A", "E"]
    assert a.event_count() == 6 and stepper.position == 6
    assert controls(stepper).slider.max == 6
    live.free_name.value = "A"
    live.free.click()
    # A's buddy (64K at 64K) is free; the merged 128K's buddy is E, so it stops there
    assert [e.kind for e in a.events[6:]] == ["free", "merge"]
    assert stepper.position == 8 == a.event_count()
    assert stepper.caption.startswith("Step 8 of 8: Merge the buddies at 0 and 64K")


def test_a_live_operation_says_what_it_discarded_and_undo_puts_it_back(stepper):
    original = stepper.allocator.events
    live = controls(stepper)
    stepper.position = 5  # only A is allocated; 13 later events
    assert live.undo.layout.display == "none"
    live.size.value, live.name.value = "100K", "E"
    live.allocate.click()
    assert stepper.discarded == 13 and "discarded 13 later events" in shown(stepper)
    assert live.undo.layout.display != "none"
    live.undo.click()
    assert stepper.allocator.events == original  # the branch exactly, event by event
    assert stepper.position == 5 and stepper.discarded == 0 and "discarded" not in shown(stepper)
    assert stepper.undo_live() is False  # once: nothing more to put back
    stepper.last()
    stepper.allocate("64K", "F")  # at the end nothing is discarded, nothing to undo
    assert stepper.discarded == 0 and live.undo.layout.display == "none"


def test_undo_after_a_failed_live_request_and_inside_an_operation(stepper):
    original = stepper.allocator.events
    stepper.position = 3  # inside A's allocation: recording first takes back its splits
    stepper.allocate("1M", "BIG")
    assert stepper.discarded == EVENTS
    with pytest.raises(OutOfMemory):
        stepper.allocate("1M", "BIGGER")  # at the end: discards nothing, and the branch
    assert stepper.discarded == 0 and stepper.undo_live() is False  # above is forgotten
    stepper.position = 0
    stepper.allocate("64K", "SMALL")
    assert stepper.discarded == 2  # BIG's allocation and BIGGER's failure
    assert stepper.undo_live()
    assert [(e.kind, e.name) for e in stepper.allocator.events] == [
        ("allocate", "BIG"), ("fail", "BIGGER")]
    assert stepper.position == 0
    stepper.reset()
    assert stepper.allocator.events == original and stepper.position == 0


def test_reset_returns_to_the_scenario_it_was_created_with():
    s = Stepper.from_script(WIKIPEDIA, position=OP_ENDS[1])
    original = s.allocator.events
    s.last()
    s.allocate("64K", "E")
    s.position = 2
    s.allocate("32K", "Q")  # inside A's allocation: replaces part of the scenario
    controls(s).reset.click()
    assert s.allocator.events == original and s.position == OP_ENDS[1]
    assert s.discarded == 0
    grown = Stepper.from_script(WIKIPEDIA)
    grown.last()
    grown.allocate("64K", "E")  # only appended: the scenario itself was never replaced
    grown.reset()
    assert grown.allocator.events == original and grown.position == 0


def test_live_row_works_inside_an_operation(stepper):
    stepper.position = 3  # in the middle of A's splits: A's operation is discarded
    stepper.allocate("64K", "X")
    assert [b.name for b in stepper.allocator.allocations()] == ["X"]
    assert stepper.position == stepper.allocator.event_count() == 5


@pytest.mark.parametrize(
    ("size", "name", "message"),
    [
        ("12Q", "E", "expected a size like 64, 64K, 1M or 2G, got '12Q'"),
        ("", "E", "Type a size to allocate first"),
        ("0", "E", "size must be between 1 and the memory size"),
        ("2M", "E", "size must be between 1 and the memory size 1M, got 2M"),
        ("10K", "A", "'A' is already allocated (64K at 0): free it first"),
    ],
)
def test_bad_live_allocate_shows_the_message_and_changes_nothing(stepper, size, name, message):
    live = controls(stepper)
    stepper.position = 9  # A, B, C and D allocated
    before = timeline(stepper)
    live.size.value, live.name.value = size, name
    live.allocate.click()
    assert message in alerts(stepper).replace("&#x27;", "'")
    assert alerts(stepper)
    assert timeline(stepper) == before


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Z", "nothing is allocated under the name 'Z'; allocated now: A, B, C, D"),
        ("", "Type the name of an allocated block to free"),
    ],
)
def test_bad_live_free_shows_the_message_and_changes_nothing(stepper, name, message):
    live = controls(stepper)
    stepper.position = 9
    before = timeline(stepper)
    live.free_name.value = name
    live.free.click()
    assert message in alerts(stepper).replace("&#x27;", "'")
    assert timeline(stepper) == before


def test_a_good_live_operation_clears_the_previous_error(stepper):
    live = controls(stepper)
    stepper.last()
    live.size.value = "nonsense"
    live.allocate.click()
    assert alerts(stepper)
    live.size.value = "64K"
    live.allocate.click()
    assert alerts(stepper) == ""


def test_live_out_of_memory_is_shown_and_recorded_as_a_fail_event(stepper):
    live = controls(stepper)
    stepper.position = 5  # A holds 64K at 0, so no 1M block is free
    live.size.value, live.name.value = "1M", "BIG"
    live.allocate.click()
    assert "cannot allocate 1M for BIG" in alerts(stepper)
    a = stepper.allocator
    assert a.event_count() == 6 and a.events[-1].kind == "fail"
    assert stepper.position == 6
    assert stepper.caption == (
        "Step 6 of 6: Cannot allocate 1M for BIG: no free block of 1M or larger."
    )


def test_python_live_methods_raise_the_core_errors(stepper):
    stepper.position = 5
    with pytest.raises(OutOfMemory):
        stepper.allocate("1M")
    assert stepper.position == 6  # moved to the recorded failure
    with pytest.raises(InvalidRequest, match="nothing is allocated under the name 'Q'"):
        stepper.free("Q")
    assert stepper.position == 6


def test_refresh_catches_up_with_changes_made_outside(stepper):
    a = stepper.allocator
    stepper.last()
    a.allocate(64 * K, "LATE")
    stepper.refresh()
    assert controls(stepper).slider.max == EVENTS + 5
    stepper.last()
    assert "LATE" in stepper.caption


# --------------------------------------------------------------- labels
def test_every_control_has_a_text_label_or_tooltip(stepper):
    controls = (widgets.Button, widgets.ToggleButton, widgets.Play, widgets.IntSlider,
                widgets.Dropdown, widgets.Text, widgets.RadioButtons, widgets.ToggleButtons)
    found = []
    for s in (stepper, Stepper.from_script(WIKIPEDIA, predict=True)):
        for widget in walk(s):
            if isinstance(widget, controls):
                found.append(widget)
                assert (widget.description or "").strip() or (widget.tooltip or "").strip(), widget
    buttons = {w.description for w in found if isinstance(w, widgets.Button)}
    assert {"First", "Back", "Play", "Forward", "Last", "Previous operation",
            "Next operation", "Allocate", "Free", "Check"} <= buttons
    assert all(w.tooltip for w in found if isinstance(w, widgets.Button))


def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def test_constructor_refuses_bad_arguments():
    with pytest.raises(InvalidRequest, match="Stepper needs a BuddyAllocator"):
        Stepper("A = alloc 34K")
    with pytest.raises(InvalidRequest, match="predict must be True or False"):
        Stepper(run_script(WIKIPEDIA), predict="yes")
    with pytest.raises(InvalidRequest, match="position must be an integer between 0 and 18"):
        Stepper(run_script(WIKIPEDIA), position=19)


def test_from_script_uses_the_policy_and_can_start_elsewhere():
    s = Stepper.from_script(WIKIPEDIA, policy="lifo", position=EVENTS)
    assert s.allocator.policy == "lifo"
    assert s.position == EVENTS and controls(s).slider.value == EVENTS


def test_an_empty_allocator_shows_its_start():
    s = Stepper(BuddyAllocator(1024, 64))
    assert s.position == 0 and controls(s).slider.max == 0
    assert s.forward() is None
    controls(s).play.click()
    assert not controls(s).timer.playing


# ---------------------------------------------------------------- predict
@pytest.fixture()
def predicting() -> Stepper:
    return Stepper.from_script(WIKIPEDIA, predict=True)


def test_predict_answers_come_from_the_recorded_events():
    a = run_script(WIKIPEDIA)
    asked = [question_for(a, op) for op in range(a.operation_count())]
    assert [(q.kind, q.answer) for q in asked] == [
        ("where", 0), ("splits", 0), ("fails", "succeeds"), ("where", 256 * K),
        ("merges", 0), ("merges", 1), ("merges", 0), ("merges", 4),
    ]
    assert a.position == EVENTS  # asking did not move the allocator
    for q in asked:
        assert q.answer in [value for _, value in q.choices]


def test_predict_a_failing_request():
    a = run_script("memory 1M min 64K\nA = alloc 600K\nB = alloc 600K\nC = alloc 600K")
    assert [question_for(a, op).answer for op in range(3)] == [0, FAIL_CHOICE, FAIL_CHOICE]
    reason = question_for(a, 2).reason
    assert "the largest free block is 0" in reason and reason.endswith("the request fails.")


def test_predict_mode_cannot_step_into_an_unanswered_operation(predicting):
    s = predicting
    nav = controls(s)
    assert s.question.prompt == "A asks for 34K. Where will its block start?"
    nav.forward.click()
    assert s.position == 0
    assert "Answer the question first" in shown(s)
    nav.slider.value = 5
    assert s.position == 0 and nav.slider.value == 0
    for button in (nav.last, nav.next_operation, nav.play):
        button.click()
        assert s.position == 0
    assert not nav.timer.playing
    with pytest.raises(InvalidRequest, match="answer the question about the next operation"):
        s.position = 3
    assert nav.timer.max == 0  # the browser's Play timer cannot run past the question


def test_predict_answers_are_marked_and_scored(predicting):
    s = predicting
    nav = panel = controls(s)
    assert panel.check.disabled  # nothing chosen yet
    assert "<b>Score: 0 / 0 correct</b>" in shown(s)
    panel.choices.value = 512 * K  # wrong: A lands at 0
    assert not panel.check.disabled
    panel.check.click()
    assert "Not quite: you chose 512K" in shown(s)
    assert "A gets the block at 0" in shown(s)
    assert "<b>Score: 0 / 1 correct</b>" in shown(s)
    assert panel.choices.disabled
    for _ in range(5):
        nav.forward.click()
    assert s.position == 5  # through A's operation, up to B's question
    assert nav.forward.click() is None and s.position == 5
    assert s.question.kind == "splits"
    panel.choices.value = 0
    panel.check.click()
    assert "Right!" in shown(s)
    assert "<b>Score: 1 / 2 correct</b>" in shown(s)
    assert s.score == (1, 2)
    nav.forward.click()
    assert s.position == 6
    assert s.question.kind == "fails"
    assert s.answer("succeeds").correct
    assert s.score == (2, 3)


def test_predict_answered_questions_are_shown_again_when_stepping_back(predicting):
    s = predicting
    panel = controls(s)
    s.answer(0)
    s.last()
    assert s.position == 5
    s.first()
    assert panel.choices.value == 0 and panel.choices.disabled
    assert "Right!" in shown(s)
    assert s.question is None  # already answered


def test_predict_refuses_answers_out_of_turn(predicting, stepper):
    s = predicting
    with pytest.raises(InvalidRequest, match="is not one of the choices"):
        s.answer(64 * K)
    assert s.score == (0, 0)
    s.answer(0)
    s.position = 2
    with pytest.raises(InvalidRequest, match="no question is waiting here"):
        s.answer(0)
    with pytest.raises(InvalidRequest, match="answer\\(\\) is for predict mode"):
        stepper.answer(0)


def test_predict_check_without_a_choice_asks_for_one(predicting):
    panel = controls(predicting)
    panel.check.disabled = False
    panel.check.click()
    assert "Pick an answer first" in shown(predicting)
    assert predicting.score == (0, 0)


def test_predict_play_stops_at_the_next_question(predicting):
    s = predicting
    nav = controls(s)
    s.answer(0)
    assert nav.timer.max == 5
    nav.play.click()
    assert nav.timer.playing
    for tick in range(1, 6):
        nav.timer.value = tick
    assert s.position == 5 and not nav.timer.playing


def test_predict_live_operation_is_asked_about_before_it_is_shown(predicting):
    s = predicting
    live = controls(s)
    for op, value in enumerate([0, 0, "succeeds", 256 * K, 0, 1, 0, 4]):
        assert s.question.op == op
        s.answer(value)
        s.next_operation()
    assert s.position == EVENTS and s.score == (8, 8)
    live.size.value, live.name.value = "2K", "E"
    live.allocate.click()
    assert s.position == EVENTS  # at the start of the new operation
    assert s.question.op == 8
    assert "predict what happens" in shown(s)
    assert "cannot" not in alerts(s).lower()


def test_predict_live_operation_after_stepping_back_drops_later_answers(predicting):
    s = predicting
    for value in [0, 0, "succeeds"]:
        s.answer(value)
        s.next_operation()
    assert s.score == (3, 3) and s.position == 7
    s.position = 5  # after A, before B
    with pytest.raises(OutOfMemory):
        s.allocate("1M", "BIG")  # B and C are discarded, so are their answers
    assert s.score == (1, 1)
    assert s.position == 5 and s.question.op == 1
    assert s.question.answer == FAIL_CHOICE
    assert s.undo_live()  # the branch comes back with the answers given about it
    assert s.score == (3, 3) and s.position == 5
    s.reset()
    assert s.score == (0, 0) and s.position == 0


def test_predict_starting_later_asks_only_about_what_is_still_hidden():
    s = Stepper.from_script(WIKIPEDIA, predict=True, position=9)  # after D's allocation
    assert s.position == 9 and s.question.op == 4  # free B comes next
    s.first()
    assert "already shown when the Stepper started" in shown(s)
    inside = Stepper.from_script(WIKIPEDIA, predict=True, position=3)  # inside A's splits
    assert inside.position == 0 and inside.question.op == 0


def test_predict_on_an_empty_allocator_asks_once_something_is_added():
    s = Stepper(BuddyAllocator(1024 * K, 64 * K), predict=True)
    assert s.question is None
    assert "End of the timeline" in shown(s)
    s.allocate("34K", "A")
    assert s.position == 0 and s.question.kind == "where"
    assert s.answer(0).correct
    s.last()
    assert s.position == 5


def test_predict_refresh_keeps_answers_for_operations_that_did_not_change(predicting):
    s = predicting
    s.answer(0)
    s.next_operation()
    s.answer(0)
    a = s.allocator
    a.seek(5)
    a.allocate(64 * K, "OUTSIDE")  # rewrites everything after A, outside the Stepper
    s.refresh()
    assert s.score == (1, 1)  # A's answer still holds; B's operation is gone
    assert s.question.op == 1 and "OUTSIDE" in s.question.prompt


def test_refresh_after_the_timeline_was_cut_short_outside(stepper):
    stepper.last()
    a = stepper.allocator
    a.seek(5)
    a.allocate(2 * K, "TINY")  # discards everything after A: 5 + 1 events now
    stepper.refresh()
    assert stepper.position == a.event_count() == 6
    assert controls(stepper).slider.max == 6 and controls(stepper).slider.value == 6
    assert "TINY" in stepper.caption


@pytest.mark.parametrize("policy", ["lowest", "lifo", "leftmost"])
def test_predict_every_question_has_its_answer_among_the_choices(policy):
    import random

    rng = random.Random(7)
    a = BuddyAllocator(256 * K, 4 * K, policy)
    live = []
    for number in range(60):
        if live and rng.random() < 0.45:
            a.free(live.pop(rng.randrange(len(live))))
            continue
        try:
            a.allocate(rng.randint(1, 80) * K, f"P{number}")
            live.append(f"P{number}")
        except OutOfMemory:
            pass
    kinds = set()
    for op in range(a.operation_count()):
        q = question_for(a, op)
        kinds.add(q.kind)
        assert q.check(q.answer).correct
        assert len({value for _, value in q.choices}) == len(q.choices) >= 2
        wrong = next(value for _, value in q.choices if value != q.answer)
        assert not q.check(wrong).correct
        events = [a.event_at(i) for i in a.operation_span(op)]
        if q.kind == "merges":
            assert q.answer == sum(e.kind == "merge" for e in events)
        elif q.kind == "where" and q.answer != FAIL_CHOICE:
            assert q.answer == events[-1].address
    assert kinds == {"where", "splits", "fails", "merges"}


def test_automatic_names_are_what_the_tooltip_promises(stepper):
    tooltip = controls(stepper).name.tooltip
    assert "request's number" in tooltip and "P1, P2" not in tooltip
    stepper.last()
    block = stepper.allocate("64K")  # Wikipedia's script made 4 requests: this is the fifth
    assert block.name == "P5"
