"""The loss along one parameter, every other parameter held fixed: what gradient descent "sees".

The curve is L(θ) over ``LossSlice.values``; the dot is where θ is now, the dashed line the tangent whose
slope is the gradient, and the hollow marker where one plain gradient step (θ − η·∂L/∂θ) would move it.
A click picks a new value: the view only emits ``valueChosen``; the main window turns it into an undoable
edit, so the slice never mutates a network itself.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnstudio.engine.inspect import LossSlice

from .math_card import fmt

__all__ = ["LossSliceView"]

CURVE_COLOR, CURRENT_COLOR, TANGENT_COLOR, NEXT_COLOR = "#202124", "#0877bd", "#f59322", "#0877bd"
_EMPTY = (np.empty(0), np.empty(0))


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

        finite = y[np.isfinite(y)]
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
        else:
            lo, hi = (s.loss - 1, s.loss + 1) if np.isfinite(s.loss) else (0.0, 1.0)
        if hi - lo < 1e-12:
            lo, hi = lo - 0.5 * max(abs(lo), 1e-3), hi + 0.5 * max(abs(hi), 1e-3)
        pad = 0.06 * (hi - lo)
        y0, y1 = lo - pad, hi + pad
        x_all = np.concatenate((x, [s.current, s.next_value]))
        x_all = x_all[np.isfinite(x_all)]
        x0, x1 = (float(x_all.min()), float(x_all.max())) if x_all.size else (-1.0, 1.0)
        if x1 - x0 < 1e-12:
            x0, x1 = x0 - 1.0, x1 + 1.0

        self._tangent = _tangent_segment(s.current, s.loss, s.gradient, x0, x1, y0, y1)
        self.tangent.setData(*self._tangent)
        self._current = (float(s.current), float(s.loss))
        self._next = (float(s.next_value), self._loss_at(s.next_value, y0, y1))
        # Labels above the markers and on opposite sides, "next step" on the side the step goes, so they
        # never sit on top of each other however small the step is.
        forward = not s.next_value < s.current
        self.now_text.setAnchor((1.1, 1.0) if forward else (-0.1, 1.0))
        self.next_text.setAnchor((-0.1, 1.0) if forward else (1.1, 1.0))
        self._place(self.current_dot, self.now_text, self._current)
        self._place(self.next_dot, self.next_text, self._next)
        self.vline.setPos(s.current)
        self.vline.setVisible(bool(np.isfinite(s.current)))
        item.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)
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
        self.plot.getPlotItem().setTitle("Click a weight or bias to see the loss along it", color="#5f6368",
                                         size="10pt")
        self.info.setText("")

    def current_slice(self) -> LossSlice | None:
        return self._slice

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

    def _clicked(self, ev) -> None:
        if self._slice is None or ev.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.plot.getPlotItem().getViewBox()
        scene_pos = ev.scenePos()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return  # a click on an axis or the title is not a choice of value
        ev.accept()
        self.valueChosen.emit(float(vb.mapSceneToView(QPointF(scene_pos)).x()))


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
