"""Defects the random-action state machine found, each as the shortest sequence that showed it."""

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt

from nnstudio.engine import ParamRef


def _plane_point(window, x, y) -> QPoint:
    plot = window.output_view.plot
    return plot.mapFromScene(plot.getPlotItem().vb.mapViewToScene(QPointF(x, y)))


def test_changing_a_control_after_adding_a_point_keeps_the_added_data(qtbot, window):
    """Found by the machine: Ctrl+click the plane (the data becomes "custom"), then tick a feature: the
    panel raised ValueError("unknown dataset 'custom'") and the tick did nothing."""
    qtbot.mouseClick(window.output_view.plot.viewport(), Qt.LeftButton, Qt.ControlModifier,
                     _plane_point(window, 1.0, -1.0))
    qtbot.waitUntil(lambda: window.snapshot().spec.dataset == "custom")
    n = len(window.snapshot().data.y_train) + len(window.snapshot().data.y_test)
    box = window.controls.features["x1^2"]
    with qtbot.captureExceptions() as errors:
        qtbot.mouseClick(box, Qt.LeftButton, pos=QPoint(8, box.height() // 2))
        qtbot.waitUntil(lambda: "x1^2" in window.snapshot().spec.features)
    assert not errors
    spec = window.snapshot().spec
    assert spec.dataset == "custom" and spec.features == ("x1", "x2", "x1^2")
    assert len(window.snapshot().data.y_train) + len(window.snapshot().data.y_test) == n


def test_softmax_output_on_two_classes_gets_one_output_per_class(qtbot, window):
    """Found by the machine: Output → softmax on the circle data raised "categorical_crossentropy needs one-hot
    or probability rows" in the trainer (which, as a process, it would not survive)."""
    box = window.controls.output_activation
    with qtbot.captureExceptions() as errors:
        box.setFocus()
        while box.currentData() != "softmax":
            qtbot.keyClick(box, Qt.Key_Down)
        qtbot.waitUntil(lambda: window.snapshot().spec.resolved_output_activation == "softmax", timeout=5000)
        qtbot.keyClick(window.network_view.viewport(), Qt.Key_S)
        qtbot.waitUntil(lambda: window.step_count() == 1, timeout=5000)
    assert not errors
    assert window.snapshot().spec.sizes[-1] == 2 and window.parameters()[-1].shape == (2,)
    assert window.snapshot().spec.resolved_loss == "categorical_crossentropy"
    assert all(np.isfinite(window.snapshot().losses))


def test_looking_at_a_past_step_records_no_norm_at_the_live_step(qtbot, open_window):
    """Found by a random-action run: viewing step 50 of 200 put step 50's ‖W‖ at step 200 of the norm plot."""
    from PySide6.QtWidgets import QSlider

    window = open_window(trainer="sync")
    window.trainer.step(200)
    qtbot.waitUntil(lambda: window.step_count() == 200)
    window.flush()
    live = window.parameters()
    slider = window.findChild(QSlider, "timelineSlider")
    slider.setValue(50)
    qtbot.waitUntil(lambda: window.snapshot().viewing == 50, timeout=5000)
    window.flush()
    series = window.inside.weights._series
    for layer, s in series.items():
        steps, norms = s.steps.array(), s.norms.array()
        assert steps[-1] <= 200
        if steps[-1] == 200:  # the live step's norm is the live weights'
            assert norms[-1] == np.linalg.norm(live[2 * layer])
    window.close()


def _click_plane(qtbot, window, x, y, cls):
    qtbot.mouseClick(window.output_view.plot.viewport(), Qt.LeftButton,
                     Qt.ShiftModifier if cls else Qt.ControlModifier, _plane_point(window, x, y))


def test_drawing_on_a_cleared_plane_keeps_the_plane(qtbot, window):
    """Found by a random-action run: after Data → Clear points the first two points re-framed the plane to
    their own box, so every later point could only go inside it; the count said "−498 added so far"; the
    selection ring stayed on a point no longer drawn."""
    window.inside.select_sample("train", 3)
    (x0, x1), (y0, y1) = window.output_view.view_range()
    window.data_tools.actionClearAllPoints.trigger()
    assert window.inside.selected_sample() is None and window.output_view.ring_position() is None
    _click_plane(qtbot, window, 0.5, 0.5, 1)
    _click_plane(qtbot, window, 1.0, 1.0, 0)
    qtbot.waitUntil(lambda: window.snapshot().spec.dataset == "custom")
    window.flush()
    (a0, a1), (b0, b1) = window.output_view.view_range()
    assert a0 <= x0 and a1 >= x1 and b0 <= y0 and b1 >= y1, "the plane shrank to the drawn points"
    assert window.data_tools.added_count() == 2
    assert "2 added so far" in window.statusBar().currentMessage()
    _click_plane(qtbot, window, x0 + 0.05 * (x1 - x0), y1 - 0.05 * (y1 - y0), 1)  # far corner: still on the plane
    qtbot.waitUntil(lambda: len(window.snapshot().data.y_train) == 3)
    assert window.data_tools.added_count() == 3


def test_choosing_another_dataset_ends_drawing_on_a_cleared_plane(qtbot, window):
    """Found by a random-action run: Clear points, then digits, then two drawn points sent 2-D points with
    pixel features to the trainer, which died."""
    window.data_tools.actionClearAllPoints.trigger()
    box = window.controls.dataset
    box.setCurrentIndex(box.findData("xor"))
    qtbot.waitUntil(lambda: window.snapshot().spec.dataset == "xor")
    assert not window.data_tools.training_blocked()
    d = window.snapshot().data
    n = len(d.y_train) + len(d.y_test)
    _click_plane(qtbot, window, 0.5, 0.5, 1)  # an ordinary added point on xor now
    qtbot.waitUntil(lambda: window.snapshot().spec.dataset == "custom")
    d = window.snapshot().data
    assert len(d.y_train) + len(d.y_test) == n + 1 and window.data_tools.added_count() == 1
    assert window.snapshot().spec.features == ("x1", "x2")


def _choose(qtbot, box, data):
    box.setFocus()
    box.setCurrentIndex(box.findData(data))
    assert box.currentData() == data


def test_a_chosen_loss_does_not_follow_the_data_to_another_task(qtbot, window):
    """Found by the machine (process trainer): Loss → binary_crossentropy on circle, then a regression dataset:
    the trainer process died ("binary_crossentropy needs targets between 0 and 1")."""
    with qtbot.captureExceptions() as errors:
        _choose(qtbot, window.controls.loss, "binary_crossentropy")
        qtbot.waitUntil(lambda: window.snapshot().spec.loss == "binary_crossentropy")
        _choose(qtbot, window.controls.dataset, "reg-plane")
        qtbot.waitUntil(lambda: window.snapshot().spec.dataset == "reg-plane", timeout=10_000)
        qtbot.keyClick(window.network_view.viewport(), Qt.Key_S)
        qtbot.waitUntil(lambda: window.step_count() == 1, timeout=10_000)
    assert not errors
    assert window.trainer.alive
    assert window.snapshot().spec.resolved_loss == "mse"


def test_a_spec_the_data_cannot_train_is_refused_and_changes_nothing():
    """The trainer's own guard, whatever the GUI sends: a loss the targets cannot meet is "Not applied"."""
    import pytest

    from nnstudio.training.problem import ProblemSpec
    from nnstudio.training.trainer import Trainer

    bad = ProblemSpec(dataset="reg-plane", loss="binary_crossentropy", output_activation="sigmoid")
    with pytest.raises(ValueError, match="classification"):
        bad.validate()
    trainer = Trainer(ProblemSpec(), threaded=False)
    before = trainer.take()
    trainer.set_spec(bad)
    snap = trainer.take()
    assert snap.message.startswith("Not applied") and snap.spec == before.spec
    np.testing.assert_array_equal(snap.params, before.params)
    trainer.step(1)
    assert trainer.take().step == 1


def test_a_sub_step_picture_ends_when_its_data_changes(qtbot, open_window):
    """Found by the machine: Ctrl+B, S (the forward sub-step of a mini-batch), then Ctrl+click a point: the
    fills went on showing the mean of a mini-batch of data that no longer existed, and the next S computed
    the backward step on indices into the new data."""
    window = open_window(trainer="sync")
    view = window.network_view.viewport()
    qtbot.keyClick(view, Qt.Key_B, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.snapshot().next_batch is not None)  # sub-steps ask for the next batch
    qtbot.keyClick(view, Qt.Key_S)
    qtbot.waitUntil(lambda: window.inside.substeps.phase == "forward")
    _click_plane(qtbot, window, 0.5, -0.5, 0)
    qtbot.waitUntil(lambda: window.snapshot().spec.dataset == "custom")
    window.flush()
    assert window.inside.substeps.phase is None and "Sub-step" not in window.network_view.caption()
    qtbot.waitUntil(lambda: window.snapshot().next_batch is not None)
    qtbot.keyClick(view, Qt.Key_S)  # a fresh forward sub-step on the new data
    qtbot.waitUntil(lambda: window.inside.substeps.phase == "forward")
    d = window.snapshot().data
    batch = window.inside.substeps.batch
    means = [a.mean(axis=0) for a in window.view_net.forward(d.F_train[batch]).activations]
    for shown, want in zip(window.inside.neuron_values(), means):
        np.testing.assert_allclose(shown, want, rtol=1e-12)
    window.close()


class _SlowWire:
    """Holds the window's commands back, as a busy trainer process does: the trainer meanwhile goes on
    publishing snapshots that have not seen them."""

    def __init__(self, trainer):
        self.trainer, self.held = trainer, []
        self._submit = trainer.submit
        trainer.submit = lambda name, *args: self.held.append((name, args))

    def release(self):
        self.trainer.submit = self._submit
        for name, args in self.held:
            self._submit(name, *args)
        self.held = []


def test_a_typed_value_stays_shown_while_older_snapshots_arrive(qtbot, open_window):
    """Found by the machine (thread and process trainers): a snapshot the trainer published before it saw an
    edit put the old value back on the canvas for a frame, so parameters() did not show the typed value."""
    window = open_window(trainer="sync")
    view = window.network_view
    wire = _SlowWire(window.trainer)
    qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=view.edge_point(1, 0, 1))
    qtbot.waitUntil(window.editor.is_open)
    window.editor.selectAll()
    qtbot.keyClicks(window.editor, "1.25")
    qtbot.keyClick(window.editor, Qt.Key_Return)
    assert window.parameters()[2][0, 1] == 1.25
    window.flush()  # a snapshot from before the edit
    assert window.parameters()[2][0, 1] == 1.25
    assert view.value(ParamRef.weight(1, 0, 1)) == 1.25
    wire.release()
    window.flush()
    assert window.parameters()[2][0, 1] == 1.25 and window.snapshot().params[window.parameter_index(
        ParamRef.weight(1, 0, 1))] == 1.25
    window.close()


def test_the_panel_is_not_put_back_by_a_snapshot_older_than_its_change(qtbot, open_window):
    """Clicking + twice quickly: a snapshot from before the first click put the panel back to two hidden
    layers, so the second click added the same layer again (three, not four, layers)."""
    window = open_window(trainer="sync")
    wire = _SlowWire(window.trainer)
    qtbot.mouseClick(window.controls.add_layer, Qt.LeftButton)
    window.flush()  # the trainer has not seen the first click yet
    qtbot.mouseClick(window.controls.add_layer, Qt.LeftButton)
    wire.release()
    qtbot.waitUntil(lambda: len(window.snapshot().spec.hidden) == 4, timeout=5000)
    assert window.controls.spec().hidden == window.snapshot().spec.hidden
    window.close()


def test_an_edit_at_a_past_step_is_shown_at_once(qtbot, open_window):
    """Found by the machine: look at an earlier step, type a value: the snapshot the trainer publishes while
    it branches (the old branch's last losses) claimed to have seen the edit and put the old value back."""
    from PySide6.QtWidgets import QSlider

    window = open_window(trainer="sync")
    window.trainer.step(5)
    qtbot.waitUntil(lambda: window.step_count() == 5)
    slider = window.findChild(QSlider, "timelineSlider")
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key_Home)
    window.flush()
    qtbot.waitUntil(lambda: window.snapshot().viewing == 0)
    view = window.network_view
    qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=view.edge_point(0, 0, 0))
    qtbot.waitUntil(window.editor.is_open)
    window.editor.selectAll()
    qtbot.keyClicks(window.editor, "3.72")
    qtbot.keyClick(window.editor, Qt.Key_Return)
    for _ in range(4):  # every snapshot on the way shows the typed value
        window.flush()
        assert window.parameters()[0][0, 0] == 3.72
    assert window.snapshot().viewing is None and window.snapshot().params[0] == 3.72  # it branched there
    window.close()


