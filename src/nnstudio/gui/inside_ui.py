"""The panels, actions, menu and toolbar of "seeing inside" (built for an InsideController)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QDockWidget, QHBoxLayout, QLabel, QSpinBox, QToolBar, QWidget

from .actions import _action
from .edge_modes import EDGE_MODES, edges_tooltip
from .health_panel import HealthPanel
from .loss_slice import LossSliceView
from .math_card import MathCard
from .pixel_weights import PixelWeightsView
from .sample_selection import SETS, set_size
from .substeps import EDGES
from .weights_panel import WeightsOverTime

NONE_TEXT = "none"  # the Sample box with no sample selected
EDGES_TIP = edges_tooltip()
EDGES_LOCKED_TIP = "In a sub-step the phase decides what the edges show; turn Sub-steps off (Ctrl+B) to choose"
PHASE = "phase"  # the Edges combo's entry that names what a sub-step's edges show


def _dock(self, title, name, widget):
    dock = QDockWidget(title, self.w)
    dock.setObjectName(name)
    dock.setWidget(widget)
    self.w.addDockWidget(Qt.BottomDockWidgetArea, dock)
    self.w.view_menu.addAction(dock.toggleViewAction())
    return dock

def build_docks(self):
    self.math_card = MathCard()
    self.slice_view = LossSliceView()
    self.health = HealthPanel()
    self.weights = WeightsOverTime()
    self.pixels = PixelWeightsView()
    docks = [
        _dock(self, "Neuron maths", "mathDock", self.math_card),
        _dock(self, "Loss slice", "sliceDock", self.slice_view),
        _dock(self, "Health", "healthDock", self.health),
        _dock(self, "Weights over time", "weightsDock", self.weights),
        _dock(self, "Pixel weights", "pixelsDock", self.pixels),
    ]
    for other in docks[1:]:
        self.w.tabifyDockWidget(docks[0], other)
    docks[0].raise_()
    self.docks = dict(zip(("math", "slice", "health", "weights", "pixels"), docks))
    self.w.resizeDocks([docks[0]], [220], Qt.Vertical)

def build_actions(self):
    w = self.w
    self.actionSubSteps = _action(w, "actionSubSteps", "Sub-steps", ["Ctrl+B"],
                                  "Split Step into forward, backward and update", checkable=True)
    self.actionSubSteps.toggled.connect(self._sub_steps_toggled)
    self.actionForwardPass = _action(w, "actionForwardPass", "Forward pass", ["G"],
                                     "Light the layers one by one as the selected sample flows through",
                                     self.animate_forward)
    self.actionThumbnails = _action(w, "actionThumbnails", "Neuron maps", ["T"],
                                    "Show each neuron's output over the input plane", checkable=True)
    self.actionThumbnails.setChecked(True)
    self.actionThumbnails.toggled.connect(lambda on: self._mark_dirty())
    self.actionFocus = _action(w, "actionFocus", "Focus on selected neuron", [],
                               "Dim every edge that does not touch the selected neuron", checkable=True)
    self.actionFocus.setChecked(True)
    self.actionFocus.toggled.connect(lambda on: self._show_neuron_selection())
    bar = QToolBar("Inside", w)
    bar.setObjectName("insideToolbar")
    bar.setToolButtonStyle(Qt.ToolButtonTextOnly)
    bar.addWidget(QLabel(" Edges "))
    self.edge_mode = QComboBox()
    self.edge_mode.setObjectName("edgeModeCombo")
    for mode in EDGE_MODES.values():
        self.edge_mode.addItem(mode.label, mode.key)
    # The sub-steps' entry: always there, so the combo is sized for its longest text and never shifts the
    # toolbar; hidden from the list and disabled, since only a sub-step selects it.
    self.edge_mode.addItem(max(EDGES.values(), key=len), PHASE)
    phase_row = self.edge_mode.count() - 1
    self.edge_mode.model().item(phase_row).setEnabled(False)
    self.edge_mode.view().setRowHidden(phase_row, True)
    self.edge_mode.setToolTip(EDGES_TIP)
    self.edge_mode.currentIndexChanged.connect(lambda _: self._edge_mode_changed())
    bar.addWidget(self.edge_mode)
    bar.addSeparator()
    bar.addWidget(QLabel(" Sample "))
    self.sample_picker = SampleBox()
    self.sample_set, self.sample_box = self.sample_picker.which, self.sample_picker.index
    self.sample_picker.sampleChosen.connect(self._sample_chosen)
    bar.addWidget(self.sample_picker)
    bar.addSeparator()
    bar.addActions([self.actionForwardPass, self.actionSubSteps, self.actionThumbnails])
    w.addToolBarBreak()
    w.addToolBar(bar)
    menu = w.menuBar().addMenu("&Inside")
    menu.addActions([self.actionForwardPass, self.actionSubSteps, self.actionThumbnails, self.actionFocus])


class SampleBox(QWidget):
    """Which set (train or test) and which index in it; the index's lowest entry reads "none"."""

    sampleChosen = Signal(object)  # ("train" | "test", index), or None when the user chose "none"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.which = QComboBox()
        self.which.setObjectName("sampleSetCombo")
        self.which.addItems(SETS)
        self.which.setToolTip("Whether the sample comes from the training set or the test set")
        self.index = QSpinBox()
        self.index.setObjectName("sampleSpin")
        self.index.setMinimum(-1)
        self.index.setSpecialValueText(NONE_TEXT)  # shown at the minimum, -1: no sample selected
        self.index.setToolTip("The sample whose forward pass the canvas and the maths show (or click a data "
                              "point); below 0 is \"none\"")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self.which)
        row.addWidget(self.index)
        self._sizes = {"train": 0, "test": 0}
        self.which.currentIndexChanged.connect(self._set_changed)
        self.index.valueChanged.connect(self._index_changed)

    def show_sample(self, selection, data) -> None:
        """Shows ``selection`` (or "none") with ranges from ``data``; emits nothing."""
        self._sizes = {s: set_size(data, s) for s in SETS}
        for s, n in self._sizes.items():
            self.which.model().item(SETS.index(s)).setEnabled(n > 0)
        which = selection[0] if selection else self.which.currentText()
        self.which.blockSignals(True)
        self.index.blockSignals(True)
        self.which.setCurrentText(which)
        self.index.setMaximum(max(-1, self._sizes[which] - 1))
        self.index.setValue(selection[1] if selection else -1)
        self.which.blockSignals(False)
        self.index.blockSignals(False)

    def shown(self) -> tuple[str, int] | None:
        """What the box shows: (set, index), or None when it reads "none"."""
        k = self.index.value()
        return None if k < 0 else (self.which.currentText(), k)

    def _set_changed(self, _row: int) -> None:
        which = self.which.currentText()
        k = min(self.index.value(), self._sizes[which] - 1)
        self.index.blockSignals(True)
        self.index.setMaximum(max(-1, self._sizes[which] - 1))
        self.index.setValue(k)
        self.index.blockSignals(False)
        self.sampleChosen.emit(None if k < 0 else (which, k))

    def _index_changed(self, k: int) -> None:
        self.sampleChosen.emit(None if k < 0 else (self.which.currentText(), k))
