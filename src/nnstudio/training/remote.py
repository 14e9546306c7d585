"""The trainer in its own process, so training and the GUI each get a core.

NumPy on playground-sized arrays never releases the GIL, and neither does QPainter under PySide6
(architecture.md: Processes), so a trainer *thread* and the GUI take turns: measured here, the thread kept only ~40% of
the engine's speed with the window shown. A process runs the very same Trainer loop with the same
protocol, commands in and snapshots out; ``RemoteTrainer`` offers the GUI the same methods as ``Trainer``.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import sys
import types
from contextlib import contextmanager

from .commands import TrainerCommands
from .problem import ProblemSpec
from .snapshot import Mailbox, Snapshot
from .state import load_state
from .trainer import Trainer


class _Sender:
    """The trainer process's mailbox: sends each snapshot, and the data arrays only when they change."""

    def __init__(self, channel):
        self._channel = channel
        self._data_id = None

    def put(self, snap: Snapshot) -> None:
        data = snap.data
        if id(data) == self._data_id:
            snap = _without_data(snap)
        self._data_id = id(data)
        self._channel.put(snap)

    def __len__(self):
        return 0


def _without_data(snap):
    from dataclasses import replace

    return replace(snap, data=None)


def _serve(spec: ProblemSpec, commands, snapshots, parent_pid: int, loop_seed: int = 0, resume=None) -> None:
    trainer = _started(spec, loop_seed, resume, commands=commands, alive_check=lambda: os.getppid() == parent_pid)
    first, trainer.mailbox = _first(trainer), _Sender(snapshots)
    trainer.mailbox.put(first)
    trainer.serve()
    if os.getppid() != parent_pid:
        # Nobody reads the snapshots any more, and this process holds the pipe's read end too, so waiting
        # for the queue to flush could wait forever: go at once.
        os._exit(0)
    snapshots.close()
    snapshots.join_thread()


def _started(spec: ProblemSpec, loop_seed: int, resume, **kwargs) -> Trainer:
    """A synchronous trainer for ``spec``, or one resuming a dead trainer's run (see ``RemoteTrainer.restarted``)."""
    trainer = Trainer(spec, threaded=False, loop_seed=loop_seed, **kwargs)
    if resume is not None:
        project, generation, branch, message = resume
        load_state(trainer, project)
        # The run goes on: the same generation and branch keep the window's edits, undo and loss curve valid,
        # and the losses the window already shows are not sent again.
        trainer._generation, trainer._branch = generation, branch
        trainer._published_losses = len(trainer.loop.losses)
        trainer._published_evaluations = len(trainer.loop.evaluations)
        trainer._pending_message = message
        trainer._publish()
    return trainer


def _first(trainer: Trainer) -> Snapshot:
    """The latest snapshot a trainer has published so far (the fresh one a resumed trainer replaced too)."""
    snaps = []
    while (snap := trainer.mailbox.take()) is not None:
        snaps.append(snap)
    return snaps[-1]


@contextmanager
def _no_main_reimport():
    """Spawn re-runs the parent's main script in the child unless it looks like a ``__main__`` module.

    The trainer needs nothing from the user's script, and a script without an ``if __name__ == "__main__"``
    guard would otherwise start a second app in the child (and its trainer would never run).
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = main.__dict__.get("__spec__")
    main.__spec__ = types.SimpleNamespace(name="__main__")
    try:
        yield
    finally:
        main.__spec__ = saved


class RemoteTrainer(TrainerCommands):
    """Same methods as Trainer (play, pause, step, set_parameter, set_spec, take, close, …), in a child process."""

    def __init__(self, spec: ProblemSpec | None = None, *, loop_seed: int = 0, resume=None):
        spec = spec or ProblemSpec()
        self._loop_seed = loop_seed
        ctx = mp.get_context("spawn")  # fork would copy Qt's state into the child
        self._commands = ctx.Queue()
        self._snapshots = ctx.Queue()
        self.mailbox = Mailbox()
        self._data = None
        # The same spec and seeds build the same first state here at once, so the window's first frame
        # shows the network while the child process is still starting.
        self._receive(_first(_started(spec, loop_seed, resume)))
        self._process = ctx.Process(target=_serve, name="nnstudio-trainer", daemon=True,
                                    args=(spec, self._commands, self._snapshots, os.getpid(), loop_seed, resume))
        with _no_main_reimport():
            self._process.start()

    def submit(self, name: str, *args) -> None:
        self._commands.put((name, args))

    def _receive(self, snap: Snapshot) -> None:
        if snap.data is None:
            from dataclasses import replace

            snap = replace(snap, data=self._data)
        self._data = snap.data
        self.mailbox.put(snap)

    def take(self) -> Snapshot | None:
        while True:
            try:
                snap = self._snapshots.get_nowait()
            except queue.Empty:
                break
            self._receive(snap)
        return self.mailbox.take()

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def restarted(self, project, generation: int, branch: int, message: str | None = None) -> RemoteTrainer:
        """A new trainer process in this dead one's place, going on from ``project`` (the window's own state)
        in the same ``generation`` and ``branch``; its first snapshot carries ``message``."""
        self._abandon()
        return RemoteTrainer(project.spec, loop_seed=self._loop_seed,
                             resume=(project, int(generation), int(branch), message))

    def _abandon(self) -> None:
        """Let go of a dead process's queues without waiting on pipes nobody will read."""
        self._process.join(0)
        for q in (self._commands, self._snapshots):
            q.cancel_join_thread()
            q.close()

    def close(self, timeout: float = 5.0) -> None:
        if self._process.is_alive():
            self.submit("stop")
            # Keep draining: a child blocked on a full snapshot pipe could not see the stop command.
            self._process.join(0.05)
            while self._process.is_alive() and timeout > 0:
                self.take()
                self._process.join(0.05)
                timeout -= 0.05
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(1.0)
        self._commands.close()
        self._snapshots.close()
        self._commands.join_thread()
