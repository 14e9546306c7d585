"""nnstudio.engine.inspect: one neuron's maths, loss slices, health alerts and weight statistics (no Qt)."""

import numpy as np
import pytest

from nnstudio.engine import Evaluation, Network, make_dataset
from nnstudio.engine.activations import ACTIVATIONS
from nnstudio.engine.inspect import (
    health_report,
    loss_slice,
    loss_slice_around,
    neuron_maps,
    neuron_math,
    overfitting_alert,
    parameter_location,
    weight_stats,
)

BCE, CCE = "binary_crossentropy", "categorical_crossentropy"


def _problem(kind, seed=0):
    """A small network and data set for each loss (hidden activations vary so every path is used)."""
    if kind == "mse":
        X, y = make_dataset("reg-gauss", 60, 0.1, seed=seed)
        return Network([2, 4, 3, 1], ["relu", "sigmoid"], "linear", seed=seed), X, y
    if kind == BCE:
        X, y = make_dataset("xor", 60, 0.1, seed=seed)
        return Network([2, 5, 1], "tanh", "sigmoid", seed=seed), X, y
    X, y = make_dataset("blobs", 60, 0.1, seed=seed)
    return Network([2, 4, 3], "elu", "softmax", seed=seed), X, y


def _loss_at(net, X, y, loss, index, v, l1, l2):
    other = net.copy()
    p = other.flat_parameters()
    p[index] = v
    other.set_flat_parameters(p)
    return other.loss(X, y, loss, l1, l2)


# ---- neuron_math ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["mse", BCE, CCE])
def test_neuron_math_matches_forward_exactly(kind):
    net, X, _ = _problem(kind)
    x = X[7]
    fwd = net.forward(x[None, :])
    weights = net.get_weights()
    for layer in range(net.n_layers):
        for neuron in range(net.sizes[layer + 1]):
            m = neuron_math(net, x, layer, neuron)
            assert (m.layer, m.neuron) == (layer, neuron)
            assert m.z == fwd.zs[layer][0, neuron]
            assert m.output == fwd.activations[layer + 1][0, neuron]
            np.testing.assert_array_equal(m.inputs, fwd.activations[layer][0])
            np.testing.assert_array_equal(m.weights, weights[2 * layer][:, neuron])
            np.testing.assert_array_equal(m.products, m.inputs * m.weights)
            assert m.bias == weights[2 * layer + 1][neuron]
            assert m.weighted_sum == m.z - m.bias
            assert m.weighted_sum == pytest.approx(m.products.sum(), rel=1e-12, abs=1e-14)
            assert m.activation == net.activations[layer]
            assert m.formula == ACTIVATIONS[m.activation].formula


def test_neuron_math_softmax_output_is_the_neurons_share():
    net, X, _ = _problem(CCE)
    outs = [neuron_math(net, X[3], 1, j).output for j in range(3)]
    assert sum(outs) == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_array_equal(outs, net.predict(X[3:4])[0])
    assert neuron_math(net, X[3:4], 1, 0).formula.startswith("f(z)_k")  # (1, n0) works too


def test_neuron_math_bad_input():
    net, X, _ = _problem(BCE)
    with pytest.raises(IndexError):
        neuron_math(net, X[0], 2, 0)
    with pytest.raises(IndexError):
        neuron_math(net, X[0], 0, 5)
    with pytest.raises(IndexError):
        neuron_math(net, X[0], -1, 0)
    for bad in (X[:2], [1.0, 2.0, 3.0], [1.0, np.nan], "ab", np.zeros((2, 1))):
        with pytest.raises(ValueError):
            neuron_math(net, bad, 0, 0)


