"""The window's whole state as a project and back, through the trainer (which owns the optimizer, the losses
and the history). Waiting for the trainer's answer keeps showing snapshots, so the window never freezes."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QCoreApplication

from .. import __version__
from ..training.problem import ProblemSpec


class ProjectStateMixin:
    def current_project(self, timeout: float = 10.0):
        """Everything open, as a Project: the trainer sends its full state (optimizer, losses, history)."""
        from ..io.project import Project

        snap = self.request_export(timeout)
        spec, export = snap.spec, snap.export
        custom = spec.custom
        return Project(
            spec=spec, params=np.array(snap.params), optimizer=export["optimizer"], step=snap.step,
            epoch=snap.epoch, losses=export["losses"], evaluations=list(export["evaluations"]),
            custom_data=None if custom is None else {"X": custom.X, "y": custom.y,
                                                     "classification": custom.classification, "name": custom.name},
            history=export.get("history") if self.files.actionSaveHistory.isChecked() else None,
            meta={"app_version": __version__},
        )

    def request_export(self, timeout: float):
        """Ask the trainer for its full state and wait (showing snapshots meanwhile) until it arrives."""


        self._export = None
        self.trainer.export_state()
        end = time.monotonic() + timeout
        while self._export is None:
            if time.monotonic() > end:
                raise TimeoutError("the trainer did not answer in time")
            self._poll()
            QCoreApplication.processEvents()
            time.sleep(0.002)
        return self._export

    def load_project(self, project) -> None:
        """Replace what is open by a project (the trainer rebuilds; the window follows its snapshots)."""
        self._pause_ui()
        self.trainer.load_state(project)
        self._wait_for(lambda s: s.spec == project.spec and s.step == project.step and s.params is not None
                       and np.array_equal(s.params, project.params))

    def load_spec(self, spec: ProblemSpec) -> None:
        """Start again on a setup (File → New)."""
        self._pause_ui()
        self.trainer.new(spec)
        generation = self._snapshot.generation
        self._wait_for(lambda s: s.generation != generation)

    def _wait_for(self, done, timeout: float = 10.0) -> None:


        end = time.monotonic() + timeout
        while not (self._snapshot is not None and done(self._snapshot)):
            if time.monotonic() > end:
                raise TimeoutError("the trainer did not answer in time")
            self._poll()
            QCoreApplication.processEvents()
            time.sleep(0.002)
