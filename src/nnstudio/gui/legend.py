"""What the canvas draws in viewport pixels on top of the scene: neuron labels and the legend.

Both are painted after resetting the painter to device coordinates, so text stays the same legible size
at every zoom and the legend stays in its corner instead of zooming and panning with the network.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QLinearGradient, QPainter, QPainterPath, QPen, QTransform

from . import palette
from .canvas_layout import Layout
from .edge_modes import WEIGHT, title_of

LABEL_PX = 13
LEGEND_PX = 11
LEGEND_SIZE = (196, 50)  # px, bottom-right corner
LABEL_GAP = 6  # px between a circle and its label
PAD = 10  # px inside a legend box
ROW_H = 13  # px per neuron-legend row
ROW_PAD = 4
BAR_W, BAR_H = 44, 8


def label_font(base: QFont, pixel_size: int = LABEL_PX) -> QFont:
    font = QFont(base)
    font.setPixelSize(pixel_size)
    return font


def format_bound(scale: float) -> str:
    return f"{scale:g}"


def draw_labels(painter: QPainter, to_view: QTransform, layout: Layout, inputs: list[str], outputs: list[str],
                font: QFont) -> None:
    """Input labels right-aligned left of the first column, output labels left-aligned right of the last.

    In a dense column only every k-th label is drawn, k chosen so labels never overlap at this zoom. An input
    grid gets one caption under it instead ("input 8×8")."""
    painter.setFont(font)
    painter.setPen(palette.TEXT)
    fm = QFontMetricsF(font)
    h = fm.height()
    scale = to_view.m11()
    columns = [(0, inputs, -1), (len(layout.sizes) - 1, outputs, 1)]
    if layout.grid is not None:
        columns = columns[1:]
        x, y, w, gh = layout.grid_rect()
        p = to_view.map(QPointF(x + w / 2, y + gh))
        painter.setPen(palette.MUTED_TEXT)
        painter.drawText(QRectF(p.x() - 200, p.y() + 4, 400, h), Qt.AlignHCenter | Qt.AlignTop,
                         f"input {layout.grid[0]}×{layout.grid[1]}")
        painter.setPen(palette.TEXT)
    for layer, texts, side in columns:
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


def caption_rect(viewport: QRectF, text: str, base: QFont) -> QRectF:
    """Where draw_caption puts `text`: a box at the viewport's top left."""
    fm = QFontMetricsF(label_font(base))
    w = min(fm.horizontalAdvance(text) + 2 * PAD, max(viewport.width() - 16, 0.0))
    return QRectF(viewport.left() + 8, viewport.top() + 8, w, fm.height() + 8)


def draw_caption(painter: QPainter, viewport: QRectF, text: str, base: QFont) -> None:
    """The canvas's mode in words (a sub-step phase…), boxed like the legend so it never reads as a label."""
    box = caption_rect(viewport, text, base)
    font = label_font(base)
    painter.setFont(font)
    painter.setPen(QPen(palette.NEURON_OUTLINE.lighter(130), 1))
    painter.setBrush(palette.BACKGROUND)
    painter.drawRoundedRect(box, 4, 4)
    painter.setPen(palette.TEXT)
    shown = QFontMetricsF(font).elidedText(text, Qt.ElideRight, box.width() - 2 * PAD)
    painter.drawText(box.adjusted(PAD, 0, -PAD, 0), Qt.AlignLeft | Qt.AlignVCenter, shown)


class LegendRow(NamedTuple):
    """One line of the neuron legend: what an encoding shows, and its colour bar from `low` to `high`."""

    label: str
    low: str
    high: str
    stops: tuple[QColor, ...]  # evenly spaced along the bar


def diverging_row(label: str, scale: float) -> LegendRow:
    bound = format_bound(scale)
    return LegendRow(label, "−" + bound, "+" + bound, tuple(palette.qcolor(v, 1.0) for v in (-1.0, 0.0, 1.0)))


def positive_row(label: str, scale: float) -> LegendRow:
    """Values that are never negative (sigmoid, ReLU): grey at 0 to blue at `scale`."""
    return LegendRow(label, "0", format_bound(scale), (palette.qcolor(0.0, 1.0), palette.qcolor(1.0, 1.0)))


def unit_row(label: str) -> LegendRow:
    """Values in [0, 1] mapped 0 → orange, ½ → grey, 1 → blue (a sigmoid output)."""
    return LegendRow(label, "0", "1", tuple(palette.qcolor(v, 1.0) for v in (-1.0, 0.0, 1.0)))


def grey_row(label: str, top: float) -> LegendRow:
    return LegendRow(label, "0", format_bound(top), (palette.BACKGROUND, palette.TEXT))


