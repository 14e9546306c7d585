"""The training toolbar says what its buttons do, and does not move under the mouse."""

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from nnstudio.engine import ParamRef


def button(window, action):
    return window.toolbar.widgetForAction(action)


def test_zoom_to_fit_is_named_for_what_it_does(qtbot, window):
    """ "Fit network" next to Play and Step read like Keras' fit(); it only zooms the canvas."""
    act = window.actionFit
    assert act.objectName() == "actionFit"
    assert act.text() == "Zoom to fit"
    assert button(window, act).text() == "Zoom to fit"
    assert act.shortcut().toString() == "F"
    view = window.network_view
    view.zoom(3.0)  # zoomed in: the network no longer fits
    zoomed = view.scale_factor()
    qtbot.keyClick(view, Qt.Key_F)
    assert view.scale_factor() < zoomed
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    assert shown.contains(view.content_rect())


def test_undo_button_keeps_a_short_fixed_text(qtbot, window):
    undo = button(window, window.actionUndo)
    counter_x = window.counter_label.mapTo(window, QPoint(0, 0)).x()
    fit_x = button(window, window.actionFit).mapTo(window, QPoint(0, 0)).x()
    width = undo.width()
    window.edit_parameter(ParamRef.weight(1, 2, 0), 0.123456)
    QApplication.processEvents()
    assert window.undo_stack.count() == 1
    # The menu entry names the edit; the button stays "Undo" and nothing next to it moves.
    assert "weight" in window.actionUndo.text() and "0.123" in window.actionUndo.text()
    assert undo.text() == "Undo" and undo.width() == width
    assert "weight" in undo.toolTip() and "0.123" in undo.toolTip()
    assert button(window, window.actionFit).mapTo(window, QPoint(0, 0)).x() == fit_x
    assert window.counter_label.mapTo(window, QPoint(0, 0)).x() == counter_x
    assert button(window, window.actionRedo).text() == "Redo"
    window.actionUndo.trigger()
    QApplication.processEvents()
    assert "weight" in window.actionRedo.text() and button(window, window.actionRedo).text() == "Redo"
    assert "weight" in button(window, window.actionRedo).toolTip()
