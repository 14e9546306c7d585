"""What range each neuron-layer's fill colours span: the activation's own range, the inputs' data range.

One scale for every layer made a tanh unit at −0.99 look white next to inputs of ±200, and drew a dead ReLU
(a = 0) in the negative colour of a shared 0…1 map. So each layer gets its own range (architecture.md Encoding's palette
throughout): a range that may be negative is diverging (orange −bound, grey 0, blue +bound); a range that
never is starts at grey 0 and goes to blue, so a zero activation is never orange; pixels are grey ink.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..engine.activations import ACTIVATIONS
from . import palette

Kind = Literal["diverging", "positive", "pixels"]


@dataclass(frozen=True)
class FillRange:
    """name: what the legend calls the layer ("inputs", "tanh"…); bound: the end of the colour scale, or
    None when it follows the values shown (an unbounded activation)."""

    name: str
    kind: Kind
    bound: float | None = None


def activation_fill(name: str) -> FillRange:
    lo, hi = ACTIVATIONS[name].output_range
    kind: Kind = "positive" if lo >= 0 else "diverging"
    bound = max(abs(lo), abs(hi))
    return FillRange(name, kind, bound if math.isfinite(bound) else None)


def input_fill(F_train: np.ndarray, pixels: bool) -> FillRange:
    """The inputs' data range over the training set (fixed while the data stays: one sample's own
    values would make every sample look alike)."""
    F = np.asarray(F_train, dtype=np.float64)
    finite = F[np.isfinite(F)]
    # A round bound the legend can print (±5 for data up to 4.95), as the weights' legend does.
    top = palette.nice_scale(float(np.abs(finite).max()) if finite.size else 1.0)
    if pixels and (finite.size == 0 or finite.min() >= 0):
        return FillRange("input pixels", "pixels", top)
    return FillRange("inputs", "positive" if finite.size and finite.min() >= 0 else "diverging", top)


def fill_ranges(activations: list[str], F_train: np.ndarray, pixels: bool = False) -> list[FillRange]:
    """One FillRange per neuron-layer: the inputs, then each layer's activation (output last)."""
    return [input_fill(F_train, pixels)] + [activation_fill(a) for a in activations]
