"""Network canvas speed: ms per frame (set_parameters + a full repaint of the viewport), and pick time.

    python benchmarks/canvas.py [--frames 20] [--size 1000x640]

Runs offscreen (software raster, like the measurements in architecture.md: Drawing). Each frame gives the view new
weights, so the edge buckets, badges, heatmaps and the edge cache are all redone, then grabs the viewport.
"idle" is antialiased (the view at rest), "training" is with set_animating(True) (aliased).
Prints plain numbers; nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from nnstudio.engine import Network  # noqa: E402
from nnstudio.gui.network_view import NetworkView  # noqa: E402
from nnstudio.gui.picking import Segments, pick_segment  # noqa: E402

NETWORKS = [[2, 4, 2, 1], [2, 8, 8, 8, 8, 8, 8, 1], [64, 32, 16, 10], [784, 128, 64, 10]]


def frames(view: NetworkView, weights: list[list[np.ndarray]], n: int) -> float:
    """Best-of-3 mean ms per frame, cycling through distinct parameter sets."""
    app = QApplication.instance()
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for i in range(n):
            view.set_parameters(weights[i % len(weights)])
            view.viewport().grab()
        best = min(best, (time.perf_counter() - t) / n * 1000)
        app.processEvents()
    return best


def time_pick(n_edges: int, repeats: int = 200) -> float:
    rng = np.random.default_rng(0)
    x0, x1 = np.zeros(n_edges), np.full(n_edges, 200.0)
    y0, y1 = rng.uniform(0, 700, n_edges), rng.uniform(0, 700, n_edges)
    segs = Segments(x0, y0, x1, y1)
    widths = rng.uniform(1, 8, n_edges)
    pts = rng.uniform(0, 200, (repeats, 2))
    t = time.perf_counter()
    for px, py in pts:
        pick_segment(segs, px, py * 3.5, 1.3, widths)
    return (time.perf_counter() - t) / repeats * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--size", default="1000x640")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    app = QApplication.instance() or QApplication([])
    view = NetworkView()
    view.resize(w, h)
    view.show()
    app.processEvents()
    print(f"viewport {view.viewport().width()}x{view.viewport().height()}, {args.frames} frames, best of 3")
    print(f"{'network':<24}{'edges':>8}{'drawn':>8}  {'idle ms':>8}{'training ms':>12}{'pick ms':>9}")
    for sizes in NETWORKS:
        net = Network(sizes, seed=0, activation="relu")
        sets = []
        for k in range(4):
            net.reinitialize(seed=k)
            sets.append(net.get_weights())
        view.set_network(sizes)
        view.set_parameters(sets[0])
        app.processEvents()
        idle = frames(view, sets, args.frames)
        view.set_animating(True)
        training = frames(view, sets, args.frames)
        view.set_animating(False)
        c = view.viewport().rect().center()
        t = time.perf_counter()
        for _ in range(100):
            view.pick(c)
        pick = (time.perf_counter() - t) / 100 * 1000
        edges = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        drawn = view._edges.drawn.size  # noqa: SLF001 (a benchmark may look inside)
        name = "-".join(map(str, sizes))
        print(f"{name:<24}{edges:>8}{drawn:>8}  {idle:>8.1f}{training:>12.1f}{pick:>9.2f}")
    for n in (7_000, 70_000):
        print(f"pick (nearest edge in pixels) at {n:>6} edges: {time_pick(n):.2f} ms")


if __name__ == "__main__":
    main()
