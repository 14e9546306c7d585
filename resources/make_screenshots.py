"""Make the README's guide pictures: the real window, offscreen, driven through its own actions.

    python resources/make_screenshots.py [OUT_DIR]     (default: resources/)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from nnstudio.gui import MainWindow  # noqa: E402
from nnstudio.training.problem import ProblemSpec, digits_preset  # noqa: E402


def wait(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def until(predicate, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        wait(0.05)


def open_window(spec: ProblemSpec, steps: int) -> MainWindow:
    w = MainWindow(spec)
    w.resize(1600, 1000)
    w.show()
    until(lambda: w.snapshot() is not None)
    if steps:
        w.trainer.step(steps)
        until(lambda: w.step_count() >= steps, timeout=120)
    wait(0.5)
    return w


def save(w: MainWindow, out: Path, name: str) -> None:
    wait(0.6)  # the slow panels refresh every 200 ms
    w.grab().save(str(out / name))
    print("saved", out / name)
    w.close()


def forward(out: Path) -> None:
    w = open_window(ProblemSpec(), 2500)
    w.inside.select_sample("train", 3)
    w.inside.select_neuron(1, 1)
    w.inside.edge_mode.setCurrentIndex(w.inside.edge_mode.findData("signal"))
    w.inside.docks["math"].raise_()
    save(w, out, "guide-forward.png")


def backward(out: Path) -> None:
    w = open_window(ProblemSpec(dataset="xor", hidden=(4, 4)), 300)
    w.inside.actionSubSteps.setChecked(True)
    until(lambda: w.snapshot().next_batch is not None)
    w.step()  # forward
    w.step()  # backward: gradients on the edges, δ rings on the neurons
    w.inside.docks["health"].raise_()
    save(w, out, "guide-backward.png")


def regularisation(out: Path) -> None:
    spec = ProblemSpec(dataset="spiral", features=("x1", "x2", "sin(x1)", "sin(x2)"), hidden=(8, 8),
                       optimizer="adam", learning_rate=0.01, regularization="l2", regularization_rate=0.003)
    w = open_window(spec, 0)
    w.inside.docks["weights"].raise_()
    for _ in range(12):  # several frames, so the norms over time have points
        w.trainer.step(500)
        until(lambda: w.step_count() % 500 == 0 and w.step_count() > 0)
        wait(0.25)
    save(w, out, "guide-regularisation.png")


def overfitting(out: Path) -> None:
    spec = ProblemSpec(dataset="circle", noise=0.5, train_fraction=0.1, hidden=(16, 16, 8),
                       optimizer="adam", learning_rate=0.01)
    w = open_window(spec, 6000)
    w.inside.docks["health"].raise_()
    save(w, out, "guide-overfitting.png")


def digits(out: Path) -> None:
    w = open_window(digits_preset(ProblemSpec()), 2500)
    w.inside.select_sample("test", 4)
    w.inside.select_neuron(1, 5)
    w.inside.docks["pixels"].raise_()
    save(w, out, "guide-digits.png")


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
    out.mkdir(parents=True, exist_ok=True)
    QApplication.instance() or QApplication(sys.argv[:1])
    for make in (forward, backward, regularisation, overfitting, digits):
        make(out)


if __name__ == "__main__":
    main()
