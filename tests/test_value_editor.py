"""The in-place value editor (pytest-qt, offscreen)."""

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QKeySequence, QWheelEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget

from nnstudio.engine.refs import ParamRef
from nnstudio.gui.expressions import EDITOR_HELP
from nnstudio.gui.value_editor import ValueEditor

REF = ParamRef.weight(0, 1, 2)


class Recorder:
    """Collects every signal the editor emits, in order."""

    def __init__(self, editor):
        self.events = []
        editor.committed.connect(lambda ref, value: self.events.append(("committed", ref, value)))
        editor.cancelled.connect(lambda ref: self.events.append(("cancelled", ref)))
        editor.rejected.connect(lambda message: self.events.append(("rejected", message)))
        editor.nudged.connect(lambda ref, value: self.events.append(("nudged", ref, value)))

    def of(self, kind):
        return [event for event in self.events if event[0] == kind]


@pytest.fixture
def host(qtbot):
    window = QWidget()
    window.resize(400, 300)
    layout = QVBoxLayout(window)
    window.other = QPushButton("elsewhere")  # something to click or focus away to
    window.other.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    layout.addWidget(window.other)
    layout.addStretch()
    window.editor = ValueEditor(window)
    window.recorder = Recorder(window.editor)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def open_editor(qtbot, host, value=-0.7341234, pos=None, ref=REF):
    editor = host.editor
    editor.open(ref, value, QPoint(50, 60) if pos is None else pos)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is editor)
    return editor


def test_is_a_hidden_line_edit_child_of_the_window(host):
    editor = host.editor
    assert isinstance(editor, QLineEdit)
    assert editor.parentWidget() is host
    assert editor.isHidden()
    assert not editor.is_open()
    assert editor.current_ref() is None
    assert editor.toolTip() == EDITOR_HELP


def test_open_shows_selected_round_trip_text_and_takes_focus(qtbot, host):
    host.other.setFocus()
    editor = open_editor(qtbot, host)
    assert editor.isVisible()
    assert editor.is_open()
    assert editor.current_ref() == REF
    assert editor.text() == "-0.734123"  # six significant digits; F2 shows them all
    assert editor.selectedText() == "-0.734123"
    assert editor.pos() == QPoint(50, 60)
    assert editor.width() >= editor.fontMetrics().horizontalAdvance("-0.123456789")


def test_open_keeps_the_editor_inside_the_window(qtbot, host):
    editor = open_editor(qtbot, host, pos=QPoint(390, 295))
    assert host.rect().contains(editor.geometry())
    editor = open_editor(qtbot, host, pos=QPoint(-40, -10))
    assert editor.pos() == QPoint(0, 0)


def test_untouched_text_commits_the_full_precision_value(qtbot, host):
    values = (0.1, 1 / 3, -1e-05, 123456.789, 0.0)
    for value in values:
        editor = open_editor(qtbot, host, value=value)
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert host.recorder.events == [("committed", REF, value) for value in values]


def test_typing_replaces_the_selection_and_enter_commits(qtbot, host):
    editor = open_editor(qtbot, host)
    with qtbot.waitSignal(editor.committed) as blocker:
        qtbot.keyClicks(editor, "0.25")
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert blocker.args == [REF, 0.25]
    assert not editor.is_open()
    assert editor.isHidden()
    assert host.recorder.events == [("committed", REF, 0.25)]


def test_keypad_enter_commits_a_typed_negative_value(qtbot, host):
    editor = open_editor(qtbot, host, value=0.5)
    qtbot.keyClicks(editor, "-0.5")
    qtbot.keyClick(editor, Qt.Key.Key_Enter)
    assert host.recorder.events == [("committed", REF, -0.5)]


def test_one_third_is_exact(qtbot, host):
    editor = open_editor(qtbot, host)
    qtbot.keyClicks(editor, "1/3")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert host.recorder.events == [("committed", REF, 1 / 3)]


def test_relative_forms_apply_to_the_value_at_open(qtbot, host):
    editor = open_editor(qtbot, host, value=0.75)
    qtbot.keyClicks(editor, "*2")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    editor = open_editor(qtbot, host, value=0.5)
    qtbot.keyClicks(editor, "-=0.25")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert host.recorder.events == [("committed", REF, 1.5), ("committed", REF, 0.25)]


