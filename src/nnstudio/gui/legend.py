"""What the canvas draws in viewport pixels on top of the scene: neuron labels and the legend.

Both are painted after resetting the painter to device coordinates, so text stays the same legible size
at every zoom and the legend stays in its corner instead of zooming and panning with the network.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QLinearGradient, QPainter, QPainterPath, QPen, QTransform

from . import palette
from .canvas_layout import Layout

LABEL_PX = 13
LEGEND_PX = 11
LEGEND_SIZE = (196, 50)  # px, bottom-right corner
LABEL_GAP = 6  # px between a circle and its label


def label_font(base: QFont, pixel_size: int = LABEL_PX) -> QFont:
    font = QFont(base)
    font.setPixelSize(pixel_size)
    return font


def format_bound(scale: float) -> str:
    return f"{scale:g}"


def draw_labels(painter: QPainter, to_view: QTransform, layout: Layout, inputs: list[str], outputs: list[str],
                font: QFont) -> None:
    """Input labels right-aligned left of the first column, output labels left-aligned right of the last.

    In a dense column only every k-th label is drawn, k chosen so labels never overlap at this zoom."""
    painter.setFont(font)
    painter.setPen(palette.TEXT)
    fm = QFontMetricsF(font)
    h = fm.height()
    scale = to_view.m11()
    for layer, texts, side in ((0, inputs, -1), (len(layout.sizes) - 1, outputs, 1)):
        spacing_px = layout.spacing[layer] * scale
        step = max(1, math.ceil((h + 1) / spacing_px)) if len(texts) > 1 else 1
        x = layout.x[layer] + side * layout.radius[layer]
        for i in range(0, len(texts), step):
            p = to_view.map(QPointF(x, layout.y[layer][i]))
            if side < 0:
                rect = QRectF(p.x() - LABEL_GAP - 400, p.y() - h / 2, 400, h)
                painter.drawText(rect, Qt.AlignRight | Qt.AlignVCenter, texts[i])
            else:
                rect = QRectF(p.x() + LABEL_GAP, p.y() - h / 2, 400, h)
                painter.drawText(rect, Qt.AlignLeft | Qt.AlignVCenter, texts[i])


def legend_rect(viewport: QRectF) -> QRectF:
    w, h = LEGEND_SIZE
    return QRectF(viewport.right() - w - 8, viewport.bottom() - h - 8, w, h)


def draw_legend(painter: QPainter, viewport: QRectF, scale: float, font: QFont) -> None:
    """A bow tie: colour from −scale (orange) through 0 (grey) to +scale (blue), thickness the edge
    width, so one glyph explains both encodings; the same gradient stops as palette.colors_rgb."""
    box = legend_rect(viewport)
    painter.setPen(QPen(palette.NEURON_OUTLINE.lighter(130), 1))
    painter.setBrush(palette.BACKGROUND)
    painter.drawRoundedRect(box, 4, 4)

    font = QFont(font)
    font.setPixelSize(LEGEND_PX)
    painter.setFont(font)
    fm = QFontMetricsF(font)
    pad = 10
    left, right = box.left() + pad, box.right() - pad
    painter.setPen(palette.MUTED_TEXT)
    painter.drawText(QRectF(left, box.top() + 4, right - left, fm.height()), Qt.AlignLeft | Qt.AlignVCenter,
                     "weight / bias  (colour, width)")

    mid_y = box.top() + 4 + fm.height() + 3 + palette.MAX_WIDTH / 2
    centre = (left + right) / 2
    hw_max, hw_min = palette.MAX_WIDTH / 2, palette.MIN_WIDTH / 2
    tie = QPainterPath()
    tie.moveTo(left, mid_y - hw_max)
    tie.lineTo(centre, mid_y - hw_min)
    tie.lineTo(right, mid_y - hw_max)
    tie.lineTo(right, mid_y + hw_max)
    tie.lineTo(centre, mid_y + hw_min)
    tie.lineTo(left, mid_y + hw_max)
    tie.closeSubpath()
    gradient = QLinearGradient(left, 0, right, 0)
    for stop, value in ((0.0, -1.0), (0.5, 0.0), (1.0, 1.0)):
        gradient.setColorAt(stop, palette.qcolor(value, 1.0))
    painter.setPen(QPen(palette.NEURON_OUTLINE, 0.75))  # the grey middle would vanish on white without it
    painter.setBrush(gradient)
    painter.drawPath(tie)

    painter.setPen(palette.TEXT)
    y = mid_y + hw_max + 2
    bound = format_bound(scale)
    ticks = ((left, Qt.AlignLeft, "−" + bound), (centre, Qt.AlignHCenter, "0"), (right, Qt.AlignRight, "+" + bound))
    for x, align, text in ticks:
        w = fm.horizontalAdvance(text) + 2
        x0 = {Qt.AlignLeft: x, Qt.AlignHCenter: x - w / 2, Qt.AlignRight: x - w}[align]
        painter.drawText(QRectF(x0, y, w, fm.height()), align | Qt.AlignTop, text)
