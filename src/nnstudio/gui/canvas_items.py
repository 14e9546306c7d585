"""The canvas' other graphics items: bias badges, weight heatmaps and highlight overlays (neurons: neurons_item).

Each is one item for many shapes (never one item per neuron or edge); badges and heatmaps repaint every
frame and are cheap to.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPen
from PySide6.QtWidgets import QGraphicsItem

from . import palette
from .canvas_layout import Layout

MARGIN = 24.0  # scene units for cosmetic outlines and pixel-sized badges around the shapes
MIN_BADGE_PX = 3.0  # a badge never shrinks below this, so every bias stays visible in a dense column
BADGE_LEVELS = 16  # bias colours per sign: fewer brush changes, differences below what the eye tells apart


def _pen(color: QColor, width: float) -> QPen:
    pen = QPen(color, width)
    pen.setCosmetic(True)
    return pen


class BadgesItem(QGraphicsItem):
    """Bias badges: small squares at each non-input neuron's lower-left, in the bias colour, outlined."""

    def __init__(self):
        super().__init__()
        self._layout: Layout | None = None
        self._rect = QRectF()
        self._levels = np.zeros(0, dtype=np.intp)
        lit = [palette.qcolor(k / BADGE_LEVELS, 1.0) for k in range(-BADGE_LEVELS, BADGE_LEVELS + 1)]
        self._brushes = lit + [palette.dim(c) for c in lit]  # level + (2 × BADGE_LEVELS + 1) when dimmed
        self._pens = (_pen(palette.BADGE_OUTLINE, 1.0), _pen(palette.dim(palette.BADGE_OUTLINE), 1.0))

    def set_layout(self, layout: Layout) -> None:
        self.prepareGeometryChange()
        self._layout = layout
        x, y, w, h = layout.bounds
        self._rect = QRectF(x - MARGIN, y - MARGIN, w + 2 * MARGIN, h + 2 * MARGIN)
        self._levels = np.full(layout.bx.size, BADGE_LEVELS, dtype=np.intp)
        self.update()

    def set_biases(self, biases: list[np.ndarray], scale: float, dim: np.ndarray | None = None) -> None:
        """Colour every badge; `dim` (a bool per badge) fades some toward the background."""
        values = np.concatenate(biases) if biases else np.zeros(0)
        t = np.clip(np.nan_to_num(values / scale), -1.0, 1.0)
        self._levels = np.rint(t * BADGE_LEVELS).astype(np.intp) + BADGE_LEVELS
        if dim is not None:
            self._levels += np.where(dim, 2 * BADGE_LEVELS + 1, 0)
        self.update()

    def color_of(self, index: int) -> QColor:
        return self._brushes[int(self._levels[index])]

    def half_px(self, scale: float) -> np.ndarray:
        """Half the drawn side of each badge in pixels at `scale` (what picking measures against)."""
        lo = self._layout
        return np.maximum(lo.bhalf * scale, MIN_BADGE_PX / 2) if lo is not None else np.zeros(0)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter, option, widget=None) -> None:
        lo = self._layout
        if lo is None or lo.bx.size == 0:
            return
        scale = painter.worldTransform().m11()
        half = self.half_px(scale) / scale
        outlined = (half * scale >= 2.5).astype(np.intp)  # below ~5 px an outline would hide the colour
        # One drawRects per (colour, outlined) group.
        key = 2 * self._levels + outlined
        order = np.argsort(key, kind="stable")
        key = key[order]
        rects = [QRectF(x - h, y - h, 2 * h, 2 * h) for x, y, h in
                 zip(lo.bx[order].tolist(), lo.by[order].tolist(), half[order].tolist())]
        bounds = [0, *(np.flatnonzero(np.diff(key)) + 1).tolist(), key.size]
        for a, b in zip(bounds[:-1], bounds[1:]):
            level = int(key[a]) // 2
            painter.setBrush(self._brushes[level])
            painter.setPen(self._pens[level > 2 * BADGE_LEVELS] if key[a] % 2 else Qt.NoPen)
            painter.drawRects(rects[a:b])


