"""Looking inside a network: the maths of one neuron, loss along one parameter, health alerts, weight stats.

Everything is computed with the engine's own forward and backward passes, vectorised in NumPy; the app
feeds these functions with networks rebuilt from the trainer's snapshots.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS
from .network import Network, _penalty_rate


@dataclass(frozen=True)
class NeuronMath:
    """Forward propagation through neuron ``neuron`` of neuron-layer ``layer + 1`` for one sample.

    ``layer`` indexes weight matrices, as ParamRef does: the inputs are the activations of neuron-layer
    ``layer`` and the weights are the column ``W_layer[:, neuron]``.
    """

    layer: int
    neuron: int
    inputs: np.ndarray  # a_i, shape (n_in,)
    weights: np.ndarray  # w_ij, shape (n_in,)
    products: np.ndarray  # w_ij · a_i
    weighted_sum: float  # Σ w·a
    bias: float  # b
    z: float  # Σ w·a + b
    activation: str
    formula: str  # e.g. "f(z) = tanh(z)"
    output: float  # a = f(z); for softmax the neuron's share of the layer's softmax


@dataclass(frozen=True)
class LossSlice:
    """L(θ) along one parameter with every other parameter fixed, on a data set."""

    index: int  # position in the flat parameter vector
    values: np.ndarray  # the parameter values tried, increasing
    losses: np.ndarray  # L at each value (nan where it was not finite)
    current: float  # the parameter's value now
    loss: float  # L at the current value
    gradient: float  # ∂L/∂θ at the current value (full data set, penalty included)
    learning_rate: float
    next_value: float  # where one plain gradient step would move it: current − learning_rate · gradient


@dataclass(frozen=True)
class Alert:
    kind: str  # "dead_relu", "saturated", "exploding", "vanishing", "nonfinite", "overfitting"
    severity: str  # "warning" or "error"
    message: str
    layer: int | None = None  # neuron-layer index k (1 = first hidden layer), or weight-layer for gradients
    neuron: int | None = None


# ---- the maths of one neuron ---------------------------------------------------------------------
def neuron_math(network: Network, x, layer: int, neuron: int) -> NeuronMath:
    """The card behind one neuron for one sample ``x`` (shape (n0,) or (1, n0)), from ``network.forward``.

    ``z`` and ``output`` are exactly the forward pass's numbers. ``weighted_sum`` is ``z − bias`` rather
    than a separate sum of ``products``, so "Σ w·a + b = z" on the card adds up; it can differ from
    ``products.sum()`` in the last bit, because the engine folds the bias into one matrix product.
    """
    sizes = network.sizes
    if not 0 <= layer < network.n_layers:
        raise IndexError(f"layer {layer} is out of range: the network has layers 0…{network.n_layers - 1}")
    if not 0 <= neuron < sizes[layer + 1]:
        raise IndexError(f"neuron {neuron} is out of range for layer {layer} (0…{sizes[layer + 1] - 1})")
    try:
        x = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("x is not numeric") from None
    if x.size != sizes[0] or x.ndim > 2 or (x.ndim == 2 and x.shape[0] != 1):
        raise ValueError(f"x must be one sample: shape ({sizes[0]},) or (1, {sizes[0]}), got {x.shape}")
    fwd = network.forward(x.reshape(1, -1))
    weights = network.get_weights()
    inputs = fwd.activations[layer][0].copy()
    w = weights[2 * layer][:, neuron].copy()
    bias = float(weights[2 * layer + 1][neuron])
    z = float(fwd.zs[layer][0, neuron])
    name = network.activations[layer]
    return NeuronMath(layer, neuron, inputs, w, inputs * w, z - bias, bias, z, name,
                      ACTIVATIONS[name].formula, float(fwd.activations[layer + 1][0, neuron]))


# ---- loss along one parameter --------------------------------------------------------------------
def parameter_location(network: Network, index: int) -> tuple[int, int, int]:
    """(layer, row, column) of flat parameter ``index`` in its (n_in + 1, n_out) block; row n_in is b."""
    return network.layout.location(index)


_BLOCK_ELEMENTS = 1 << 21  # ~16 MB per float64 array; forward_from holds a few of these per block


def _per_candidate_loss(name: str, z: np.ndarray, a: np.ndarray, T: np.ndarray, k: int) -> np.ndarray:
    """Mean loss of each of the k candidates stacked in (k·N, n_out) arrays, as losses.py defines it."""
    n, m = T.shape
    if name == "mse":
        d = a.reshape(k, n, m) - T
        return np.einsum("kij,kij->k", d, d) / (n * m)
    z = z.reshape(k, n, m)
    if name == "binary_crossentropy":  # log(1 + e^z) − t·z: the sigmoid's cross-entropy from its logits
        return (np.logaddexp(0.0, z) - T * z).sum(axis=(1, 2)) / (n * m)
    zmax = z.max(axis=2, keepdims=True)  # log_softmax, shifted so that no exponential overflows
    log_p = z - zmax - np.log(np.exp(z - zmax).sum(axis=2, keepdims=True))
    return -(T * log_p).sum(axis=(1, 2)) / n


def loss_slice(network: Network, X, Y, loss: str, index: int, values, l1=0.0, l2=0.0) -> np.ndarray:
    """L(θ) for θ = flat parameter ``index`` set to each of ``values``, every other parameter fixed.

    Equals ``network.loss`` at each value (to rounding) but runs the layers below the parameter once:
    W_l[i, j] (or b_l[j]) only moves column j of z_{l+1}, by (v − v0)·a_l[:, i] (or by v − v0), so the
    candidates' z_{l+1} are stacked into one tall batch for ``forward_from``.
    """
    lossdef = network.loss_function(loss)
    l1, l2 = _penalty_rate("l1", l1), _penalty_rate("l2", l2)
    layer, row, col = parameter_location(network, index)
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(values)):
        raise ValueError("values must all be finite")
    fwd = network.forward(X)
    T = network.prepare_targets(Y, lossdef.name)
    N = fwd.activations[0].shape[0]
    if T.shape[0] != N:
        raise ValueError(f"X has {N} samples but Y has {T.shape[0]}")
    params = network.flat_parameters()
    v0 = params[index]
    z0 = fwd.zs[layer]
    is_bias = row == network.sizes[layer]
    a_in = np.ones(N) if is_bias else fwd.activations[layer][:, row]

    # The penalty of every other weight is a constant; the parameter's own term varies (biases: none).
    others = params.copy()
    others[index] = 0.0
    weights = np.concatenate([w.ravel() for w in network.weights_from_flat(others)[0::2]])
    rest = l1 * np.abs(weights).sum() + l2 * weights.dot(weights)
    penalty = np.full(values.shape, rest) if is_bias else rest + l1 * np.abs(values) + l2 * values * values

    out = np.empty(values.size)
    per_block = max(1, _BLOCK_ELEMENTS // (N * (max(network.sizes[layer + 1:]) + 1)))
    with np.errstate(over="ignore", invalid="ignore"):
        for s in range(0, values.size, per_block):
            dv = values[s:s + per_block] - v0
            k = dv.size
            Z = np.tile(z0, (k, 1))
            Z[:, col] = (z0[:, col] + dv[:, None] * a_in).reshape(-1)
            z_out, a_out = network.forward_from(layer, Z)
            out[s:s + k] = _per_candidate_loss(lossdef.name, z_out, a_out, T, k)
    return out + penalty


def loss_slice_around(network: Network, X, Y, loss: str, index: int, learning_rate, l1=0.0, l2=0.0,
                      n: int = 121, half_width=None) -> LossSlice:
    """``loss_slice`` on ``n`` values spread over current ± half_width, with the gradient and one SGD step.

    The default width, max(1, 2·|θ|, 3·|η·g|), shows the bowl around a weight near 0, scales with large
    weights, and always keeps the plain gradient step's destination on screen.
    """
    lr = float(learning_rate)
    if not np.isfinite(lr) or lr < 0:
        raise ValueError(f"learning_rate must be finite and ≥ 0, got {learning_rate!r}")
    if isinstance(n, bool) or operator.index(n) < 2:
        raise ValueError(f"n must be a whole number ≥ 2, got {n!r}")
    parameter_location(network, index)
    with np.errstate(over="ignore", invalid="ignore"):
        value, grads, _ = network.loss_and_gradients(X, Y, loss, l1, l2)
    g = float(network.layout.join(grads)[index])
    current = float(network.flat_parameters()[index])
    step = lr * g
    if half_width is None:  # an overflowed gradient must not blow the range up too
        h = max(1.0, 2 * abs(current), 3 * abs(step) if np.isfinite(step) else 0.0)
    else:
        h = float(half_width)
    if not np.isfinite(h) or h <= 0:
        raise ValueError(f"half_width must be finite and > 0, got {half_width!r}")
    values = np.linspace(current - h, current + h, int(n))
    # The nearest grid point becomes the exact current value; it moves < half a spacing, so order holds.
    values[np.argmin(np.abs(values - current))] = current
    losses = loss_slice(network, X, Y, loss, index, values, l1, l2)
    losses[~np.isfinite(losses)] = np.nan
    return LossSlice(int(index), values, losses, current, value if np.isfinite(value) else float("nan"),
                     g, lr, current - step)


# ---- health ----------------------------------------------------------------------------------------
def _layer_name(k: int, n_layers: int) -> str:
    return "the input layer" if k == 0 else "the output layer" if k == n_layers else f"hidden layer {k}"


def _gradient_blocks(network: Network, grads) -> list[np.ndarray]:
    """Each weight-layer's gradient (W and b together) from a [W0, b0, …] list or a flat vector."""
    layout = network.layout
    if isinstance(grads, np.ndarray) and grads.ndim == 1:
        if grads.size != network.n_params:
            raise ValueError(f"flat gradient has {grads.size} entries, expected {network.n_params}")
        flat = np.asarray(grads, dtype=np.float64)
    else:
        grads = [np.asarray(g, dtype=np.float64) for g in grads]
        shapes = layout.keras_shapes()
        if [g.shape for g in grads] != shapes:
            raise ValueError(f"grads must be [W0, b0, …] shaped {shapes} or a flat vector of {network.n_params}")
        flat = layout.join(grads)
    return [flat[layout.block(l)] for l in range(layout.n_layers)]


