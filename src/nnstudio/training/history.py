"""Every trained step's parameters (and optimizer state), so the app can rewind to any step and branch.

A row is the state *after* its step: the step number, the epoch counter, the optimizer's iteration count
(−1: its state is unknown there, so resuming there restarts the optimizer), the parameters and the
optimizer state. Rows live in preallocated float64 segments of a few megabytes, filled in order and
allocated as the run grows (no Python object per step, no copying to grow).

Every step is kept while it fits in ``memory_cap_bytes``. Then, for each new segment, two adjacent older
segments are merged into one keeping every other step: the oldest pair of the same thinning level, else
the oldest pair (the newest full segment is never merged). So step 0 and at least the latest segment's steps
stay exact, older steps get sparser with age while the whole run stays covered, memory never passes the cap,
and a merge only ever moves two segments (a few milliseconds, not a pause).

A project stores a bounded record of it (``stored_arrays``): keeping every step made a save of a few minutes'
training ~200 MB and ~2 s, mostly of steps nobody rewinds to one by one.
"""

from __future__ import annotations

import math

import numpy as np

from .thinning import DEFAULT_STORED_BYTES, stored_bytes, stored_rows, thinned_indices

__all__ = ["DEFAULT_STORED_BYTES", "History", "stored_bytes"]

_SEGMENT_BYTES = 4 << 20
_MIN_SEGMENTS = 4  # step 0's segment, a merged one, the latest full one and the one being filled
_STEP, _EPOCH, _ITER = 0, 1, 2  # the first columns of a row; the parameters and the state follow


def _part(x, a, b):
    return x if np.ndim(x) == 0 else x[a:b]


