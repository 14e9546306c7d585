"""The trainer: one thread that alone writes the network while it runs. Commands in, snapshots out.

The GUI never touches the network's arrays. It submits commands (edit a parameter, change a setting,
play, pause, step, reset, rebuild); the trainer applies them between steps, trains in chunks of a few
milliseconds, and publishes immutable snapshots at most ~60 times a second. Paused, the thread blocks on
its queue and uses no CPU. ``Trainer(spec, threaded=False)`` does the same work in the caller's thread,
which keeps unit tests deterministic.

Every trained step's parameters go into a ``History`` (the loop records them inside its hot loop), so the
GUI can look at any earlier step (``seek``) and branch from it (``resume_from``).
"""

from __future__ import annotations

import math
import queue
import threading
import time

import numpy as np

from ..engine.divergence import Divergence, DivergenceGuard
from ..engine.loop import recorded_state_names
from .commands import TrainerCommands
from .history import History
from .problem import ProblemSpec, build_loop, build_network, make_data, make_optimizer_for
from .rewind import RewindMixin
from .snapshot import Edit, Mailbox, Snapshot
from .state import export_state, load_state

FRAME_HZ = 60.0
CHUNK_SECONDS = 0.006  # long enough to amortise per-chunk work, short enough that edits land at once
PUBLISH_INTERVAL = 1.0 / FRAME_HZ
PARENT_CHECK_SECONDS = 0.25  # a trainer process notices within this that its GUI is gone


