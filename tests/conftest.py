import os

# Before any Qt import: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _isolated_qt_settings():
    """QSettings and QStandardPaths go to a throw-away test location, never the user's."""
    try:
        from PySide6.QtCore import QStandardPaths
    except ImportError:
        yield
        return
    QStandardPaths.setTestModeEnabled(True)
    yield


@pytest.fixture(autouse=True)
def _answer_unsaved_changes_with_discard(monkeypatch):
    """Closing a window with unsaved work asks Save / Discard / Cancel; tests answer Discard unless they
    install their own answer (the list records every question asked)."""
    try:
        from PySide6.QtWidgets import QMessageBox

        import nnstudio.gui.files as files
    except ImportError:
        yield []
        return
    asked = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(title)
        return QMessageBox.Discard

    monkeypatch.setattr(files.QMessageBox, "question", staticmethod(question))
    yield asked