def test_invalid_text_is_rejected_visibly_and_the_editor_stays_open(qtbot, host):
    editor = open_editor(qtbot, host)
    qtbot.keyClicks(editor, "abc")
    with qtbot.waitSignal(editor.rejected) as blocker:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert blocker.args == ["not a number: 'abc'"]
    assert host.recorder.of("committed") == []
    assert editor.is_open() and editor.isVisible()
    assert editor.text() == "abc"
    assert QApplication.focusWidget() is editor
    label = editor.message_label
    assert label.isVisible()
    assert label.text() == "not a number: 'abc'"
    assert label.parentWidget() is host
    assert label.y() >= editor.geometry().bottom()  # just below the editor
    assert editor.property("invalid") is True
    assert "#d32f2f" in editor.styleSheet()  # red border

    qtbot.keyClick(editor, Qt.Key.Key_Backspace)  # editing clears the error
    assert not label.isVisible()
    assert not editor.property("invalid")
    assert editor.styleSheet() == ""


def test_message_goes_above_an_editor_at_the_bottom(qtbot, host):
    editor = open_editor(qtbot, host, pos=QPoint(10, 290))
    qtbot.keyClicks(editor, "abc")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    label = editor.message_label
    assert host.rect().contains(label.geometry())
    assert label.geometry().bottom() < editor.y()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1e400", "value must be finite"),
        ("nan", "value must be finite"),
        ("inf", "value must be finite"),
        ("2e6", "|value| must be at most 1e6"),
        ("1/0", "division by zero"),
        ("2**3", "not a number: '2**3'"),
    ],
)
def test_refused_values(qtbot, host, text, message):
    editor = open_editor(qtbot, host)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert host.recorder.events == [("rejected", message)]
    assert editor.is_open()
    assert editor.message_label.text() == message


def test_fixing_the_text_after_a_rejection_commits(qtbot, host):
    editor = open_editor(qtbot, host)
    qtbot.keyClicks(editor, "2e6")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    editor.selectAll()
    qtbot.keyClicks(editor, "2e5")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert host.recorder.events == [("rejected", "|value| must be at most 1e6"), ("committed", REF, 2e5)]
    assert not editor.message_label.isVisible()


def test_escape_cancels(qtbot, host):
    editor = open_editor(qtbot, host)
    qtbot.keyClicks(editor, "0.9")
    with qtbot.waitSignal(editor.cancelled) as blocker:
        qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert blocker.args == [REF]
    assert host.recorder.events == [("cancelled", REF)]
    assert not editor.is_open() and editor.isHidden()


def test_escape_after_a_rejection_hides_the_message(qtbot, host):
    editor = open_editor(qtbot, host)
    qtbot.keyClicks(editor, "abc")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert host.recorder.events == [("rejected", "not a number: 'abc'"), ("cancelled", REF)]
    assert not editor.message_label.isVisible()


def test_editor_keys_beat_window_shortcuts(qtbot, host):
    triggered = []
    for key in ("Esc", "Up", "Return"):
        action = QAction(host)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _checked=False, key=key: triggered.append(key))
        host.addAction(action)
    editor = open_editor(qtbot, host, value=0.5)
    qtbot.keyClick(editor, Qt.Key.Key_Up)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    editor = open_editor(qtbot, host, value=0.5)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert triggered == []
    assert [event[0] for event in host.recorder.events] == ["nudged", "committed", "cancelled"]


@pytest.mark.parametrize(
    ("key", "modifier", "expected"),
    [
        (Qt.Key.Key_Up, Qt.KeyboardModifier.NoModifier, 0.6),
        (Qt.Key.Key_Down, Qt.KeyboardModifier.NoModifier, 0.4),
        (Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier, 0.51),
        (Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier, 0.49),
    ],
)
def test_arrow_keys_nudge(qtbot, host, key, modifier, expected):
    editor = open_editor(qtbot, host, value=0.5)
    with qtbot.waitSignal(editor.nudged) as blocker:
        qtbot.keyClick(editor, key, modifier)
    assert blocker.args == [REF, expected]
    assert editor.text() == repr(expected)
    assert editor.is_open()
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert host.recorder.events == [("nudged", REF, expected), ("committed", REF, expected)]


def test_nudges_accumulate_without_float_noise(qtbot, host):
    editor = open_editor(qtbot, host, value=-0.7341234)
    for _ in range(3):
        qtbot.keyClick(editor, Qt.Key.Key_Up)
    assert editor.text() == "-0.434123"
    assert [event[2] for event in host.recorder.of("nudged")] == [-0.6341234, -0.5341234, -0.4341234]
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert host.recorder.events[-1] == ("committed", REF, -0.4341234)