class HeatmapItem(QGraphicsItem):
    """One weight matrix as one image between its columns: every weight visible and clickable
    (architecture.md: Drawing)."""

    def __init__(self, rect: tuple[float, float, float, float], shape: tuple[int, int]):
        super().__init__()
        self.rect = QRectF(*rect)
        self.shape = shape  # (n_src rows, n_dst columns), like W
        self._buffer = np.zeros(shape, dtype=np.uint32)
        self._image = QImage()
        self._pen = _pen(palette.NEURON_OUTLINE, 1.0)

    def set_weights(self, W: np.ndarray, scale: float, dim: np.ndarray | None = None) -> None:
        """Recolour from W; `dim`, a bool per cell shaped like W, fades those cells toward the background."""
        rows, cols = self.shape
        # QImage borrows the buffer, so keep the array alive as long as the image.
        self._buffer = np.ascontiguousarray(palette.colors_argb32(W.ravel(), scale).reshape(rows, cols))
        if dim is not None and dim.any():
            self._buffer[dim] = palette.dim_argb32(self._buffer[dim])
        self._image = QImage(self._buffer.data, cols, rows, 4 * cols, QImage.Format_RGB32)
        self.update()

    def cell(self, px: float, py: float) -> tuple[int, int] | None:
        """(row, column) of W under scene point (px, py), or None outside the image."""
        r = self.rect
        if not (r.left() <= px < r.right() and r.top() <= py < r.bottom()):
            return None
        rows, cols = self.shape
        i = min(int((py - r.top()) / r.height() * rows), rows - 1)
        j = min(int((px - r.left()) / r.width() * cols), cols - 1)
        return i, j

    def cell_rect(self, i: int, j: int) -> QRectF:
        r = self.rect
        rows, cols = self.shape
        w, h = r.width() / cols, r.height() / rows
        return QRectF(r.left() + j * w, r.top() + i * h, w, h)

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)

    def paint(self, painter, option, widget=None) -> None:
        painter.setRenderHint(painter.RenderHint.SmoothPixmapTransform, False)  # crisp cells, not a blur
        painter.drawImage(self.rect, self._image)
        painter.setPen(self._pen)
        painter.setBrush(Qt.NoBrush)
        painter.drawRect(self.rect)


class HighlightItem(QGraphicsItem):
    """A tiny overlay around one edge, badge or heatmap cell: hover and selection never touch the edges'
    buckets or cache (architecture.md: Drawing)."""

    def __init__(self, color: QColor, ring: float):
        super().__init__()
        self._color = color
        self._ring = ring  # px of outline beyond the shape
        self._segment = None  # (QPointF, QPointF, width px, QColor)
        self._square = None  # (QRectF scene, min half px, QColor)
        self._circle = None  # (QPointF centre, radius scene, min radius px, gap px beyond the radius)
        self._rect = QRectF()

    def show_segment(self, x0, y0, x1, y1, width: float, color: QColor) -> None:
        self.prepareGeometryChange()
        self._segment, self._square, self._circle = (QPointF(x0, y0), QPointF(x1, y1), width, color), None, None
        self._rect = QRectF(QPointF(x0, y0), QPointF(x1, y1)).normalized().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
        self.show()
        self.update()

    def show_square(self, rect: QRectF, min_half_px: float, color: QColor) -> None:
        self.prepareGeometryChange()
        self._segment, self._square, self._circle = None, (QRectF(rect), min_half_px, color), None
        self._rect = rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
        self.show()
        self.update()

    def show_circle(self, x: float, y: float, r: float, min_r_px: float, gap_px: float) -> None:
        """An outline (no fill) around a neuron: `gap_px` beyond its radius, so a δ ring stays visible."""
        self.prepareGeometryChange()
        self._segment, self._square, self._circle = None, None, (QPointF(x, y), r, min_r_px, gap_px)
        self._rect = QRectF(x - r, y - r, 2 * r, 2 * r).adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
        self.show()
        self.update()

    def clear(self) -> None:
        self._segment = self._square = self._circle = None
        self.hide()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter, option, widget=None) -> None:
        if self._segment is not None:
            a, b, width, color = self._segment
            painter.setPen(_pen(self._color, width + 2 * self._ring))
            painter.drawLine(a, b)
            painter.setPen(_pen(color, width))
            painter.drawLine(a, b)
        elif self._square is not None:
            rect, min_half_px, color = self._square
            scale = painter.worldTransform().m11()
            hw = max(rect.width() / 2, min_half_px / scale) + self._ring / scale
            hh = max(rect.height() / 2, min_half_px / scale) + self._ring / scale
            c = rect.center()
            painter.setPen(_pen(self._color, self._ring))
            painter.setBrush(color)
            painter.drawRect(QRectF(c.x() - hw, c.y() - hh, 2 * hw, 2 * hh))
        elif self._circle is not None:
            centre, r, min_r_px, gap_px = self._circle
            scale = painter.worldTransform().m11()
            rr = max(r, min_r_px / scale) + (gap_px + self._ring / 2) / scale
            painter.setRenderHint(painter.RenderHint.Antialiasing, True)
            painter.setPen(_pen(self._color, self._ring))
            painter.setBrush(Qt.NoBrush)
            painter.drawEllipse(centre, rr, rr)
