"""Axes follow their data (issue 8, invariant 5): after a reset, a new dataset or network, a rewind or a branch,
every plot frames what it shows now, never an old range.

Each test drives the real window and checks the plots' view ranges against the data itself: the losses the
trainer reported (collected from the snapshots the window applied), the parameters' norms and largest |w|,
the dataset's min/max, the engine's loss slice.
"""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication, QCheckBox

from nnstudio.engine.inspect import LossSlice
from nnstudio.gui.loss_plot import MAX_DRAWN
from nnstudio.gui.loss_slice import LossSliceView

PAD = 0.15  # a view may exceed its framing rule by this share of its span (padding), never more


# ---- driving the window --------------------------------------------------------------------------------
class ReportedLosses:
    """(step, loss) of every loss the trainer reported since the last new generation, earlier branches included."""

    def __init__(self, window):
        self.generation = window.snapshot().generation
        self.steps: list[int] = []
        self.losses: list[float] = []
        window.snapshotApplied.connect(self._take)

    def _take(self, snap):
        if snap.generation != self.generation:
            self.generation, self.steps, self.losses = snap.generation, [], []
        self.steps += range(snap.first_step + 1, snap.first_step + 1 + len(snap.losses))
        self.losses += [float(v) for v in snap.losses]

    def ranges(self):
        if not self.steps:
            return None
        steps, losses = np.array(self.steps), np.array(self.losses)
        ok = np.isfinite(losses)
        return (steps.min(), steps.max()), (losses[ok].min(), losses[ok].max())


def full_speed(window):
    window.speed_slider.setValue(window.speed_slider.maximum())


def play_until(qtbot, window, steps, timeout=60_000):
    full_speed(window)
    window.network_view.setFocus()
    qtbot.keyClick(window.network_view, Qt.Key_Space)
    qtbot.waitUntil(lambda: window.step_count() >= steps, timeout=timeout)
    qtbot.keyClick(window.network_view, Qt.Key_Space)
    qtbot.waitUntil(lambda: not window.snapshot().running, timeout=5000)


def step_keys(qtbot, window, n):
    start = window.step_count()
    window.network_view.setFocus()
    for _ in range(n):
        qtbot.keyClick(window.network_view, Qt.Key_Right)
    qtbot.waitUntil(lambda: window.step_count() == start + n, timeout=10_000)


def new_generation(qtbot, window, act):
    before = window.snapshot().generation
    act()
    qtbot.waitUntil(lambda: window.snapshot().generation != before, timeout=10_000)
    qtbot.waitUntil(lambda: window.snapshot().step == 0 and not window.snapshot().running, timeout=5000)


def choose_dataset(window, name):
    box = window.controls.dataset
    box.setCurrentIndex(box.findData(name))


def open_dock(window, name):
    """Bring a bottom dock's tab to the front, as a click on its tab does."""
    dock = window.inside.docks[name]
    dock.show()
    dock.raise_()
    return dock


def right_click_slice(qtbot, window, point):
    """Right-click on the canvas at ``point`` and choose "Loss along this parameter" in the menu."""

    def choose():
        menu = QApplication.activePopupWidget()
        if menu is None:
            QTimer.singleShot(30, choose)
            return
        menu.actions()[0].trigger()
        menu.close()

    QTimer.singleShot(50, choose)
    before = window.inside.slice_view.current_slice()
    qtbot.mouseClick(window.network_view.mouse_target(), Qt.RightButton, pos=point)
    qtbot.waitUntil(lambda: window.inside.slice_view.current_slice() not in (None, before))


def type_into_edge(qtbot, window, layer, src, dst, text):
    view = window.network_view
    qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=view.edge_point(layer, src, dst))
    qtbot.waitUntil(lambda: window.editor.is_open() and QApplication.focusWidget() is window.editor)
    window.editor.selectAll()
    qtbot.keyClicks(window.editor, text)
    qtbot.keyClick(window.editor, Qt.Key_Return)


# ---- the checks ------------------------------------------------------------------------------------------
def assert_frames(view, data, *, empty, with_zero=(False, False)):
    """``view`` ((x0, x1), (y0, y1)) covers ``data`` (the same shape, or None) and is at most PAD wider than the
    data's range (stretched to 0 where the plot's rule includes 0); with no data it is the ``empty`` default."""
    if data is None:
        for (a, b), (lo, hi) in zip(view, empty):
            tol = PAD * (hi - lo)
            assert lo - tol <= a <= lo + tol and hi - tol <= b <= hi + tol, f"view {view}, empty default {empty}"
        return
    for (a, b), (lo, hi), zero in zip(view, data, with_zero):
        if zero:
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        scale = max(abs(lo), abs(hi), 1.0)
        span = hi - lo if hi - lo > 1e-9 * scale else scale  # one value: a view about its own size
        assert a <= lo and b >= hi, f"view {view} does not cover the data {data}"
        assert b - a <= (1 + PAD) * span, f"view {view} is far wider than the data {data}"


