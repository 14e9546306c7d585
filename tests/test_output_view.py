"""OutputView: the heatmap / fitted curve must show exactly what the engine's network computes."""

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

from nnstudio.engine import SGD, Adam, Network, TrainingLoop, feature_transform, make_dataset, split
from nnstudio.gui import palette
from nnstudio.gui.output_view import GRID_SIZE, OutputView

XY = ["x1", "x2"]


@pytest.fixture
def view(qtbot):
    v = OutputView()
    qtbot.addWidget(v)
    v.resize(420, 450)
    v.show()
    qtbot.waitExposed(v)
    return v


def problem(name, n=200, noise=0.0, seed=1):
    X, y = make_dataset(name, n, noise, seed=seed)
    return split(X, y, 0.5, seed=2)


def predictor(net, features, calls=None):
    def predict(X):
        if calls is not None:
            calls.append(len(X))
        return net.predict(feature_transform(X, features))

    return predict


def screen_color(view, x, y):
    """Colour on screen at data point (x, y), read from a grab of the whole widget."""
    vb = view.plot.getPlotItem().getViewBox()
    on_view = view.plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
    c = view.grab().toImage().pixelColor(view.plot.viewport().mapTo(view, on_view))
    return c.red(), c.green(), c.blue()


def heatmap_rgb(view):
    """(rows, cols, 3) RGB of the heatmap as the ImageItem rendered it (LUT applied), row 0 = lowest x2."""
    view.grab()  # rendering is lazy: paint once
    img = view.image.qimage.convertToFormat(QImage.Format.Format_RGB32)  # pyqtgraph may hand out Indexed8
    return pg.functions.ndarray_from_qimage(img)[..., 2::-1].astype(int)  # BGRA in memory


def rendered_colors(view):
    rgb = heatmap_rgb(view).reshape(-1, 3)
    return {tuple(int(v) for v in c) for c in np.unique(rgb, axis=0)}


def test_grid_values_are_the_networks_prediction(view):
    Xtr, ytr, Xte, yte = problem("circle")
    net = Network([2, 4, 2, 1], "tanh", "sigmoid", seed=3)
    view.set_problem(Xtr, ytr, Xte, yte, classification=True, n_classes=2)
    view.set_predictor(predictor(net, XY))
    grid = view.grid_points()
    assert grid.shape == (GRID_SIZE * GRID_SIZE, 2)
    np.testing.assert_allclose(view.grid_values(), net.predict(feature_transform(grid, XY)))
    # The grid covers every data point, and is row-major over (x2, x1) as the image is.
    X = np.vstack((Xtr, Xte))
    assert (grid.min(axis=0) < X.min(axis=0)).all() and (grid.max(axis=0) > X.max(axis=0)).all()
    cells = grid.reshape(GRID_SIZE, GRID_SIZE, 2)
    assert (np.diff(cells[..., 0], axis=1) > 0).all() and (np.diff(cells[..., 1], axis=0) > 0).all()
    np.testing.assert_allclose(view.image.image, view.grid_values()[:, 0].reshape(GRID_SIZE, GRID_SIZE))

    net.set_weights([np.zeros_like(w) for w in net.get_weights()])
    view.refresh()  # a changed network shows at once
    np.testing.assert_allclose(view.grid_values(), 0.5)


def test_circle_colours_blue_inside_orange_outside(view):
    Xtr, ytr, Xte, yte = problem("circle", n=40)
    # Hand-set: sigmoid(6.25 - x1^2 - x2^2) is > 0.5 exactly inside radius 2.5, the inner class (label 1).
    net = Network([2, 1], "tanh", "sigmoid")
    net.set_weights([np.array([[-1.0], [-1.0]]), np.array([6.25])])
    view.set_problem(Xtr, ytr, Xte, yte, classification=True, n_classes=2)
    view.set_predictor(predictor(net, ["x1^2", "x2^2"]))
    X = np.vstack((Xtr, Xte))

    def emptiest(candidates):  # probe where no data point is drawn on top of the heatmap
        far = [np.min(np.hypot(*(X - c).T)) for c in candidates]
        return candidates[int(np.argmax(far))]

    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    inside = emptiest(np.column_stack((1.2 * np.cos(angles), 1.2 * np.sin(angles))))
    outside = emptiest(np.array([[5.4, 5.4], [-5.4, 5.4], [5.4, -5.4], [-5.4, -5.4]]))
    r, g, b = screen_color(view, *inside)
    assert b > r + 60, (r, g, b)  # blueish
    r, g, b = screen_color(view, *outside)
    assert r > b + 60, (r, g, b)  # orangeish
    assert ytr.max() == 1 and view.train_points.data["brush"][np.argmax(ytr)].color().name() == "#0877bd"
    assert view.train_points.data["brush"][np.argmin(ytr)].color().name() == "#f59322"


def test_discretize_gives_two_colours_without_predicting(view):
    Xtr, ytr, Xte, yte = problem("xor")
    net = Network([2, 3, 1], "tanh", "sigmoid", seed=0)
    calls = []
    view.set_problem(Xtr, ytr, Xte, yte, classification=True, n_classes=2)
    view.set_predictor(predictor(net, XY, calls))
    assert len(rendered_colors(view)) > 20  # a continuous field
    n_calls = len(calls)
    view.set_discretize(True)
    assert view.discretize and view._discrete_box.isChecked()
    assert len(calls) == n_calls  # toggling redraws from the stored outputs
    colours = rendered_colors(view)
    assert len(colours) == 2
    blue, orange = max(colours, key=lambda c: c[2]), min(colours, key=lambda c: c[2])
    assert blue[2] > blue[0] and orange[0] > orange[2]
    # The two tones split at 0.5, cell by cell.
    above = view.grid_values()[:, 0] > 0.5
    assert 0 < above.mean() < 1
    view._discrete_box.setChecked(False)  # the checkbox drives the property too
    assert not view.discretize and len(rendered_colors(view)) > 20


