"""What the network computes: its output over the input plane (2-D data) or its fitted curve (1-D data).

The view never touches a network. It is given raw data once (``set_problem``) and a ``predict`` callable
(``set_predictor``) that maps raw inputs to outputs, so feature transforms and thread-safe parameter
snapshots stay the caller's business. ``refresh()`` evaluates ``predict`` on a grid fixed at
``set_problem`` time and pushes the result into one ``ImageItem`` (or one curve): no per-point Python.

Clicking a data point emits ``sampleClicked``; ``set_hover_map`` borrows the heatmap for one neuron's output
while the canvas hovers it. Image data (8×8 digits) has no plane to paint: the view shows the selected
sample and the predicted class probabilities instead (``DigitView``).

Framing (``view_range``), set by every ``set_problem`` from the data (``data_range``, train and test together):
- 2-D data: a plane centred on the points' box, both axes spanning the box's wider side (equal spans in data
  units) padded by 10 % of it at each end; the heatmap's grid covers exactly this plane;
- 1-D data: x the inputs' range and y the targets' range, each padded by 8 % of its span at each end, both
  stretched to include 0 for regression (the bias is the intercept); the fitted curve may leave the frame,
  the points never do.
An axis whose values are all one value v spans max(|v|, 1) before padding; no points at all: −6…6. Points
drawn after Clear points are not data yet: the plane stays until the trainer has them.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from . import palette
from .heat_colors import diverging_lut, heat_blend, hex_rgb
from .output_overlays import OutputOverlays
from .pixel_weights import DigitView, image_side
from .plot_frame import extent

__all__ = ["OutputView", "class_colors"]

ORANGE, GREY, BLUE, GREEN = "#f59322", "#e8eaeb", "#0877bd", "#5aa02c"
CLASS_COLORS = (ORANGE, BLUE, GREEN, "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")
TEST_OUTLINE = "#222222"
SELECTION_COLOR = "#202124"
SELECTION_SIZE = 20  # px across the selection ring: a data point is 8
GRID_SIZE = 60  # cells per side: 3,600 predictions, ~1 ms even for a 2-8x6-1 net; bilinear display hides cells
CURVE_POINTS = 200
_SHADES = 64  # confidence shades per class for the argmax heatmap


def class_colors(labels: np.ndarray) -> np.ndarray:
    """(n, 3) uint8 fill of each label: 0 orange, 1 blue, 2 green, …"""
    table = np.array([hex_rgb(c) for c in CLASS_COLORS], dtype=np.ubyte)
    return table[np.asarray(labels, int) % len(table)]


def _brushes(colors: np.ndarray) -> list:
    # One QBrush per distinct colour, shared by the points that use it (only at set_problem time).
    cache: dict[tuple, object] = {}
    return [cache.setdefault(key, pg.mkBrush(*key)) for key in map(tuple, colors.tolist())]


def _domain(X: np.ndarray, pad: float, square: bool, include_zero: bool) -> list[tuple[float, float]]:
    """Per-axis (lo, hi) around the data, padded; square makes every axis span the widest one."""
    if len(X) == 0:
        return [(-6.0, 6.0)] * X.shape[1]
    lo, hi = X.min(axis=0).astype(float), X.max(axis=0).astype(float)
    if include_zero:  # 1-D fits: seeing x = 0 and y = 0 shows the bias as the intercept
        lo, hi = np.minimum(lo, 0.0), np.maximum(hi, 0.0)
    span = np.maximum(hi - lo, 1e-9)
    span = np.where(hi - lo > 1e-9, span, np.maximum(np.abs(lo), 1.0))  # a single point still gets room
    if square:
        span[:] = span.max()
    centre = (lo + hi) / 2
    half = span * (0.5 + pad)
    return [(float(c - h), float(c + h)) for c, h in zip(centre, half)]


class OutputView(OutputOverlays, QWidget):
    """Heatmap of the network output over the input plane, or the fitted curve for 1-D data."""

    sampleClicked = Signal(str, int)  # ("train" or "test", index into that set) of a clicked data point

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._points: dict[str, np.ndarray] = {}  # drawn (x, y) of each set's points, for the selection ring
        self._data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._selected: tuple[str, int] | None = None
        self._hover: np.ndarray | None = None
        self._image_side: int | None = None
        self._predict = None
        self._dim = 0
        self._classification = True
        self._n_classes = 2
        self._scale = 1.0  # regression: targets' max |y|, the colour scale's end
        self._grid: np.ndarray | None = None
        self._extent = ((-6.0, 6.0), (-6.0, 6.0))
        self._kept_plane: tuple | None = None
        self._values = np.empty((0, 1))
        self._mode: tuple | None = None  # (kind, discretize) the image's LUT/levels were built for
        self._show_test = True
        self._discretize = False

        self.plot = pg.PlotWidget(background="w")
        item = self.plot.getPlotItem()
        # Dragging or wheel-zooming a heatmap of a fixed grid only confuses; the view frames the data itself.
        item.setMouseEnabled(False, False)
        item.setMenuEnabled(False)
        item.hideButtons()
        # Room above and to the right: tick labels at the view's edge are centred on it and would be cut.
        item.setContentsMargins(2, 8, 10, 2)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen("#888888")
            axis.setTextPen("#333333")
            axis.enableAutoSIPrefix(False)  # "x1 (x0.001)" under ticks 100…300 hides the data's own numbers
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.curve = pg.PlotDataItem(pen=pg.mkPen(ORANGE, width=3), connect="finite", antialias=True)
        self.curve.setZValue(10)  # the fit is what moves when a weight changes: keep it above the points
        self.train_points = pg.ScatterPlotItem(size=8, pen=pg.mkPen("w", width=1.2))
        self.test_points = pg.ScatterPlotItem(size=8, pen=pg.mkPen(TEST_OUTLINE, width=1.5))
        # The selected sample: a dark ring on a white halo, wider than a point and above everything, so it
        # reads on both the orange and the blue field and never looks like a test point's outline.
        self.selection_halo = pg.ScatterPlotItem(size=SELECTION_SIZE, brush=None, pen=pg.mkPen("w", width=5))
        self.selection = pg.ScatterPlotItem(size=SELECTION_SIZE, brush=None, pen=pg.mkPen(SELECTION_COLOR, width=2.5))
        self.selection_halo.setZValue(19)
        self.selection.setZValue(20)
        for ring in (self.selection_halo, self.selection):
            ring.setEnabled(False)  # pyqtgraph skips disabled items: a click on a ringed point reaches the point
        self.hover_curve = pg.PlotDataItem(pen=pg.mkPen(palette.MUTED_TEXT, width=3), connect="finite")
        self.hover_curve.setZValue(10)
        self.hover_label = pg.TextItem("", color="#202124", fill=pg.mkBrush(255, 255, 255), anchor=(0, 0))
        self.hover_label.setZValue(30)
        for it in (self.image, self.curve, self.train_points, self.test_points, self.selection_halo, self.selection,
                   self.hover_curve, self.hover_label):
            item.addItem(it)
        self.hover_curve.setVisible(False)
        self.hover_label.setVisible(False)
        self.train_points.sigClicked.connect(lambda it, pts, ev: self._points_clicked("train", it, pts, ev))
        self.test_points.sigClicked.connect(lambda it, pts, ev: self._points_clicked("test", it, pts, ev))
        self.plot.setToolTip("The network's output over the input plane. Click a data point to follow it "
                             "through the network (a ring marks it); hover a neuron to see its own output here.")
        self.digit = DigitView()

        self._test_box = QCheckBox("Show test data")
        self._test_box.setChecked(True)
        self._test_box.toggled.connect(self.set_show_test)
        self._discrete_box = QCheckBox("Discretize output")
        self._discrete_box.toggled.connect(self.set_discretize)
        self._boxes = QWidget()
        boxes = QHBoxLayout(self._boxes)
        boxes.setContentsMargins(0, 0, 0, 0)
        boxes.addWidget(self._test_box)
        boxes.addWidget(self._discrete_box)
        boxes.addStretch(1)
        self._smooth(True)
        self._pages = QStackedWidget()
        self._pages.addWidget(self.plot)
        self._pages.addWidget(self.digit)
        self.no_picture = QLabel()
        self.no_picture.setAlignment(Qt.AlignCenter)
        self.no_picture.setWordWrap(True)
        self._pages.addWidget(self.no_picture)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._pages, 1)
        layout.addWidget(self._boxes)

    def sizeHint(self) -> QSize:
        # PlotWidget asks for 600x480; stacked in a side panel that would push a main window past a laptop
        # screen. Ask for a square-ish plot plus the checkbox row; layouts may still grow it.
        return QSize(400, 430)

    # ---- data ---------------------------------------------------------------------------------
    def set_problem(self, X_train, y_train, X_test, y_test, *, classification: bool, n_classes: int) -> None:
        """Raw data, (N, 1) or (N, 2), or square images (N, 64); frames the view and fixes the prediction grid."""
        X_train, X_test = (np.asarray(a, float) for a in (X_train, X_test))
        y_train, y_test = np.asarray(y_train).ravel(), np.asarray(y_test).ravel()
        X_test = X_test.reshape(-1, X_train.shape[1]) if X_test.size == 0 else X_test
        self._dim = X_train.shape[1]
        self._image_side = image_side(self._dim) if self._dim > 2 else None
        self._data = {"train": (X_train, y_train), "test": (X_test, y_test)}
        if self._dim not in (1, 2) and self._image_side is None:
            # Nothing to draw in a plane: say so instead of guessing a projection.
            self.no_picture.setText(f"This data has {self._dim} input columns: the output panel draws 1-D and 2-D "
                                    "inputs and 8×8 images. The canvas, the maths and the loss plot show the rest.")
            self._pages.setCurrentWidget(self.no_picture)
            self._boxes.setVisible(False)
            self._grid = None
            self._selected = None
            self._points = {}  # no ring either: nothing is drawn to put it on
            self._place_selection()
            return
        self._hover = None
        self.hover_label.setVisible(False)
        self.hover_curve.setVisible(False)
        if self._selected and self._selected[1] >= len(self._data[self._selected[0]][1]):
            self._selected = None
        self._classification = bool(classification)
        self._n_classes = max(2, int(n_classes)) if classification else 0
        targets = np.concatenate((y_train, y_test)).astype(float)
        finite = targets[np.isfinite(targets)]
        self._scale = float(np.abs(finite).max()) if finite.size and np.abs(finite).max() > 0 else 1.0
        self._mode = None
        self._values = np.empty((0, 1))
        item = self.plot.getPlotItem()
        image = self._image_side is not None
        self._pages.setCurrentWidget(self.digit if image else self.plot)
        self._boxes.setVisible(not image)  # test points and discretizing mean nothing for one image
        if image:
            # No grid: refresh() then predicts only the selected sample, never a 64-D "heatmap".
            self._grid = None
            self._selected = self._selected or ("train", 0)
            self.image.setVisible(False)
            self.curve.setVisible(False)
            return
        if self._dim == 2:
            self._setup_plane(X_train, y_train, X_test, y_test)
        else:
            self._setup_line(X_train, y_train, X_test, y_test)
        item.setLabel("bottom", "x1" if self._dim == 2 else "x")
        item.setLabel("left", "x2" if self._dim == 2 else "y")
        # No refresh here: the current predictor may belong to the previous problem (another input
        # dimension or feature set); the heatmap / curve reappears at the next set_predictor or refresh.

    def _point_brushes(self, y: np.ndarray) -> list:
        if self._classification:
            return _brushes(class_colors(y))
        return _brushes(palette.colors_rgb(y, self._scale))

    def keep_plane(self, extent: tuple[tuple[float, float], tuple[float, float]] | None) -> None:
        """Frame later 2-D data on at least this plane ((x0, x1), (y0, y1)), as when points are drawn by hand:
        the plane they are drawn on must not shrink to their own box. None: frame the data alone."""
        self._kept_plane = None if extent is None else tuple((float(a), float(b)) for a, b in extent)

    def kept_plane(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """The plane kept for hand-drawn points (see keep_plane), or None."""
        return self._kept_plane

    def plane_extent(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """((x0, x1), (y0, y1)) of the 2-D plane the heatmap covers, or None with no plane."""
        return self._extent if self._dim == 2 and self._grid is not None else None

    def _setup_plane(self, X_train, y_train, X_test, y_test) -> None:
        X = np.vstack((X_train, X_test))
        if self._kept_plane is not None:  # the corners of the kept plane count as data for the framing
            (k0, k1), (l0, l1) = self._kept_plane
            X = np.vstack((X, [[k0, l0], [k1, l1]]))
            pad = 0.0
        else:
            pad = 0.1
        (x0, x1), (y0, y1) = self._extent = _domain(X, pad, square=True, include_zero=False)
        n = GRID_SIZE
        self._grid = self.plane_grid(n)
        self._pixels = np.zeros((n, n))
        # setRect scales by the image's shape, so an image of the final shape must be there first;
        # it stays hidden until refresh() has real values for it.
        self.image.setImage(self._pixels, autoLevels=False, levels=(0.0, 1.0))
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.image.setVisible(False)
        self.curve.setVisible(False)
        self.train_points.setData(pos=X_train, brush=self._point_brushes(y_train))
        # White rims vanish on the pale regression field, where many targets are near 0 (grey).
        self.train_points.setPen(pg.mkPen("w" if self._classification else "#8c8c8c", width=1.2))
        self.test_points.setData(pos=X_test, brush=self._point_brushes(y_test))
        self.test_points.setPen(pg.mkPen(TEST_OUTLINE, width=1.5))
        self._points = {"train": X_train, "test": X_test}
        self._place_selection()
        self.hover_label.setPos(x0, y1)
        vb = self.plot.getPlotItem().getViewBox()
        vb.setAspectLocked(True, 1.0)  # the plane keeps its shape in any panel: a circle stays a circle
        vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _setup_line(self, X_train, y_train, X_test, y_test) -> None:
        data = np.vstack((np.column_stack((X_train[:, 0], y_train)), np.column_stack((X_test[:, 0], y_test))))
        (x0, x1), (y0, y1) = _domain(data, 0.08, square=False, include_zero=not self._classification)
        self._grid = np.linspace(x0, x1, CURVE_POINTS)[:, None]
        self.image.setVisible(False)
        self.curve.setVisible(False)
        if self._classification:
            train_brush, test_brush = self._point_brushes(y_train), self._point_brushes(y_test)
        else:
            train_brush, test_brush = pg.mkBrush(BLUE), pg.mkBrush("w")
        self.train_points.setData(x=X_train[:, 0], y=y_train.astype(float), brush=train_brush)
        self.train_points.setPen(pg.mkPen("w", width=1.2))
        self.test_points.setData(x=X_test[:, 0], y=y_test.astype(float), brush=test_brush)
        # Hollow test points: the outline carries the colour so train and test differ at a glance.
        self.test_points.setPen(pg.mkPen(TEST_OUTLINE if self._classification else BLUE, width=1.5))
        self._points = {"train": np.column_stack((X_train[:, 0], y_train)),
                        "test": np.column_stack((X_test[:, 0], y_test))}
        self._place_selection()
        self.hover_label.setPos(x0, y1)
        vb = self.plot.getPlotItem().getViewBox()
        vb.setAspectLocked(False)  # x and y are different quantities here
        # Fixed to the data, not the curve: a wild curve is clipped instead of squashing the points.
        vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def set_predictor(self, predict) -> None:
        self._predict = predict
        self.refresh()

    # ---- drawing ------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self._image_side is not None:
            self._refresh_digit()
            return
        if self._predict is None or self._grid is None:
            return
        out = np.asarray(self._predict(self._grid), dtype=np.float64)
        self._values = out.reshape(len(self._grid), -1)
        if self._hover is not None:
            return  # a neuron's map is on show; these outputs come back when the hover ends
        if self._dim == 2:
            self._draw_image(self._values)
        else:
            self._draw_curve(self._values)

    def _scalar(self, out: np.ndarray) -> np.ndarray:
        """The one number per point that a two-class or regression output is coloured / plotted by."""
        return out[:, 1] if self._classification and out.shape[1] == 2 else out[:, 0]

    def _draw_image(self, out: np.ndarray) -> None:
        kind = ("argmax" if out.shape[1] >= 3 else "prob") if self._classification else "signed"
        if self._mode != (kind, self._discretize):
            self._configure_image(kind, out.shape[1])
        pixels = self._pixels.reshape(-1)
        if kind == "argmax":
            k = out.shape[1]
            p = np.nan_to_num(out, nan=0.0)
            best = p.argmax(axis=1)
            if self._discretize:
                shade = np.full(len(p), _SHADES - 1)
            else:  # confidence 1/k (a coin toss) is grey, 1 is the full class colour
                conf = np.clip((p.max(axis=1) - 1 / k) / (1 - 1 / k), 0.0, 1.0)
                shade = np.round(conf * (_SHADES - 1))
            np.add(best * _SHADES, shade + 0.5, out=pixels)  # +0.5: the LUT floors, land mid-entry
        else:
            centre = 0.5 if kind == "prob" else 0.0
            # NaN would be transparent in an ImageItem; a diverged network shows as neutral grey instead.
            np.copyto(pixels, np.nan_to_num(self._scalar(out), nan=centre))
        self.image.setImage(self._pixels, autoLevels=False)
        self.image.setVisible(True)

    def _configure_image(self, kind: str, n_out: int) -> None:
        if kind == "argmax":
            rows = []
            for k in range(n_out):
                full = hex_rgb(CLASS_COLORS[k % len(CLASS_COLORS)])
                t = np.linspace(0.0, 1.0, _SHADES)[:, None]
                rows.append(hex_rgb(GREY) + (full - hex_rgb(GREY)) * t)
            lut, levels = heat_blend(np.vstack(rows)), (0.0, float(n_out * _SHADES))
        else:
            lut = diverging_lut(self._discretize)
            levels = (0.0, 1.0) if kind == "prob" else (-self._scale, self._scale)
        self.image.setLookupTable(lut, update=False)
        self.image.setLevels(levels, update=False)
        self._mode = (kind, self._discretize)

    def _draw_curve(self, out: np.ndarray) -> None:
        if self._classification and out.shape[1] >= 3:
            y = out.argmax(axis=1).astype(float)
        else:
            y = self._scalar(out)
            if self._discretize:
                y = (y > (0.5 if self._classification else 0.0)).astype(float)
        self.curve.setData(self._grid[:, 0], y)
        self.curve.setVisible(True)

    def _smooth(self, on: bool) -> None:
        # Bilinear scaling turns the 60x60 cells into a smooth field (as the playground's scaled canvas
        # looks) at no cost to refresh(); off when discretized, whose point is two crisp tones.
        self.plot.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, on)

    # ---- options ------------------------------------------------------------------------------
    @property
    def show_test(self) -> bool:
        return self._show_test

    @show_test.setter
    def show_test(self, on: bool) -> None:
        self.set_show_test(on)

    def set_show_test(self, on: bool) -> None:
        self._show_test = bool(on)
        self._test_box.setChecked(self._show_test)  # re-enters via toggled only when it changes
        self.test_points.setVisible(self._show_test)

    @property
    def discretize(self) -> bool:
        return self._discretize

    @discretize.setter
    def discretize(self, on: bool) -> None:
        self.set_discretize(on)

    def set_discretize(self, on: bool) -> None:
        if bool(on) == self._discretize:
            return
        self._discretize = bool(on)
        self._discrete_box.setChecked(self._discretize)
        self._smooth(not self._discretize)
        if len(self._values) and self._hover is None:
            # Redraw from the stored outputs: toggling must not call predict (the net may be mid-step).
            (self._draw_image if self._dim == 2 else self._draw_curve)(self._values)

    def plane_grid(self, n: int) -> np.ndarray:
        """Centres of an n×n grid over the plane this view shows (2-D data), row-major over (y, x) so values
        reshape straight into an image; the neuron maps use it so they cover what the heatmap covers."""
        (x0, x1), (y0, y1) = self._extent
        xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
        ys = y0 + (np.arange(n) + 0.5) * (y1 - y0) / n
        gx, gy = np.meshgrid(xs, ys)
        return np.column_stack((gx.ravel(), gy.ravel()))

    def data_range(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """((x0, x1), (y0, y1)) of the data set last (train and test): x1 × x2 for 2-D data, input × target
        for 1-D data; None when the view draws no plane (images, other input counts, no data)."""
        if self._dim not in (1, 2) or self._image_side is not None or not self._data:
            return None
        X = np.vstack((self._data["train"][0], self._data["test"][0]))
        if len(X) == 0:
            return None
        if self._dim == 2:
            return extent(X[:, 0]), extent(X[:, 1])
        return extent(X[:, 0]), extent(np.concatenate((self._data["train"][1], self._data["test"][1])))

    def view_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """((x0, x1), (y0, y1)) the plot shows, in the data's units."""
        (x0, x1), (y0, y1) = self.plot.getPlotItem().getViewBox().viewRange()
        return (float(x0), float(x1)), (float(y0), float(y1))

    # ---- inspection ---------------------------------------------------------------------------
    def grid_points(self) -> np.ndarray:
        """Raw inputs the view predicts on: (M, 2) cell centres row-major over (x2, x1), or (M, 1)."""
        return np.empty((0, max(self._dim, 1))) if self._grid is None else self._grid.copy()

    def grid_values(self) -> np.ndarray:
        """The last ``predict`` output on ``grid_points()``, shape (M, n_out)."""
        return self._values.copy()

