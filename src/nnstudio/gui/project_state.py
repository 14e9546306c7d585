"""The window's whole state as a project and back, through the trainer (which owns the optimizer, the losses
and the history). Waiting for the trainer's answer keeps showing snapshots, so the window never freezes; a
trainer that is dead or silent is not waited for: the window's own state is the project then."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QCoreApplication

from .. import __version__
from ..training.problem import ProblemSpec

_CHOSEN = object()  # current_project's default budget: the File menu's choice


class ProjectStateMixin:
    project_snapshot = None  # the snapshot the last current_project() was taken from (its step, spec, network)

    def current_project(self, timeout: float = 10.0, max_history_bytes=_CHOSEN):
        """Everything open, as a Project: the trainer sends its full state (optimizer, losses, history), with
        at most ``max_history_bytes`` of step history (0: none, None: every step; by default what File → Step
        history in projects says).

        A trainer that is dead or does not answer within ``timeout`` cannot lose the work: the window's own
        state is saved instead (``window_project``), without the optimizer's moments and the step history."""
        if max_history_bytes is _CHOSEN:
            max_history_bytes = self.files.history.max_bytes()
        if self.supervisor.serving():
            try:
                snap = self.request_export(timeout, max_history_bytes)
                self.project_snapshot = replace(snap, export=None)  # not the export: it may weigh 200 MB
                return self._project_from_export(snap)
            except TimeoutError:
                self.statusBar().showMessage("The trainer did not answer in time: saved what the window shows "
                                             "(the optimizer's state and the step history are not in it).")
        self.project_snapshot = self._snapshot
        return self.window_project()

    def window_project(self):
        """The project from what the window itself holds, asking the trainer nothing: the parameters on show
        (edits included), step, epoch, the loss curve and the evaluations received; the optimizer starts
        afresh (its state lived in the trainer). A restarted trainer starts from it; Save falls back to it."""
        from ..io.project import Project

        snap = self._snapshot
        # The parameters shown are those of the step on show, and so are the epoch and the losses.
        step, epoch = (snap.step, snap.epoch) if snap.viewing is None else (snap.viewing, snap.viewing_epoch)
        steps, losses = self.loss_plot.train_curve()
        losses = losses[steps <= step]
        return Project(
            spec=snap.spec, params=np.array(self._params, dtype=np.float64),
            optimizer={"name": snap.spec.optimizer, "iterations": 0, "size": -1, "state": {}}, step=step,
            epoch=epoch, losses=losses,
            evaluations=[e for e in self.supervisor.evaluations() if e.step <= step],
            custom_data=self._custom_data(snap.spec), history=None, meta={"app_version": __version__},
        )

    def _project_from_export(self, snap):
        from ..io.project import Project

        spec, export = snap.spec, snap.export
        return Project(
            spec=spec, params=np.array(snap.params), optimizer=export["optimizer"], step=snap.step,
            epoch=snap.epoch, losses=export["losses"], evaluations=list(export["evaluations"]),
            custom_data=self._custom_data(spec),
            history=export.get("history"),  # as much as was asked for (request_export's budget)
            meta={"app_version": __version__},
        )

    @staticmethod
    def _custom_data(spec):
        custom = spec.custom
        return None if custom is None else {"X": custom.X, "y": custom.y, "classification": custom.classification,
                                            "name": custom.name}

    def request_export(self, timeout: float, max_history_bytes: int | None = None):
        """Ask the trainer for its full state, with at most ``max_history_bytes`` of step history (None: every
        step), and wait (showing snapshots meanwhile) until it arrives."""
        self._export = None
        asked = self.trainer
        asked.export_state(max_history_bytes)
        end = time.monotonic() + timeout
        while self._export is None:
            if time.monotonic() > end:
                raise TimeoutError("the trainer did not answer in time")
            if self.trainer is not asked or not self.supervisor.serving():
                raise TimeoutError("the trainer stopped before it answered")  # a dead one's answer never comes
            self._poll()
            QCoreApplication.processEvents()
            time.sleep(0.002)
        snap, self._export = self._export, None  # the window keeps no copy of a possibly big export
        return snap

    def load_project(self, project) -> None:
        """Replace what is open by a project (the trainer rebuilds; the window follows its snapshots)."""
        self._pause_ui()
        self._ask_and_wait(lambda trainer: trainer.load_state(project),
                           lambda s: s.spec == project.spec and s.step == project.step and s.params is not None
                           and np.array_equal(s.params, project.params))

    def load_spec(self, spec: ProblemSpec) -> None:
        """Start again on a setup (File → New)."""
        self._pause_ui()
        generation = self._snapshot.generation
        self._ask_and_wait(lambda trainer: trainer.new(spec), lambda s: s.generation != generation)

    def _ask_and_wait(self, ask, done, timeout: float = 10.0) -> None:
        """Send a command with ``ask(trainer)`` and show snapshots until one is ``done``. A trainer that dies
        first loses the command with it: the one the supervisor starts in its place is asked again (once)."""
        asked, first = self.trainer, self.trainer
        ask(asked)
        end = time.monotonic() + timeout
        while not (self._snapshot is not None and done(self._snapshot)):
            if time.monotonic() > end:
                raise TimeoutError("the trainer did not answer in time")
            if self.supervisor.is_down():
                raise TimeoutError("the trainer stopped and could not be restarted")
            if self.trainer is not asked:
                if asked is not first:
                    raise TimeoutError("the trainer stopped twice before it answered")
                asked = self.trainer
                ask(asked)
            self._poll()
            QCoreApplication.processEvents()
            time.sleep(0.002)
