"""Divergence (issue 8): a run whose loss becomes NaN or grows by orders of magnitude pauses, says so, and goes
back to the last parameters whose loss was sane; a normal noisy run never trips it.

The oracle is the same run without any guard (a plain TrainingLoop of the same spec and seeds, stepped one
step at a time) and the definition written out here: a loss is sane when it is finite and at most 1000 × the
larger of the data's spread (var y for mse) and the lowest loss before it since the run started.
"""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.engine.divergence import DivergenceGuard
from nnstudio.training.problem import ProblemSpec, build_loop, build_network, default_learning_rate, make_data
from nnstudio.training.trainer import Trainer

FACTOR = 1000.0
LINE = ProblemSpec(dataset="line", features=("x1",))


def unguarded(spec, steps):
    """Every loss of the run without a guard, and the parameters after each step (params[k]: after k steps)."""
    net = build_network(spec)
    loop = build_loop(spec, net, make_data(spec), 0)
    losses, params = [], [net.flat_parameters()]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            losses.append(loop.step())
            params.append(net.flat_parameters())
    return np.array(losses), params


def spread(spec):
    """What predicting the mean costs under mse: the targets' variance."""
    return float(np.var(make_data(spec).y_train))


def first_insane_step(losses, baseline):
    """The 1-based step whose loss is not sane, or None."""
    best = losses[0]
    for i, loss in enumerate(losses):
        if not loss <= FACTOR * max(baseline, best):
            return i + 1
        best = min(best, loss)
    return None


def last_sane_step(spec, steps):
    """Where a diverging run must end up: the parameters whose loss (the next step's) was the last sane one."""
    losses, params = unguarded(spec, steps)
    bad = first_insane_step(losses, spread(spec))
    assert bad is not None, "this run does not diverge"
    return bad - 2, losses, params


def drain(trainer):
    snaps = []
    while (s := trainer.mailbox.take()) is not None:
        snaps.append(s)
    return snaps


def play(trainer, max_steps):
    """Play until the trainer pauses by itself or max_steps were trained; every snapshot published."""
    trainer.play()
    snaps = []
    while not snaps or (snaps[-1].running and snaps[-1].step < max_steps):
        trainer.process()
        snaps += drain(trainer)
    return snaps


def shown_curve(snaps):
    """The loss curve a viewer of these snapshots draws (an earlier first_step drops the later values)."""
    curve = []
    for s in snaps:
        del curve[s.first_step :]
        curve.extend(s.losses)
    return np.array(curve)


def diverged(snaps):
    return [s.message for s in snaps if s.message and "diverged" in s.message]


# ---- the trainer ------------------------------------------------------------------------------------
def test_after_a_nan_the_parameters_are_the_last_sane_ones_not_the_chunk_start():
    # 1-4-2-1 tanh on line at rate 1: the loss is NaN by step ~219; going back to the start of that chunk
    # kept parameters of ±1e98 (the issue saw ±2e146).
    spec = LINE.replace(learning_rate=1.0)
    expected, losses, params = last_sane_step(spec, 400)
    assert not np.all(np.isfinite(losses))
    t = Trainer(spec, threaded=False)
    snaps = play(t, 10_000)
    last = snaps[-1]
    assert not last.running and diverged(snaps)
    assert last.step == expected
    np.testing.assert_array_equal(last.params, params[expected])
    assert np.abs(last.params).max() < 1e4  # rate 1 throws them to thousands in a few steps, but no further
    np.testing.assert_array_equal(shown_curve(snaps), losses[:expected])
    t.close()


def test_a_loss_that_grows_a_thousandfold_is_divergence_too():
    # 1-4-2-1 ReLU on line at rate 1, seed 1: finite throughout, but at step ~2856 the loss jumps from
    # thousands to millions. Before, nothing stopped it.
    spec = LINE.replace(activation="relu", learning_rate=1.0, seed=1)
    expected, losses, params = last_sane_step(spec, 4000)
    assert np.all(np.isfinite(losses)) and expected > 1000
    t = Trainer(spec, threaded=False)
    snaps = play(t, 10_000)
    last = snaps[-1]
    assert not last.running
    message = diverged(snaps)[-1]
    assert f"step {expected + 2:,}" in message and f"back at step {expected:,}" in message
    assert last.step == expected
    np.testing.assert_array_equal(last.params, params[expected])
    np.testing.assert_array_equal(shown_curve(snaps), losses[:expected])
    assert all(s.losses.size == 0 or s.losses[-1] <= s.loss_limit for s in snaps)
    t.close()


