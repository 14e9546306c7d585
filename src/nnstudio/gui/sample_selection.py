"""One selected sample, shown everywhere: the Sample box, the ring in the output panel, the maths card and
the neuron fills are all drawn from ``InsideController.sample`` and from nothing else.

A selection is ``("train" | "test", index)`` or None. An index only means something in the data it was
taken from, so when the data changes (a new dataset, noise, train share, regenerate, added points) the
selection is looked up by the point itself, its raw inputs and target, in the same set of the new data, and
cleared when that point is gone. Reset and a new architecture keep the data, so they keep the selection.
With no sample the neuron fills are plain: there is no activation to show.
"""

from __future__ import annotations

import numpy as np

SETS = ("train", "test")


def sample_set(data, which: str) -> tuple[np.ndarray, np.ndarray]:
    """(raw X, y) of the ``which`` set of a ProblemData."""
    return (data.X_train, data.y_train) if which == "train" else (data.X_test, data.y_test)


def set_size(data, which: str) -> int:
    return len(sample_set(data, which)[1])


def check_sample(data, which, index) -> tuple[str, int]:
    """The selection (which, index) as plain values; ValueError names what does not exist."""
    if which not in SETS:
        raise ValueError(f"a sample is in 'train' or 'test', not {which!r}")
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise ValueError(f"a sample index is a whole number, not {index!r}")
    n = set_size(data, which)
    if not 0 <= index < n:
        raise ValueError(f"there is no {which} sample {index}: the {which} set has {n} sample{'s' * (n != 1)}")
    return which, int(index)


def follow_point(old, new, selection):
    """The selection in ``new`` data of the point ``selection`` marked in ``old``, or None if it is gone.

    The same point means the same raw inputs and target in the same set; where it appears more than once,
    the old index wins if it still holds it."""
    if selection is None:
        return None
    which, k = selection
    X_old, y_old = sample_set(old, which)
    X_new, y_new = sample_set(new, which)
    if not len(y_new) or k >= len(y_old) or X_new.shape[1:] != X_old.shape[1:] or y_new.shape[1:] != y_old.shape[1:]:
        return None
    same = np.all(X_new == X_old[k], axis=1) & np.all((y_new == y_old[k]).reshape(len(y_new), -1), axis=1)
    if k < len(same) and same[k]:
        return which, k
    found = np.flatnonzero(same)
    return (which, int(found[0])) if len(found) else None


class SampleSelection:
    """InsideController's selected sample (mixed in): ``sample`` and ``_data``, the data it indexes into."""

    def selected_sample(self) -> tuple[str, int] | None:
        """The selected sample, ("train" | "test", index), or None."""
        return self.sample

    def sample_box_value(self) -> tuple[str, int] | None:
        """What the Sample box shows, read from its widgets: (set, index), or None when it reads "none"."""
        return self.sample_picker.shown()

    def neuron_values(self) -> list[np.ndarray] | None:
        """What the neuron fills were last given: the selected sample's activation of every neuron-layer
        (inputs first), a sub-step's mini-batch means, or None (plain fills: no sample selected)."""
        return None if self._fills is None else [v.copy() for v in self._fills]

    def select_sample(self, which: str, index: int):
        """Selects sample ``index`` of the "train" or "test" set everywhere; ValueError (changing nothing)
        if there is no such sample."""
        self.sample = check_sample(self._data, which, index)
        self._sample_changed()

    def clear_sample(self):
        """No sample selected: no ring, "none" in the Sample box, the maths card asks for one."""
        self.sample = None
        self._sample_changed()

    def _sample_chosen(self, selection):
        """A click on a data point or the Sample box: called from Qt's event handling, so it never raises."""
        if selection is None:
            self.clear_sample()
            return
        try:
            self.select_sample(*selection)
        except ValueError as exc:
            self.w.statusBar().showMessage(f"Not selected: {exc}", 6000)

    def _sample_changed(self):
        self._show_sample()
        if not self.substeps.owns_picture():  # a sub-step's picture stays: it is about its mini-batch
            self._show_sample_on_canvas()
        self._mark_dirty()

    def _follow_data(self, data):
        if self._data is None:  # the first data: the initial choice stands if that sample exists
            ok = self.sample is not None and self.sample[1] < set_size(data, self.sample[0])
            sample = self.sample if ok else None
        else:
            sample = follow_point(self._data, data, self.sample)
        self._data, self.sample = data, sample
        self._show_sample()

    def _show_sample(self):
        """The Sample box, the ring and the maths card, from ``sample``."""
        self.sample_picker.show_sample(self.sample, self._data)
        self.w.output_view.set_selected_sample(*(self.sample or (None, None)))
        self._show_math()

    def _show_sample_on_canvas(self):
        fw = self.sample_forward()  # once per frame, shared by the fills and the signal edges
        self._show_sample_values(fw)
        self._show_edge_mode(fw)

    def sample_features(self) -> np.ndarray | None:
        """The network's inputs (features) of the selected sample, or None."""
        if self.sample is None:
            return None
        d = self._data
        which, k = self.sample
        return (d.F_train if which == "train" else d.F_test)[k]

    def sample_forward(self):
        """The engine's forward pass of the selected sample at the parameters shown, or None."""
        x = self.sample_features()
        return None if x is None else self.w.view_net.forward(x[None, :])

    def _show_sample_values(self, fw=None):
        fw = fw or self.sample_forward()
        fills = None if fw is None else [a[0] for a in fw.activations]
        self.show_fills(fills)

    def show_fills(self, values):
        """The neuron fills, and what they were given (``neuron_values``)."""
        if values is None and self._fills is None:
            return  # already plain: called every frame while training
        self._fills = values
        self.view.set_neuron_values(values)

    def sample_deltas(self):
        """δ = ∂L/∂z of every non-input neuron for the selected sample at the parameters shown, or None."""
        x = self.sample_features()
        if x is None:
            return None
        snap = self.w.snapshot()
        which, k = self.sample
        y = sample_set(self._data, which)[1]
        _, _, deltas = self.w.view_net.loss_and_gradients(x[None, :], y[k : k + 1], snap.spec.resolved_loss)
        return [dl[0] for dl in deltas]
