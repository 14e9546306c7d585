"""Small helpers the tests share: an engine network independent of the window's own, and waiting."""

from __future__ import annotations

import time

from nnstudio.engine import Network


def engine_net(window) -> Network:
    """A fresh engine network with the window's shown parameters: the oracle for what the window computes."""
    spec = window.snapshot().spec
    net = Network(spec.sizes, spec.activation, spec.resolved_output_activation)
    net.set_weights(window.parameters())
    return net


def wait_for(predicate, timeout: float = 10.0) -> bool:
    """Poll ``predicate`` (no Qt event loop needed) until it holds or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False
