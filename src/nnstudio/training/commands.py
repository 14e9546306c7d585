"""The commands the GUI sends a trainer (in a thread, a process, or synchronously)."""

from __future__ import annotations

import numpy as np

from .problem import ProblemSpec


class TrainerCommands:
    """The commands the GUI sends; a subclass provides ``submit(name, *args)``, the transport.

    ``sent`` counts the commands sent; the trainer counts those it applied and puts that count in every
    snapshot (``Snapshot.applied``), so the GUI can tell a snapshot that has seen all its commands from one
    published before the latest of them arrived."""

    sent = 0

    def submit(self, name: str, *args) -> None:
        raise NotImplementedError

    def _send(self, name: str, *args) -> None:
        self.sent += 1
        self.submit(name, *args)

    def play(self):
        self._send("play")

    def pause(self):
        self._send("pause")

    def step(self, n: int = 1):
        self._send("step", int(n))

    def step_epoch(self):
        self._send("step_epoch")

    def reset(self, seed: int | None = None):
        self._send("reset", seed)

    def set_parameter(self, index: int, value: float, generation: int | None = None):
        """One weight or bias; with ``generation``, only if the network is still that one (an edit made before
        a structural change reached the trainer must not land on the new network)."""
        self._send("set_parameter", int(index), float(value), None if generation is None else int(generation))

    def set_spec(self, spec: ProblemSpec):
        """Apply a changed setup: hyper-parameters in place, data anew, a new network only if its shape changed."""
        self._send("set_spec", spec)

    def regenerate(self, data_seed: int):
        self._send("regenerate", int(data_seed))

    def export_state(self, max_history_bytes: int | None = None):
        """Publish (pinned) a snapshot whose ``export`` holds the optimizer state, every loss and the history:
        at most ``max_history_bytes`` of it (``History.stored_arrays``; None: every row, 0: none), so a save
        never sends the trainer's whole ~200 MB history through the pipe to throw most of it away."""
        if max_history_bytes is not None and (isinstance(max_history_bytes, bool) or max_history_bytes < 0):
            raise ValueError(f"max_history_bytes must be None or ≥ 0, got {max_history_bytes!r}")
        self._send("export_state", None if max_history_bytes is None else int(max_history_bytes))

    def load_state(self, project):
        """Replace everything by a Project's state (a new generation)."""
        self._send("load_state", project)

    def new(self, spec: ProblemSpec):
        """Start again on ``spec``: fresh data and network (a new generation)."""
        self._send("new", spec)

    def set_params(self, flat):
        """All parameters at once (an imported weight file)."""
        self._send("set_params", np.asarray(flat, dtype=np.float64))

    def set_speed(self, steps_per_second: float | None):
        """Steps per second while playing (the first at once); None trains as fast as the machine goes."""
        if steps_per_second is not None and not steps_per_second > 0:
            raise ValueError(f"steps per second must be > 0 or None, got {steps_per_second!r}")
        self._send("speed", None if steps_per_second is None else float(steps_per_second))

    def set_details(self, on: bool):
        """Put gradients, updates and mini-batch indices into the snapshots (costs a copy per snapshot)."""
        self._send("details", bool(on))

    def seek(self, step: int):
        """Pause and show the recorded parameters at the latest recorded step ≤ `step` (snapshot.viewing).

        The live state is unchanged; play or step returns to it, and seeking the live step (or beyond) too."""
        self._send("seek", int(step))

    def resume_from(self, step: int):
        """Branch: train on from the recorded state at the latest recorded step ≤ `step`; later steps are dropped."""
        self._send("resume_from", int(step))

    def export_history(self):
        """Publish a pinned snapshot whose ``history`` holds History.to_arrays() (for a project file)."""
        self._send("export_history")
