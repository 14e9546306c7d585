"""LossPlot: keeps every loss, draws a bounded number of points, copes with NaN and log scale."""

import math

import numpy as np
import pytest

from nnstudio.engine import Adam, Evaluation, Network, TrainingLoop, make_dataset, split
from nnstudio.gui.loss_plot import MAX_DRAWN, MAX_MARKERS, REDRAW_MS, LossPlot


@pytest.fixture
def plot(qtbot):
    p = LossPlot()
    qtbot.addWidget(p)
    p.resize(600, 320)
    p.show()
    qtbot.waitExposed(p)
    return p


def drawn(item):
    x, y = item.getData()
    return (np.array([]), np.array([])) if x is None else (x, y)


def test_million_steps_kept_but_drawn_decimated(plot):
    total, chunk = 1_000_000, 2_000
    values = np.arange(1, total + 1, dtype=np.float64)  # loss of step s is s: a bucket's mean is its centre
    for first in range(0, total, chunk):
        plot.append_losses(first, values[first : first + chunk])
    plot.flush()
    steps, losses = plot.train_curve()
    np.testing.assert_array_equal(steps, np.arange(1, total + 1))
    np.testing.assert_array_equal(losses, values)
    x, y = drawn(plot.train_item)
    assert 500 < len(x) <= MAX_DRAWN
    np.testing.assert_allclose(y, x)  # each drawn point is the mean of the steps around it
    assert x[0] < 1_000 and x[-1] > total - 1_000


def test_appends_are_coalesced_and_drawn_incrementally(qtbot, plot):
    rng = np.random.default_rng(0)
    values = rng.random(10_000)
    for k in range(100):  # far faster than the redraw rate: only the timer draws
        plot.append_losses(100 * k, values[100 * k : 100 * (k + 1)])
    assert len(drawn(plot.train_item)[0]) == 0
    qtbot.waitUntil(lambda: len(drawn(plot.train_item)[0]) > 0, timeout=10 * REDRAW_MS)
    x, y = drawn(plot.train_item)
    # Whatever the bucket size, the drawn means average to the true mean.
    counts = np.diff(np.concatenate(([0.5], (x[:-1] + x[1:]) / 2, [10_000.5])))
    assert math.isclose(np.sum(y * counts) / counts.sum(), values.mean(), rel_tol=1e-9)
    # More appends later extend the same buckets instead of re-reading everything.
    plot.append_losses(10_000, rng.random(5_000))
    plot.flush()
    assert len(plot.train_curve()[1]) == 15_000 and len(drawn(plot.train_item)[0]) <= MAX_DRAWN


def test_non_finite_losses_and_log_scale(plot):
    plot.append_losses(0, [1.0, np.nan, np.inf, 0.5, 0.0, -1.0, 0.25])
    plot.flush()
    steps, losses = plot.train_curve()
    np.testing.assert_array_equal(steps, np.arange(1, 8))
    assert np.isnan(losses[1]) and np.isinf(losses[2])  # stored as given
    x, y = drawn(plot.train_item)
    np.testing.assert_array_equal(x, [1, 4, 5, 6, 7])
    assert np.isfinite(y).all()
    assert not plot.log_scale
    plot._log_box.setChecked(True)  # the checkbox drives the property
    assert plot.log_scale and plot.plot.getPlotItem().getAxis("left").logMode
    assert not plot.plot.getPlotItem().getAxis("right").logMode  # accuracy stays 0-1 linear
    x, y = drawn(plot.train_item)  # PlotDataItem returns log10 of what it was given
    np.testing.assert_array_equal(x, [1, 4, 7])
    np.testing.assert_allclose(y, np.log10([1.0, 0.5, 0.25]))
    plot.log_scale = False
    assert not plot._log_box.isChecked() and len(drawn(plot.train_item)[0]) == 5


