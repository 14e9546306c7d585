"""Clicking data points in the output panel as a user does, at the pixel where the data says they are drawn,
and pressing the window's keys."""

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt


def drawn_points(window, which):
    """Where the output panel draws each point of ``which`` (x, y in plot coordinates), from the data alone."""
    d = window.snapshot().data
    X, y = (d.X_train, d.y_train) if which == "train" else (d.X_test, d.y_test)
    return X if X.shape[1] == 2 else np.column_stack((X[:, 0], y))


def to_viewport(window, xy) -> QPoint:
    plot = window.output_view.plot
    return plot.mapFromScene(plot.getPlotItem().vb.mapViewToScene(QPointF(float(xy[0]), float(xy[1]))))


def lonely_point(window, which) -> int:
    """The point of ``which`` farthest, in screen pixels, from every other point of either set: a click on it
    is unambiguous."""
    pix = {s: np.array([[p.x(), p.y()] for p in (to_viewport(window, xy) for xy in drawn_points(window, s))])
           for s in ("train", "test")}
    allpix = np.vstack((pix["train"], pix["test"]))
    offset = 0 if which == "train" else len(pix["train"])
    gaps = [np.delete(np.hypot(*(allpix - p).T), offset + i).min() for i, p in enumerate(pix[which])]
    return int(np.argmax(gaps))


def click_point(qtbot, window, which, k):
    pos = to_viewport(window, drawn_points(window, which)[k])
    qtbot.mouseClick(window.output_view.plot.viewport(), Qt.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: window.inside.selected_sample() == (which, k), timeout=3000)


def press(qtbot, window, key, modifier=Qt.NoModifier):
    """A key press on the canvas of the active window (shortcuts only reach the active window, and offscreen a
    freshly shown window is not always active yet)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window.network_view, key, modifier)
