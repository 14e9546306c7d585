"""The network canvas: neurons in columns, every weight an edge (or a heatmap cell), every bias a badge.

Drawing recipe and its measured costs: docs/architecture.md, Drawing. The public API (NetworkView's methods
and signals) is what
the main window, tests and users' scripts drive; `edge_point`/`bias_point`/`neuron_point` return where a
click selects exactly one parameter or neuron (architecture.md: Names). Hit-testing lives in canvas_picking, hover and
overlays in canvas_hover, the "seeing inside" encodings (fills, rings, thumbnails, focus, forward mode) in
canvas_inside.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QContextMenuEvent, QFontMetricsF, QPainter
from PySide6.QtWidgets import QWidget

from ..engine.refs import ParamRef
from . import palette
from .canvas_hover import HoverMixin
from .canvas_inside import DELTA_MIN_SCALE, InsideMixin
from .canvas_items import BadgesItem, HeatmapItem, HighlightItem
from .canvas_layout import HEATMAP_AUTO_EDGES, Layout
from .canvas_picking import PickingMixin
from .edge_modes import EdgeMode, checked_arrays, zeros_like_network
from .edges_item import EDGE_BUDGET, EdgesItem
from .legend import LABEL_GAP, LEGEND_SIZE, Legend, draw_caption, draw_labels, label_font
from .neurons_item import NeuronsItem
from .pan_zoom_view import PanZoomView
from .picking import Segments

GRID_MAX_ZOOM = 32.0


class LegendState(NamedTuple):
    title: str
    scale: float
    rows: tuple[tuple[str, str, str], ...]


class NetworkView(HoverMixin, PickingMixin, InsideMixin, PanZoomView):
    parameterClicked = Signal(object, QPoint)  # (ParamRef, position in mouse_target() coordinates)
    neuronClicked = Signal(int, int)  # (neuron-layer k, index i): a left click on a neuron's circle or square
    neuronHovered = Signal(object)  # (k, i) when the mouse enters a neuron, None when it leaves
    contextRequested = Signal(object, QPoint)  # right click: the ParamRef under the cursor or None, and where

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
        self._neuron_hover_item = HighlightItem(palette.HOVER, 2.0)
        self._neuron_select_item = HighlightItem(palette.SELECTION, 3.0)
        # Heatmaps sit at z 1. Overlays go above the circles but below the badges, so a highlighted edge
        # never covers a badge and a badge's highlight rings it from behind.
        for z, item in ((0, self._edges), (2, self._neurons), (3, self._hover_item), (3, self._neuron_hover_item),
                        (3.5, self._selection_item), (3.5, self._neuron_select_item), (4, self._badges)):
            item.setZValue(z)
            self.scene().addItem(item)
        self._heatmaps: dict[int, HeatmapItem] = {}
        self._scale = palette.ScaleTracker()
        self._values_tracker = palette.ScaleTracker()
        self._delta_tracker = palette.ScaleTracker(minimum=DELTA_MIN_SCALE)
        self._thumb_tracker = palette.ScaleTracker()
        self._mode = EdgeMode()
        self._legend = Legend()
        self._animating = False
        self._input_grid: tuple[int, int] | None = None
        self._hover: ParamRef | None = None
        self._hover_neuron: tuple[int, int] | None = None
        self._selected: ParamRef | None = None
        self._focus = self._lit = None
        self._caption = ""
        self.set_network([2, 4, 2, 1])

    # ---- structure ------------------------------------------------------------------------------
    def set_network(self, sizes: list[int], input_labels: list[str] | None = None) -> None:
        """A new structure: parameters zero; the weight edge mode; neuron encodings, focus and forward mode off.
        The input grid stays if it still holds sizes[0] inputs."""
        sizes = [int(n) for n in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"a network needs at least two layers of ≥ 1 neuron, got {sizes}")
        labels = list(input_labels) if input_labels is not None else [f"x{i + 1}" for i in range(sizes[0])]
        if len(labels) != sizes[0]:
            raise ValueError(f"{len(labels)} input labels for {sizes[0]} inputs")
        self._clear_hover()  # clears the tooltip of a parameter that is about to disappear
        self._inputs = [str(t) for t in labels]
        # Several outputs are one per class, and classes count from 0 (digit 0 is ŷ0).
        self._outputs = ["ŷ"] if sizes[-1] == 1 else [f"ŷ{i}" for i in range(sizes[-1])]
        grid = self._input_grid
        if grid is not None and grid[0] * grid[1] != sizes[0]:
            self._input_grid = None
        self._build(sizes, auto_heatmaps=True)
        self._hover = self._selected = None
        self._selection_item.clear()
        self._scale.reset()
        self._mode.reset()
        self._reset_inside()
        self.set_parameters(zeros_like_network(sizes))
        self.fit()

    def set_input_grid(self, shape: tuple[int, int] | None) -> None:
        """Draw the inputs as an h×w grid of squares (row-major: input i is row i // w, column i % w), e.g.
        (8, 8) for 64 pixels; None: a column of circles. Parameters and encodings are kept."""
        shape = None if shape is None else (int(shape[0]), int(shape[1]))
        if shape == self._input_grid:
            return
        sizes = self._layout.sizes
        if shape is not None and (min(shape) < 1 or shape[0] * shape[1] != sizes[0]):
            raise ValueError(f"an input grid of {shape} does not hold {sizes[0]} inputs")
        self._clear_hover()
        self._input_grid = shape
        self._build(sizes, auto_heatmaps=False)
        self._reapply_inside()
        self._restyle()
        self.fit()

    def _build(self, sizes: list[int], auto_heatmaps: bool) -> None:
        """Geometry for `sizes` and the current input grid; keeps the heatmap choice unless `auto_heatmaps`."""
        keep = set(self._heatmaps)
        self._layout = lo = Layout(sizes, self._input_grid)
        self._segments = Segments(lo.x0, lo.y0, lo.x1, lo.y1)
        self._drawn_segments = (None, None)  # (the drawn-ids array it was cut for, its segments)
        for item in self._heatmaps.values():
            self.scene().removeItem(item)
        self._heatmaps = {}
        for l in range(lo.n_pairs):
            if (lo.pair_edges(l) > self.heatmap_auto_edges) if auto_heatmaps else (l in keep):
                self._add_heatmap(l)
        for item in (self._edges, self._neurons, self._badges):
            item.set_layout(lo)
        self._neuron_hover_item.clear()
        self._neuron_select_item.clear()
        fm = QFontMetricsF(label_font(self.font()))
        w_in = 0.0 if lo.grid is not None else max(fm.horizontalAdvance(t) for t in self._inputs)
        self._label_widths = (w_in, max(fm.horizontalAdvance(t) for t in self._outputs))
        self.max_scale = max(8.0, 40.0 / lo.smallest_target())
        if lo.grid is not None:  # edges from a grid cross at shallow angles: some need a close look to pick
            self.max_scale = max(self.max_scale, GRID_MAX_ZOOM)
        self.reset_scene_rect()

    def _reapply_inside(self) -> None:
        """Re-send the neuron encodings to a rebuilt neurons item (same sizes, new geometry)."""
        values, deltas, dims = self._neuron_values, self._deltas, self._dim_masks()
        self._dims = dims
        self._neurons.set_dim(dims[1])
        if values is not None:
            self.set_neuron_values(values, self._values_scale, label=self._values_label)
        if deltas is not None:
            self.set_neuron_rings(deltas, self._delta_scale)
        if self._last_maps is not None:
            self.set_thumbnails(*self._last_maps)
        self.set_selected_neuron(self._selected_neuron)

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
        self._clear_hover()
        self._restyle()

    def heatmap_mode(self, layer: int) -> bool:
        return layer in self._heatmaps

    # ---- values -------------------------------------------------------------------------------
    def set_parameters(self, weights: list[np.ndarray]) -> None:
        """Keras list [W0, b0, W1, b1, …]; recolours and re-buckets, never rebuilds geometry. In another
        edge mode the edges keep showing that mode's values; the weights still feed tooltips and value()."""
        self._weights = checked_arrays(weights, self._layout.sizes)
        self._scale.update(palette.max_abs(self._weights))
        if self._mode.is_weight:
            self._restyle()
        else:
            self._refresh_overlays()

    def set_edge_mode(self, mode: str, values: list[np.ndarray] | None = None, title: str | None = None) -> None:
        """What edges and bias badges show. "weight" (the default): the parameters. Any other key of
        edge_modes.EDGE_MODES (or a name of the caller's own): `values`, a Keras-style list shaped like
        get_weights(), with a scale of their own; the legend shows `title` (default: the mode's record's) and
        that scale. Call again with new values to update."""
        if self._mode.set(mode, values, title, self._layout.sizes):
            self._restyle()

    def edge_mode(self) -> str:
        return self._mode.mode

    def value(self, ref: ParamRef) -> float:
        """The parameter's value (a weight or bias, whatever the edge mode)."""
        self._layout.check(ref)
        if ref.is_bias:
            return float(self._weights[2 * ref.layer + 1][ref.dst])
        return float(self._weights[2 * ref.layer][ref.src, ref.dst])

    def shown_value(self, ref: ParamRef) -> float:
        """What the edge or badge of `ref` shows: its value, or the edge mode's value for it."""
        return self.value(ref) if self._mode.is_weight else self._mode.value(ref)

    def scale(self) -> float:
        """The colour/width bound the legend shows (|value| ≥ scale draws at full colour and width); in a
        non-weight edge mode, that mode's scale."""
        return self._scale.scale if self._mode.is_weight else self._mode.tracker.scale

    def legend_state(self) -> LegendState:
        """What the legend prints: the edges' title and bound, and one (label, low, high) per neuron row."""
        lg = self._legend
        return LegendState(lg.title, lg.scale, tuple((r.label, r.low, r.high) for r in lg.rows))

    def drawn_edges(self) -> list[tuple[ParamRef, QColor, float]]:
        """(parameter, colour, width in px) of every edge drawn as a line, weak to strong."""
        lo, edges = self._layout, self._edges
        widths = edges.widths_px(self.scale_factor()).tolist()
        return [(lo.edge_ref(e), edges.bucket_color(k), w)
                for e, k, w in zip(edges.drawn.tolist(), edges.drawn_buckets.tolist(), widths)]

    def mode_values(self) -> list[np.ndarray]:
        """Copies of what edges and badges show, Keras-style: the weights, or the edge mode's values."""
        shown = self._weights if self._mode.is_weight else self._mode.values
        return [a.copy() for a in shown]

    def edge_width_factors(self) -> np.ndarray:
        """Per layer pair, the share of the 1…8 px width range its strokes use at this zoom (dense pairs
        draw thinner until zoomed in)."""
        return self._edges.width_factors(self.scale_factor())

    def drawn_badges(self) -> list[tuple[ParamRef, QColor]]:
        """(bias, fill colour) of every badge."""
        lo = self._layout
        return [(lo.badge_ref(i), self._badges.color_of(i)) for i in range(lo.bx.size)]

    def edge_style(self, ref: ParamRef) -> tuple[QColor, float] | None:
        """(colour, width in px) of a drawn edge; None for a heatmap pair or an edge over the budget."""
        return self._edges.style_of(self._layout.edge_index(ref.layer, ref.src, ref.dst), self.scale_factor())

    def _restyle(self) -> None:
        """Re-bucket edges, badges and heatmaps from what the edge mode shows, with the dimming masks."""
        shown = self._weights if self._mode.is_weight else self._mode.values
        scale = self.scale()
        edge_dim, _, badge_dim = self._dims
        Ws, bs = shown[0::2], shown[1::2]
        self._edges.set_weights(Ws, scale, set(self._heatmaps), self.edge_budget, edge_dim)
        self._badges.set_biases(bs, scale, badge_dim)
        lo = self._layout
        for l, item in self._heatmaps.items():
            dim = None if edge_dim is None else edge_dim[lo.edge_offsets[l]:lo.edge_offsets[l + 1]].reshape(Ws[l].shape)
            item.set_weights(Ws[l], scale, dim)
        self._legend.title, self._legend.scale = self._mode.title, scale
        self._legend.emphasised = not self._mode.is_weight
        self._refresh_overlays()

    def set_animating(self, running: bool) -> None:
        """Antialiasing off while training runs: aliased wide lines are several times cheaper
        (architecture.md: Drawing)."""
        if bool(running) == self._animating:
            return
        self._animating = bool(running)
        self.setRenderHint(QPainter.Antialiasing, not running)
        self._edges.update()  # its cache was rendered with the old hint

    def set_caption(self, text: str | None) -> None:
        """A line of text at the canvas's top left, in viewport pixels: the mode the picture is in (e.g.
        "Sub-step 2/3 · backward"). None or "" removes it."""
        text = text or ""
        if text != self._caption:
            self._caption = text
            self.viewport().update()

    def caption(self) -> str:
        return self._caption

    # ---- mouse ----------------------------------------------------------------------------------
    def clicked(self, pos: QPointF) -> None:
        ref = self.pick(pos)
        if ref is not None:
            self.parameterClicked.emit(ref, QPointF(pos).toPoint())
            return
        neuron = self._neuron_under(pos)
        if neuron is not None:
            self.neuronClicked.emit(*neuron)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.RightButton:
            pos = event.position()
            self.contextRequested.emit(self.pick(pos), pos.toPoint())
            event.accept()
            return
        super().mousePressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        # A right press already emitted contextRequested; the menu key asks about the point the event names
        # (Qt gives the mouse position when it is over the view), else the middle of the view.
        if event.reason() != QContextMenuEvent.Mouse:
            pos = event.pos()
            if not self.viewport().rect().contains(pos):
                pos = self.viewport().rect().center()
            self.contextRequested.emit(self.pick(pos), pos)
        event.accept()

    def viewportEvent(self, event) -> bool:
        # The scene would answer a tooltip request with its items' (empty) tooltips and hide ours.
        if event.type() == QEvent.ToolTip:
            self._show_tooltip(QPointF(event.pos()), force=True)
            return True
        return super().viewportEvent(event)

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

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing, True)  # a few shapes: smooth even while training
        # Back to viewport pixels (composed, so view.render() onto other devices still places it right).
        painter.setTransform(self.viewportTransform().inverted()[0], True)
        draw_labels(painter, self.viewportTransform(), self._layout, self._inputs, self._outputs,
                    label_font(self.font()))
        self._legend.draw(painter, QRectF(self.viewport().rect()), self.font())
        if self._caption:
            draw_caption(painter, QRectF(self.viewport().rect()), self._caption, self.font())
        painter.restore()

