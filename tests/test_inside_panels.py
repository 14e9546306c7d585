"""The "inside" panels: neuron maths, loss slice, health, weights over time, pixel weights, output view extras.

Every number a panel shows is checked against the engine's own forward pass / losses; clicks are real mouse
events at the mapped position of a data coordinate.
"""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from nnstudio.engine import Adam, Network, TrainingLoop, make_dataset, split
from nnstudio.engine.inspect import Alert, LossSlice, NeuronMath
from nnstudio.gui.health_panel import HINTS, HealthPanel
from nnstudio.gui.loss_slice import LossSliceView
from nnstudio.gui.math_card import MAX_ROWS, PLACEHOLDER, MathCard, fmt
from nnstudio.gui.output_view import GRID_SIZE, SELECTION_SIZE, OutputView
from nnstudio.gui.pixel_weights import OTHER_COLOR, PREDICTED_COLOR, PixelWeightsView
from nnstudio.gui.weights_panel import REDRAW_MS, WeightsOverTime


# ---- helpers -------------------------------------------------------------------------------------------
def shown(qtbot, widget, w=420, h=360):
    qtbot.addWidget(widget)
    widget.resize(w, h)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def number(text: str) -> float:
    return float(text.replace("−", "-"))


def neuron_math(net: Network, x: np.ndarray, layer: int, neuron: int) -> NeuronMath:
    """What inspect.neuron_math computes, built here from the engine's own forward pass."""
    fw = net.forward(x[None, :])
    a = fw.activations[layer][0]
    w = net.get_weights()[2 * layer][:, neuron]
    b = float(net.get_weights()[2 * layer + 1][neuron])
    act = net.activations[layer]
    from nnstudio.engine.activations import ACTIVATIONS

    return NeuronMath(layer, neuron, a.copy(), w.copy(), w * a, float(np.sum(w * a)), b,
                      float(fw.zs[layer][0, neuron]), act, ACTIVATIONS[act].formula,
                      float(fw.activations[layer + 1][0, neuron]))


def weight_stats(weights, bins=30):
    """The dicts WeightsOverTime.add takes: shared symmetric histogram edges, norm, mean |w|."""
    Ws = weights[0::2]
    m = max(float(np.abs(W).max()) for W in Ws) or 1.0
    edges = np.linspace(-m, m, bins + 1)
    return [{"layer": l, "counts": np.histogram(W, edges)[0], "edges": edges, "norm": float(np.linalg.norm(W)),
             "mean_abs": float(np.abs(W).mean())} for l, W in enumerate(Ws)]


def slice_along(net, X, y, loss, index, lr, l2=0.0, n=121, half_width=2.0):
    """L along flat parameter ``index`` by brute force with the engine's loss, as inspect.loss_slice does."""
    flat = net.flat_parameters()
    current = float(flat[index])
    values = np.linspace(current - half_width, current + half_width, n)
    probe = net.copy()
    losses = []
    for v in values:
        probe.set_parameter(index, v)
        losses.append(probe.loss(X, y, loss, 0.0, l2))
    value, grads, _ = net.loss_and_gradients(X, y, loss, 0.0, l2)
    g = float(np.concatenate([g.ravel() for g in _flat_order(net, grads)])[index])
    return LossSlice(index, values, np.array(losses), current, value, g, lr, current - lr * g)


def _flat_order(net, grads):
    """Keras-order gradients [gW0, gb0, …] laid out as the flat vector: per layer W rows then b."""
    return [np.vstack((grads[2 * l], grads[2 * l + 1][None, :])) for l in range(net.n_layers)]


def to_viewport(plot_widget, x, y, vb=None):
    vb = vb or plot_widget.getPlotItem().getViewBox()
    return plot_widget.mapFromScene(vb.mapViewToScene(QPointF(x, y)))


@pytest.fixture(scope="module")
def circle():
    X, y = make_dataset("circle", 300, 0.1, seed=1)
    Xtr, ytr, Xte, yte = split(X, y, 0.5, seed=2)
    net = Network([2, 4, 2, 1], "tanh", "sigmoid", seed=1)
    loop = TrainingLoop(net, Xtr, ytr, Xte, yte, optimizer=Adam(0.03), seed=0)
    loop.run(600)
    return net, Xtr, ytr, Xte, yte


