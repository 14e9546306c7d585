"""Input checks shared by the engine; each raises ValueError naming the problem."""

from __future__ import annotations

import numpy as np


def check_sizes(sizes) -> list[int]:
    try:
        sizes = list(sizes)
    except TypeError:
        raise ValueError(f"sizes must be a list of neuron counts such as [2, 4, 1], got {sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least 2 layers (input and output), got {sizes!r}")
    out = []
    for k, n in enumerate(sizes):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"sizes[{k}] must be a whole number ≥ 1, got {n!r}")
        out.append(int(n))
    return out


def as_finite_2d(X, n_features: int, name: str = "X") -> np.ndarray:
    """X as a float64 (N, n_features) array; 1-D X is taken as N samples of one feature."""
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} is not numeric") from None
    if X.ndim == 1 and n_features == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(f"{name} has shape {X.shape}, expected (n_samples, {n_features})")
    if X.shape[0] < 1:
        raise ValueError(f"{name} has no samples")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or inf")
    return X


def prepare_targets(Y, n_out: int, loss: str) -> np.ndarray:
    """Targets as float64 (N, n_out); 1-D integer labels become one-hot when n_out > 1."""
    try:
        Y = np.asarray(Y)
        if Y.dtype.kind not in "biuf":
            raise TypeError
    except (TypeError, ValueError):
        raise ValueError("Y is not numeric") from None
    if Y.ndim == 1 and n_out == 1:
        T = Y.astype(np.float64).reshape(-1, 1)
    elif Y.ndim == 1:
        labels = Y.astype(np.float64)
        if not np.all(np.isfinite(labels)):
            raise ValueError("Y contains NaN or inf")
        if np.any(labels != np.round(labels)) or labels.min(initial=0) < 0 or labels.max(initial=0) >= n_out:
            raise ValueError(
                f"1-D Y must hold class labels 0…{n_out - 1} for a network with {n_out} outputs; "
                "or pass Y with shape (n_samples, n_outputs)"
            )
        T = np.zeros((Y.shape[0], n_out))
        T[np.arange(Y.shape[0]), labels.astype(np.intp)] = 1.0
    elif Y.ndim == 2 and Y.shape[1] == n_out:
        T = np.ascontiguousarray(Y, dtype=np.float64)
    else:
        raise ValueError(f"Y has shape {Y.shape}, expected (n_samples, {n_out}) or (n_samples,)")
    if T.shape[0] < 1:
        raise ValueError("Y has no samples")
    if not np.all(np.isfinite(T)):
        raise ValueError("Y contains NaN or inf")
    if loss in ("binary_crossentropy", "categorical_crossentropy") and (T.min() < 0 or T.max() > 1):
        raise ValueError(f"{loss} needs targets between 0 and 1 (class labels or probabilities)")
    if loss == "categorical_crossentropy" and not np.allclose(T.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("categorical_crossentropy needs one-hot or probability rows that sum to 1")
    return T
