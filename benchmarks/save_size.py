"""Project saves for each File → Step history in projects choice: bytes and seconds, for trained default runs.

    python benchmarks/save_size.py [--steps 50000,200000,1000000] [--rounds 5]
    python benchmarks/save_size.py --gui [--steps 1000000] [--rounds 3]   # the window's saves, offscreen

A default run (circle, 2-4-2-1 tanh, SGD: 224 bytes a step) is trained for each number of steps by the
trainer itself, so its history is what the app records: 50,000 steps (11 MB) fit the default's 16 MB whole,
200,000 (45 MB) do not, and 1,000,000 pass the trainer's 200 MB memory cap, which thins it as it goes.

A save is timed as the app does it, in three parts: the trainer's export (``export_state`` with the choice's
budget: the bounded record is chosen and copied here), the trip through the process pipe (the export pickled
and unpickled, as multiprocessing's queue does), and the file write (``save_project``: checks, zip, fsync,
rename). The choices alternate within each round; median and spread (min–max) over the rounds.

With ``--gui`` the saves are the window's own (File → Save with each choice, the real trainer process): how long
until the file is whole, and the longest stall of a 10 ms GUI timer meanwhile (the window stays responsive).
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import tempfile
import time

from nnstudio import __version__
from nnstudio.io.project import Project, load_project, save_project
from nnstudio.training.history import DEFAULT_STORED_BYTES
from nnstudio.training.problem import ProblemSpec
from nnstudio.training.state import export_state
from nnstudio.training.trainer import Trainer

CHOICES = (("None", 0), ("Recent exact, older thinned (default)", DEFAULT_STORED_BYTES), ("Every step", None))


def trained(steps: int) -> Trainer:
    t = Trainer(ProblemSpec(), threaded=False)
    t.step(steps)
    t.process()
    while t.mailbox.take() is not None:
        pass
    return t


def save_once(t: Trainer, budget, path) -> tuple[float, float, float]:
    """(export, pipe, write) seconds of one save with this history budget."""
    t0 = time.perf_counter()
    export = export_state(t, budget)
    t1 = time.perf_counter()
    export = pickle.loads(pickle.dumps(export, protocol=pickle.HIGHEST_PROTOCOL))
    t2 = time.perf_counter()
    loop = t.loop
    project = Project(spec=t.spec, params=t.network.flat_parameters(), optimizer=export["optimizer"],
                      step=loop.step_count, epoch=loop.epoch, losses=export["losses"],
                      evaluations=export["evaluations"], history=export["history"],
                      meta={"app_version": __version__})
    save_project(path, project)
    return t1 - t0, t2 - t1, time.perf_counter() - t2


def gui_saves(steps: int, rounds: int, folder: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QApplication

    from nnstudio.gui import MainWindow

    app = QApplication.instance() or QApplication([])
    w = MainWindow()
    w.show()
    w.trainer.step(steps)
    end = time.monotonic() + 600
    while (w.snapshot() is None or w.step_count() < steps) and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    snap = w.snapshot()
    print(f"\nthe window, {steps:,} steps: history {snap.history_rows:,} rows "
          f"({snap.history_rows * snap.history_row_bytes / 1e6:.1f} MB)")
    names = {"None": "actionHistoryNone", "Recent exact, older thinned (default)": "actionHistoryRecent",
             "Every step": "actionHistoryAll"}
    took_s, stall_s, sizes = ({label: [] for label in names} for _ in range(3))
    chosen = w.files.history.choice()  # the user's own setting, put back at the end
    for _ in range(rounds):
        for label, name in names.items():
            w.findChild(QAction, name).trigger()
            ticks = [time.perf_counter()]
            timer = QTimer(interval=10, timeout=lambda t=ticks: t.append(time.perf_counter()))
            timer.start()
            start = time.perf_counter()
            w.files._save_to(os.path.join(folder, "gui.nnstudio"), wait=False)
            while w.files.saving():
                app.processEvents()
                time.sleep(0.001)
            took = time.perf_counter() - start
            timer.stop()
            took_s[label].append(took)
            stall_s[label].append(max(b - a for a, b in zip(ticks, ticks[1:] + [time.perf_counter()])))
            sizes[label].append(os.path.getsize(os.path.join(folder, "gui.nnstudio")))
    print(f"{'choice':40} {'file bytes':>12}  {'save s, median (min–max)':>25}  {'longest GUI stall ms':>20}")
    for label in names:
        stall = stall_s[label]
        print(f"{label:40} {sizes[label][-1]:12,}  {spread(took_s[label]):>25}  "
              f"{1000 * statistics.median(stall):14.0f} (max {1000 * max(stall):.0f})")
    w.files.history.choose(chosen)
    w.files.guard = False
    w.close()


def spread(values) -> str:
    return f"{statistics.median(values):6.3f} ({min(values):.3f}–{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="50000,200000,1000000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--gui", action="store_true", help="time the window's own saves instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.gui:
            for steps in (int(s) for s in args.steps.split(",")):
                gui_saves(steps, args.rounds, tmp)
            return
        for steps in (int(s) for s in args.steps.split(",")):
            start = time.perf_counter()
            t = trained(steps)
            h = t.history
            print(f"\n{steps:,} steps trained in {time.perf_counter() - start:.1f} s; the trainer's history: "
                  f"{len(h):,} rows of {h.bytes_per_step:.0f} B ({len(h) * h.bytes_per_step / 1e6:.1f} MB)")
            times = {label: [] for label, _ in CHOICES}
            for _ in range(args.rounds):
                for label, budget in CHOICES:
                    times[label].append(save_once(t, budget, os.path.join(tmp, f"{label[:4]}.nnstudio")))
            print(f"{'choice':40} {'file bytes':>12} {'history rows':>12}  {'total s, median (min–max)':>26}"
                  f"  {'export':>6} {'pipe':>6} {'write':>6}")
            for label, _ in CHOICES:
                path = os.path.join(tmp, f"{label[:4]}.nnstudio")
                history = load_project(path).history
                rows = 0 if history is None else len(history["steps"])
                parts = list(zip(*times[label]))
                total = [sum(x) for x in times[label]]
                print(f"{label:40} {os.path.getsize(path):12,} {rows:12,}  {spread(total):>26}  "
                      + " ".join(f"{statistics.median(p):6.3f}" for p in parts))


if __name__ == "__main__":
    main()
