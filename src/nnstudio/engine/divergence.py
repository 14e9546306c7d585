"""Telling a diverging run from a noisy one, and going back to where it was last sane. Pure NumPy.

A step's loss is *sane* when it is finite and at most ``factor`` (1,000: three orders of magnitude) times the
*reference*: the larger of the data's baseline loss (what the best constant prediction costs: the targets'
variance under mse) and the lowest loss of the run so far (the first loss of a run is its own reference).
Both are needed: the lowest loss alone trips on an exact fit, where a loss of 1e-30 grows a thousandfold from
rounding; the baseline alone misses a run that starts far above it (the line dataset starts at 8× its
variance) or that the user put there with an edit. Whatever changes the loop from outside (an edit, a reset,
new data, another loss or penalty) starts a new run; a new learning rate or optimizer does not, since the
loss still means the same. Measured over 2,000-step runs of the playground datasets (tanh, ReLU, sigmoid;
SGD, momentum, Adam, RMSprop; 2-4-2-1 and 8-8-8; noise 0 and 0.5), the mini-batch losses of runs that stayed
finite stayed under 35× their reference at rates up to 0.1, and in 99% of them under 260× at 0.3; what
crossed 1,000× was a run blowing up, or RMSprop and Adam at 0.3 and more on 8-8-8 ReLU nets.

When a loss is not sane the run goes back to the last parameters whose loss was. A step's loss is that of
the parameters before its update, so an insane loss at step s condemns the parameters after step s − 1, and
the run goes back to those after step s − 2. It gets there by restoring the checkpoint taken when the run
started and replaying the sane steps exactly (the same mini-batches and optimizer state): nothing is copied
per step while a run is sane, and going back costs at most one run's steps. When step s − 2 lies before
the run, the previous run is replayed instead, unless the loop changed in between.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .losses import baseline_loss

DIVERGENCE_FACTOR = 1000.0


@dataclass(frozen=True)
class Divergence:
    """What a guarded run met: the first step whose loss was not sane, and where the run went back to."""

    step: int  # the step (counted like step_count) whose loss was not sane
    loss: float  # that loss: NaN, ±inf, or above factor × reference
    reference: float  # the loss it was measured against
    baseline: float  # the data's baseline loss, the floor of the reference
    factor: float
    back_to: int  # the step count after going back: the last parameters whose loss was sane

    @property
    def nonfinite(self) -> bool:
        return not math.isfinite(self.loss)


class DivergenceGuard:
    """Runs a TrainingLoop's steps and, when a loss is not sane, undoes the steps after the last sane state."""

    def __init__(self, loop, factor: float = DIVERGENCE_FACTOR):
        self.loop = loop
        self.factor = float(factor)
        self._targets = None
        self._baseline = 0.0
        self._best: float | None = None  # lowest sane loss of the current run; None: a new run
        self._seen = None  # (step count, parameters, penalty rates, how it steps) where the last run left the loop
        self._previous = None  # (checkpoint, best before it, steps) of the last run, when it can be replayed

    @property
    def reference(self) -> float | None:
        """The loss the next step's loss is measured against (× factor); None when a new run starts."""
        return None if self._best is None else max(self._baseline, self._best)

    @property
    def limit(self) -> float | None:
        """The largest loss the next step may have and still be sane; None when a new run starts."""
        reference = self.reference
        return None if reference is None else self.factor * reference

    def run(self, n: int) -> tuple[np.ndarray, Divergence | None]:
        """``loop.run(n)``: its losses as they came, and a Divergence when the loop had to go back."""
        loop = self.loop
        self._notice_changes()
        start, best = loop.checkpoint(), self._best
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging step overflows: that is what we look for
            losses = loop.run(n)
        bad, limit = self._first_insane(losses)
        found = None
        if bad is None:
            self._previous = (start, best, len(losses))
            if losses.size:
                self._best = float(min(losses.min(), np.inf if best is None else best))
        else:
            back_to = self._go_back(start, best, bad)
            found = Divergence(start["step_count"] + bad + 1, float(losses[bad]), limit / self.factor,
                               self._baseline, self.factor, back_to)
        self._seen = (loop.step_count, loop.network.flat_parameters(), (loop.l1, loop.l2), self._stepping())
        return losses, found

    def _stepping(self) -> tuple:
        """What replaying a run needs unchanged to repeat it."""
        loop = self.loop
        return loop.optimizer, loop.optimizer.learning_rate, loop.batch_size

    def _notice_changes(self) -> None:
        loop = self.loop
        if loop.targets is not self._targets:
            self._targets = loop.targets
            self._baseline = baseline_loss(loop.targets, loop.loss)
            self._seen = None
        seen = self._seen
        if (seen is None or seen[0] != loop.step_count or seen[2] != (loop.l1, loop.l2)
                or not np.array_equal(seen[1], loop.network.flat_parameters())):
            self._best = self._previous = None  # a new run: its own reference, nothing before it to go back to
        elif seen[3] != self._stepping():
            self._previous = None  # replaying the last run now would not repeat it

    def _first_insane(self, losses: np.ndarray) -> tuple[int | None, float]:
        """Index of the first loss that is not sane, and the limit it broke."""
        if not losses.size:
            return None, math.inf
        finite = np.where(np.isfinite(losses), losses, np.inf)
        seed = finite[0] if self._best is None else self._best
        lowest_before = np.minimum.accumulate(np.concatenate(([seed], finite[:-1])))
        limits = self.factor * np.maximum(self._baseline, lowest_before)
        bad = ~np.isfinite(losses) | (losses > limits)
        if not bad.any():
            return None, math.inf
        k = int(np.argmax(bad))
        return k, float(limits[k])

    def _go_back(self, start: dict, best: float | None, bad: int) -> int:
        """Back to the parameters after step (start + bad − 1): replayed from this run's start, or the previous
        run's when that lies before it. Returns the step count there."""
        keep = bad - 1
        if keep < 0 and self._previous is not None:
            start, best, steps = self._previous
            keep = steps - 1
        loop = self.loop
        loop.restore(start)
        replayed = loop.run(max(keep, 0))
        if replayed.size:
            best = float(min(replayed.min(), np.inf if best is None else best))
        self._best, self._previous = best, None
        return loop.step_count