def health_report(network: Network, X, grads=None) -> list[Alert]:
    """Problems a learner should know about, on the training features X and (optionally) the last gradient.

    Saturation is only checked in hidden layers: a confident sigmoid or softmax output is the goal of
    training, not a problem. Gradient norms are per weight-layer, weights and biases together.
    """
    alerts: list[Alert] = []
    L = network.n_layers
    if not np.all(np.isfinite(network.flat_parameters())):
        alerts.append(Alert("nonfinite", "error", "Some weights or biases are NaN or infinite: training has "
                            "diverged. Lower the learning rate and reset the network."))
    else:  # with NaN parameters every activation is NaN and the neuron checks would only add noise
        fwd = network.forward(X)
        for k in range(1, L):
            a, name = fwd.activations[k], network.activations[k - 1]
            where = f"of {_layer_name(k, L)}"
            if name == "relu":
                for j in np.flatnonzero(np.all(a == 0.0, axis=0)):
                    alerts.append(Alert("dead_relu", "warning", f"Neuron {j} {where} is a dead ReLU: it outputs 0 "
                                        "for every training sample, so its weights get no gradient.", k, int(j)))
            elif name in ("tanh", "sigmoid"):
                flat = np.abs(a) > 0.99 if name == "tanh" else (a < 0.01) | (a > 0.99)
                share = flat.mean(axis=0)
                for j in np.flatnonzero(share >= 0.95):
                    alerts.append(Alert("saturated", "warning", f"Neuron {j} {where} is saturated: its {name} is "
                                        f"pinned near its limit on {share[j]:.0%} of the training samples, where its "
                                        "slope is almost 0, so it barely learns. Smaller weights or inputs help.",
                                        k, int(j)))
    if grads is None:
        return alerts
    blocks = _gradient_blocks(network, grads)
    if not all(np.all(np.isfinite(g)) for g in blocks):
        alerts.append(Alert("nonfinite", "error", "The last gradient contains NaN or infinite values: the loss "
                            "overflowed. Lower the learning rate and reset the network."))
        return alerts
    norms = [float(np.linalg.norm(g)) for g in blocks]
    for l, norm in enumerate(norms):
        between = f"between {_layer_name(l, L)} and {_layer_name(l + 1, L)}"
        if norm > 1e3:
            alerts.append(Alert("exploding", "warning", f"The gradient of the weights {between} is exploding "
                                f"(size {norm:.3g}): one step can throw them far away. Lower the learning rate.", l))
        elif norm < 1e-7 and max(norms[:l] + norms[l + 1:], default=0.0) > 1e-3:
            alerts.append(Alert("vanishing", "warning", f"The gradient of the weights {between} has vanished "
                                f"(size {norm:.3g}) while other layers still learn, so these weights are stuck. "
                                "ReLU activations or a different initialisation can help.", l))
    return alerts