def test_a_backward_sub_step_ends_when_the_loss_changes(qtbot, open_window):
    """Found by the machine: in the backward sub-step, choose L1: the edges went on showing the gradient of
    the loss without the penalty, under the title "gradient ∂L/∂w (this mini-batch)"."""
    window = open_window(trainer="sync")
    view = window.network_view.viewport()
    qtbot.keyClick(view, Qt.Key_B, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.snapshot().next_batch is not None)
    qtbot.keyClick(view, Qt.Key_S)
    qtbot.keyClick(view, Qt.Key_S)
    qtbot.waitUntil(lambda: window.inside.substeps.phase == "backward")
    _choose(qtbot, window.controls.regularization, "l1")
    qtbot.waitUntil(lambda: window.snapshot().spec.regularization == "l1")
    window.flush()
    assert window.inside.substeps.phase is None and window.network_view.caption() == ""
    assert window.network_view.edge_mode() == "weight"
    window.close()


def test_an_edit_followed_at_once_by_play_is_delivered_pinned():
    """Found by the machine: commit an edit while training (pause while editing resumes at once): "play"
    published the edit in an ordinary snapshot, which the next one replaced, so the typed value never showed."""
    from nnstudio.training.problem import ProblemSpec
    from nnstudio.training.trainer import Trainer

    trainer = Trainer(ProblemSpec(), threaded=False)
    trainer.take()
    trainer.set_parameter(3, 5.0)
    trainer.play()
    trainer.process(chunks=3)  # the trainer drains both, then trains on
    first = trainer.take()
    assert first.pinned and first.params[3] == 5.0 and [e.new for e in first.edits] == [5.0]
    later = trainer.take()
    assert later is not None and later.step > first.step


def test_another_dataset_after_added_points_is_framed_on_its_own(qtbot, window):
    """Found by the machine: Ctrl+click a point, then choose another dataset: the plane kept for the added
    points framed the new data too (moons, within −1…2, drawn on circle's ±6)."""
    _click_plane(qtbot, window, -4.0, 0.5, 0)
    qtbot.waitUntil(lambda: window.snapshot().spec.dataset == "custom")
    _choose(qtbot, window.controls.dataset, "moons")
    qtbot.waitUntil(lambda: window.snapshot().spec.dataset == "moons")
    window.flush()
    from invariants import check_axes

    check_axes(window)
    assert window.output_view.kept_plane() is None
