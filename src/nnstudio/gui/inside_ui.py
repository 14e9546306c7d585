"""The panels, actions, menu and toolbar of "seeing inside" (built for an InsideController)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDockWidget, QLabel, QSpinBox, QToolBar

from .actions import _action
from .health_panel import HealthPanel
from .loss_slice import LossSliceView
from .math_card import MathCard
from .pixel_weights import PixelWeightsView
from .weights_panel import WeightsOverTime

EDGE_MODES = (("weights", "weight"), ("gradient ∂L/∂w", "gradient"), ("last update Δw", "update"),
              ("signal w·a", "signal"))


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
    self.actionFocus.toggled.connect(lambda on: self._show_selection())
    bar = QToolBar("Inside", w)
    bar.setObjectName("insideToolbar")
    bar.setToolButtonStyle(Qt.ToolButtonTextOnly)
    bar.addWidget(QLabel(" Edges "))
    self.edge_mode = QComboBox()
    self.edge_mode.setObjectName("edgeModeCombo")
    for text, mode in EDGE_MODES:
        self.edge_mode.addItem(text, mode)
    self.edge_mode.setToolTip("What edges and bias badges show: the weights, the last mini-batch's gradient, "
                              "the last update, or the selected sample's signal w·a")
    self.edge_mode.currentIndexChanged.connect(lambda _: self._edge_mode_changed())
    bar.addWidget(self.edge_mode)
    bar.addSeparator()
    bar.addWidget(QLabel(" Sample "))
    self.sample_box = QSpinBox()
    self.sample_box.setObjectName("sampleSpin")
    self.sample_box.setToolTip("The training sample whose forward pass the canvas and the maths show "
                               "(or click a data point)")
    self.sample_box.valueChanged.connect(lambda k: self.select_sample("train", k))
    bar.addWidget(self.sample_box)
    bar.addSeparator()
    bar.addActions([self.actionForwardPass, self.actionSubSteps, self.actionThumbnails])
    w.addToolBarBreak()
    w.addToolBar(bar)
    menu = w.menuBar().addMenu("&Inside")
    menu.addActions([self.actionForwardPass, self.actionSubSteps, self.actionThumbnails, self.actionFocus])