@pytest.fixture(scope="module")
def digits():
    datasets = pytest.importorskip("sklearn.datasets")
    d = datasets.load_digits()
    X, y = d.data / 16.0, d.target.astype(np.int64)
    Xtr, ytr, Xte, yte = X[:1200], y[:1200], X[1200:], y[1200:]
    net = Network([64, 32, 10], "relu", "softmax", seed=0)
    TrainingLoop(net, Xtr, ytr, optimizer=Adam(0.01), batch_size=32, seed=0).run(600)
    return net, Xtr, ytr, Xte, yte


# ---- math card ---------------------------------------------------------------------------------------
def test_fmt_rounds_for_display_only():
    assert fmt(-0.5) == "−0.5000"
    assert fmt(1234.4) == "1234"
    assert fmt(0.012345) == "0.01235"  # 4 significant digits
    assert fmt(-1e-5) == "−1.000e−05" and fmt(2.5e6) == "2.500e+06"
    assert fmt(0.0) == "0" and fmt(float("nan")) == "NaN" and fmt(float("-inf")) == "−∞"


def test_math_card_shows_the_engines_forward_pass(qtbot, circle):
    net, Xtr, *_ = circle
    card = shown(qtbot, MathCard())
    assert card.rows() == [] and PLACEHOLDER in card.label.text()
    m = neuron_math(net, Xtr[7], 1, 0)  # neuron 0 of hidden layer 2: four tanh inputs
    assert np.isclose(m.z, m.weighted_sum + m.bias)
    card.show_math(m, "Neuron 0 of hidden layer 2, train sample 7")
    rows = card.rows()
    assert len(rows) == 4 + 5
    for i, (label, text) in enumerate(rows[:4]):
        assert label == f"a{'₀₁₂₃'[i]}"
        assert text == f"{fmt(m.inputs[i])} · {fmt(m.weights[i])} = {fmt(m.products[i])}"
    assert [label for label, _ in rows[4:]] == ["Σ w·a", "+ b", "z", "tanh", "f(z) = a"]
    assert rows[7][1] == "f(z) = tanh(z)"
    nums = card.displayed_numbers()
    for key, exact in (("sum", m.weighted_sum), ("bias", m.bias), ("z", m.z), ("a", m.output)):
        assert nums[key] == fmt(exact)
        assert number(nums[key]) == pytest.approx(exact, rel=1e-3, abs=1e-4)
    # a is the network's own activation of that neuron for that sample.
    assert number(nums["a"]) == pytest.approx(net.forward(Xtr[7:8]).activations[2][0, 0], rel=1e-3)
    text = card.label.text()
    assert "Neuron 0 of hidden layer 2" in text and nums["z"] in text and "tanh" in text
    card.show_math(None)
    assert card.rows() == [] and card.displayed_numbers() == {}


def test_math_card_lists_the_12_largest_terms_of_many(qtbot):
    net = Network([30, 5, 1], "relu", "linear", seed=4)
    x = np.random.default_rng(0).normal(size=30)
    m = neuron_math(net, x, 0, 3)
    card = shown(qtbot, MathCard())
    card.show_math(m, "first hidden layer")
    rows = card.rows()
    listed = rows[:MAX_ROWS]
    order = np.argsort(-np.abs(m.products))
    assert [label for label, _ in listed] == [f"a{''.join('₀₁₂₃₄₅₆₇₈₉'[int(c)] for c in str(i))}" for i in order[:12]]
    label, text = rows[MAX_ROWS]
    assert label == "… and 18 more"
    assert number(text.removeprefix("Σ = ")) == pytest.approx(m.products[order[12:]].sum(), rel=1e-3, abs=1e-4)
    # The sum covers all 30 inputs, not just the listed ones.
    assert rows[MAX_ROWS + 1] == ("Σ w·a", fmt(m.products.sum()))
    assert abs(m.products[order[:12]].sum() - m.products.sum()) > 1e-3  # the rest really does matter
    assert card.displayed_numbers()["z"] == fmt(m.z)


# ---- loss slice --------------------------------------------------------------------------------------
def quadratic_slice():
    values = np.linspace(-2.0, 3.0, 101)
    losses = (values - 1.0) ** 2 + 0.5
    losses[3], losses[4] = np.nan, np.inf  # a diverged probe: a gap, not a spike
    return LossSlice(7, values, losses, 2.0, 1.5, 2.0, 0.25, 1.5)


