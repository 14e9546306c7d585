"""Recording an animated GIF of training between two steps, from the step history."""

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog

PIL = pytest.importorskip("PIL.Image")


@pytest.fixture
def window(window, qtbot):
    """The default window after 400 steps, so there is history to replay."""
    window.trainer.step(400)
    qtbot.waitUntil(lambda: window.step_count() == 400, timeout=10000)
    return window


def test_gif_frames_replay_the_steps_and_the_window_returns_to_live(qtbot, window, tmp_path):
    path = tmp_path / "training.gif"
    assert window.gif.record(path, 0, 400, 9)
    image = PIL.open(path)
    assert image.n_frames == 9
    first = np.asarray(image.convert("RGB"))
    image.seek(8)
    last = np.asarray(image.convert("RGB"))
    assert first.shape == last.shape and np.abs(first.astype(int) - last.astype(int)).sum() > 0  # it moved
    qtbot.waitUntil(lambda: window.snapshot().viewing is None)  # back to live afterwards
    assert window.step_count() == 400


def test_cancelling_writes_nothing(qtbot, window, tmp_path):
    path = tmp_path / "cancelled.gif"

    def cancel():
        dialog = next((w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()),
                      None)
        if dialog is None:
            QTimer.singleShot(20, cancel)
        else:
            dialog.cancel()

    QTimer.singleShot(50, cancel)
    assert not window.gif.record(path, 0, 400, 200)
    assert not path.exists()
