"""Where every neuron, badge, edge and heatmap sits, in scene units: pure NumPy, computed once per structure.

Edges are stored pair after pair, each pair in W_l.ravel() order (src-major), so the weights of all
drawn pairs index these arrays directly and a weight change never touches geometry.
"""

from __future__ import annotations

import numpy as np

from ..engine.refs import ParamRef

NEURON_RADIUS = 16.0
NEURON_SPACING = 56.0
COLUMN_GAP = 200.0
WIDE_GAP = 480.0  # the most a heatmap pair's gap may widen to, so its cells are not needlessly thin
MAX_COLUMN_HEIGHT = 720.0  # taller layers are squeezed into this height with smaller circles
HEATMAP_AUTO_EDGES = 20_000  # pairs above this open as a heatmap (architecture.md: Drawing; 70k+ lines are fill-bound)
BADGE_OFFSET = 0.85  # badge centre at (−r, +r) × this from the neuron centre: its lower-left
BADGE_HALF = 0.35  # half the badge side, in neuron radii


GRID_CELL = 28.0  # side of one input square when the input layer is drawn as an image grid
GRID_MAX_SIDE = 360.0  # a larger grid (28×28) shrinks its squares to fit this
END_SPREAD = 0.7  # edges from a grid end within this fraction of the target's radius (see Layout)


