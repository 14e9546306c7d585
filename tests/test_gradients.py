"""Every activation × loss × regularisation against central finite differences (float64)."""

import itertools

import numpy as np
import pytest

from nnstudio.engine import HIDDEN_ACTIVATIONS, Network

# (loss, output activation, n_out): every loss with every output activation it accepts.
LOSS_OUTPUTS = [
    ("mse", "linear", 2),
    ("mse", "sigmoid", 2),
    ("mse", "tanh", 2),
    ("mse", "softmax", 3),
    ("binary_crossentropy", "sigmoid", 2),
    ("categorical_crossentropy", "softmax", 3),
]
REGULARISATION = [(0.0, 0.0), (0.01, 0.0), (0.0, 0.02), (0.01, 0.02)]


def _problem(loss, n_out, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(6, 3))
    if loss == "binary_crossentropy":
        Y = rng.integers(0, 2, size=(6, n_out)).astype(float)
    elif loss == "categorical_crossentropy":
        Y = rng.integers(0, n_out, size=6)  # integer labels, one-hot inside
    else:
        Y = rng.normal(size=(6, n_out))
    return X, Y


def _numeric_gradients(net, X, Y, loss, l1, l2, h=1e-6):
    flat = net.flat_parameters()
    grads = np.empty_like(flat)
    for k in range(flat.size):
        plus, minus = flat.copy(), flat.copy()
        plus[k] += h
        minus[k] -= h
        net.set_flat_parameters(plus)
        up = net.loss(X, Y, loss, l1, l2)
        net.set_flat_parameters(minus)
        down = net.loss(X, Y, loss, l1, l2)
        grads[k] = (up - down) / (2 * h)
    net.set_flat_parameters(flat)
    return net.weights_from_flat(grads)


@pytest.mark.parametrize(
    "hidden,loss_output,reg",
    list(itertools.product(HIDDEN_ACTIVATIONS, LOSS_OUTPUTS, REGULARISATION)),
    ids=lambda v: v if isinstance(v, str) else "-".join(map(str, v)),
)
def test_gradients_match_finite_differences(hidden, loss_output, reg):
    loss, out_act, n_out = loss_output
    l1, l2 = reg
    net = Network([3, 4, 3, n_out], hidden, out_act, seed=3, init="he_normal")
    # Biases away from 0 so no ReLU sits on its kink at a sample.
    net.set_weights([w + 0.05 if w.ndim == 1 else w for w in net.get_weights()])
    X, Y = _problem(loss, n_out, seed=7)
    value, grads, deltas = net.loss_and_gradients(X, Y, loss, l1, l2)
    assert value == pytest.approx(net.loss(X, Y, loss, l1, l2), rel=1e-14)
    numeric = _numeric_gradients(net, X, Y, loss, l1, l2)
    for k, (g, n) in enumerate(zip(grads, numeric)):
        np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-8, err_msg=f"grads[{k}]")
    # Deltas are ∂L/∂z: the bias gradient is their column sum, the weight gradient a·δ (plus penalty).
    acts = net.forward(X).activations
    W = net.get_weights()[0::2]
    for l, d in enumerate(deltas):
        np.testing.assert_allclose(grads[2 * l + 1], d.sum(axis=0), rtol=1e-12, atol=1e-15)
        penalty = l1 * np.sign(W[l]) + 2 * l2 * W[l]
        np.testing.assert_allclose(grads[2 * l], acts[l].T @ d + penalty, rtol=1e-12, atol=1e-15)


def test_hand_computed_single_neuron():
    """y = w·x + b with MSE: ∂L/∂w = 2·mean((ŷ − t)·x), ∂L/∂b = 2·mean(ŷ − t)."""
    net = Network([1, 1], output_activation="linear")
    net.set_weights([np.array([[200.0]]), np.array([100.0])])
    X = np.array([[1.0], [2.0]])
    t = np.array([310.0, 480.0])
    loss, grads, deltas = net.loss_and_gradients(X, t, "mse")
    err = np.array([300.0 - 310.0, 500.0 - 480.0])
    assert loss == np.mean(err**2)
    assert grads[0][0, 0] == pytest.approx(2 * np.mean(err * X[:, 0]), rel=1e-15)
    assert grads[1][0] == pytest.approx(2 * np.mean(err), rel=1e-15)
    np.testing.assert_allclose(deltas[0][:, 0], 2 * err / 2)


def test_loss_values_follow_keras_semantics():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 2))
    # mse: mean over every element of every output.
    net = Network([2, 3], output_activation="linear", seed=1)
    Y = rng.normal(size=(5, 3))
    assert net.loss(X, Y, "mse") == pytest.approx(np.mean((net.predict(X) - Y) ** 2), rel=1e-14)
    # binary cross-entropy on the sigmoid's probabilities, averaged over all elements.
    net = Network([2, 2], output_activation="sigmoid", seed=1)
    T = rng.integers(0, 2, size=(5, 2))
    p = net.predict(X)
    expected = -np.mean(T * np.log(p) + (1 - T) * np.log(1 - p))
    assert net.loss(X, T, "binary_crossentropy") == pytest.approx(expected, rel=1e-12)
    # categorical cross-entropy: mean over samples of −log p(true class).
    net = Network([2, 4], output_activation="softmax", seed=1)
    labels = np.array([0, 3, 1, 2, 3])
    p = net.predict(X)
    expected = -np.mean(np.log(p[np.arange(5), labels]))
    assert net.loss(X, labels, "categorical_crossentropy") == pytest.approx(expected, rel=1e-12)


def test_regularisation_penalises_weights_but_never_biases():
    net = Network([2, 3, 1], seed=0)
    w = net.get_weights()
    X, Y = np.zeros((1, 2)), np.zeros(1)
    base = net.loss(X, Y)
    sum_sq = sum((W**2).sum() for W in w[0::2])
    sum_abs = sum(np.abs(W).sum() for W in w[0::2])
    assert net.loss(X, Y, l2=0.1) == pytest.approx(base + 0.1 * sum_sq, rel=1e-14)
    assert net.loss(X, Y, l1=0.1) == pytest.approx(base + 0.1 * sum_abs, rel=1e-14)
    _, grads_plain, _ = net.loss_and_gradients(X, Y)
    _, grads_reg, _ = net.loss_and_gradients(X, Y, l1=0.3, l2=0.1)
    for k in (1, 3):
        np.testing.assert_array_equal(grads_reg[k], grads_plain[k])


@pytest.mark.parametrize("z", [800.0, -800.0, 1e6, -1e6])
def test_saturated_outputs_stay_finite(z):
    for out, loss, Y in [
        ("sigmoid", "binary_crossentropy", np.array([[1.0], [0.0]])),
        ("softmax", "categorical_crossentropy", np.array([1, 0])),
    ]:
        n_out = 1 if out == "sigmoid" else 2
        net = Network([1, n_out], output_activation=out)
        W = np.full((1, n_out), z)
        if n_out == 2:
            W[0, 1] = -z
        net.set_weights([W, np.zeros(n_out)])
        value, grads, deltas = net.loss_and_gradients(np.array([[1.0], [1.0]]), Y, loss)
        assert np.isfinite(value)
        assert all(np.all(np.isfinite(g)) for g in grads)
        assert all(np.all(np.isfinite(d)) for d in deltas)
        assert np.all(np.isfinite(net.predict(np.array([[1.0]]))))
