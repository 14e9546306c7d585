"""Step split into its three parts, on one mini-batch: forward, backward, update.

Forward and backward are computed here by the engine on the very mini-batch the trainer announced as its
next one, at the current parameters; update is the trainer's real step on that batch. So what the three
sub-steps show is exactly what the step does.

While a phase is on show it owns the canvas's fills, rings and edges: the canvas caption names the phase,
the Edges combo names what the edges show, and choosing a sample changes neither. The picture belongs to
the parameters it was computed at, so when they change under it (Play, an edit, undo, a timeline seek) the
phase ends and the ordinary picture returns; so does leaving sub-steps.
"""

from __future__ import annotations

import numpy as np

from .edge_modes import EDGE_MODES, WEIGHT

PHASES = ("forward", "backward", "update")
EXPLAIN = {
    "forward": "Sub-step 1/3 · forward: the mini-batch of {n} samples flows through the network; each neuron "
               "shows its mean activation a = f(Σ w·a + b).",
    "backward": "Sub-step 2/3 · backward: loss {loss:.4g}; the error flows back from the output, giving every "
                "neuron its δ = ∂L/∂z (rings) and every weight its gradient ∂L/∂w (edges).",
    "update": "Sub-step 3/3 · update: every weight and bias moved by the optimizer's step (edges show Δw); "
              "press Step for the next mini-batch.",
}
CAPTION = {  # on the canvas itself: short enough for a small window
    "forward": "Sub-step 1/3 · forward: mean activations of {n} samples",
    "backward": "Sub-step 2/3 · backward: ∂L/∂w on edges, δ in rings",
    "update": "Sub-step 3/3 · update: Δw on edges",
}
EDGES = {  # what the Edges combo says the edges show in each phase: the modes' own entries, but for the gradient
    "forward": EDGE_MODES[WEIGHT].label,  # of this very mini-batch rather than the last one
    "backward": "gradient ∂L/∂w (this mini-batch)",
    "update": EDGE_MODES["update"].label,
}


def _loss_of(spec) -> tuple:
    return spec.resolved_loss, spec.l1, spec.l2


class SubSteps:
    def __init__(self, inside):
        self.inside = inside
        self.phase: str | None = None  # the phase on show, or None
        self.batch = None
        self.grads = None  # the backward sub-step's gradients (Keras list)
        self._awaiting_step: int | None = None
        self._step_command = 0  # the trainer's command count once the awaited step was sent
        self._params: np.ndarray | None = None  # the parameters the phase's picture was computed at
        self._data = None  # and the data its mini-batch indexes into
        self._loss = None  # and the loss it differentiates
        self._edges = ""  # what the phase's edges show, in the Edges combo's words
        self.history: list[str] = []  # phases shown, in order (for tests and the status bar)

    def active(self) -> bool:
        return self.phase is not None

    def owns_picture(self) -> bool:
        """True while a phase's picture is on the canvas: the phase shown, or its update on the way. A phase
        whose parameters, data or loss (penalty included) changed under it ends here, so its picture never
        outlives them."""
        if self._awaiting_step is not None:
            return True
        if self.phase is None:
            return False
        snap = self.inside.w.snapshot()
        same_data = snap.data is self._data  # the mini-batch indexes into that data
        same_loss = _loss_of(snap.spec) == self._loss  # the gradient is of that loss, penalty included
        if same_data and same_loss and np.array_equal(self.inside.w.view_net.flat_parameters(), self._params):
            return True
        self.reset()
        return False

    def reset(self):
        """Leaves the phase: no caption, no sub-step status, the Edges combo back to the user's choice."""
        was_shown = self.phase is not None
        self.phase = None
        self.batch = None
        self.grads = None
        self._awaiting_step = None
        self._params = None
        view = self.inside.view
        view.set_neuron_rings(None)
        view.set_caption(None)
        self.inside.stop_forward_animation()
        self.inside.show_phase_edges(None)
        status = self.inside.w.statusBar()
        if was_shown and status.currentMessage().startswith("Sub-step"):
            status.clearMessage()

    def advance(self):
        """What the Step action does while sub-steps are on."""
        w = self.inside.w
        snap = w.snapshot()
        if self._awaiting_step is not None:
            return  # the update is on its way
        self.owns_picture()  # a stale phase ends first: Step then starts a fresh forward sub-step
        if self.phase in (None, "update"):
            if snap.next_batch is None:
                w.trainer.set_details(True)  # the next snapshot announces the batch; Step again then
                w.statusBar().showMessage("Preparing the next mini-batch…", 2000)
                return
            self._forward(snap)
        elif self.phase == "forward":
            self._backward(snap)
        elif self.phase == "backward":
            self._awaiting_step = snap.step + 1
            w.trainer.step(1)
            self._step_command = w.trainer.sent

    def show_edge_entry(self):
        """The Edges combo names what this phase's edges show."""
        if self.phase is not None:
            self.inside.show_phase_edges(self._edges)

    def _show(self, phase, edges, **fmt):
        self.phase, self._edges = phase, edges
        self._params = self.inside.w.view_net.flat_parameters()
        self._data = self.inside.w.snapshot().data
        self._loss = _loss_of(self.inside.w.snapshot().spec)
        self.history.append(phase)
        self.inside.view.set_caption(CAPTION[phase].format(**fmt))
        self.show_edge_entry()
        self.inside.w.statusBar().showMessage(EXPLAIN[phase].format(**fmt))

    def _forward(self, snap):
        net, d = self.inside.w.view_net, snap.data
        self.batch = snap.next_batch.copy()
        fw = net.forward(d.F_train[self.batch])
        view = self.inside.view
        view.set_edge_mode("weight")
        view.set_neuron_rings(None)
        self.inside.show_fills([a.mean(axis=0) for a in fw.activations])
        self.inside.animate_forward()
        self._show("forward", EDGES["forward"], n=len(self.batch))

    def _backward(self, snap):
        net, d, spec = self.inside.w.view_net, snap.data, snap.spec
        loss, grads, deltas = net.loss_and_gradients(d.F_train[self.batch], d.y_train[self.batch],
                                                     spec.resolved_loss, spec.l1, spec.l2)
        self.grads = grads
        self.inside.stop_forward_animation()
        view = self.inside.view
        view.set_edge_mode("gradient", grads, EDGES["backward"])
        view.set_neuron_rings([dl.mean(axis=0) for dl in deltas])
        self._show("backward", EDGES["backward"], loss=loss)

    def snapshot_applied(self, snap):
        if self._awaiting_step is None:
            return
        if snap.step < self._awaiting_step:
            if snap.applied >= self._step_command:
                # The trainer took the step and is not at it: the update diverged and it went back, or the run
                # was replaced. The step awaited will not come, and the picture of its phase must not stay.
                self.reset()
                self.inside.params_shown()
            return
        self._awaiting_step = None
        view = self.inside.view
        view.set_neuron_rings(None)
        if snap.update is None:  # no Δw came with the step: say the edges show the weights it left
            view.set_edge_mode("weight")
            self._show("update", EDGES["forward"])
            return
        view.set_edge_mode("update", self.inside.w.view_net.weights_from_flat(snap.update, copy=True), EDGES["update"])
        self._show("update", EDGES["update"])
