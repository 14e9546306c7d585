"""Immutable snapshots the trainer publishes, and the mailbox that hands them to the GUI."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import numpy as np

from ..engine import Evaluation
from .problem import ProblemData, ProblemSpec


@dataclass(frozen=True)
class Edit:
    """A parameter edit that landed between two steps."""

    step: int
    index: int  # position in the flat parameter vector
    old: float
    new: float


@dataclass(frozen=True)
class Snapshot:
    params: np.ndarray  # flat copy, read-only
    step: int
    epoch: int
    losses: np.ndarray  # losses of steps step − len(losses) + 1 … step
    evaluations: tuple[Evaluation, ...]
    edits: tuple[Edit, ...]
    running: bool
    generation: int  # bumps on reset and rebuild: the GUI starts a new loss curve
    spec: ProblemSpec
    data: ProblemData
    message: str | None = None
    pinned: bool = False  # published right after an edit: never merged away
    # With details on (the GUI shows gradients or updates): flat ∂L/∂θ of the last mini-batch (penalty
    # included), the last update Δθ, and the indices of the last and the next mini-batch.
    grads: np.ndarray | None = None
    update: np.ndarray | None = None
    last_batch: np.ndarray | None = None
    next_batch: np.ndarray | None = None
    # Rewinding: ``params`` show the recorded step ``viewing`` (None: the live state) while step, epoch and
    # losses stay live. ``branch`` bumps when training resumes from an earlier step (the losses after that
    # step were dropped: the GUI dims the old curve and starts a new one at first_step). ``history`` holds
    # History.to_arrays() in the snapshot answering export_history.
    viewing: int | None = None
    viewing_epoch: int | None = None  # the epoch counter at step ``viewing`` (a restart from there takes it)
    branch: int = 0
    history: dict | None = None
    export: dict | None = None  # answer to export_state: optimizer state, all losses and evaluations, history
    # The largest loss the next step may have without counting as divergence (engine.divergence); None
    # before a run's first step. The last of ``losses`` is never above it.
    loss_limit: float | None = None
    # The step history's size, so the window can say what a save would store (training.thinning.stored_bytes)
    # without the history itself: its rows and the bytes of one row.
    history_rows: int = 0
    history_row_bytes: int = 0
    applied: int = 0  # commands the trainer had applied when it published this (TrainerCommands.sent counts sent)

    @property
    def first_step(self) -> int:
        """Step count before the first of ``losses``."""
        return self.step - len(self.losses)

    def after(self, earlier: Snapshot) -> Snapshot:
        """This snapshot carrying an undelivered earlier one's losses, evaluations and edits."""
        if earlier.generation != self.generation or earlier.branch != self.branch:
            return self
        return replace(
            self,
            losses=np.concatenate([earlier.losses, self.losses]),
            evaluations=earlier.evaluations + self.evaluations,
            edits=earlier.edits + self.edits,
            message=self.message or earlier.message,
            history=self.history if self.history is not None else earlier.history,
        )


class Mailbox:
    """One slot for the latest snapshot, behind any pinned ones still waiting.

    An undelivered snapshot is replaced by a newer one but its losses are carried over, so no loss is
    ever dropped; a pinned snapshot (the one right after an edit) is always delivered on its own.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._items: list[Snapshot] = []

    def put(self, snap: Snapshot) -> None:
        with self._lock:
            if self._items and not self._items[-1].pinned:
                snap = snap.after(self._items.pop())
            self._items.append(snap)

    def take(self) -> Snapshot | None:
        with self._lock:
            return self._items.pop(0) if self._items else None

    def __len__(self):
        with self._lock:
            return len(self._items)
