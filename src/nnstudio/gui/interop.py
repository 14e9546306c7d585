"""Weights and data in and out: Keras / PyTorch weight files, NumPy and PyTorch scripts, CSV data, pictures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QIODevice, QObject, QRectF, QSize
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..engine import ParamLayout
from ..io import atomic_write
from ..io.csvdata import CsvError, write_csv
from ..io.weights import (
    WeightFileError,
    check_shapes,
    load_weights,
    numpy_script,
    save_keras_npz,
    save_torch_npz,
    save_torch_pt,
    sizes_of,
    torch_script,
)
from .actions import _action
from .edit_commands import SetParametersCommand

WEIGHT_FILTERS = {
    "Keras weights, get_weights() order (*.npz)": save_keras_npz,
    "PyTorch state_dict as NumPy (*.npz)": save_torch_npz,
    "PyTorch state_dict (*.pt)": save_torch_pt,
}


class InteropController(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        w = window
        menu = w.file_menu
        first = w.actionQuit
        self.actionImportWeights = _action(w, "actionImportWeights", "Import weights…", [],
                                           "Load Keras or PyTorch weights into the network (undoable)",
                                           self.import_weights_dialog)
        self.actionExportWeights = _action(w, "actionExportWeights", "Export weights…", [],
                                           "Save the weights for Keras (set_weights) or PyTorch (load_state_dict)",
                                           self.export_weights_dialog)
        self.actionExportNumpy = _action(w, "actionExportNumpy", "Export NumPy script…", [],
                                         "A standalone script that rebuilds this network and prints its predictions",
                                         lambda: self.export_script("numpy"))
        self.actionExportTorch = _action(w, "actionExportTorch", "Export PyTorch script…", [],
                                         "The same network as a torch.nn.Sequential script",
                                         lambda: self.export_script("torch"))
        self.actionExportData = _action(w, "actionExportData", "Export data (CSV)…", [],
                                        "Save the training and test points as CSV", self.export_data_dialog)
        self.actionExportLosses = _action(w, "actionExportLosses", "Export loss history (CSV)…", [],
                                          "Every step's train loss, and the test loss and accuracy",
                                          self.export_losses_dialog)
        self.actionExportCanvas = _action(w, "actionExportCanvas", "Export canvas picture…", [],
                                          "The network drawing as PNG or SVG", self.export_canvas_dialog)
        for act in (self.actionImportWeights, self.actionExportWeights, self.actionExportNumpy, self.actionExportTorch,
                    None, self.actionExportData, self.actionExportLosses, self.actionExportCanvas, None):
            if act is None:
                menu.insertSeparator(first)
            else:
                menu.insertAction(first, act)

    # ---- weights ---------------------------------------------------------------------------------
    def export_weights_dialog(self):
        path, chosen = QFileDialog.getSaveFileName(self.w, "Export weights", "weights.npz", ";;".join(WEIGHT_FILTERS))
        if path:
            self.export_weights(path, WEIGHT_FILTERS.get(chosen, save_keras_npz))

    def export_weights(self, path, saver=save_keras_npz) -> bool:
        return self._export(path, "Cannot export weights", lambda: saver(path, self.w.parameters()),
                            f"Exported the weights to {path}")

    def _export(self, path, title: str, write, done: str | None = None) -> bool:
        """Runs ``write()`` (which writes ``path`` with atomic_write, so a failure leaves the old file whole and no
        partial one) and says how it went: a message box on failure, the status bar on success."""
        try:
            write()
        except (OSError, WeightFileError, CsvError) as exc:
            QMessageBox.warning(self.w, title, f"{Path(path).name} was not written:\n\n{exc}")
            return False
        self.w.statusBar().showMessage(done or f"Wrote {path}", 4000)
        return True

    def import_weights_dialog(self):
        path, _ = QFileDialog.getOpenFileName(self.w, "Import weights", "",
                                              "Weights (*.npz *.pt *.pth);;All files (*)")
        if path:
            self.import_weights(path)

    def import_weights(self, path, adopt: bool | None = None) -> bool:
        """Load a weight file; a different architecture is adopted only when the user agrees (or adopt=True)."""
        try:
            weights = load_weights(path)
        except (WeightFileError, OSError) as exc:
            QMessageBox.warning(self.w, "Cannot import weights", f"{Path(path).name}:\n\n{exc}")
            return False
        spec = self.w.snapshot().spec
        try:
            check_shapes(weights, spec.sizes)
        except WeightFileError as exc:
            sizes = sizes_of(weights)
            if sizes[0] != spec.sizes[0] or sizes[-1] != spec.sizes[-1]:
                QMessageBox.warning(self.w, "Cannot import weights",
                                    f"{exc}\n\nThe file's network has {sizes[0]} inputs and {sizes[-1]} outputs; "
                                    f"this problem needs {spec.sizes[0]} and {spec.sizes[-1]}.")
                return False
            if adopt is None:
                adopt = QMessageBox.question(
                    self.w, "Different architecture",
                    f"{exc}\n\nAdopt the file's architecture ({' → '.join(map(str, sizes))})? "
                    "The network is rebuilt with the file's weights.") == QMessageBox.Yes
            if not adopt:
                return False
            adopted = spec.replace(hidden=tuple(sizes[1:-1]))
            try:
                adopted.validate()  # the panel's bounds: a network it could not build is not built from a file
            except ValueError as exc:
                QMessageBox.warning(self.w, "Cannot import weights",
                                    f"{Path(path).name}: the file's network ({' → '.join(map(str, sizes))}) "
                                    f"cannot be built here: {exc}.")
                return False
            try:
                self.w.load_spec(adopted)
            except TimeoutError as exc:
                QMessageBox.warning(self.w, "Cannot import weights", f"{Path(path).name} was not imported: {exc}.")
                return False
        flat = ParamLayout(sizes_of(weights)).join(weights)  # the file's own architecture, adopted or not
        old = np.array(self.w.snapshot().params)
        command = SetParametersCommand(self.w.apply_all_parameters, old, flat, f"import {Path(path).name}",
                                       self.w.snapshot().generation)
        self.w.undo_stack.push(command)
        self.w.statusBar().showMessage(f"Imported the weights of {Path(path).name} (Ctrl+Z undoes it)", 5000)
        return True

    # ---- scripts, data, losses, pictures ---------------------------------------------------------
    def export_script(self, kind: str, path=None) -> bool:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.w, "Export script", f"network_{kind}.py", "Python (*.py)")
            if not path:
                return False
        d = self.w.snapshot().data
        make = numpy_script if kind == "numpy" else torch_script
        text = make(self.w.view_net, d.F_train)
        return self._export(path, "Cannot export script", lambda: _write_text(path, text, "ascii"))

    def export_data_dialog(self):
        path, _ = QFileDialog.getSaveFileName(self.w, "Export data", "data.csv", "CSV (*.csv)")
        if path:
            self.export_data(path)

    def export_data(self, path) -> bool:
        d = self.w.snapshot().data
        X = np.vstack([d.X_train, d.X_test])
        y = np.concatenate([d.y_train, d.y_test])
        names = [f"x{i + 1}" for i in range(X.shape[1])]
        target = "label" if self.w.snapshot().spec.classification else "y"
        return self._export(path, "Cannot export data", lambda: write_csv(path, X, y, names, target))

    def export_losses_dialog(self):
        path, _ = QFileDialog.getSaveFileName(self.w, "Export loss history", "losses.csv", "CSV (*.csv)")
        if path:
            self.export_losses(path)

    def export_losses(self, path) -> bool:
        steps, losses = self.w.loss_plot.train_curve()
        tests = {e.step: e for e in self.w.inside.evaluations}
        lines = ["step,train_loss,test_loss,train_accuracy,test_accuracy\n"]
        for s, value in zip(steps.tolist(), losses.tolist()):
            e = tests.get(int(s))
            extra = ["" if v is None else repr(v) for v in
                     ((e.test_loss, e.train_accuracy, e.test_accuracy) if e else (None, None, None))]
            lines.append(",".join([str(int(s)), repr(value), *extra]) + "\n")
        return self._export(path, "Cannot export loss history", lambda: _write_text(path, "".join(lines), "utf-8"))

    def export_canvas_dialog(self):
        path, _ = QFileDialog.getSaveFileName(self.w, "Export canvas", "network.png", "PNG (*.png);;SVG (*.svg)")
        if path:
            self.export_canvas(path)

    def export_canvas(self, path) -> bool:
        svg = str(path).lower().endswith(".svg")
        data = self._canvas_svg() if svg else self._canvas_png()
        if data is None:
            QMessageBox.warning(self.w, "Cannot export canvas", f"{Path(path).name}: Qt could not draw the picture.")
            return False
        return self._export(path, "Cannot export canvas", lambda: _write_bytes(path, data))

    def _canvas_png(self) -> bytes | None:
        """The canvas as it is on screen, PNG-encoded in memory (Qt writing the file itself would not be atomic)."""
        buffer = QBuffer()
        buffer.open(QIODevice.WriteOnly)
        ok = self.w.network_view.viewport().grab().save(buffer, "PNG")
        return bytes(buffer.data()) if ok else None

    def _canvas_svg(self) -> bytes | None:
        from PySide6.QtSvg import QSvgGenerator

        scene = self.w.network_view.scene()
        rect = scene.itemsBoundingRect().adjusted(-20, -20, 20, 20)
        buffer = QBuffer()
        buffer.open(QIODevice.WriteOnly)
        gen = QSvgGenerator()
        gen.setOutputDevice(buffer)
        gen.setSize(QSize(int(rect.width()), int(rect.height())))
        gen.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
        gen.setTitle("nnstudio network")
        painter = QPainter(gen)
        scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
        painter.end()
        return bytes(buffer.data()) or None


def _write_text(path, text: str, encoding: str) -> None:
    with atomic_write(path, "w", encoding=encoding, newline="") as f:
        f.write(text)


def _write_bytes(path, data: bytes) -> None:
    with atomic_write(path) as f:
        f.write(data)