def test_test_curve_and_accuracy_from_real_training(plot):
    X, y = make_dataset("gauss", 200, 0.1, seed=0)
    Xtr, ytr, Xte, yte = split(X, y, 0.5, seed=1)
    loop = TrainingLoop(Network([2, 3, 1], "tanh", "sigmoid", seed=0), Xtr, ytr, Xte, yte,
                        optimizer=Adam(0.02), seed=0, eval_every=20)
    plot.set_classification(True)
    seen = 0
    for _ in range(30):
        first = loop.step_count
        plot.append_losses(first, loop.run(20))
        plot.add_evaluations(loop.evaluations[seen:])
        seen = len(loop.evaluations)
    plot.add_marker(200, "step 200: w0[0, 1] 0.31 → 0.5")
    plot.flush()
    steps, test_losses = plot.test_curve()
    np.testing.assert_array_equal(steps, [e.step for e in loop.evaluations])
    np.testing.assert_allclose(test_losses, [e.test_loss for e in loop.evaluations])
    np.testing.assert_allclose(drawn(plot.test_item)[1], test_losses)
    np.testing.assert_allclose(drawn(plot.test_acc_item)[1], [e.test_accuracy for e in loop.evaluations])
    assert drawn(plot.train_acc_item)[1][-1] > 0.8
    np.testing.assert_allclose(plot.train_curve()[1], loop.losses.array())
    item = plot.plot.getPlotItem()
    assert item.getAxis("bottom").labelText == "step" and item.getAxis("right").isVisible()
    assert plot.grab().save("/tmp/loss_plot.png")


def test_accuracy_axis_only_for_classification(plot):
    right = plot.plot.getPlotItem().getAxis("right")
    assert not right.isVisible() and not plot._acc_view.isVisible()
    plot.set_classification(True)
    assert right.isVisible() and plot._acc_view.isVisible() and plot._acc_legend.isVisibleTo(plot)
    plot.set_classification(False)
    assert not right.isVisible() and not plot._acc_legend.isVisibleTo(plot)
    # Regression evaluations carry no accuracy: nothing drawn, nothing broken.
    plot.add_evaluations([Evaluation(10, 1, 0.5, 0.6, None, None), Evaluation(20, 2, 0.4, None, None, None)])
    plot.flush()
    np.testing.assert_array_equal(plot.test_curve()[0], [10])
    assert len(drawn(plot.train_acc_item)[0]) == 0


def test_markers_have_tooltips_and_are_bounded(plot):
    plot.append_losses(0, np.linspace(1, 0.1, 1000))
    plot.add_marker(100, "first edit")
    plot.add_marker(100, "second edit, same step")
    plot.add_marker(500, "third")
    assert plot.markers() == [(100, "first edit\nsecond edit, same step"), (500, "third")]
    assert plot.marker_count() == 2
    plot.flush()
    line = plot._markers[-1]
    # The hover target (where the tooltip shows) is a few pixels wide around the line.
    scene_x = plot.plot.getPlotItem().getViewBox().mapViewToScene(line.pos()).x()
    rect = line.mapRectToScene(line.boundingRect())
    assert rect.left() <= scene_x - 2 and rect.right() >= scene_x + 2
    for s in range(MAX_MARKERS + 50):
        plot.add_marker(1000 + s, f"edit {s}")
    last = MAX_MARKERS + 49
    assert len(plot.markers()) == MAX_MARKERS and plot.markers()[-1] == (1000 + last, f"edit {last}")
    lines = [it for it in plot.plot.getPlotItem().items if it in plot._markers]
    assert len(lines) == MAX_MARKERS  # the oldest were removed from the scene, not just forgotten
    plot.clear()
    assert plot.markers() == [] and len(plot.train_curve()[0]) == 0 and len(drawn(plot.train_item)[0]) == 0


def test_rewind_and_gap(plot):
    plot.append_losses(10, [1.0, 2.0, 3.0])  # a plot opened mid-run starts at that step
    np.testing.assert_array_equal(plot.train_curve()[0], [11, 12, 13])
    plot.append_losses(15, [6.0])  # steps 14 and 15 were never reported: a gap, not a jump
    steps, losses = plot.train_curve()
    np.testing.assert_array_equal(steps, [11, 12, 13, 14, 15, 16])
    assert np.isnan(losses[3:5]).all()
    plot.append_losses(11, [7.0, 8.0])  # history rewound to step 11
    np.testing.assert_array_equal(plot.train_curve()[1], [1.0, 7.0, 8.0])
    plot.flush()
    np.testing.assert_array_equal(drawn(plot.train_item)[1], [1.0, 7.0, 8.0])
