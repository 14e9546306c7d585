"""Seeing inside, driven as a user: pick a sample and a neuron, switch edge modes, sub-step, slice, digits."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtWidgets import QApplication

from nnstudio.engine import ParamRef
from nnstudio.gui.math_card import fmt
from nnstudio.training.problem import ProblemSpec, digits_preset
from oracles import engine_net


def step_key(qtbot, window):
    qtbot.keyClick(window.network_view, Qt.Key_Right)


def test_math_card_numbers_equal_the_engines_for_the_chosen_sample(qtbot, window):
    box = window.inside.sample_box
    box.selectAll()
    qtbot.keyClicks(box, "7")
    qtbot.keyClick(box, Qt.Key_Return)
    assert window.inside.sample == ("train", 7)
    qtbot.mouseClick(window.network_view.mouse_target(), Qt.LeftButton, pos=window.network_view.neuron_point(2, 1))
    assert window.inside.neuron == (2, 1)
    assert window.network_view.focus() == (2, 1)  # focus mode: only this neuron's edges stay lit
    x = window.snapshot().data.F_train[7]
    fw = engine_net(window).forward(x[None, :])
    z, a, b = fw.zs[1][0, 1], fw.activations[2][0, 1], window.parameters()[3][1]
    qtbot.waitUntil(lambda: window.inside.math_card.displayed_numbers().get("z") == fmt(z), timeout=3000)
    shown = window.inside.math_card.displayed_numbers()
    assert shown["a"] == fmt(a) and shown["bias"] == fmt(b) and shown["sum"] == fmt(z - b)
    rows = " ".join(text for _, text in window.inside.math_card.rows())
    for a_i in fw.activations[1][0]:
        assert fmt(a_i) in rows  # every input a_i of the neuron is listed
    # Neuron fills show the sample's activations.
    fill_values = window.inside.sample_forward().activations
    np.testing.assert_array_equal(fill_values[2][0], fw.activations[2][0])


def test_clicking_a_data_point_selects_that_sample(qtbot, window):
    out = window.output_view
    d = window.snapshot().data
    k = 12
    pos = out.plot.mapFromScene(out.plot.getPlotItem().vb.mapViewToScene(QPointF(*d.X_train[k])))
    qtbot.mouseClick(out.plot.viewport(), Qt.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: window.inside.sample == ("train", k) or window.inside.sample[0] == "test")
    which, index = window.inside.sample
    F = d.F_train if which == "train" else d.F_test
    X = d.X_train if which == "train" else d.X_test
    assert np.hypot(*(X[index] - d.X_train[k])) < 0.3  # the point under the cursor
    np.testing.assert_array_equal(window.inside.sample_features(), F[index])


def test_gradient_mode_shows_the_mini_batch_gradient_of_loss_and_gradients(qtbot, window):
    combo = window.inside.edge_mode
    combo.setCurrentIndex(combo.findData("gradient"))
    qtbot.waitUntil(lambda: window.snapshot().next_batch is not None)
    batch = window.snapshot().next_batch.copy()
    before = engine_net(window)
    step_key(qtbot, window)
    qtbot.waitUntil(lambda: window.snapshot().step == 1 and window.snapshot().grads is not None)
    qtbot.waitUntil(lambda: window.network_view.edge_mode() == "gradient")
    d, spec = window.snapshot().data, window.snapshot().spec
    _, grads, _ = before.loss_and_gradients(d.F_train[batch], d.y_train[batch], spec.resolved_loss)
    view = window.network_view
    for l in range(before.n_layers):
        for i in range(before.sizes[l]):
            for j in range(before.sizes[l + 1]):
                g = grads[2 * l][i, j]
                assert view.shown_value(ParamRef.weight(l, i, j)) == pytest.approx(g, rel=1e-12, abs=1e-15)
        for j in range(before.sizes[l + 1]):
            assert view.shown_value(ParamRef.bias(l, j)) == pytest.approx(grads[2 * l + 1][j], rel=1e-12, abs=1e-15)
    # Colours follow the gradient's sign, in the weight palette.
    ref = max(((ParamRef.weight(0, i, j), grads[0][i, j]) for i in range(2) for j in range(4)), key=lambda t: t[1])[0]
    colour, _ = view.edge_style(ref)
    assert colour.blue() > colour.red()  # positive → blue


def test_sub_steps_run_forward_backward_update_in_order(qtbot, window):
    qtbot.keyClick(window.network_view, Qt.Key_B, Qt.ControlModifier)
    assert window.inside.actionSubSteps.isChecked()
    qtbot.waitUntil(lambda: window.snapshot().next_batch is not None)
    subs = window.inside.substeps
    step_key(qtbot, window)
    assert subs.phase == "forward" and window.snapshot().step == 0
    assert "forward" in window.statusBar().currentMessage()
    step_key(qtbot, window)
    assert subs.phase == "backward" and window.network_view.edge_mode() == "gradient"
    assert window.snapshot().step == 0  # nothing trained yet: backward only computed the gradients
    step_key(qtbot, window)
    qtbot.waitUntil(lambda: subs.phase == "update")
    snap = window.snapshot()
    assert snap.step == 1 and window.network_view.edge_mode() == "update"
    np.testing.assert_array_equal(snap.last_batch, subs.batch)  # the trainer stepped the batch shown
    # The trainer's gradient is the one the backward sub-step showed.
    flat = np.concatenate([np.concatenate([W, b[None, :]]).ravel() for W, b in zip(subs.grads[0::2], subs.grads[1::2])])
    np.testing.assert_allclose(snap.grads, flat, rtol=1e-12, atol=1e-15)
    assert subs.history == ["forward", "backward", "update"]
    step_key(qtbot, window)
    assert subs.phase == "forward"  # and round again


def test_huge_learning_rate_auto_pauses_and_reverts_to_finite_parameters(qtbot, open_window):
    w = open_window(ProblemSpec(dataset="reg-plane", activation="relu", hidden=(8, 8), learning_rate=3.0,
                                       seed=3))
    combo = w.controls.learning_rate
    combo.setCurrentIndex(combo.findData(10.0))
    qtbot.waitUntil(lambda: w.snapshot().spec.learning_rate == 10.0)
    w.actionPlayPause.trigger()
    qtbot.waitUntil(lambda: "diverged" in (w.statusBar().currentMessage() or ""), timeout=20000)
    qtbot.waitUntil(lambda: not w.snapshot().running)
    assert not w.actionPlayPause.isChecked()
    assert all(np.all(np.isfinite(p)) for p in w.parameters())
    assert np.all(np.isfinite(w.loss_plot.train_curve()[1]))
    qtbot.waitUntil(lambda: any(a.kind == "diverged" for a in w.inside.health.alerts()), timeout=3000)
    # Its explanation is about divergence, which a loss that grows a thousandfold is too, not only NaN.
    row = next(i for i, g in enumerate(w.inside.health.groups()) if g.kind == "diverged")
    assert "1,000×" in w.inside.health.list.item(row).toolTip()
    w.close()


def test_loss_slice_from_the_context_menu_agrees_with_the_engine_and_edits(qtbot, window):
    ref = ParamRef.weight(1, 2, 0)
    view = window.network_view

    def choose_slice():
        menu = QApplication.activePopupWidget()
        if menu is None:
            QTimer.singleShot(50, choose_slice)
            return
        menu.actions()[0].trigger()
        menu.close()

    QTimer.singleShot(100, choose_slice)
    qtbot.mouseClick(view.mouse_target(), Qt.RightButton, pos=view.edge_point(1, 2, 0))
    qtbot.waitUntil(lambda: window.inside.slice_view.current_slice() is not None)
    s = window.inside.slice_view.current_slice()
    net = engine_net(window)
    d, spec = window.snapshot().data, window.snapshot().spec
    _, grads, _ = net.loss_and_gradients(d.F_train, d.y_train, spec.resolved_loss)
    assert s.gradient == pytest.approx(grads[2][2, 0], rel=1e-10)
    assert s.current == window.parameters()[2][2, 0]
    index = window.parameter_index(ref)
    flat = net.flat_parameters()
    losses = []
    for v in s.values[::10]:
        flat[index] = v
        net.set_flat_parameters(flat)
        losses.append(net.loss(d.F_train, d.y_train, spec.resolved_loss))
    np.testing.assert_allclose(s.losses[::10], losses, rtol=1e-10)
    assert s.values[np.argmin(s.losses)] == pytest.approx(s.values[::10][np.argmin(losses)], abs=np.ptp(s.values) / 10)
    x, y = window.inside.slice_view.tangent_data()
    slope = (y[-1] - y[0]) / (x[-1] - x[0])
    assert slope == pytest.approx(s.gradient, rel=1e-6)
    # Choosing a value on the slice is an ordinary undoable edit.
    window.inside.slice_view.valueChosen.emit(0.5)
    qtbot.waitUntil(lambda: window.parameters()[2][2, 0] == 0.5)
    assert window.undo_stack.count() == 1
    window.actionUndo.trigger()
    qtbot.waitUntil(lambda: window.parameters()[2][2, 0] == s.current)


def test_thumbnails_hover_map_health_and_weights_over_time(qtbot, window):
    window.speed_slider.setValue(window.speed_slider.maximum())  # full speed
    window.actionPlayPause.trigger()
    qtbot.waitUntil(lambda: window.step_count() > 300)
    window.actionPlayPause.trigger()
    qtbot.waitUntil(lambda: window.inside.maps is not None and not window.snapshot().running)
    assert [m.shape[0] for m in window.inside.maps] == [4, 2, 1]
    view = window.network_view
    qtbot.mouseMove(view.mouse_target(), view.neuron_point(1, 0))
    qtbot.waitUntil(lambda: window.output_view.hover_map() is not None)
    qtbot.mouseMove(view.mouse_target(), view.edge_point(0, 0, 0))
    qtbot.waitUntil(lambda: window.output_view.hover_map() is None)
    steps, norms = window.inside.weights.norm_curve(0)
    assert len(steps) >= 1 and np.all(norms > 0)
    assert window.health_label.text().endswith(("healthy", "alert", "alerts"))


def test_digits_learn_above_90_percent_and_show_pixel_weights(qtbot, open_window):
    w = open_window(digits_preset(ProblemSpec()))
    assert w.snapshot().spec.sizes == [64, 32, 10]
    w.actionPlayPause.trigger()
    qtbot.waitUntil(lambda: any((e.test_accuracy or 0) > 0.9 for e in w.inside.evaluations), timeout=60000)
    w.actionPlayPause.trigger()
    qtbot.waitUntil(lambda: not w.snapshot().running)
    view = w.network_view
    qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=view.neuron_point(1, 5))
    assert w.inside.neuron == (1, 5)
    weights = w.parameters()[0][:, 5].reshape(8, 8)
    qtbot.waitUntil(lambda: w.inside.pixels.scale() == pytest.approx(np.abs(weights).max()), timeout=3000)
    rgb = w.inside.pixels.image_rgb().astype(int)
    r, c = np.unravel_index(np.argmax(weights), weights.shape)
    assert rgb[r, c, 2] > rgb[r, c, 0]  # the strongest positive pixel weight is blue
    r, c = np.unravel_index(np.argmin(weights), weights.shape)
    assert rgb[r, c, 0] > rgb[r, c, 2]  # the strongest negative one orange
    w.close()


def test_dead_relu_is_flagged_on_the_canvas_and_in_the_health_list(qtbot, open_window):
    w = open_window(ProblemSpec(activation="relu"))
    view = w.network_view
    qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=view.bias_point(0, 2))
    qtbot.waitUntil(lambda: w.editor.is_open())
    w.editor.selectAll()
    qtbot.keyClicks(w.editor, "-50")
    qtbot.keyClick(w.editor, Qt.Key_Return)
    qtbot.waitUntil(lambda: (1, 2) in view.alert_neurons(), timeout=3000)
    kinds = [(a.kind, a.layer, a.neuron) for a in w.inside.health.alerts()]
    assert ("dead_relu", 1, 2) in kinds
    assert "alert" in w.health_label.text()
    w.close()
