"""The one place that knows how a network's parameters are laid out in a flat vector.

Layer l (the l-th weight matrix, as in ``Network.get_weights()``) owns one contiguous block of the flat
vector, shaped (n_l + 1, n_{l+1}) in row-major order: its first n_l rows are W_l (Keras' kernel,
W_l[i, j] joins neuron i of neuron-layer l to neuron j of neuron-layer l + 1) and its last row is b_l.
Raveling [W0, b0, W1, b1, …] one after the other gives exactly this vector, which is why ``join`` is a
concatenation and ``split`` only reshapes.

Everything else (the network's views, ParamRef ↔ index, project files, weight files, the canvas'
Keras-style lists) asks a ``ParamLayout`` instead of working the offsets out again.
"""

from __future__ import annotations

import bisect
import operator
from dataclasses import dataclass, field

import numpy as np

from .refs import ParamRef
from .validation import check_sizes


@dataclass(frozen=True)
class ParamLayout:
    """Where every weight and bias of a network with layer ``sizes`` sits in its flat parameter vector."""

    sizes: tuple[int, ...]
    # offsets[l] is where layer l's block starts; offsets[-1] is the number of parameters.
    offsets: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __init__(self, sizes):
        object.__setattr__(self, "sizes", tuple(check_sizes(sizes)))
        ends = [0]
        for m, n in zip(self.sizes[:-1], self.sizes[1:]):
            ends.append(ends[-1] + (m + 1) * n)
        object.__setattr__(self, "offsets", tuple(ends))

    # ---- counts and blocks ---------------------------------------------------------------------
    @property
    def n_layers(self) -> int:
        """Number of weight matrices (= layers with a bias)."""
        return len(self.sizes) - 1

    @property
    def n_params(self) -> int:
        return self.offsets[-1]

    def block(self, layer: int) -> slice:
        """Layer ``layer``'s slice of the flat vector (W_layer then b_layer)."""
        return slice(self.offsets[layer], self.offsets[layer + 1])

    def block_shape(self, layer: int) -> tuple[int, int]:
        """(n_in + 1, n_out): the shape layer ``layer``'s block takes, bias as its last row."""
        return self.sizes[layer] + 1, self.sizes[layer + 1]

    def keras_shapes(self) -> list[tuple[int, ...]]:
        """The shapes of [W0, b0, W1, b1, …]: (n_l, n_{l+1}) and (n_{l+1},)."""
        return [s for m, n in zip(self.sizes[:-1], self.sizes[1:]) for s in ((m, n), (n,))]

    def torch_names(self) -> list[str]:
        """state_dict names of [W0, b0, …] in an ``nn.Sequential(Linear, act, Linear, act, …)``: the Linear
        layers sit at even indices, so "0.weight", "0.bias", "2.weight", …. (PyTorch keeps W transposed.)"""
        return [f"{2 * l}.{part}" for l in range(self.n_layers) for part in ("weight", "bias")]

    # ---- single parameters ---------------------------------------------------------------------
    def index(self, ref: ParamRef) -> int:
        """Position of ``ref`` in the flat vector; IndexError if the network has no such parameter."""
        if ref.is_bias:
            return self.bias_index(ref.layer, ref.dst)
        if ref.src is None:
            raise IndexError(f"{ref.label()} names no source neuron")
        return self.weight_index(ref.layer, ref.src, ref.dst)

    def weight_index(self, layer: int, i: int, j: int) -> int:
        """Position of W_layer[i, j]."""
        self._check(layer, i, j)
        return self.offsets[layer] + i * self.sizes[layer + 1] + j

    def bias_index(self, layer: int, j: int) -> int:
        """Position of b_layer[j]: the block's last row."""
        self._check(layer, None, j)
        return self.offsets[layer] + self.sizes[layer] * self.sizes[layer + 1] + j

    def location(self, index: int) -> tuple[int, int, int]:
        """(layer, row, column) of flat parameter ``index`` in its (n_in + 1, n_out) block; row n_in is b."""
        index = operator.index(index)
        if not 0 <= index < self.n_params:
            raise IndexError(f"parameter index {index} is out of range (0…{self.n_params - 1})")
        layer = bisect.bisect_right(self.offsets, index) - 1
        row, col = divmod(index - self.offsets[layer], self.sizes[layer + 1])
        return layer, row, col

    def ref(self, index: int) -> ParamRef:
        """The weight or bias at flat position ``index``."""
        layer, row, col = self.location(index)
        return ParamRef.bias(layer, col) if row == self.sizes[layer] else ParamRef.weight(layer, row, col)

    def _check(self, layer, i, j) -> None:
        if not 0 <= layer < self.n_layers:
            raise IndexError(f"layer {layer} is out of range: the network has layers 0…{self.n_layers - 1}")
        if i is not None and not 0 <= i < self.sizes[layer]:
            raise IndexError(f"neuron {i} is out of range for layer {layer}'s inputs (0…{self.sizes[layer] - 1})")
        if not 0 <= j < self.sizes[layer + 1]:
            raise IndexError(f"neuron {j} is out of range for layer {layer}'s outputs (0…{self.sizes[layer + 1] - 1})")

    # ---- whole vectors -------------------------------------------------------------------------
    def zeros(self) -> np.ndarray:
        """A flat float64 vector of zeros, one entry per parameter."""
        return np.zeros(self.n_params)

    def blocks(self, flat: np.ndarray) -> list[np.ndarray]:
        """Each layer's (n_in + 1, n_out) block as a **view** of ``flat`` (writes go through)."""
        flat = self._flat(flat)
        return [flat[self.block(l)].reshape(self.block_shape(l)) for l in range(self.n_layers)]

    def split(self, flat: np.ndarray, copy: bool = False) -> list[np.ndarray]:
        """[W0, b0, W1, b1, …] of a flat vector: **views** of ``flat`` (writes go through), or copies."""
        out = [x for Wb in self.blocks(flat) for x in (Wb[:-1], Wb[-1])]
        return [x.copy() for x in out] if copy else out

    def join(self, arrays) -> np.ndarray:
        """A new flat float64 vector from [W0, b0, W1, b1, …]; ValueError unless the shapes fit."""
        arrays = list(arrays)
        shapes = self.keras_shapes()
        if len(arrays) != len(shapes):
            raise ValueError(f"expected {len(shapes)} arrays [W0, b0, …] for {self.n_layers} layer(s), "
                             f"got {len(arrays)}")
        out = np.empty(self.n_params)
        at = 0
        for k, (a, shape) in enumerate(zip(arrays, shapes)):
            a = np.asarray(a, dtype=np.float64)
            if a.shape != shape:
                raise ValueError(f"arrays[{k}] has shape {a.shape}, expected {shape}")
            out[at:at + a.size] = a.ravel()
            at += a.size
        return out

    def weight_mask(self) -> np.ndarray:
        """1.0 at every weight and 0.0 at every bias (penalties cover the weights only)."""
        mask = np.ones(self.n_params)
        for Wb in self.blocks(mask):
            Wb[-1] = 0.0
        return mask

    def _flat(self, flat) -> np.ndarray:
        flat = np.asarray(flat)  # an ndarray stays itself, so the views below are views of the caller's array
        if flat.shape != (self.n_params,):
            raise ValueError(f"a flat parameter vector of shape ({self.n_params},) is needed, got {flat.shape}")
        return flat
