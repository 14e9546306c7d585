"""Watching the trainer process: a trainer that dies (killed, crashed) is noticed at the next poll and replaced.

The window keeps everything the user sees — the parameters on show (edits included), the step, the epoch,
the loss curve, the undo stack — so a dead trainer loses only what lived in it alone: the optimizer's
moments. A new trainer starts from the window's state (``MainWindow.window_project``) in the same generation
and branch, so the edits and undo commands made on this network still apply. If no trainer can be started,
the window stays usable for looking and saving: ``current_project`` then writes the window's own state.
"""

from __future__ import annotations

import signal
import time
from collections import deque

# A trainer that dies again and again (a state it cannot train, a machine out of memory) is not restarted
# forever: after this many deaths within this many seconds the window stops trying and keeps the work.
MAX_DEATHS, DEATH_SECONDS = 3, 30.0


class Supervisor:
    """The window's trainer watch: ``check()`` from the poll timer; ``restarts`` counts trainers replaced."""

    def __init__(self, window):
        self.w = window
        self.restarts = 0
        # A synchronous trainer runs inside the window's own calls: there is nothing to watch.
        self._watched = window.trainer.alive
        self._down = False
        self._fault: tuple[int | None, str] | None = None  # (generation, Health text) after a death
        self._evaluations: list = []  # of the shown generation and branch: a restarted trainer gets them back
        self._seen = (None, None)
        self._deaths: deque[float] = deque(maxlen=MAX_DEATHS)
        window.snapshotApplied.connect(self.snapshot_applied)

    # ---- queries (for tests and the state machine) -------------------------------------------
    def serving(self) -> bool:
        """True while a trainer applies commands (a synchronous trainer always does)."""
        return not self._down and (not self._watched or self.w.trainer.alive)

    def is_down(self) -> bool:
        """True once the trainer died and no new one could be started: Save writes the window's own state."""
        return self._down

    def fault(self) -> str | None:
        """The Health text of a trainer death on the network shown (None once a new network replaced it)."""
        if self._fault is None or self._fault[0] != self.w.snapshot().generation:
            return None
        return self._fault[1]

    def evaluations(self) -> list:
        """The evaluations of the run on show, as the window received them."""
        return list(self._evaluations)

    # ---- the watch ------------------------------------------------------------------------------
    def snapshot_applied(self, snap) -> None:
        if (snap.generation, snap.branch) != self._seen:
            if snap.generation != self._seen[0]:
                self._evaluations = []
            else:  # a branch drops the evaluations after the step it went back to
                self._evaluations = [e for e in self._evaluations if e.step <= snap.first_step]
            self._seen = (snap.generation, snap.branch)
        self._evaluations.extend(snap.evaluations)

    def check(self) -> None:
        """Called by the poll timer: a watched trainer that is no longer alive is reported and replaced."""
        if not self._watched or self._down or self.w.trainer.alive:
            return
        w, old = self.w, self.w.trainer
        how = _how(getattr(getattr(old, "_process", None), "exitcode", None))
        was_training = w.actionPlayPause.isChecked()
        w.show_stopped()
        snap = w.snapshot()
        self._fault = (snap.generation, "trainer stopped")
        w.statusBar().showMessage(f"The trainer stopped unexpectedly{how}. Starting a new one from the window's "
                                  "state…")
        w.refresh_health()
        self._deaths.append(time.monotonic())
        try:
            restart = getattr(old, "restarted", None)
            if restart is None:
                raise RuntimeError("this kind of trainer cannot be restarted")
            if len(self._deaths) == MAX_DEATHS and self._deaths[-1] - self._deaths[0] < DEATH_SECONDS:
                raise RuntimeError(f"it stopped {MAX_DEATHS} times within {DEATH_SECONDS:g} s")
            message = (f"The trainer stopped{how}: a new one goes on from step {snap.step:,} with every edit "
                       "and loss kept; the optimizer starts afresh.")
            new = restart(w.window_project(), snap.generation, snap.branch, message)
        except Exception as exc:  # noqa: BLE001 - called from a Qt timer: nothing may escape into C++
            self._down = True
            self._fault = (snap.generation, "trainer stopped, not restarted")
            w.statusBar().showMessage(f"The trainer stopped unexpectedly{how} and could not be restarted "
                                      f"({exc}). Training is off; Save still writes your work.")
            w.refresh_health()
            return
        self.restarts += 1
        self._fault = (snap.generation, "trainer stopped, restarted")
        w.statusBar().showMessage(message)
        w.attach_trainer(new)
        if was_training:  # the run carries on as the user left it: a crash is not a pause
            w.actionPlayPause.setChecked(True)
        w.refresh_health()


def _how(exitcode: int | None) -> str:
    """" (killed by SIGKILL)", " (exit code 1)" or nothing, for the status bar."""
    if exitcode is None:
        return ""
    if exitcode < 0:
        try:
            return f" (killed by {signal.Signals(-exitcode).name})"
        except ValueError:
            return f" (signal {-exitcode})"
    return f" (exit code {exitcode})"
