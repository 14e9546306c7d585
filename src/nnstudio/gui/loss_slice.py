"""The loss along one parameter, every other parameter held fixed: what gradient descent "sees".

The curve is L(θ) over ``LossSlice.values``; the dot is where θ is now, the dashed line the tangent whose
slope is the gradient, and the hollow marker where one plain gradient step (θ − η·∂L/∂θ) would move it.
A click picks a new value: the view only emits ``valueChosen``; the main window turns it into an undoable
edit, so the slice never mutates a network itself.

Framing (``view_range``), set by every ``show_slice`` from the slice itself (``data_range``): the parameter
axis spans the values tried, the current value and the next step's, padded by 2 % of that span; the loss axis
spans the finite losses, padded by 5 % (a flat slice at L gets L ± max(|L|, 1) / 2). With no slice (``clear``,
as after a new network) the plot shows −1…1 × 0…1.

The labels "now" and "next step" sit diagonally off or beside their markers, clear of both markers, of each
other and of the plot's edges; the placement is chosen again whenever the plot is resized.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, QSizeF, Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnstudio.engine.inspect import LossSlice

from .math_card import fmt
from .plot_frame import extent, frame, show_range

__all__ = ["LossSliceView"]

CURVE_COLOR, CURRENT_COLOR, TANGENT_COLOR, NEXT_COLOR = "#202124", "#0877bd", "#f59322", "#0877bd"
_EMPTY = (np.empty(0), np.empty(0))
VALUE_PAD, LOSS_PAD = 0.02, 0.05  # shares of the data's span left free at each end of the axes
NO_SLICE = ((-1.0, 1.0), (0.0, 1.0))  # the frame of an empty plot
MARKER_CLEAR_PX = 10  # labels stay out of the square of this half-size around each marker (ring radius 8 + pen)


class LossSliceView(QWidget):
    valueChosen = Signal(float)  # the parameter value under a click on the plot

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._slice: LossSlice | None = None
        self._curve = self._tangent = _EMPTY
        self._current = self._next = None

        self.plot = pg.PlotWidget(background="w")
        item = self.plot.getPlotItem()
        # A click means "set θ here": dragging would pan instead, and a panned slice hides the curve.
        item.setMouseEnabled(False, False)
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setContentsMargins(2, 4, 12, 2)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen("#888888")
            axis.setTextPen("#333333")
            axis.enableAutoSIPrefix(False)  # "loss (x0.001)" reads as another quantity
        item.setLabel("left", "loss")
        self.curve = item.plot(pen=pg.mkPen(CURVE_COLOR, width=2), connect="finite", antialias=True)
        self.tangent = item.plot(pen=pg.mkPen(TANGENT_COLOR, width=2, style=Qt.PenStyle.DashLine))
        self.vline = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(CURRENT_COLOR, style=Qt.PenStyle.DashLine))
        item.addItem(self.vline)
        # The next-step ring is larger than the current dot and drawn under it: a tiny step still shows both.
        self.next_dot = pg.ScatterPlotItem(size=16, brush=pg.mkBrush("w"), pen=pg.mkPen(NEXT_COLOR, width=2))
        self.current_dot = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(CURRENT_COLOR), pen=pg.mkPen("w", width=1))
        for z, it in ((10, self.next_dot), (12, self.current_dot)):
            it.setZValue(z)
            item.addItem(it)
        self.next_text = pg.TextItem("next step", color=NEXT_COLOR)
        self.now_text = pg.TextItem("now", color=CURRENT_COLOR)
        for it in (self.next_text, self.now_text):
            it.setZValue(11)
            item.addItem(it)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        item.getViewBox().sigResized.connect(self._place_labels)
        self.plot.setToolTip(
            "Loss L as this one parameter varies, every other parameter fixed.\n"
            "Blue dot: its value now. Orange dashes: the tangent, slope ∂L/∂θ.\n"
            "Hollow dot: where one gradient step (θ − learning rate × slope) would move it.\n"
            "Click anywhere on the plot to set the parameter to that value."
        )
        self.info = QLabel()  # two fixed lines, no word wrap: a wrapped label can be laid out too short
        self.info.setToolTip("θ is the parameter; one plain gradient step moves it by −learning rate × slope.")
        self.info.setContentsMargins(4, 0, 4, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.info)
        self.clear()

    def sizeHint(self) -> QSize:
        return QSize(420, 300)

    # ---- API ------------------------------------------------------------------------------------
    def show_slice(self, s: LossSlice, label: str) -> None:
        self._slice = s
        item = self.plot.getPlotItem()
        item.setTitle(label, color="#202124", size="10pt")
        kind = next((w for w in label.split() if w in ("weight", "bias")), "parameter")
        item.setLabel("bottom", f"{kind} value")

        x = np.asarray(s.values, dtype=np.float64)
        y = np.asarray(s.losses, dtype=np.float64)
        y = np.where(np.isfinite(y), y, np.nan)  # inf would stretch the axis to nothing: a gap instead
        self._curve = (x, y)
        self.curve.setData(x, y)

        (x0, x1), (y0, y1) = self._frame_of(s)
        self._tangent = _tangent_segment(s.current, s.loss, s.gradient, x0, x1, y0, y1)
        self.tangent.setData(*self._tangent)
        self._current = (float(s.current), float(s.loss))
        self._next = (float(s.next_value), self._loss_at(s.next_value, y0, y1))
        self._place(self.current_dot, self.now_text, self._current)
        self._place(self.next_dot, self.next_text, self._next)
        self.vline.setPos(s.current)
        self.vline.setVisible(bool(np.isfinite(s.current)))
        show_range(item.getViewBox(), (x0, x1), (y0, y1))
        self._place_labels()
        self.info.setText(
            f"θ now <b>{fmt(s.current)}</b> · loss {fmt(s.loss)} · slope ∂L/∂θ {fmt(s.gradient)}<br>"
            f"next step: θ − {fmt(s.learning_rate)} × slope = <b>{fmt(s.next_value)}</b>"
        )

    def clear(self) -> None:
        self._slice = None
        self._curve = self._tangent = _EMPTY
        self._current = self._next = None
        for it in (self.curve, self.tangent):
            it.setData([], [])
        for it in (self.current_dot, self.next_dot):
            it.setData([], [])
        for it in (self.vline, self.next_text, self.now_text):
            it.setVisible(False)
        item = self.plot.getPlotItem()
        item.setTitle("Click a weight or bias to see the loss along it", color="#5f6368", size="10pt")
        item.setLabel("bottom", "parameter value")
        show_range(item.getViewBox(), *NO_SLICE)
        self.info.setText("")

    def current_slice(self) -> LossSlice | None:
        return self._slice

    def data_range(self) -> tuple[tuple[float, float], tuple[float, float] | None] | None:
        """((lowest, highest parameter value), (lowest, highest finite loss)) of the slice shown, or None.

        The values are those tried plus the current one and the next step's; the losses' range is None if
        none is finite."""
        s = self._slice
        if s is None:
            return None
        return extent(s.values, [s.current, s.next_value]), extent(s.losses)

    def view_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """((x0, x1), (y0, y1)) shown: parameter value × loss."""
        (x0, x1), (y0, y1) = self.plot.getPlotItem().getViewBox().viewRange()
        return (float(x0), float(x1)), (float(y0), float(y1))

    def _frame_of(self, s: LossSlice) -> tuple[tuple[float, float], tuple[float, float]]:
        values = extent(s.values, [s.current, s.next_value])
        losses = extent(s.losses)
        if losses is None and np.isfinite(s.loss):
            losses = (float(s.loss), float(s.loss))
        return (frame(values, pad=VALUE_PAD, empty=NO_SLICE[0]),
                frame(losses, pad=LOSS_PAD, empty=NO_SLICE[1]))

    # ---- for tests --------------------------------------------------------------------------------
    def curve_data(self) -> tuple[np.ndarray, np.ndarray]:
        return self._curve[0].copy(), self._curve[1].copy()

    def tangent_data(self) -> tuple[np.ndarray, np.ndarray]:
        return self._tangent[0].copy(), self._tangent[1].copy()

    def current_marker_pos(self) -> tuple[float, float] | None:
        return self._current

    def next_marker_pos(self) -> tuple[float, float] | None:
        return self._next

    # ---- internals --------------------------------------------------------------------------------
    def _loss_at(self, value: float, y0: float, y1: float) -> float:
        """L at ``value`` read off the sampled curve; past its ends, the tangent's prediction (clipped)."""
        x, y = self._curve
        ok = np.isfinite(y)
        s = self._slice
        if ok.sum() >= 2 and x[ok][0] <= value <= x[ok][-1]:
            return float(np.interp(value, x[ok], y[ok]))
        return float(np.clip(s.loss + s.gradient * (value - s.current), y0, y1))

    @staticmethod
    def _place(dot, text, pos) -> None:
        ok = all(np.isfinite(pos))
        dot.setData([pos[0]] if ok else [], [pos[1]] if ok else [])
        text.setVisible(ok)
        if ok:
            text.setPos(*pos)

    def _place_labels(self, *_) -> None:
        """Anchor "now" and "next step" at the pair of spots around their markers that overlaps least.

        Also a slot of the view's sigResized (called from inside a C++ resize): it checks instead of raising.
        """
        if self._current is None or self._next is None:
            return
        vb = self.plot.getPlotItem().getViewBox()
        box = vb.sceneBoundingRect()
        points = [p if all(np.isfinite(p)) else None for p in (self._current, self._next)]
        if box.width() < 1 or box.height() < 1 or points[0] is None:
            return
        centres = [None if p is None else vb.mapViewToScene(QPointF(*p)) for p in points]
        markers = [_square(c, MARKER_CLEAR_PX) for c in centres if c is not None]
        # "next step" goes on the side the step goes, "now" on the other: apart however small the step is.
        forward = points[1] is None or not self._next[0] < self._current[0]
        sides = (-1, 1) if forward else (1, -1)
        texts = (self.now_text, self.next_text)
        sizes = [t.textItem.boundingRect().size() for t in texts]
        options = [_spots(c, text, side, room) if c is not None else [None]
                   for c, text, side, room in zip(centres, texts, sides, sizes[::-1])]
        best, best_cost = None, None
        for i, a in enumerate(options[0]):
            for j, b in enumerate(options[1]):
                labels = [r for r in (a, b) if r is not None]
                cost = sum(_outside(r, box) for r in labels) + sum(_overlap(r, m) for r in labels for m in markers)
                if len(labels) == 2:
                    cost += _overlap(a, b)
                key = (round(cost), i + j)  # whole px²: touching rects leave rounding slivers
                if best_cost is None or key < best_cost:
                    best, best_cost = (a, b), key
        for text, centre, rect in zip(texts, centres, best):
            if rect is not None:
                text.setAnchor(((centre.x() - rect.left()) / rect.width(), (centre.y() - rect.top()) / rect.height()))

    def _clicked(self, ev) -> None:
        if self._slice is None or ev.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.plot.getPlotItem().getViewBox()
        scene_pos = ev.scenePos()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return  # a click on an axis or the title is not a choice of value
        ev.accept()
        self.valueChosen.emit(float(vb.mapSceneToView(QPointF(scene_pos)).x()))


