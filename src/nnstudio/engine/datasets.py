"""Toy datasets for the studio: TensorFlow Playground's six plus moons, blobs, a 1-D line and 8×8 digits.

The playground generators follow ``src/dataset.ts`` of tensorflow/playground formula for
formula; ``noise`` is the playground's slider value divided by 100 (0.0 - 0.5) and its -1
labels become 0. Everything here is pure NumPy and driven by one ``np.random.Generator``
so a seed pins every array. The one exception, "digits", takes scikit-learn's bundled images;
scikit-learn is optional and imported only when those images are first needed.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable, Sequence
from numbers import Integral, Real

import numpy as np

__all__ = [
    "DATASETS",
    "FEATURES",
    "PIXEL_FEATURES",
    "dataset_available",
    "feature_transform",
    "input_dim",
    "is_classification",
    "make_dataset",
    "n_classes",
    "split",
]

DATASETS: tuple[str, ...] = (
    "circle", "xor", "gauss", "spiral", "moons", "blobs", "reg-plane", "reg-gauss", "line", "digits",
)
FEATURES: tuple[str, ...] = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
_ONE_D_FEATURES: tuple[str, ...] = ("x1", "x1^2", "sin(x1)")
PIXEL_FEATURES: tuple[str, ...] = ("pixels",)  # image data: every pixel is an input as it is
_PIXELS = 64  # 8×8 digits
_DIGITS_MISSING = "the digits dataset needs scikit-learn: pip install 'nnstudio[digits]'"

_Generator = Callable[[np.random.Generator, int, float], "tuple[np.ndarray, np.ndarray]"]


def _uniform(rng: np.random.Generator, a: float, b: float, n: int) -> np.ndarray:
    # Playground's randUniform(a, b): Math.random() * (b - a) + a.
    return rng.random(n) * (b - a) + a


def _halves(n: int) -> tuple[int, int]:
    # Playground loops `i < numSamples / 2` twice, which overshoots for odd n; we return exactly n.
    return n // 2, n - n // 2


def _circle(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    radius = 5.0

    def ring(count: int, r_lo: float, r_hi: float) -> tuple[np.ndarray, np.ndarray]:
        r = _uniform(rng, r_lo, r_hi, count)
        angle = _uniform(rng, 0.0, 2 * math.pi, count)
        x, y = r * np.sin(angle), r * np.cos(angle)
        noise_x = _uniform(rng, -radius, radius, count) * noise
        noise_y = _uniform(rng, -radius, radius, count) * noise
        # The label is decided on the jittered point but the clean point is stored, so noise
        # shows up as mislabelled points near the boundary rather than as blur.
        label = np.hypot(x + noise_x, y + noise_y) < radius * 0.5
        return np.column_stack((x, y)), label.astype(np.int64)

    n_in, n_out = _halves(n)
    X_in, y_in = ring(n_in, 0.0, radius * 0.5)
    X_out, y_out = ring(n_out, radius * 0.7, radius)
    return np.vstack((X_in, X_out)), np.concatenate((y_in, y_out))


def _xor(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    padding = 0.3
    x = _uniform(rng, -5, 5, n)
    x += np.where(x > 0, padding, -padding)  # keeps points off the axes, where the label flips
    y = _uniform(rng, -5, 5, n)
    y += np.where(y > 0, padding, -padding)
    noise_x = _uniform(rng, -5, 5, n) * noise
    noise_y = _uniform(rng, -5, 5, n) * noise
    label = (x + noise_x) * (y + noise_y) >= 0
    return np.column_stack((x, y)), label.astype(np.int64)


def _gauss(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    # d3.scale.linear().domain([0, .5]).range([0.5, 4]), unclamped like d3's default.
    variance = 0.5 + noise / 0.5 * (4 - 0.5)
    std = math.sqrt(variance)  # normalRandom takes a variance, not a standard deviation
    n_pos, n_neg = _halves(n)
    pos = rng.normal((2.0, 2.0), std, size=(n_pos, 2))
    neg = rng.normal((-2.0, -2.0), std, size=(n_neg, 2))
    labels = np.concatenate((np.ones(n_pos, np.int64), np.zeros(n_neg, np.int64)))
    return np.vstack((pos, neg)), labels


def _spiral(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    half = n / 2  # playground's `n`; a float for odd sample counts, so r stays below 5

    def arm(count: int, delta_t: float) -> np.ndarray:
        i = np.arange(count, dtype=np.float64)
        r = i / half * 5
        t = 1.75 * i / half * 2 * math.pi + delta_t
        x = r * np.sin(t) + _uniform(rng, -1, 1, count) * noise
        y = r * np.cos(t) + _uniform(rng, -1, 1, count) * noise
        return np.column_stack((x, y))

    n_pos, n_neg = _halves(n)
    X = np.vstack((arm(n_pos, 0.0), arm(n_neg, math.pi)))
    labels = np.concatenate((np.ones(n_pos, np.int64), np.zeros(n_neg, np.int64)))
    return X, labels


def _noisy_square(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, ...]:
    # Shared by both playground regressions: clean points plus the jitter used only for labels.
    radius = 6.0
    x = _uniform(rng, -radius, radius, n)
    y = _uniform(rng, -radius, radius, n)
    noise_x = _uniform(rng, -radius, radius, n) * noise
    noise_y = _uniform(rng, -radius, radius, n) * noise
    return x, y, x + noise_x, y + noise_y


def _reg_plane(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    x, y, xn, yn = _noisy_square(rng, n, noise)
    # d3 scale domain [-10, 10] -> range [-1, 1], unclamped: corners reach +-1.2 like the original.
    return np.column_stack((x, y)), (xn + yn) / 10


_GAUSSIANS = np.array([
    [-4.0, 2.5, 1.0],
    [0.0, 2.5, -1.0],
    [4.0, 2.5, 1.0],
    [-4.0, -2.5, -1.0],
    [0.0, -2.5, 1.0],
    [4.0, -2.5, -1.0],
])


def _reg_gauss(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    x, y, xn, yn = _noisy_square(rng, n, noise)
    cx, cy, sign = _GAUSSIANS.T
    dist = np.hypot(xn[:, None] - cx, yn[:, None] - cy)
    # Clamped d3 scale domain [0, 2] -> range [1, 0]: a cone of height 1 and radius 2.
    candidates = sign * np.clip(1 - dist / 2, 0.0, 1.0)
    # argmax returns the first maximum, matching the playground's strict `>` when |labels| tie.
    best = np.argmax(np.abs(candidates), axis=1)
    return np.column_stack((x, y)), candidates[np.arange(n), best]


def _line(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    # House-price style: size in thousands of sq ft -> price; noise 0.5 gives a 100-unit spread.
    x = rng.uniform(0.5, 3.5, n)
    y = 200 * x + 100 + rng.normal(0.0, noise * 200, n)
    return x[:, None], y


def _moons(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    # scikit-learn make_moons: outer gets n // 2 points, inner the rest.
    n_out, n_in = _halves(n)
    t_out = np.linspace(0, math.pi, n_out)
    t_in = np.linspace(0, math.pi, n_in)
    outer = np.column_stack((np.cos(t_out), np.sin(t_out)))
    inner = np.column_stack((1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5))
    X = np.vstack((outer, inner)) + rng.normal(0.0, noise, size=(n, 2))
    labels = np.concatenate((np.zeros(n_out, np.int64), np.ones(n_in, np.int64)))
    return X, labels


def _blobs(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    angles = np.deg2rad([90.0, 210.0, 330.0])
    centres = 3.0 * np.column_stack((np.cos(angles), np.sin(angles)))
    # Spread the remainder over the first classes so counts differ by at most one.
    counts = [n // 3 + (k < n % 3) for k in range(3)]
    labels = np.repeat(np.arange(3, dtype=np.int64), counts)
    X = centres[labels] + rng.normal(0.0, 0.6 + 2 * noise, size=(n, 2))
    return X, labels


_digits_cache: tuple[np.ndarray, np.ndarray] | None = None  # (pixels in [0, 1], labels), loaded once


def _digits_data() -> tuple[np.ndarray, np.ndarray]:
    global _digits_cache
    if _digits_cache is None:
        try:
            from sklearn.datasets import load_digits  # optional, and slow to import: only when needed
        except ImportError:
            raise ValueError(_DIGITS_MISSING) from None
        images, labels = load_digits(return_X_y=True)
        # Pixels are ink levels 0-16; scaled to [0, 1] they suit the default initialisers.
        _digits_cache = (np.asarray(images, dtype=np.float64) / 16.0, np.asarray(labels, dtype=np.int64))
    return _digits_cache


def _digits(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    images, labels = _digits_data()
    if n > len(images):
        raise ValueError(f"the digits dataset has only {len(images)} images; n_samples must be <= {len(images)}")
    pick = rng.choice(len(images), n, replace=False)
    # Noise comes from its own stream, drawn whatever the noise level: the slider then changes only
    # the noise, never which images are picked or their order.
    noise_rng = np.random.default_rng(rng.integers(2**63))
    X = images[pick]
    if noise > 0:  # Gaussian ink noise, kept within the pixel range
        X = np.clip(X + noise_rng.normal(0.0, noise, size=X.shape), 0.0, 1.0)
    return X, labels[pick]


# name -> (generator, number of classes (0 = regression), input dimension)
_REGISTRY: dict[str, tuple[_Generator, int, int]] = {
    "circle": (_circle, 2, 2),
    "xor": (_xor, 2, 2),
    "gauss": (_gauss, 2, 2),
    "spiral": (_spiral, 2, 2),
    "moons": (_moons, 2, 2),
    "blobs": (_blobs, 3, 2),
    "reg-plane": (_reg_plane, 0, 2),
    "reg-gauss": (_reg_gauss, 0, 2),
    "line": (_line, 0, 1),
    "digits": (_digits, 10, _PIXELS),
}


def _lookup(name: object) -> tuple[_Generator, int, int]:
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(f"unknown dataset {name!r}; valid names are: {', '.join(DATASETS)}")
    return _REGISTRY[name]


def is_classification(name: str) -> bool:
    return _lookup(name)[1] > 0


def n_classes(name: str) -> int:
    """Number of label values for a classification dataset, 0 for a regression one."""
    return _lookup(name)[1]


def input_dim(name: str) -> int:
    return _lookup(name)[2]


def dataset_available(name: str) -> tuple[bool, str]:
    """(True, "") if ``make_dataset(name)`` can work here, else (False, why) in words for the user.

    Only looks for scikit-learn (importing it takes a second), so the GUI can ask at start-up.
    """
    _lookup(name)
    if name != "digits" or _digits_cache is not None:
        return True, ""
    try:
        found = importlib.util.find_spec("sklearn") is not None
    except (ImportError, ValueError):
        found = False
    return (True, "") if found else (False, _DIGITS_MISSING)


def make_dataset(
    name: str, n_samples: int = 500, noise: float = 0.0, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return shuffled ``(X, y)``: X float64 (n, d); y int64 labels or float64 targets."""
    generator, classes, _ = _lookup(name)
    # bool is an Integral too, but make_dataset("xor", True) is surely a mistake.
    if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1:
        raise ValueError(f"n_samples must be an integer >= 1, got {n_samples!r}")
    if isinstance(noise, bool) or not isinstance(noise, Real) or not math.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0 (playground slider / 100), got {noise!r}")
    n = int(n_samples)
    rng = np.random.default_rng(seed)
    X, y = generator(rng, n, float(noise))
    order = rng.permutation(n)
    X = np.ascontiguousarray(X[order], dtype=np.float64)
    y = np.ascontiguousarray(y[order], dtype=np.int64 if classes else np.float64)
    return X, y


