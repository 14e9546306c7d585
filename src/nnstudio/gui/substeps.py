"""Step split into its three parts, on one mini-batch: forward, backward, update.

Forward and backward are computed here by the engine on the very mini-batch the trainer announced as its
next one, at the current parameters; update is the trainer's real step on that batch. So what the three
sub-steps show is exactly what the step does.
"""

from __future__ import annotations

PHASES = ("forward", "backward", "update")
EXPLAIN = {
    "forward": "Sub-step 1/3 · forward: the mini-batch of {n} samples flows through the network; each neuron "
               "shows its mean activation a = f(Σ w·a + b).",
    "backward": "Sub-step 2/3 · backward: loss {loss:.4g}; the error flows back from the output, giving every "
                "neuron its δ = ∂L/∂z (rings) and every weight its gradient ∂L/∂w (edges).",
    "update": "Sub-step 3/3 · update: every weight and bias moved by the optimizer's step (edges show Δw); "
              "press Step for the next mini-batch.",
}


class SubSteps:
    def __init__(self, inside):
        self.inside = inside
        self.phase: str | None = None
        self.batch = None
        self.grads = None  # the backward sub-step's gradients (Keras list)
        self._awaiting_step: int | None = None
        self.history: list[str] = []  # phases shown, in order (for tests and the status bar)

    def active(self) -> bool:
        return self.phase is not None

    def reset(self):
        self.phase = None
        self.batch = None
        self.grads = None
        self._awaiting_step = None
        view = self.inside.view
        view.set_neuron_rings(None)
        self.inside.stop_forward_animation()

    def advance(self):
        """What the Step action does while sub-steps are on."""
        w = self.inside.w
        snap = w.snapshot()
        if self._awaiting_step is not None:
            return  # the update is on its way
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

    def _show(self, phase, **fmt):
        self.phase = phase
        self.history.append(phase)
        self.inside.w.statusBar().showMessage(EXPLAIN[phase].format(**fmt))

    def _forward(self, snap):
        net, d = self.inside.w.view_net, snap.data
        self.batch = snap.next_batch.copy()
        fw = net.forward(d.F_train[self.batch])
        view = self.inside.view
        view.set_edge_mode("weight")
        view.set_neuron_rings(None)
        view.set_neuron_values([a.mean(axis=0) for a in fw.activations])
        self.inside.animate_forward()
        self._show("forward", n=len(self.batch))

    def _backward(self, snap):
        net, d, spec = self.inside.w.view_net, snap.data, snap.spec
        loss, grads, deltas = net.loss_and_gradients(d.F_train[self.batch], d.y_train[self.batch],
                                                     spec.resolved_loss, spec.l1, spec.l2)
        self.grads = grads
        self.inside.stop_forward_animation()
        view = self.inside.view
        view.set_edge_mode("gradient", grads, "gradient ∂L/∂w (this mini-batch)")
        view.set_neuron_rings([dl.mean(axis=0) for dl in deltas])
        self._show("backward", loss=loss)

    def snapshot_applied(self, snap):
        if self._awaiting_step is None or snap.step < self._awaiting_step:
            return
        self._awaiting_step = None
        view = self.inside.view
        view.set_neuron_rings(None)
        if snap.update is not None:
            view.set_edge_mode("update", self.inside.w.view_net.weights_from_flat(snap.update, copy=True),
                              "last update Δw")
        self._show("update")