class Layout:
    """Positions for a network of `sizes`; with `input_grid` = (h, w) the inputs are an h×w grid of squares
    (row-major: input i is row i // w, column i % w) instead of a column of circles."""

    def __init__(self, sizes: list[int], input_grid: tuple[int, int] | None = None):
        self.sizes = [int(n) for n in sizes]
        self.grid = None if input_grid is None else (int(input_grid[0]), int(input_grid[1]))
        if self.grid is not None and (min(self.grid) < 1 or self.grid[0] * self.grid[1] != self.sizes[0]):
            raise ValueError(f"an input grid of {input_grid} does not hold {self.sizes[0]} inputs")
        n_layers = len(self.sizes)
        natural = [(n - 1) * NEURON_SPACING for n in self.sizes]
        self.spacing = np.array(
            [NEURON_SPACING if h <= MAX_COLUMN_HEIGHT else MAX_COLUMN_HEIGHT / (n - 1)
             for n, h in zip(self.sizes, natural)]
        )
        self.radius = np.minimum(NEURON_RADIUS, 0.36 * self.spacing)
        self.half_width = self.radius.copy()  # half the horizontal extent of each layer's shapes
        if self.grid is not None:
            gh, gw = self.grid
            self.cell = min(GRID_CELL, GRID_MAX_SIDE / max(gh, gw))
            self.spacing[0], self.radius[0] = self.cell, self.cell / 2
            self.half_width[0] = gw * self.cell / 2
        gaps = []
        for a, b in zip(self.sizes[:-1], self.sizes[1:]):
            gaps.append(COLUMN_GAP if a * b <= HEATMAP_AUTO_EDGES else float(np.clip(3.0 * b, COLUMN_GAP, WIDE_GAP)))
        gaps[0] += self.half_width[0] - self.radius[0]  # the same clear space after a grid as after a column
        self.x = np.concatenate([[0.0], np.cumsum(gaps)])
        self.y = [(np.arange(n) - (n - 1) / 2.0) * s for n, s in zip(self.sizes, self.spacing)]

        # Every neuron, for circles and hit-blocking: flat arrays plus per-layer offsets.
        self.neuron_offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(np.intp)
        xs = [np.full(n, self.x[l]) for l, n in enumerate(self.sizes)]
        if self.grid is not None:
            row, col = np.divmod(np.arange(self.sizes[0]), self.grid[1])
            xs[0] = self.x[0] + (col - (self.grid[1] - 1) / 2.0) * self.cell
            self.y[0] = (row - (self.grid[0] - 1) / 2.0) * self.cell
        self.nx = np.concatenate(xs)
        self.ny = np.concatenate(self.y)
        self.nr = np.concatenate([np.full(n, self.radius[l]) for l, n in enumerate(self.sizes)])

        # Bias badges of neuron-layers 1…L, i.e. of b_0…b_{L-1}.
        counts = self.sizes[1:]
        self.badge_offsets = np.concatenate([[0], np.cumsum(counts)])
        hidden_r = np.concatenate([np.full(n, self.radius[l + 1]) for l, n in enumerate(counts)])
        start = self.sizes[0]
        self.bx = self.nx[start:] - BADGE_OFFSET * hidden_r
        self.by = self.ny[start:] + BADGE_OFFSET * hidden_r
        self.bhalf = BADGE_HALF * hidden_r

        # Edge endpoints, centre to centre (the neuron shapes are painted over the ends), src-major like W_l.
        counts = [a * b for a, b in zip(self.sizes[:-1], self.sizes[1:])]
        self.edge_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.intp)
        x0, y0, x1, y1 = [], [], [], []
        for l in range(n_layers - 1):
            a, b = self.layer_slice(l), self.layer_slice(l + 1)
            n_dst = self.sizes[l + 1]
            x0.append(np.repeat(self.nx[a], n_dst))
            y0.append(np.repeat(self.ny[a], n_dst))
            x1.append(np.tile(self.nx[b], self.sizes[l]))
            y1.append(np.tile(self.ny[b], self.sizes[l]))
        if self.grid is not None:
            # From a grid, many squares line up with a target neuron, and straight lines to its centre would
            # lie exactly on top of each other (unclickable at any zoom). Each source aims at its own fixed
            # spot inside the target circle instead; the circle hides where the line ends.
            rng = np.random.default_rng(0)
            angle = rng.uniform(0, 2 * np.pi, self.sizes[0])
            reach = END_SPREAD * np.sqrt(rng.uniform(size=self.sizes[0]))
            r1 = self.radius[1]
            x1[0] = x1[0] + np.repeat(reach * np.cos(angle), self.sizes[1]) * r1
            y1[0] = y1[0] + np.repeat(reach * np.sin(angle), self.sizes[1]) * r1
        self.x0, self.y0 = np.concatenate(x0), np.concatenate(y0)
        self.x1, self.y1 = np.concatenate(x1), np.concatenate(y1)

        top = float(np.min(self.ny - self.nr))
        bottom = float(np.max(np.concatenate([self.ny + self.nr, self.by + self.bhalf])))
        left = float(self.x[0] - self.half_width[0])
        right = float(self.x[-1] + self.radius[-1])
        self.bounds = (left, top, right - left, bottom - top)

    # ---- neurons ----------------------------------------------------------------------------------
    @property
    def n_neurons(self) -> int:
        return int(self.neuron_offsets[-1])

    def layer_slice(self, k: int) -> slice:
        return slice(int(self.neuron_offsets[k]), int(self.neuron_offsets[k + 1]))

    def neuron_index(self, k: int, i: int) -> int:
        if not (0 <= k < len(self.sizes) and 0 <= i < self.sizes[k]):
            raise IndexError(f"neuron ({k}, {i}) does not exist in a {self.sizes} network")
        return int(self.neuron_offsets[k] + i)

    def neuron_of(self, index: int) -> tuple[int, int]:
        k = int(np.searchsorted(self.neuron_offsets, index, side="right")) - 1
        return k, int(index - self.neuron_offsets[k])

    def grid_rect(self) -> tuple[float, float, float, float] | None:
        """(x, y, w, h) of the input grid, or None when the inputs are a column."""
        if self.grid is None:
            return None
        gh, gw = self.grid
        return (float(self.x[0] - gw * self.cell / 2), float(-gh * self.cell / 2), gw * self.cell, gh * self.cell)

    def grid_cell(self, px: float, py: float) -> int | None:
        """The input whose square holds scene point (px, py), or None."""
        rect = self.grid_rect()
        if rect is None:
            return None
        x, y, w, h = rect
        if not (x <= px < x + w and y <= py < y + h):
            return None
        gh, gw = self.grid
        return min(int((py - y) / self.cell), gh - 1) * gw + min(int((px - x) / self.cell), gw - 1)

    @property
    def n_pairs(self) -> int:
        return len(self.sizes) - 1

    def pair_edges(self, layer: int) -> int:
        return self.sizes[layer] * self.sizes[layer + 1]

    def badge_index(self, layer: int, neuron: int) -> int:
        return int(self.badge_offsets[layer] + neuron)

    def edge_index(self, layer: int, src: int, dst: int) -> int:
        return int(self.edge_offsets[layer] + src * self.sizes[layer + 1] + dst)

    def check(self, ref: ParamRef) -> None:
        sizes = self.sizes
        ok = 0 <= ref.layer < len(sizes) - 1 and 0 <= ref.dst < sizes[ref.layer + 1]
        if not ref.is_bias:
            ok = ok and ref.src is not None and 0 <= ref.src < sizes[ref.layer]
        if not ok:
            raise IndexError(f"{ref.label()} does not exist in a {sizes} network")

    def badge_ref(self, index: int) -> ParamRef:
        layer = int(np.searchsorted(self.badge_offsets, index, side="right")) - 1
        return ParamRef.bias(layer, index - int(self.badge_offsets[layer]))

    def edge_ref(self, edge_id: int) -> ParamRef:
        layer = int(np.searchsorted(self.edge_offsets, edge_id, side="right")) - 1
        src, dst = divmod(edge_id - int(self.edge_offsets[layer]), self.sizes[layer + 1])
        return ParamRef.weight(layer, src, dst)

    def visible_from(self, edge_id: int) -> float:
        """The fraction along an edge where it comes out from under its source's shape (an input grid hides
        much of an edge from an inner square; a circle only its radius)."""
        x0, x1 = float(self.x0[edge_id]), float(self.x1[edge_id])
        length = max(float(np.hypot(x1 - x0, self.y1[edge_id] - self.y0[edge_id])), 1e-9)
        if self.grid is not None and edge_id < self.edge_offsets[1]:
            gx, _, gw, _ = self.grid_rect()
            return min(max((gx + gw - x0) / max(x1 - x0, 1e-9), 0.0), 0.9)
        layer = int(np.searchsorted(self.edge_offsets, edge_id, side="right")) - 1
        return float(self.radius[layer]) / length

    def heatmap_rect(self, layer: int) -> tuple[float, float, float, float]:
        """(x, y, w, h) of W_layer drawn as a matrix between its two columns: row i level with source
        neuron i, column j for destination neuron j, clear of both columns' circles and badges."""
        ra, rb = self.half_width[layer], self.radius[layer + 1]
        left = self.x[layer] + ra + 0.1 * COLUMN_GAP
        right = self.x[layer + 1] - (BADGE_OFFSET + BADGE_HALF) * rb - 0.1 * COLUMN_GAP
        s = self.spacing[layer]
        ys = self.y[layer]
        top, bottom = float(np.min(ys)) - s / 2, float(np.max(ys)) + s / 2  # a grid's rows span its height
        return (float(left), top, float(right - left), bottom - top)

    def smallest_target(self) -> float:
        """The smallest clickable extent in scene units, to bound how far zooming in makes sense."""
        cells = [min(self.heatmap_rect(l)[2] / self.sizes[l + 1], self.spacing[l]) for l in range(self.n_pairs)]
        return float(min(min(cells), float(np.min(self.spacing))))
