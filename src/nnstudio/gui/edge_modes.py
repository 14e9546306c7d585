"""What the edges and bias badges show: the weights, or another per-parameter quantity ("edge modes").

Each mode is one ``EdgeModeInfo`` record in ``EDGE_MODES``: its key, the Edges combo's entry, the legend's
title, the tooltip's symbols, whether the snapshots must carry trainer data for it, and the function that
computes its values. The Edges combo, the canvas and its legend all read these records, so a new mode is a
new record here. The canvas draws whichever arrays a mode gives with the same buckets, palette and legend as
the weights, but with a scale of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine.layout import ParamLayout
from ..engine.refs import ParamRef, format_value
from . import palette


@dataclass(frozen=True)
class EdgeInputs:
    """What a mode may compute its values from: the network rebuilt from the shown parameters, the latest
    snapshot, and the selected sample's forward pass (a function, so modes that do not need it cost nothing;
    it returns None when no sample is selected)."""

    network: Any  # engine.Network
    snapshot: Any  # training.snapshot.Snapshot
    sample_forward: Callable[[], Any]


def _trainer_arrays(field: str) -> Callable[[EdgeInputs], list[np.ndarray] | None]:
    """A mode that shows a flat per-parameter vector the trainer sends with its snapshots."""

    def compute(inputs: EdgeInputs) -> list[np.ndarray] | None:
        flat = getattr(inputs.snapshot, field)
        return None if flat is None else inputs.network.weights_from_flat(flat, copy=True)

    return compute


def _signal(inputs: EdgeInputs) -> list[np.ndarray] | None:
    """w_ij · a_i: what each edge carries for the selected sample; badges show the biases, which carry b."""
    fw = inputs.sample_forward()
    if fw is None:
        return None
    acts, weights = fw.activations, inputs.network.get_weights()
    out = []
    for l in range(inputs.network.n_layers):
        out += [weights[2 * l] * acts[l][0][:, None], weights[2 * l + 1]]
    return out


@dataclass(frozen=True)
class EdgeModeInfo:
    key: str  # what set_edge_mode and the Edges combo's item data call it
    label: str  # the Edges combo's entry
    title: str  # the legend's title over the edges' scale
    describes: str  # its part of the Edges combo's tooltip ("What edges and bias badges show: …")
    symbols: tuple[str, str] | None  # how a tooltip names a weight's and a bias's value; None: the weights' own
    compute: Callable[[EdgeInputs], list[np.ndarray] | None] | None  # None: the weights themselves
    needs_trainer_data: bool = False  # the snapshots must carry gradients and updates while it is shown
    signed: bool = True  # values of both signs (the diverging palette); an unsigned mode refuses negatives
    delta_rings: bool = False  # the neurons get rings with the selected sample's δ = ∂L/∂z
    no_values_caption: str | None = None  # the canvas caption when it cannot compute values (they show weights)


WEIGHT = "weight"
EDGE_MODES: dict[str, EdgeModeInfo] = {
    m.key: m
    for m in (
        EdgeModeInfo(WEIGHT, "weights", "weight / bias", "the weights", None, None),
        EdgeModeInfo("gradient", "gradient ∂L/∂w", "gradient ∂L/∂w (last mini-batch)", "the last mini-batch's gradient",
                     ("∂L/∂w", "∂L/∂b"), _trainer_arrays("grads"), needs_trainer_data=True, delta_rings=True),
        EdgeModeInfo("update", "last update Δw", "last update Δw", "the last update", ("Δw", "Δb"),
                     _trainer_arrays("update"), needs_trainer_data=True),
        EdgeModeInfo("signal", "signal w·a", "signal w·a", "the selected sample's signal w·a", ("w·a", "b"), _signal,
                     no_values_caption="Edges show the weights: choose a sample to see the signal w·a it sends"),
    )
}


def edges_tooltip() -> str:
    """The Edges combo's tooltip, listing every mode."""
    parts = [m.describes for m in EDGE_MODES.values()]
    return f"What edges and bias badges show: {', '.join(parts[:-1])}, or {parts[-1]}"


def title_of(mode: str) -> str:
    """The legend's title of a mode; a mode without a record (a script's own) is titled by its name."""
    info = EDGE_MODES.get(mode)
    return info.title if info else mode


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
        self.title = title_of(WEIGHT)
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
            self.title = title or title_of(WEIGHT)
            return changed
        arrays = checked_arrays(values, sizes, mode) if values is not None else None
        info = EDGE_MODES.get(mode)
        if arrays is not None and info is not None and not info.signed and any((a < 0).any() for a in arrays):
            raise ValueError(f"the {mode} edge mode shows values ≥ 0, and some are negative")
        if mode != self.mode:
            self.tracker.reset()
            if arrays is None:
                arrays = zeros_like_network(sizes)  # nothing to show yet: all neutral until values arrive
        self.mode = mode
        self.title = title or title_of(mode)
        if arrays is not None:
            self.values = arrays
            self.tracker.update(palette.max_abs(arrays))
        return True

    def reset(self) -> None:
        """A new network: values shaped for the old one mean nothing, so back to the weights."""
        self.mode, self.title, self.values = WEIGHT, title_of(WEIGHT), None
        self.tracker.reset()

    def value(self, ref: ParamRef) -> float:
        a = self.values[2 * ref.layer + ref.is_bias]
        return float(a[ref.dst] if ref.is_bias else a[ref.src, ref.dst])

    def tooltip_suffix(self, ref: ParamRef) -> str:
        """'   (∂L/∂w = 0.012)' in a non-weight mode, '' for the weights."""
        if self.is_weight:
            return ""
        info = EDGE_MODES.get(self.mode)
        symbols = info.symbols if info else None
        name = (symbols[1] if ref.is_bias else symbols[0]) if symbols else self.mode
        return f"   ({name} = {format_value(self.value(ref))})"