def overfitting_alert(evaluations, window: int = 5) -> Alert | None:
    """Test loss rising (last > its minimum by > 2%) over the last ``window`` evaluations while train loss falls."""
    if isinstance(window, bool) or operator.index(window) < 2:
        raise ValueError(f"window must be a whole number ≥ 2, got {window!r}")
    recent = [e for e in evaluations if e.test_loss is not None and np.isfinite(e.test_loss)][-window:]
    if len(recent) < window:
        return None
    best = min(recent, key=lambda e: e.test_loss)
    last = recent[-1]
    # Train loss must have fallen over the same stretch in which test loss rose: that is memorising.
    if last.test_loss - best.test_loss > 0.02 * abs(best.test_loss) and last.train_loss < best.train_loss:
        return Alert("overfitting", "warning", f"The network is starting to overfit: from step {best.step} to step "
                     f"{last.step} the test loss rose from {best.test_loss:.4g} to {last.test_loss:.4g} while the "
                     f"training loss fell from {best.train_loss:.4g} to {last.train_loss:.4g}. It is memorising the "
                     "training samples; more data, regularisation or a smaller network help.")
    return None


# ---- statistics and maps ---------------------------------------------------------------------------
def weight_stats(weights, bins: int = 30) -> list[dict]:
    """A histogram, L2 norm and mean |w| of each weight matrix (biases excluded), on shared bin edges.

    ``weights`` is a Network or its [W0, b0, …] list. The edges are symmetric about 0, from the largest
    finite |w| of all layers, so the layers' histograms can be compared bar for bar.
    """
    if hasattr(weights, "get_weights"):
        weights = weights.get_weights()
    Ws = [np.asarray(W, dtype=np.float64) for W in list(weights)[0::2]]
    finite = [W[np.isfinite(W)] for W in Ws]
    m = max((float(np.abs(w).max()) for w in finite if w.size), default=0.0)
    edges = np.linspace(-m, m, int(bins) + 1) if m > 0 else np.linspace(-1.0, 1.0, int(bins) + 1)
    return [{"layer": l, "counts": np.histogram(w, edges)[0], "edges": edges.copy(),
             "norm": float(np.linalg.norm(W)), "mean_abs": float(np.abs(W).mean()) if W.size else 0.0}
            for l, (W, w) in enumerate(zip(Ws, finite))]


def neuron_maps(network: Network, features) -> list[np.ndarray]:
    """Every non-input neuron's activation on a grid of input ``features`` (G, n0): one (G, n_k) per layer.

    The GUI draws column j of map k as neuron j's little heat map, like the playground's node thumbnails.
    """
    return network.forward(features).activations[1:]
