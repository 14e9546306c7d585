"""A trainer's whole state in and out, for project files: optimizer state, losses, evaluations, history."""

from __future__ import annotations

import numpy as np

from .history import History


def export_state(trainer, max_history_bytes: int | None = None) -> dict:
    """The trainer's state for a project; the history as ``History.stored_arrays(max_history_bytes)`` (None:
    every row, as before; 0: none, not even copied)."""
    loop = trainer.loop
    history = trainer.history
    opt = loop.optimizer
    return {
        "optimizer": {"name": trainer.spec.optimizer, "iterations": opt.iterations, "size": opt._size,
                      "state": opt.state_arrays()},
        "losses": loop.losses.array().copy(),
        "evaluations": list(loop.evaluations),
        "history": None if history is None or max_history_bytes == 0 else history.stored_arrays(max_history_bytes),
    }


def load_state(trainer, project) -> None:
    """Rebuild the trainer from a (validated) Project: data, network, parameters, optimizer, counters, history."""
    trainer._build(project.spec)
    loop = trainer.loop
    trainer.network.set_flat_parameters(project.params)
    opt, saved = loop.optimizer, project.optimizer
    if saved["size"] >= 0 and saved["state"]:
        opt.load_state_arrays(saved["size"], saved["iterations"], saved["state"])
    else:
        opt.reset()
        opt.iterations = int(saved["iterations"])
    loop.step_count, loop.epoch = int(project.step), int(project.epoch)
    loop.losses.truncate(0)
    loop.losses.extend(np.asarray(project.losses, dtype=np.float64))
    loop.evaluations[:] = list(project.evaluations)
    if project.history is not None and trainer.history is not None:
        try:
            trainer.history = loop.recorder = History.from_arrays(project.history, trainer._history_cap)
        except ValueError:
            trainer._new_history()  # an unusable history is dropped; the project itself opens
    else:
        trainer._new_history()
    trainer._record_live()
