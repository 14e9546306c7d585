"""What a training run records besides its parameters: every step's loss (``LossLog``) and, at epoch ends or
every ``eval_every`` steps, an ``Evaluation`` of train and test loss and accuracy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DENSE_EPOCHS", "Evaluation", "LossLog", "evaluated_epoch"]

# The per-epoch policy evaluates this many epochs one by one, then every 2nd, 4th… epoch: a run keeps about
# this many evaluations per doubling of its length. At full speed an epoch of the default data is 25 steps,
# and evaluating each one made ~1,000 evaluations a second, each an object in both processes.
DENSE_EPOCHS = 1000


def evaluated_epoch(epoch: int) -> bool:
    """Whether the end of ``epoch`` (1, 2, …) is evaluated when evaluations follow epochs: each of the first
    DENSE_EPOCHS, every 2nd up to twice that, every 4th up to four times that, and so on."""
    stride = 1 << ((epoch - 1) // DENSE_EPOCHS).bit_length()
    return epoch % stride == 0


@dataclass(frozen=True)
class Evaluation:
    step: int
    epoch: int
    train_loss: float
    test_loss: float | None
    train_accuracy: float | None
    test_accuracy: float | None


class LossLog:
    """A growable float64 array: appending a step's loss costs no Python object per value."""

    def __init__(self):
        self._data = np.empty(1024)
        self._n = 0

    def extend(self, values: np.ndarray) -> None:
        n = self._n + len(values)
        if n > self._data.size:
            grown = np.empty(max(n, 2 * self._data.size))
            grown[: self._n] = self._data[: self._n]
            self._data = grown
        self._data[self._n : n] = values
        self._n = n

    def truncate(self, n: int) -> None:
        self._n = max(0, min(n, self._n))

    def __len__(self):
        return self._n

    def array(self) -> np.ndarray:
        return self._data[: self._n]
