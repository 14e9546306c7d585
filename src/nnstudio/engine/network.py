"""A fully connected network with Keras ``Dense`` parameter layout and an allocation-free training step.

All parameters live in one flat float64 vector laid out as ``ParamLayout`` says (engine/layout.py): layer
after layer, each an (n_in + 1, n_out) block whose first n_in rows are W (Keras' kernel) and whose last row
is b. Activations carry a trailing column of ones, so one matrix product computes x·W + b and one computes
both ∂L/∂W and ∂L/∂b. The flat vector lets an optimizer update every parameter with a few NumPy calls.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from .activations import get_activation
from .initializers import get_initializer
from .layout import ParamLayout
from .losses import get_loss
from .validation import as_finite_2d, prepare_targets


class Forward(NamedTuple):
    """``zs[l]`` and ``activations[l + 1]`` belong to neuron-layer l + 1 (the one ``b_l`` feeds);
    ``activations[0]`` is the input."""

    zs: list
    activations: list


class _Workspace:
    """Preallocated buffers for one batch size, and the per-layer argument tuples that the forward
    and backward loops unpack (cheaper than indexing a dozen lists on every step)."""

    def __init__(self, net: Network, n: int):
        sizes, acts = net._sizes, net._acts
        self.x_ext = np.ones((n, sizes[0] + 1))
        self.z = [np.empty((n, m)) for m in sizes[1:]]
        self.a_ext = [np.ones((n, m + 1)) for m in sizes[1:-1]]
        output_linear = acts[-1].name == "linear"
        self.a = [e[:, :-1] for e in self.a_ext] + [self.z[-1] if output_linear else np.empty((n, sizes[-1]))]
        self.delta = [np.empty((n, m)) for m in sizes[1:]]
        self.tmp = [np.empty((n, m)) for m in sizes[1:]]
        self.col = np.empty((n, 1))
        k = len(acts) - 1
        self.hidden_plan = [
            (net._Wb[l], self.z[l], self.a[l], self.tmp[l], acts[l].forward, self.a_ext[l]) for l in range(k)
        ]
        self.output_plan = (net._Wb[k], self.z[k], self.a[k], self.tmp[k], acts[k].forward)
        self.back_plan = [
            (self.a_ext[l - 1].T, self.delta[l], net._gWb[l], net._W[l].T,
             self.delta[l - 1], self.z[l - 1], self.a[l - 1], self.tmp[l - 1], acts[l - 1].backward)
            for l in range(k, 0, -1)
        ]


_dot = np.dot


class Network:
    def __init__(self, sizes, activation="tanh", output_activation="linear", seed=None, init="glorot_uniform"):
        self.layout = ParamLayout(sizes)
        self._sizes = list(self.layout.sizes)
        L = len(self._sizes) - 1
        hidden = [activation] * (L - 1) if isinstance(activation, str) else list(activation)
        if len(hidden) != L - 1:
            raise ValueError(
                f"activation lists {len(hidden)} names but the network has {L - 1} hidden layer(s); "
                "give one name, or one per hidden layer"
            )
        if isinstance(activation, str):
            get_activation(activation)  # an unknown name is an error even without hidden layers
        self._acts = [get_activation(a) for a in hidden] + [get_activation(output_activation, output=True)]
        self._init_fn = get_initializer(init)
        self.init = init
        self.seed = seed

        self._params = self.layout.zeros()
        self._grads = self.layout.zeros()
        self._Wb, self._W, self._b = self._views(self._params)
        self._gWb, _, _ = self._views(self._grads)
        self._weight_mask = self.layout.weight_mask()
        self._reg = np.empty_like(self._params)
        self._cache: OrderedDict[int, _Workspace] = OrderedDict()
        self.reinitialize(seed)

    # ---- structure -------------------------------------------------------------------------
    def _views(self, flat):
        Wb = self.layout.blocks(flat)
        return Wb, [x[:-1] for x in Wb], [x[-1] for x in Wb]

    @property
    def sizes(self) -> list[int]:
        return list(self._sizes)

    @property
    def n_layers(self) -> int:
        """Number of weight matrices (= layers with a bias)."""
        return len(self._sizes) - 1

    @property
    def activations(self) -> list[str]:
        """Activation name of every non-input layer, output last."""
        return [a.name for a in self._acts]

    @property
    def activation(self) -> str | list[str]:
        names = self.activations[:-1]
        return names[0] if names and all(n == names[0] for n in names) else names

    @property
    def output_activation(self) -> str:
        return self._acts[-1].name

    @property
    def n_params(self) -> int:
        return self._params.size

    def config(self) -> dict:
        return {
            "sizes": self.sizes,
            "activation": self.activations[:-1],
            "output_activation": self.output_activation,
            "seed": self.seed,
            "init": self.init,
        }

    def copy(self) -> Network:
        other = Network(self._sizes, self.activations[:-1], self.output_activation, self.seed, self.init)
        other._params[...] = self._params
        return other

    def reinitialize(self, seed=None, init: str | None = None) -> None:
        if init is not None:
            self._init_fn = get_initializer(init)
            self.init = init
        self.seed = seed
        rng = np.random.default_rng(seed)
        for W, b in zip(self._W, self._b):
            self._init_fn(rng, W, b)

    # ---- parameters (Keras layout) ---------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        return self.weights_from_flat(self._params, copy=True)

    def weights_from_flat(self, flat: np.ndarray, copy: bool = False) -> list[np.ndarray]:
        """[W0, b0, W1, b1, …] as views (or copies) of a flat vector laid out like this network's."""
        return self.layout.split(flat, copy=copy)

    def set_weights(self, weights) -> None:
        expected = self.layout.keras_shapes()
        weights = list(weights)
        if len(weights) != len(expected):
            raise ValueError(
                f"set_weights needs {len(expected)} arrays [W0, b0, …] for {self.n_layers} layer(s), "
                f"got {len(weights)}"
            )
        arrays = []
        for k, (w, shape) in enumerate(zip(weights, expected)):
            name = f"{'W' if k % 2 == 0 else 'b'}{k // 2}"
            try:
                arr = np.asarray(w, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"weights[{k}] ({name}) is not numeric") from None
            if arr.shape != shape:
                raise ValueError(f"weights[{k}] ({name}) has shape {arr.shape}, expected {shape}")
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"weights[{k}] ({name}) contains NaN or inf")
            arrays.append(arr)
        for k, arr in enumerate(arrays):
            target = self._W[k // 2] if k % 2 == 0 else self._b[k // 2]
            target[...] = arr

    def flat_parameters(self) -> np.ndarray:
        """A copy of every parameter as one vector (what the trainer puts in its snapshots)."""
        return self._params.copy()

    def set_flat_parameters(self, flat) -> None:
        flat = np.asarray(flat, dtype=np.float64)
        if flat.shape != self._params.shape:
            raise ValueError(f"flat parameters have shape {flat.shape}, expected {self._params.shape}")
        if not np.all(np.isfinite(flat)):
            raise ValueError("flat parameters contain NaN or inf")
        self._params[...] = flat

    def set_parameter(self, index: int, value) -> float:
        """Sets one entry of the flat parameter vector; returns the old value."""
        v = self._finite(value)
        if not 0 <= index < self._params.size:
            raise IndexError(f"parameter index {index} is out of range (0…{self._params.size - 1})")
        old = float(self._params[index])
        self._params[index] = v
        return old

    def weight_index(self, layer: int, i: int, j: int) -> int:
        """Position of W_layer[i, j] in the flat parameter vector."""
        return self.layout.weight_index(layer, i, j)

    def bias_index(self, layer: int, j: int) -> int:
        """Position of b_layer[j] in the flat parameter vector."""
        return self.layout.bias_index(layer, j)

    @staticmethod
    def _finite(value) -> float:
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"value must be a number, got {value!r}") from None
        if not np.isfinite(v):
            raise ValueError(f"value must be finite, got {value!r}")
        return v

    def weight(self, layer: int, i: int, j: int) -> float:
        return float(self._params[self.weight_index(layer, i, j)])

    def set_weight(self, layer: int, i: int, j: int, value) -> None:
        self._params[self.weight_index(layer, i, j)] = self._finite(value)

    def bias(self, layer: int, j: int) -> float:
        return float(self._params[self.bias_index(layer, j)])

    def set_bias(self, layer: int, j: int, value) -> None:
        self._params[self.bias_index(layer, j)] = self._finite(value)

    # ---- computing -------------------------------------------------------------------------
    def _workspace(self, n: int) -> _Workspace:
        ws = self._cache.get(n)
        if ws is None:
            ws = self._cache[n] = _Workspace(self, n)
            if len(self._cache) > 6:
                self._cache.popitem(last=False)
        return ws

    def _extended(self, X) -> tuple[np.ndarray, _Workspace]:
        X = as_finite_2d(X, self._sizes[0], "X")
        ws = self._workspace(X.shape[0])
        ws.x_ext[:, :-1] = X
        return ws.x_ext, ws

    def extend_inputs(self, X) -> np.ndarray:
        """X with a trailing column of ones, the form the fast training path takes (see TrainingLoop)."""
        X = as_finite_2d(X, self._sizes[0], "X")
        return np.hstack([X, np.ones((X.shape[0], 1))])

    def _forward(self, xe, ws, output_activation=True):
        col, inp = ws.col, xe
        for Wb, z, a, tmp, forward, a_ext in ws.hidden_plan:
            _dot(inp, Wb, z)
            forward(z, a, tmp, col)
            inp = a_ext
        Wb, z, a, tmp, forward = ws.output_plan
        _dot(inp, Wb, z)
        if output_activation:
            forward(z, a, tmp, col)

    def _backward(self, xe, ws):
        col = ws.col
        for inp_T, delta, gWb, W_T, d, z, a, tmp, backward in ws.back_plan:
            _dot(inp_T, delta, gWb)
            _dot(delta, W_T, d)
            backward(z, a, d, tmp, col)
        _dot(xe.T, ws.delta[0], self._gWb[0])

    def _regularise(self, l1: float, l2: float) -> float:
        """Adds the penalty's gradient to the gradients and returns the penalty (weights only)."""
        w = self._reg
        np.multiply(self._params, self._weight_mask, out=w)
        penalty = 0.0
        if l2:
            penalty += l2 * w.dot(w)
        if l1:
            penalty += l1 * np.abs(w).sum()
            s = np.sign(w)
            np.multiply(s, l1, out=s)
            np.add(self._grads, s, out=self._grads)
        if l2:
            np.multiply(w, 2.0 * l2, out=w)
            np.add(self._grads, w, out=self._grads)
        return penalty

    def _loss_and_grads(self, xe, T, loss, l1, l2, ws) -> float:
        self._forward(xe, ws, not loss.computes_output)
        k = len(self._acts) - 1
        value = loss.fn(self._acts[k], ws.z[k], ws.a[k], T, ws.delta[k], ws.tmp[k], ws.col)
        self._backward(xe, ws)
        if l1 or l2:
            value += self._regularise(l1, l2)
        return float(value)

    def _train_step(self, xe, T, optimizer, loss, l1=0.0, l2=0.0) -> float:
        """The hot path: inputs already extended and validated, targets already prepared."""
        value = self._loss_and_grads(xe, T, loss, l1, l2, self._workspace(xe.shape[0]))
        optimizer.step(self._params, self._grads)
        return value

    def predict(self, X) -> np.ndarray:
        xe, ws = self._extended(X)
        self._forward(xe, ws)
        return ws.a[-1].copy()

    def forward(self, X) -> Forward:
        xe, ws = self._extended(X)
        self._forward(xe, ws)
        return Forward([z.copy() for z in ws.z], [xe[:, :-1].copy()] + [a.copy() for a in ws.a])

    def forward_from(self, layer: int, z) -> tuple[np.ndarray, np.ndarray]:
        """(z, a) of the output layer when neuron-layer ``layer + 1`` has pre-activation ``z`` (N, n_{layer+1}).

        Applies that layer's activation and every later layer, in fresh arrays (never the training
        workspaces, so it can run between steps with any N). Like ``_forward`` it multiplies activations
        carrying a column of ones by the (n_in + 1, n_out) blocks, so its z's are the engine's own.
        """
        if not 0 <= layer < self.n_layers:
            raise IndexError(f"layer {layer} is out of range: the network has layers 0…{self.n_layers - 1}")
        z = np.array(z, dtype=np.float64)  # a copy: for the output layer z itself is returned
        if z.ndim != 2 or z.shape[1] != self._sizes[layer + 1]:
            raise ValueError(f"z has shape {z.shape}, expected (n_samples, {self._sizes[layer + 1]})")
        n = z.shape[0]
        col = np.empty((n, 1))
        last = self.n_layers - 1
        for l in range(layer, last):
            a_ext = np.ones((n, self._sizes[l + 1] + 1))
            self._acts[l].forward(z, a_ext[:, :-1], np.empty_like(z), col)
            z = _dot(a_ext, self._Wb[l + 1])
        a = np.empty_like(z)
        self._acts[last].forward(z, a, np.empty_like(z), col)
        return z, a

    def loss_function(self, loss: str):
        return get_loss(loss, self.output_activation)

    def prepare_targets(self, Y, loss: str = "mse") -> np.ndarray:
        """Y as the (N, n_out) float array the loss compares with; integer labels become one-hot."""
        return prepare_targets(Y, self._sizes[-1], self.loss_function(loss).name)

    def _checked(self, X, Y, loss, l1, l2):
        lossdef = self.loss_function(loss)
        l1 = _penalty_rate("l1", l1)
        l2 = _penalty_rate("l2", l2)
        xe, ws = self._extended(X)
        T = prepare_targets(Y, self._sizes[-1], lossdef.name)
        if T.shape[0] != xe.shape[0]:
            raise ValueError(f"X has {xe.shape[0]} samples but Y has {T.shape[0]}")
        return xe, T, lossdef, l1, l2, ws

    def loss(self, X, Y, loss: str = "mse", l1=0.0, l2=0.0) -> float:
        xe, T, lossdef, l1, l2, ws = self._checked(X, Y, loss, l1, l2)
        self._forward(xe, ws, not lossdef.computes_output)
        k = len(self._acts) - 1
        value = lossdef.fn(self._acts[k], ws.z[k], ws.a[k], T, ws.delta[k], ws.tmp[k], ws.col)
        return float(value + self.penalty(l1, l2))

    def penalty(self, l1=0.0, l2=0.0) -> float:
        w = self._params[self._weight_mask.astype(bool)]
        return float(l1 * np.abs(w).sum() + l2 * w.dot(w))

    def loss_and_gradients(self, X, Y, loss: str = "mse", l1=0.0, l2=0.0):
        """(loss, grads in get_weights() order, deltas ∂L/∂z per non-input layer), all copies."""
        xe, T, lossdef, l1, l2, ws = self._checked(X, Y, loss, l1, l2)
        value = self._loss_and_grads(xe, T, lossdef, l1, l2, ws)
        return value, self.weights_from_flat(self._grads, copy=True), [d.copy() for d in ws.delta]

    def train_step(self, X, Y, optimizer, loss: str = "mse", l1=0.0, l2=0.0) -> float:
        """One update on (X, Y); returns the loss before the update."""
        xe, T, lossdef, l1, l2, ws = self._checked(X, Y, loss, l1, l2)
        return self._train_step(xe, T, optimizer, lossdef, l1, l2)


def _penalty_rate(name, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be finite and ≥ 0, got {value!r}")
    return v
