"""Losses with Keras semantics, each fused with the output activation's backward pass.

A loss function ``fn(act, z, a, T, delta, tmp, col)`` returns the mean loss over the batch and writes
∂L/∂z of the output layer into ``delta``; the fused cross-entropies also write the output ``a``.
Cross-entropies work from the logits z, not from the probabilities, so a saturated sigmoid or softmax
never produces log(0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

_ZERO = np.array(0.0)
_mul, _sub, _exp = np.multiply, np.subtract, np.exp


def _mse(act, z, a, T, delta, tmp, col):
    _sub(a, T, delta)
    loss = np.vdot(delta, delta) / delta.size
    _mul(delta, np.array(2.0 / delta.size), delta)
    act.backward(z, a, delta, tmp, col)
    return loss


def _binary_crossentropy(act, z, a, T, delta, tmp, col):
    # −t·log σ(z) − (1 − t)·log(1 − σ(z)) = log(1 + e^z) − t·z, computed without overflow;
    # σ(z) = exp(z − log(1 + e^z)) reuses that log, so the sigmoid's own forward pass is skipped.
    np.logaddexp(_ZERO, z, tmp)
    _mul(T, z, delta)
    _sub(tmp, delta, delta)
    size = delta.size
    loss = np.add.reduce(delta, None) / size
    _sub(z, tmp, a)
    _exp(a, a)
    _sub(a, T, delta)
    _mul(delta, np.array(1.0 / size), delta)
    return loss


def _categorical_crossentropy(act, z, a, T, delta, tmp, col):
    # log softmax(z) = (z − max) − log Σ e^(z − max): finite however large the logits get. The
    # softmax itself falls out of the same sums, so the activation's own forward pass is skipped.
    np.maximum.reduce(z, 1, None, col, True)
    _sub(z, col, tmp)
    _exp(tmp, a)
    np.add.reduce(a, 1, None, col, True)
    np.divide(a, col, a)
    np.log(col, col)
    _sub(tmp, col, tmp)
    n = z.shape[0]
    loss = -np.vdot(T, tmp) / n
    _sub(a, T, delta)
    _mul(delta, np.array(1.0 / n), delta)
    return loss


@dataclass(frozen=True)
class Loss:
    name: str
    fn: Callable
    needs_output: str | None  # the output activation the fused gradient assumes, if any
    formula: str

    @property
    def computes_output(self) -> bool:
        """Fused losses compute the output activation themselves from z."""
        return self.needs_output is not None


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", _mse, None, "L = mean((ŷ − y)²)"),
        Loss("binary_crossentropy", _binary_crossentropy, "sigmoid", "L = −mean(y·ln ŷ + (1 − y)·ln(1 − ŷ))"),
        Loss("categorical_crossentropy", _categorical_crossentropy, "softmax", "L = −mean(Σ_k y_k·ln ŷ_k)"),
    )
}

ALIASES = {"mean_squared_error": "mse", "bce": "binary_crossentropy", "cce": "categorical_crossentropy"}


def baseline_loss(T: np.ndarray, loss: str) -> float:
    """What the best constant prediction costs on targets T (N, n_out): the data's own scale of loss.

    mse: the targets' variance (averaged over outputs); the cross-entropies: the entropy of the class
    frequencies (predicting them for every sample).
    """
    T = np.asarray(T, dtype=np.float64)
    if not T.size:
        return 0.0
    p = T.mean(axis=0)
    if ALIASES.get(loss, loss) == "mse":
        return float(np.mean((T - p) ** 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(p), 0.0)
        if ALIASES.get(loss, loss) == "binary_crossentropy":
            return float(np.mean(h - np.where(p < 1, (1 - p) * np.log1p(-p), 0.0)))
    return float(h.sum())


def get_loss(name: str, output_activation: str) -> Loss:
    name = ALIASES.get(name, name) if isinstance(name, str) else name
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of: {', '.join(LOSSES)}")
    loss = LOSSES[name]
    if loss.needs_output and output_activation != loss.needs_output:
        raise ValueError(
            f"loss {name!r} needs a {loss.needs_output} output activation, but the network's output is "
            f"{output_activation!r}; use 'mse' or change the output activation"
        )
    return loss
