"""The editor shows a short value in a box wide enough for it, all digits on F2, and keeps exact values.

It used to show repr's 17 digits in a box made for 16 characters, so the front of the number was cut off
("…9676505220030065"); and the canvas's hover tooltip could cover the editor's error message.
"""

from decimal import Decimal

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

import test_value_editor
from nnstudio.engine import ParamRef
from nnstudio.gui.value_editor import short_text
from test_main_window import click_param
from test_value_editor import REF, open_editor

host = test_value_editor.host  # the editor alone on a small window

LONG = -0.29676505220030065


def text_fits(editor) -> bool:
    """The whole text is drawn inside the box: nothing scrolled out at the front or the back."""
    room = editor.contentsRect().width() - editor.textMargins().left() - editor.textMargins().right() - 4
    return editor.fontMetrics().horizontalAdvance(editor.text()) <= room


@pytest.mark.parametrize("value, shown", [(LONG, "-0.296765"), (1 / 3, "0.333333"), (0.1, "0.1"),
                                          (-2.0, "-2.0"), (1e-05, "1e-05"), (123456.789, "123457.0")])
def test_short_text_has_at_most_six_significant_digits(value, shown):
    assert short_text(value) == shown


def test_a_long_value_is_shown_short_and_whole_with_every_digit_on_f2(qtbot, host):
    editor = open_editor(qtbot, host, value=LONG)
    assert editor.text() == "-0.296765" and text_fits(editor)
    assert repr(LONG) in editor.toolTip()  # every digit on hover, too
    qtbot.keyClick(editor, Qt.Key.Key_F2)
    assert editor.text() == repr(LONG) and text_fits(editor)
    assert editor.selectedText() == repr(LONG)
    qtbot.keyClick(editor, Qt.Key.Key_F2)
    assert editor.text() == "-0.296765"


@pytest.mark.parametrize("f2", [False, True])
def test_enter_on_the_untouched_text_commits_the_exact_value(qtbot, host, f2):
    editor = open_editor(qtbot, host, value=LONG)
    if f2:
        qtbot.keyClick(editor, Qt.Key.Key_F2)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert host.recorder.events == [("committed", REF, LONG)]


def test_typing_the_short_text_itself_means_that_short_value(qtbot, host):
    editor = open_editor(qtbot, host, value=LONG)
    qtbot.keyClicks(editor, "-0.296765")  # typed over the selection: the user asks for this number
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert host.recorder.events == [("committed", REF, -0.296765)]


def test_nudging_a_long_value_keeps_its_digits(qtbot, host):
    editor = open_editor(qtbot, host, value=LONG)
    qtbot.keyClick(editor, Qt.Key.Key_Up)
    expected = float(Decimal(repr(LONG)) + Decimal("0.1"))
    assert editor.text() == short_text(expected)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert host.recorder.events == [("nudged", REF, expected), ("committed", REF, expected)]


def test_the_box_grows_with_typed_text_inside_the_window(qtbot, host):
    editor = open_editor(qtbot, host, value=0.5)
    qtbot.keyClicks(editor, "-0.123456789012345678")
    assert text_fits(editor)
    assert host.rect().contains(editor.geometry())


def test_the_canvas_tooltip_never_covers_the_open_editor(qtbot, window):
    view = window.network_view
    window.edit_parameter(ParamRef.weight(0, 1, 2), LONG)
    click_param(qtbot, window, view.edge_point(0, 1, 2))
    assert window.editor.text() == "-0.296765" and text_fits(window.editor)
    qtbot.keyClicks(window.editor, "abc")
    qtbot.keyClick(window.editor, Qt.Key_Return)
    assert window.editor.message_label.isVisible()
    # The mouse rests on the canvas (a tooltip request), then moves onto another edge.
    vp = view.mouse_target()
    for point in (view.edge_point(0, 1, 2), view.edge_point(1, 0, 0)):
        qtbot.mouseMove(vp, point)
        at = point + QPoint(1, 1)
        QApplication.sendEvent(vp, QHelpEvent(QHelpEvent.ToolTip, at, vp.mapToGlobal(at)))
        qtbot.wait(50)
        assert not QToolTip.isVisible()
    assert window.editor.is_open() and window.editor.message_label.isVisible()
    qtbot.keyClick(window.editor, Qt.Key_Escape)
    # Closed: the canvas's tooltip is back.
    at = view.edge_point(1, 0, 0)
    QApplication.sendEvent(vp, QHelpEvent(QHelpEvent.ToolTip, at, vp.mapToGlobal(at)))
    qtbot.waitUntil(QToolTip.isVisible)
    assert "weight" in QToolTip.text()
    QToolTip.hideText()