class Trainer(RewindMixin, TrainerCommands):
    _guard: DivergenceGuard | None = None  # the current loop's (see _divergence_guard)

    def __init__(self, spec: ProblemSpec | None = None, *, threaded: bool = True, loop_seed: int = 0,
                 commands=None, mailbox=None, alive_check=None, history_cap: int | None = 200_000_000):
        # A trainer process passes its inter-process queue and a mailbox that sends snapshots back.
        self._commands = commands if commands is not None else queue.SimpleQueue()
        self.mailbox = mailbox if mailbox is not None else Mailbox()
        self._alive_check = alive_check  # called every PARENT_CHECK_SECONDS, training or not; False stops
        self._loop_seed = loop_seed
        self._generation = 0
        self._running = False
        self._stopping = False
        self._steps_per_second: float | None = None  # None: as fast as the machine goes
        self._seconds_per_step = 1e-4
        self._play_started = 0.0
        self._play_steps = 0
        self._pending_edits: list[Edit] = []
        self._applied = 0  # commands applied so far (Snapshot.applied)
        self._pending_message: str | None = None
        self._last_publish = 0.0
        self._published_losses = 0
        self._published_evaluations = 0
        self._details = False
        self._history_cap = history_cap  # bytes the step history may take; None or 0 records none
        self.history: History | None = None
        self._viewing: int | None = None  # the recorded step the snapshots show instead of the live state
        self._branch = 0
        self._build(spec or ProblemSpec())
        self._publish()
        self._thread = None
        if threaded:
            self._thread = threading.Thread(target=self._run, name="nnstudio-trainer", daemon=True)
            self._thread.start()

    # ---- GUI side: thread-safe (the commands come from TrainerCommands) -------------------------
    def submit(self, name: str, *args) -> None:
        self._commands.put((name, args))

    def take(self) -> Snapshot | None:
        if self._thread is None:
            self.process()
        return self.mailbox.take()

    def close(self, timeout: float = 5.0) -> None:
        if self._thread is not None and self._thread.is_alive():
            self.submit("stop")
            self._thread.join(timeout)
        self._stopping = True

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ---- synchronous mode ------------------------------------------------------------------------
    def process(self, chunks: int = 1) -> None:
        """Synchronous mode: apply queued commands, and when playing, train `chunks` chunks."""
        self._drain(block=False)
        for _ in range(chunks if self._running else 0):
            self._train_chunk(self._chunk_size())
        self._publish()

    # ---- trainer thread --------------------------------------------------------------------------
    def serve(self) -> None:
        """Run the command loop in the calling thread until a stop command (a trainer process's main)."""
        self._run()

    def _run(self) -> None:
        # The parent check runs while training too: a trainer whose GUI died must not train on at a full core.
        check, next_check = self._alive_check, time.monotonic() + PARENT_CHECK_SECONDS
        while not self._stopping:
            if check is not None and time.monotonic() >= next_check:
                if not check():
                    break
                next_check = time.monotonic() + PARENT_CHECK_SECONDS
            if not self._running:
                self._drain(block=True, timeout=PARENT_CHECK_SECONDS if check else None)
                continue
            self._drain(block=False)
            if not self._running or self._stopping:
                self._publish()
                continue
            n = self._chunk_size()
            if n == 0:  # speed-limited: wait for the next step, waking at once for a command
                wait = self._wait_for_budget()
                if wait >= PUBLISH_INTERVAL and len(self.loop.losses) > self._published_losses:
                    self._publish()  # a slow step is shown while it is the latest, not when the next one comes
                self._drain(block=True, timeout=min(wait, PARENT_CHECK_SECONDS))
                continue
            self._train_chunk(n)
            if time.perf_counter() - self._last_publish >= PUBLISH_INTERVAL:
                self._publish()

    def _drain(self, block: bool, timeout: float | None = None) -> None:
        try:
            cmd = self._commands.get(block=block, timeout=timeout) if block else self._commands.get_nowait()
        except queue.Empty:
            return
        while True:
            try:
                self._apply(*cmd)
            except Exception as exc:  # noqa: BLE001 - the trainer is a process the GUI depends on: it serves on
                self._refuse(cmd[0], exc)
            # Counted once done: a snapshot published halfway through a command (the old branch's last losses
            # before a rewind) has not seen it; the one after the batch below has.
            self._applied += 1
            try:
                cmd = self._commands.get_nowait()
            except queue.Empty:
                break
        if self._pending_edits:
            self._publish(pinned=True)  # the user sees exactly the typed value before training moves on
        elif not self._stopping:
            self._publish()  # every command is answered, so the GUI knows what the trainer has seen

    def _refuse(self, name: str, exc: Exception) -> None:
        """A command that raised: say which and why; the commands validate before changing anything, so the
        trainer serves on as it was."""
        self._pending_message = f"Not applied: {name} failed ({type(exc).__name__}: {exc})."
        self._publish()

    def _apply(self, name: str, args: tuple) -> None:
        loop = self.loop
        if name == "stop":
            self._stopping = True
            self._running = False
        elif name == "play":
            self._back_to_live()
            self._running = True
            self._play_started = time.perf_counter()
            self._play_steps = 0
            self._publish()
        elif name == "pause":
            self._running = False
            self._publish()
        elif name == "step":
            self._running = False
            self._back_to_live()
            self._train_chunk(args[0])
            self._publish()
        elif name == "step_epoch":
            self._running = False
            self._back_to_live()
            self._train_chunk(loop.steps_to_epoch_end())
            self._publish()
        elif name == "set_parameter":
            index, value, generation = args
            if generation not in (None, self._generation) or not 0 <= index < self.network.n_params:
                self._pending_message = ("Not applied: the edit was made on a network that has since been "
                                         "replaced.")
                self._publish()
            elif math.isfinite(value):
                if self._viewing is not None:
                    self._resume(self._viewing)  # an edit at a past step branches from there
                old = self.network.set_parameter(index, value)
                self._pending_edits.append(Edit(loop.step_count, index, old, value))
                self._record_live()
        elif name == "reset":
            seed = args[0] if args[0] is not None else self.spec.seed
            np.random.SeedSequence(seed)  # refuses a seed NumPy cannot use before anything changes
            self.spec = self.spec.replace(seed=seed)
            self.network.reinitialize(seed)
            loop.optimizer = make_optimizer_for(self.spec)
            loop.restart()
            self._new_history()
            self._new_generation(f"Network re-initialised (seed {seed}).")
        elif name == "set_spec":
            self._set_spec(args[0])
        elif name == "regenerate":
            self._set_spec(self.spec.replace(data_seed=args[0]))
        elif name == "details":
            self._details = args[0]
            self._publish()
        elif name == "seek":
            self._running = False
            if self.history is None:
                self._pending_message = "The step history is off."
            else:
                step = self.history.nearest(args[0])
                self._viewing = step if step < loop.step_count else None
            self._publish()
        elif name == "resume_from":
            if self.history is None:
                self._pending_message = "The step history is off."
                self._publish()
            else:
                self._resume(args[0])
        elif name == "export_history":
            if self.history is None:
                self._pending_message = "The step history is off."
            self._publish(pinned=True, history=None if self.history is None else self.history.to_arrays())
        elif name == "export_state":
            self._publish(pinned=True, export=export_state(self, *args))  # no budget (an old caller): all
        elif name == "load_state":
            self._running = False
            load_state(self, args[0])
            self._new_generation("Opened the project.")
        elif name == "new":
            self._running = False
            self._build(args[0])
            self._new_generation("A new project.")
        elif name == "set_params":
            flat = np.asarray(args[0], dtype=np.float64)
            if flat.shape == (self.network.n_params,) and np.all(np.isfinite(flat)):
                self._back_to_live()
                self.network.set_flat_parameters(flat)
                self._record_live()
                self._publish(pinned=True)
            else:
                self._pending_message = "Not applied: the parameters do not fit this network."
                self._publish()
        elif name == "speed":
            self._steps_per_second = args[0]
            self._play_started = time.perf_counter()
            self._play_steps = 1  # the new rate's first step comes one interval from now, not at once

    def _set_spec(self, spec: ProblemSpec) -> None:
        # Everything that can fail is done before anything changes: a spec this data cannot train is
        # refused with a message, and the trainer (a process the GUI depends on) goes on as it was.
        old = self.spec
        try:
            spec.validate()
            if spec.network_config() != old.network_config():
                self._build(spec)
                self._new_generation("Architecture changed: the network was re-initialised.")
                return
            data = make_data(spec) if spec.data_config() != old.data_config() else self.data
            for y in (data.y_train, data.y_test):
                if len(y):  # drawn points have no test set
                    self.network.prepare_targets(y, spec.resolved_loss)
        except ValueError as exc:
            self._pending_message = f"Not applied: {exc}"
            self._publish()
            return
        loop = self.loop
        if data is not self.data:
            self.data = data
            loop.set_data(self.data.F_train, self.data.y_train, self.data.F_test, self.data.y_test)
            loop.eval_every = None
        if spec.resolved_loss != loop.loss:
            loop.loss = spec.resolved_loss
        if spec.optimizer != old.optimizer:
            loop.optimizer = make_optimizer_for(spec)
            if self.history is not None:  # the recorded states belong to the old optimizer
                self.history.reset_state(len(recorded_state_names(loop.optimizer)) * self.network.n_params)
                self._record_live()
        else:
            loop.optimizer.learning_rate = spec.learning_rate
        loop.batch_size = spec.batch_size
        loop.l1, loop.l2 = spec.l1, spec.l2
        self.spec = spec
        self._publish()

    def _build(self, spec: ProblemSpec) -> None:
        """A new network, data and loop for ``spec``; all or nothing (ValueError changes nothing)."""
        spec.validate()
        data = make_data(spec)
        network = build_network(spec)
        loop = build_loop(spec, network, data, self._loop_seed)
        self.spec, self.data, self.network, self.loop = spec, data, network, loop
        self._new_history()

    def _new_generation(self, message: str) -> None:
        self._generation += 1
        self._branch = 0
        self._viewing = None
        self._published_losses = 0
        self._published_evaluations = 0
        self._pending_edits.clear()
        self._pending_message = message
        self._publish()

    def _chunk_size(self) -> int:
        """Steps to train now: a few milliseconds' worth, or at a set speed only those that are due."""
        n = max(1, int(CHUNK_SECONDS / self._seconds_per_step))
        if self._steps_per_second is None:
            return n
        # Step k (0-based) of this play is due k / rate seconds after Play: the first one at once.
        due = int((time.perf_counter() - self._play_started) * self._steps_per_second) + 1
        return max(0, min(n, due - self._play_steps))

    def _wait_for_budget(self) -> float:
        """Seconds until the next step is due at the set speed."""
        due_at = self._play_started + self._play_steps / self._steps_per_second
        return max(0.001, due_at - time.perf_counter())

    def _train_chunk(self, n: int) -> None:
        if n <= 0:
            return
        start = time.perf_counter()
        _, diverged = self._divergence_guard().run(n)
        elapsed = time.perf_counter() - start
        self._seconds_per_step = 0.7 * self._seconds_per_step + 0.3 * (elapsed / n)
        self._play_steps += n
        if diverged is not None:
            self._record_live()  # the history got the diverged rows too
            self._running = False
            self._pending_message = divergence_message(diverged, self.loop.optimizer.learning_rate)
            self._publish()

    def _divergence_guard(self) -> DivergenceGuard:
        """The guard of the current loop (a rebuild makes a new loop, and so a new guard)."""
        if self._guard is None or self._guard.loop is not self.loop:
            self._guard = DivergenceGuard(self.loop)
        return self._guard

    def _publish(self, pinned: bool = False, history: dict | None = None, export: dict | None = None) -> None:
        # A snapshot that carries an edit is the one that shows it: it is never merged into a later one,
        # whichever command publishes it (an edit and Play arrive together when the editor closes).
        pinned = pinned or bool(self._pending_edits)
        loop = self.loop
        all_losses = loop.losses.array()
        viewing = self._viewing
        params = self.network.flat_parameters() if viewing is None else self.history.params_at(viewing)
        params.setflags(write=False)
        # Going back from a divergence can drop steps already published: the next snapshot starts earlier.
        losses = all_losses[min(self._published_losses, len(all_losses)) :].copy()
        evaluations = tuple(loop.evaluations[min(self._published_evaluations, len(loop.evaluations)) :])
        self._published_losses = len(all_losses)
        self._published_evaluations = len(loop.evaluations)
        details = {}
        if self._details and viewing is None:  # the live step's details would not match a past step's parameters
            stepped = loop.last_batch is not None
            details = {
                "grads": self.network._grads.copy() if stepped else None,
                "update": loop.optimizer.last_update.copy() if stepped and loop.optimizer.last_update.size else None,
                "last_batch": None if loop.last_batch is None else loop.last_batch.copy(),
                "next_batch": None if self._running else loop.next_batch().copy(),
            }
        snap = Snapshot(
            params, loop.step_count, loop.epoch, losses, evaluations, tuple(self._pending_edits), self._running,
            self._generation, self.spec, self.data, self._pending_message, pinned, **details,
            viewing=viewing, viewing_epoch=None if viewing is None else self.history.epoch_at(viewing),
            branch=self._branch, history=history, export=export, applied=self._applied,
            history_rows=0 if self.history is None else len(self.history),
            history_row_bytes=0 if self.history is None else int(self.history.bytes_per_step),
            loss_limit=self._guard.limit if self._guard is not None and self._guard.loop is loop else None,
        )
        self._pending_edits = []
        self._pending_message = None
        self.mailbox.put(snap)
        self._last_publish = time.perf_counter()


def divergence_message(d: Divergence, learning_rate: float) -> str:
    """The status line for a run that diverged (the GUI recognises it by the word "diverged")."""
    if d.nonfinite:
        loss = f"loss {d.loss}"
    else:
        against = "the baseline" if d.reference <= d.baseline else "the best so far"
        loss = f"loss {d.loss:.3g}, over {d.factor:,g}× {against} {d.reference:.3g}"
    return (f"Training diverged at step {d.step:,} ({loss}): paused, back at step {d.back_to:,}. "
            f"Lower the learning rate ({learning_rate:g}) or reset.")
