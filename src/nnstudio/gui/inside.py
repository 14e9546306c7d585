"""Seeing inside: the selected sample's forward pass, neuron maths, edge modes, thumbnails, slices, health.

Everything shown here is computed by the engine on a network rebuilt from the trainer's latest snapshot
(the window's ``view_net``), never by reading the trainer's own network.

The selected sample (one record, shown everywhere) is ``SampleSelection``'s business.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QPoint, QTimer
from PySide6.QtWidgets import QMenu

from ..engine import ParamRef, feature_transform
from ..engine.inspect import (
    health_report,
    loss_slice_around,
    neuron_maps,
    neuron_math,
    overfitting_alert,
    weight_stats,
)
from ..training.problem import PIXELS
from .edge_modes import EDGE_MODES, WEIGHT, EdgeInputs
from .health_panel import group_alerts
from .inside_ui import EDGES_LOCKED_TIP, EDGES_TIP, PHASE, build_actions, build_docks
from .sample_selection import SampleSelection, sample_set
from .substeps import SubSteps

THUMB_SIZE = 24
SLOW_MS = 200  # panels that change slowly: maths, health, weight statistics, slices, thumbnails


class InsideController(SampleSelection, QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.view = window.network_view
        self.sample: tuple[str, int] | None = ("train", 0)  # ("train" | "test", index into that set), or None
        self._data = None  # the ProblemData that ``sample`` indexes into
        self._fills: list[np.ndarray] | None = None  # what the neuron fills were given
        self.neuron: tuple[int, int] | None = None  # selected (neuron-layer k, index)
        self._sizes: tuple[int, ...] | None = None
        self.edge_choice = WEIGHT  # the user's Edges choice (a sub-step may show something else meanwhile)
        self.slice_ref: ParamRef | None = None
        self.maps: list[np.ndarray] | None = None
        self.evaluations: list = []
        self.divergence_alert = None
        self._dirty = True
        build_docks(self)
        build_actions(self)
        self.substeps = SubSteps(self)
        self._timer = QTimer(self, interval=SLOW_MS, timeout=self._slow_update)
        self._timer.start()
        self._lit = None
        self._forward_timer = QTimer(self, interval=400, timeout=self._advance_forward)
        v = self.view
        v.neuronClicked.connect(self.select_neuron)
        v.neuronHovered.connect(self._hover_neuron)
        v.contextRequested.connect(self._context_menu)
        window.output_view.sampleClicked.connect(lambda which, k: self._sample_chosen((which, k)))
        self.health.alertActivated.connect(self._alert_activated)
        self.slice_view.valueChosen.connect(self._slice_value_chosen)

    # ---- hooks from the window -------------------------------------------------------------------
    def structure_changed(self, snap):
        spec = snap.spec
        if tuple(spec.sizes) != self._sizes:
            self.neuron = None  # a position names the same neuron only in the same architecture
        self._sizes = tuple(spec.sizes)
        self.slice_ref = None
        self.evaluations = []
        self.divergence_alert = None
        self.maps = None
        self.substeps.reset()
        self.view.set_input_grid((8, 8) if spec.features == PIXELS else None)
        self.view.set_thumbnails(None)
        self.slice_view.clear()
        self.weights.clear()
        self.health.set_alerts([])  # findings about the old network name neurons that may not exist now
        self.view.set_alert_neurons([])
        self._follow_data(snap.data)
        self._show_neuron_selection()
        self._mark_dirty()

    def snapshot_applied(self, snap):
        self.evaluations.extend(snap.evaluations)
        if snap.message and "diverged" in snap.message:
            from ..engine.inspect import Alert

            self.divergence_alert = Alert("diverged", "error", snap.message)
        self.substeps.snapshot_applied(snap)
        self._mark_dirty()

    def params_shown(self):
        """The canvas got new parameters (a snapshot, an edit, a preview): refresh the per-frame overlays."""
        data = self.w.snapshot().data
        if data is not self._data:  # new data without a new network: noise, train share, regenerate, points
            self._follow_data(data)
        if not self.substeps.owns_picture():
            self._show_sample_on_canvas()
        if not self.w.snapshot().running:
            self._show_math()  # a step or an edit while paused: the card agrees at once, not a tick later
        self._mark_dirty()

    # ---- the selected neuron ------------------------------------------------------------------------
    def select_neuron(self, k: int, i: int):
        """A click on a neuron: selects it, or deselects it when it was selected."""
        self._set_neuron(None if self.neuron == (k, i) else (k, i))

    def _set_neuron(self, neuron):
        self.neuron = neuron
        self._show_neuron_selection()
        self._show_math()
        self._mark_dirty()
        if self.neuron and self.neuron[0] >= 1:
            self.docks["pixels" if self.neuron[0] == 1 and self._is_digits() else "math"].raise_()

    def _alert_activated(self, alert):
        """A double-clicked health alert about a neuron selects that neuron (if this network still has it)."""
        sizes = self._sizes or ()
        if alert.kind in ("dead_relu", "saturated") and alert.neuron is not None and alert.layer is not None \
                and 0 < alert.layer < len(sizes) and 0 <= alert.neuron < sizes[alert.layer]:
            self._set_neuron((alert.layer, alert.neuron))

    def _show_neuron_selection(self):
        self.view.set_selected_neuron(self.neuron)
        self.view.set_focus(self.neuron if self.actionFocus.isChecked() else None)

    def _is_digits(self) -> bool:
        return self.w.snapshot().spec.features == PIXELS

    def neuron_math(self):
        """The selected neuron's maths for the selected sample, or None if either is missing."""
        x = self.sample_features()
        if not self.neuron or self.neuron[0] == 0 or x is None:
            return None
        k, i = self.neuron
        return neuron_math(self.w.view_net, x, k - 1, i)

    def _show_math(self):
        if self.w.snapshot() is None:
            return
        if self.neuron and self.neuron[0] >= 1 and self.sample is None:
            self.math_card.ask_for_sample(self._neuron_title())
        else:
            self.math_card.show_math(self.neuron_math(), self._neuron_title(), self._input_names())

    # ---- edge modes --------------------------------------------------------------------------------
    def _edge_mode_changed(self):
        mode = self.edge_mode.currentData()
        if mode == PHASE:
            return
        self.edge_choice = mode
        self._send_details()
        if self.substeps.owns_picture():
            self.substeps.show_edge_entry()  # the phase still decides what the edges show
        else:
            self._show_edge_mode()

    def _send_details(self):
        """Gradients and updates travel with the snapshots only while something shows them."""
        self.w.trainer.set_details(EDGE_MODES[self.edge_choice].needs_trainer_data or self.actionSubSteps.isChecked())

    def _show_edge_mode(self, fw=None):
        mode = EDGE_MODES[self.edge_choice]
        self.view.set_neuron_rings(self.sample_deltas() if mode.delta_rings else None)
        values = self.edge_values(mode.key, fw)
        if values is None:
            self.view.set_edge_mode(WEIGHT)
        else:
            self.view.set_edge_mode(mode.key, values, mode.title)
        self.view.set_caption(mode.no_values_caption if values is None else None)

    def show_phase_edges(self, title: str | None):
        """In a sub-step the phase decides what the edges show: the Edges combo names it (``title``) and is
        locked; None gives the user's choice back."""
        combo = self.edge_mode
        combo.blockSignals(True)
        if title is None:
            combo.setCurrentIndex(combo.findData(self.edge_choice))
        else:
            row = combo.findData(PHASE)
            combo.setItemText(row, title)
            combo.setCurrentIndex(row)
        combo.setEnabled(title is None)
        combo.setToolTip(EDGES_TIP if title is None else EDGES_LOCKED_TIP)
        combo.blockSignals(False)

    def edge_values(self, mode: str, fw=None):
        """What the edges show in ``mode``, as a Keras-style list shaped like get_weights(); None for the
        weights themselves, or when the mode has nothing to show yet."""
        compute = EDGE_MODES[mode].compute
        if compute is None:
            return None
        return compute(EdgeInputs(self.w.view_net, self.w.snapshot(), lambda: fw or self.sample_forward()))

    # ---- forward animation -------------------------------------------------------------------------
    def animate_forward(self):
        self._lit = 0
        self.view.set_lit_layers(0)
        self._forward_timer.start()

    def stop_forward_animation(self):
        self._forward_timer.stop()
        self._lit = None
        self.view.set_lit_layers(None)

    def _advance_forward(self):
        self._lit += 1
        if self._lit > self.w.view_net.n_layers:
            self._forward_timer.stop()
            self._lit = None
        self.view.set_lit_layers(self._lit)

    # ---- hover maps, context menu, loss slice ----------------------------------------------------
    def _hover_neuron(self, neuron):
        if neuron is None or neuron[0] == 0 or self.maps is None:
            self.w.output_view.set_hover_map(None)
            return
        k, i = neuron
        big = neuron_maps(self.w.view_net, self._grid_features(self.w.output_view.grid_points()))[k - 1][:, i]
        side = int(round(np.sqrt(big.size)))
        self.w.output_view.set_hover_map(big.reshape(side, side), f"neuron {i} of layer {k}")

    def _context_menu(self, ref, pos: QPoint):
        if ref is None:
            return
        menu = QMenu(self.w)
        menu.addAction("Loss along this parameter", lambda: self.show_slice(ref))
        menu.addAction("Edit value…", lambda: self.w._open_editor(ref, pos))
        menu.exec(self.view.mouse_target().mapToGlobal(pos))

    def show_slice(self, ref: ParamRef):
        self.slice_ref = ref
        self.docks["slice"].show()
        self.docks["slice"].raise_()
        self._update_slice()

    def current_slice(self):
        if self.slice_ref is None:
            return None
        snap, net = self.w.snapshot(), self.w.view_net
        spec, d = snap.spec, snap.data
        return loss_slice_around(net, d.F_train, d.y_train, spec.resolved_loss, self.w.parameter_index(self.slice_ref),
                                 spec.learning_rate, spec.l1, spec.l2)

    def _update_slice(self):
        s = self.current_slice()
        if s is not None:
            self.slice_view.show_slice(s, f"Loss along {self.slice_ref.label()}")

    def _slice_value_chosen(self, value: float):
        if self.slice_ref is not None and np.isfinite(value):
            self.w.edit_parameter(self.slice_ref, float(value))

    # ---- slow panels -------------------------------------------------------------------------------
    def flush(self):
        """Refresh the slow panels (maths, health, weights, slice, maps) now rather than at the next tick."""
        self._slow_update()
        self.weights.flush()

    def _mark_dirty(self):
        self._dirty = True

    def _grid_features(self, grid):
        return feature_transform(grid, self.w.snapshot().spec.features)

    def _slow_update(self):
        if not self._dirty or self.w.snapshot() is None:
            return
        self._dirty = False
        snap, net = self.w.snapshot(), self.w.view_net
        spec, d = snap.spec, snap.data
        self._show_math()
        if self.neuron and self.neuron[0] == 1 and self._is_digits():
            self.pixels.show_weights(net.get_weights()[0][:, self.neuron[1]],
                                     f"Pixel weights into neuron {self.neuron[1]} of hidden layer 1")
        if self._is_digits() and self.sample is not None:
            x = self.sample_features()
            y = sample_set(d, self.sample[0])[1]
            self.w.output_view.set_digit(x, net.predict(x[None, :])[0], int(y[self.sample[1]]))
        planar = d.X_train.shape[1] == 2 and spec.features != PIXELS
        if planar and self.actionThumbnails.isChecked():
            acts = neuron_maps(net, self._grid_features(self.w.output_view.plane_grid(THUMB_SIZE)))
            self.maps = [a.T.reshape(a.shape[1], THUMB_SIZE, THUMB_SIZE) for a in acts]
            self.view.set_thumbnails(self.maps)
        elif self.maps is not None:
            self.maps = None
            self.view.set_thumbnails(None)
        grads = snap.grads if snap.grads is not None else None
        alerts = health_report(net, d.F_train, grads)
        # Over the last 200 evaluations: overfitting shows as a test loss that creeps up for a long while.
        over = overfitting_alert(self.evaluations, window=max(2, min(len(self.evaluations), 200)))
        alerts += [a for a in (over, self.divergence_alert) if a is not None]
        self.health.set_alerts(alerts, net.activations)
        self.view.set_alert_neurons([(a.layer, a.neuron) for a in alerts
                                     if a.neuron is not None and a.kind in ("dead_relu", "saturated")])
        self.w.set_health_summary(group_alerts(alerts, net.activations))
        self.weights.add(snap.step, weight_stats(net.get_weights()), record=snap.viewing is None)
        if self.slice_ref is not None and self.docks["slice"].isVisible():
            self._update_slice()

    def _input_names(self):
        """The first hidden layer's inputs are the features (x1, x2, x1²…); deeper ones are activations."""
        spec = self.w.snapshot().spec
        if not self.neuron or self.neuron[0] != 1 or spec.features == PIXELS:
            return None
        return [f.replace("^2", "²") for f in spec.features]

    def _neuron_title(self):
        if not self.neuron or self.neuron[0] == 0:
            return ""
        k, i = self.neuron
        layer = "output layer" if k == self.w.view_net.n_layers else f"hidden layer {k}"
        title = f"Neuron {i} of the {layer}"
        return title if self.sample is None else f"{title}, {self.sample[0]} sample {self.sample[1]}"

    def _sub_steps_toggled(self, on: bool):
        self._send_details()
        if not on:
            self.substeps.reset()
            self.params_shown()