def _square(centre: QPointF, half: float) -> QRectF:
    return QRectF(centre.x() - half, centre.y() - half, 2 * half, 2 * half)


def _spots(centre: QPointF, text: pg.TextItem, side: int, room: QSizeF) -> list[QRectF]:
    """Scene rects the label may take around its marker, best first: on its own ``side`` (−1 left, +1
    right) above, below and beside the marker; then leaving ``room`` (the other label's size) between it and
    the marker, further up, down or out; then the same on the other side."""
    r = text.textItem.boundingRect()
    w, h, d = max(r.width(), 1.0), max(r.height(), 1.0), MARKER_CLEAR_PX
    cx, cy = centre.x(), centre.y()
    up, down = cy - d - h, cy + d  # diagonal spots: a corner of the label touches the marker's square
    spots = []
    for s in (side, -side):
        near = cx + d if s > 0 else cx - d - w
        beside = cx + d + 2 if s > 0 else cx - d - 2 - w
        out = near + s * (room.width() + 4)
        spots += [QRectF(near, up, w, h), QRectF(near, down, w, h), QRectF(beside, cy - h / 2, w, h),
                  QRectF(near, up - room.height() - 2, w, h), QRectF(near, down + room.height() + 2, w, h),
                  QRectF(out, up, w, h), QRectF(out, down, w, h)]
    return spots


def _overlap(a: QRectF, b: QRectF) -> float:
    r = a.intersected(b)
    return r.width() * r.height() if r.isValid() else 0.0


def _outside(r: QRectF, box: QRectF) -> float:
    return r.width() * r.height() - _overlap(r, box)


def _tangent_segment(x_c, y_c, g, x0, x1, y0, y1) -> tuple[np.ndarray, np.ndarray]:
    """The line y = y_c + g·(x − x_c) cut to the box [x0, x1] × [y0, y1] (empty if it misses it)."""
    if not all(np.isfinite(v) for v in (x_c, y_c, g)):
        return _EMPTY
    if g == 0:
        if not y0 <= y_c <= y1:
            return _EMPTY
        lo, hi = x0, x1
    else:
        # x where the line crosses y0 and y1, in increasing order, intersected with [x0, x1].
        a, b = sorted((x_c + (y0 - y_c) / g, x_c + (y1 - y_c) / g))
        lo, hi = max(x0, a), min(x1, b)
        if lo > hi:
            return _EMPTY
    xs = np.array([lo, hi])
    ys = np.clip(y_c + g * (xs - x_c), y0, y1)
    return xs, ys
