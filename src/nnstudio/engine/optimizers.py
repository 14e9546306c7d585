"""Optimizers with Keras' argument names and torch.optim's update rules.

They update one flat parameter vector from one flat gradient vector in place, so a step costs a
handful of NumPy calls however many layers the network has. ``last_update`` holds the Δ that the
most recent step added to the parameters (the app shows it as "last update Δw").
"""

from __future__ import annotations

import math

import numpy as np


def _check(name, value, low, high, *, low_open=False, high_open=True):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    ok = math.isfinite(v) and (v > low if low_open else v >= low) and (v < high if high_open else v <= high)
    if not ok:
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        raise ValueError(f"{name} must be finite and in {lo}{low}, {high}{hi}, got {value!r}")
    return v


class Optimizer:
    """Base: buffers are (re)allocated when the parameter vector's size changes."""

    name = "optimizer"

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate
        self.iterations = 0
        self._size = -1
        self.last_update = np.zeros(0)

    @property
    def learning_rate(self) -> float:
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value):
        self._lr = _check("learning_rate", value, 0.0, math.inf, low_open=True)

    def _ensure(self, size):
        if size != self._size:
            self._size = size
            self.iterations = 0
            self.last_update = np.zeros(size)
            self._tmp = np.zeros(size)
            self._allocate(size)

    def _allocate(self, size):
        pass

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
        self._ensure(params.size)
        self.iterations += 1
        self._apply(params, grads, self.last_update, self._tmp)
        np.add(params, self.last_update, params)

    def reset(self) -> None:
        self._size = -1
        self.iterations = 0

    def state_arrays(self) -> dict[str, np.ndarray]:
        """Copies of the optimizer's state (moments, velocities), for saving and rewinding."""
        return {k: getattr(self, k).copy() for k in self._state_names if self._size >= 0}

    def load_state_arrays(self, size: int, iterations: int, arrays: dict[str, np.ndarray]) -> None:
        self._ensure(size)
        for k in self._state_names:
            if k in arrays:
                getattr(self, k)[...] = arrays[k]
        self.iterations = int(iterations)

    _state_names: tuple[str, ...] = ()

    def config(self) -> dict:
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """p ← p − lr·g, or with momentum μ: v ← μ·v + g; p ← p − lr·v (Nesterov: p ← p − lr·(g + μ·v))."""

    name = "sgd"
    _state_names = ("velocity",)

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        super().__init__(learning_rate)
        self.momentum = _check("momentum", momentum, 0.0, 1.0)
        if nesterov and self.momentum == 0.0:
            raise ValueError("nesterov=True needs a momentum above 0")
        self.nesterov = bool(nesterov)

    def _allocate(self, size):
        self.velocity = np.zeros(size)

    def _apply(self, p, g, upd, t):
        mu = self.momentum
        if mu == 0.0:
            np.multiply(g, np.array(-self._lr), upd)
            return
        v = self.velocity
        np.multiply(v, np.array(mu), v)
        np.add(v, g, v)
        if self.nesterov:
            np.multiply(v, np.array(mu), upd)
            np.add(upd, g, upd)
            np.multiply(upd, np.array(-self._lr), upd)
        else:
            np.multiply(v, np.array(-self._lr), upd)

    def config(self):
        return {"learning_rate": self._lr, "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """torch.optim.Adam: bias-corrected moments, p ← p − lr·m̂ / (√v̂ + ε)."""

    name = "adam"
    _state_names = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate)
        self.beta_1 = _check("beta_1", beta_1, 0.0, 1.0)
        self.beta_2 = _check("beta_2", beta_2, 0.0, 1.0)
        self.epsilon = _check("epsilon", epsilon, 0.0, math.inf, low_open=True)

    def _allocate(self, size):
        self.m = np.zeros(size)
        self.v = np.zeros(size)

    def _apply(self, p, g, upd, t):
        b1, b2, k = self.beta_1, self.beta_2, self.iterations
        m, v = self.m, self.v
        np.multiply(m, np.array(b1), m)
        np.multiply(g, np.array(1.0 - b1), t)
        np.add(m, t, m)
        np.multiply(v, np.array(b2), v)
        np.multiply(g, g, t)
        np.multiply(t, np.array(1.0 - b2), t)
        np.add(v, t, v)
        bc1 = 1.0 - b1**k
        bc2 = 1.0 - b2**k
        np.sqrt(v, t)
        np.multiply(t, np.array(1.0 / math.sqrt(bc2)), t)
        np.add(t, np.array(self.epsilon), t)
        np.divide(m, t, upd)
        np.multiply(upd, np.array(-self._lr / bc1), upd)

    def config(self):
        return {"learning_rate": self._lr, "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class RMSprop(Optimizer):
    """torch.optim.RMSprop: v ← ρ·v + (1 − ρ)·g²; p ← p − lr·g / (√v + ε), optionally centred and with momentum."""

    name = "rmsprop"
    _state_names = ("v", "g_avg", "buf")

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
        super().__init__(learning_rate)
        self.rho = _check("rho", rho, 0.0, 1.0)
        self.momentum = _check("momentum", momentum, 0.0, 1.0)
        self.epsilon = _check("epsilon", epsilon, 0.0, math.inf, low_open=True)
        self.centered = bool(centered)

    def _allocate(self, size):
        self.v = np.zeros(size)
        self.g_avg = np.zeros(size)
        self.buf = np.zeros(size)

    def _apply(self, p, g, upd, t):
        rho, v = self.rho, self.v
        np.multiply(v, np.array(rho), v)
        np.multiply(g, g, t)
        np.multiply(t, np.array(1.0 - rho), t)
        np.add(v, t, v)
        if self.centered:
            ga = self.g_avg
            np.multiply(ga, np.array(rho), ga)
            np.multiply(g, np.array(1.0 - rho), t)
            np.add(ga, t, ga)
            np.multiply(ga, ga, t)
            np.subtract(v, t, t)
            np.sqrt(t, t)
        else:
            np.sqrt(v, t)
        np.add(t, np.array(self.epsilon), t)
        if self.momentum > 0.0:
            buf = self.buf
            np.multiply(buf, np.array(self.momentum), buf)
            np.divide(g, t, t)
            np.add(buf, t, buf)
            np.multiply(buf, np.array(-self._lr), upd)
        else:
            np.divide(g, t, upd)
            np.multiply(upd, np.array(-self._lr), upd)

    def config(self):
        return {
            "learning_rate": self._lr,
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}


def make_optimizer(name: str, **kwargs) -> Optimizer:
    key = name.lower() if isinstance(name, str) else name
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[key](**kwargs)
