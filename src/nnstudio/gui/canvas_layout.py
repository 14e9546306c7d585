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
HEATMAP_AUTO_EDGES = 20_000  # pairs above this open as a heatmap (DESIGN §3: drawing 70k+ lines is fill-bound)
BADGE_OFFSET = 0.85  # badge centre at (−r, +r) × this from the neuron centre: its lower-left
BADGE_HALF = 0.35  # half the badge side, in neuron radii


class Layout:
    def __init__(self, sizes: list[int]):
        self.sizes = [int(n) for n in sizes]
        n_layers = len(self.sizes)
        natural = [(n - 1) * NEURON_SPACING for n in self.sizes]
        self.spacing = np.array(
            [NEURON_SPACING if h <= MAX_COLUMN_HEIGHT else MAX_COLUMN_HEIGHT / (n - 1)
             for n, h in zip(self.sizes, natural)]
        )
        self.radius = np.minimum(NEURON_RADIUS, 0.36 * self.spacing)
        gaps = []
        for a, b in zip(self.sizes[:-1], self.sizes[1:]):
            gaps.append(COLUMN_GAP if a * b <= HEATMAP_AUTO_EDGES else float(np.clip(3.0 * b, COLUMN_GAP, WIDE_GAP)))
        self.x = np.concatenate([[0.0], np.cumsum(gaps)])
        self.y = [(np.arange(n) - (n - 1) / 2.0) * s for n, s in zip(self.sizes, self.spacing)]

        # Every neuron, for circles and hit-blocking: flat arrays plus per-layer offsets.
        self.neuron_offsets = np.concatenate([[0], np.cumsum(self.sizes)])
        self.nx = np.concatenate([np.full(n, self.x[l]) for l, n in enumerate(self.sizes)])
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

        # Edge endpoints, centre to centre (the neuron circles are painted over the ends).
        counts = [a * b for a, b in zip(self.sizes[:-1], self.sizes[1:])]
        self.edge_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.intp)
        x0, y0, x1, y1 = [], [], [], []
        for l in range(n_layers - 1):
            ya, yb = np.meshgrid(self.y[l], self.y[l + 1], indexing="ij")  # (n_l, n_{l+1}) like W_l
            x0.append(np.full(ya.size, self.x[l]))
            x1.append(np.full(ya.size, self.x[l + 1]))
            y0.append(ya.ravel())
            y1.append(yb.ravel())
        self.x0, self.y0 = np.concatenate(x0), np.concatenate(y0)
        self.x1, self.y1 = np.concatenate(x1), np.concatenate(y1)

        top = float(np.min(self.ny - self.nr))
        bottom = float(np.max(np.concatenate([self.ny + self.nr, self.by + self.bhalf])))
        left = float(self.x[0] - self.radius[0])
        right = float(self.x[-1] + self.radius[-1])
        self.bounds = (left, top, right - left, bottom - top)

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

    def heatmap_rect(self, layer: int) -> tuple[float, float, float, float]:
        """(x, y, w, h) of W_layer drawn as a matrix between its two columns: row i level with source
        neuron i, column j for destination neuron j, clear of both columns' circles and badges."""
        ra, rb = self.radius[layer], self.radius[layer + 1]
        left = self.x[layer] + ra + 0.1 * COLUMN_GAP
        right = self.x[layer + 1] - (BADGE_OFFSET + BADGE_HALF) * rb - 0.1 * COLUMN_GAP
        s = self.spacing[layer]
        ys = self.y[layer]
        return (float(left), float(ys[0] - s / 2), float(right - left), float(len(ys) * s))

    def smallest_target(self) -> float:
        """The smallest clickable extent in scene units, to bound how far zooming in makes sense."""
        cells = [min(self.heatmap_rect(l)[2] / self.sizes[l + 1], self.spacing[l]) for l in range(self.n_pairs)]
        return float(min(min(cells), float(np.min(self.spacing))))
