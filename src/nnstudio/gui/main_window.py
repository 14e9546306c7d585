"""The main window: canvas in the middle, problem settings on the left, output and loss on the right.

The window never touches the trainer's network. It submits commands to the Trainer and shows the
snapshots it publishes; a 16 ms timer takes the latest one.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import QPoint, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QScrollArea, QSplitter, QUndoView

from ..engine import ParamRef
from ..training import problem
from ..training.problem import COLUMNS, PIXELS, ProblemSpec, build_network, features_of
from ..training.remote import RemoteTrainer
from ..training.trainer import Trainer
from . import window_fit
from .actions import SPEEDS, build_actions
from .controls import ControlPanel
from .data_controller import DataController
from .edit_commands import EditParameterCommand
from .files import FileController
from .fill_ranges import fill_ranges
from .gif_recorder import GifRecorder
from .health_panel import severity_icon
from .inside import InsideController
from .interop import InteropController
from .loss_plot import LossPlot
from .network_view import NetworkView
from .output_view import OutputView
from .project_state import ProjectStateMixin
from .supervisor import Supervisor
from .timeline import TimelineController
from .value_editor import ValueEditor

OUTPUT_REFRESH_MS = 25  # the costliest view, redrawn at 40 Hz at most: live, and leaves CPU to the trainer


def make_trainer(spec: ProblemSpec, kind: str):
    if kind == "process":
        return RemoteTrainer(spec)
    if kind in ("thread", "sync"):
        return Trainer(spec, threaded=kind == "thread")
    raise ValueError(f"trainer must be 'process', 'thread' or 'sync', got {kind!r}")


class MainWindow(ProjectStateMixin, QMainWindow):
    snapshotApplied = Signal(object)  # every Snapshot the window showed, in order

    def __init__(self, spec: ProblemSpec | None = None, *, trainer: str = "process"):
        """``trainer``: "process" (default: training gets its own core), "thread", or "sync" (tests)."""
        super().__init__()
        self.setWindowTitle("nnstudio")
        self.trainer = make_trainer(spec or ProblemSpec(), trainer)
        self.supervisor = Supervisor(self)
        self._health_groups = []
        self.undo_stack = QUndoStack(self)
        self.network_view = NetworkView()
        self.output_view = OutputView()
        self.loss_plot = LossPlot()
        self.controls = ControlPanel(spec or ProblemSpec())
        self.editor = ValueEditor(self)
        self._snapshot = None
        self._params: np.ndarray | None = None
        self._generation = None
        self._data = None
        self._view_net = None
        self._edit_old = 0.0
        self._edit_generation = None
        self._params_sent_at = 0  # TrainerCommands.sent after the last parameters the window sent
        self._preview_base: np.ndarray | None = None  # parameters before an uncommitted nudge preview
        self._preview: tuple[int, float] | None = None  # (flat index, value) of that preview
        self._resume_after_edit = False
        self._output_dirty = False
        self._layout()
        build_actions(self)
        self.inside = InsideController(self)
        self.files = FileController(self)
        self.interop = InteropController(self)
        self.timeline = TimelineController(self)
        self.data_tools = DataController(self)
        self.gif = GifRecorder(self)
        self._fitted_size = self.fit_to_screen()
        self._shown_once = False
        self._restore_settings()
        self._connect()
        self.set_speed_index(self.speed_slider.value())
        self._timer = QTimer(self, interval=16, timeout=self._poll)
        self._timer.start()
        self._output_timer = QTimer(self, interval=OUTPUT_REFRESH_MS, timeout=self._refresh_output_if_dirty)
        self._output_timer.start()
        self._poll()

    # ---- construction ----------------------------------------------------------------------------
    def _layout(self):
        right = QSplitter(Qt.Vertical)
        right.addWidget(self.output_view)
        right.addWidget(self.loss_plot)
        right.setSizes([520, 380])
        centre = QSplitter(Qt.Horizontal)
        centre.addWidget(self.network_view)
        centre.addWidget(right)
        centre.setStretchFactor(0, 3)
        centre.setStretchFactor(1, 2)
        self.setCentralWidget(centre)
        panel = QDockWidget("Problem", self)
        panel.setObjectName("problemDock")
        panel.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
        scroll = QScrollArea()  # the panel scrolls rather than forcing a tall window on small screens
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setMinimumWidth(self.controls.sizeHint().width() + 16)
        panel.setWidget(scroll)
        self.addDockWidget(Qt.LeftDockWidgetArea, panel)
        self.history_view = QUndoView(self.undo_stack)
        self.history_view.setEmptyLabel("(start)")
        self.history_view.setToolTip("Every edit; click an entry to go back to it")
        history = QDockWidget("History", self)
        history.setObjectName("historyDock")
        history.setWidget(self.history_view)
        self.addDockWidget(Qt.LeftDockWidgetArea, history)
        self.resizeDocks([panel, history], [800, 160], Qt.Vertical)
        self.setCorner(Qt.BottomLeftCorner, Qt.LeftDockWidgetArea)  # the problem panel keeps its full height
        self.history_dock = history

    def _connect(self):
        self.network_view.parameterClicked.connect(self._open_editor)
        self.editor.committed.connect(self._commit_edit)
        self.editor.cancelled.connect(lambda ref: self._end_edit())
        self.editor.nudged.connect(self._preview_edit)
        self.editor.rejected.connect(lambda msg: self.statusBar().showMessage(f"Not changed: {msg}", 6000))
        self.controls.specChanged.connect(lambda spec: self.trainer.set_spec(spec))  # whichever trainer serves
        self.controls.regenerateRequested.connect(self._regenerate)
        self.view_menu.addAction(self.history_dock.toggleViewAction())
        self.health_icon = QLabel()
        self.health_icon.setObjectName("healthIcon")
        self.health_label = QLabel()
        self.health_label.setObjectName("healthLabel")
        self.statusBar().addPermanentWidget(self.health_icon)
        self.statusBar().addPermanentWidget(self.health_label)

    def _restore_settings(self):
        settings = QSettings("nnstudio", "nnstudio")
        self.actionPauseWhileEditing.setChecked(settings.value("editing/pause", True, type=bool))
        self.actionPauseWhileEditing.toggled.connect(lambda on: QSettings("nnstudio", "nnstudio").setValue(
            "editing/pause", on))

    # ---- automation surface (architecture.md: Names) -------------------------------------------------------
    def parameters(self) -> list[np.ndarray]:
        """Keras-style copies [W0, b0, …] of the latest parameters shown."""
        return self._view_net.weights_from_flat(self._params, copy=True)

    def step_count(self) -> int:
        return self._snapshot.step

    def snapshot(self):
        return self._snapshot

    def value(self, ref: ParamRef) -> float:
        return float(self._params[self.parameter_index(ref)])

    @property
    def view_net(self):
        """A network holding the parameters shown (rebuilt from snapshots; never the trainer's own)."""
        return self._view_net

    def edit_parameter(self, ref: ParamRef, value: float) -> None:
        """An ordinary undoable edit, as if typed in the editor."""
        old = self.value(ref)
        if value != old:  # no change, no history entry (and no marker on the loss plot)
            self.undo_stack.push(EditParameterCommand(self._apply_parameter, ref, self.parameter_index(ref), old,
                                                      value, self._generation))

    def set_health_summary(self, groups) -> None:
        """The status bar's health from the Health panel's rows (``health_panel.group_alerts``, most serious
        first): the first one named, e.g. "overfitting · 10 health alerts", after a sign of the worst severity.
        A trainer that died on this network (``supervisor.fault()``) comes first, as an error."""
        self._health_groups = groups
        n = sum(len(g.alerts) for g in groups)
        severity = "ok" if not groups else "error" if any(g.severity == "error" for g in groups) else "warning"
        text = "healthy" if not groups else f"{groups[0].title} · {n} health alert{'s' if n > 1 else ''}"
        tip = "\n".join(g.text for g in groups) or "No dead, saturated or exploding units"
        fault = self.supervisor.fault() if self._snapshot is not None else None
        if fault:
            severity, text, tip = "error", fault if not groups else f"{fault} · {text}", f"Error · {fault}\n{tip}"
        self.health_label.setText(text)
        self.health_icon.setPixmap(severity_icon(severity).pixmap(14, 14))
        self.health_icon.setProperty("severity", severity)
        self.health_label.setToolTip(tip)

    def refresh_health(self) -> None:
        self.set_health_summary(self._health_groups)

    def fit_to_screen(self) -> QSize:
        """Size and place the window inside its screen's available area, frame included (at most 1600×1000)."""
        return window_fit.fit_to_screen(self)

    def layout_problems(self) -> list[str]:
        """What a lesson would miss (off-screen frame or status bar, hidden or tiny canvas, output panel, loss
        plot, counters, Play/Step/Reset, a non-square output plane); an empty list when there is nothing."""
        return window_fit.layout_problems(self)

    def showEvent(self, event):
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            for ms in window_fit.FRAME_WAIT_MS:
                QTimer.singleShot(ms, self, self._fit_after_first_show)

    def _fit_after_first_show(self):
        # Only a decorated window knows its title bar; a size someone chose since (--screenshot --size) stays.
        screen = self.screen()
        if not (self.isVisible() and screen and self.size() == self._fitted_size):
            return
        if not screen.availableGeometry().contains(self.frameGeometry()):
            self._fitted_size = self.fit_to_screen()

    def parameter_index(self, ref: ParamRef) -> int:
        """Position of a weight or bias in the snapshots' flat parameter vector."""
        return ref.flat_index(self._view_net)

    # ---- training commands -----------------------------------------------------------------------
    def set_playing(self, on: bool):
        if on and not self.supervisor.serving():
            self.show_stopped()
            self.statusBar().showMessage("No trainer is running: training is off. Save still writes your work.")
            return
        if on and self.data_tools.training_blocked():
            self._pause_ui()
            return
        (self.trainer.play if on else self.trainer.pause)()
        self.actionPlayPause.setText("Pause" if on else "Play")

    def step(self):
        self._pause_ui()
        if self.data_tools.training_blocked():
            return
        if self.inside.actionSubSteps.isChecked():
            self.inside.substeps.advance()
        else:
            self.trainer.step(1)

    def step_epoch(self):
        self._pause_ui()
        if self.data_tools.training_blocked():
            return
        self.trainer.step_epoch()

    def reset(self, new_seed: bool = False):
        self._pause_ui()
        seed = problem.fresh_seed() if new_seed else None
        self.trainer.reset(seed)

    def _regenerate(self):
        self.trainer.regenerate(problem.fresh_seed())

    def set_speed_index(self, k: int):
        speed = SPEEDS[k]
        self.trainer.set_speed(speed)
        self.speed_label.setText("full speed" if speed is None else f"{speed:g} step{'s' if speed != 1 else ''}/s")

    def _pause_ui(self):
        self.show_stopped()
        self.trainer.pause()

    def show_stopped(self):
        """Play shows "Play" without sending anything (a dead trainer cannot be told)."""
        if self.actionPlayPause.isChecked():
            self.actionPlayPause.blockSignals(True)
            self.actionPlayPause.setChecked(False)
            self.actionPlayPause.setText("Play")
            self.actionPlayPause.blockSignals(False)
        self.network_view.set_animating(False)

    def attach_trainer(self, trainer):
        """A new trainer in a dead one's place (``Supervisor``); it gets the window's speed and details."""
        self.trainer = trainer
        self._params_sent_at = 0  # the new trainer counts its commands from zero
        self.set_speed_index(self.speed_slider.value())
        self.inside._send_details()

    # ---- snapshots ---------------------------------------------------------------------------
    def _poll(self):
        self.supervisor.check()
        snap = self.trainer.take()
        if snap is not None:
            self._apply(snap)

    def _apply(self, snap):
        self.timeline.before_apply(snap)
        self.data_tools.before_apply(snap)
        if getattr(snap, "export", None) is not None:
            # The save that asked for it takes it; the snapshot on show does not keep it (an export of every
            # step weighs up to 200 MB, and a paused trainer sends no next snapshot to replace it).
            self._export = snap
            snap = replace(snap, export=None)
        # Published before the trainer saw the latest edit: its parameters are older than those on show.
        stale_params = (snap.applied < self._params_sent_at and snap.generation == self._generation
                        and snap.spec.network_config() == self._view_spec_config)
        editor_closed = False
        if snap.generation != self._generation or snap.spec.network_config() != self._view_spec_config:
            editor_closed = self._close_editor_on_new_network()
            self._new_structure(snap)
        elif snap.data is not self._data:
            self._new_data(snap)
        message = snap.message
        if editor_closed:
            message = f"{message or ''} The value editor closed without an edit: its network was replaced."
        if snap.generation != self._generation:
            self.loss_plot.clear()
            if self.undo_stack.count():  # indices of an older network would edit the wrong parameters
                self.undo_stack.clear()
                message = f"{message or ''} The undo history was cleared: its edits belong to the old network."
            self._generation = snap.generation
        self._snapshot = snap
        if not stale_params:
            self._show_params(self._with_preview(snap.params))
        self.loss_plot.append_losses(snap.first_step, snap.losses)
        if snap.evaluations:
            self.loss_plot.add_evaluations(list(snap.evaluations))
        for edit in snap.edits:
            ref = self._view_net.layout.ref(edit.index)  # the view net is of this snapshot's network
            self.loss_plot.add_marker(edit.step, f"step {edit.step}: {ref.label()} {edit.old:.4g} → {edit.new:.4g}")
        self.counter_label.setText(f"Epoch {snap.epoch:,}   Step {snap.step:,} ")
        self.network_view.set_animating(snap.running)
        if self.actionPlayPause.isChecked() != snap.running and not self.editor.is_open():
            self.actionPlayPause.blockSignals(True)
            self.actionPlayPause.setChecked(snap.running)
            self.actionPlayPause.setText("Pause" if snap.running else "Play")
            self.actionPlayPause.blockSignals(False)
        if message:
            self.statusBar().showMessage(message.strip(), 10000)
        if snap.spec != self.controls.spec() and snap.applied >= self.trainer.sent:
            self.controls.set_spec(snap.spec)  # only a snapshot that has seen every change the panel sent
        self.inside.snapshot_applied(snap)
        self.files.snapshot_applied(snap)
        self.timeline.snapshot_applied(snap)
        self.snapshotApplied.emit(snap)

    _view_spec_config = None

    def _new_structure(self, snap):
        spec = snap.spec
        self._view_net = build_network(spec)
        self._view_spec_config = spec.network_config()
        labels = None if spec.features in (PIXELS, COLUMNS) else [f.replace("^2", "²") for f in spec.features]
        self.network_view.set_network(spec.sizes, labels)
        self.loss_plot.set_classification(spec.classification)
        self._new_data(snap)
        self._snapshot = snap
        self._params = snap.params
        self._view_net.set_flat_parameters(snap.params)
        self.inside.structure_changed(snap)

    def _new_data(self, snap):
        d, spec = snap.data, snap.spec
        self._data = d
        self.output_view.set_problem(d.X_train, d.y_train, d.X_test, d.y_test, classification=spec.classification,
                                     n_classes=max(2, spec.n_outputs))
        net, features = self._view_net, spec.features
        self.output_view.set_predictor(lambda X: net.predict(features_of(X, features)))
        self.network_view.set_fill_ranges(fill_ranges(net.activations, d.F_train, pixels=features == PIXELS))

    def _show_params(self, params):
        self._params = params
        self._view_net.set_flat_parameters(params)
        self.network_view.set_parameters(self._view_net.weights_from_flat(params))
        self.inside.params_shown()
        self._output_dirty = True
        if not (self._snapshot and self._snapshot.running):
            self._refresh_output()

    def _refresh_output_if_dirty(self):
        if self._output_dirty:
            self._refresh_output()

    def _refresh_output(self):
        self.output_view.refresh()
        self._output_dirty = False

    # ---- editing -----------------------------------------------------------------------------
    def _open_editor(self, ref: ParamRef, pos: QPoint):
        if self.editor.is_open():
            self.editor.commit()
        if self.actionPauseWhileEditing.isChecked() and self._snapshot.running:
            self._resume_after_edit = True
            self.trainer.pause()
        self._edit_old = self.value(ref)
        self._edit_generation = self._generation
        self.network_view.set_highlight(ref)
        at = self.network_view.mouse_target().mapTo(self, pos)
        self.editor.open(ref, self._edit_old, at + QPoint(-12, -self.editor.height() // 2))

    def _commit_edit(self, ref: ParamRef, value: float):
        if value == self._edit_old:  # Enter on the untouched value, or nudged back: nothing to record
            self._end_edit()  # drops a nudge preview
            return
        if self._edit_generation != self._generation:  # the editor outlived its network: never edit another
            self._end_edit()
            return
        if self._preview_base is not None:
            self._params, self._preview_base, self._preview = self._preview_base, None, None
        index = ref.flat_index(self._view_net)
        self.undo_stack.push(EditParameterCommand(self._apply_parameter, ref, index, self._edit_old, value,
                                                  self._generation))
        self._end_edit()

    def _close_editor_on_new_network(self) -> bool:
        """An open editor (and its nudge preview) edits a parameter of the network about to go: close it
        without a commit, before anything of the new network is shown. True if it was open."""
        if not self.editor.is_open():
            return False
        self._preview_base = self._preview = None  # the old network's parameters
        self._resume_after_edit = False  # the new network is not the run that was paused
        self.editor.cancel()
        return True

    def _preview_edit(self, ref: ParamRef, value: float):
        if self._preview_base is None:
            self._preview_base = self._params
        self._preview = (ref.flat_index(self._view_net), value)
        self._show_params(self._with_preview(self._preview_base))

    def _with_preview(self, params: np.ndarray) -> np.ndarray:
        """``params`` as shown: with the open editor's nudge preview on top. Parameters that arrive during a
        preview become its base, so closing the editor shows them, not those of before."""
        if self._preview is None:
            return params
        self._preview_base = params
        index, value = self._preview
        shown = params.copy()
        shown[index] = value
        return shown

    def _end_edit(self):
        self.network_view.set_highlight(None)
        if self._preview_base is not None:  # a nudge preview that was not committed
            base, self._preview_base, self._preview = self._preview_base, None, None
            self._show_params(base)
        if self._resume_after_edit:
            self._resume_after_edit = False
            self.trainer.play()

    def _on_shown_network(self, generation: int | None, size: int | None = None, index: int | None = None) -> bool:
        """Whether a change made for network ``generation`` (of ``size`` parameters, at ``index``) fits the one
        shown; if not, says so. Checked before anything moves: undo and redo are called from C++."""
        fits = (generation is None or generation == self._generation) and (
            size is None or size == self._params.size) and (index is None or 0 <= index < self._params.size)
        if not fits:
            self.statusBar().showMessage("Not applied: that change belongs to a network that has since been "
                                         "replaced.", 8000)
        return fits

    def apply_all_parameters(self, flat, generation: int | None = None) -> None:
        """Every parameter at once (an import and its undo): the trainer sets them; the canvas shows them now."""
        if not self._on_shown_network(generation, np.size(flat)):
            return
        self.trainer.set_params(flat)
        self._params_sent_at = self.trainer.sent
        params = np.array(flat, dtype=np.float64)
        params.setflags(write=False)
        self._show_params(params)

    def _apply_parameter(self, index: int, value: float, generation: int):
        """What an edit and its undo do: the trainer sets it between two steps; the canvas shows it at once."""
        if not self._on_shown_network(generation, index=index):
            return
        self.trainer.set_parameter(index, value, generation)
        self._params_sent_at = self.trainer.sent
        params = self._params.copy()
        params[index] = value
        params.setflags(write=False)
        self._show_params(params)

    def flush(self) -> None:
        """Every deferred refresh now, as the views' timers would do within ~0.2 s: a pending timeline move,
        the latest snapshot, the output panel, the loss plot and the slow inside panels. For tests, the state
        machine and pictures, which must see the settled window without waiting."""
        self.timeline.flush()
        self._poll()
        self._refresh_output()
        self.loss_plot.flush()
        self.inside.flush()

    # ---- closing -----------------------------------------------------------------------------
    def closeEvent(self, event):
        if self.files.close_when_saved():
            event.ignore()
            return
        if not self.files.confirm_discard():  # (it waits for a save being written: no half-written file)
            event.ignore()
            return
        self.files.end_session()
        self._timer.stop()
        self._output_timer.stop()
        self.trainer.close()
        super().closeEvent(event)
