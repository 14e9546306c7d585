"""A Qt-free training loop: owns the data, optimizer, loss, regularisation and batch size.

``step()`` is exactly one mini-batch. Every step's loss is recorded; test loss and accuracy are
recorded every ``eval_every`` steps, or at epoch ends (every one at first, sparser as a run grows long).
The app's trainer thread drives ``run(n)`` in chunks.

With a ``recorder`` set (the trainer's parameter history), ``run()`` also copies the parameters (and the
optimizer state the recorder asks for) after every step into a preallocated block, and hands the block over
at the end: ``recorder.record_block(first_step, params, state, epochs=…, iterations=…)``.
"""

from __future__ import annotations

import math

import numpy as np

from .network import Network
from .optimizers import SGD, Optimizer, RMSprop
from .records import Evaluation, LossLog, evaluated_epoch
from .validation import as_finite_2d


def recorded_state_names(optimizer: Optimizer) -> tuple[str, ...]:
    """The optimizer's arrays that carry over from step to step: what rewinding it must restore."""
    if isinstance(optimizer, SGD):
        return ("velocity",) if optimizer.momentum > 0 else ()
    if isinstance(optimizer, RMSprop):
        return ("v",) + (("g_avg",) if optimizer.centered else ()) + (("buf",) if optimizer.momentum > 0 else ())
    return tuple(optimizer._state_names)


_RECORD_BLOCK_BYTES = 4 << 20  # a longer run() hands its rows over in blocks of about this size


def default_loss(output_activation: str) -> str:
    return {"sigmoid": "binary_crossentropy", "softmax": "categorical_crossentropy"}.get(output_activation, "mse")