def test_loss_slice_curve_tangent_and_markers(qtbot):
    view = shown(qtbot, LossSliceView(), 480, 340)
    s = quadratic_slice()
    view.show_slice(s, "Loss along weight  layer 1: neuron 2 → neuron 0")
    x, y = view.curve_data()
    np.testing.assert_array_equal(x, s.values)
    assert np.isnan(y[3]) and np.isnan(y[4])  # inf became a gap
    ok = np.isfinite(y)
    np.testing.assert_array_equal(y[ok], s.losses[ok])
    assert view.current_marker_pos() == (2.0, 1.5)
    nx, ny = view.next_marker_pos()
    assert nx == 1.5 and ny == pytest.approx(0.75, abs=1e-3)  # on the curve: (1.5 − 1)² + 0.5
    tx, ty = view.tangent_data()
    assert len(tx) == 2 and tx[0] < 2.0 < tx[1]
    np.testing.assert_allclose(ty, 1.5 + 2.0 * (tx - 2.0))  # through (current, loss), slope = gradient
    lo, hi = np.nanmin(y[ok]), np.nanmax(y[ok])
    pad = 0.06 * (hi - lo) + 1e-9
    assert (ty >= lo - pad).all() and (ty <= hi + pad).all()  # clipped to the plot's y range
    assert view.vline.isVisible() and view.vline.value() == 2.0
    item = view.plot.getPlotItem()
    assert "neuron 2 → neuron 0" in item.titleLabel.text
    assert item.getAxis("bottom").labelText == "weight value" and item.getAxis("left").labelText == "loss"
    assert "next step" in view.next_text.toPlainText()
    view.clear()
    assert len(view.curve_data()[0]) == 0 and view.current_marker_pos() is None and not view.vline.isVisible()


def test_click_on_loss_slice_emits_the_value_under_it(qtbot):
    view = shown(qtbot, LossSliceView(), 480, 340)
    view.show_slice(quadratic_slice(), "Loss along bias  layer 0, neuron 1")
    vb = view.plot.getPlotItem().getViewBox()
    pos = to_viewport(view.plot, 0.5, 2.0)
    with qtbot.waitSignal(view.valueChosen, timeout=2000) as sig:
        qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    (x0, x1), _ = vb.viewRange()
    one_pixel = (x1 - x0) / vb.width()
    assert sig.args[0] == pytest.approx(0.5, abs=2 * one_pixel)
    # A click on the axis below the plot is not a choice.
    axis_pos = view.plot.mapFromScene(view.plot.getPlotItem().getAxis("bottom").sceneBoundingRect().center())
    with qtbot.assertNotEmitted(view.valueChosen, wait=100):
        qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=axis_pos)


# ---- health panel ------------------------------------------------------------------------------------
ALERTS = [
    Alert("dead_relu", "warning", "Neuron 3 of hidden layer 1 is dead (outputs 0 for every sample)", 1, 3),
    Alert("nonfinite", "error", "The loss became NaN: training diverged"),
    Alert("vanishing", "warning", "Gradients reaching layer 0 are tiny (‖g‖ = 1e−9)", 0),
]
SHOWN = [ALERTS[1], ALERTS[2], ALERTS[0]]  # most serious first: the error, a layer's gradient, one neuron


def test_health_panel_rows_and_empty_state(qtbot):
    panel = shown(qtbot, HealthPanel(), 380, 220)
    assert "All healthy" in panel.header.text() and not panel.list.isVisible() and panel.alerts() == []
    panel.set_alerts(ALERTS)
    assert panel.alerts() == SHOWN and panel.list.count() == 3 and panel.list.isVisible()
    assert "1 error, 2 warnings" in panel.header.text()
    for k, a in enumerate(SHOWN):
        item = panel.list.item(k)
        assert item.text().startswith(a.message) and not item.icon().isNull()
        assert a.message in item.toolTip() and HINTS[a.kind] in item.toolTip()
    assert "layer 0" in panel.list.item(1).text()  # where, when the message does not already say it
    panel.set_alerts([])
    assert "All healthy" in panel.header.text() and panel.list.count() == 0


def test_health_panel_keeps_items_when_alerts_repeat(qtbot):
    panel = shown(qtbot, HealthPanel(), 380, 220)
    panel.set_alerts(ALERTS)
    first = panel.list.item(1)
    panel.list.setCurrentRow(1)
    panel.set_alerts([Alert(a.kind, a.severity, a.message, a.layer, a.neuron) for a in ALERTS])  # equal, new
    assert panel.list.item(1) is first and panel.list.currentRow() == 1  # not rebuilt: no flicker
    panel.set_alerts(ALERTS[:2])
    assert panel.list.count() == 2


