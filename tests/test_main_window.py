"""The app driven as a user drives it: real clicks on the canvas, typed values, key presses."""

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QToolButton

from nnstudio.engine import ParamRef
from nnstudio.gui import MainWindow
from nnstudio.training.problem import ProblemSpec


def click_param(qtbot, window, point):
    qtbot.mouseClick(window.network_view.mouse_target(), Qt.LeftButton, pos=point)
    qtbot.waitUntil(lambda: window.editor.is_open() and QApplication.focusWidget() is window.editor)


def type_value(qtbot, window, text):
    window.editor.selectAll()
    if text:
        qtbot.keyClicks(window.editor, text)
    else:
        qtbot.keyClick(window.editor, Qt.Key_Delete)
    qtbot.keyClick(window.editor, Qt.Key_Return)


def wait_value(qtbot, window, layer, i, j, value):
    qtbot.waitUntil(lambda: window.parameters()[2 * layer][i, j] == value, timeout=5000)
    # And the trainer confirmed it: the edit came back in a snapshot from the trainer process.
    index = window.parameter_index(ParamRef.weight(layer, i, j))
    qtbot.waitUntil(lambda: window.snapshot().params[index] == value, timeout=5000)


def test_clicking_an_edge_and_typing_changes_exactly_that_weight(qtbot, window):
    before = window.parameters()
    click_param(qtbot, window, window.network_view.edge_point(1, 2, 0))
    assert window.editor.current_ref() == ("weight", 1, 2, 0)
    type_value(qtbot, window, "0.75")
    wait_value(qtbot, window, 1, 2, 0, 0.75)
    after = window.parameters()
    for k, (b, a) in enumerate(zip(before, after)):
        diff = np.argwhere(b != a)
        if k == 2:
            assert diff.tolist() == [[2, 0]]
        else:
            assert diff.size == 0, f"array {k} changed"
    assert window.network_view.value(ParamRef.weight(1, 2, 0)) == 0.75


def test_output_bias_is_editable(qtbot, window):
    click_param(qtbot, window, window.network_view.bias_point(2, 0))
    assert window.editor.current_ref() == ("bias", 2, None, 0)
    type_value(qtbot, window, "-1/4")
    qtbot.waitUntil(lambda: window.parameters()[5][0] == -0.25)
    index = window.parameter_index(ParamRef.bias(2, 0))
    qtbot.waitUntil(lambda: window.snapshot().params[index] == -0.25)


@pytest.mark.parametrize("text", ["abc", "nan", "inf", "1e400", "2e6", "1/0", ""])
def test_bad_values_are_refused_and_change_nothing(qtbot, window, text):
    before = window.parameters()
    click_param(qtbot, window, window.network_view.edge_point(0, 1, 3))
    with qtbot.waitSignal(window.editor.rejected):
        type_value(qtbot, window, text)
    assert window.editor.is_open()
    assert window.editor.message_label.isVisible() and window.editor.message_label.text()
    qtbot.keyClick(window.editor, Qt.Key_Escape)
    assert not window.editor.is_open()
    time.sleep(0.05)
    qtbot.wait(50)
    for b, a in zip(before, window.parameters()):
        np.testing.assert_array_equal(a, b)
    assert window.undo_stack.count() == 0


