"""Record an animated GIF of training (canvas beside the output panel) between two steps, from the history.

Each frame asks the trainer to show a past step (seek), waits for that snapshot, and grabs the two views;
Pillow writes the GIF. A progress dialog shows the frames and can cancel; the window goes back to live after.
"""

from __future__ import annotations

import importlib.util
import time

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QProgressDialog

from ..io import atomic_write
from .actions import _action

MAX_FRAMES = 300


def pillow_available() -> bool:
    return importlib.util.find_spec("PIL") is not None


class GifRecorder(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.action = _action(window, "actionRecordGif", "Record GIF…", [],
                              "An animated GIF of the canvas and the output between two steps", self.record_dialog)
        if not pillow_available():
            self.action.setEnabled(False)
            self.action.setToolTip("Recording a GIF needs Pillow: pip install \"nnstudio[gif]\"")
        window.file_menu.insertAction(window.actionQuit, self.action)
        window.file_menu.insertSeparator(window.actionQuit)

    def record_dialog(self):
        live = self.w.step_count()
        if live < 2:
            QMessageBox.information(self.w, "Record GIF", "Train a few steps first: the GIF replays them.")
            return
        first, ok = QInputDialog.getInt(self.w, "Record GIF", "From step:", 0, 0, live - 1)
        if not ok:
            return
        last, ok = QInputDialog.getInt(self.w, "Record GIF", "To step:", live, first + 1, live)
        if not ok:
            return
        frames, ok = QInputDialog.getInt(self.w, "Record GIF", "Frames:", min(60, last - first + 1), 2, MAX_FRAMES)
        if not ok:
            return
        path, _ = QFileDialog.getSaveFileName(self.w, "Save GIF", "training.gif", "GIF (*.gif)")
        if path:
            self.record(path, first, last, frames)

    def record(self, path, first: int, last: int, frames: int, frame_ms: int = 80) -> bool:
        """Returns False when cancelled or failed (nothing is written then)."""

        steps = np.unique(np.linspace(first, last, max(2, frames)).round().astype(int))
        progress = QProgressDialog("Recording frames…", "Cancel", 0, len(steps), self.w)
        progress.setWindowTitle("Record GIF")
        progress.setMinimumDuration(0)
        images = []
        try:
            for k, step in enumerate(steps):
                if progress.wasCanceled():
                    return False
                progress.setValue(k)
                progress.setLabelText(f"Step {step:,} ({k + 1} of {len(steps)})")
                self._show_step(int(step))
                images.append(self._grab())
            progress.setValue(len(steps))
            with atomic_write(path) as f:  # a failing disk leaves no half GIF, and an old file whole
                images[0].save(f, format="GIF", save_all=True, append_images=images[1:], duration=frame_ms,
                               loop=0, optimize=False)
        except (OSError, TimeoutError) as exc:
            QMessageBox.warning(self.w, "Record GIF", f"The GIF was not written:\n\n{exc}")
            return False
        finally:
            progress.close()
            self.w.trainer.seek(self.w.snapshot().step)  # back to live
        self.w.statusBar().showMessage(f"Wrote {len(images)} frames to {path}", 5000)
        return True

    def _show_step(self, step: int, timeout: float = 10.0):
        """Seek and wait for the trainer's answer: a new snapshot showing that step (or the live one)."""
        before = self.w.snapshot()
        live = before.step
        self.w.trainer.seek(step)
        end = time.monotonic() + timeout
        while True:
            snap = self.w.snapshot()
            if snap is not before and (snap.viewing is not None and snap.viewing <= step
                                       or snap.viewing is None and step >= live):
                break
            if time.monotonic() > end:
                raise TimeoutError(f"step {step} did not arrive from the trainer")
            self.w._poll()
            QCoreApplication.processEvents()
            time.sleep(0.002)
        self.w._refresh_output()
        QCoreApplication.processEvents()

    def _grab(self):
        from PIL import Image

        canvas = self.w.network_view.viewport().grab().toImage()
        output = self.w.output_view.grab().toImage()
        h = max(canvas.height(), output.height())
        frame = QImage(canvas.width() + output.width(), h, QImage.Format_RGB32)
        frame.fill(0xFFFFFFFF)
        painter = QPainter(frame)
        painter.drawImage(0, 0, canvas)
        painter.drawImage(canvas.width(), 0, output)
        painter.end()
        frame = frame.convertToFormat(QImage.Format_RGB888)
        array = np.frombuffer(frame.constBits(), np.uint8, frame.sizeInBytes()).reshape(h, frame.bytesPerLine())
        rgb = array[:, : frame.width() * 3].reshape(h, frame.width(), 3).copy()
        return Image.fromarray(rgb).quantize(colors=128)