def _check_finite(X: np.ndarray, what: str) -> None:
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{what} must be numeric, got dtype {X.dtype}")
    if X.dtype.kind == "f" and not np.isfinite(X).all():
        raise ValueError(f"{what} contains NaN or inf values")


def split(
    X: np.ndarray, y: np.ndarray, train_fraction: float = 0.5, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Randomly split into ``(X_train, y_train, X_test, y_test)``; the test part may be empty."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError("X and y must be arrays with one row per sample, not scalars")
    if len(X) != len(y):
        raise ValueError(f"X and y length mismatch: X has {len(X)} rows, y has {len(y)}")
    _check_finite(X, "X")
    _check_finite(y, "y")
    if (
        isinstance(train_fraction, bool)
        or not isinstance(train_fraction, Real)
        or not 0 < train_fraction <= 1  # also rejects NaN
    ):
        raise ValueError(f"train_fraction must be in (0, 1], got {train_fraction!r}")
    n = len(X)
    n_train = min(n, round(n * float(train_fraction)))
    if n >= 1:
        n_train = max(1, n_train)  # a tiny fraction still has to train on something
    order = np.random.default_rng(seed).permutation(n)
    train, test = order[:n_train], order[n_train:]
    return (
        np.ascontiguousarray(X[train]),
        np.ascontiguousarray(y[train]),
        np.ascontiguousarray(X[test]),
        np.ascontiguousarray(y[test]),
    )


def feature_transform(X: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """Build the playground's input columns, in the order given, from (n, 2) or (n, 1) ``X``.

    Image data, (n, 64) ``X``, takes only ``PIXEL_FEATURES`` and comes back as a float64 copy.
    """
    X = np.asarray(X)
    if X.ndim == 1:
        X = X[:, None]  # a bare vector is one input column
    if X.ndim != 2 or X.shape[1] not in (1, 2, _PIXELS):
        raise ValueError(f"X must have shape (n, 1) or (n, 2), or (n, {_PIXELS}) for image data; got {X.shape}")
    _check_finite(X, "X")
    if isinstance(features, str):
        features = (features,)  # iterating a str would yield single characters
    features = tuple(features)
    if X.shape[1] == _PIXELS or features == PIXEL_FEATURES:
        if X.shape[1] != _PIXELS or features != PIXEL_FEATURES:
            raise ValueError(
                f"image data (n, {_PIXELS}) takes exactly the features {PIXEL_FEATURES}, and only image data "
                f"does; got features {features} for X of shape {X.shape}"
            )
        return np.array(X, dtype=np.float64, order="C")
    if not features:
        raise ValueError(f"features must not be empty; choose from: {', '.join(FEATURES)}")
    for f in features:
        if f not in FEATURES:
            raise ValueError(f"unknown feature {f!r}; valid features are: {', '.join(FEATURES)}")
        if X.shape[1] == 1 and f not in _ONE_D_FEATURES:
            raise ValueError(
                f"feature {f!r} needs x2 but X is 1-D; valid features for 1-D data are: "
                f"{', '.join(_ONE_D_FEATURES)}"
            )
    x1 = X[:, 0].astype(np.float64)
    x2 = X[:, 1].astype(np.float64) if X.shape[1] == 2 else None
    columns = {
        "x1": lambda: x1,
        "x2": lambda: x2,
        "x1^2": lambda: x1 * x1,
        "x2^2": lambda: x2 * x2,
        "x1*x2": lambda: x1 * x2,
        "sin(x1)": lambda: np.sin(x1),
        "sin(x2)": lambda: np.sin(x2),
    }
    out = np.empty((X.shape[0], len(features)), dtype=np.float64)
    for j, f in enumerate(features):
        out[:, j] = columns[f]()
    return out