class Legend:
    """Bottom-right, in viewport pixels: what the edges show (title, bow tie, scale), and to its left one row
    per neuron encoding in use (fill, δ ring, thumbnails, input pixels)."""

    def __init__(self):
        self.title = title_of(WEIGHT)
        self.scale = palette.MIN_SCALE
        self.emphasised = False  # edges show something other than the weights: say so loudly
        self.rows: list[LegendRow] = []

    def _fonts(self, base: QFont) -> tuple[QFont, QFont]:
        font = QFont(base)
        font.setPixelSize(LEGEND_PX)
        title = QFont(font)
        title.setBold(self.emphasised)
        return font, title

    def _title_text(self) -> str:
        return f"{self.title}  (colour, width)"

    def rects(self, viewport: QRectF, base: QFont) -> list[QRectF]:
        """The main box, then (if any rows) the neuron box."""
        font, title_font = self._fonts(base)
        w, h = LEGEND_SIZE
        w = max(w, QFontMetricsF(title_font).horizontalAdvance(self._title_text()) + 2 * PAD)
        w = min(w, max(viewport.width() - 16, LEGEND_SIZE[0]))
        main = QRectF(viewport.right() - w - 8, viewport.bottom() - h - 8, w, h)
        if not self.rows:
            return [main]
        fm = QFontMetricsF(font)
        label_w = max(fm.horizontalAdvance(r.label) for r in self.rows)
        tick_w = max(fm.horizontalAdvance(t) for r in self.rows for t in (r.low, r.high))
        rw = 2 * PAD + label_w + 2 * (tick_w + 4) + BAR_W + 6
        rh = 2 * ROW_PAD + len(self.rows) * ROW_H
        box = QRectF(main.left() - 8 - rw, main.bottom() - rh, rw, rh)
        if box.left() < 8:  # too narrow side by side: stack above the main box
            box.moveTo(main.right() - rw, main.top() - 8 - rh)
        return [main, box]

    def contains(self, viewport: QRectF, base: QFont, point: QPointF, margin: float = 0.0) -> bool:
        return any(r.adjusted(-margin, -margin, margin, margin).contains(point) for r in self.rects(viewport, base))

    def draw(self, painter: QPainter, viewport: QRectF, base: QFont) -> None:
        rects = self.rects(viewport, base)
        font, title_font = self._fonts(base)
        for box in rects:
            painter.setPen(QPen(palette.NEURON_OUTLINE.lighter(130), 1))
            painter.setBrush(palette.BACKGROUND)
            painter.drawRoundedRect(box, 4, 4)
        self._draw_edges(painter, rects[0], font, title_font)
        if len(rects) > 1:
            self._draw_rows(painter, rects[1], font)

    def _draw_edges(self, painter: QPainter, box: QRectF, font: QFont, title_font: QFont) -> None:
        """A bow tie: colour from −scale (orange) through 0 (grey) to +scale (blue), thickness the edge
        width, so one glyph explains both encodings; the same gradient stops as palette.colors_rgb."""
        fm = QFontMetricsF(font)
        left, right = box.left() + PAD, box.right() - PAD
        painter.setFont(title_font)
        painter.setPen(palette.TEXT if self.emphasised else palette.MUTED_TEXT)
        title = QFontMetricsF(title_font).elidedText(self._title_text(), Qt.ElideRight, right - left)
        painter.drawText(QRectF(left, box.top() + 4, right - left, fm.height()), Qt.AlignLeft | Qt.AlignVCenter,
                         title)
        painter.setFont(font)

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
        bound = format_bound(self.scale)
        ticks = ((left, Qt.AlignLeft, "−" + bound), (centre, Qt.AlignHCenter, "0"),
                 (right, Qt.AlignRight, "+" + bound))
        for x, align, text in ticks:
            w = fm.horizontalAdvance(text) + 2
            x0 = {Qt.AlignLeft: x, Qt.AlignHCenter: x - w / 2, Qt.AlignRight: x - w}[align]
            painter.drawText(QRectF(x0, y, w, fm.height()), align | Qt.AlignTop, text)

    def _draw_rows(self, painter: QPainter, box: QRectF, font: QFont) -> None:
        painter.setFont(font)
        fm = QFontMetricsF(font)
        label_w = max(fm.horizontalAdvance(r.label) for r in self.rows)
        tick_w = max(fm.horizontalAdvance(t) for r in self.rows for t in (r.low, r.high))
        for n, row in enumerate(self.rows):
            y = box.top() + ROW_PAD + n * ROW_H
            x = box.left() + PAD
            painter.setPen(palette.MUTED_TEXT)
            painter.drawText(QRectF(x, y, label_w, ROW_H), Qt.AlignLeft | Qt.AlignVCenter, row.label)
            x += label_w + 6
            painter.setPen(palette.TEXT)
            painter.drawText(QRectF(x, y, tick_w, ROW_H), Qt.AlignRight | Qt.AlignVCenter, row.low)
            x += tick_w + 4
            bar = QRectF(x, y + (ROW_H - BAR_H) / 2, BAR_W, BAR_H)
            gradient = QLinearGradient(bar.left(), 0, bar.right(), 0)
            for k, color in enumerate(row.stops):
                gradient.setColorAt(k / (len(row.stops) - 1), color)
            painter.setPen(QPen(palette.NEURON_OUTLINE, 0.75))
            painter.setBrush(gradient)
            painter.drawRect(bar)
            painter.setPen(palette.TEXT)
            painter.drawText(QRectF(bar.right() + 4, y, tick_w, ROW_H), Qt.AlignLeft | Qt.AlignVCenter, row.high)
