"""Predict mode's bookkeeping on its own: no widget, just an allocator and the answers."""

from __future__ import annotations

import pytest
from examples import WIKIPEDIA

from buddy_edu import InvalidRequest, run_script
from buddy_edu.widget.predict_state import NO_QUESTION, Predictions

K = 1024


def right(predictions: Predictions):
    """Answer the waiting question correctly."""
    question = predictions.question()
    value = next(value for _label, value in question.choices
                 if question.check(value).correct)
    return predictions.answer(value)


def wrong(predictions: Predictions):
    question = predictions.question()
    value = next(value for _label, value in question.choices
                 if not question.check(value).correct)
    return predictions.answer(value)


def test_the_gate_is_the_start_of_the_first_operation_not_answered_for():
    allocator = run_script(WIKIPEDIA)
    predictions = Predictions(allocator, enabled=True)
    assert predictions.gate() == 0 and predictions.question().op == 0
    assert right(predictions).correct
    assert predictions.gate() == allocator.operation_span(1).start
    assert not wrong(predictions).correct
    assert predictions.gate() == allocator.operation_span(2).start
    assert predictions.score() == (1, 2)
    assert predictions.score_text() == "Score: 1 / 2 correct"
    assert predictions.answered(1).question.op == 1 and predictions.answered(2) is None


def test_off_it_reveals_everything_and_asks_nothing():
    allocator = run_script(WIKIPEDIA)
    predictions = Predictions(allocator, enabled=False)
    assert predictions.gate() == allocator.event_count()
    assert predictions.question() is None
    with pytest.raises(InvalidRequest, match="no question is waiting"):
        predictions.answer(0)


def test_operations_shown_at_the_start_are_not_asked_about():
    allocator = run_script(WIKIPEDIA)
    predictions = Predictions(allocator, enabled=True, asked_from=3)
    assert predictions.question().op == 3
    assert predictions.gate() == allocator.operation_span(3).start


def test_starting_part_way_asks_from_the_first_operation_not_yet_shown():
    allocator = run_script(WIKIPEDIA)
    end_of_1 = allocator.operation_span(1).stop
    predictions, position = Predictions.starting_at(allocator, True, end_of_1)
    assert (predictions.asked_from, position) == (2, end_of_1)
    inside_3 = allocator.operation_span(3).start + 1  # between its two events
    predictions, position = Predictions.starting_at(allocator, True, inside_3)
    assert (predictions.asked_from, position) == (3, allocator.operation_span(3).start)
    predictions, position = Predictions.starting_at(allocator, False, inside_3)
    assert (predictions.asked_from, position, predictions.enabled) == (0, inside_3, False)


def test_after_the_last_operation_no_question_waits():
    allocator = run_script("memory 1M min 64K\nA = alloc 34K")
    predictions = Predictions(allocator, enabled=True)
    right(predictions)
    assert predictions.question() is None
    assert predictions.gate() == allocator.event_count()
    with pytest.raises(InvalidRequest) as error:
        predictions.answer(0)
    assert str(error.value) == NO_QUESTION


def test_a_changed_timeline_drops_the_answer_it_changed_and_every_later_one():
    allocator = run_script(WIKIPEDIA)
    predictions = Predictions(allocator, enabled=True)
    for _ in range(4):
        right(predictions)
    allocator.seek(allocator.operation_span(2).start)  # replace operation 2 on
    allocator.allocate(200 * K, "X")
    predictions.timeline_changed()
    assert sorted(predictions.answers) == [0, 1]
    assert predictions.question().op == 2  # about the new operation, asked afresh
    assert "X" in predictions.question().prompt


def test_answers_replaced_by_a_live_operation_come_back_with_it():
    allocator = run_script(WIKIPEDIA)
    predictions = Predictions(allocator, enabled=True)
    for _ in range(3):
        right(predictions)
    kept = predictions.replaced_from(1)
    assert sorted(predictions.answers) == [0] and predictions.due() == 1
    predictions.restore(kept)
    assert sorted(predictions.answers) == [0, 1, 2] and predictions.score() == (3, 3)


def test_reset_forgets_the_answers_and_asks_from_where_it_started():
    allocator = run_script(WIKIPEDIA)
    predictions = Predictions(allocator, enabled=True, asked_from=2)
    right(predictions)
    predictions.reset()
    assert predictions.answers == {} and predictions.question().op == 2
