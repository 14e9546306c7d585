"""OutputView's overlays: the selected sample's ring, a hovered neuron's own map, and the digits page.

Kept apart from output_view.py, which draws the network's output itself; these methods use its items.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF

from .heat_colors import diverging_lut


class OutputOverlays:
    # ---- samples --------------------------------------------------------------------------------
    def _points_clicked(self, which: str, item, points, ev) -> None:
        """The nearest point (in pixels) whose symbol covers the click wins, train or test: pyqtgraph gives
        the click to the top item (the test points) whenever one of its symbols is under it."""
        click = item.mapToScene(ev.pos())
        candidates = []
        for name, scatter in (("train", self.train_points), ("test", self.test_points)):
            if scatter.isVisible():
                covering = points if scatter is item else scatter.pointsAt(scatter.mapFromScene(click))
                candidates += [(_distance2(scatter.mapToScene(p.pos()), click), name, int(p.index()))
                               for p in covering]
        if not candidates:
            return
        _, which, index = min(candidates)
        self.set_selected_sample(which, index)
        self.sampleClicked.emit(which, index)

    def set_selected_sample(self, which: str | None, index: int | None) -> None:
        """Rings the sample (``"train"``/``"test"``, index); None removes the ring."""
        self._selected = None if which is None or index is None else (str(which), int(index))
        if self._image_side is not None:
            self._refresh_digit()
        else:
            self._place_selection()

    def selected_sample(self) -> tuple[str, int] | None:
        """The ringed sample, ("train" | "test", index), or None."""
        return self._selected

    def ring_position(self) -> tuple[float, float] | None:
        """Where the selection ring is drawn, in plot coordinates, read from the ring item; None: no ring."""
        x, y = self.selection.getData()
        if x is None or not len(x) or self._pages.currentWidget() is not self.plot:
            return None
        return float(x[0]), float(y[0])

    def _place_selection(self) -> None:
        pos = self._points.get(self._selected[0]) if self._selected else None
        if pos is None or not 0 <= self._selected[1] < len(pos):
            xy = ([], [])
        else:
            x, y = pos[self._selected[1]]
            xy = ([float(x)], [float(y)])
        self.selection_halo.setData(*xy)
        self.selection.setData(*xy)

    # ---- a neuron's own output -------------------------------------------------------------------
    def set_hover_map(self, values: np.ndarray | None, title: str = "") -> None:
        """Show one neuron's output over grid_points() instead of the network's; None brings it back.

        2-D data: an (h, w) grid, row-major like grid_points(); 1-D data: one value per grid point. Hidden
        neurons have no classes: values are coloured on the weights' diverging scale, orange < 0 < blue,
        clamped at ±max(1, max|value|) so tanh fills its range and a large ReLU output is not all one colour.
        """
        if self._grid is None or self._image_side is not None:
            return
        if values is None:
            if self._hover is None:
                return
            self._hover = None
            self.hover_label.setVisible(False)
            self.hover_curve.setVisible(False)
            self._mode = None  # the hover borrowed the image's LUT and levels
            if len(self._values):
                (self._draw_image if self._dim == 2 else self._draw_curve)(self._values)
            else:
                self.image.setVisible(False)
            return
        v = np.asarray(values, dtype=np.float64).reshape(-1)
        if v.size != len(self._grid):
            raise ValueError(f"a hover map needs {len(self._grid)} values (the grid), got {v.size}")
        self._hover = v
        finite = np.abs(v[np.isfinite(v)])
        scale = max(1.0, float(finite.max()) if finite.size else 1.0)
        if self._dim == 2:
            self.image.setLookupTable(diverging_lut(False), update=False)
            self.image.setLevels((-scale, scale), update=False)
            self._mode = ("hover",)
            np.copyto(self._pixels.reshape(-1), np.nan_to_num(v, nan=0.0))
            self.image.setImage(self._pixels, autoLevels=False)
            self.image.setVisible(True)
        else:
            self.curve.setVisible(False)
            self.hover_curve.setData(self._grid[:, 0], v)
            self.hover_curve.setVisible(True)
        self.hover_label.setText(title)
        self.hover_label.setVisible(bool(title))

    def hover_map(self) -> np.ndarray | None:
        return None if self._hover is None else self._hover.copy()

    # ---- image data --------------------------------------------------------------------------------
    def set_digit(self, image: np.ndarray, probabilities: np.ndarray, label: int) -> None:
        """Image data: the sample's pixels (64,), the network's class probabilities (10,) and the true label."""
        p = np.asarray(probabilities, dtype=np.float64).ravel()
        if p.size == 1:  # one sigmoid output: P(class 1)
            p = np.array([1.0 - p[0], p[0]])
        which, k = self._selected or ("train", None)
        self.digit.set_digit(image, p, int(label), "" if k is None else f"{which} sample {k}")

    def _refresh_digit(self) -> None:
        if not self._selected:
            # An image page is one sample: with none selected, say how to choose one rather than keep the last.
            self.no_picture.setText("No sample selected: choose one in the Sample box to see its image and the "
                                    "network's prediction.")
            self._pages.setCurrentWidget(self.no_picture)
            return
        self._pages.setCurrentWidget(self.digit)
        if self._predict is None:
            return
        which, k = self._selected
        X, y = self._data.get(which, (np.empty((0, self._dim)), np.empty(0)))
        if not 0 <= k < len(X):
            return
        x = X[k : k + 1]
        self.set_digit(x[0], np.asarray(self._predict(x), dtype=np.float64)[0], int(y[k]))


def _distance2(a: QPointF, b: QPointF) -> float:
    return (a.x() - b.x()) ** 2 + (a.y() - b.y()) ** 2