def test_health_panel_activation_emits_the_alert(qtbot):
    panel = shown(qtbot, HealthPanel(), 380, 220)
    panel.set_alerts(ALERTS)
    rect = panel.list.visualItemRect(panel.list.item(0))
    with qtbot.waitSignal(panel.alertActivated, timeout=2000) as sig:
        # A real double-click: press/release, then the double-click event (Qt's item views need both).
        qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert sig.args == [SHOWN[0]]
    panel.list.setCurrentRow(2)
    with qtbot.waitSignal(panel.alertActivated, timeout=2000) as sig:
        qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert sig.args == [SHOWN[2]]


# ---- weights over time -------------------------------------------------------------------------------
def record(panel, l2, records=300):
    """Trains XOR (2 steps per record) and feeds the panel; returns the norms it was given."""
    X, y = make_dataset("xor", 200, 0.0, seed=0)
    net = Network([2, 8, 8, 1], "tanh", "sigmoid", seed=0)
    loop = TrainingLoop(net, X, y, optimizer=Adam(0.03), l2=l2, seed=0)
    expected = [[s["norm"] for s in weight_stats(net.get_weights())]]
    panel.add(0, weight_stats(net.get_weights()))
    for _ in range(records):  # more records than any small fixed buffer would hold
        loop.run(2)
        stats = weight_stats(net.get_weights())
        panel.add(loop.step_count, stats)
        expected.append([s["norm"] for s in stats])
    return net, np.array(expected)


def test_weights_panel_keeps_every_norm_and_shows_l2_shrinking(qtbot):
    panel = shown(qtbot, WeightsOverTime(), 420, 460)
    _, free = record(panel, 0.0)
    panel.flush()
    np.testing.assert_allclose(panel.norm_curve(1)[1], free[:, 1])
    panel.clear()
    assert len(panel.norm_curve(0)[0]) == 0 and panel.histogram(0) is None

    net, expected = record(panel, 0.05)
    assert panel.histogram(0) is None  # add() only stores; the timer draws
    qtbot.waitUntil(lambda: panel.histogram(0) is not None, timeout=5 * REDRAW_MS)
    for layer in range(3):
        steps, norms = panel.norm_curve(layer)
        np.testing.assert_array_equal(steps, 2 * np.arange(0, 301))
        np.testing.assert_allclose(norms, expected[:, layer])
        x, _ = panel._norm_items[layer].getData()
        assert len(x) > 0
    # The lesson: with L2 the norms end far below those of the same run without it, and the hidden
    # layers' norms fall below where they started.
    assert (expected[-1] < 0.5 * free[-1]).all(), (expected[-1], free[-1])
    assert (expected[-1, :2] < expected[0, :2]).all()
    edges, share = panel.histogram(1)
    latest = weight_stats(net.get_weights())[1]
    np.testing.assert_array_equal(edges, latest["edges"])
    np.testing.assert_allclose(share, latest["counts"] / latest["counts"].sum())
    assert [lbl.text for _, lbl in panel.hist_legend.items] == ["W0", "W1", "W2"]
    assert "step 600" in panel.status.text()
    # The run goes back (a diverged chunk undone): later points are dropped, not kept out of order.
    panel.add(100, weight_stats(net.get_weights()))
    steps, _ = panel.norm_curve(0)
    assert steps[-1] == 100 and len(steps) == 51 and (np.diff(steps) > 0).all()


# ---- output view extras ------------------------------------------------------------------------------
@pytest.fixture
def output(qtbot):
    return shown(qtbot, OutputView(), 420, 450)