def test_undo_redo_with_keyboard_and_merging(qtbot, window):
    original = window.parameters()[0][0, 1]
    point = window.network_view.edge_point(0, 0, 1)
    click_param(qtbot, window, point)
    type_value(qtbot, window, "0.5")
    click_param(qtbot, window, point)
    type_value(qtbot, window, "*2")  # relative to the current value: 1.0
    wait_value(qtbot, window, 0, 0, 1, 1.0)
    assert window.undo_stack.count() == 1  # consecutive edits of one parameter merge
    assert "weight  layer 0: neuron 0 → neuron 1" in window.undo_stack.text(0)
    window.network_view.setFocus()
    qtbot.keyClick(window, Qt.Key_Z, Qt.ControlModifier)
    wait_value(qtbot, window, 0, 0, 1, original)
    qtbot.keyClick(window, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    wait_value(qtbot, window, 0, 0, 1, 1.0)
    assert window.findChild(type(window.actionUndo), "actionUndo") is window.actionUndo


def test_step_key_advances_exactly_one_mini_batch(qtbot, window):
    window.network_view.setFocus()
    start = window.step_count()
    qtbot.keyClick(window.network_view, Qt.Key_Right)
    qtbot.waitUntil(lambda: window.step_count() == start + 1)
    qtbot.wait(100)
    assert window.step_count() == start + 1
    assert window.loss_plot.train_curve()[0].size == 1
    qtbot.keyClick(window.network_view, Qt.Key_S)
    qtbot.waitUntil(lambda: window.step_count() == start + 2)


def test_play_trains_in_background_while_gui_timer_ticks_and_pause_stops(qtbot, window):
    ticks = []
    from PySide6.QtCore import QTimer

    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    window.speed_slider.setValue(window.speed_slider.maximum())  # full speed: the GUI must keep ticking even then
    window.actionPlayPause.trigger()
    assert window.actionPlayPause.isChecked()
    qtbot.waitUntil(lambda: window.step_count() > 500, timeout=10000)
    started = time.perf_counter()
    qtbot.wait(1000)
    window.actionPlayPause.trigger()
    qtbot.waitUntil(lambda: not window.snapshot().running)
    timer.stop()
    stopped = window.step_count()
    qtbot.wait(200)
    assert window.step_count() == stopped
    during = np.array([t for t in ticks if t >= started])
    gaps = np.diff(during)
    # The GUI kept ticking while training ran: 100 ticks in that second on an idle machine; allow a busy one.
    assert len(during) > 20 and gaps.max() < 0.5
    steps, losses = window.loss_plot.train_curve()
    assert steps.size == stopped  # every step's loss reached the plot


def test_edit_while_playing_lands(qtbot, window):
    window.actionPauseWhileEditing.setChecked(False)
    seen = []
    index = window.parameter_index(ParamRef.weight(0, 1, 2))
    window.snapshotApplied.connect(lambda s: seen.append(s.params[index]))
    window.speed_slider.setValue(window.speed_slider.maximum())  # the edit must land even at full speed
    window.actionPlayPause.trigger()
    qtbot.waitUntil(lambda: window.step_count() > 100)
    click_param(qtbot, window, window.network_view.edge_point(0, 1, 2))
    assert window.snapshot().running  # not paused while editing
    type_value(qtbot, window, "2.5")
    qtbot.waitUntil(lambda: 2.5 in seen, timeout=5000)  # the typed value was shown exactly, at least once
    qtbot.waitUntil(lambda: window.loss_plot.marker_count() >= 1, timeout=5000)
    window.actionPlayPause.trigger()


def test_pause_while_editing_pauses_and_resumes(qtbot, window):
    window.actionPlayPause.trigger()
    qtbot.waitUntil(lambda: window.snapshot().running)
    click_param(qtbot, window, window.network_view.edge_point(0, 0, 0))
    qtbot.waitUntil(lambda: not window.snapshot().running)
    type_value(qtbot, window, "0.3")
    qtbot.waitUntil(lambda: window.snapshot().running)
    window.actionPlayPause.trigger()


def test_changing_learning_rate_keeps_weights_architecture_resets(qtbot, window):
    qtbot.keyClick(window.network_view, Qt.Key_Right)
    qtbot.waitUntil(lambda: window.step_count() == 1)
    before = window.parameters()
    combo = window.controls.learning_rate
    combo.setCurrentIndex(combo.findData(0.1))
    qtbot.waitUntil(lambda: window.snapshot().spec.learning_rate == 0.1)
    for b, a in zip(before, window.parameters()):
        np.testing.assert_array_equal(a, b)
    plus = window.controls.add_layer
    assert isinstance(plus, QToolButton)
    qtbot.mouseClick(plus, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(window.parameters()) == 8)
    assert window.step_count() == 0
    assert "re-initialised" in window.statusBar().currentMessage()


@pytest.mark.parametrize("kind", ["process", "thread"])
def test_closing_leaves_no_thread_or_process(qtbot, kind):
    import multiprocessing

    w = MainWindow(ProblemSpec(), trainer=kind)
    qtbot.addWidget(w)
    w.show()
    w.actionPlayPause.trigger()
    qtbot.waitUntil(lambda: w.step_count() > 10)
    w.close()
    assert not w.trainer.alive
    assert not [t for t in threading.enumerate() if t.name == "nnstudio-trainer" and t.is_alive()]
    assert not [p for p in multiprocessing.active_children() if p.name == "nnstudio-trainer"]


def test_line_fit_moves_at_once_when_w_and_b_are_edited(qtbot):
    """The seeds' single neuron: y = w·x + b on house-price-like data."""
    QSettings("nnstudio", "nnstudio").clear()
    w = MainWindow(ProblemSpec(dataset="line", features=("x1",), hidden=()))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    click_param(qtbot, w, w.network_view.edge_point(0, 0, 0))
    type_value(qtbot, w, "200")
    click_param(qtbot, w, w.network_view.bias_point(0, 0))
    type_value(qtbot, w, "100")
    x, y = w.output_view.curve.getData()
    np.testing.assert_allclose(y, 200 * x + 100)
    np.testing.assert_allclose(w.parameters()[0], [[200.0]])
    w.close()


def test_hover_names_the_parameter_and_its_value(qtbot, window):
    point = window.network_view.bias_point(1, 1)
    qtbot.mouseMove(window.network_view.mouse_target(), point)
    qtbot.waitUntil(lambda: window.network_view.hovered_parameter() == ParamRef.bias(1, 1))
    value = window.parameters()[3][1]
    from nnstudio.engine import format_value

    assert window.network_view.mouse_target().toolTip() == f"bias  layer 1, neuron 1 = {format_value(value)}"