def assert_loss_plot_frames(window, reported):
    """The loss plot frames the reported losses: steps and loss both from 0. Past MAX_DRAWN steps it draws
    bucket means, which lie between the mean of all losses and the highest one: the top of the frame too."""
    plot = window.loss_plot
    plot.flush()
    data = reported.ranges()
    view = plot.view_range()
    if data is not None and len(reported.losses) > MAX_DRAWN - 2:
        (x0, x1), (lo, hi) = data
        mean = np.mean(np.asarray(reported.losses)[np.isfinite(reported.losses)])
        assert view[1][0] <= min(lo, 0.0) and mean <= view[1][1] <= hi + PAD * hi, f"view {view}, data {data}"
        assert_frames((view[0],), ((x0, x1),), empty=None, with_zero=(True,))
        return
    assert_frames(view, data, empty=((0.0, 1.0), (0.0, 1.0)), with_zero=(True, True))


def weight_matrices(window):
    return window.parameters()[0::2]


def wait_weights_panel(qtbot, window):
    """The panel has the stats of the parameters shown now (its slow update and redraw have run)."""
    panel = window.inside.weights
    norms = [np.linalg.norm(W) for W in weight_matrices(window)]

    def caught_up():
        panel.flush()
        curves = [panel.norm_curve(k) for k in range(len(norms))]
        return all(len(s) and s[-1] == window.step_count() and n[-1] == pytest.approx(norm)
                   for (s, n), norm in zip(curves, norms))

    qtbot.waitUntil(caught_up, timeout=5000)


def assert_weights_panel_frames(window):
    panel = window.inside.weights
    panel.flush()
    Ws = weight_matrices(window)
    norms = np.concatenate([panel.norm_curve(k)[1] for k in range(len(Ws))])
    assert_frames(panel.norm_view_range(), ((0, window.step_count()), (norms.min(), norms.max())),
                  empty=None, with_zero=(True, True))
    m = max(np.abs(W).max() for W in Ws)  # the histograms' shared edges are ±max|w| (weight_stats)
    edges = np.linspace(-m, m, 31)
    share = max((np.histogram(W, edges)[0] / W.size).max() for W in Ws)
    assert_frames(panel.histogram_view_range(), ((-m, m), (0.0, share)), empty=None, with_zero=(False, True))


# ---- the loss plot -------------------------------------------------------------------------------------
def test_loss_plot_frames_the_new_run_after_reset_new_network_and_new_dataset(qtbot, window):
    reported = ReportedLosses(window)
    play_until(qtbot, window, 20_000)
    assert_loss_plot_frames(window, reported)
    # Reset (R): an empty plot shows 0…1, not the 20,000 steps of the run before (it kept them).
    new_generation(qtbot, window, lambda: qtbot.keyClick(window.network_view, Qt.Key_R))
    assert reported.ranges() is None and len(window.loss_plot.train_curve()[1]) == 0
    assert_loss_plot_frames(window, reported)
    step_keys(qtbot, window, 25)
    assert_loss_plot_frames(window, reported)
    # A new architecture (+ adds a hidden layer): a new, empty curve.
    play_until(qtbot, window, 5_000)
    new_generation(qtbot, window, lambda: qtbot.mouseClick(window.controls.add_layer, Qt.LeftButton))
    assert_loss_plot_frames(window, reported)
    # 1-D regression: losses in the hundreds of thousands; the axis follows them, and back on circle it
    # starts again at 0…1 instead of keeping ±300,000.
    new_generation(qtbot, window, lambda: choose_dataset(window, "line"))
    assert_loss_plot_frames(window, reported)
    step_keys(qtbot, window, 25)
    assert reported.ranges()[1][1] > 10  # the line data's squared errors are large
    assert_loss_plot_frames(window, reported)
    new_generation(qtbot, window, lambda: choose_dataset(window, "circle"))
    assert_loss_plot_frames(window, reported)
    # A dataset of the same shape keeps the network and the run: the curve (and its axis) goes on.
    step_keys(qtbot, window, 10)
    choose_dataset(window, "xor")
    qtbot.waitUntil(lambda: window.snapshot().spec.dataset == "xor")
    step_keys(qtbot, window, 10)
    assert reported.ranges()[0] == (1, 20)
    assert_loss_plot_frames(window, reported)


