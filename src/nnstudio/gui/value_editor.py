"""The in-place editor: a QLineEdit child of the window that edits one weight or bias.

It is created once per window, hidden, and shown by ``open(ref, value, pos)`` over the clicked parameter. It
shows the value to six significant digits in a box as wide as the text (F2 and the tooltip show every digit);
the short text stands for the exact value until it is edited, so Enter on it changes nothing. It never
changes the network itself: it emits ``committed`` (the final value), ``nudged`` (live previews from the
arrow keys or the wheel), ``cancelled`` (drop any preview) and ``rejected`` (text that is not a valid value).
"""

from __future__ import annotations

from decimal import Decimal

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QToolTip, QWidget

from nnstudio.engine.refs import ParamRef
from nnstudio.gui.expressions import EDITOR_HELP, MAX_ABS, parse_value

__all__ = ["ValueEditor"]

NUDGE = 0.1
FINE_NUDGE = 0.01
_WHEEL_NOTCH = 120  # QWheelEvent.angleDelta() units per notch

_INVALID_STYLE = "QLineEdit { border: 2px solid #d32f2f; border-radius: 2px; padding: 1px; }"
_MESSAGE_STYLE = (
    "QLabel { background: #fdecea; color: #b71c1c; border: 1px solid #e57373; border-radius: 3px; padding: 2px 5px; }"
)
_KEYS_WE_OWN = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape, Qt.Key.Key_Up, Qt.Key.Key_Down,
                Qt.Key.Key_F2)
_TEXT_ROOM = 12  # pixels beside the text: the line edit's inner margins and the cursor


def value_text(value: float) -> str:
    """The shortest text that reads back as exactly ``value`` (``repr``): ``-0.29676505220030064``, ``1e-05``."""
    return repr(float(value))


def short_text(value: float) -> str:
    """At most six significant digits, in the form the editor reads back: ``-0.296765``, ``2.0``, ``1e-05``."""
    return repr(float(f"{float(value):.6g}"))


