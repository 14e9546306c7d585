"""The timeline: look at an earlier step, go back to live, branch from the past (slider, plot click, edit)."""

import time

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QSlider, QToolBar

from nnstudio.engine import ParamRef
from nnstudio.gui.loss_plot import LossPlot


def train_to(qtbot, window, n):
    window.trainer.step(n - window.step_count())
    qtbot.waitUntil(lambda: window.step_count() == n and window.snapshot().viewing is None, timeout=10_000)


def same(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def click_step(qtbot, plot: LossPlot, step: int):
    """A real mouse click on the loss plot where step ``step`` is drawn."""
    plot.flush()
    vb = plot.plot.getPlotItem().vb
    qtbot.waitUntil(lambda: vb.viewRange()[0][0] < step < vb.viewRange()[0][1])  # auto-range lands at a paint
    (y0, y1) = vb.viewRange()[1]
    scene = vb.mapViewToScene(QPointF(step, (y0 + y1) / 2))
    qtbot.mouseClick(plot.plot.viewport(), Qt.LeftButton, pos=plot.plot.mapFromScene(scene))


def wait_viewing(qtbot, window, step, started):
    qtbot.waitUntil(lambda: window.snapshot().viewing == step, timeout=5000)
    print(f"\nseek → snapshot shown: {(time.perf_counter() - started) * 1000:.1f} ms "
          f"(controller measured {window.timeline.last_seek_ms} ms)")


def test_slider_seeks_live_returns_and_resume_branches(qtbot, window):
    train_to(qtbot, window, 50)
    at50 = window.parameters()
    train_to(qtbot, window, 200)
    at200 = window.parameters()
    assert not same(at50, at200)
    bar = window.findChild(QToolBar, "timelineToolbar")
    slider = window.findChild(QSlider, "timelineSlider")
    assert bar is not None and slider is not None and bar.isVisible()
    assert slider.maximum() == 200 and slider.value() == 200
    assert window.timeline.label.text() == "live" and not window.actionResumeHere.isEnabled()

    started = time.perf_counter()
    slider.setValue(50)  # as a drag or key presses would; the seek follows the ~30 ms debounce
    wait_viewing(qtbot, window, 50, started)
    assert same(window.parameters(), at50)  # bit for bit the parameters recorded at step 50
    assert window.step_count() == 200  # the live state is untouched
    assert window.counter_label.text().strip() == "Viewing step 50 (live: 200)"
    assert window.timeline.label.text() == "step 50 of 200"
    assert "Resume from here" in window.statusBar().currentMessage()
    assert window.actionResumeHere.isEnabled() and window.loss_plot.viewing() == 50
    assert slider.value() == 50

    qtbot.mouseClick(window.timeline.live_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.snapshot().viewing is None, timeout=5000)
    assert same(window.parameters(), at200) and window.step_count() == 200
    assert slider.value() == 200 and window.timeline.label.text() == "live"
    assert window.loss_plot.viewing() is None and not window.actionResumeHere.isEnabled()
    assert "Viewing" not in window.counter_label.text()

    # Keys on the slider: Home goes to step 0, End back to live.
    slider.setFocus()
    started = time.perf_counter()
    qtbot.keyClick(slider, Qt.Key_Home)
    wait_viewing(qtbot, window, 0, started)
    qtbot.keyClick(slider, Qt.Key_End)
    qtbot.waitUntil(lambda: window.snapshot().viewing is None, timeout=5000)
    assert same(window.parameters(), at200)

    # A click on the loss plot seeks to the step under the mouse; Ctrl+Return branches from there.
    started = time.perf_counter()
    click_step(qtbot, window.loss_plot, 50)
    wait_viewing(qtbot, window, 50, started)
    assert same(window.parameters(), at50) and slider.value() == 50
    qtbot.keyClick(window, Qt.Key_Return, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.snapshot().branch == 1 and window.step_count() == 50, timeout=5000)
    assert window.snapshot().viewing is None and same(window.parameters(), at50)
    assert slider.maximum() == 50 and slider.value() == 50
    plot = window.loss_plot
    plot.flush()
    (old_steps, old_losses), = plot.branch_curves()
    np.testing.assert_array_equal(old_steps, np.arange(1, 201))
    steps, losses = plot.train_curve()
    np.testing.assert_array_equal(steps, np.arange(1, 51))
    np.testing.assert_array_equal(losses, old_losses[:50])  # the branch shares its past
    assert len(plot._branches[0][2].getData()[0]) == 200 and plot._branches[0][2].zValue() < 0
    assert "earlier branch" in plot._loss_legend.text()

    train_to(qtbot, window, 60)
    assert len(plot.train_curve()[0]) == 60 and slider.maximum() == 60 and slider.value() == 60
    window.actionClearBranches.trigger()
    assert plot.branch_curves() == [] and "earlier branch" not in plot._loss_legend.text()


def test_an_edit_while_viewing_branches_from_there(qtbot, window):
    train_to(qtbot, window, 100)
    click_step(qtbot, window.loss_plot, 30)
    qtbot.waitUntil(lambda: window.snapshot().viewing == 30, timeout=5000)
    at30 = window.parameters()
    qtbot.mouseClick(window.network_view.mouse_target(), Qt.LeftButton, pos=window.network_view.edge_point(1, 2, 0))
    qtbot.waitUntil(lambda: window.editor.is_open() and QApplication.focusWidget() is window.editor)
    window.editor.selectAll()
    qtbot.keyClicks(window.editor, "0.625")
    qtbot.keyClick(window.editor, Qt.Key_Return)
    index = window.parameter_index(ParamRef.weight(1, 2, 0))
    qtbot.waitUntil(lambda: window.snapshot().branch == 1 and window.snapshot().params[index] == 0.625, timeout=5000)
    assert window.step_count() == 30 and window.snapshot().viewing is None
    expected = [a.copy() for a in at30]
    expected[2][2, 0] = 0.625
    assert same(window.parameters(), expected)
    plot = window.loss_plot
    assert [len(s) for s, _ in plot.branch_curves()] == [100] and len(plot.train_curve()[0]) == 30
    assert plot.markers()[-1][0] == 30  # the edit's marker, added by the window
    train_to(qtbot, window, 40)
    assert len(plot.train_curve()[0]) == 40


def test_loss_plot_branch_api(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.append_losses(0, np.arange(1.0, 101.0))
    with qtbot.waitSignal(plot.stepClicked) as blocker:
        plot.resize(600, 320)
        plot.show()
        qtbot.waitExposed(plot)
        click_step(qtbot, plot, 40)
    assert blocker.args == [40]
    plot.set_viewing(40)
    assert plot.viewing() == 40
    plot.start_branch(40)
    plot.append_losses(40, [0.5, 0.25])
    steps, losses = plot.train_curve()
    np.testing.assert_array_equal(steps, np.arange(1, 43))
    np.testing.assert_array_equal(losses[-3:], [40.0, 0.5, 0.25])
    plot.start_branch(20)
    assert [len(s) for s, _ in plot.branch_curves()] == [100, 42]
    plot.set_log_scale(True)  # the dimmed curves follow the scale
    plot.clear_branches()
    assert plot.branch_curves() == []
    plot.clear()
    assert plot.viewing() is None and len(plot.train_curve()[0]) == 0
