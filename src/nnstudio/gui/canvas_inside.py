"""NetworkView's "seeing inside" encodings: neuron values (fill), δ rings, output thumbnails, the focus and
forward (lit layers) modes and the selected neuron. A mixin: it reads the view's layout and items.

None of these rebuild edge geometry; fills, rings and thumbnails only repaint the neurons item, and focus /
lit layers re-bucket the edges with faded copies of the same opaque colours (architecture.md: Drawing).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from . import palette
from .fill_ranges import FillRange
from .legend import diverging_row, grey_row, positive_row, unit_row

DELTA_MIN_SCALE = 1e-6  # δ is often tiny near convergence; the legend says how tiny


def _is_unit(a: np.ndarray) -> bool:
    finite = a[np.isfinite(a)]
    return finite.size > 0 and float(finite.min()) >= 0.0 and float(finite.max()) <= 1.0


LAYER_MAX = "layer max"  # a legend end that differs per layer (neuron maps of an unbounded activation)


def _ranged_colors(arrays, ranges, trackers, prefix: str, classes: bool = False):
    """Packed colours of each layer's values under its FillRange, and one legend row per range name. For
    fills, layers of one activation share a bound, so a colour means one value. For maps (``classes``) an
    unbounded activation's layers each span their own values (one ReLU layer's large outputs would wash out
    every other layer's maps), and a 0…1 range is drawn as the output panel draws class probabilities
    (0 orange, 1 blue)."""
    bounds: dict = {}
    for k, r in enumerate(ranges):
        key = (r.name, k) if classes and r.bound is None else r.name
        if key not in bounds:
            group = [a for j, (a, q) in enumerate(zip(arrays, ranges)) if (q.name, j) == key or q.name == key]
            if r.bound is not None:
                bounds[key] = r.bound
            else:
                bounds[key] = trackers.setdefault(key, palette.ScaleTracker()).update(palette.max_abs(group))
    parts, rows = [], {}
    for k, (a, r) in enumerate(zip(arrays, ranges)):
        per_layer = classes and r.bound is None
        bound, label = bounds[(r.name, k) if per_layer else r.name], f"{prefix}: {r.name}"
        flat = a.ravel()
        if r.kind == "pixels":
            parts.append(palette.grey_argb32(flat, bound))
            rows.setdefault(r.name, grey_row(label, bound))
        elif r.kind == "positive" and classes and r.bound == 1.0:  # the activation's own 0…1, never a tracked 1
            parts.append(palette.colors_argb32(2.0 * flat - 1.0, 1.0))
            rows.setdefault(r.name, unit_row(label))
        elif r.kind == "positive":
            parts.append(palette.colors_argb32(np.maximum(np.nan_to_num(flat, nan=0.0), 0.0), bound))
            row = positive_row(label, bound)
            rows.setdefault(r.name, row._replace(high=LAYER_MAX) if per_layer else row)
        else:
            parts.append(palette.colors_argb32(flat, bound))
            row = diverging_row(label, bound)
            rows.setdefault(r.name, row._replace(low="−" + LAYER_MAX, high="+" + LAYER_MAX) if per_layer else row)
    return parts, list(rows.values())





class InsideMixin:
    def _reset_inside(self) -> None:
        """A new structure: every per-neuron encoding is shaped for the old one, so all are switched off."""
        self._neuron_values = self._deltas = None
        self._fill_ranges: list[FillRange] | None = None  # shaped for a structure: set again after a new one
        self._fill_trackers: dict[str, palette.ScaleTracker] = {}
        self._map_trackers: dict = {}
        self._thumb_rows: list = []
        self._value_rows: list = []
        self._row_layers: dict[str, list[int]] = {}  # fill legend row → the neuron-layers it describes
        self._delta_rows: list = []
        self._values_label = "value"
        self._last_maps = None  # (maps, scale) as last given, to redraw them on a new input grid
        self._focus = self._lit = self._selected_neuron = None
        self._hover_neuron = None
        for tracker in (self._values_tracker, self._delta_tracker, self._thumb_tracker):
            tracker.reset()
        self._neuron_select_item.clear()
        self._neuron_hover_item.clear()
        self._dims = self._dim_masks()
        self._update_legend_rows()

    def _layer_arrays(self, arrays, first: int, what: str, images: bool = False) -> list[np.ndarray]:
        """Copies of one array per neuron-layer first…L, each (n_k,) or, for `images`, (n_k, h, w)."""
        sizes = self._layout.sizes
        want = len(sizes) - first
        if len(arrays) != want:
            raise ValueError(f"{what}: expected {want} arrays (neuron-layers {first}…{len(sizes) - 1}), "
                             f"got {len(arrays)}")
        out = []
        for k, a in enumerate(arrays, start=first):
            a = np.array(a, dtype=np.float64)
            if a.shape[:1] != (sizes[k],) or a.ndim != (3 if images else 1) or 0 in a.shape:
                expected = f"({sizes[k]}, h, w)" if images else f"({sizes[k]},)"
                raise ValueError(f"{what}[{k - first}] has shape {a.shape}, expected {expected}")
            out.append(a)
        return out

    # ---- fills, rings, thumbnails ----------------------------------------------------------------
    def set_fill_ranges(self, ranges: list[FillRange] | None) -> None:
        """What range each neuron-layer's fill spans (fill_ranges.FillRange per layer, inputs first): the
        activation's own range, the inputs' data range. None: one scale for all, from the values."""
        if ranges is not None:
            ranges = list(ranges)
            if len(ranges) != len(self._layout.sizes):
                raise ValueError(f"{len(ranges)} fill ranges for {len(self._layout.sizes)} neuron-layers")
        self._fill_ranges = ranges
        self._fill_trackers = {r.name: palette.ScaleTracker() for r in ranges or ()}
        self._map_trackers: dict = {}  # filled per layer as maps arrive
        if self._neuron_values is not None:
            self.set_neuron_values(self._neuron_values, label=self._values_label)

    def fill_ranges(self) -> list[FillRange] | None:
        return None if self._fill_ranges is None else list(self._fill_ranges)

    def set_neuron_values(self, values, scale: float | None = None, *, label: str = "value") -> None:
        """values[k] of shape (n_k,) for k = 0…L fill the neurons in the weights' palette. With fill ranges
        set (and no `scale`), each layer spans its own range (see set_fill_ranges) and the legend has a row
        per range; otherwise one diverging scale, `scale` or steadied from the values. On an input grid,
        inputs ≥ 0 are pixel intensities: white → black. None: plain white fills. `label` names the value
        in tooltips and the legend."""
        if values is None:
            self._neuron_values, self._value_rows = None, []
            self._values_tracker.reset()
            self._neurons.set_fills(None)
            self._update_legend_rows()
            return
        arrays = self._layer_arrays(values, 0, "neuron values")
        if self._fill_ranges is not None and scale is None:
            argb, rows = self._ranged_fills(arrays)
        else:
            argb, rows = self._uniform_fills(arrays, scale, label)
        self._neuron_values, self._values_label, self._value_rows = arrays, label, rows
        self._values_scale = scale
        self._neurons.set_fills(argb)
        self._update_legend_rows()

    def _ranged_fills(self, arrays: list[np.ndarray]):
        self._row_layers = {}
        for k, r in enumerate(self._fill_ranges):
            self._row_layers.setdefault(f"fill: {r.name}", []).append(k)
        parts, rows = _ranged_colors(arrays, self._fill_ranges, self._fill_trackers, "fill")
        return np.concatenate(parts), rows

    def _uniform_fills(self, arrays: list[np.ndarray], scale: float | None, label: str):
        lo = self._layout
        finite0 = arrays[0][np.isfinite(arrays[0])]
        grey = lo.grid is not None and (finite0.size == 0 or float(finite0.min()) >= 0.0)
        coloured = arrays[1:] if grey else arrays
        s = float(scale) if scale is not None else self._values_tracker.update(palette.max_abs(coloured))
        argb = palette.colors_argb32(np.concatenate(arrays), s)
        rows = [diverging_row(f"fill: {label}", s)]
        if grey:
            top = max(1.0, float(finite0.max()) if finite0.size else 1.0)
            argb[: lo.sizes[0]] = palette.grey_argb32(arrays[0], top)
            rows.append(grey_row("input pixels", top))
        return argb, rows

    def set_neuron_rings(self, deltas, scale: float | None = None) -> None:
        """deltas[k-1] of shape (n_k,) for k = 1…L (δ = ∂L/∂z): a thick ring around each non-input neuron in
        the diverging palette, clamped at `scale` (None: from the values). None: no rings."""
        if deltas is None:
            if self._deltas is None:
                return  # already none: called every frame while training, so no repaint for nothing
            self._deltas, self._delta_rows = None, []
            self._delta_tracker.reset()
            self._neurons.set_rings(None)
            self._update_legend_rows()
            return
        arrays = self._layer_arrays(deltas, 1, "neuron deltas")
        s = float(scale) if scale is not None else self._delta_tracker.update(palette.max_abs(arrays))
        argb = np.zeros(self._layout.n_neurons, dtype=np.uint32)
        argb[self._layout.sizes[0]:] = palette.colors_argb32(np.concatenate(arrays), s)
        self._deltas, self._delta_rows, self._delta_scale = arrays, [diverging_row("ring: δ = ∂L/∂z", s)], s
        self._neurons.set_rings(argb)
        self._update_legend_rows()

    def set_thumbnails(self, maps, scale: float | None = None) -> None:
        """maps[k-1] of shape (n_k, h, w) for k = 1…L: each non-input neuron's output over the input plane,
        drawn inside its circle. Sampled like np.meshgrid(xs, ys) with both increasing: row 0 is the lowest
        y and is drawn at the bottom, as in a plot. With scale None a layer whose values all lie in [0, 1]
        (a sigmoid) maps 0 → orange, ½ → grey, 1 → blue; other layers share a symmetric scale from their
        values. None: no thumbnails."""
        if maps is None:
            self._last_maps, self._thumb_rows = None, []
            self._thumb_tracker.reset()
            self._neurons.set_thumbnails(None)
            self._update_legend_rows()
            return
        arrays = self._layer_arrays(maps, 1, "thumbnail maps", images=True)
        self._last_maps = (arrays, scale)
        if self._fill_ranges is not None and scale is None:
            self._ranged_thumbnails(arrays)
            return
        unit = [scale is None and _is_unit(a) for a in arrays]
        others = [a for a, u in zip(arrays, unit) if not u]
        if scale is not None:
            s = float(scale)
        else:
            s = self._thumb_tracker.update(palette.max_abs(others)) if others else 1.0
        images, offsets = {}, self._layout.neuron_offsets
        for k, (a, u) in enumerate(zip(arrays, unit), start=1):
            n, h, w = a.shape
            argb = palette.colors_argb32(2.0 * a - 1.0 if u else a, 1.0 if u else s).reshape(n, h, w)[:, ::-1, :]
            for i in range(n):
                images[int(offsets[k]) + i] = argb[i]
        rows = [diverging_row("maps: output", s)] if others else []
        if any(unit):
            rows.append(unit_row("maps: output in 0…1"))
        self._thumb_rows = rows
        self._neurons.set_thumbnails(images)
        self._update_legend_rows()

    def _ranged_thumbnails(self, arrays: list[np.ndarray]) -> None:
        """Each layer's maps in its activation's own range, as the fills; a 0…1 output (sigmoid, softmax)
        as the output panel draws it: 0 orange (class 0), ½ grey, 1 blue (class 1)."""
        ranges = self._fill_ranges[1:]
        parts, rows = _ranged_colors(arrays, ranges, self._map_trackers, "maps", classes=True)
        self._map_bounds = [r.bound if r.bound is not None else self._map_trackers[(r.name, k)].scale
                            for k, r in enumerate(ranges)]
        images, offsets = {}, self._layout.neuron_offsets
        for k, (a, argb) in enumerate(zip(arrays, parts), start=1):
            n, h, w = a.shape
            argb = argb.reshape(n, h, w)[:, ::-1, :]
            for i in range(n):
                images[int(offsets[k]) + i] = argb[i]
        self._thumb_rows = rows
        self._neurons.set_thumbnails(images)
        self._update_legend_rows()

    def thumbnail_bound(self, k: int) -> float | None:
        """The end of neuron-layer k's map colour scale (its activation's bound, or its own values' for an
        unbounded one), or None without ranged maps."""
        bounds = getattr(self, "_map_bounds", None)
        return None if bounds is None or not 1 <= k <= len(bounds) else float(bounds[k - 1])

    def thumbnail_colors(self, k: int, i: int) -> np.ndarray | None:
        """The packed 0xFFRRGGBB colours of neuron (k, i)'s map as drawn (row 0 at the top), or None."""
        return self._neurons.thumbnail(self._layout.neuron_index(k, i))

    def has_thumbnails(self) -> bool:
        """Whether every non-input neuron shows its map (set_thumbnails) over its fill."""
        return self._last_maps is not None

    def neuron_fill(self, k: int, i: int) -> QColor:
        """The colour neuron (k, i) is filled with (its input square's colour on an input grid), dimming
        included; under a thumbnail this is the fill the thumbnail covers."""
        return self._neurons.fill_color(self._layout.neuron_index(k, i))

    def neuron_ring(self, k: int, i: int) -> QColor | None:
        """The colour of neuron (k, i)'s δ ring, or None when it has none (inputs, rings off)."""
        return self._neurons.ring_color(self._layout.neuron_index(k, i))

    def _update_legend_rows(self) -> None:
        fills = self._value_rows
        if self._last_maps is not None:  # maps cover every non-input neuron: only the inputs' fills show
            fills = [r for r in fills if 0 in self._row_layers.get(r.label, [0])]
        self._legend.rows = fills + self._delta_rows + self._thumb_rows
        self.viewport().update()

    # ---- focus, forward mode, selection ----------------------------------------------------------
    def set_focus(self, neuron: tuple[int, int] | None) -> None:
        """Focus mode: every edge (and bias badge) not touching `neuron` fades toward the background. None: off."""
        if neuron is not None:
            neuron = (int(neuron[0]), int(neuron[1]))
            self._layout.neuron_index(*neuron)
        if neuron == self._focus:
            return
        self._focus = neuron
        self._dims = self._dim_masks()
        self._restyle()

    def focus(self) -> tuple[int, int] | None:
        return self._focus

    def set_lit_layers(self, upto: int | None) -> None:
        """Forward mode: neuron-layers after `upto`, their badges and the edges into them fade. None: all lit."""
        upto = None if upto is None else int(upto)
        if upto == self._lit:
            return
        self._lit = upto
        self._dims = self._dim_masks()
        self._neurons.set_dim(self._dims[1])
        self._restyle()

    def lit_layers(self) -> int | None:
        return self._lit

    def set_selected_neuron(self, neuron: tuple[int, int] | None) -> None:
        """A clear outline around one neuron (outside its δ ring). None: no selection."""
        if neuron is not None:
            neuron = (int(neuron[0]), int(neuron[1]))
            self._layout.neuron_index(*neuron)
        self._selected_neuron = neuron
        self._show_neuron_overlay(self._neuron_select_item, neuron)

    def selected_neuron(self) -> tuple[int, int] | None:
        return self._selected_neuron

    def set_alert_neurons(self, neurons) -> None:
        """Neurons (k, i) that a health alert names get a red warning sign on the canvas."""
        self._neurons.set_alerts(self._layout.neuron_index(int(k), int(i)) for k, i in neurons)

    def alert_neurons(self) -> list[tuple[int, int]]:
        return [self._layout.neuron_of(i) for i in self._neurons.alerts()]

    def _dim_masks(self):
        """(per edge id, per neuron, per badge) bool masks of what is faded, each None when nothing is."""
        lo = self._layout
        n0 = lo.sizes[0]
        edges = neurons = None
        if self._lit is not None:
            layer_of = np.repeat(np.arange(len(lo.sizes)), lo.sizes)
            neurons = layer_of > self._lit
            edges = np.zeros(int(lo.edge_offsets[-1]), dtype=bool)
            first = min(max(self._lit, 0), lo.n_pairs)  # pair l feeds neuron-layer l + 1
            edges[lo.edge_offsets[first]:] = True
        badges = None if neurons is None else neurons[n0:].copy()
        if self._focus is not None:
            k, i = self._focus
            touch = np.zeros(int(lo.edge_offsets[-1]), dtype=bool)
            if k >= 1:  # edges into the neuron: column i of W_{k-1}
                touch[lo.edge_offsets[k - 1] + np.arange(lo.sizes[k - 1]) * lo.sizes[k] + i] = True
            if k < lo.n_pairs:  # edges out of it: row i of W_k
                start = lo.edge_offsets[k] + i * lo.sizes[k + 1]
                touch[start:start + lo.sizes[k + 1]] = True
            edges = ~touch if edges is None else edges | ~touch
            own = np.ones(lo.bx.size, dtype=bool)
            if k >= 1:
                own[lo.badge_index(k - 1, i)] = False
            badges = own if badges is None else badges | own
        return edges, neurons, badges