# ---- forward_from and loss_slice ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["mse", BCE, CCE])
def test_forward_from_continues_the_forward_pass(kind):
    net, X, _ = _problem(kind)
    fwd = net.forward(X)
    for layer in range(net.n_layers):
        z, a = net.forward_from(layer, fwd.zs[layer])
        np.testing.assert_allclose(z, fwd.zs[-1], rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(a, fwd.activations[-1], rtol=1e-14, atol=1e-15)
    with pytest.raises(ValueError):
        net.forward_from(0, np.zeros((3, 7)))
    with pytest.raises(IndexError):
        net.forward_from(net.n_layers, fwd.zs[-1])


@pytest.mark.parametrize("kind", ["mse", BCE, CCE])
@pytest.mark.parametrize(("l1", "l2"), [(0.0, 0.0), (0.01, 0.0), (0.003, 0.02)])
def test_loss_slice_equals_network_loss(kind, l1, l2):
    net, X, y = _problem(kind)
    values = np.array([-4.0, -1.3, -0.2, 0.0, 0.7, 2.5, 9.0])
    for index in range(net.n_params):
        got = loss_slice(net, X, y, kind, index, values, l1, l2)
        want = [_loss_at(net, X, y, kind, index, v, l1, l2) for v in values]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_loss_slice_in_blocks(monkeypatch):
    import nnstudio.engine.inspect as inspect_module

    net, X, y = _problem(CCE)
    values = np.linspace(-2, 2, 11)
    whole = loss_slice(net, X, y, CCE, 3, values)
    monkeypatch.setattr(inspect_module, "_BLOCK_ELEMENTS", 1)  # one candidate per block
    np.testing.assert_allclose(loss_slice(net, X, y, CCE, 3, values), whole, rtol=1e-14)


def test_parameter_location_matches_indices():
    net = Network([3, 4, 2], seed=0)
    for layer in range(2):
        for j in range(net.sizes[layer + 1]):
            assert parameter_location(net, net.bias_index(layer, j)) == (layer, net.sizes[layer], j)
            for i in range(net.sizes[layer]):
                assert parameter_location(net, net.weight_index(layer, i, j)) == (layer, i, j)
    with pytest.raises(IndexError):
        parameter_location(net, net.n_params)
    with pytest.raises(IndexError):
        parameter_location(net, -1)


def test_loss_slice_bad_input():
    net, X, y = _problem(BCE)
    with pytest.raises(ValueError, match="values"):
        loss_slice(net, X, y, BCE, 0, [0.0, np.inf])
    with pytest.raises(ValueError, match="samples"):
        loss_slice(net, X, y[:-1], BCE, 0, [0.0])
    with pytest.raises(ValueError, match="l2"):
        loss_slice(net, X, y, BCE, 0, [0.0], l2=-1)


# ---- loss_slice_around --------------------------------------------------------------------------------


def test_slice_minimum_is_least_squares():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 50)
    y = 1.5 * x - 0.4 + rng.normal(0, 0.3, 50)
    net = Network([1, 1], output_activation="linear")
    b = 0.2
    net.set_weights([np.array([[0.0]]), np.array([b])])
    w_star = np.dot(x, y - b) / np.dot(x, x)  # least squares in w with b fixed
    s = loss_slice_around(net, x, y, "mse", 0, 0.1, n=2001, half_width=3.0)
    spacing = s.values[1] - s.values[0]
    assert abs(s.values[np.nanargmin(s.losses)] - w_star) <= spacing
    assert np.all(np.diff(s.values) > 0)


@pytest.mark.parametrize("kind", ["mse", BCE, CCE])
def test_slice_gradient_tangent_and_step(kind):
    net, X, y = _problem(kind)
    loss_value, grads, _ = net.loss_and_gradients(X, y, kind, 0.001, 0.01)
    for layer, i, j in [(0, 1, 0), (1, 2, 0), (0, None, 1)]:
        index = net.bias_index(layer, j) if i is None else net.weight_index(layer, i, j)
        s = loss_slice_around(net, X, y, kind, index, 0.5, 0.001, 0.01)
        g = (grads[2 * layer + 1][j] if i is None else grads[2 * layer][i, j])
        assert s.gradient == g
        assert s.loss == loss_value
        assert s.current == net.flat_parameters()[index]
        assert s.current in s.values and s.values.size == 121
        assert s.losses[s.values == s.current][0] == pytest.approx(s.loss, rel=1e-12)
        assert s.next_value == s.current - 0.5 * g
        assert s.values[0] <= s.next_value <= s.values[-1]
        h = 1e-5
        left, right = loss_slice(net, X, y, kind, index, [s.current - h, s.current + h], 0.001, 0.01)
        assert (right - left) / (2 * h) == pytest.approx(s.gradient, rel=1e-5, abs=1e-9)


def test_slice_default_width_and_nonfinite_becomes_nan():
    net = Network([1, 1], output_activation="linear")
    net.set_weights([np.array([[4.0]]), np.array([0.0])])
    x = np.array([1e155, -1e155])
    s = loss_slice_around(net, x, [0.0, 0.0], "mse", 0, 1e-300)
    assert s.values[0] == pytest.approx(-4.0) and s.values[-1] == pytest.approx(12.0)  # 2·|w| each side
    assert np.isnan(s.losses[s.values != 0]).all()  # (1e155·w)² overflows unless w = 0
    assert np.isnan(s.loss) and s.gradient == np.inf
    with pytest.raises(ValueError):
        loss_slice_around(net, x, [0.0, 0.0], "mse", 0, 0.1, half_width=0.0)


# ---- health -----------------------------------------------------------------------------------------


def test_dead_relu_flagged_with_layer_and_neuron():
    X, _ = make_dataset("circle", 100, 0.0, seed=0)
    net = Network([2, 3, 4, 1], "relu", "sigmoid", seed=1)
    net.set_bias(1, 2, -1e3)  # neuron 2 of hidden layer 2 can never turn on
    alerts = [a for a in health_report(net, X) if a.kind == "dead_relu"]
    assert [(a.layer, a.neuron) for a in alerts] == [(2, 2)]
    assert alerts[0].severity == "warning"
    assert "Neuron 2 of hidden layer 2 is a dead ReLU" in alerts[0].message


