"""Square-image views for image inputs (8×8 digits): the sample the network sees, and a neuron's weights.

``PixelWeightsView`` paints a first-layer neuron's incoming weights as the image they are applied to, in
the diverging weight palette: "which pixels matter" and in which direction. ``DigitView`` shows one sample
with the network's class probabilities; OutputView switches to it for image problems. Both draw pixels
nearest-neighbour: an 8×8 image smoothed by bilinear scaling shows strokes that are not in the data.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QLinearGradient, QPainter
from PySide6.QtWidgets import QGraphicsRectItem, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from . import palette
from .math_card import fmt

__all__ = ["DigitView", "PixelWeightsView", "image_side"]

PREDICTED_COLOR, OTHER_COLOR, LABEL_OUTLINE = "#0877bd", "#b8bcc0", "#202124"


def image_side(n_features: int) -> int | None:
    """The side of a square image with ``n_features`` pixels (≥ 4×4), or None."""
    side = math.isqrt(int(n_features))
    return side if side >= 4 and side * side == n_features else None


def _image_box(widget: pg.GraphicsLayoutWidget, row: int = 0, col: int = 0) -> tuple[pg.ViewBox, pg.ImageItem]:
    widget.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # crisp pixels
    vb = widget.addViewBox(row=row, col=col, lockAspect=True, enableMouse=False, enableMenu=False, invertY=True)
    image = pg.ImageItem(axisOrder="row-major")  # row 0 is the image's top row, as the data is stored
    vb.addItem(image)
    # A thin frame: white (no ink, or grey weight 0) pixels at the edge would otherwise melt into the page.
    frame = QGraphicsRectItem()
    frame.setPen(pg.mkPen(palette.NEURON_OUTLINE, width=1, cosmetic=True))
    frame.setZValue(5)
    vb.addItem(frame)
    image.frame = frame
    return vb, image


def _fit(vb: pg.ViewBox, image: pg.ImageItem, side: int) -> None:
    image.frame.setRect(0, 0, side, side)
    vb.setRange(xRange=(0, side), yRange=(0, side), padding=0.03)


class _ScaleBar(QWidget):
    """The diverging palette from −scale to +scale, as the legend of the network canvas draws it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(80, 12)
        self.setMaximumHeight(14)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        r = self.rect().adjusted(0, 1, -1, -2)
        g = QLinearGradient(r.left(), 0, r.right(), 0)
        for t, rgb in ((0.0, palette.NEGATIVE), (0.5, palette.NEUTRAL), (1.0, palette.POSITIVE)):
            g.setColorAt(t, QColor(*rgb))
        p.fillRect(r, g)
        p.setPen(palette.NEURON_OUTLINE)
        p.drawRect(r)
        p.end()


