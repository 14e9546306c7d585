"""Every neuron in ONE cached graphics item: circles (or the input grid), their fills, δ rings and thumbnails.

Fills, rings, thumbnails and dimming only change what this item paints: the edges' buckets and geometry
are never touched (architecture.md: Drawing). The item is cached in device coordinates, so hover, selection and
parameter frames reuse its pixmap; a change here repaints ~one ellipse per neuron.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPen, QPixmap, QPolygonF, QTransform
from PySide6.QtWidgets import QGraphicsItem

from . import palette
from .canvas_layout import Layout

MARGIN = 24.0  # scene units for cosmetic outlines and rings around the shapes
OUTLINE_PX = 1.25
RING_PX = 3.5  # the δ ring's width at a comfortable zoom; dense columns get thinner rings
RING_GAP_PX = 1.5  # background between the outline and the ring, so a ring never reads as part of the fill
ALERT_COLOR = "#d32f2f"
GRID_LINES_MIN_PX = 5.0  # below this square size the lines between squares would hide the pixels
_WHITE = np.uint32(0xFF000000) | np.uint32(palette.NEURON_FILL.rgb() & 0xFFFFFF)


def _pen(color: QColor, width: float) -> QPen:
    pen = QPen(color, width)
    pen.setCosmetic(True)
    return pen


def ring_px(layout: Layout, k: int, scale: float) -> float:
    """The drawn width of layer k's rings at `scale`: thinner where neighbouring rings would touch."""
    return float(np.clip(0.25 * layout.spacing[k] * scale, 1.0, RING_PX))


def _pixmap(argb: np.ndarray) -> QPixmap:
    argb = np.ascontiguousarray(argb, dtype=np.uint32)
    h, w = argb.shape
    return QPixmap.fromImage(QImage(argb.data, w, h, 4 * w, QImage.Format_RGB32))  # copies: argb may go


