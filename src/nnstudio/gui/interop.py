"""Weights and data in and out: Keras / PyTorch weight files, NumPy and PyTorch scripts, CSV data, pictures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QRectF, QSize
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..io.csvdata import write_csv
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
from .commands import SetParametersCommand

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
        try:
            saver(path, self.w.parameters())
        except (WeightFileError, OSError) as exc:
            QMessageBox.warning(self.w, "Cannot export weights", str(exc))
            return False
        self.w.statusBar().showMessage(f"Exported the weights to {path}", 4000)
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
            self.w.load_spec(adopted)
        flat = np.concatenate([np.vstack([W, b[None, :]]).ravel() for W, b in zip(weights[0::2], weights[1::2])])
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
        Path(path).write_text(make(self.w.view_net, d.F_train), encoding="ascii")
        self.w.statusBar().showMessage(f"Wrote {path}", 4000)
        return True

    def export_data_dialog(self):
        path, _ = QFileDialog.getSaveFileName(self.w, "Export data", "data.csv", "CSV (*.csv)")
        if path:
            self.export_data(path)

    def export_data(self, path) -> None:
        d = self.w.snapshot().data
        X = np.vstack([d.X_train, d.X_test])
        y = np.concatenate([d.y_train, d.y_test])
        names = [f"x{i + 1}" for i in range(X.shape[1])]
        write_csv(path, X, y, names, "label" if self.w.snapshot().spec.classification else "y")

    def export_losses_dialog(self):
        path, _ = QFileDialog.getSaveFileName(self.w, "Export loss history", "losses.csv", "CSV (*.csv)")
        if path:
            self.export_losses(path)

    def export_losses(self, path) -> None:
        steps, losses = self.w.loss_plot.train_curve()
        tests = {e.step: e for e in self.w.inside.evaluations}
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("step,train_loss,test_loss,train_accuracy,test_accuracy\n")
            for s, value in zip(steps.tolist(), losses.tolist()):
                e = tests.get(int(s))
                extra = ["" if v is None else repr(v) for v in
                         ((e.test_loss, e.train_accuracy, e.test_accuracy) if e else (None, None, None))]
                f.write(",".join([str(int(s)), repr(value), *extra]) + "\n")

    def export_canvas_dialog(self):
        path, _ = QFileDialog.getSaveFileName(self.w, "Export canvas", "network.png", "PNG (*.png);;SVG (*.svg)")
        if path:
            self.export_canvas(path)

    def export_canvas(self, path) -> bool:
        view = self.w.network_view
        scene = view.scene()
        rect = scene.itemsBoundingRect().adjusted(-20, -20, 20, 20)
        if str(path).lower().endswith(".svg"):
            from PySide6.QtSvg import QSvgGenerator

            gen = QSvgGenerator()
            gen.setFileName(str(path))
            gen.setSize(QSize(int(rect.width()), int(rect.height())))
            gen.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
            gen.setTitle("nnstudio network")
            painter = QPainter(gen)
            scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
            painter.end()
            return True
        return view.viewport().grab().save(str(path))
