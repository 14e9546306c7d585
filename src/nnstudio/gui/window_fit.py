"""The main window fits its screen: size and place it there, and say what a lesson would miss when it does not.

The window used to open at 1600×1000 whatever the screen: the status bar went off the bottom of a
1600×1000 screen, and at 1280×720 the output panel, loss plot, counters and training controls were
off-screen. ``fitted_geometry`` is the pure rule; ``layout_problems`` is the invariant tests and the
random-action state machine check after every action.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget

PREFERRED_SIZE = QSize(1600, 1000)  # roomy on a desktop; a smaller screen gets all of its available area
FRAME_WAIT_MS = (0, 100, 300, 1000)  # a window manager adds the title bar some time after the window shows
BOTTOM_DOCK_SHARE = 0.22  # the Neuron maths / Loss slice / … docks: their share of the window's height
BOTTOM_DOCK_HEIGHT = (140, 220)  # and the least and most of it, in pixels

# The least that still reads as a picture at 1280×720 (canvas, output plane, loss plot), in pixels.
MIN_CANVAS = QSize(300, 200)
MIN_OUTPUT_PLANE = 120
MIN_LOSS_PLOT = QSize(200, 80)


def fitted_geometry(available: QRect, frame: QMargins, preferred: QSize = PREFERRED_SIZE,
                    minimum: QSize | None = None) -> QRect:
    """The window's client rectangle: ``preferred`` or less, never under ``minimum``, with its frame
    (``frame``: title bar and borders around the client area) inside ``available``, centred there."""
    minimum = minimum or QSize(0, 0)
    room = available.marginsRemoved(frame)
    width = max(minimum.width(), min(preferred.width(), room.width()))
    height = max(minimum.height(), min(preferred.height(), room.height()))
    left = room.left() + max(0, (room.width() - width) // 2)
    top = room.top() + max(0, (room.height() - height) // 2)
    return QRect(left, top, width, height)


def frame_margins(window) -> QMargins:
    """Title bar and borders around the client area, as the window system reports them (0 before show)."""
    frame, inner = window.frameGeometry(), window.geometry()
    return QMargins(inner.left() - frame.left(), inner.top() - frame.top(),
                    frame.right() - inner.right(), frame.bottom() - inner.bottom())


def bottom_dock_height(window_height: int) -> int:
    low, high = BOTTOM_DOCK_HEIGHT
    return max(low, min(high, round(BOTTOM_DOCK_SHARE * window_height)))


def fit_to_screen(window) -> QSize:
    """Give ``window`` its fitted geometry on its screen (frame included) and the bottom docks a height
    that suits it; returns the size given. A maximised or full-screen window is the window system's."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None or window.isMaximized() or window.isFullScreen():
        return window.size()
    rect = fitted_geometry(screen.availableGeometry(), frame_margins(window), PREFERRED_SIZE,
                           window.minimumSizeHint())
    window.setGeometry(rect)
    docks = [d for d in window.findChildren(QDockWidget)
             if window.dockWidgetArea(d) == Qt.BottomDockWidgetArea and not d.isFloating()]
    if docks:
        window.resizeDocks(docks[:1], [bottom_dock_height(rect.height())], Qt.Vertical)
    return rect.size()


def _global_rect(widget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def layout_problems(window) -> list[str]:
    """What a lesson would miss: each entry names a part that is off the screen, hidden or too small.

    Checks that the window's frame lies inside its screen's available geometry, that the status bar,
    the canvas, the output panel, the loss plot, the step counters and the Play, Step and Reset buttons
    are shown and on the screen, and that the 2-D output plane has one scale on both axes. An empty list
    means the window is fit for a lesson.
    """
    screen = window.screen()
    if screen is None:
        return ["the window is on no screen"]
    available = screen.availableGeometry()
    problems = []
    if not window.isVisible():
        return ["the window is not shown"]
    if not available.contains(window.frameGeometry()):
        problems.append(f"the window's frame {_rect_text(window.frameGeometry())} leaves the screen's available "
                        f"area {_rect_text(available)}")
    toolbar = window.toolbar
    parts = [("status bar", window.statusBar(), QSize(1, 1)), ("canvas", window.network_view, MIN_CANVAS),
             ("output panel", window.output_view, QSize(MIN_OUTPUT_PLANE, MIN_OUTPUT_PLANE)),
             ("loss plot", window.loss_plot, MIN_LOSS_PLOT), ("step counters", window.counter_label, QSize(1, 1))]
    parts += [(f"{act.iconText()} button", toolbar.widgetForAction(act), QSize(1, 1))
              for act in (window.actionPlayPause, window.actionStep, window.actionReset)]
    for name, widget, least in parts:
        if widget is None or not widget.isVisible():
            problems.append(f"the {name} is hidden")
        elif not available.contains(_global_rect(widget)):
            problems.append(f"the {name} {_rect_text(_global_rect(widget))} is not all on the screen")
        elif widget.width() < least.width() or widget.height() < least.height():
            problems.append(f"the {name} is only {widget.width()}×{widget.height()} pixels")
    ratio = plane_aspect(window)
    if ratio is not None and abs(ratio - 1.0) > 0.01:
        problems.append(f"the output plane is not square: one unit of x1 is {ratio:.2f} units of x2 on screen")
    return problems


def plane_aspect(window) -> float | None:
    """On-screen length of one unit of x1 over that of one unit of x2 in the 2-D output plane (1 when it is
    square, as the data is); None when the output panel shows no plane (1-D data, images, no data)."""
    plot = window.output_view.plot
    snap = window.snapshot()
    if snap is None or snap.spec.input_dim != 2 or not plot.isVisible():
        return None
    x_units, y_units = plot.getPlotItem().getViewBox().viewPixelSize()  # data units per pixel
    return y_units / x_units if x_units > 0 else None


def _rect_text(r: QRect) -> str:
    return f"{r.width()}×{r.height()} at ({r.x()}, {r.y()})"