def test_nudge_starts_from_the_typed_value(qtbot, host):
    editor = open_editor(qtbot, host, value=0.5)
    qtbot.keyClicks(editor, "2")
    qtbot.keyClick(editor, Qt.Key.Key_Down)
    assert editor.text() == "1.9"
    qtbot.keyClicks(editor, "abc")  # invalid: nudge from the last valid value
    qtbot.keyClick(editor, Qt.Key.Key_Up)
    assert editor.text() == "2.0"


def send_wheel(widget, notches, modifiers=Qt.KeyboardModifier.NoModifier, delta_per_notch=120):
    center = QPointF(widget.rect().center())
    event = QWheelEvent(
        center,
        QPointF(widget.mapToGlobal(center.toPoint())),
        QPoint(0, 0),
        QPoint(0, int(notches * delta_per_notch)),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_wheel_nudges_per_notch(qtbot, host):
    editor = open_editor(qtbot, host, value=0.5)
    send_wheel(editor, 1)
    assert host.recorder.events == [("nudged", REF, 0.6)]
    send_wheel(editor, -2)
    assert host.recorder.events[-1] == ("nudged", REF, 0.4)
    send_wheel(editor, 1, Qt.KeyboardModifier.ShiftModifier)
    assert host.recorder.events[-1] == ("nudged", REF, 0.41)
    assert editor.text() == "0.41"


def test_high_resolution_wheel_deltas_add_up_to_notches(qtbot, host):
    editor = open_editor(qtbot, host, value=0.0)
    send_wheel(editor, 0.5)
    assert host.recorder.of("nudged") == []
    send_wheel(editor, 0.5)
    assert host.recorder.events == [("nudged", REF, 0.1)]


def test_focus_out_commits_a_valid_value(qtbot, host):
    editor = open_editor(qtbot, host)
    qtbot.keyClicks(editor, "0.125")
    with qtbot.waitSignal(editor.committed) as blocker:
        host.other.setFocus(Qt.FocusReason.MouseFocusReason)
    assert blocker.args == [REF, 0.125]
    assert not editor.is_open() and editor.isHidden()
    assert QApplication.focusWidget() is host.other


def test_focus_out_with_invalid_text_cancels_quietly(qtbot, host):
    editor = open_editor(qtbot, host)
    qtbot.keyClicks(editor, "abc")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert editor.message_label.isVisible()
    host.other.setFocus(Qt.FocusReason.MouseFocusReason)
    assert host.recorder.events == [("rejected", "not a number: 'abc'"), ("cancelled", REF)]
    assert not editor.is_open()
    assert not editor.message_label.isVisible()


def test_clicking_a_widget_that_takes_no_focus_commits(qtbot, host):
    host.other.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    editor = open_editor(qtbot, host)
    qtbot.keyClicks(editor, "0.75")
    qtbot.mouseClick(host.other, Qt.MouseButton.LeftButton)
    assert host.recorder.events == [("committed", REF, 0.75)]
    assert not editor.is_open()


def test_clicking_inside_the_editor_keeps_it_open(qtbot, host):
    editor = open_editor(qtbot, host)
    qtbot.mouseClick(editor, Qt.MouseButton.LeftButton)
    assert editor.is_open()
    assert host.recorder.events == []


def test_closing_gives_focus_back_to_the_previous_widget(qtbot, host):
    host.other.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is host.other)
    editor = open_editor(qtbot, host)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is host.other


def test_opening_another_parameter_commits_the_first(qtbot, host):
    editor = open_editor(qtbot, host, value=0.5)
    qtbot.keyClicks(editor, "0.3")
    bias = ParamRef.bias(1, 0)
    editor = open_editor(qtbot, host, value=-2.0, ref=bias)
    assert host.recorder.events == [("committed", REF, 0.3)]
    assert editor.current_ref() == bias
    assert editor.text() == "-2.0"


def test_api_calls_match_the_keys(qtbot, host):
    editor = open_editor(qtbot, host, value=1.0)
    editor.nudge(2)
    editor.setText("oops")
    assert editor.commit() is False
    editor.cancel()
    assert editor.commit() is False  # closed: nothing to commit
    assert host.recorder.events == [("nudged", REF, 1.2), ("rejected", "not a number: 'oops'"), ("cancelled", REF)]