def test_loss_plot_frames_the_live_curve_and_the_earlier_branch_after_a_rewind(qtbot, window):
    reported = ReportedLosses(window)
    play_until(qtbot, window, 3_000)
    live = window.step_count()
    window.timeline.slider.setValue(live // 3)  # as a drag on the timeline does
    qtbot.waitUntil(lambda: window.snapshot().viewing is not None, timeout=5000)
    assert_loss_plot_frames(window, reported)
    window.network_view.setFocus()
    qtbot.keyClick(window.network_view, Qt.Key_Return, Qt.ControlModifier)  # Resume from here
    qtbot.waitUntil(lambda: window.snapshot().viewing is None and window.snapshot().step <= live // 3, timeout=5000)
    assert window.loss_plot.branch_curves()
    assert window.timeline.slider.maximum() == window.step_count()  # the timeline ends at the branch point
    assert_loss_plot_frames(window, reported)  # the dimmed earlier branch is data too: the axis keeps it
    step_keys(qtbot, window, 5)
    assert_loss_plot_frames(window, reported)
    new_generation(qtbot, window, lambda: qtbot.keyClick(window.network_view, Qt.Key_R))
    assert not window.loss_plot.branch_curves()
    assert window.timeline.slider.maximum() == 0
    assert_loss_plot_frames(window, reported)


def test_loss_plot_log_scale_frames_the_positive_losses(qtbot, window):
    reported = ReportedLosses(window)
    step_keys(qtbot, window, 30)
    box = next(b for b in window.loss_plot.findChildren(QCheckBox) if b.text() == "log scale")
    qtbot.mouseClick(box, Qt.LeftButton)
    assert window.loss_plot.log_scale
    (x0, x1), (y0, y1) = window.loss_plot.view_range()
    _, (lo, hi) = reported.ranges()
    assert y0 <= lo and y1 >= hi and y1 / y0 <= (hi / lo) ** 1.2  # in the data's units, not log10 of them
    new_generation(qtbot, window, lambda: qtbot.keyClick(window.network_view, Qt.Key_R))
    (x0, x1), (y0, y1) = window.loss_plot.view_range()
    assert x1 <= 1.2 and 0 < y0 < y1 <= 10


# ---- the step axes' labels -------------------------------------------------------------------------------
def drawn_tick_labels(axis):
    """The (scene rect, text) of every tick label the axis draws now, from its own draw specs."""
    image = QImage(8, 8, QImage.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(axis.mapRectToScene(QRectF(rect)), text) for rect, _, text in texts]


def assert_labels_apart(axis):
    labels = drawn_tick_labels(axis)
    assert len(labels) >= 2, labels
    rects = sorted((r for r, _ in labels), key=lambda r: r.left())
    for a, b in zip(rects, rects[1:]):
        assert a.right() + 4 <= b.left(), f"tick labels overlap: {[t for _, t in labels]}"
    return [t for _, t in labels]


def test_step_axis_labels_stay_apart_in_a_narrow_panel(qtbot, window):
    open_dock(window, "weights")
    play_until(qtbot, window, 150_000, timeout=120_000)
    wait_weights_panel(qtbot, window)
    window.loss_plot.flush()
    # The right-hand column dragged narrow, as at 1280×720 beside a wide canvas.
    splitter = window.centralWidget()
    total = sum(splitter.sizes())
    for width in (220, 300, 420):
        splitter.setSizes([total - width, width])
        QApplication.processEvents()
        texts = assert_labels_apart(window.loss_plot.plot.getPlotItem().getAxis("bottom"))
        assert all(len(t) <= 5 for t in texts), texts  # compact: "150k", not "150000"
        assert_labels_apart(window.inside.weights.norm_plot.getPlotItem().getAxis("bottom"))
    # And the frames after Reset, with the weights dock in front.
    new_generation(qtbot, window, lambda: qtbot.keyClick(window.network_view, Qt.Key_R))
    assert_labels_apart(window.loss_plot.plot.getPlotItem().getAxis("bottom"))


# ---- weights over time ----------------------------------------------------------------------------------
def test_weights_over_time_frames_the_current_run(qtbot, window):
    open_dock(window, "weights")
    play_until(qtbot, window, 20_000)
    wait_weights_panel(qtbot, window)
    assert_weights_panel_frames(window)
    # Reset: one point at step 0 per layer; the step axis is 0…1, not ±80,000 around it.
    new_generation(qtbot, window, lambda: qtbot.keyClick(window.network_view, Qt.Key_R))
    wait_weights_panel(qtbot, window)
    assert_weights_panel_frames(window)
    # With the panel behind another tab, its axes still follow (they are not left for a later paint).
    open_dock(window, "health")
    play_until(qtbot, window, 4_000)
    wait_weights_panel(qtbot, window)
    assert_weights_panel_frames(window)
    new_generation(qtbot, window, lambda: qtbot.mouseClick(window.controls.add_layer, Qt.LeftButton))
    wait_weights_panel(qtbot, window)
    assert_weights_panel_frames(window)
    open_dock(window, "weights")
    wait_weights_panel(qtbot, window)
    assert_weights_panel_frames(window)


# ---- the loss slice ---------------------------------------------------------------------------------------
def assert_slice_frames(view):
    s = view.current_slice()
    x = np.concatenate((s.values, [s.current, s.next_value]))
    y = s.losses[np.isfinite(s.losses)]
    assert_frames(view.view_range(), ((x.min(), x.max()), (y.min(), y.max())), empty=None)


def test_loss_slice_follows_its_parameter_and_clears_with_the_network(qtbot, window):
    step_keys(qtbot, window, 5)
    type_into_edge(qtbot, window, 1, 2, 0, "6")
    qtbot.waitUntil(lambda: window.parameters()[2][2, 0] == 6.0)
    right_click_slice(qtbot, window, window.network_view.edge_point(1, 2, 0))
    view = window.inside.slice_view
    assert view.current_slice().current == 6.0
    assert_slice_frames(view)  # 6 ± 12: the values tried
    # A new network: the slice is gone, and so is its range of −6…18.
    new_generation(qtbot, window, lambda: qtbot.mouseClick(window.controls.add_layer, Qt.LeftButton))
    assert view.current_slice() is None
    assert_frames(view.view_range(), None, empty=((-1.0, 1.0), (0.0, 1.0)))
    right_click_slice(qtbot, window, window.network_view.bias_point(0, 1))
    assert_slice_frames(view)


def label_rects(view):
    return view.now_text.sceneBoundingRect(), view.next_text.sceneBoundingRect()


def marker_rects(view):
    """Scene rects of the current dot and the next-step ring (as drawn: their symbol sizes in pixels)."""
    vb = view.plot.getPlotItem().getViewBox()
    out = []
    for pos, size in ((view.current_marker_pos(), view.current_dot.opts["size"]),
                      (view.next_marker_pos(), view.next_dot.opts["size"])):
        c = vb.mapViewToScene(QPointF(*pos))
        out.append(QRectF(c.x() - size / 2, c.y() - size / 2, size, size))
    return out


def assert_labels_clear(view):
    """"now" and "next step" never overlap each other or either marker, and both lie inside the plot."""
    now, nxt = label_rects(view)
    box = view.plot.getPlotItem().getViewBox().sceneBoundingRect()
    assert view.now_text.isVisible() and view.next_text.isVisible()
    assert not now.intersects(nxt), (now, nxt)
    for label in (now, nxt):
        assert box.contains(label), f"label {label} is cut off by the plot {box}"
        for marker in marker_rects(view):
            assert not label.intersects(marker), f"label {label} covers a marker {marker}"


def test_slice_labels_in_the_window_never_overlap(qtbot, window):
    play_until(qtbot, window, 3_000)  # trained: the steps are tiny moves, now and next almost coincide
    open_dock(window, "slice")
    for point in (window.network_view.edge_point(0, 0, 0), window.network_view.edge_point(2, 1, 0),
                  window.network_view.bias_point(1, 0), window.network_view.bias_point(2, 0)):
        right_click_slice(qtbot, window, point)
        QApplication.processEvents()
        s = window.inside.slice_view.current_slice()
        assert abs(s.next_value - s.current) < 0.05 * np.ptp(s.values)
        assert_labels_clear(window.inside.slice_view)


def quadratic(current, gradient, lr, minimum=0.0, width=2.0, top=False, values=None):
    xs = np.linspace(current - width, current + width, 121) if values is None else np.linspace(*values, 121)
    sign = -1.0 if top else 1.0
    ys = sign * (xs - minimum) ** 2 + (50.0 if top else 0.5)
    loss = sign * (current - minimum) ** 2 + (50.0 if top else 0.5)
    return LossSlice(0, xs, ys, current, loss, gradient, lr, current - lr * gradient)


@pytest.mark.parametrize("s", [
    quadratic(0.3, 0.6, 0.03),  # a small step left
    quadratic(0.3, 1e-9, 0.03),  # a tiny step: both markers on one spot
    quadratic(0.3, -1e-9, 0.03),
    quadratic(0.3, 0.0, 0.0),  # no step at all
    quadratic(-0.99, -30.0, 0.2, width=2.0),  # a long step to the right edge
    quadratic(0.99, 30.0, 0.2, width=2.0),  # … and to the left edge
    quadratic(0.0, 0.0, 0.03, top=True),  # at the top of a hill: the labels cannot go above
    quadratic(-2.0, 1e-9, 0.03, minimum=-2.0, values=(-2.0, 2.0)),  # at the bottom-left corner
], ids=["small", "tiny+", "tiny-", "none", "long-right", "long-left", "hilltop", "corner"])
@pytest.mark.parametrize("size", [(420, 300), (600, 160)])
def test_slice_labels_never_overlap_and_stay_inside(qtbot, s, size):
    view = LossSliceView()
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    view.show_slice(s, "Loss along weight  layer 0: neuron 0 → neuron 0")
    QApplication.processEvents()
    assert_labels_clear(view)
    view.resize(size[0] // 2 + 100, size[1])  # a resized dock keeps them apart too
    QApplication.processEvents()
    assert_labels_clear(view)


# ---- the output panel -------------------------------------------------------------------------------------
def data_box(window):
    d = window.snapshot().data
    if d.X_train.shape[1] == 2:
        X = np.vstack((d.X_train, d.X_test))
        return (X[:, 0].min(), X[:, 0].max()), (X[:, 1].min(), X[:, 1].max())
    x = np.concatenate((d.X_train[:, 0], d.X_test[:, 0]))
    y = np.concatenate((d.y_train, d.y_test)).astype(float)
    return (x.min(), x.max()), (y.min(), y.max())


def assert_output_frames(window):
    view = window.output_view
    assert np.ravel(view.data_range()) == pytest.approx(np.ravel(data_box(window)))
    regression_1d = window.snapshot().data.X_train.shape[1] == 1 and not window.snapshot().spec.classification
    (xa, xb), (ya, yb) = view.view_range()
    (x0, x1), (y0, y1) = data_box(window)
    if regression_1d:  # the fit shows its intercept: x = 0 and y = 0 are in view
        x0, x1, y0, y1 = min(x0, 0), max(x1, 0), min(y0, 0), max(y1, 0)
    assert xa <= x0 and xb >= x1 and ya <= y0 and yb >= y1
    if window.snapshot().data.X_train.shape[1] == 2:  # a square plane (on screen) around the wider axis
        span = max(x1 - x0, y1 - y0)
        assert min(xb - xa, yb - ya) <= 1.3 * span
        box = view.plot.getPlotItem().vb.sceneBoundingRect()
        assert box.width() / (xb - xa) == pytest.approx(box.height() / (yb - ya), rel=0.02)
    else:
        assert xb - xa <= 1.3 * (x1 - x0) and yb - ya <= 1.3 * (y1 - y0)


def test_output_panel_frames_every_dataset_and_drawn_points(qtbot, window):
    assert_output_frames(window)
    for name in ("line", "reg-plane", "xor", "spiral", "circle"):
        before = window.snapshot().data
        choose_dataset(window, name)
        qtbot.waitUntil(lambda b=before, n=name: (s := window.snapshot()).data is not b and s.spec.dataset == n,
                        timeout=10_000)
        assert_output_frames(window)
    # Clear points: the plane stays while it is empty; two drawn points then become the data, drawn on that
    # same plane (it must not shrink to the points' own box, or later points could not go outside it).
    window.data_tools.actionClearAllPoints.trigger()
    assert_output_frames(window)
    (px0, px1), (py0, py1) = window.output_view.view_range()
    vb = window.output_view.plot.getPlotItem().getViewBox()
    viewport = window.output_view.plot.viewport()
    for (x, y), mod in (((2.0, 1.0), Qt.ShiftModifier), ((-3.0, -2.0), Qt.ControlModifier)):
        pos = window.output_view.plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
        qtbot.mouseClick(viewport, Qt.LeftButton, mod, QPoint(pos.x(), pos.y()))
    qtbot.waitUntil(lambda: window.snapshot().spec.dataset == "custom", timeout=5000)
    (xa, xb), (ya, yb) = window.output_view.view_range()
    assert xa <= px0 + 1e-9 and xb >= px1 - 1e-9 and ya <= py0 + 1e-9 and yb >= py1 - 1e-9
    assert min(xb - xa, yb - ya) <= 1.01 * max(px1 - px0, py1 - py0)
    # The tick labels are the data's own numbers, never scaled by an SI prefix ("x1 (x0.001)").
    item = window.output_view.plot.getPlotItem()
    for name in ("left", "bottom"):
        assert not item.getAxis(name).autoSIPrefix
