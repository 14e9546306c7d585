"""The training keys (Space, S, R, …) reach the window's actions wherever the focus is, except in a text field.

Qt first offers a key to the focused widget as a ShortcutOverride event, and a widget that accepts it gets
the key instead of the window's shortcut. A spin box accepts every printable key for its line edit, so
Space, S and R did nothing while the batch-size or Sample box had the focus. A filter on each widget that
takes the focus keeps those keys for the window; text fields (the value editor, any QLineEdit or text edit,
an editable combo box) keep every key, because there a space or an "s" is being typed. Navigation keys (the
arrows, Home, End, …) stay with the widget that uses them: → still moves a slider, and S steps everywhere.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

_NAVIGATION = {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home,
               Qt.Key.Key_End, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Tab, Qt.Key.Key_Backtab}


def is_text_field(widget: QWidget) -> bool:
    """A widget in which keys type text, so no key of it may be taken for a shortcut."""
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    return isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit))


class TrainingKeys(QObject):
    """Keeps the single-key shortcuts of ``actions`` for ``window``, whichever of its widgets has the focus."""

    def __init__(self, window: QWidget, actions) -> None:
        super().__init__(window)
        self._window = window
        self._keys = {seq[0].toCombined() for act in actions for seq in act.shortcuts()
                      if seq.count() == 1 and seq[0].key() not in _NAVIGATION}
        QApplication.instance().focusChanged.connect(self._focus_changed)

    def claims(self, widget: QWidget, event: QKeyEvent) -> bool:
        """True when ``event``, sent to ``widget``, is a training key the window keeps."""
        return event.keyCombination().toCombined() in self._keys and not is_text_field(widget)

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and new.window() is self._window and not is_text_field(new):
            new.installEventFilter(self)  # installing it again only moves it to the front

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Filtered but not accepted: the widget never sees the override, and Qt triggers the window's action.
        return (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and isinstance(watched, QWidget) and self.claims(watched, event))
