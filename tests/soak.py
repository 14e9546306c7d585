"""The soak (issue 9): the real window, its real trainer process, for N seconds of what a user does while it
trains — edits typed into the editor, undo and redo, play and pause, hyper-parameter and architecture changes —
with every edit checked and the memory of both processes sampled.

    python tests/soak.py --seconds 600            # the full soak (10 minutes), figures printed and as JSON
    python tests/soak.py --seconds 30 --json out.json

An edit is **lost or wrong** if the window does not show the exact typed value right after Enter, and
**unconfirmed** if no snapshot from the trainer shows it (with the trainer's record of that edit) within
3.5 s. Undo and redo must show the exact value they restore. Memory must level off: the resident size of
each process after the first minute (or the first quarter of a shorter run) may grow by at most
``--max-growth-mb`` (the floor: the lowest sample of the last half against the lowest of the first half; the
trainer's memory rises and falls with the step history of the network on show, which is capped at 200 MB).
``--kill-every S`` also SIGKILLs the trainer every S seconds: the window must replace it and lose nothing
(S > 15: three deaths within 30 s make the window stop restarting, by design). The longest UI stall is the
longest gap between ticks of a 10 ms timer while the soak waits (the window's own work, not the soak's).
Exit status 0 when every check holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CONFIRM_SECONDS = 3.5
SAMPLE_SECONDS = 2.0


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc), or NaN where it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class Soak:
    def __init__(self, seconds: float, seed: int, kill_every: float = 0.0, trace_memory: int = 0):
        from PySide6.QtCore import QStandardPaths, QTimer, qInstallMessageHandler
        from PySide6.QtWidgets import QApplication

        from nnstudio.gui import MainWindow

        self.app = QApplication.instance() or QApplication([])
        QStandardPaths.setTestModeEnabled(True)
        self.rng = random.Random(seed)
        self.seconds = seconds
        self.kill_every = kill_every
        self.trace_memory = trace_memory  # > 0: that many of the GUI's biggest Python allocation growths
        self._traced = None  # the tracemalloc snapshot taken once memory has settled
        qInstallMessageHandler(self._qt_message)
        self.w = MainWindow(trainer="process")
        self.w.resize(1280, 720)
        self.w.show()
        self.w.activateWindow()
        self.delivered: list = []
        self.w.snapshotApplied.connect(self.delivered.append)
        self.figures = {"edits": 0, "lost_or_wrong": 0, "unconfirmed": 0, "undos": 0, "wrong_undos": 0,
                        "plays": 0, "hyper_changes": 0, "architecture_changes": 0, "restarts": 0}
        self.failures: list[str] = []
        self.memory: list[tuple[float, float, float]] = []  # (seconds, GUI MB, trainer MB)
        self._last_tick = None
        self.longest_stall = 0.0
        self._ticker = QTimer(interval=10, timeout=self._tick)
        self._ticker.start()
        self._wait(lambda: self.w.snapshot() is not None, 10)

    def _qt_message(self, kind, context, message):
        if not message.startswith("This plugin does not support "):  # the offscreen platform's own limits
            self.failures.append(f"Qt message: {message}")

    # ---- waiting, with the UI stall measured ------------------------------------------------------
    def _tick(self):
        now = time.perf_counter()
        if self._last_tick is not None:
            self.longest_stall = max(self.longest_stall, now - self._last_tick)
        self._last_tick = now

    def _wait(self, done, seconds: float) -> bool:
        from PySide6.QtTest import QTest

        deadline = time.perf_counter() + seconds
        self._last_tick = None  # the soak's own work between waits is not the window's stall
        while time.perf_counter() < deadline:
            if done():
                self._last_tick = None
                return True
            QTest.qWait(5)
        self._last_tick = None
        return done()

    def _sample(self, start: float):
        pid = getattr(getattr(self.w.trainer, "_process", None), "pid", None)
        self.memory.append((time.perf_counter() - start, rss_mb(os.getpid()), rss_mb(pid) if pid else float("nan")))

    # ---- actions ----------------------------------------------------------------------------------
    def edit(self):
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        from nnstudio.gui.network_view import ParamRef

        w, sizes = self.w, self.w.snapshot().spec.sizes
        layer = self.rng.randrange(len(sizes) - 1)
        src, dst = self.rng.randrange(sizes[layer]), self.rng.randrange(sizes[layer + 1])
        ref = ParamRef.weight(layer, src, dst)
        value = round(self.rng.uniform(-3, 3), 3)
        QTest.mouseClick(w.network_view.mouse_target(), Qt.LeftButton, pos=w.network_view.edge_point(layer, src, dst))
        if not self._wait(w.editor.is_open, 2):
            self.failures.append(f"the editor did not open on {ref.label()}")
            return
        index = w.parameter_index(ref)
        if w.value(ref) == value:
            value = round(value + 0.5, 3)
        del self.delivered[:]
        w.editor.selectAll()
        QTest.keyClicks(w.editor, repr(value))
        QTest.keyClick(w.editor, Qt.Key_Return)
        self.figures["edits"] += 1
        if w.value(ref) != value:
            self.figures["lost_or_wrong"] += 1
            self.failures.append(f"{ref.label()} shows {w.value(ref)!r} right after {value!r} was typed")
            return

        def confirmed():
            return any(s.params[index] == value and any(e.index == index and e.new == value for e in s.edits)
                       for s in self.delivered if s.generation == w.snapshot().generation)

        if not self._wait(confirmed, CONFIRM_SECONDS):
            self.figures["unconfirmed"] += 1
            self.failures.append(f"no trainer snapshot showed {ref.label()} = {value!r} within {CONFIRM_SECONDS} s")

    def undo_redo(self):
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        w, stack = self.w, self.w.undo_stack
        redo = stack.canRedo() and (not stack.canUndo() or self.rng.random() < 0.4)
        if not (redo or stack.canUndo()):
            return
        command = stack.command(stack.index() if redo else stack.index() - 1)
        ref, want = getattr(command, "ref", None), getattr(command, "new" if redo else "old", None)
        QTest.keyClick(w.network_view.viewport(), Qt.Key_Z,
                       Qt.ControlModifier | (Qt.ShiftModifier if redo else Qt.NoModifier))
        self.figures["undos"] += 1
        if ref is not None:  # an edit's command (an import's sets every parameter)
            shown = w.value(ref)
            if shown != want:
                self.figures["wrong_undos"] += 1
                self.failures.append(f"{'redo' if redo else 'undo'} shows {shown!r}, not {want!r}")

    def play_pause(self):
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        QTest.keyClick(self.w.network_view.viewport(), Qt.Key_Space)
        self.figures["plays"] += 1

    def hyper(self):
        controls = self.w.controls
        combo = self.rng.choice([controls.learning_rate, controls.learning_rate, controls.activation])
        combo.setCurrentIndex(self.rng.randrange(combo.count()))
        self.figures["hyper_changes"] += 1

    def architecture(self):
        controls, hidden = self.w.controls, self.w.snapshot().spec.hidden
        button = controls.add_layer if len(hidden) < 3 and (len(hidden) <= 1 or self.rng.random() < 0.5) \
            else controls.remove_layer
        button.click()
        self.figures["architecture_changes"] += 1

    def kill_trainer(self):
        import signal

        process = getattr(self.w.trainer, "_process", None)
        before = self.w.supervisor.restarts
        os.kill(process.pid, signal.SIGKILL)
        if not self._wait(lambda: self.w.supervisor.restarts > before and self.w.trainer.alive, 3.0):
            self.failures.append("the killed trainer was not replaced within 3 s")

    def run(self) -> dict:
        start = time.perf_counter()
        self.w.speed_slider.setValue(self.w.speed_slider.maximum())
        self.play_pause()
        next_sample, next_kill = 0.0, self.kill_every or float("inf")
        actions = [(self.edit, 10), (self.undo_redo, 4), (self.play_pause, 1), (self.hyper, 1),
                   (self.architecture, 1)]
        while (elapsed := time.perf_counter() - start) < self.seconds:
            if elapsed >= next_sample:
                self._sample(start)
                next_sample += SAMPLE_SECONDS
            if self.trace_memory and self._traced is None and elapsed >= self._settle():
                tracemalloc.start(12)
                self._traced = tracemalloc.take_snapshot()
            if elapsed >= next_kill:
                self.kill_trainer()
                next_kill += self.kill_every
            action = self.rng.choices([a for a, _ in actions], [n for _, n in actions])[0]
            action()
            self._wait(lambda: False, self.rng.uniform(0.05, 0.4))
            if not self.w.snapshot().running and self.rng.random() < 0.5:
                self.play_pause()  # mostly training, as in a lesson
        self._sample(start)
        growth = self._traced_growth() if self._traced is not None else []
        self.figures["restarts"] = self.w.supervisor.restarts
        self.w.files.end_session()
        self.w.close()
        return {**self.report(), "traced_growth": growth}

    def _settle(self) -> float:
        return min(60.0, self.seconds / 4)

    def _traced_growth(self) -> list[str]:
        """Where the GUI's Python allocations (NumPy's included) grew since memory settled, biggest first."""
        import linecache

        now = tracemalloc.take_snapshot()
        tracemalloc.stop()
        lines = []
        for stat in now.compare_to(self._traced, "traceback")[: self.trace_memory]:
            # Frames run from the oldest to the newest: the newest of ours say where the memory is kept.
            ours = [f for f in stat.traceback if "/nnstudio/" in f.filename or "pyqtgraph" in f.filename]
            frames = [f"{f.filename.rsplit('/', 2)[-2]}/{f.filename.rsplit('/', 1)[-1]}:{f.lineno}"
                      for f in reversed(ours or list(stat.traceback))][:4]
            newest = stat.traceback[-1]
            code = linecache.getline(newest.filename, newest.lineno).strip()
            lines.append(f"{stat.size_diff / 2**20:+7.1f} MB ({stat.count_diff:+d} blocks) {code[:60]}  "
                         + " < ".join(frames))
        return lines

    def report(self) -> dict:
        settle = self._settle()
        after = [m for m in self.memory if m[0] >= settle]
        growth, peaks = {}, {}
        for k, name in ((1, "gui"), (2, "trainer")):
            # The trainer's memory rises and falls with the step history of the network on show (capped at
            # 200 MB; a new network starts a new one), so "levels off" is judged by the floor: the lowest sample
            # of the last half against the lowest of the first half. A leak raises the floor; the peak is bounded.
            values = [m[k] for m in after if m[k] == m[k]]
            half = len(values) // 2
            growth[name] = min(values[half:]) - min(values[:half]) if half else 0.0
            peaks[name] = max(values) if values else float("nan")
        return {"seconds": self.seconds, **self.figures, "longest_stall_s": round(self.longest_stall, 3),
                "memory_growth_after_settle_mb": {k: round(v, 1) for k, v in growth.items()},
                "memory_peak_mb": {k: round(v, 1) for k, v in peaks.items()},
                "settle_s": settle, "memory": [tuple(round(x, 1) for x in m) for m in self.memory],
                "failures": self.failures[:20]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=600.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-growth-mb", type=float, default=40.0)
    p.add_argument("--kill-every", type=float, default=0.0, help="SIGKILL the trainer every this many seconds")
    p.add_argument("--json", help="write the figures here too")
    p.add_argument("--trace-memory", type=int, default=0, metavar="N",
                   help="trace the GUI's Python allocations after the first minute; print the N biggest growths")
    args = p.parse_args(argv)
    report = Soak(args.seconds, args.seed, args.kill_every, args.trace_memory).run()
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    every = max(1, len(report["memory"]) // 12)
    curve = "  ".join(f"{t:.0f}s {g:.0f}/{r:.0f}" for t, g, r in report["memory"][::every])
    print(f"soak {report['seconds']:.0f} s: {report['edits']} edits, {report['lost_or_wrong']} lost or wrong, "
          f"{report['unconfirmed']} unconfirmed; {report['undos']} undo/redo, {report['wrong_undos']} wrong; "
          f"{report['plays']} play/pause, {report['hyper_changes']} hyper-parameter and "
          f"{report['architecture_changes']} architecture changes, {report['restarts']} trainer restarts; "
          f"longest UI stall {report['longest_stall_s']:.3f} s")
    print(f"memory (MB, GUI/trainer): {curve}")
    print(f"floor growth after {report['settle_s']:.0f} s: GUI {report['memory_growth_after_settle_mb']['gui']} MB, "
          f"trainer {report['memory_growth_after_settle_mb']['trainer']} MB; peaks: GUI "
          f"{report['memory_peak_mb']['gui']} MB, trainer {report['memory_peak_mb']['trainer']} MB")
    for line in report["traced_growth"]:
        print("grew:", line)
    for f in report["failures"]:
        print("FAILED:", f)
    ok = (not report["failures"] and report["edits"] > 0
          and all(v <= args.max_growth_mb for v in report["memory_growth_after_settle_mb"].values()))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