def test_show_test_toggles_test_points(view):
    Xtr, ytr, Xte, yte = problem("gauss")
    view.set_problem(Xtr, ytr, Xte, yte, classification=True, n_classes=2)
    assert len(view.test_points.data) == len(Xte) and len(view.train_points.data) == len(Xtr)
    assert view.show_test and view.test_points.isVisible()
    view.show_test = False
    assert not view.test_points.isVisible() and not view._test_box.isChecked()
    view._test_box.setChecked(True)
    assert view.show_test and view.test_points.isVisible()
    # Same fill, different outline: white for training points, dark for test points.
    assert view.train_points.opts["pen"].color().name() == "#ffffff"
    assert view.test_points.opts["pen"].color().lightness() < 80


def test_line_curve_follows_weights(view):
    Xtr, ytr, Xte, yte = problem("line", noise=0.5)
    net = Network([1, 1], "tanh", "linear")
    net.set_weights([np.array([[200.0]]), np.array([100.0])])
    view.set_problem(Xtr, ytr, Xte, yte, classification=False, n_classes=0)
    view.set_predictor(predictor(net, ["x1"]))
    x, y = view.curve.getData()
    assert 150 <= len(x) <= 250 and x.min() <= Xtr.min() and x.max() >= Xtr.max()
    np.testing.assert_allclose(y, 200 * x + 100)
    net.set_weights([np.array([[100.0]]), np.array([0.0])])
    view.refresh()
    x, y = view.curve.getData()
    np.testing.assert_allclose(y, 100 * x)
    item = view.plot.getPlotItem()
    assert item.getAxis("bottom").labelText == "x" and item.getAxis("left").labelText == "y"
    assert not view.image.isVisible()


def test_three_classes_coloured_by_argmax(view):
    Xtr, ytr, Xte, yte = problem("blobs", n=300)
    net = Network([2, 6, 3], "tanh", "softmax", seed=0)
    TrainingLoop(net, Xtr, ytr, optimizer=Adam(0.03), seed=0).run(300)
    view.set_problem(Xtr, ytr, Xte, yte, classification=True, n_classes=3)
    view.set_predictor(predictor(net, XY))
    out = view.grid_values()
    img = heatmap_rgb(view).reshape(-1, 3)
    hue_channel = {0: 0, 1: 2, 2: 1}  # orange is reddest, blue bluest, green greenest
    for k in range(3):
        cell = int(np.argmax(np.where(out.argmax(axis=1) == k, out[:, k], -1)))
        px = img[cell]
        assert int(np.argmax(px)) == hue_channel[k], (k, px)


def test_regression_scale_and_nan_output(view):
    Xtr, ytr, Xte, yte = problem("reg-plane")
    view.set_problem(Xtr, ytr, Xte, yte, classification=False, n_classes=0)
    scale = np.abs(np.concatenate((ytr, yte))).max()
    view.set_predictor(lambda X: np.full((len(X), 1), np.nan))  # a diverged network
    np.testing.assert_allclose(view.image.getLevels(), [-scale, scale])
    assert np.isfinite(view.image.image).all()  # NaN would be transparent: shown as neutral grey
    assert len(rendered_colors(view)) == 1
    # Targets coloured on the same diverging scale as the weights; the extreme one is full orange or blue.
    fills = np.array([b.color().getRgb()[:3] for b in view.train_points.data["brush"]])
    np.testing.assert_array_equal(fills, palette.colors_rgb(ytr, scale))
    assert tuple(fills[np.argmax(np.abs(ytr))]) in (palette.NEGATIVE, palette.POSITIVE) or np.abs(yte).max() == scale


def test_screenshots_after_training(qtbot, view):
    Xtr, ytr, Xte, yte = problem("circle", n=300, noise=0.1)
    net = Network([2, 4, 2, 1], "tanh", "sigmoid", seed=1)
    loop = TrainingLoop(net, Xtr, ytr, Xte, yte, optimizer=Adam(0.03), seed=0)
    loop.run(800)
    assert loop.evaluate().test_accuracy > 0.85
    view.set_problem(Xtr, ytr, Xte, yte, classification=True, n_classes=2)
    view.set_predictor(predictor(net, XY))
    # The heatmap at each test point's cell agrees with the network's own classification of that point.
    grid = view.grid_points().reshape(GRID_SIZE, GRID_SIZE, 2)
    col = np.searchsorted(grid[0, :, 0], Xte[:, 0]).clip(0, GRID_SIZE - 1)
    row = np.searchsorted(grid[:, 0, 1], Xte[:, 1]).clip(0, GRID_SIZE - 1)
    agree = (view.image.image[row, col] > 0.5) == (net.predict(Xte)[:, 0] > 0.5)
    assert agree.mean() > 0.9
    assert view.grab().save("/tmp/output_circle.png")

    Xtr, ytr, Xte, yte = problem("line", noise=0.5)
    line = Network([1, 1], "tanh", "linear", seed=0)
    TrainingLoop(line, Xtr, ytr, Xte, yte, optimizer=SGD(0.05), seed=0).run(1500)
    view.set_problem(Xtr, ytr, Xte, yte, classification=False, n_classes=0)
    view.set_predictor(predictor(line, ["x1"]))
    (w,), b = line.get_weights()[0][0], line.get_weights()[1][0]
    x, y = view.curve.getData()
    np.testing.assert_allclose(y, w * x + b)
    assert 150 < w < 250 and view.image.isVisible() is False
    assert view.grab().save("/tmp/output_line.png")