class ValueEditor(QLineEdit):
    """Edits one ParamRef in place. Create it once with the window as parent; ``open()`` shows it.

    Enter commits, Escape cancels, clicking away commits when the text is valid (otherwise cancels quietly).
    ``cancelled`` is emitted on every close without commit, so an app that previewed ``nudged`` values can
    restore the original one.
    """

    committed = Signal(object, float)  # ParamRef, new value
    cancelled = Signal(object)  # ParamRef
    rejected = Signal(str)  # message shown to the user
    nudged = Signal(object, float)  # ParamRef, previewed value

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("valueEditor")
        self.setToolTip(EDITOR_HELP)
        self.setPlaceholderText("value")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        metrics = self.fontMetrics()
        self.setMinimumWidth(metrics.horizontalAdvance("−0.123456789e-10") + 16)
        self.resize(self.minimumWidth(), self.sizeHint().height())
        self.message_label = QLabel(parent)
        self.message_label.setObjectName("valueEditorMessage")
        self.message_label.setStyleSheet(_MESSAGE_STYLE)
        self.message_label.hide()
        self._ref: ParamRef | None = None
        self._value = 0.0  # the parameter's value when the editor opened
        self._shown = ("", 0.0)  # the text the editor put in the box, and the exact value it stands for
        self._edited = False  # typed in since (typing the very same short text means that short number)
        self._last = 0.0  # the last valid value shown (start point for nudges)
        self._wheel_rest = 0  # angleDelta not yet turned into whole notches
        self._previous_focus: QWidget | None = None
        self._filtering = False
        self.textEdited.connect(self._clear_error)
        self.textEdited.connect(self._mark_edited)
        self.textChanged.connect(self._fit_text)
        self.hide()

    # ----------------------------------------------------------------- public API
    def is_open(self) -> bool:
        return self._ref is not None

    def current_ref(self) -> ParamRef | None:
        return self._ref

    def base_value(self) -> float:
        """The value the editor opened with: what ``*2``, ``/2``, ``+=`` and ``-=`` change (training may have
        moved the parameter a step further before the pause landed)."""
        return self._value

    def open(self, ref: ParamRef, value: float, pos: QPoint) -> None:
        """Show the editor at ``pos`` (parent coordinates) with ``value`` selected, and give it keyboard focus."""
        if self._ref is not None:
            self._finish(commit=True)
        focus = QApplication.focusWidget()
        self._previous_focus = focus if focus is not None and focus is not self else None
        self._ref = ref
        self._value = self._last = float(value)
        self._wheel_rest = 0
        self._clear_error()
        self.resize(self.minimumWidth(), self.sizeHint().height())
        self.move(self._inside_parent(QRect(pos, self.size())).topLeft())
        self._show_value(self._value)
        QToolTip.hideText()  # the canvas's hover tooltip would cover the editor
        self.show()
        self.raise_()
        window = self.window()
        if not window.isActiveWindow():
            window.activateWindow()
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        app = QApplication.instance()
        if app is not None and not self._filtering:
            app.installEventFilter(self)
            self._filtering = True

    def commit(self) -> bool:
        """Commit the text if it is valid (as Enter does); otherwise show why and stay open."""
        if self._ref is None:
            return False
        try:
            value = self._typed_value()
        except ValueError as exc:
            self._show_error(str(exc))
            return False
        self._close(committed=value)
        return True

    def show_all_digits(self, on: bool = True) -> None:
        """Show the value with every digit (``repr``) or, with ``on=False``, to six significant digits (F2)."""
        if self._ref is None:
            return
        try:
            value = self._typed_value()
        except ValueError:
            return  # nothing valid to show more digits of: leave the user's text alone
        self._show_value(value, all_digits=on)

    def shows_all_digits(self) -> bool:
        """True while the box holds the exact value's every digit (after F2)."""
        return self._ref is not None and self.text() == value_text(self._shown[1]) != short_text(self._shown[1])

    def cancel(self) -> None:
        """Close without committing (as Escape does)."""
        if self._ref is not None:
            self._close(committed=None)

    def nudge(self, steps: float, fine: bool = False) -> None:
        """Change the shown value by ``steps`` × 0.1 (× 0.01 if ``fine``) and emit ``nudged``."""
        if self._ref is None or steps == 0:
            return
        try:
            base = self._typed_value()
        except ValueError:
            base = self._last
        step = Decimal(str(FINE_NUDGE if fine else NUDGE)) * Decimal(str(steps))
        value = float(Decimal(value_text(base)) + step)  # decimal sum: -0.73 + 0.1 shows -0.63, not -0.6299999
        value = min(MAX_ABS, max(-MAX_ABS, value))
        self._last = value
        self._clear_error()
        self._show_value(value, all_digits=self.shows_all_digits())
        self.nudged.emit(self._ref, value)

    # ----------------------------------------------------------------- events
    def event(self, event: QEvent) -> bool:
        # Keys the editor handles must not trigger window shortcuts (e.g. an Escape or arrow-key QAction).
        if event.type() == QEvent.Type.ShortcutOverride and self._ref is not None:
            if isinstance(event, QKeyEvent) and event.key() in _KEYS_WE_OWN:
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self._ref is None:
            super().keyPressEvent(event)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.commit()
        elif key == Qt.Key.Key_Escape:
            self.cancel()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            fine = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.nudge(1 if key == Qt.Key.Key_Up else -1, fine)
        elif key == Qt.Key.Key_F2:
            self.show_all_digits(not self.shows_all_digits())
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self._ref is None:
            super().wheelEvent(event)
            return
        delta = event.angleDelta()
        # Some platforms turn Shift+wheel into a horizontal scroll.
        self._wheel_rest += delta.y() if delta.y() else delta.x()
        notches = int(self._wheel_rest / _WHEEL_NOTCH)  # toward zero, so partial deltas accumulate
        self._wheel_rest -= notches * _WHEEL_NOTCH
        self.nudge(notches, fine=bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
        event.accept()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        # A context menu or switching to another application is not "clicking away".
        if event.reason() in (Qt.FocusReason.PopupFocusReason, Qt.FocusReason.ActiveWindowFocusReason):
            return
        if self._ref is not None:
            self._finish(commit=True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._ref is None or not isinstance(watched, QWidget):
            return False
        kind = event.type()
        # A click on a widget that does not take focus (a toolbar button, the canvas) still means "away".
        if kind == QEvent.Type.MouseButtonPress:
            if not self._is_ours(watched) and QApplication.activePopupWidget() is None:
                self._finish(commit=True)
        # Another widget's tooltip (the canvas's hover text) would cover the editor and its message.
        elif kind == QEvent.Type.ToolTip:
            return not self._is_ours(watched)
        elif kind == QEvent.Type.Show and watched.windowType() == Qt.WindowType.ToolTip:
            if QToolTip.text() != self.toolTip():  # shown directly (QToolTip.showText), not by a request
                QTimer.singleShot(0, self, lambda: self._hide_tooltip(watched))
        return False

    # ----------------------------------------------------------------- internals
    def _hide_tooltip(self, label: QWidget) -> None:
        if self._ref is not None and shiboken6.isValid(label) and QToolTip.text() != self.toolTip():
            label.hide()  # at once: QToolTip.hideText() lets it linger for a fade

    def _typed_value(self) -> float:
        """The value the box asks for: the exact value behind an untouched short text, else the parsed text."""
        text, value = self._shown
        if not self._edited and self.text() == text:
            return value
        return parse_value(self.text(), self._value)

    def _show_value(self, value: float, all_digits: bool = False) -> None:
        text = value_text(value) if all_digits else short_text(value)
        self._shown = (text, float(value))
        self._edited = False
        self.setText(text)
        self.setToolTip(f"{value_text(value)}   (F2: every digit in the box)\n{EDITOR_HELP}")
        self.selectAll()

    def _mark_edited(self, _text: str) -> None:
        self._edited = True

    def _fit_text(self, text: str) -> None:
        """Wide enough for the whole text (nothing scrolled out at the front), and still inside the window."""
        margins = self.textMargins()
        chrome = self.width() - self.contentsRect().width() + margins.left() + margins.right() + _TEXT_ROOM
        width = max(self.minimumWidth(), self.fontMetrics().horizontalAdvance(text) + chrome)
        parent = self.parentWidget()
        if parent is not None:
            width = min(width, parent.width())
        if width != self.width():
            self.resize(width, self.height())
            self.move(self._inside_parent(self.geometry()).topLeft())

    def _is_ours(self, widget: QWidget) -> bool:
        while widget is not None:
            if widget is self or widget is self.message_label:
                return True
            widget = widget.parentWidget()
        return False

    def _finish(self, commit: bool) -> None:
        """Clicking away: commit a valid text, otherwise cancel without a message."""
        if self._ref is None:
            return
        try:
            value = self._typed_value() if commit else None
        except ValueError:
            value = None
        self._close(committed=value)

    def _close(self, committed: float | None) -> None:
        ref = self._ref
        self._ref = None  # first: hiding moves focus, and focusOutEvent must see a closed editor
        if self._filtering:
            QApplication.instance().removeEventFilter(self)
            self._filtering = False
        had_focus = self.hasFocus()
        self._clear_error()
        self.hide()
        self.setToolTip(EDITOR_HELP)
        previous, self._previous_focus = self._previous_focus, None
        if had_focus and previous is not None and shiboken6.isValid(previous) and previous.isVisible():
            previous.setFocus(Qt.FocusReason.OtherFocusReason)
        if committed is None:
            self.cancelled.emit(ref)
        else:
            self.committed.emit(ref, committed)

    def _show_error(self, message: str) -> None:
        self.setStyleSheet(_INVALID_STYLE)
        self.setProperty("invalid", True)
        label = self.message_label
        label.setText(message)
        label.adjustSize()
        below = QRect(QPoint(self.x(), self.y() + self.height() + 2), label.size())
        parent = self.parentWidget()
        if parent is not None and below.bottom() > parent.height():
            below.moveBottom(self.y() - 2)
        label.move(self._inside_parent(below).topLeft())
        label.show()
        label.raise_()
        self.rejected.emit(message)

    def _clear_error(self) -> None:
        if self.property("invalid"):
            self.setStyleSheet("")
            self.setProperty("invalid", False)
        self.message_label.hide()

    def _inside_parent(self, rect: QRect) -> QRect:
        parent = self.parentWidget()
        if parent is None:
            return rect
        rect = QRect(rect)
        rect.moveLeft(max(0, min(rect.left(), parent.width() - rect.width())))
        rect.moveTop(max(0, min(rect.top(), parent.height() - rect.height())))
        return rect
