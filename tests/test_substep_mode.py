"""The UI states the mode it shows: in a sub-step the canvas names the phase and the Edges combo names what
the edges show; leaving sub-steps clears both; choosing a sample in a phase keeps the phase's picture.

The oracle is the engine: the mini-batch the trainer announced, run through a network holding the
parameters the window shows.
"""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.engine import ParamRef
from oracles import engine_net
from sample_clicks import click_point, lonely_point, press


def step_key(qtbot, window):
    press(qtbot, window, Qt.Key_Right)


def sub_steps(qtbot, window, on=True):
    press(qtbot, window, Qt.Key_B, Qt.ControlModifier)
    assert window.inside.actionSubSteps.isChecked() == on


def click_data_point(qtbot, window, which):
    click_point(qtbot, window, which, lonely_point(window, which))


def assert_edges_show(window, values):
    view, net = window.network_view, window.view_net
    for l in range(net.n_layers):
        for i in range(net.sizes[l]):
            for j in range(net.sizes[l + 1]):
                assert view.shown_value(ParamRef.weight(l, i, j)) == pytest.approx(values[2 * l][i, j], rel=1e-12,
                                                                                   abs=1e-15)


def test_choosing_a_sample_in_the_backward_sub_step_keeps_its_picture(qtbot, window):
    combo = window.inside.edge_mode
    sub_steps(qtbot, window)
    qtbot.waitUntil(lambda: window.snapshot().next_batch is not None)
    batch = window.snapshot().next_batch.copy()
    d, spec = window.snapshot().data, window.snapshot().spec
    step_key(qtbot, window)
    assert window.inside.substeps.phase == "forward"
    assert window.network_view.caption().startswith("Sub-step 1/3 · forward")
    assert combo.currentText() == "weights" and not combo.isEnabled()
    means = [a.mean(axis=0) for a in engine_net(window).forward(d.F_train[batch]).activations]
    for shown, expected in zip(window.inside.neuron_values(), means):
        np.testing.assert_allclose(shown, expected, rtol=1e-12)
    click_data_point(qtbot, window, "train")
    for shown, expected in zip(window.inside.neuron_values(), means):  # still the mini-batch's means
        np.testing.assert_allclose(shown, expected, rtol=1e-12)
    step_key(qtbot, window)
    assert window.inside.substeps.phase == "backward"
    _, grads, _ = engine_net(window).loss_and_gradients(d.F_train[batch], d.y_train[batch], spec.resolved_loss)
    assert window.network_view.edge_mode() == "gradient"
    assert window.network_view.caption().startswith("Sub-step 2/3 · backward")
    assert combo.currentText() == "gradient ∂L/∂w (this mini-batch)" and not combo.isEnabled()
    # Failed before: the click switched the edges back to the weights while the status bar said "backward".
    click_data_point(qtbot, window, "test")
    assert window.inside.substeps.phase == "backward"
    assert window.network_view.edge_mode() == "gradient" and window.network_view.neuron_ring(1, 0) is not None
    assert_edges_show(window, grads)
    assert window.network_view.caption().startswith("Sub-step 2/3 · backward")
    step_key(qtbot, window)
    qtbot.waitUntil(lambda: window.inside.substeps.phase == "update")
    assert window.network_view.caption().startswith("Sub-step 3/3 · update")
    assert combo.currentText() == "last update Δw" and window.network_view.edge_mode() == "update"


def test_leaving_sub_steps_clears_the_caption_the_status_and_the_edges_lock(qtbot, window):
    combo = window.inside.edge_mode
    sub_steps(qtbot, window)
    qtbot.waitUntil(lambda: window.snapshot().next_batch is not None)
    step_key(qtbot, window)
    step_key(qtbot, window)
    assert "backward" in window.statusBar().currentMessage()
    sub_steps(qtbot, window, on=False)
    # Failed before: "Sub-step 2/3 · backward" stayed in the status bar after sub-steps were off.
    assert "Sub-step" not in window.statusBar().currentMessage()
    assert window.network_view.caption() == ""
    assert window.inside.substeps.phase is None
    assert combo.isEnabled() and combo.currentData() == "weight" and combo.currentText() == "weights"
    assert window.network_view.edge_mode() == "weight"
    x = window.snapshot().data.F_train[0]  # the selected sample's fills are back
    fw = engine_net(window).forward(x[None, :])
    for shown, expected in zip(window.inside.neuron_values(), fw.activations):
        np.testing.assert_array_equal(shown, expected[0])