class NeuronsItem(QGraphicsItem):
    def __init__(self):
        super().__init__()
        self._layout: Layout | None = None
        self._rect = QRectF()
        self._pens = (_pen(palette.NEURON_OUTLINE, OUTLINE_PX),
                      _pen(palette.blend(palette.NEURON_OUTLINE, palette.BACKGROUND, 0.4), OUTLINE_PX))
        self._fills = np.zeros(0, dtype=np.uint32)  # per neuron, as given (white when off)
        self._rings = np.zeros(0, dtype=np.uint32)  # per neuron, 0 = no ring
        self._dim = np.zeros(0, dtype=bool)
        self._thumbs: dict[int, np.ndarray] = {}  # neuron index → (h, w) colours, row 0 at the top
        self._alerts: tuple[int, ...] = ()  # neurons flagged by a health alert
        self._pixmaps: dict[tuple[int, bool], QPixmap] = {}  # (neuron, dimmed) → built on first paint
        self._grid_lines: list[QLineF] = []
        self._grid_image = QImage()
        self._grid_buffer = np.zeros((0, 0), dtype=np.uint32)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)

    # ---- state --------------------------------------------------------------------------------
    def set_layout(self, layout: Layout) -> None:
        self.prepareGeometryChange()
        self._layout = layout
        x, y, w, h = layout.bounds
        self._rect = QRectF(x - MARGIN, y - MARGIN, w + 2 * MARGIN, h + 2 * MARGIN)
        n = layout.n_neurons
        self._layer_of = np.repeat(np.arange(len(layout.sizes)), layout.sizes)
        self._fills = np.full(n, _WHITE, dtype=np.uint32)
        self._rings = np.zeros(n, dtype=np.uint32)
        self._dim = np.zeros(n, dtype=bool)
        self._thumbs, self._pixmaps = {}, {}
        self._alerts = ()  # indices into the old layout: painting them would read past the new arrays
        self._grid_lines = []
        if layout.grid is not None:
            gx, gy, gw, gh = layout.grid_rect()
            c = layout.cell
            self._grid_lines = [QLineF(gx + j * c, gy, gx + j * c, gy + gh) for j in range(1, layout.grid[1])]
            self._grid_lines += [QLineF(gx, gy + i * c, gx + gw, gy + i * c) for i in range(1, layout.grid[0])]
        self._restyle()

    def set_fills(self, argb: np.ndarray | None) -> None:
        """Packed 0xFFRRGGBB per neuron, or None for the plain white fill."""
        self._fills = np.full(self._fills.size, _WHITE, dtype=np.uint32) if argb is None else argb.astype(np.uint32)
        self._restyle()

    def set_rings(self, argb: np.ndarray | None) -> None:
        """Packed colours per neuron (0 = no ring), or None for no rings at all."""
        self._rings = np.zeros(self._rings.size, dtype=np.uint32) if argb is None else argb.astype(np.uint32)
        self.update()

    def set_alerts(self, indices) -> None:
        """Mark these neurons with a small red warning sign (dead, saturated…)."""
        alerts = tuple(sorted(int(i) for i in indices))
        n = self._fills.size
        if any(not 0 <= i < n for i in alerts):  # checked here: paint() must never meet a bad index
            raise IndexError(f"alert neuron index out of range 0…{n - 1}: {alerts}")
        if alerts != self._alerts:
            self._alerts = alerts
            self.update()

    def alerts(self) -> tuple[int, ...]:
        return self._alerts

    def set_dim(self, mask: np.ndarray | None) -> None:
        self._dim = np.zeros(self._dim.size, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        self._restyle()

    def set_thumbnails(self, images: dict[int, np.ndarray] | None) -> None:
        """Per neuron index a (h, w) array of packed colours, row 0 drawn at the top; None removes them."""
        self._thumbs = dict(images or {})
        self._pixmaps = {}
        self.update()

    def _restyle(self) -> None:
        self._drawn = np.where(self._dim, palette.dim_argb32(self._fills), self._fills)
        lo = self._layout
        if lo is not None and lo.grid is not None:
            # QImage borrows the buffer: keep it alive as long as the image.
            self._grid_buffer = np.ascontiguousarray(self._drawn[: lo.sizes[0]].reshape(lo.grid))
            gh, gw = lo.grid
            self._grid_image = QImage(self._grid_buffer.data, gw, gh, 4 * gw, QImage.Format_RGB32)
        self.update()

    # ---- what is drawn (tests and tooltips read these) ---------------------------------------------
    def fill_color(self, index: int) -> QColor:
        return palette.argb32_to_qcolor(self._drawn[index])

    def ring_color(self, index: int) -> QColor | None:
        if not self._rings[index]:
            return None
        c = palette.argb32_to_qcolor(self._rings[index])
        return palette.dim(c) if self._dim[index] else c

    def thumbnail(self, index: int) -> np.ndarray | None:
        image = self._thumbs.get(index)
        return None if image is None else image.copy()

    def has_thumbnail(self, index: int) -> bool:
        return index in self._thumbs

    # ---- QGraphicsItem ------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter, option, widget=None) -> None:
        lo = self._layout
        if lo is None:
            return
        scale = painter.worldTransform().m11()
        start = 0
        if lo.grid is not None:
            self._paint_grid(painter, scale)
            start = lo.sizes[0]
        # Cached and redrawn only on zoom or a change here, so smooth circles cost nothing per frame.
        painter.setRenderHint(painter.RenderHint.Antialiasing, True)
        painter.setRenderHint(painter.RenderHint.SmoothPixmapTransform, True)
        nx, ny, nr = lo.nx.tolist(), lo.ny.tolist(), lo.nr.tolist()
        drawn, dim = self._drawn.tolist(), self._dim.tolist()
        colors: dict[int, QColor] = {}
        pen, fill = None, None
        for i in range(start, lo.n_neurons):
            if self._pens[dim[i]] is not pen:
                pen = self._pens[dim[i]]
                painter.setPen(pen)
            if i in self._thumbs:
                painter.setBrush(self._thumbnail_brush(i, dim[i], nx[i], ny[i], nr[i]))
                fill = None
            elif drawn[i] != fill:
                fill = drawn[i]
                color = colors.get(fill)
                if color is None:
                    color = colors[fill] = palette.argb32_to_qcolor(fill)
                painter.setBrush(color)
            painter.drawEllipse(QPointF(nx[i], ny[i]), nr[i], nr[i])
        self._paint_rings(painter, scale)
        self._paint_alerts(painter, nx, ny, nr)

    def _paint_alerts(self, painter, nx, ny, nr) -> None:
        # A red triangle at the upper right: red is not in the weight palette, so it never reads as a value.
        painter.setPen(_pen(QColor("#ffffff"), 1.0))
        painter.setBrush(QColor(ALERT_COLOR))
        for i in self._alerts:
            x, y, r = nx[i] + 0.75 * nr[i], ny[i] - 0.75 * nr[i], max(4.0, 0.38 * nr[i])
            corners = [QPointF(x, y - r), QPointF(x + r, y + 0.8 * r), QPointF(x - r, y + 0.8 * r)]
            painter.drawPolygon(QPolygonF(corners))

    def _thumbnail_brush(self, i: int, dimmed: bool, x: float, y: float, r: float) -> QBrush:
        pixmap = self._pixmaps.get((i, dimmed))
        if pixmap is None:
            argb = self._thumbs[i]
            pixmap = self._pixmaps[(i, dimmed)] = _pixmap(palette.dim_argb32(argb) if dimmed else argb)
        brush = QBrush(pixmap)
        # The whole map fills the circle's bounding square; the circle shows its round middle.
        brush.setTransform(QTransform(2 * r / pixmap.width(), 0, 0, 2 * r / pixmap.height(), x - r, y - r))
        return brush

    def _paint_rings(self, painter, scale: float) -> None:
        lo = self._layout
        on = np.flatnonzero(self._rings)
        if on.size == 0:
            return
        painter.setBrush(Qt.NoBrush)
        rings, dim, layer = self._rings.tolist(), self._dim.tolist(), self._layer_of.tolist()
        widths = [ring_px(lo, k, scale) for k in range(len(lo.sizes))]
        gap = [RING_GAP_PX if w >= RING_PX else 0.0 for w in widths]  # dense columns: no room for a gap
        pens: dict[tuple[int, bool, int], QPen] = {}
        for i in on.tolist():
            k = layer[i]
            key = (rings[i], dim[i], k)
            pen = pens.get(key)
            if pen is None:
                c = palette.argb32_to_qcolor(rings[i])
                pen = pens[key] = _pen(palette.dim(c) if dim[i] else c, widths[k])
            painter.setPen(pen)
            rr = lo.nr[i] + (OUTLINE_PX / 2 + gap[k] + widths[k] / 2) / scale  # just outside the outline
            painter.drawEllipse(QPointF(lo.nx[i], lo.ny[i]), rr, rr)

    def _paint_grid(self, painter, scale: float) -> None:
        lo = self._layout
        rect = QRectF(*lo.grid_rect())
        painter.setRenderHint(painter.RenderHint.Antialiasing, False)  # crisp squares, as pixels are
        painter.setRenderHint(painter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(rect, self._grid_image)
        if lo.cell * scale >= GRID_LINES_MIN_PX:
            painter.setPen(_pen(palette.GRID_LINE, 1.0))
            painter.drawLines(self._grid_lines)
        painter.setPen(self._pens[bool(self._dim[0])])
        painter.setBrush(Qt.NoBrush)
        painter.drawRect(rect)
