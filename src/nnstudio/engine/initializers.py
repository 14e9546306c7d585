"""Weight initialisers. Each fills (W, b) in place from a NumPy Generator."""

from __future__ import annotations

import numpy as np


def _glorot_uniform(rng, W, b):
    fan_in, fan_out = W.shape
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    W[...] = rng.uniform(-limit, limit, W.shape)
    b[...] = 0.0


def _he_normal(rng, W, b):
    # Keras draws from a normal truncated at two standard deviations and rescales the stddev by
    # the truncated distribution's own spread (0.8796…) so the variance stays 2 / fan_in.
    stddev = np.sqrt(2.0 / W.shape[0]) / 0.87962566103423978
    sample = rng.standard_normal(W.shape)
    outside = np.abs(sample) > 2.0
    while outside.any():
        sample[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(sample) > 2.0
    W[...] = sample * stddev
    b[...] = 0.0


def _playground(rng, W, b):
    # TensorFlow Playground: weights uniform in ±0.5, every bias 0.1.
    W[...] = rng.uniform(-0.5, 0.5, W.shape)
    b[...] = 0.1


def _zeros(rng, W, b):
    W[...] = 0.0
    b[...] = 0.0


INITIALIZERS = {
    "glorot_uniform": _glorot_uniform,
    "he_normal": _he_normal,
    "playground": _playground,
    "zeros": _zeros,
}


def get_initializer(name: str):
    if not isinstance(name, str) or name not in INITIALIZERS:
        raise ValueError(f"unknown initialiser {name!r}; choose one of: {', '.join(INITIALIZERS)}")
    return INITIALIZERS[name]