def test_the_users_edges_choice_comes_back_after_the_phases(qtbot, window):
    combo = window.inside.edge_mode
    combo.setCurrentIndex(combo.findData("signal"))
    assert window.network_view.edge_mode() == "signal"
    sub_steps(qtbot, window)
    qtbot.waitUntil(lambda: window.snapshot().next_batch is not None)
    step_key(qtbot, window)
    step_key(qtbot, window)
    assert combo.currentText().startswith("gradient")
    sub_steps(qtbot, window, on=False)
    assert combo.currentData() == "signal" and window.network_view.edge_mode() == "signal"


def test_a_phase_ends_when_the_parameters_change_under_it(qtbot, window):
    sub_steps(qtbot, window)
    qtbot.waitUntil(lambda: window.snapshot().next_batch is not None)
    step_key(qtbot, window)
    step_key(qtbot, window)
    assert window.inside.substeps.phase == "backward"
    # Playing trains on: the backward picture would show gradients of parameters no longer shown.
    press(qtbot, window, Qt.Key_Space)
    qtbot.waitUntil(lambda: window.step_count() > 20)
    press(qtbot, window, Qt.Key_Space)
    qtbot.waitUntil(lambda: not window.snapshot().running)
    assert window.inside.substeps.phase is None
    assert window.network_view.caption() == "" and "Sub-step" not in window.statusBar().currentMessage()
    assert window.inside.edge_mode.isEnabled() and window.network_view.edge_mode() == "weight"
    qtbot.waitUntil(lambda: window.snapshot().next_batch is not None)
    step_key(qtbot, window)  # sub-steps are still on: Step starts a new forward sub-step
    qtbot.waitUntil(lambda: window.inside.substeps.phase == "forward")


def test_the_sub_step_entry_cannot_be_chosen_by_hand(qtbot, window):
    combo = window.inside.edge_mode
    combo.setFocus()
    for _ in range(combo.count() + 1):
        qtbot.keyClick(combo, Qt.Key_Down)
    qtbot.keyClick(combo, Qt.Key_End)
    assert combo.currentData() == "signal" and window.network_view.edge_mode() == "signal"
    assert window.network_view.caption() == ""  # the first train sample is selected: no note needed


def test_an_update_that_diverges_ends_the_phase_it_was_awaited_in(qtbot, window):
    """Found by the state machine: at learning rate 10 the second sub-stepped update diverged, the trainer went
    back to its last good step, and the backward picture waited for a step that never came — its ±1000
    gradient legend stayed over parameters whose gradients were 0.23."""
    import invariants

    controls = window.controls
    sub_steps(qtbot, window)
    controls.learning_rate.setCurrentIndex(controls.learning_rate.count() - 1)
    controls.activation.setCurrentIndex(0)
    qtbot.waitUntil(lambda: window.snapshot().spec.activation == controls.activation.currentData()
                    and window.snapshot().next_batch is not None)
    for _ in range(5):  # forward, backward, update (step 1), forward, backward
        step_key(qtbot, window)
        qtbot.waitUntil(lambda: window.inside.substeps._awaiting_step is None
                        and window.snapshot().next_batch is not None, timeout=3000)
    assert window.inside.substeps.phase == "backward" and window.step_count() == 1
    step_key(qtbot, window)  # the update of step 2 diverges
    qtbot.waitUntil(lambda: "diverged" in (window.statusBar().currentMessage() or ""), timeout=3000)
    window.flush()
    assert window.inside.substeps.phase is None and window.network_view.caption() == ""
    assert window.network_view.edge_mode() == "weight"
    invariants.check_edges_and_badges(window)
