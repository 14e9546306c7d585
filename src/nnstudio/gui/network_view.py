"""The network canvas: neurons in columns, every weight an edge (or a heatmap cell), every bias a badge.

Drawing recipe and its measured costs: DESIGN §3. The public API (NetworkView's methods and signal) is what
the main window, tests and users' scripts drive; `edge_point`/`bias_point` return where a click selects
exactly one parameter (DESIGN §6).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QFontMetricsF, QPainter
from PySide6.QtWidgets import QToolTip, QWidget

from ..engine.refs import ParamRef, format_value
from . import palette
from .canvas_items import MIN_BADGE_PX, BadgesItem, HeatmapItem, HighlightItem, NeuronsItem
from .canvas_layout import HEATMAP_AUTO_EDGES, Layout
from .edges_item import EDGE_BUDGET, EdgesItem
from .legend import LABEL_GAP, LEGEND_SIZE, draw_labels, draw_legend, label_font, legend_rect
from .pan_zoom_view import PanZoomView
from .picking import Segments, inside_circle, pick_segment, pick_square

# Where along an edge edge_point tries, middle first, then away from the middle where i→j and j→i cross.
_FRACTIONS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.45, 0.55, 0.35, 0.65, 0.25, 0.75, 0.2, 0.8, 0.15, 0.85)


class NetworkView(PanZoomView):
    parameterClicked = Signal(object, QPoint)  # (ParamRef, position in mouse_target() coordinates)

    def __init__(self, parent: QWidget | None = None, *, edge_budget: int = EDGE_BUDGET,
                 heatmap_auto_edges: int = HEATMAP_AUTO_EDGES):
        super().__init__(parent)
        self.edge_budget = edge_budget
        self.heatmap_auto_edges = heatmap_auto_edges
        self.setBackgroundBrush(palette.BACKGROUND)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self.setMinimumSize(160, 120)
        self._edges, self._neurons, self._badges = EdgesItem(), NeuronsItem(), BadgesItem()
        self._hover_item = HighlightItem(palette.HOVER, 2.0)
        self._selection_item = HighlightItem(palette.SELECTION, 3.0)
        # Heatmaps sit at z 1. Overlays go above the circles but below the badges, so a highlighted edge
        # never covers a badge and a badge's highlight rings it from behind.
        for z, item in ((0, self._edges), (2, self._neurons), (3, self._hover_item), (3.5, self._selection_item),
                        (4, self._badges)):
            item.setZValue(z)
            self.scene().addItem(item)
        self._heatmaps: dict[int, HeatmapItem] = {}
        self._scale = palette.ScaleTracker()
        self._animating = False
        self._hover: ParamRef | None = None
        self._selected: ParamRef | None = None
        self.set_network([2, 4, 2, 1])

    # ---- structure ------------------------------------------------------------------------------
    def set_network(self, sizes: list[int], input_labels: list[str] | None = None) -> None:
        sizes = [int(n) for n in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"a network needs at least two layers of ≥ 1 neuron, got {sizes}")
        labels = list(input_labels) if input_labels is not None else [f"x{i + 1}" for i in range(sizes[0])]
        if len(labels) != sizes[0]:
            raise ValueError(f"{len(labels)} input labels for {sizes[0]} inputs")
        self._set_hover(None)  # clears the tooltip of a parameter that is about to disappear
        self._inputs = [str(t) for t in labels]
        self._outputs = ["ŷ"] if sizes[-1] == 1 else [f"ŷ{i + 1}" for i in range(sizes[-1])]
        self._layout = lo = Layout(sizes)
        self._segments = Segments(lo.x0, lo.y0, lo.x1, lo.y1)
        self._drawn_segments = (None, None)  # (the drawn-ids array it was cut for, its segments)
        for item in self._heatmaps.values():
            self.scene().removeItem(item)
        self._heatmaps = {}
        for l in range(lo.n_pairs):
            if lo.pair_edges(l) > self.heatmap_auto_edges:
                self._add_heatmap(l)
        for item in (self._edges, self._neurons, self._badges):
            item.set_layout(lo)
        self._hover = self._selected = None
        self._hover_item.clear()
        self._selection_item.clear()
        self._scale.reset()
        fm = QFontMetricsF(label_font(self.font()))
        self._label_widths = (max(fm.horizontalAdvance(t) for t in self._inputs),
                              max(fm.horizontalAdvance(t) for t in self._outputs))
        self.max_scale = max(8.0, 40.0 / lo.smallest_target())
        self.reset_scene_rect()
        zeros = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            zeros += [np.zeros((a, b)), np.zeros(b)]
        self.set_parameters(zeros)
        self.fit()

    def _add_heatmap(self, layer: int) -> None:
        lo = self._layout
        item = HeatmapItem(lo.heatmap_rect(layer), (lo.sizes[layer], lo.sizes[layer + 1]))
        item.setZValue(1)
        self.scene().addItem(item)
        self._heatmaps[layer] = item

    def set_heatmap_mode(self, layer: int, on: bool) -> None:
        """Show W_layer as a clickable matrix image instead of edges (auto-on above heatmap_auto_edges)."""
        if not 0 <= layer < self._layout.n_pairs:
            raise IndexError(f"layer {layer} is out of range (0…{self._layout.n_pairs - 1})")
        if bool(on) == (layer in self._heatmaps):
            return
        if on:
            self._add_heatmap(layer)
        else:
            self.scene().removeItem(self._heatmaps.pop(layer))
        self._set_hover(None)
        self.set_parameters(self._weights)

    def heatmap_mode(self, layer: int) -> bool:
        return layer in self._heatmaps

    # ---- values -------------------------------------------------------------------------------
    def set_parameters(self, weights: list[np.ndarray]) -> None:
        """Keras list [W0, b0, W1, b1, …]; recolours and re-buckets, never rebuilds geometry."""
        lo = self._layout
        if len(weights) != 2 * lo.n_pairs:
            raise ValueError(f"expected {2 * lo.n_pairs} arrays [W0, b0, …], got {len(weights)}")
        arrays = []
        for k, w in enumerate(weights):
            l = k // 2
            shape = (lo.sizes[l], lo.sizes[l + 1]) if k % 2 == 0 else (lo.sizes[l + 1],)
            a = np.array(w, dtype=np.float64)  # a copy: callers may pass views of a buffer they reuse
            if a.shape != shape:
                raise ValueError(f"weights[{k}] has shape {a.shape}, expected {shape}")
            arrays.append(a)
        self._weights = arrays
        scale = self._scale.update(palette.max_abs(arrays))
        Ws, bs = arrays[0::2], arrays[1::2]
        self._edges.set_weights(Ws, scale, set(self._heatmaps), self.edge_budget)
        self._badges.set_biases(bs, scale)
        for l, item in self._heatmaps.items():
            item.set_weights(Ws[l], scale)
        self._show_overlay(self._hover_item, self._hover)
        self._show_overlay(self._selection_item, self._selected)
        if self._hover is not None:  # a tooltip open over a training network follows the value
            self._show_tooltip(None)

    def value(self, ref: ParamRef) -> float:
        self._layout.check(ref)
        if ref.is_bias:
            return float(self._weights[2 * ref.layer + 1][ref.dst])
        return float(self._weights[2 * ref.layer][ref.src, ref.dst])

    def scale(self) -> float:
        """The colour/width bound the legend shows (|value| ≥ scale draws at full colour and width)."""
        return self._scale.scale

    def edge_style(self, ref: ParamRef) -> tuple[QColor, float] | None:
        """(colour, width in px) of a drawn edge; None for a heatmap pair or an edge over the budget."""
        return self._edges.style_of(self._layout.edge_index(ref.layer, ref.src, ref.dst), self.scale_factor())

    def set_animating(self, running: bool) -> None:
        """Antialiasing off while training runs: aliased wide lines are several times cheaper (DESIGN §3)."""
        if bool(running) == self._animating:
            return
        self._animating = bool(running)
        self.setRenderHint(QPainter.Antialiasing, not running)
        self._edges.update()  # its cache was rendered with the old hint

    # ---- picking ------------------------------------------------------------------------------
    def mouse_target(self) -> QWidget:
        return self.viewport()

    def pick(self, pos) -> ParamRef | None:
        """What a click at `pos` (mouse_target() coordinates) selects. A badge under the cursor wins, then
        a heatmap cell, then a badge within tolerance, then the nearest edge; neuron bodies select nothing."""
        if legend_rect(QRectF(self.viewport().rect())).contains(QPointF(pos)):
            return None  # what lies under the legend is hidden, so it must not be clicked blindly
        lo = self._layout
        p = self.to_scene(pos)
        x, y, s = p.x(), p.y(), self.scale_factor()
        badge, inside = pick_square(x, y, lo.bx, lo.by, self._badges.half_px(s), s)
        if badge is not None and inside:
            return lo.badge_ref(badge)
        for l, item in self._heatmaps.items():
            cell = item.cell(x, y)
            if cell is not None:
                return ParamRef.weight(l, *cell)
        if badge is not None:
            return lo.badge_ref(badge)
        big = lo.nr * s >= 3.0  # in a dense column the circles are dots; do not let them swallow clicks
        if inside_circle(x, y, lo.nx[big], lo.ny[big], lo.nr[big]):
            return None
        drawn = self._edges.drawn
        if self._drawn_segments[0] is not drawn:
            self._drawn_segments = (drawn, self._segments.subset(drawn))
        k = pick_segment(self._drawn_segments[1], x, y, s, self._edges.widths_px(s))
        return None if k is None else lo.edge_ref(int(drawn[k]))

    def edge_point(self, layer: int, src: int, dst: int) -> QPoint:
        """A point (mouse_target() coords) where a click selects exactly W_layer[src, dst].

        If no such point exists at the current view (off-screen, or too dense at this zoom) the view scrolls
        and zooms in toward the edge until one does, as a user would. Raises ValueError for an edge that is
        not drawn (a pair over the edge budget shows only its strongest weights: use set_heatmap_mode)."""
        ref = ParamRef.weight(layer, src, dst)
        self._layout.check(ref)
        if layer in self._heatmaps:
            item = self._heatmaps[layer]
            return self._hittable_point(ref, lambda: [item.cell_rect(src, dst).center()])
        lo = self._layout
        e = lo.edge_index(layer, src, dst)
        if not np.any(self._edges.drawn == e):
            raise ValueError(f"{ref.label()} is not drawn: this layer pair shows only its {self.edge_budget} "
                             f"strongest weights; set_heatmap_mode({layer}, True) makes every weight clickable")
        a, b = QPointF(lo.x0[e], lo.y0[e]), QPointF(lo.x1[e], lo.y1[e])
        return self._hittable_point(ref, lambda: [a + (b - a) * f for f in _FRACTIONS])

    def bias_point(self, layer: int, neuron: int) -> QPoint:
        """A point where a click selects exactly b_layer[neuron] (the badge of neuron `neuron` of
        neuron-layer layer + 1). Scrolls/zooms like edge_point when it must."""
        ref = ParamRef.bias(layer, neuron)
        self._layout.check(ref)
        i = self._layout.badge_index(layer, neuron)
        centre = QPointF(self._layout.bx[i], self._layout.by[i])
        return self._hittable_point(ref, lambda: [centre])

    def _hittable_point(self, ref: ParamRef, candidates) -> QPoint:
        legend = legend_rect(QRectF(self.viewport().rect())).adjusted(-2, -2, 2, 2)
        point = self.reachable_point(candidates, lambda q: self.pick(q) == ref, avoid=legend)
        if point is None:
            raise RuntimeError(f"found no point where a click selects {ref.label()}")
        return point

    # ---- hover, tooltip, highlight --------------------------------------------------------------
    def tooltip_text(self, ref: ParamRef) -> str:
        return f"{ref.label()} = {format_value(self.value(ref))}"

    def hovered_parameter(self) -> ParamRef | None:
        return self._hover

    def hovered(self, pos: QPointF | None) -> None:
        self._set_hover(None if pos is None else self.pick(pos), pos)

    def _set_hover(self, ref: ParamRef | None, pos: QPointF | None = None) -> None:
        vp = self.viewport()
        if ref == self._hover:
            return
        self._hover = ref
        self._show_overlay(self._hover_item, ref)
        vp.setCursor(Qt.PointingHandCursor if ref is not None else Qt.ArrowCursor)
        self._show_tooltip(pos, force=True)

    def _show_tooltip(self, pos: QPointF | None, force: bool = False) -> None:
        """Keep the viewport's tooltip text (what tests and accessibility read) and the visible tooltip in
        step with the hovered parameter; `force` opens it, otherwise only an open one is updated."""
        vp = self.viewport()
        text = self.tooltip_text(self._hover) if self._hover is not None else ""
        vp.setToolTip(text)
        if not text:
            QToolTip.hideText()
        elif force or QToolTip.isVisible():
            at = vp.mapToGlobal(QPointF(pos).toPoint()) if pos is not None else QCursor.pos()
            QToolTip.showText(at, text, vp)

    def viewportEvent(self, event) -> bool:
        # The scene would answer a tooltip request with its items' (empty) tooltips and hide ours.
        if event.type() == QEvent.ToolTip:
            self._show_tooltip(QPointF(event.pos()), force=True)
            return True
        return super().viewportEvent(event)

    def set_highlight(self, ref: ParamRef | None) -> None:
        """Mark one parameter (e.g. while the editor is open for it); None clears the mark."""
        if ref is not None:
            self._layout.check(ref)
        self._selected = ref
        self._show_overlay(self._selection_item, ref)

    def _show_overlay(self, item: HighlightItem, ref: ParamRef | None) -> None:
        if ref is None:
            item.clear()
            return
        lo, scale, v = self._layout, self._scale.scale, self.value(ref)
        color = palette.qcolor(v, scale)
        if ref.is_bias:
            i = lo.badge_index(ref.layer, ref.dst)
            h = lo.bhalf[i]
            item.show_square(QRectF(lo.bx[i] - h, lo.by[i] - h, 2 * h, 2 * h), MIN_BADGE_PX / 2, color)
        elif ref.layer in self._heatmaps:
            item.show_square(self._heatmaps[ref.layer].cell_rect(ref.src, ref.dst), 2.0, color)
        else:
            e = lo.edge_index(ref.layer, ref.src, ref.dst)
            style = self._edges.style_of(e, self.scale_factor())
            color, width = style if style else (color, float(palette.edge_widths([v], scale)[0]))
            # From circle rim to circle rim: the overlay sits above the neurons and must not cross them.
            x0, y0, x1, y1 = lo.x0[e], lo.y0[e], lo.x1[e], lo.y1[e]
            length = max(float(np.hypot(x1 - x0, y1 - y0)), 1e-9)
            fa, fb = lo.radius[ref.layer] / length, 1 - lo.radius[ref.layer + 1] / length
            item.show_segment(x0 + (x1 - x0) * fa, y0 + (y1 - y0) * fa, x0 + (x1 - x0) * fb, y0 + (y1 - y0) * fb,
                              width, color)

    # ---- fitting and the pixel-space layer ---------------------------------------------------------
    def content_rect(self) -> QRectF:
        return QRectF(*self._layout.bounds)

    def fit_margins(self) -> tuple[float, float, float, float]:
        w_in, w_out = self._label_widths
        return w_in + LABEL_GAP + 12, 16.0, w_out + LABEL_GAP + 12, LEGEND_SIZE[1] + 16

    def scale_changed(self) -> None:
        # Dense pairs' stroke widths depend on the zoom; keep the overlays as wide as what they outline.
        self._show_overlay(self._hover_item, self._hover)
        self._show_overlay(self._selection_item, self._selected)

    def clicked(self, pos: QPointF) -> None:
        ref = self.pick(pos)
        if ref is not None:
            self.parameterClicked.emit(ref, QPointF(pos).toPoint())

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing, True)  # a few shapes: smooth even while training
        # Back to viewport pixels (composed, so view.render() onto other devices still places it right).
        painter.setTransform(self.viewportTransform().inverted()[0], True)
        draw_labels(painter, self.viewportTransform(), self._layout, self._inputs, self._outputs,
                    label_font(self.font()))
        draw_legend(painter, QRectF(self.viewport().rect()), self._scale.scale, self.font())
        painter.restore()
