"""Every edge of the network in ONE graphics item, drawn as a few batched drawLines calls (architecture.md: Drawing).

Per-edge items or pens cost ~1.5 s a frame at 7k edges; ~20 opaque pen buckets drawn weak → strong cost a
few ms. Geometry (one QLineF per edge) is built once per structure; a weight change only re-sorts edge ids
into buckets. Dimmed edges (focus and forward modes) use a second set of buckets whose colours are
pre-blended toward the background, drawn before all the others so lit edges stay on top.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsItem

from .canvas_layout import Layout
from .palette import MAX_WIDTH, MIN_WIDTH, Quantiser

EDGE_BUDGET = 2_000  # per layer pair: more lines than this only add ink, not information
INTERLEAVE_LINES = 128  # a level with more lines than this alternates signs in slices
PIXEL_MARGIN = 24.0  # scene units around the edges for the widest cosmetic stroke at low zoom


class EdgesItem(QGraphicsItem):
    def __init__(self, quantiser: Quantiser | None = None):
        super().__init__()
        self.quantiser = q = quantiser or Quantiser()
        # Buckets 0…n−1 are the dimmed copies, n…2n−1 the lit ones: index order is draw order.
        self._colors = q.dim_colors + q.colors
        self._bucket_widths = np.asarray(q.widths * 2)
        self._pens: dict[tuple[int, float], QPen] = {}
        self._rect = QRectF()
        self._layout: Layout | None = None
        self._lines: list[QLineF | None] = []
        self._built = np.zeros(0, dtype=bool)  # per pair: QLineF objects exist
        self._shuffle = np.zeros(0, dtype=np.intp)
        self._batches: list[tuple[int, int, list[QLineF]]] = []  # (pair, bucket, lines), weak → strong per pair
        self.geometry_version = 0  # bumps only when the structure changes (tests check it stays put)
        self.drawn = np.zeros(0, dtype=np.intp)  # global edge ids, each pair in draw order weak → strong
        self.drawn_buckets = np.zeros(0, dtype=np.intp)
        self.drawn_pairs = np.zeros(0, dtype=np.intp)
        # Repaints for hover, selection or panning just blit this; set_weights re-renders it.
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)

    # ---- structure ------------------------------------------------------------------------------
    def set_layout(self, layout: Layout) -> None:
        self.prepareGeometryChange()
        self._layout = layout
        x, y, w, h = layout.bounds
        m = PIXEL_MARGIN
        self._rect = QRectF(x - m, y - m, w + 2 * m, h + 2 * m)
        self._lines = [None] * int(layout.edge_offsets[-1])
        self._built = np.zeros(layout.n_pairs, dtype=bool)
        self._shuffle = np.random.default_rng(0).permutation(len(self._lines))  # fixed: no shimmer
        self._batches = []
        self.drawn = self.drawn_buckets = self.drawn_pairs = np.zeros(0, dtype=np.intp)
        self.geometry_version += 1
        self.update()

    def _ensure_lines(self, layer: int) -> None:
        # Built lazily: a 784×128 pair shown as a heatmap never needs its 100k QLineF objects.
        if self._built[layer]:
            return
        lo = self._layout
        a, b = lo.edge_offsets[layer], lo.edge_offsets[layer + 1]
        coords = zip(lo.x0[a:b].tolist(), lo.y0[a:b].tolist(), lo.x1[a:b].tolist(), lo.y1[a:b].tolist())
        self._lines[a:b] = [QLineF(*c) for c in coords]
        self._built[layer] = True

    # ---- values -------------------------------------------------------------------------------
    def set_weights(self, weights: list[np.ndarray], scale: float, hidden: set[int],
                    budget: int = EDGE_BUDGET, dim: np.ndarray | None = None) -> None:
        """Assign edges to pen buckets. `weights` are W_0…W_{L-1}; pairs in `hidden` (shown as a
        heatmap) draw no lines; a pair over `budget` edges draws only its strongest |w|. `dim`, a bool per
        edge id, draws those edges faded toward the background."""
        n = self.quantiser.n_buckets
        lo = self._layout
        get = self._lines.__getitem__
        ids, buckets, pairs, self._batches = [], [], [], []
        for l, W in enumerate(weights):
            if l in hidden:
                continue
            self._ensure_lines(l)
            flat = W.ravel()
            if flat.size > budget:
                sel = np.argpartition(np.abs(np.nan_to_num(flat)), flat.size - budget)[flat.size - budget:]
                values, pair_ids = flat[sel], lo.edge_offsets[l] + sel
            else:
                values, pair_ids = flat, np.arange(lo.edge_offsets[l], lo.edge_offsets[l + 1])
            b = self.quantiser.buckets(values, scale) + (n if dim is None else np.where(dim[pair_ids], 0, n))
            # Sorted by bucket, and within a bucket in a fixed random order (see _interleave).
            order = np.argsort(b * self._shuffle.size + self._shuffle[pair_ids], kind="stable")
            pair_ids, b = pair_ids[order], b[order]
            ids.append(pair_ids)
            buckets.append(b)
            pairs.append(np.full(b.size, l, dtype=np.intp))
            lines = list(map(get, pair_ids.tolist()))
            ends = np.cumsum(np.bincount(b, minlength=2 * n)).tolist()
            self._interleave(l, lines, [0, *ends])
        empty = np.zeros(0, dtype=np.intp)
        self.drawn = np.concatenate(ids) if ids else empty
        self.drawn_buckets = np.concatenate(buckets) if ids else empty
        self.drawn_pairs = np.concatenate(pairs) if ids else empty
        self.update()

    def _interleave(self, layer: int, lines: list[QLineF], bounds: list[int]) -> None:
        """Batches for one pair. Within one magnitude level, drawing all negative lines and then all
        positive ones would paint a dense pair in whichever sign came last; alternating random slices of
        the two signs keeps the mix of colours honest for a few more drawLines calls."""
        for level in range(2 * self.quantiser.levels):
            neg = lines[bounds[2 * level]:bounds[2 * level + 1]]
            pos = lines[bounds[2 * level + 1]:bounds[2 * level + 2]]
            n = max(1, min(8, (len(neg) + len(pos)) // INTERLEAVE_LINES))
            for c in range(n):
                for k, part in ((2 * level, neg[c::n]), (2 * level + 1, pos[c::n])):
                    if part:
                        self._batches.append((layer, k, part))

    def width_factors(self, scale: float) -> np.ndarray:
        """Per pair, how much of the 1…MAX_WIDTH range its strokes use at this zoom.

        A stroke wider than half the gap between neighbouring neurons merges with its neighbours into a
        solid wall (a 64×32 pair at the default fit), so dense pairs draw thinner until zoomed in; colour
        still carries the value."""
        lo = self._layout
        gap_px = 0.5 * np.minimum(lo.spacing[:-1], lo.spacing[1:]) * scale
        cap = np.clip(gap_px, MIN_WIDTH, MAX_WIDTH)
        return (cap - MIN_WIDTH) / (MAX_WIDTH - MIN_WIDTH)

    def widths_px(self, scale: float) -> np.ndarray:
        """The drawn width of every edge in `drawn`, in pixels at `scale`."""
        f = self.width_factors(scale)[self.drawn_pairs]
        return MIN_WIDTH + (self._bucket_widths[self.drawn_buckets] - MIN_WIDTH) * f

    def bucket_color(self, bucket: int):
        """The colour of pen bucket `bucket` (as in drawn_buckets; dimmed buckets come first)."""
        return self._colors[bucket]

    def style_of(self, edge_id: int, scale: float):
        """(QColor, width in px) an edge is drawn with at `scale`, or None if it is not drawn (heatmap or
        over the budget)."""
        at = np.flatnonzero(self.drawn == edge_id)
        if at.size == 0:
            return None
        k = int(self.drawn_buckets[at[0]])
        return self._colors[k], float(self.widths_px(scale)[at[0]])

    def _pen(self, bucket: int, width: float) -> QPen:
        key = (bucket, round(width * 4) / 4)  # quarter-pixel steps: a bounded set of pens
        pen = self._pens.get(key)
        if pen is None:
            pen = QPen(self._colors[bucket], key[1])
            pen.setCosmetic(True)  # widths are pixels at every zoom, as the legend says
            pen.setCapStyle(Qt.FlatCap)  # the ends hide under the neuron circles anyway
            self._pens[key] = pen
        return pen

    # ---- QGraphicsItem ------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter, option, widget=None) -> None:
        if not self._batches:
            return
        factors = self.width_factors(painter.worldTransform().m11()).tolist()
        for layer, k, lines in self._batches:
            width = MIN_WIDTH + (self._bucket_widths[k] - MIN_WIDTH) * factors[layer]
            painter.setPen(self._pen(k, width))
            painter.drawLines(lines)
