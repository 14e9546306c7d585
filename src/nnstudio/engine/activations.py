"""Activation functions, written to preallocated buffers so a training step allocates nothing.

Each activation has a ``forward(z, out, tmp, col)`` that writes f(z) into ``out`` and a
``backward(z, a, d, tmp, col)`` that multiplies ``d`` in place by f'(z). ``tmp`` is a scratch array
shaped like ``z``; ``col`` is an (n, 1) scratch column used by softmax. ``a`` is f(z) as computed by
forward, so derivatives that are cheaper from the output (tanh, sigmoid, elu) use it.

The hot path passes ``out`` positionally and scalars as 0-d arrays: on the tiny arrays of a playground
network NumPy's argument parsing costs more than the arithmetic, and this halves it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEAKY_SLOPE = 0.2  # Keras 3's default negative_slope for activation="leaky_relu"
_INF = float("inf")

_ZERO = np.array(0.0)
_ONE = np.array(1.0)
_SLOPE = np.array(LEAKY_SLOPE)
_HALF_ONE_MINUS_SLOPE = np.array((1.0 - LEAKY_SLOPE) / 2)
_HALF_ONE_PLUS_SLOPE = np.array((1.0 + LEAKY_SLOPE) / 2)
_mul, _add, _sub, _neg, _exp = np.multiply, np.add, np.subtract, np.negative, np.exp
_max_reduce, _sum_reduce = np.maximum.reduce, np.add.reduce


def sigmoid_into(z, out):
    # exp(−log(1 + e^−z)) never overflows and keeps full relative precision for very negative z.
    _neg(z, out)
    np.logaddexp(_ZERO, out, out)
    _neg(out, out)
    _exp(out, out)


def _linear_f(z, out, tmp, col):
    if out is not z:
        np.copyto(out, z)


def _linear_b(z, a, d, tmp, col):
    pass


def _relu_f(z, out, tmp, col):
    np.maximum(z, _ZERO, out=out)


def _relu_b(z, a, d, tmp, col):
    # sign(a) is 1 where z > 0 and 0 elsewhere, and NumPy computes it twice as fast as heaviside(z).
    np.sign(a, tmp)
    _mul(d, tmp, d)


def _leaky_f(z, out, tmp, col):
    _mul(z, _SLOPE, tmp)
    np.maximum(z, tmp, out=out)


def _leaky_b(z, a, d, tmp, col):
    # With s = sign(z) = ±1: f' = (1 + α)/2 + s·(1 − α)/2, i.e. 1 for z > 0 and α below.
    np.sign(z, tmp)
    _mul(tmp, _HALF_ONE_MINUS_SLOPE, tmp)
    _add(tmp, _HALF_ONE_PLUS_SLOPE, tmp)
    _mul(d, tmp, d)


def _tanh_f(z, out, tmp, col):
    np.tanh(z, out)


def _tanh_b(z, a, d, tmp, col):
    _mul(a, a, tmp)
    _sub(_ONE, tmp, tmp)
    _mul(d, tmp, d)


def _sigmoid_f(z, out, tmp, col):
    sigmoid_into(z, out)


def _sigmoid_b(z, a, d, tmp, col):
    _sub(_ONE, a, tmp)
    _mul(tmp, a, tmp)
    _mul(d, tmp, d)


def _elu_f(z, out, tmp, col):
    np.minimum(z, _ZERO, out=tmp)
    np.expm1(tmp, tmp)
    np.maximum(z, _ZERO, out=out)
    _add(out, tmp, out)


def _elu_b(z, a, d, tmp, col):
    # f'(z) = 1 for z > 0 and e^z = a + 1 otherwise, which is min(a + 1, 1) everywhere.
    _add(a, _ONE, tmp)
    np.minimum(tmp, _ONE, out=tmp)
    _mul(d, tmp, d)


def _softplus_f(z, out, tmp, col):
    np.logaddexp(_ZERO, z, out)


def _softplus_b(z, a, d, tmp, col):
    sigmoid_into(z, tmp)
    _mul(d, tmp, d)


def _swish_f(z, out, tmp, col):
    sigmoid_into(z, tmp)
    _mul(z, tmp, out)


def _swish_b(z, a, d, tmp, col):
    # f' = s + a·(1 − s) with s = sigmoid(z) and a = z·s.
    sigmoid_into(z, tmp)
    d_times_s = d * tmp  # swish is rare; one temporary here is cheaper than another buffer everywhere
    _sub(_ONE, tmp, tmp)
    _mul(tmp, a, tmp)
    _mul(d, tmp, d)
    _add(d, d_times_s, d)


def _softmax_f(z, out, tmp, col):
    _max_reduce(z, 1, None, col, True)
    _sub(z, col, out)
    _exp(out, out)
    _sum_reduce(out, 1, None, col, True)
    np.divide(out, col, out)


def _softmax_b(z, a, d, tmp, col):
    # Jacobian-vector product of softmax: a ⊙ (d − Σ d·a).
    _mul(d, a, tmp)
    _sum_reduce(tmp, 1, None, col, True)
    _sub(d, col, d)
    _mul(d, a, d)


SWISH_MIN = -0.2784645427610738  # min of z·sigmoid(z), at z ≈ −1.2785


_SIGMOID = "np.exp(-np.logaddexp(0.0, -z))"  # = 1 / (1 + e^-z) in an exported script, and never overflows


@dataclass(frozen=True)
class Activation:
    """Everything about one activation: the engine's f and f′, what the UI and the exports say about it, and
    where it may be used. Adding an activation is adding one record below."""

    name: str
    forward: Callable
    backward: Callable
    formula: str  # as the neuron maths card shows it
    output_range: tuple[float, float]  # (inf)imum and (sup)remum of f: what a picture of a must span
    numpy: str  # the body of ``def f(z):`` in the exported NumPy script (ASCII, like the script)
    torch: str  # the torch.nn module the exported PyTorch script puts after the Linear layer
    hidden: bool = True  # allowed as a hidden activation
    output_rank: int | None = None  # its place in the output activations' list; None: not allowed as output


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("linear", _linear_f, _linear_b, "f(z) = z", (-_INF, _INF), "return z", "nn.Identity()",
                   output_rank=0),
        Activation("relu", _relu_f, _relu_b, "f(z) = max(0, z)", (0.0, _INF), "return np.maximum(z, 0.0)",
                   "nn.ReLU()"),
        Activation("leaky_relu", _leaky_f, _leaky_b, f"f(z) = max({LEAKY_SLOPE}·z, z)", (-_INF, _INF),
                   f"return np.maximum({LEAKY_SLOPE!r} * z, z)", f"nn.LeakyReLU({LEAKY_SLOPE!r})"),
        Activation("tanh", _tanh_f, _tanh_b, "f(z) = tanh(z)", (-1.0, 1.0), "return np.tanh(z)", "nn.Tanh()",
                   output_rank=2),
        Activation("sigmoid", _sigmoid_f, _sigmoid_b, "f(z) = 1 / (1 + e^−z)", (0.0, 1.0),
                   f"return {_SIGMOID}  # 1 / (1 + e^-z) without overflow", "nn.Sigmoid()", output_rank=1),
        Activation("elu", _elu_f, _elu_b, "f(z) = z if z > 0 else e^z − 1", (-1.0, _INF),
                   "return np.maximum(z, 0.0) + np.expm1(np.minimum(z, 0.0))  # z if z > 0 else e^z - 1", "nn.ELU()"),
        # torch's default threshold 20 returns z itself above 20, off by up to 2e-9; above 40 that is exact.
        Activation("softplus", _softplus_f, _softplus_b, "f(z) = ln(1 + e^z)", (0.0, _INF),
                   "return np.logaddexp(0.0, z)  # ln(1 + e^z)", "nn.Softplus(threshold=40.0)"),
        Activation("swish", _swish_f, _swish_b, "f(z) = z · sigmoid(z)", (SWISH_MIN, _INF),
                   f"return z * {_SIGMOID}  # z * sigmoid(z)", "nn.SiLU()"),
        Activation("softmax", _softmax_f, _softmax_b, "f(z)_k = e^z_k / Σ_j e^z_j", (0.0, 1.0),
                   "e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)",
                   "nn.Softmax(dim=1)", hidden=False, output_rank=3),
    )
}

# The side panel's, the command line's and the engine's lists, in the order the menus show them.
HIDDEN_ACTIVATIONS = tuple(a.name for a in ACTIVATIONS.values() if a.hidden)
OUTPUT_ACTIVATIONS = tuple(name for _, name in sorted((a.output_rank, a.name) for a in ACTIVATIONS.values()
                                                     if a.output_rank is not None))


def get_activation(name: str, *, output: bool = False) -> Activation:
    allowed = OUTPUT_ACTIVATIONS if output else HIDDEN_ACTIVATIONS
    if not isinstance(name, str) or name not in allowed:
        kind = "output activation" if output else "activation"
        raise ValueError(f"unknown {kind} {name!r}; choose one of: {', '.join(allowed)}")
    return ACTIVATIONS[name]


def apply(name: str, z) -> np.ndarray:
    """f(z) for display and checks: allocates, unlike the training path."""
    z = np.asarray(z, dtype=np.float64)
    z2 = np.atleast_2d(z)
    out = np.empty_like(z2)
    ACTIVATIONS[name].forward(z2, out, np.empty_like(z2), np.empty((z2.shape[0], 1)))
    return out.reshape(z.shape)
