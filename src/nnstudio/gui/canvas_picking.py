"""NetworkView's hit-testing: what a click at a viewport point selects, and where to click to select a given
parameter or neuron (architecture.md: Names). A mixin: it reads the view's layout, items and legend.

Priority, as the eye sees it: a bias badge under the cursor, a heatmap cell, a neuron's body (or an input
square; a dot of a dense column reaches MIN_NEURON_PX), a badge within tolerance, then the nearest edge.
Clicks that hit nothing fall through.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRectF

from ..engine.refs import ParamRef
from .canvas_layout import BADGE_HALF, BADGE_OFFSET
from .legend import caption_rect
from .picking import pick_segment, pick_square

_SAMPLES = 24  # spots along an edge that edge_point considers
# Where in a neuron neuron_point tries (fractions of the radius): the centre, then away from the badge.
_NEURON_SPOTS = ((0.0, 0.0), (0.35, -0.35), (0.0, -0.5), (0.5, 0.0), (-0.5, -0.35), (0.35, 0.35))
MIN_NEURON_PX = 3.0  # px: a neuron drawn as a dot is still clickable this far from its centre


class _Avoid:
    """The legend boxes as one `contains` (what reachable_point expects of an area to keep clear of)."""

    def __init__(self, view):
        self._view = view

    def contains(self, point) -> bool:
        return self._view._legend_contains(QPointF(point), margin=2.0)


class PickingMixin:
    def mouse_target(self):
        return self.viewport()

    def _legend_contains(self, point: QPointF, margin: float = 0.0) -> bool:
        """Whether `point` is on the legend or the caption: what lies under them is hidden."""
        viewport = QRectF(self.viewport().rect())
        if self._caption and caption_rect(viewport, self._caption, self.font()).adjusted(
                -margin, -margin, margin, margin).contains(point):
            return True
        return self._legend.contains(viewport, self.font(), point, margin)

    def pick(self, pos) -> ParamRef | None:
        """What a click at `pos` (mouse_target() coordinates) selects: a parameter, or None (a neuron body,
        an input square, the legend or empty space)."""
        if self._legend_contains(QPointF(pos)):
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
        if self._neuron_under(pos) is not None:
            return None  # inside a circle (or on an input square) the neuron is what the eye sees
        if badge is not None:
            return lo.badge_ref(badge)
        drawn = self._edges.drawn
        if self._drawn_segments[0] is not drawn:
            self._drawn_segments = (drawn, self._segments.subset(drawn))
        k = pick_segment(self._drawn_segments[1], x, y, s, self._edges.widths_px(s))
        return None if k is None else lo.edge_ref(int(drawn[k]))

    def neuron_at(self, pos) -> tuple[int, int] | None:
        """The neuron (k, i) a click at `pos` selects, or None; a parameter under the cursor wins."""
        return None if self.pick(pos) is not None else self._neuron_under(pos)

    def _neuron_under(self, pos) -> tuple[int, int] | None:
        """The neuron whose shape is under `pos`, for a point where pick() found no parameter."""
        if self._legend_contains(QPointF(pos)):
            return None
        lo = self._layout
        p = self.to_scene(pos)
        x, y, s = p.x(), p.y(), self.scale_factor()
        cell = lo.grid_cell(x, y)
        if cell is not None:
            return 0, cell
        d2 = (lo.nx - x) ** 2 + (lo.ny - y) ** 2
        if lo.grid is not None:
            d2[: lo.sizes[0]] = np.inf
        reach = np.maximum(lo.nr, MIN_NEURON_PX / s)
        best = int(np.argmin(d2 / reach**2))
        return lo.neuron_of(best) if d2[best] < reach[best] ** 2 else None

    def edge_point(self, layer: int, src: int, dst: int) -> QPoint:
        """A point (mouse_target() coords) where a click selects exactly W_layer[src, dst].

        If no such point exists at the current view (off-screen, or too dense at this zoom) the view scrolls
        and zooms in toward the edge until one does, as a user would. Raises ValueError for an edge that is
        not drawn (a pair over the edge budget shows only its strongest values: use set_heatmap_mode)."""
        ref = ParamRef.weight(layer, src, dst)
        self._layout.check(ref)
        if layer in self._heatmaps:
            item = self._heatmaps[layer]
            return self._hittable_point(ref, lambda: [item.cell_rect(src, dst).center()])
        lo = self._layout
        e = lo.edge_index(layer, src, dst)
        if not np.any(self._edges.drawn == e):
            raise ValueError(f"{ref.label()} is not drawn: this layer pair shows only its {self.edge_budget} "
                             f"strongest values; set_heatmap_mode({layer}, True) makes every weight clickable")
        a, b = QPointF(lo.x0[e], lo.y0[e]), QPointF(lo.x1[e], lo.y1[e])
        fractions = self._clearest_fractions(e)
        return self._hittable_point(ref, lambda: [a + (b - a) * f for f in fractions])

    def _clearest_fractions(self, e: int) -> list[float]:
        """Fractions along edge e where it is visible, those farthest from every other drawn edge first: the
        view zooms in on the first, so it had better be where the edge stands apart (from a grid, or in a
        dense pair, many spots are within a hair of another edge at any zoom)."""
        lo = self._layout
        x0, y0, x1, y1 = lo.x0[e], lo.y0[e], lo.x1[e], lo.y1[e]
        length = max(float(np.hypot(x1 - x0, y1 - y0)), 1e-9)
        layer = int(np.searchsorted(lo.edge_offsets, e, side="right")) - 1
        start = lo.visible_from(e)
        end = 1.0 - (BADGE_OFFSET + BADGE_HALF) * 1.2 * lo.radius[layer + 1] / length  # clear of circle and badge
        fractions = np.linspace(start, max(end, start), _SAMPLES + 2)[1:-1]
        drawn = self._edges.drawn
        others = self._segments.subset(drawn[drawn != e])
        if others.x0.size == 0:
            return fractions.tolist()
        clearance = [float(np.min(others.distances2(x0 + (x1 - x0) * f, y0 + (y1 - y0) * f))) for f in fractions]
        return fractions[np.argsort(clearance, kind="stable")[::-1]].tolist()

    def bias_point(self, layer: int, neuron: int) -> QPoint:
        """A point where a click selects exactly b_layer[neuron] (the badge of neuron `neuron` of
        neuron-layer layer + 1). Scrolls/zooms like edge_point when it must."""
        ref = ParamRef.bias(layer, neuron)
        self._layout.check(ref)
        i = self._layout.badge_index(layer, neuron)
        centre = QPointF(self._layout.bx[i], self._layout.by[i])
        return self._hittable_point(ref, lambda: [centre])

    def neuron_point(self, k: int, i: int) -> QPoint:
        """A point where a click hits exactly neuron i of neuron-layer k (emits neuronClicked(k, i)).
        Scrolls/zooms like edge_point when it must (a 784-wide column's circles are dots at the fit)."""
        lo = self._layout
        n = lo.neuron_index(k, i)
        x, y, r = float(lo.nx[n]), float(lo.ny[n]), float(lo.nr[n])
        spots = _NEURON_SPOTS[:1] if (lo.grid is not None and k == 0) else _NEURON_SPOTS
        point = self.reachable_point(lambda: [QPointF(x + r * dx, y + r * dy) for dx, dy in spots],
                                     lambda q: self.neuron_at(q) == (k, i), avoid=_Avoid(self))
        if point is None:
            raise RuntimeError(f"found no point where a click selects neuron {i} of layer {k}")
        return point

    def _hittable_point(self, ref: ParamRef, candidates) -> QPoint:
        point = self.reachable_point(candidates, lambda q: self.pick(q) == ref, avoid=_Avoid(self))
        if point is None:
            raise RuntimeError(f"found no point where a click selects {ref.label()}")
        return point
