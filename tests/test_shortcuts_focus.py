"""Play/Pause, Step and Reset answer their keys wherever the focus is, except in a text field being typed in.

A spin box or a combo box used to swallow Space (and S, R): the key went to the widget, not to the window's
training actions. The oracle is the trainer's own step counter and running flag, seen through snapshots.
"""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractSlider, QAbstractSpinBox, QApplication, QComboBox

FOCUS_TARGETS = {
    "batch-size spin box": lambda w: w.controls.batch_size,
    "dataset combo": lambda w: w.controls.dataset,
    "speed slider": lambda w: w.speed_slider,
    "feature checkbox": lambda w: w.controls.features["x1"],
    "canvas": lambda w: w.network_view,
    "sample spin box": lambda w: w.inside.sample_box,
    "regenerate button": lambda w: w.controls.regenerate,
    "edges combo": lambda w: w.inside.edge_mode,
    "history list": lambda w: w.history_view,
}


def focus(qtbot, window, widget):
    window.activateWindow()
    widget.setFocus(Qt.OtherFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and (
        QApplication.focusWidget() is widget or widget.isAncestorOf(QApplication.focusWidget())))
    return QApplication.focusWidget()


def widget_state(widget):
    """What the focused widget itself would change if it took the key instead of the window."""
    if isinstance(widget, (QAbstractSpinBox, QAbstractSlider)):
        return widget.value(), widget.text() if isinstance(widget, QAbstractSpinBox) else None
    if isinstance(widget, QComboBox):
        return widget.currentIndex(), widget.view().isVisible()
    if isinstance(widget, QAbstractButton):
        return widget.isChecked()
    return None


@pytest.mark.parametrize("name", list(FOCUS_TARGETS))
def test_space_s_and_r_work_wherever_the_focus_is(qtbot, window, name):
    widget = FOCUS_TARGETS[name](window)
    target = focus(qtbot, window, widget)
    before = widget_state(widget)

    qtbot.keyClick(target, Qt.Key_S)
    qtbot.waitUntil(lambda: window.step_count() == 1)
    qtbot.keyClick(target, Qt.Key_Space)
    qtbot.waitUntil(lambda: window.snapshot().running)
    assert window.actionPlayPause.isChecked()
    qtbot.keyClick(target, Qt.Key_Space)
    qtbot.waitUntil(lambda: not window.snapshot().running)
    assert not window.actionPlayPause.isChecked()
    assert window.step_count() >= 1
    qtbot.keyClick(target, Qt.Key_R)
    qtbot.waitUntil(lambda: window.step_count() == 0)

    assert QApplication.focusWidget() is target  # the keys did not move the focus
    assert widget_state(widget) == before  # and the widget itself did not take them


def test_keys_type_into_the_value_editor_instead(qtbot, window):
    from test_main_window import click_param

    click_param(qtbot, window, window.network_view.edge_point(0, 0, 0))
    editor = window.editor
    editor.clear()
    qtbot.keyClicks(editor, "1 ")
    qtbot.keyClick(editor, Qt.Key_Space)
    qtbot.keyClick(editor, Qt.Key_S)
    qtbot.keyClick(editor, Qt.Key_R)
    assert editor.text() == "1  sr"
    qtbot.wait(100)
    assert not window.actionPlayPause.isChecked() and not window.snapshot().running
    assert window.step_count() == 0
    qtbot.keyClick(editor, Qt.Key_Escape)
