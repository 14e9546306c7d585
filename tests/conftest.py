import os

# Before any Qt import: tests never need a display. The window fits its screen, so give the offscreen one a
# desktop's size (Qt's own is 800×800, narrower than the window can be); test_window_fit tries small screens.
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    try:
        from nnstudio.gui.app import offscreen_platform

        os.environ["QT_QPA_PLATFORM"] = offscreen_platform(1920, 1080)
    except ImportError:  # no Qt here: the engine's tests need no screen
        os.environ["QT_QPA_PLATFORM"] = "offscreen"

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


@pytest.fixture
def open_window(qtbot):
    """Opens MainWindow(spec) as a user sees it: settings at their defaults, shown, first snapshot applied."""
    from PySide6.QtCore import QSettings

    from nnstudio.gui import MainWindow

    def open_(spec=None, **kwargs):
        QSettings("nnstudio", "nnstudio").clear()
        w = MainWindow(spec, **kwargs)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        w.activateWindow()  # shortcuts reach only the active window, and a fresh one is not always active yet
        qtbot.waitUntil(w.isActiveWindow, timeout=3000)
        qtbot.waitUntil(lambda: w.snapshot() is not None)
        return w

    return open_


@pytest.fixture
def window(open_window):
    """The default window (TF Playground's circle, 2-4-2-1), closed after the test."""
    w = open_window()
    yield w
    w.close()
