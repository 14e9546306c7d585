"""Which rows of a step history a project keeps: a bounded record instead of every step (see History.stored_arrays).

Pure arithmetic on step numbers and sizes, so the window can say what a save would store from the two numbers
a snapshot carries (rows and bytes per row) without asking the trainer for the history itself.
"""

from __future__ import annotations

import numpy as np

# What a project keeps of the history by default: the default network's last ~35,000 steps exact and ~35,000
# more spread over the run, in a file that saves in a fraction of a second.
DEFAULT_STORED_BYTES = 16_000_000


def stored_rows(rows: int, bytes_per_step: float, max_bytes: int | None) -> int:
    """How many of ``rows`` recorded rows a record of at most ``max_bytes`` keeps (None: all of them)."""
    if max_bytes is None:
        return int(rows)
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, np.integer)) or max_bytes < 0:
        raise ValueError(f"max_bytes must be None or a whole number ≥ 0, got {max_bytes!r}")
    return min(int(rows), int(max_bytes // bytes_per_step))


def stored_bytes(rows: int, bytes_per_step: float, max_bytes: int | None) -> int:
    """What ``History.stored_arrays(max_bytes)`` of a history of ``rows`` rows weighs, from two numbers a
    snapshot carries (so the window can say it before saving, without the history)."""
    return stored_rows(rows, bytes_per_step, max_bytes) * int(bytes_per_step)


def thinned_indices(steps: np.ndarray, n: int) -> np.ndarray:
    """``n`` of the row indices of ``steps`` (strictly increasing), in order: all of them if they fit, else the
    first (step 0), the latest ``n // 2`` (every recorded step at the end of the run, where one rewinds most),
    and the rest spread evenly over the steps before them, so no stretch of the run is left out."""
    k = len(steps)
    if n >= k:
        return np.arange(k)
    if n <= 1:
        return np.arange(n)
    recent = n // 2
    older, m = n - recent, k - recent  # choose `older` of the rows 0 … m − 1 (m > older, since k > n)
    targets = np.linspace(steps[0], steps[m], older, endpoint=False)
    chosen = np.unique(np.searchsorted(steps[:m], targets, side="right") - 1)  # each target's row at or before
    need = older - len(chosen)
    if need:  # targets that fell on one row (a sparse stretch): the rest from the unused rows, evenly
        unused = np.setdiff1d(np.arange(m), chosen, assume_unique=True)
        at = np.floor(np.linspace(0, len(unused) - 1, need)).astype(np.int64) if need > 1 else [len(unused) // 2]
        chosen = np.sort(np.concatenate([chosen, unused[at]]))
    return np.concatenate([chosen, np.arange(m, k)])
