"""Data of the user's own: a CSV import (File and Data menus) and points added by clicking the output panel.

Shift+click on the output plane adds a class-1 (blue) point, Ctrl+click a class-0 (orange) one, as in
ConvNetJS's 2-D demo. Every added point turns the data into custom data (the current train and test points
plus the new one) applied with ``trainer.set_spec``; the network's shape does not change, so it keeps its
weights and goes on learning the new point. "Remove added points" brings back the data from before.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from ..training.problem import COLUMNS, CUSTOM, CustomData, ProblemSpec
from .actions import _action
from .csv_dialog import CsvImportDialog

__all__ = ["DataController", "ADD_POINTS_HINT", "features_for"]

ADD_POINTS_HINT = "Shift+click adds a blue (class 1) point, Ctrl+click an orange (class 0) one."
POINTS_SUFFIX = " + points"
_ADD_MODIFIERS = {Qt.ShiftModifier: 1, Qt.ControlModifier: 0}


def features_for(n_columns: int) -> tuple[str, ...]:
    """Inputs of imported data: x1 for one column, x1 and x2 for two, every column otherwise."""
    return ("x1",) if n_columns == 1 else ("x1", "x2") if n_columns == 2 else COLUMNS


class DataController(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = w = window
        self._original: ProblemSpec | None = None  # the spec before the first added point
        self._latest: CustomData | None = None  # the data with the points added so far
        self._awaiting: CustomData | None = None  # sent to the trainer, not yet back in a snapshot
        self._drawn: tuple[list, list] | None = None  # after Clear points: points drawn, not yet both classes
        self._drawn_on: tuple | None = None  # the data settings Clear points was chosen on
        self._cleared = False  # the added points started from an empty plane

        self.actionImportData = _action(w, "actionImportData", "Import data (CSV)…", [],
                                        "Train on your own data: a CSV file with input columns and a target",
                                        self.import_data_dialog)
        self.actionClearPoints = _action(w, "actionClearPoints", "Remove added points", [],
                                         "Go back to the data as it was before points were added by clicking",
                                         self.remove_added_points)
        self.actionClearPoints.setEnabled(False)
        self.actionClearAllPoints = _action(w, "actionClearAllPoints", "Clear points", [],
                                            "Start from an empty plane and draw your own points "
                                            "(2-D classification)", self.clear_points)
        self.actionAddPointsHelp = _action(w, "actionAddPointsHelp", "How to add points", [], ADD_POINTS_HINT,
                                           self.show_hint)
        w.file_menu.insertAction(w.actionQuit, self.actionImportData)
        w.file_menu.insertSeparator(w.actionQuit)
        self.data_menu = w.menuBar().addMenu("&Data")
        self.data_menu.setObjectName("dataMenu")
        self.data_menu.addAction(self.actionImportData)
        self.data_menu.addSeparator()
        self.data_menu.addActions([self.actionClearAllPoints, self.actionClearPoints, self.actionAddPointsHelp])

        plot = w.output_view.plot
        plot.setToolTip(f"{plot.toolTip()} {ADD_POINTS_HINT}")
        self._viewport = plot.viewport()
        self._viewport.installEventFilter(self)
        self._swallow_release = False

    # ---- importing ------------------------------------------------------------------------------
    def import_data_dialog(self) -> None:
        dialog = CsvImportDialog(self.w)
        if dialog.exec() == QDialog.Accepted:
            self.apply_data(dialog.result_data())

    def apply_data(self, data: CustomData) -> None:
        """Train on ``data``: its column count picks the features; output and loss follow from its task."""
        spec = self.w.snapshot().spec.replace(dataset=CUSTOM, custom=data, features=features_for(data.X.shape[1]),
                                              output_activation=None, loss=None)
        self._forget_points()
        self.w.trainer.set_spec(spec)
        n, d = data.X.shape
        task = f"classification into {data.n_classes} classes" if data.classification else "regression"
        self.w.statusBar().showMessage(
            f"Imported {data.name}: {n:,} sample{'s' if n != 1 else ''}, {d} input column{'s' if d != 1 else ''}, "
            f"{task}", 8000)

    # ---- adding points ----------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        if obj is not self._viewport:
            return False
        kind = event.type()
        if kind == QEvent.MouseButtonRelease and self._swallow_release:
            self._swallow_release = False
            return True
        if kind not in (QEvent.MouseButtonPress, QEvent.MouseButtonDblClick) or event.button() != Qt.LeftButton:
            return False
        mods = event.modifiers() & (Qt.ShiftModifier | Qt.ControlModifier)
        label = _ADD_MODIFIERS.get(mods)
        if label is None:
            return False  # plain clicks select samples; Shift+Ctrl is nobody's
        plot = self.w.output_view.plot
        scene = plot.mapToScene(event.position().toPoint())
        vb = plot.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(scene):
            return False
        self._swallow_release = True
        if kind == QEvent.MouseButtonPress:
            p = vb.mapSceneToView(scene)
            self.add_point(p.x(), p.y(), label)
        return True

    # ---- an empty plane ----------------------------------------------------------------------------
    def clear_points(self) -> bool:
        """An empty plane (ConvNetJS-style): the trainer keeps the old data until both classes have a point."""
        spec = self.w.snapshot().spec
        if not spec.classification or spec.input_dim != 2:
            self.w.statusBar().showMessage("Clear points works on 2-D classification data.", 6000)
            return False
        self.w._pause_ui()
        self._drawn, self._drawn_on = ([], []), spec.data_config()
        self._cleared = True
        self.w.output_view.keep_plane(self.w.output_view.plane_extent())
        self.w.inside.clear_sample()  # its point is no longer drawn
        self._show_drawn()
        self.w.statusBar().showMessage(f"Points cleared. {ADD_POINTS_HINT} Training starts once both classes "
                                       "have a point.")
        return True

    def training_blocked(self) -> bool:
        """True while the plane was cleared and not both classes have a point yet (Play and Step wait)."""
        if self._drawn is None:
            return False
        self.w.statusBar().showMessage(f"Add a point of each class first. {ADD_POINTS_HINT}", 6000)
        return True

    def _show_drawn(self):
        X, y = self._drawn
        view = self.w.output_view
        labels = np.asarray(y, dtype=np.int64)
        view.train_points.setData(pos=np.asarray(X, dtype=float).reshape(-1, 2), brush=view._point_brushes(labels))
        view.test_points.setData(pos=np.empty((0, 2)))

    def _draw_point(self, spec, x, y, label) -> bool:
        X, labels = self._drawn
        X.append([float(x), float(y)])
        labels.append(int(label))
        self._show_drawn()
        if len(set(labels)) < 2:
            self.w.statusBar().showMessage(f"{len(labels)} point(s) drawn; add one of the other class to train.", 6000)
            return True
        self._drawn = None
        return self._apply_points(spec.replace(train_fraction=1.0), np.array(X), np.array(labels, dtype=np.int64))

    def add_point(self, x: float, y: float, label: int) -> bool:
        """Add one sample at raw inputs (x, y) of class ``label`` to 2-D classification data."""
        snap = self.w.snapshot()
        if snap is None:
            return False
        spec, d = snap.spec, snap.data
        if self._drawn is not None:
            return self._draw_point(spec, x, y, label)
        if not spec.classification or spec.input_dim != 2:
            kind = "classification" if spec.classification else "regression"
            self.w.statusBar().showMessage(
                f"Points can be added to 2-D classification data only; this is {spec.input_dim}-D {kind} data.", 6000)
            return False
        if self._latest is not None:  # points were added: build on them in their order (also if still on the way)
            X_old, y_old = self._latest.X, self._latest.y
        else:
            X_old, y_old = np.vstack((d.X_train, d.X_test)), np.concatenate((d.y_train, d.y_test))
        X = np.vstack((X_old, [[float(x), float(y)]]))
        labels = np.concatenate((np.asarray(y_old, dtype=np.int64), [int(label)]))
        self.w.output_view.keep_plane(self.w.output_view.plane_extent())  # a point at the edge grows the plane
        return self._apply_points(spec, X, labels)

    def _apply_points(self, spec: ProblemSpec, X: np.ndarray, y: np.ndarray) -> bool:
        label = int(y[-1])
        current = spec.custom
        name = current.name if current is not None else spec.dataset
        if not name.endswith(POINTS_SUFFIX):
            name += POINTS_SUFFIX
        try:
            data = CustomData(X, y, True, name=name, class_names=current.class_names if current is not None else None)
        except ValueError as exc:
            self.w.statusBar().showMessage(f"Not added: {exc}", 6000)
            return False
        if self._original is None:
            self._original = spec
        new_spec = spec.replace(dataset=CUSTOM, custom=data)
        self._latest = self._awaiting = data
        self.actionClearPoints.setEnabled(True)
        self.w.trainer.set_spec(new_spec)
        colour = "blue" if label == 1 else "orange"
        self.w.statusBar().showMessage(
            f"Added a {colour} (class {label}) point at ({X[-1, 0]:.3g}, {X[-1, 1]:.3g}); "
            f"{self.added_count()} added so far.", 4000)
        return True

    def added_count(self) -> int:
        """How many points were added since the data was last chosen or imported."""
        if self._original is None or self._latest is None:
            return 0
        d = self._original
        before = 0 if self._cleared else len(d.custom.y) if d.custom is not None else d.n_samples
        return len(self._latest.y) - before

    def remove_added_points(self) -> None:
        """Back to the data from before the first added point; every other setting stays as it is now."""
        if self._original is None:
            return
        o = self._original
        spec = self.w.snapshot().spec.replace(dataset=o.dataset, custom=o.custom, n_samples=o.n_samples,
                                              noise=o.noise, data_seed=o.data_seed)
        self._forget_points()
        self.w.trainer.set_spec(spec)
        self.w.statusBar().showMessage("Removed the added points.", 4000)

    def _forget_points(self) -> None:
        self._original = self._latest = self._awaiting = self._drawn = self._drawn_on = None
        self._cleared = False
        self.w.output_view.keep_plane(None)
        self.actionClearPoints.setEnabled(False)

    def before_apply(self, snap) -> None:
        """Called by the window before it shows ``snap``, so that data changed elsewhere is framed on its own,
        not on the plane kept for the points (which goes with them)."""
        if self._drawn is not None and snap.spec.data_config() != self._drawn_on:
            self._forget_points()  # another dataset was chosen before both classes were drawn
            return
        custom = snap.spec.custom
        if self._awaiting is not None:
            if custom == self._awaiting:
                self._awaiting = None
            return
        if self._original is not None and custom != self._latest:
            self._forget_points()  # the data was changed elsewhere (the side panel, a project): points are gone

    def show_hint(self) -> None:
        self.w.statusBar().showMessage(ADD_POINTS_HINT, 8000)
        QMessageBox.information(self.w, "Adding points", ADD_POINTS_HINT)