def test_playing_on_after_divergence_with_a_lower_rate_continues_from_the_sane_state():
    spec = LINE.replace(activation="relu", learning_rate=1.0, seed=1)
    expected, _, params = last_sane_step(spec, 4000)
    t = Trainer(spec, threaded=False)
    play(t, 10_000)
    t.set_spec(t.spec.replace(learning_rate=0.001))
    snaps = play(t, expected + 500)
    assert snaps[-1].running and snaps[-1].step >= expected + 500 and not diverged(snaps)
    assert np.all(np.isfinite(snaps[-1].params))
    t.close()


@pytest.mark.parametrize("spec", [
    ProblemSpec(dataset="spiral", learning_rate=0.3),
    ProblemSpec(dataset="spiral", learning_rate=0.3, activation="relu", hidden=(8, 8), noise=0.5),
    ProblemSpec(dataset="circle", optimizer="adam", learning_rate=0.1),  # Adam's early bumps
    ProblemSpec(dataset="gauss", optimizer="adam", learning_rate=1.0, activation="relu", noise=0.5),
    ProblemSpec(dataset="xor", optimizer="rmsprop", learning_rate=0.1, activation="relu"),
    ProblemSpec(dataset="reg-gauss", optimizer="momentum", learning_rate=0.03),
    LINE.replace(hidden=(), learning_rate=0.03),  # an exact fit: losses of 1e-30 are no reference
    LINE.replace(hidden=(), noise=0.5, batch_size=1),
], ids=lambda s: f"{s.dataset}-{s.optimizer}-{s.learning_rate:g}-{s.activation}-{'x'.join(map(str, s.hidden))}")
def test_a_normal_noisy_run_never_trips(spec):
    t = Trainer(spec, threaded=False)
    snaps = play(t, 20_000)
    assert snaps[-1].running and snaps[-1].step >= 20_000 and not diverged(snaps)
    t.close()


def test_an_edit_or_a_penalty_that_raises_the_loss_by_orders_of_magnitude_is_not_divergence():
    # w = 100,000 on y = 200·x + 100: the loss jumps from ~1e4 to ~4e10; training from there is the user's
    # new run, not a diverged one.
    t = Trainer(LINE.replace(hidden=(), learning_rate=default_learning_rate("line")), threaded=False)
    before = play(t, 500)
    t.pause()
    t.set_parameter(0, 1e5)
    snaps = play(t, 5000)
    assert snaps[-1].running and not diverged(snaps)
    edited = next(e.step for s in snaps for e in s.edits)
    curve = shown_curve(before + snaps)
    # Orders of magnitude above what counts as divergence; not a tighter bound, because the mini-batch of the
    # edit's step depends on where the synchronous trainer's time-sized chunks put the edit (3.07e10 seen
    # under load against a 3.1e10 bound of 1e3).
    assert curve[edited] > 1e2 * FACTOR * spread(LINE)
    assert curve[-1] < 1e-4 * curve[edited]  # on its way back to the line
    t.close()
    t = Trainer(ProblemSpec(dataset="circle"), threaded=False)
    play(t, 2000)
    t.set_spec(t.spec.replace(regularization="l2", regularization_rate=10.0))
    snaps = play(t, 5000)
    assert snaps[-1].running and not diverged(snaps)
    t.close()


# ---- the engine --------------------------------------------------------------------------------------
@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_going_back_does_not_depend_on_chunk_sizes(chunk):
    # Momentum on reg-plane at 0.3 grows slowly (1 → 200 by step 43) to 1e257: the velocity is state that
    # going back must restore too. Chunks of 1 make the first insane loss the first of its chunk.
    spec = ProblemSpec(dataset="reg-plane", optimizer="momentum", learning_rate=0.3, hidden=(8, 8))
    expected, losses, params = last_sane_step(spec, 300)
    loop = build_loop(spec, build_network(spec), make_data(spec), 0)
    guard = DivergenceGuard(loop)
    for _ in range(300):
        found = guard.run(chunk)[1]
        if found is not None:
            break
    assert found.back_to == expected == loop.step_count and found.step == expected + 2
    np.testing.assert_array_equal(loop.network.flat_parameters(), params[expected])
    np.testing.assert_array_equal(loop.losses.array(), losses[:expected])
    # The optimizer and the shuffling are where they were: the next step is the unguarded run's next step.
    assert loop.step() == losses[expected]
    np.testing.assert_array_equal(loop.network.flat_parameters(), params[expected + 1])


def test_the_reference_is_the_spread_of_the_data_or_the_best_loss():
    spec = LINE.replace(hidden=())
    loop = build_loop(spec, build_network(spec), make_data(spec), 0)
    guard = DivergenceGuard(loop)
    assert guard.reference is None  # nothing trained yet
    losses, found = guard.run(1)
    assert found is None and guard.reference == losses[0]  # far above the spread at the start
    for _ in range(100):
        if guard.reference <= spread(spec):
            break
        guard.run(50)
    assert guard.reference == pytest.approx(spread(spec))  # an exact fit is compared with the spread


