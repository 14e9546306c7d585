"""The trainer's step history: recording the live state, showing a past step, branching from it."""

from __future__ import annotations

import numpy as np

from ..engine.loop import recorded_state_names
from .history import History


class RewindMixin:
    """Trainer methods for the History; they use the trainer's loop, network, spec and publishing."""

    def _new_history(self) -> None:
        """A fresh History (the loop records into it), holding the current state as its first row."""
        self._viewing = None
        if not self._history_cap:
            self.history = self.loop.recorder = None
            return
        n = self.network.n_params
        self.history = History(n, len(recorded_state_names(self.loop.optimizer)) * n, self._history_cap)
        self.loop.recorder = self.history
        self._record_live()

    def _record_live(self) -> None:
        """(Re)record the live state as the current step's row (after an edit, a restore, a new optimizer)."""
        if self.history is None:
            return
        loop = self.loop
        opt = loop.optimizer
        arrays = opt.state_arrays()  # empty while the optimizer has not stepped: a fresh start
        names = recorded_state_names(opt)
        state = None
        if names:
            n = self.network.n_params
            state = np.concatenate([arrays[a].ravel() for a in names]) if arrays else np.zeros(len(names) * n)
        self.history.record(loop.step_count, self.network.flat_parameters(), state, epoch=loop.epoch,
                            iterations=opt.iterations if arrays or not names else 0)

    def _back_to_live(self) -> None:
        if self._viewing is not None:
            self._viewing = None
            self._publish()

    def _resume(self, step: int) -> None:
        """Branch from the recorded state at nearest(step): restore it, drop the later steps, reshuffle."""
        h, loop = self.history, self.loop
        v = h.nearest(step)
        if v >= loop.step_count:
            self._viewing = None
            self._publish()
            return
        self._publish(pinned=True)  # the old branch's last losses reach the GUI before they are dropped
        n = self.network.n_params
        names = recorded_state_names(loop.optimizer)
        iterations, state = h.iterations_at(v), h.state_at(v)
        if iterations <= 0 or (names and (state is None or state.size != len(names) * n)):
            optimizer = (-1, 0, {})  # unknown (or fresh) there: the optimizer starts afresh
        else:
            optimizer = (n, iterations, {a: state[i * n : (i + 1) * n] for i, a in enumerate(names)})
        loop.restore({
            "params": h.params_at(v),
            "optimizer": optimizer,
            "step_count": v,
            "epoch": h.epoch_at(v),
            "n_losses": len(loop.losses) - (loop.step_count - v),
            "n_evaluations": sum(1 for e in loop.evaluations if e.step <= v),
        })
        loop.reseed([v] if self._loop_seed is None else [self._loop_seed, v])
        h.truncate_after(v)
        self._viewing = None
        self._branch += 1
        self._published_losses = len(loop.losses)
        self._published_evaluations = len(loop.evaluations)
        self._pending_message = f"Resumed from step {v:,}: a new branch (the later steps were dropped)."
        self._publish()
