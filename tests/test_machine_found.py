"""Defects the random-action state machine found, each as the shortest sequence that showed it."""

from PySide6.QtCore import QPoint, QPointF, Qt


def _plane_point(window, x, y) -> QPoint:
    plot = window.output_view.plot
    return plot.mapFromScene(plot.getPlotItem().vb.mapViewToScene(QPointF(x, y)))


def test_changing_a_control_after_adding_a_point_keeps_the_added_data(qtbot, window):
    """Found by the machine: Ctrl+click the plane (the data becomes "custom"), then tick a feature: the
    panel raised ValueError("unknown dataset 'custom'") and the tick did nothing."""
    errors = []
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