# ---- the line dataset's own learning rate ----------------------------------------------------------
def test_the_single_neuron_fits_the_line_at_its_default_rate():
    spec = LINE.replace(hidden=(), learning_rate=default_learning_rate("line"))
    t = Trainer(spec, threaded=False)
    snaps = play(t, 20_000)
    (w, b) = snaps[-1].params
    assert w == pytest.approx(200, abs=1e-6) and b == pytest.approx(100, abs=1e-6)
    t.close()


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_the_default_hidden_layers_stay_sane_on_line_at_its_default_rate(activation):
    spec = LINE.replace(activation=activation, learning_rate=default_learning_rate("line"))
    t = Trainer(spec, threaded=False)
    snaps = play(t, 5000)
    curve = shown_curve(snaps)
    assert np.all(curve <= FACTOR * max(spread(spec), curve[0]))
    assert np.abs(snaps[-1].params).max() < 1000
    assert snaps[-1].running or diverged(snaps)
    t.close()


# ---- the window --------------------------------------------------------------------------------------
def choose(qtbot, window, combo, data):
    combo.setCurrentIndex(combo.findData(data))
    qtbot.waitUntil(lambda: window.snapshot().spec == window.controls.spec(), timeout=5000)


def test_choosing_line_in_the_window_picks_its_learning_rate_and_leaving_it_restores_the_default(qtbot, window):
    controls = window.controls
    choose(qtbot, window, controls.dataset, "line")
    assert controls.learning_rate.currentData() == window.snapshot().spec.learning_rate == 0.003
    choose(qtbot, window, controls.dataset, "circle")
    assert window.snapshot().spec.learning_rate == 0.03
    choose(qtbot, window, controls.learning_rate, 0.1)  # the user's own rate stays theirs
    choose(qtbot, window, controls.dataset, "line")
    assert window.snapshot().spec.learning_rate == 0.1


def press_play(qtbot, window):
    window.speed_slider.setValue(window.speed_slider.maximum())  # the right end: as fast as it goes
    window.network_view.setFocus()
    qtbot.keyClick(window.network_view, Qt.Key_Space)
    qtbot.waitUntil(lambda: window.snapshot().running or window.step_count() > 0, timeout=5000)


def press_play_and_wait(qtbot, window, steps):
    press_play(qtbot, window)
    qtbot.waitUntil(lambda: window.step_count() >= steps or not window.snapshot().running, timeout=60_000)
    if window.actionPlayPause.isChecked():
        window.actionPlayPause.trigger()
    qtbot.waitUntil(lambda: not window.snapshot().running, timeout=5000)


@pytest.mark.parametrize("activation, extra_layers", [("tanh", 0), ("relu", 0), ("relu", 1)])
def test_line_with_hidden_layers_trains_sanely_in_the_window(qtbot, window, activation, extra_layers):
    controls = window.controls
    choose(qtbot, window, controls.dataset, "line")
    choose(qtbot, window, controls.activation, activation)
    for _ in range(extra_layers):
        qtbot.mouseClick(controls.add_layer, Qt.LeftButton)  # the three hidden layers
    qtbot.waitUntil(lambda: len(window.snapshot().spec.hidden) == 2 + extra_layers)
    press_play_and_wait(qtbot, window, 3000)
    message = window.statusBar().currentMessage() or ""
    _, curve = window.loss_plot.train_curve()
    assert np.all(np.isfinite(curve)) and np.all(curve <= FACTOR * max(spread(window.snapshot().spec), curve[0]))
    assert all(np.abs(p).max() < 1000 for p in window.parameters())
    assert window.step_count() >= 3000 or "diverged" in message


def test_line_at_rate_one_pauses_in_the_window_with_sane_parameters(qtbot, window):
    controls = window.controls
    choose(qtbot, window, controls.dataset, "line")
    choose(qtbot, window, controls.learning_rate, 1.0)
    press_play(qtbot, window)
    qtbot.waitUntil(lambda: "diverged" in (window.statusBar().currentMessage() or ""), timeout=20_000)
    qtbot.waitUntil(lambda: not window.snapshot().running)
    assert not window.actionPlayPause.isChecked()
    assert all(np.abs(p).max() < 1e4 for p in window.parameters())
    _, curve = window.loss_plot.train_curve()
    assert np.all(np.isfinite(curve)) and curve.max() <= FACTOR * curve[0]
