"""The window's actions, menus and toolbar: every command has a QAction with a shortcut and a tooltip."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMessageBox, QSlider, QToolBar, QWidget

from .window_keys import TrainingKeys

# Steps per second; the last notch means "as fast as the machine goes" (tens of thousands a second).
SPEEDS = (1, 2, 5, 10, 30, 60, 100, 300, 1000, 3000, 10000, None)
DEFAULT_SPEED = 30  # about an epoch a second on the default problem: fast enough to see it learn, slow to follow

CONTROLS_HELP = """<h3>Mouse and keyboard</h3>
<table cellspacing="4">
<tr><td><b>Click</b> an edge or a bias badge</td><td>edit its value in place</td></tr>
<tr><td>in the editor: <b>Enter</b> / click away</td><td>commit; <b>Esc</b> cancels</td></tr>
<tr><td>in the editor: <b>↑ ↓</b>, wheel</td><td>±0.1 (±0.01 with Shift)</td></tr>
<tr><td>in the editor: <b>F2</b></td><td>every digit of the value (it shows six)</td></tr>
<tr><td>in the editor: <code>1e-3</code>, <code>-.5</code>, <code>1/3</code></td><td>a new value</td></tr>
<tr><td>in the editor: <code>*2</code>, <code>/2</code>, <code>+=0.1</code>, <code>-=0.1</code></td>
<td>change the current value</td></tr>
<tr><td><b>Hover</b> an edge or badge</td><td>its name and value</td></tr>
<tr><td><b>Drag</b> / <b>wheel</b> on the canvas</td><td>pan / zoom; <b>F</b> zooms to fit</td></tr>
<tr><td><b>Space</b></td><td>play / pause</td></tr>
<tr><td><b>→</b> or <b>S</b></td><td>one mini-batch step</td></tr>
<tr><td><b>Shift+→</b></td><td>to the end of the epoch</td></tr>
<tr><td><b>R</b> / <b>Shift+R</b></td><td>reset with the same / a new seed</td></tr>
<tr><td><b>Ctrl+Z</b> / <b>Ctrl+Shift+Z</b></td><td>undo / redo an edit</td></tr>
<tr><td><b>Click</b> a neuron / a data point</td><td>its maths / choose the sample</td></tr>
<tr><td><b>Right-click</b> an edge or badge</td><td>loss along this parameter</td></tr>
<tr><td><b>G</b> / <b>T</b> / <b>Ctrl+B</b></td><td>forward pass / neuron maps / sub-steps</td></tr>
</table>"""


def _action(window, name, text, shortcuts, tip, slot=None, checkable=False):
    act = QAction(text, window)
    act.setObjectName(name)
    act.setShortcuts([QKeySequence(s) for s in shortcuts])
    keys = " or ".join(QKeySequence(s).toString(QKeySequence.NativeText) for s in shortcuts)
    act.setToolTip(f"{tip} ({keys})" if keys else tip)
    act.setStatusTip(tip)
    act.setCheckable(checkable)
    if slot is not None:
        (act.toggled if checkable else act.triggered).connect(slot)
    window.addAction(act)  # shortcuts work wherever focus is in the window
    return act


def _history_action(w, name: str, verb: str, shortcuts) -> QAction:
    """Undo or Redo. Its text names the edit ("Undo weight …: 0.7 → 2.5") in the Edit menu and, with no
    tooltip of its own, in the toolbar button's tooltip; the button shows only the one word (iconText), so
    the toolbar never shifts."""
    stack = w.undo_stack
    act = stack.createUndoAction(w, verb) if verb == "Undo" else stack.createRedoAction(w, verb)
    act.setObjectName(name)
    act.setShortcuts(shortcuts)
    act.setIconText(verb)
    return act


def build_actions(w) -> None:
    """Creates w.action* attributes, the menus and the toolbar of MainWindow ``w``."""
    w.actionPlayPause = _action(w, "actionPlayPause", "Play", ["Space"], "Train in the background / pause",
                                w.set_playing, checkable=True)
    w.actionStep = _action(w, "actionStep", "Step", ["Right", "S"], "Train exactly one mini-batch", w.step)
    w.actionStepEpoch = _action(w, "actionStepEpoch", "Step epoch", ["Shift+Right"],
                                "Train to the end of the current epoch", w.step_epoch)
    w.actionReset = _action(w, "actionReset", "Reset", ["R"], "Re-initialise the network with the same seed",
                            lambda: w.reset(new_seed=False))
    w.actionResetNewSeed = _action(w, "actionResetNewSeed", "Reset with new seed", ["Shift+R"],
                                   "Re-initialise the network with a new random seed", lambda: w.reset(new_seed=True))
    w.training_keys = TrainingKeys(w, [w.actionPlayPause, w.actionStep, w.actionStepEpoch, w.actionReset,
                                       w.actionResetNewSeed])
    w.actionUndo = _history_action(w, "actionUndo", "Undo", [QKeySequence.Undo])
    w.actionRedo = _history_action(w, "actionRedo", "Redo", [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    w.addAction(w.actionUndo)
    w.addAction(w.actionRedo)
    w.actionPauseWhileEditing = _action(w, "actionPauseWhileEditing", "Pause while editing", [],
                                        "Pause training while the value editor is open", checkable=True)
    w.actionPauseWhileEditing.setChecked(True)
    w.actionFit = _action(w, "actionFit", "Zoom to fit", ["F"], "Zoom the canvas so the whole network fits",
                          w.network_view.fit)
    w.actionQuit = _action(w, "actionQuit", "Quit", [QKeySequence.Quit], "Close nnstudio", w.close)
    w.actionHelp = _action(w, "actionHelp", "Mouse and keyboard…", ["F1"], "How to drive nnstudio",
                           lambda: QMessageBox.information(w, "nnstudio: mouse and keyboard", CONTROLS_HELP))

    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(w.actionQuit)
    w.file_menu = file_menu
    edit = bar.addMenu("&Edit")
    edit.addActions([w.actionUndo, w.actionRedo])
    edit.addSeparator()
    edit.addAction(w.actionPauseWhileEditing)
    training = bar.addMenu("&Training")
    training.addActions([w.actionPlayPause, w.actionStep, w.actionStepEpoch])
    training.addSeparator()
    training.addActions([w.actionReset, w.actionResetNewSeed])
    view = bar.addMenu("&View")
    view.addAction(w.actionFit)
    w.view_menu = view
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(w.actionHelp)

    tools = QToolBar("Training", w)
    tools.setObjectName("trainingToolbar")
    tools.setMovable(False)
    tools.setToolButtonStyle(Qt.ToolButtonTextOnly)
    tools.addActions([w.actionPlayPause, w.actionStep, w.actionStepEpoch, w.actionReset])
    tools.addSeparator()
    tools.addWidget(QLabel(" Speed "))
    w.speed_slider = QSlider(Qt.Horizontal)
    w.speed_slider.setObjectName("speedSlider")
    w.speed_slider.setRange(0, len(SPEEDS) - 1)
    w.speed_slider.setValue(SPEEDS.index(DEFAULT_SPEED))
    w.speed_slider.setFixedWidth(140)
    w.speed_slider.setToolTip("Training steps per second while playing: from 1 (watch every update) to full "
                              "speed at the right end")
    w.speed_label = QLabel()
    w.speed_label.setMinimumWidth(90)
    w.speed_slider.valueChanged.connect(w.set_speed_index)
    tools.addWidget(w.speed_slider)
    tools.addWidget(w.speed_label)
    tools.addSeparator()
    tools.addActions([w.actionUndo, w.actionRedo, w.actionFit])
    spacer = QWidget()
    spacer.setSizePolicy(spacer.sizePolicy().horizontalPolicy().Expanding, spacer.sizePolicy().verticalPolicy())
    tools.addWidget(spacer)
    w.counter_label = QLabel()
    w.counter_label.setObjectName("counterLabel")
    w.counter_label.setToolTip("Epochs (passes over the training data) and mini-batch steps done")
    tools.addWidget(w.counter_label)
    w.addToolBar(tools)
    w.toolbar = tools