def test_saturated_tanh_flagged():
    X, _ = make_dataset("circle", 100, 0.0, seed=0)
    net = Network([2, 3, 1], "tanh", "sigmoid", seed=1)
    W = net.get_weights()[0]
    W[:, 1] = [300.0, 300.0]
    net.set_weights([W, np.zeros(3), *net.get_weights()[2:]])
    alerts = health_report(net, X)
    assert [(a.kind, a.layer, a.neuron) for a in alerts] == [("saturated", 1, 1)]
    assert "saturated" in alerts[0].message


def test_healthy_network_has_no_alerts():
    net, X, y = _problem(BCE)
    assert health_report(net, X, net.loss_and_gradients(X, y, BCE)[1]) == []


def test_exploding_and_vanishing_gradients():
    net = Network([2, 4, 3, 1], seed=0)
    X = np.zeros((5, 2))
    grads = [np.full_like(w, 1e-2) for w in net.get_weights()]
    grads[2][...] = 1e4  # weight-layer 1 explodes
    grads[4][...] = 1e-12  # weight-layer 2 vanishes while layer 0 still learns
    grads[5][...] = 0.0
    found = {(a.kind, a.layer) for a in health_report(net, X, grads)}
    assert found == {("exploding", 1), ("vanishing", 2)}
    flat = np.concatenate([g.ravel() for g in grads])
    assert {(a.kind, a.layer) for a in health_report(net, X, flat)} == found
    # A network trained to a perfect fit has tiny gradients everywhere: not vanishing.
    assert health_report(net, X, [np.zeros_like(g) for g in grads]) == []


def test_nonfinite_parameters_and_gradients():
    net = Network([2, 3, 1], seed=0)
    X = np.zeros((4, 2))
    grads = [np.zeros_like(w) for w in net.get_weights()]
    grads[1][0] = np.nan
    alerts = health_report(net, X, grads)
    assert [(a.kind, a.severity) for a in alerts] == [("nonfinite", "error")]
    net._params[0] = np.inf  # what a diverged optimizer step leaves behind
    assert [a.kind for a in health_report(net, X)] == ["nonfinite"]
    with pytest.raises(ValueError):
        health_report(net, X, grads[:3])


def _evals(train, test):
    return [Evaluation(10 * (k + 1), k, tr, te, None, None) for k, (tr, te) in enumerate(zip(train, test))]


def test_overfitting_alert():
    evals = _evals([1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2], [1.0, 0.9, 0.8, 0.7, 0.72, 0.75, 0.8])
    alert = overfitting_alert(evals)
    assert alert is not None and alert.kind == "overfitting"
    assert "step 40" in alert.message and "step 70" in alert.message
    # Healthy: both falling; or test rising by under 2%; or train rising too; or too few evaluations.
    assert overfitting_alert(_evals([1, 0.8, 0.6, 0.5, 0.4], [1, 0.9, 0.8, 0.75, 0.7])) is None
    assert overfitting_alert(_evals([1, 0.8, 0.6, 0.5, 0.4], [1, 0.9, 0.8, 0.7, 0.71])) is None
    assert overfitting_alert(_evals([1, 0.8, 0.6, 0.7, 0.9], [1, 0.9, 0.8, 0.85, 0.9])) is None
    assert overfitting_alert(evals[-4:]) is None
    assert overfitting_alert(_evals([1.0] * 6, [None] * 6)) is None


# ---- weight statistics and maps ----------------------------------------------------------------------


def test_weight_stats():
    net = Network([2, 4, 3, 1], seed=0)
    net.set_bias(0, 0, 50.0)  # biases are excluded, also from the bin range
    stats = weight_stats(net.get_weights(), bins=12)
    assert [s["layer"] for s in stats] == [0, 1, 2]
    weights = net.get_weights()[0::2]
    m = max(np.abs(W).max() for W in weights)
    for s, W in zip(stats, weights):
        assert s["counts"].sum() == W.size
        np.testing.assert_allclose(s["edges"], np.linspace(-m, m, 13))
        assert s["norm"] == pytest.approx(np.linalg.norm(W))
        assert s["mean_abs"] == pytest.approx(np.abs(W).mean())
    assert sum(s["counts"].sum() for s in weight_stats(net)) == 8 + 12 + 3


def test_neuron_maps():
    net = Network([2, 4, 2, 1], seed=0)
    g = np.linspace(-1, 1, 5)
    grid = np.column_stack([np.repeat(g, 5), np.tile(g, 5)])
    maps = neuron_maps(net, grid)
    assert [m.shape for m in maps] == [(25, 4), (25, 2), (25, 1)]
    np.testing.assert_array_equal(maps[-1], net.predict(grid))
