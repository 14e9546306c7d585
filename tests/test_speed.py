"""Training speed in steps per second: watchable by default, from 1 step a second up to full speed.

The oracle is the trainer's own step counter over a waited second. The bounds are wide on purpose (a busy
machine trains fewer steps, never more than the budget allows), so nothing here depends on timing luck.
"""

import time

import pytest
from PySide6.QtCore import Qt

from nnstudio.gui.actions import DEFAULT_SPEED, SPEEDS
from nnstudio.training.problem import ProblemSpec
from nnstudio.training.trainer import Trainer
from oracles import wait_for


def latest(trainer, seen):
    while (snap := trainer.mailbox.take()) is not None:
        seen.append(snap.step)
    return seen



def test_five_steps_a_second_in_the_trainer_thread():
    t = Trainer(ProblemSpec())
    try:
        t.set_speed(5)
        t.play()
        time.sleep(1.0)
        t.pause()
        assert wait_for(lambda: (snap := t.mailbox.take()) is not None and not snap.running)
        steps = t.loop.step_count
        # 5 steps a second: about 6 in a second (the first comes at once), never a frame's worth each frame.
        assert 1 <= steps <= 12
    finally:
        t.close()


def test_two_steps_a_second_in_the_synchronous_trainer():
    t = Trainer(ProblemSpec(), threaded=False)
    t.set_speed(2)
    t.play()
    t.process()
    assert t.loop.step_count == 1  # Play shows a step at once, not after half a second
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        t.process(chunks=5)
        time.sleep(0.01)
    assert 2 <= t.loop.step_count <= 4
    t.close()


def test_each_slow_step_is_published_before_the_next_one():
    """At 1 step a second the window must show step 1 during that second, not jump from 0 to 2."""
    t = Trainer(ProblemSpec())
    try:
        t.set_speed(1)
        seen = []
        t.play()
        assert wait_for(lambda: 1 in latest(t, seen), timeout=3.0), seen
    finally:
        t.close()


def test_full_speed_is_not_limited():
    t = Trainer(ProblemSpec())
    try:
        t.set_speed(None)
        t.play()
        assert wait_for(lambda: t.loop.step_count > 2000, timeout=20.0)
    finally:
        t.close()


def test_the_slider_offers_slow_rates_and_full_speed():
    assert {1, 2, 5, 10, 30} <= set(SPEEDS)
    assert SPEEDS[-1] is None and list(SPEEDS[:-1]) == sorted(SPEEDS[:-1])
    assert 2 <= DEFAULT_SPEED <= 40  # a rate a person can follow


def test_the_window_starts_at_a_watchable_rate(qtbot, window):
    assert window.speed_slider.value() == SPEEDS.index(DEFAULT_SPEED)
    assert window.speed_label.text() == f"{DEFAULT_SPEED} steps/s"
    qtbot.keyClick(window.network_view, Qt.Key_Space)
    qtbot.waitUntil(lambda: window.snapshot().running)
    qtbot.wait(1000)
    qtbot.keyClick(window.network_view, Qt.Key_Space)
    qtbot.waitUntil(lambda: not window.snapshot().running)
    # Was 31,000 steps in the first second.
    assert 1 <= window.step_count() <= 3 * DEFAULT_SPEED


@pytest.mark.parametrize("steps_per_second, label", [(1, "1 step/s"), (None, "full speed")])
def test_the_slider_sets_the_rate_and_says_it(qtbot, window, steps_per_second, label):
    window.speed_slider.setFocus()
    target = SPEEDS.index(steps_per_second)
    key = Qt.Key_Home if target == 0 else Qt.Key_End
    qtbot.keyClick(window.speed_slider, key)
    assert window.speed_slider.value() == target
    assert window.speed_label.text() == label
    window.actionPlayPause.trigger()
    if steps_per_second is None:
        qtbot.waitUntil(lambda: window.step_count() > 2000, timeout=20000)
    else:
        qtbot.waitUntil(lambda: window.step_count() >= 1)
        qtbot.wait(500)
        assert window.step_count() <= 2
    window.actionPlayPause.trigger()