def test_clicking_a_data_point_selects_that_sample(qtbot, output, circle):
    net, Xtr, ytr, Xte, yte = circle
    output.set_problem(Xtr, ytr, Xte, yte, classification=True, n_classes=2)
    allX = np.vstack((Xtr, Xte))
    for which, X, offset in (("train", Xtr, 0), ("test", Xte, len(Xtr))):
        # The point farthest from every other point of either set (the plot is square), so the click is unambiguous.
        k = int(np.argmax([np.min(np.hypot(*(np.delete(allX, offset + i, 0) - X[i]).T)) for i in range(len(X))]))
        pos = to_viewport(output.plot, *X[k]) + QPoint(2, 1)  # a little off-centre
        with qtbot.waitSignal(output.sampleClicked, timeout=2000) as sig:
            qtbot.mouseClick(output.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        assert sig.args == [which, k]
        assert output.selected_sample() == (which, k)
        rx, ry = output.selection.getData()
        np.testing.assert_allclose([rx[0], ry[0]], X[k])
    # The ring is drawn: dark pixels on a circle around the point where the point's fill is not.
    centre = output.plot.viewport().mapTo(output, to_viewport(output.plot, *Xte[k]))
    img = output.grab().toImage()
    r = SELECTION_SIZE // 2
    # The darkest pixel within one of each probe: the centre is rounded to whole pixels, the pen is 2.5 px wide.
    ring = [min(img.pixelColor(centre.x() + dx + ex, centre.y() + dy + ey).lightness()
                for ex in (-1, 0, 1) for ey in (-1, 0, 1)) for dx, dy in ((r, 0), (-r, 0), (0, r))]
    assert max(ring) < 110, ring
    output.set_selected_sample(None, None)
    assert len(output.selection.getData()[0]) == 0 and output.selected_sample() is None


def test_hover_map_replaces_the_output_until_cleared(output, circle):
    net, Xtr, ytr, Xte, yte = circle
    output.set_problem(Xtr, ytr, Xte, yte, classification=True, n_classes=2)
    calls = []
    output.set_predictor(lambda X: calls.append(1) or net.predict(X))
    network_image = output.image.image.copy()
    grid = output.grid_points().reshape(GRID_SIZE, GRID_SIZE, 2)
    values = np.tanh(grid[..., 0])  # a neuron that fires for x1 > 0
    output.set_hover_map(values, "neuron 1 of layer 1")
    np.testing.assert_allclose(output.image.image, values)
    assert output.hover_label.isVisible() and output.hover_label.toPlainText() == "neuron 1 of layer 1"
    np.testing.assert_allclose(output.image.getLevels(), [-1.0, 1.0])
    # Left of the plane orange (negative), right blue (positive): the weights' palette.
    vb = output.plot.getPlotItem().getViewBox()
    img = output.grab().toImage()
    (x0, x1), (y0, y1) = vb.viewRange()

    def colour(x, y):
        p = output.plot.viewport().mapTo(output, to_viewport(output.plot, x, y))
        c = img.pixelColor(p)
        return c.red(), c.green(), c.blue()

    left = colour(x0 + 0.03 * (x1 - x0), y0 + 0.03 * (y1 - y0))
    right = colour(x1 - 0.03 * (x1 - x0), y0 + 0.03 * (y1 - y0))
    assert left[0] > left[2] + 60 and right[2] > right[0] + 60, (left, right)
    n = len(calls)
    output.refresh()  # the network keeps being evaluated, but the neuron's map stays on show
    assert len(calls) == n + 1
    np.testing.assert_allclose(output.image.image, values)
    output.set_hover_map(None)
    np.testing.assert_allclose(output.image.image, network_image)
    assert not output.hover_label.isVisible() and output.hover_map() is None
    np.testing.assert_allclose(output.image.getLevels(), [0.0, 1.0])


def test_digits_mode_shows_the_sample_and_its_probabilities(qtbot, output, digits):
    net, Xtr, ytr, Xte, yte = digits
    output.set_problem(Xtr, ytr, Xte, yte, classification=True, n_classes=10)
    shapes = []
    output.set_predictor(lambda X: shapes.append(X.shape) or net.predict(X))
    assert shapes == [(1, 64)]  # one sample, no 64-D grid
    assert output.grid_points().shape == (0, 64) and not output.image.isVisible()
    assert output.digit.isVisible() and not output.plot.isVisible() and not output._test_box.isVisible()
    p = net.predict(Xtr[:1])[0]
    np.testing.assert_allclose(output.digit.image_data(), Xtr[0].reshape(8, 8))
    np.testing.assert_allclose(output.digit.probabilities(), p)
    colours = output.digit.bar_colors()
    assert colours[int(np.argmax(p))] == PREDICTED_COLOR and colours.count(OTHER_COLOR) == 9
    output.set_selected_sample("test", 5)
    np.testing.assert_allclose(output.digit.image_data(), Xte[5].reshape(8, 8))
    assert f"true label <b>{yte[5]}</b>" in output.digit.caption.text()
    # Called directly (as the main window does): the argmax bar is the blue one.
    probs = np.full(10, 0.02)
    probs[7] = 0.82
    output.set_digit(Xte[5], probs, 3)
    colours = output.digit.bar_colors()
    assert colours[7] == PREDICTED_COLOR and colours.count(OTHER_COLOR) == 9
    assert "predicted <b>7</b>" in output.digit.caption.text() and "✗" in output.digit.caption.text()
    heights = output.digit.bars.opts["height"]
    np.testing.assert_allclose(heights, probs)
    # Back to a plane: the heatmap page returns.
    X, y = make_dataset("xor", 40, 0.0, seed=0)
    output.set_problem(X[:20], y[:20], X[20:], y[20:], classification=True, n_classes=2)
    assert output.plot.isVisible() and not output.digit.isVisible() and output._test_box.isVisible()


def test_pixel_weights_colours(qtbot):
    view = shown(qtbot, PixelWeightsView(), 280, 320)
    w = np.zeros(64)
    w[0], w[63], w[9] = -0.8, 0.4, 0.0  # top-left negative, bottom-right positive
    view.show_weights(w, "Pixel weights into neuron 0")
    rgb = view.image_rgb().astype(int)
    assert rgb.shape == (8, 8, 3)
    assert rgb[0, 0, 0] > rgb[0, 0, 2] + 100  # orange
    assert rgb[7, 7, 2] > rgb[7, 7, 0] + 60  # blue, half strength: 0.4 on a symmetric ±0.8 scale
    assert tuple(rgb[7, 7]) != (8, 119, 189)
    assert tuple(rgb[1, 1]) == (0xE8, 0xEA, 0xEB)  # 0 is grey
    assert view.scale() == 0.8 and view.low.text() == "−0.8000" and view.high.text() == "+0.8000"
    # As rendered: the top-left cell on screen is orange, the bottom-right blue (row 0 at the top).
    img = view.grab().toImage()

    def on_screen(col, row):
        scene = view.box.mapViewToScene(QPointF(col + 0.5, row + 0.5))
        c = img.pixelColor(view.view.mapTo(view, view.view.mapFromScene(scene)))
        return c.red(), c.green(), c.blue()

    tl, br = on_screen(0, 0), on_screen(7, 7)
    assert tl[0] > tl[2] + 100 and br[2] > br[0] + 60, (tl, br)


# ---- screenshots from realistic data -----------------------------------------------------------------
def test_screenshots(qtbot, circle, digits):
    net, Xtr, ytr, Xte, yte = circle
    card = shown(qtbot, MathCard(), 340, 330)
    card.show_math(neuron_math(net, Xtr[7], 1, 0), "Neuron 0 of hidden layer 2, train sample 7")
    assert card.grab().save("/tmp/panel_math.png")

    view = shown(qtbot, LossSliceView(), 520, 340)
    early = Network([2, 4, 2, 1], "tanh", "sigmoid", seed=1)  # early in training: the slope is still steep
    TrainingLoop(early, Xtr, ytr, optimizer=Adam(0.03), seed=0).run(30)
    index = early.weight_index(1, 2, 0)
    s = slice_along(early, Xtr, ytr, "binary_crossentropy", index, 0.3, half_width=3.0)
    assert np.isfinite(s.losses).all() and s.loss == pytest.approx(np.interp(s.current, s.values, s.losses), rel=0.05)
    view.show_slice(s, "Loss along weight  layer 1: neuron 2 → neuron 0")
    qtbot.wait(50)
    assert view.grab().save("/tmp/panel_slice.png")

    panel = shown(qtbot, HealthPanel(), 380, 200)
    panel.set_alerts(ALERTS)
    assert panel.grab().save("/tmp/panel_health.png")

    weights = shown(qtbot, WeightsOverTime(), 420, 480)
    X, y = make_dataset("spiral", 300, 0.0, seed=0)
    wide = Network([2, 8, 8, 1], "tanh", "sigmoid", seed=0)
    loop = TrainingLoop(wide, X, y, optimizer=Adam(0.03), l2=0.003, seed=0)
    for _ in range(200):
        loop.run(5)
        weights.add(loop.step_count, weight_stats(wide.get_weights()))
    weights.flush()
    assert weights.grab().save("/tmp/panel_weights.png")

    dnet, dXtr, dytr, dXte, dyte = digits
    out = shown(qtbot, OutputView(), 420, 450)
    out.set_problem(dXtr, dytr, dXte, dyte, classification=True, n_classes=10)
    out.set_predictor(dnet.predict)
    out.set_selected_sample("test", 3)
    qtbot.wait(50)  # let the layout settle after the page switch before grabbing
    assert out.grab().save("/tmp/panel_digits.png")

    pixels = shown(qtbot, PixelWeightsView(), 280, 320)
    pixels.show_weights(dnet.get_weights()[0][:, 5], "Pixel weights into neuron 5 of hidden layer 1")
    qtbot.wait(50)
    assert pixels.grab().save("/tmp/panel_pixels.png")
