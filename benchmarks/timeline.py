"""Timeline seeks: time from ``trainer.seek(k)`` to the window having applied the snapshot showing step k.

    python benchmarks/timeline.py [--steps 10000] [--seeks 50] [--trainer process|thread|sync]

Trains the default network for --steps steps with the window shown offscreen, then seeks to --seeks random
earlier steps, each time running the real event loop until the window has shown that step (its 16 ms poll
timer included). Target: ≤ 33 ms (within two frames at 60 Hz). Also prints the history's bytes per step.
Prints numbers; nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from nnstudio.gui import MainWindow  # noqa: E402
from nnstudio.training.problem import ProblemSpec  # noqa: E402
from nnstudio.training.trainer import Trainer  # noqa: E402

TARGET_MS = 33.0


def wait_for(window, done, timeout=60.0):
    """Run the event loop until ``done(snapshot)`` holds for a snapshot the window applied; returns the time."""
    loop = QEventLoop()
    hit = []

    def applied(snap):
        if not hit and done(snap):
            hit.append(time.perf_counter())
            loop.quit()

    window.snapshotApplied.connect(applied)
    if window.snapshot() is not None and done(window.snapshot()):
        hit.append(time.perf_counter())
    else:
        QTimer.singleShot(int(timeout * 1000), loop.quit)
        loop.exec()
    window.snapshotApplied.disconnect(applied)
    if not hit:
        raise TimeoutError("the window did not show the expected snapshot in time")
    return hit[0]


def history_bytes(spec, steps):
    trainer = Trainer(spec, threaded=False)
    trainer.step(steps)
    trainer.process()
    h = trainer.history
    return h.bytes_per_step, h.nbytes, len(h)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--seeks", type=int, default=50)
    ap.add_argument("--trainer", default="process", choices=("process", "thread", "sync"))
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    spec = ProblemSpec()
    window = MainWindow(spec, trainer=args.trainer)
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    wait_for(window, lambda s: s is not None)
    window.trainer.step(args.steps)
    wait_for(window, lambda s: s.step == args.steps and s.viewing is None, timeout=300)

    rng = np.random.default_rng(0)
    times = []
    for k in rng.integers(0, args.steps, size=args.seeks):
        k = int(k)
        start = time.perf_counter()
        window.trainer.seek(k)
        end = wait_for(window, lambda s, k=k: s.viewing == k)
        times.append((end - start) * 1000)
    times = np.array(times)
    bps, nbytes, rows = history_bytes(spec, args.steps)
    print(f"{args.steps:,}-step default network ({spec.sizes}), {args.trainer} trainer, {args.seeks} seeks")
    print(f"seek → applied: median {np.median(times):.1f} ms, max {times.max():.1f} ms "
          f"(target ≤ {TARGET_MS:.0f} ms: {'met' if times.max() <= TARGET_MS else 'missed by the max'})")
    print(f"history: {bps:.0f} bytes per step ({rows:,} rows recorded, {nbytes / 1e6:.2f} MB allocated)")
    window.trainer.close()
    window.close()


if __name__ == "__main__":
    main()
