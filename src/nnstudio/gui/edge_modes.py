"""What the edges and bias badges show: the weights, or another per-parameter quantity ("edge modes").

Pure bookkeeping (names, symbols, shape checks); the canvas draws whichever arrays `shown()` returns with the
same buckets, palette and legend as the weights, but with a scale of their own.
"""

from __future__ import annotations

import numpy as np

from ..engine.layout import ParamLayout
from ..engine.refs import ParamRef, format_value
from . import palette

WEIGHT = "weight"
TITLES = {WEIGHT: "weight / bias", "gradient": "gradient ∂L/∂w", "update": "last update Δw", "signal": "signal w·a"}
# How a tooltip names the shown value of a weight and of a bias in each mode.
SYMBOLS = {"gradient": ("∂L/∂w", "∂L/∂b"), "update": ("Δw", "Δb"), "signal": ("w·a", "b")}
MODE_MIN_SCALE = 1e-6  # gradients and updates are often tiny; the weights' 0.1 floor would grey them out


def checked_arrays(arrays, sizes: list[int], what: str = "weights") -> list[np.ndarray]:
    """Copies of a Keras-style list [W0, b0, W1, b1, …] for a network of `sizes`, shapes checked."""
    shapes = ParamLayout(sizes).keras_shapes()
    if len(arrays) != len(shapes):
        raise ValueError(f"expected {len(shapes)} arrays [W0, b0, …] for the {what}, got {len(arrays)}")
    out = []
    for k, (w, shape) in enumerate(zip(arrays, shapes)):
        a = np.array(w, dtype=np.float64)  # a copy: callers may pass views of a buffer they reuse
        if a.shape != shape:
            raise ValueError(f"{what}[{k}] has shape {a.shape}, expected {shape}")
        out.append(a)
    return out


def zeros_like_network(sizes: list[int]) -> list[np.ndarray]:
    """[W0, b0, …] of zeros: views of one fresh vector that nobody else holds."""
    layout = ParamLayout(sizes)
    return layout.split(layout.zeros())


class EdgeMode:
    """The active mode, its values and its own scale tracker (the weights keep theirs)."""

    def __init__(self):
        self.mode = WEIGHT
        self.title = TITLES[WEIGHT]
        self.values: list[np.ndarray] | None = None
        self.tracker = palette.ScaleTracker(minimum=MODE_MIN_SCALE)

    @property
    def is_weight(self) -> bool:
        return self.mode == WEIGHT

    def set(self, mode: str, values, title: str | None, sizes: list[int]) -> bool:
        """Switch to / update `mode`; True if what the edges show changed (they need re-bucketing)."""
        mode = str(mode)
        if not mode:
            raise ValueError("an edge mode needs a name, e.g. 'weight' or 'gradient'")
        if mode == WEIGHT:
            changed = not self.is_weight or (title is not None and title != self.title)
            self.mode, self.values = WEIGHT, None
            self.title = title or TITLES[WEIGHT]
            return changed
        arrays = checked_arrays(values, sizes, mode) if values is not None else None
        if mode != self.mode:
            self.tracker.reset()
            if arrays is None:
                arrays = zeros_like_network(sizes)  # nothing to show yet: all neutral until values arrive
        self.mode = mode
        self.title = title or TITLES.get(mode, mode)
        if arrays is not None:
            self.values = arrays
            self.tracker.update(palette.max_abs(arrays))
        return True

    def reset(self) -> None:
        """A new network: values shaped for the old one mean nothing, so back to the weights."""
        self.mode, self.title, self.values = WEIGHT, TITLES[WEIGHT], None
        self.tracker.reset()

    def value(self, ref: ParamRef) -> float:
        a = self.values[2 * ref.layer + ref.is_bias]
        return float(a[ref.dst] if ref.is_bias else a[ref.src, ref.dst])

    def tooltip_suffix(self, ref: ParamRef) -> str:
        """'   (∂L/∂w = 0.012)' in a non-weight mode, '' for the weights."""
        if self.is_weight:
            return ""
        symbols = SYMBOLS.get(self.mode)
        name = (symbols[1] if ref.is_bias else symbols[0]) if symbols else self.mode
        return f"   ({name} = {format_value(self.value(ref))})"