class TrainingLoop:
    def __init__(
        self,
        network: Network,
        X,
        y,
        X_test=None,
        y_test=None,
        optimizer: Optimizer | None = None,
        loss: str | None = None,
        l1: float = 0.0,
        l2: float = 0.0,
        batch_size: int = 10,
        seed=None,
        eval_every: int | None = None,
    ):
        self.network = network
        self.optimizer = optimizer if optimizer is not None else SGD(0.03)
        self._loss = network.loss_function(loss or default_loss(network.output_activation))
        self.l1, self.l2 = l1, l2
        self.batch_size = batch_size
        self._rng = np.random.default_rng(seed)
        self.set_data(X, y, X_test, y_test)
        self.eval_every = eval_every
        self.step_count = 0
        self.epoch = 0
        self.losses = LossLog()
        self.evaluations: list[Evaluation] = []
        # Receives each run()'s parameters after every step; needs ``state_size`` (0: parameters only,
        # else the total size of recorded_state_names' arrays) and ``record_block``.
        self.recorder = None
        self._rec_params = self._rec_state = self._rec_rows = self._rec_state_rows = None

    # ---- settings ------------------------------------------------------------------------------
    @property
    def loss(self) -> str:
        return self._loss.name

    @loss.setter
    def loss(self, name: str) -> None:
        lossdef = self.network.loss_function(name)
        self._T = self.network.prepare_targets(self._y, lossdef.name)
        self._T_test = None if self._y_test is None else self.network.prepare_targets(self._y_test, lossdef.name)
        self._loss = lossdef
        if self._Xs is not None:  # the rest of this epoch keeps its order, with targets in the new encoding
            self._Ts = self._T[self._order]

    @property
    def batch_size(self) -> int:
        return self._batch_size

    @batch_size.setter
    def batch_size(self, value) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"batch_size must be a whole number ≥ 1, got {value!r}")
        self._batch_size = int(value)

    @property
    def l1(self) -> float:
        return self._l1

    @l1.setter
    def l1(self, value) -> None:
        self._l1 = _rate("l1", value)

    @property
    def l2(self) -> float:
        return self._l2

    @l2.setter
    def l2(self, value) -> None:
        self._l2 = _rate("l2", value)

    @property
    def eval_every(self) -> int | None:
        """Steps between evaluations; None evaluates at epoch ends (see evaluated_epoch)."""
        return self._eval_every

    @eval_every.setter
    def eval_every(self, value) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1):
            raise ValueError(f"eval_every must be a whole number ≥ 1 or None, got {value!r}")
        self._eval_every = value

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self._n / self._batch_size)

    @property
    def targets(self) -> np.ndarray:
        """The training targets as the loss compares them, (N, n_out) (one-hot for categorical cross-entropy).

        Read them, never write them; a new array whenever the data or the loss changes.
        """
        return self._T

    @property
    def classification(self) -> bool:
        return self._y.dtype.kind in "biu"

    def set_data(self, X, y, X_test=None, y_test=None) -> None:
        """New training (and test) data; the next step starts a fresh epoch."""
        net = self.network
        Xe = net.extend_inputs(X)
        y = np.asarray(y)
        T = net.prepare_targets(y, self._loss.name)
        if T.shape[0] != Xe.shape[0]:
            raise ValueError(f"X has {Xe.shape[0]} samples but y has {T.shape[0]}")
        X_test_checked = T_test = None
        if X_test is not None and len(X_test):
            X_test_checked = as_finite_2d(X_test, net.sizes[0], "X_test")
            y_test = np.asarray(y_test)
            T_test = net.prepare_targets(y_test, self._loss.name)
            if T_test.shape[0] != X_test_checked.shape[0]:
                raise ValueError(f"X_test has {X_test_checked.shape[0]} samples but y_test has {T_test.shape[0]}")
        else:
            y_test = None
        self._X, self._Xe, self._y, self._T = Xe[:, :-1], Xe, y, T
        self._X_test, self._y_test, self._T_test = X_test_checked, y_test, T_test
        self._n = Xe.shape[0]
        self._position = self._n
        self._Xs = self._Ts = self._order = None
        self._last_batch = None

    # ---- training ------------------------------------------------------------------------------
    def _new_epoch(self) -> None:
        self._order = order = self._rng.permutation(self._n)
        if self._Xs is None or self._Ts is None or self._Ts.shape != self._T.shape:
            self._Xs, self._Ts = np.empty_like(self._Xe), np.empty_like(self._T)
        # Into buffers kept across epochs: a fresh multi-megabyte array per epoch costs page faults.
        np.take(self._Xe, order, axis=0, out=self._Xs)
        np.take(self._T, order, axis=0, out=self._Ts)
        self._position = 0

    def run(self, n: int) -> np.ndarray:
        """n mini-batch steps; returns their losses (each the loss before its update)."""
        n = int(n)
        rec = self.recorder
        if rec is not None and n > (rows := self._record_rows(rec.state_size)):
            return np.concatenate([self.run(min(rows, n - i)) for i in range(0, n, rows)])
        out = np.empty(n)
        step = self.network._train_step
        opt, lossdef, l1, l2, bs, N = self.optimizer, self._loss, self._l1, self._l2, self._batch_size, self._n
        every = self._eval_every
        rows = pairs = None
        if rec is not None and n:
            params = self.network._params
            opt._ensure(params.size)  # what the first step would do: allocates the state arrays recorded below
            first, epoch0, it0 = self.step_count, self.epoch, opt.iterations
            rows, pairs = self._record_buffers(n, opt, rec.state_size)
            epoch_ends = []
        p = q = 0
        for k in range(out.size):
            if self._position >= N:
                self._new_epoch()
            p = self._position
            q = p + bs
            out[k] = step(self._Xs[p:q], self._Ts[p:q], opt, lossdef, l1, l2)
            if rows is not None:
                rows[k][...] = params
                if pairs:
                    for dst, src in pairs:
                        dst[k][...] = src
            self._position = q
            self.step_count += 1
            if q >= N:
                self.epoch += 1
                if rows is not None:
                    epoch_ends.append(k)
                if every is None and evaluated_epoch(self.epoch):
                    self.evaluations.append(self.evaluate())
            if every is not None and self.step_count % every == 0:
                self.evaluations.append(self.evaluate())
        self.losses.extend(out)
        if out.size:
            self._last_batch = self._order[p:min(q, N)]
            if rows is not None:
                epochs = epoch0 + np.cumsum(np.bincount(np.array(epoch_ends, dtype=np.intp), minlength=n))
                rec.record_block(first, self._rec_params[:n], self._rec_state[:n] if pairs else None, epochs=epochs,
                                 iterations=np.arange(it0 + 1, it0 + 1 + n))
        return out

    def _record_rows(self, state_size: int) -> int:
        return max(1, _RECORD_BLOCK_BYTES // (8 * (self.network.n_params + state_size)))

    def _record_buffers(self, n: int, opt: Optimizer, state_size: int):
        """Row views of the (rows, n_params) block kept across runs (``row[...] = params`` is the cheapest
        copy NumPy offers), and (row views, optimizer array) pairs for the state."""
        size = self.network.n_params
        arrays = [getattr(opt, name) for name in recorded_state_names(opt)] if state_size else []
        if sum(a.size for a in arrays) != state_size:
            arrays = []  # not the layout the recorder holds: record no state rather than a wrong one
        buf = self._rec_params
        if buf is None or buf.shape[0] < n or buf.shape[1] != size:
            grown = 2 * buf.shape[0] if buf is not None and buf.shape[1] == size else 64
            buf = self._rec_params = np.empty((max(n, min(grown, self._record_rows(state_size))), size))
            self._rec_rows = list(buf)
        pairs = ()
        if arrays:
            sbuf = self._rec_state
            if sbuf is None or sbuf.shape[0] < buf.shape[0] or sbuf.shape[1] != state_size:
                sbuf = self._rec_state = np.empty((buf.shape[0], state_size))
                self._rec_state_rows = {}
            offsets = np.cumsum([0] + [a.size for a in arrays]).tolist()
            views = self._rec_state_rows
            for lo, hi in zip(offsets[:-1], offsets[1:]):
                if (lo, hi) not in views:
                    views[lo, hi] = list(sbuf[:, lo:hi])
            pairs = tuple((views[lo, hi], a) for lo, hi, a in zip(offsets[:-1], offsets[1:], arrays))
        return self._rec_rows, pairs

    @property
    def last_batch(self) -> np.ndarray | None:
        """Indices (into the training data) of the mini-batch the last step trained on."""
        return self._last_batch

    def next_batch(self) -> np.ndarray:
        """Indices of the mini-batch the next step will train on (shuffling a new epoch now if one is due)."""
        if self._position >= self._n:
            self._new_epoch()
        return self._order[self._position : self._position + self._batch_size]

    def step(self) -> float:
        """Exactly one mini-batch."""
        return float(self.run(1)[0])

    def steps_to_epoch_end(self) -> int:
        """Steps that finish the current epoch (a whole epoch when one has just finished)."""
        if self._position >= self._n:
            return self.steps_per_epoch
        return math.ceil((self._n - self._position) / self._batch_size)

    def run_epoch(self) -> np.ndarray:
        """Steps to the end of the current epoch (a whole epoch when one has just finished)."""
        return self.run(self.steps_to_epoch_end())

    @property
    def epoch_progress(self) -> float:
        """Fraction of the current epoch done, 0…1."""
        return 0.0 if self._position >= self._n else self._position / self._n

    def restart(self) -> None:
        """Counters, history and optimizer state back to zero (the network is re-initialised elsewhere)."""
        self.step_count = 0
        self.epoch = 0
        self.losses.truncate(0)
        self.evaluations.clear()
        self.optimizer.reset()
        self._position = self._n
        self._last_batch = None

    def reseed(self, seed) -> None:
        """A new shuffling stream (e.g. for a branch); the next step starts a freshly shuffled epoch."""
        self._rng = np.random.default_rng(seed)
        self._position = self._n

    def checkpoint(self) -> dict:
        """Everything a step changes, to undo steps: restoring it and running n steps repeats those n exactly."""
        opt = self.optimizer
        return {
            "params": self.network.flat_parameters(),
            "optimizer": (opt._size, opt.iterations, opt.state_arrays()),
            "step_count": self.step_count,
            "epoch": self.epoch,
            "n_losses": len(self.losses),
            "n_evaluations": len(self.evaluations),
            # The epoch's order is never written in place (a new epoch makes a new one), so no copy is needed.
            "shuffle": (self._rng.bit_generator.state, self._order, self._position),
        }

    def restore(self, cp: dict) -> None:
        """Back to a checkpoint of this loop on its current data. With the checkpoint's "shuffle" the next steps
        take the mini-batches they took after it; without (a recorded state), a freshly shuffled epoch starts."""
        self.network.set_flat_parameters(cp["params"])
        size, iterations, arrays = cp["optimizer"]
        if size < 0:
            self.optimizer.reset()
        else:
            self.optimizer.load_state_arrays(size, iterations, arrays)
        self.step_count = cp["step_count"]
        self.epoch = cp["epoch"]
        self.losses.truncate(cp["n_losses"])
        del self.evaluations[cp["n_evaluations"] :]
        if "shuffle" in cp:
            self._restore_shuffle(*cp["shuffle"])
        else:
            self._position = self._n
        self._last_batch = None

    def _restore_shuffle(self, rng_state: dict, order: np.ndarray | None, position: int) -> None:
        self._rng.bit_generator.state = rng_state
        if order is not None and order is not self._order:
            self._order = order
            np.take(self._Xe, order, axis=0, out=self._Xs)
            np.take(self._T, order, axis=0, out=self._Ts)
        self._position = position

    # ---- measuring -----------------------------------------------------------------------------
    def _accuracy(self, X, y) -> float | None:
        if not self.classification or X is None:
            return None
        out = self.network.predict(X)
        pred = (out[:, 0] > 0.5).astype(np.int64) if out.shape[1] == 1 else out.argmax(axis=1)
        return float(np.mean(pred == y))

    def evaluate(self) -> Evaluation:
        net, name = self.network, self._loss.name
        train_loss = net.loss(self._X, self._T, name, self._l1, self._l2)
        test_loss = None if self._X_test is None else net.loss(self._X_test, self._T_test, name, self._l1, self._l2)
        return Evaluation(
            self.step_count,
            self.epoch,
            train_loss,
            test_loss,
            self._accuracy(self._X, self._y),
            self._accuracy(self._X_test, self._y_test),
        )


def _rate(name, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be finite and ≥ 0, got {value!r}")
    return v