class History:
    def __init__(self, n_params: int, state_size: int = 0, memory_cap_bytes: int = 200_000_000):
        for name, v, low in (("n_params", n_params, 1), ("state_size", state_size, 0),
                             ("memory_cap_bytes", memory_cap_bytes, 1)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
                raise ValueError(f"{name} must be a whole number ≥ {low}, got {v!r}")
        self.n_params = int(n_params)
        self.memory_cap_bytes = int(memory_cap_bytes)
        self._layout(int(state_size))

    def _layout(self, state_size: int) -> None:
        """Segment size and count for this row width; starts empty."""
        self._state_size = state_size
        self._width = 3 + self.n_params + state_size
        max_rows = max(_MIN_SEGMENTS, int(self.memory_cap_bytes // self.bytes_per_step))
        n_segments = max(_MIN_SEGMENTS, math.ceil(max_rows * self.bytes_per_step / _SEGMENT_BYTES))
        n_segments = min(n_segments, max_rows)
        self._seg_rows, self._max_segments = max_rows // n_segments, n_segments
        self._segs: list[np.ndarray] = []
        self._levels: list[int] = []  # how often each segment has been thinned
        self._spare: np.ndarray | None = None  # a merged-away segment, reused for the next one
        self._k = 0

    # ---- storage -------------------------------------------------------------------------------
    @property
    def state_size(self) -> int:
        return self._state_size

    @property
    def bytes_per_step(self) -> float:
        """Bytes one recorded step takes: step, epoch and iteration counters, parameters, optimizer state."""
        return float(8 * self._width)

    @property
    def nbytes(self) -> int:
        """Bytes allocated (rows in use and the rest of the segment being filled); never above the cap."""
        return sum(s.nbytes for s in self._segs) + (0 if self._spare is None else self._spare.nbytes)

    def _new_segment(self) -> None:
        seg, self._spare = self._spare, None
        self._segs.append(seg if seg is not None else np.empty((self._seg_rows, self._width)))
        self._levels.append(0)

    def _merge(self) -> None:
        """Two adjacent segments (never the newest) into one, keeping every other step.

        Of both segments' rows it keeps the half whose step numbers are divisible by the highest powers
        of two (newer rows first among equals): every other step of an exact run, and an even stride over
        the pair when one is sparser than the other, so no stretch of the run is ever dropped as a whole.
        """
        levels = self._levels[:-1]
        i = next((j for j in range(len(levels) - 1) if levels[j] == levels[j + 1]), 0)
        rows = np.concatenate([self._segs[i], self._segs[i + 1]])
        steps = rows[:, _STEP].astype(np.int64)
        rank = np.where(steps > 0, np.log2(np.maximum(steps & -steps, 1)), 64)  # step 0 always stays
        keep = np.sort(np.lexsort((-np.arange(len(rows)), -rank))[: self._seg_rows])
        self._segs[i][:] = rows[keep]
        self._spare = self._segs.pop(i + 1)
        self._levels[i] = max(self._levels[i], self._levels.pop(i + 1)) + 1
        self._k -= self._seg_rows

    # ---- recording -----------------------------------------------------------------------------
    def record_block(self, first_step: int, params_block: np.ndarray, state_block: np.ndarray | None = None, *,
                     epochs=None, iterations=None) -> None:
        """Rows for steps first_step + 1, first_step + 2, …: the parameters (and state) after each step.

        Rows already recorded after ``first_step`` are replaced. Without ``epochs`` the last recorded
        epoch carries on; without ``iterations`` (or without the state when there is one) resuming at
        these rows restarts the optimizer.
        """
        P = np.asarray(params_block, dtype=np.float64)
        if P.ndim != 2 or P.shape[1] != self.n_params:
            raise ValueError(f"params_block must have shape (m, {self.n_params}), got {P.shape}")
        m, s = P.shape[0], self._state_size
        S = None
        if s and state_block is not None:
            S = np.asarray(state_block, dtype=np.float64)
            if S.shape != (m, s):
                raise ValueError(f"state_block must have shape ({m}, {s}), got {S.shape}")
        if m == 0:
            return
        self._drop_from(int(first_step) + 1)
        if epochs is None:
            epochs = self._last()[_EPOCH] if self._k else 0
        if iterations is None or (s and S is None):
            iterations = -1
        steps = np.arange(first_step + 1, first_step + 1 + m)
        self._append(steps, epochs, iterations, P, S)

    def _append(self, steps, epochs, iterations, P, S) -> None:
        n, SR, m, done = self.n_params, self._seg_rows, len(steps), 0
        while done < m:
            if self._k == len(self._segs) * SR:
                if len(self._segs) == self._max_segments:
                    self._merge()
                self._new_segment()
            seg, o = self._segs[-1], self._k - (len(self._segs) - 1) * SR
            take = min(SR - o, m - done)
            end, rows = done + take, slice(o, o + take)
            seg[rows, _STEP] = steps[done:end]
            seg[rows, _EPOCH] = _part(epochs, done, end)
            seg[rows, _ITER] = _part(iterations, done, end)
            seg[rows, 3 : 3 + n] = P[done:end]
            if self._state_size:
                seg[rows, 3 + n :] = 0.0 if S is None else S[done:end]
            self._k, done = self._k + take, end

    def record(self, step: int, params, state=None, *, epoch=None, iterations=None) -> None:
        """One row: the state at ``step`` (replacing that step's row, dropping any later ones)."""
        step = int(step)
        if step < 0:
            raise ValueError(f"step must be ≥ 0, got {step}")
        self._drop_from(step)
        params = np.asarray(params, dtype=np.float64).reshape(1, -1)
        state = None if state is None else np.asarray(state, dtype=np.float64).reshape(1, -1)
        self.record_block(step - 1, params, state, epochs=epoch, iterations=iterations)

    def truncate_after(self, step: int) -> None:
        """A new branch starts at ``step``: rows of later steps are dropped (the first row, step 0, always stays)."""
        if self._k:
            self._drop_from(max(int(step), int(self._segs[0][0, _STEP])) + 1)

    def _drop_from(self, step: int) -> None:
        """Drop the rows of steps ≥ step."""
        if not self._k or self._last()[_STEP] < step:
            return
        j, o = self._find(step - 1)
        cut = 0 if self._segs[0][0, _STEP] >= step else j * self._seg_rows + o + 1
        keep = -(-cut // self._seg_rows)  # segments still holding rows
        del self._segs[keep:], self._levels[keep:]
        self._k = cut

    def reset_state(self, state_size: int) -> None:
        """The optimizer changed: forget every recorded state (resuming there restarts the optimizer)."""
        if isinstance(state_size, bool) or not isinstance(state_size, (int, np.integer)) or state_size < 0:
            raise ValueError(f"state_size must be a whole number ≥ 0, got {state_size!r}")
        old, k, n = self._segs, self._k, self.n_params
        self._layout(int(state_size))
        while old:  # segment by segment into the new layout, so memory stays near the cap
            seg = old.pop(0)
            m = min(len(seg), k)
            k -= m
            self._append(seg[:m, _STEP], seg[:m, _EPOCH], -1, seg[:m, 3 : 3 + n], None)

    # ---- reading -------------------------------------------------------------------------------
    def __len__(self):
        return self._k

    def _fill(self, j: int) -> int:
        return min(self._seg_rows, self._k - j * self._seg_rows)

    def _last(self) -> np.ndarray:
        return self._segs[-1][self._fill(len(self._segs) - 1) - 1]

    def _find(self, step) -> tuple[int, int]:
        """(segment, row) of the latest row whose step ≤ step (the first row for earlier steps)."""
        if not self._k:
            raise LookupError("the history is empty")
        firsts = np.array([seg[0, _STEP] for seg in self._segs])
        j = max(0, int(np.searchsorted(firsts, step, side="right")) - 1)
        seg = self._segs[j][: self._fill(j), _STEP]
        return j, max(0, int(np.searchsorted(seg, step, side="right")) - 1)

    def _at(self, step) -> np.ndarray:
        j, o = self._find(step)
        return self._segs[j][o]

    @property
    def steps(self) -> np.ndarray:
        return self._column(slice(_STEP, _STEP + 1))[:, 0].astype(np.int64)

    def _column(self, cols: slice) -> np.ndarray:
        parts = [seg[: self._fill(j), cols] for j, seg in enumerate(self._segs)]
        return np.concatenate(parts) if parts else np.zeros((0, cols.stop - cols.start))

    def nearest(self, step) -> int:
        """The recorded step closest to ``step`` and not after it (the first recorded one for earlier steps)."""
        return int(self._at(step)[_STEP])

    def params_at(self, step) -> np.ndarray:
        return self._at(step)[3 : 3 + self.n_params].copy()

    def state_at(self, step) -> np.ndarray | None:
        """The optimizer state at nearest(step), or None when there is none or it is unknown there."""
        row = self._at(step)
        return row[3 + self.n_params :].copy() if self._state_size and row[_ITER] >= 0 else None

    def epoch_at(self, step) -> int:
        return int(self._at(step)[_EPOCH])

    def iterations_at(self, step) -> int:
        """The optimizer's iteration count at nearest(step); −1 when its state is unknown there."""
        return int(self._at(step)[_ITER])

    # ---- files ---------------------------------------------------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        return self._arrays(self._column)

    def stored_bytes(self, max_bytes: int | None) -> int:
        """What ``stored_arrays(max_bytes)`` weighs (the sum of its arrays' bytes), without building it."""
        return stored_bytes(self._k, self.bytes_per_step, max_bytes)

    def stored_arrays(self, max_bytes: int | None) -> dict[str, np.ndarray]:
        """``to_arrays()`` for a project file, at most ``max_bytes`` of it (None: everything): step 0, the
        latest steps exact, the older ones thinned evenly over the run (``thinned_indices``)."""
        n_rows = stored_rows(self._k, self.bytes_per_step, max_bytes)
        if n_rows == self._k:
            return self.to_arrays()
        keep = thinned_indices(self.steps, n_rows)
        rows = np.empty((len(keep), self._width))
        segment = keep // self._seg_rows  # every segment but the last is full, so a row's place is known
        for j in np.unique(segment):
            here = segment == j
            rows[here] = self._segs[j][keep[here] - j * self._seg_rows]
        return self._arrays(lambda cols: rows[:, cols])

    def _arrays(self, column) -> dict[str, np.ndarray]:
        """The file's arrays from ``column(cols)``: those columns of the rows kept (every row, or a thinned set)."""
        n = self.n_params
        out = {
            "steps": column(slice(_STEP, _STEP + 1))[:, 0].astype(np.int64),
            "epochs": column(slice(_EPOCH, _EPOCH + 1))[:, 0].astype(np.int64),
            "iterations": column(slice(_ITER, _ITER + 1))[:, 0].astype(np.int64),
            "params": np.ascontiguousarray(column(slice(3, 3 + n))),
        }
        if self._state_size:
            out["state"] = np.ascontiguousarray(column(slice(3 + n, self._width)))
        return out

    @classmethod
    def from_arrays(cls, arrays: dict, memory_cap_bytes: int = 200_000_000) -> History:
        """The inverse of to_arrays (checked, since it reads files); thinned if it exceeds the cap."""
        try:
            steps = np.asarray(arrays["steps"])
            params = np.asarray(arrays["params"])
        except KeyError as exc:
            raise ValueError(f"history arrays lack {exc.args[0]!r}") from None
        if steps.ndim != 1 or steps.dtype.kind not in "iu" or params.ndim != 2 or params.shape[0] != steps.size:
            raise ValueError("history needs integer steps of shape (k,) and params of shape (k, n)")
        if params.shape[1] < 1 or params.dtype.kind not in "iuf" or not np.all(np.isfinite(params)):
            raise ValueError("history params must be finite numbers")
        if steps.size and (steps[0] < 0 or steps[-1] >= 2**53 or np.any(np.diff(steps) <= 0)):
            raise ValueError("history steps must be ≥ 0 and strictly increasing")
        k = steps.size
        columns = {}
        for name, fill in (("epochs", 0), ("iterations", -1)):
            col = np.asarray(arrays.get(name, np.full(k, fill)))
            if col.shape != (k,) or col.dtype.kind not in "iu":
                raise ValueError(f"history {name} must be integers of shape ({k},)")
            columns[name] = col
        state = arrays.get("state")
        if state is not None:
            state = np.asarray(state)
            if state.ndim != 2 or state.shape[0] != k or state.dtype.kind not in "iuf" or not np.all(
                    np.isfinite(state)):
                raise ValueError(f"history state must be finite numbers of shape ({k}, s)")
        h = cls(params.shape[1], 0 if state is None else state.shape[1], memory_cap_bytes)
        h._append(steps, columns["epochs"], columns["iterations"], params, state)
        return h