class PixelWeightsView(QWidget):
    """``show_weights(w, title)``: a first-layer neuron's incoming weights as an image, ±max|w| scale."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._rgb = np.zeros((0, 0, 3), np.uint8)
        self._scale = 0.0
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        self.box, self.image = _image_box(self.view)
        self.low, self.high = QLabel(), QLabel()
        scale = QHBoxLayout()
        scale.addWidget(self.low)
        scale.addWidget(_ScaleBar(), 1)
        scale.addWidget(self.high)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        layout.addLayout(scale)
        self.setToolTip(
            "The neuron's incoming weights, one per input pixel. Blue pixels push its z up where the image "
            "has ink, orange ones push it down, grey ones hardly matter. Scale: ± the largest |w|."
        )
        self.show_weights(None, "Select a first-layer neuron to see which pixels it weighs")

    def sizeHint(self) -> QSize:
        return QSize(260, 300)

    def show_weights(self, w: np.ndarray | None, title: str) -> None:
        self.title.setText(title)
        if w is None:
            self.image.clear()
            self._rgb = np.zeros((0, 0, 3), np.uint8)
            self.low.setText("")
            self.high.setText("")
            return
        w = np.asarray(w, dtype=np.float64).ravel()
        side = image_side(w.size)
        if side is None:
            raise ValueError(f"{w.size} weights do not form a square image")
        finite = np.abs(w[np.isfinite(w)])
        # Symmetric: 0 is always grey, so a pixel's colour says its sign even if all weights share one.
        self._scale = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        self._rgb = palette.colors_rgb(w, self._scale).reshape(side, side, 3)
        self.image.setImage(self._rgb, autoLevels=False, levels=(0, 255))
        _fit(self.box, self.image, side)
        self.low.setText(f"−{fmt(self._scale)}")
        self.high.setText(f"+{fmt(self._scale)}")

    def image_rgb(self) -> np.ndarray:
        """(side, side, 3) uint8 colours as drawn, row 0 at the top."""
        return self._rgb.copy()

    def scale(self) -> float:
        return self._scale


class DigitView(QWidget):
    """One image sample, the predicted class, the true label and every class probability as a bar."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._probabilities = np.zeros(0)
        self._label = None
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        self.box, self.image = _image_box(self.view, 0, 0)
        # Ink dark on white, as on paper: value 0 (no ink) is white, 1 is near-black.
        self.image.setLookupTable(np.linspace(255, 32, 256).astype(np.ubyte)[:, None].repeat(3, axis=1))
        self.bars_plot = self.view.addPlot(row=0, col=1)
        item = self.bars_plot
        _style_bars(item)
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7)
        item.addItem(self.bars)
        # The bars need room for ten labelled classes plus an axis; the square image needs less.
        self.view.ci.layout.setColumnStretchFactor(0, 2)
        self.view.ci.layout.setColumnStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)
        self.box.setToolTip("The sample as the network sees it: one input per pixel, 0 (white) to 1 (black).")
        self.setToolTip("The selected sample and the network's probability for each class. The predicted class's "
                        "bar is blue; the true label's bar is outlined.")
        self.caption.setText("Choose a sample to see what the network predicts for it")

    def set_digit(self, image: np.ndarray, probabilities: np.ndarray, label: int, name: str = "") -> None:
        image = np.asarray(image, dtype=np.float64).ravel()
        side = image_side(image.size)
        if side is None:
            raise ValueError(f"{image.size} pixels do not form a square image")
        self.image.setImage(np.nan_to_num(image.reshape(side, side)), autoLevels=False, levels=(0.0, 1.0))
        _fit(self.box, self.image, side)
        p = np.nan_to_num(np.asarray(probabilities, dtype=np.float64).ravel())
        k = np.arange(p.size)
        best = int(np.argmax(p)) if p.size else -1
        self._probabilities, self._label = p, int(label)
        brushes = [pg.mkBrush(PREDICTED_COLOR if i == best else OTHER_COLOR) for i in k]
        pens = [pg.mkPen(LABEL_OUTLINE, width=2.5) if i == label else pg.mkPen(None) for i in k]
        self.bars.setOpts(x=k, height=p, width=0.8, brushes=brushes, pens=pens)
        self.bars_plot.getAxis("bottom").setTicks([[(int(i), str(i)) for i in k]])
        self.bars_plot.setXRange(-0.6, p.size - 0.4, padding=0)
        verdict = "✓" if best == label else "✗"
        colour = "#188038" if best == label else "#d93025"
        prefix = f"{name} · " if name else ""
        self.caption.setText(
            f"{prefix}predicted <b>{best}</b> ({100 * p[best]:.0f}%) · true label <b>{label}</b> "
            f"<span style='color:{colour}'>{verdict}</span>"
        )

    def probabilities(self) -> np.ndarray:
        return self._probabilities.copy()

    def bar_colors(self) -> list[str]:
        return [b.color().name() for b in self.bars.opts["brushes"]]

    def image_data(self) -> np.ndarray | None:
        return None if self.image.image is None else self.image.image.copy()


def _style_bars(item: pg.PlotItem) -> None:
    item.setMouseEnabled(False, False)
    item.setMenuEnabled(False)
    item.hideButtons()
    item.setYRange(0.0, 1.0, padding=0.02)
    item.setLabel("bottom", "class")
    item.setLabel("left", "probability")
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen("#888888")
        axis.setTextPen("#333333")
