"""Defects the random-action state machine found, each as the shortest sequence that showed it."""

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt


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
