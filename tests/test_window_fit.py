"""The window fits its screen, and at laptop sizes everything a lesson needs is on it.

It used to open at 1600×1000 whatever the screen: on a 1600×1000 screen the status bar was off the bottom,
at 1280×720 the output panel, loss plot, counters and training controls were off-screen, and maximised
there the circle data was drawn as a flat ellipse. Each screen size runs in a child process whose Qt
offscreen plugin has one screen of that size; the child reports raw geometry, and the oracle here is the
screen's available area and the plot's own pixel scale (plus ``layout_problems()``, the invariant the
random-action state machine checks, which must agree).
"""

import json
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QMargins, QRect, QSize

from nnstudio.gui.app import offscreen_platform
from nnstudio.gui.window_fit import MIN_CANVAS, MIN_OUTPUT_PLANE, PREFERRED_SIZE, fitted_geometry

PROBE = r"""
import json, sys, time
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication
app = QApplication([])
from nnstudio.gui import MainWindow


def settle(seconds=0.4):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def box(widget):
    top_left = widget.mapToGlobal(QPoint(0, 0))
    return [widget.isVisible(), top_left.x(), top_left.y(), widget.width(), widget.height()]


def report(w):
    scroll = w.controls.parentWidget().parentWidget()  # the problem panel's scroll area
    bar = scroll.verticalScrollBar()
    parts = {"status bar": w.statusBar(), "canvas": w.network_view, "output plot": w.output_view.plot,
             "loss plot": w.loss_plot, "counters": w.counter_label, "problem panel": scroll}
    for act in (w.actionPlayPause, w.actionStep, w.actionReset):
        parts[act.iconText()] = w.toolbar.widgetForAction(act)
    frame, available = w.frameGeometry(), w.screen().availableGeometry()
    return {
        "available": [available.x(), available.y(), available.width(), available.height()],
        "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
        "parts": {name: box(widget) for name, widget in parts.items()},
        "units_per_pixel": list(w.output_view.plot.getPlotItem().getViewBox().viewPixelSize()),
        "panel_scrolls": [w.controls.height() > scroll.viewport().height(), bar.isVisible()],
        "problems": w.layout_problems(),
    }


def lesson(w):
    # A few of a lesson's changes: another dataset, one more layer, some steps, a sample, a reset.
    c = w.controls
    c.dataset.setCurrentIndex(c.dataset.findData("spiral"))
    c.add_layer.click()
    settle(0.2)
    w.actionStep.trigger()
    w.trainer.step(30)
    settle(0.3)
    w.inside.select_sample("train", 3)
    w.actionReset.trigger()
    settle()


out = {}
for mode in sys.argv[1:]:
    w = MainWindow(trainer="sync")
    if mode == "maximised":
        w.showMaximized()
    else:
        w.show()
    settle()
    if mode == "lesson":
        lesson(w)
    if mode == "too big":
        w.resize(1600, 1000)
        settle()
    out[mode] = report(w)
    w.files.mark_clean()
    w.close()
print(json.dumps(out))
"""


def probe(width, height, *modes):
    env = dict(os.environ, QT_QPA_PLATFORM=offscreen_platform(width, height))
    run = subprocess.run([sys.executable, "-c", PROBE, *modes], capture_output=True, text=True, env=env,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def rect(values):
    return QRect(*values)


def check_fits(r, mode):
    available = rect(r["available"])
    assert available.contains(rect(r["frame"])), (mode, r["frame"], r["available"])
    for name, (visible, x, y, w, h) in r["parts"].items():
        assert visible, f"{mode}: the {name} is hidden"
        assert available.contains(QRect(x, y, w, h)), f"{mode}: the {name} {[x, y, w, h]} is off the screen"
    canvas = r["parts"]["canvas"]
    assert canvas[3] >= MIN_CANVAS.width() and canvas[4] >= MIN_CANVAS.height(), (mode, canvas)
    plot = r["parts"]["output plot"]
    assert min(plot[3], plot[4]) >= MIN_OUTPUT_PLANE, (mode, plot)
    x_units, y_units = r["units_per_pixel"]
    assert abs(x_units / y_units - 1) < 0.01, f"{mode}: the output plane is not square ({x_units} vs {y_units})"
    needs_scrolling, scrolls = r["panel_scrolls"]
    assert scrolls == needs_scrolling, f"{mode}: the problem panel cannot be scrolled to its end"
    assert r["problems"] == [], mode


@pytest.mark.parametrize("width, height", [(1280, 720), (1366, 768), (1600, 1000)])
def test_everything_a_lesson_needs_is_on_the_screen(width, height):
    reports = probe(width, height, "opened", "maximised", "lesson")
    for mode, r in reports.items():
        check_fits(r, mode)
    frame = rect(reports["opened"]["frame"])
    # The whole available area at these sizes: none is bigger than the preferred 1600×1000.
    assert frame.size() == QSize(width, height)


def test_layout_problems_names_what_is_off_the_screen():
    r = probe(1280, 720, "too big")["too big"]
    text = " ".join(r["problems"])
    assert "frame" in text and "status bar" in text and "output panel" in text, r["problems"]


def test_a_big_screen_gets_the_preferred_size_centred():
    available = QRect(0, 0, 2560, 1440)
    frame = QMargins(1, 30, 1, 1)
    client = fitted_geometry(available, frame, PREFERRED_SIZE)
    assert client.size() == PREFERRED_SIZE
    assert available.contains(client.marginsAdded(frame))
    assert abs((client.left() - available.left()) - (available.right() - client.right())) <= 2


@pytest.mark.parametrize("screen", [QRect(0, 0, 1600, 1000), QRect(0, 0, 1280, 720), QRect(1920, 27, 1366, 741)])
def test_the_frame_fits_inside_the_available_area(screen):
    frame = QMargins(2, 28, 2, 2)  # a title bar: the status bar must still be on the screen
    client = fitted_geometry(screen, frame, PREFERRED_SIZE, QSize(860, 512))
    assert screen.contains(client.marginsAdded(frame))
    assert client.width() == min(PREFERRED_SIZE.width(), screen.width() - 4)
    assert client.height() == min(PREFERRED_SIZE.height(), screen.height() - 30)


def test_a_screenshot_keeps_the_size_asked_for(tmp_path):
    from PySide6.QtGui import QImage

    png = tmp_path / "small.png"
    run = subprocess.run([sys.executable, "-m", "nnstudio", "--screenshot", str(png), "--size", "1280x720"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1280, 720)
