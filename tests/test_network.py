"""Keras layout, single edits, forward pass, initialisers and bad input of nnstudio.engine.Network."""

import numpy as np
import pytest

from nnstudio.engine import SGD, Network
from nnstudio.engine.activations import ACTIVATIONS, apply


def test_seeds_example_predicts_300_and_500():
    net = Network([1, 1], output_activation="linear")
    net.set_weights([np.array([[200.0]]), np.array([100.0])])
    np.testing.assert_array_equal(net.predict(np.array([[1.0], [2.0]])), [[300.0], [500.0]])
    np.testing.assert_array_equal(net.predict([1.0, 2.0]), [[300.0], [500.0]])


def test_keras_dense_layout():
    net = Network([2, 4, 2, 1], seed=0)
    w = net.get_weights()
    assert [a.shape for a in w] == [(2, 4), (4,), (4, 2), (2,), (2, 1), (1,)]
    X = np.array([[0.3, -0.7]])
    # Dense: a_{l+1} = f(a_l · W_l + b_l), with W_l[i, j] joining neuron i to neuron j.
    a = X
    for k, f in enumerate(["tanh", "tanh", "linear"]):
        a = apply(f, a @ w[2 * k] + w[2 * k + 1])
    np.testing.assert_allclose(net.predict(X), a, rtol=1e-15)
    assert net.weight(1, 3, 0) == w[2][3, 0]
    assert net.bias(2, 0) == w[5][0]


def test_get_weights_returns_copies_and_set_weights_copies_in():
    net = Network([2, 3, 1], seed=0)
    w = net.get_weights()
    w[0][0, 0] = 99.0
    assert net.weight(0, 0, 0) != 99.0
    net.set_weights(w)
    w[0][0, 0] = -5.0
    assert net.weight(0, 0, 0) == 99.0


def test_single_edits_change_exactly_one_parameter():
    net = Network([2, 3, 1], seed=0)
    before = net.flat_parameters()
    net.set_weight(0, 1, 2, 0.25)
    net.set_bias(1, 0, -0.5)
    after = net.flat_parameters()
    changed = np.flatnonzero(before != after)
    assert sorted(changed) == sorted([net.weight_index(0, 1, 2), net.bias_index(1, 0)])
    assert net.get_weights()[0][1, 2] == 0.25
    assert net.get_weights()[3][0] == -0.5


def test_forward_returns_every_layers_z_and_a():
    net = Network([2, 3, 2], "relu", "softmax", seed=1)
    X = np.random.default_rng(0).normal(size=(4, 2))
    fw = net.forward(X)
    w = net.get_weights()
    assert len(fw.zs) == 2 and len(fw.activations) == 3
    np.testing.assert_array_equal(fw.activations[0], X)
    np.testing.assert_allclose(fw.zs[0], X @ w[0] + w[1], rtol=1e-15)
    np.testing.assert_allclose(fw.activations[1], np.maximum(fw.zs[0], 0), rtol=1e-15)
    np.testing.assert_allclose(fw.zs[1], fw.activations[1] @ w[2] + w[3], rtol=1e-15)
    np.testing.assert_allclose(fw.activations[2].sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(fw.activations[2], net.predict(X), rtol=1e-15)


@pytest.mark.parametrize(
    "name,reference",
    [
        ("linear", lambda z: z),
        ("relu", lambda z: np.maximum(z, 0)),
        ("leaky_relu", lambda z: np.where(z > 0, z, 0.2 * z)),
        ("tanh", np.tanh),
        ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
        ("elu", lambda z: np.where(z > 0, z, np.exp(z) - 1)),
        ("softplus", lambda z: np.log1p(np.exp(z))),
        ("swish", lambda z: z / (1 + np.exp(-z))),
    ],
)
def test_activation_values(name, reference):
    z = np.linspace(-6, 6, 25).reshape(5, 5)
    np.testing.assert_allclose(apply(name, z), reference(z), rtol=1e-13, atol=1e-15)
    assert name in ACTIVATIONS


def test_sigmoid_and_softmax_do_not_overflow():
    z = np.array([[-1000.0, 0.0, 1000.0]])
    s = apply("sigmoid", z)
    assert np.all(np.isfinite(s)) and s[0, 0] == 0.0 and s[0, 2] == 1.0
    p = apply("softmax", z)
    np.testing.assert_allclose(p, [[0.0, 0.0, 1.0]])


def test_initialisers():
    big = Network([200, 300], seed=0)
    W, b = big.get_weights()
    limit = np.sqrt(6 / 500)
    assert np.abs(W).max() <= limit and np.abs(W).max() > 0.95 * limit
    assert np.all(b == 0)
    W, b = Network([200, 300], seed=0, init="he_normal").get_weights()
    assert W.std() == pytest.approx(np.sqrt(2 / 200), rel=0.02)
    assert np.abs(W).max() <= 2 * np.sqrt(2 / 200) / 0.87962566103423978
    W, b = Network([200, 300], seed=0, init="playground").get_weights()
    assert np.abs(W).max() <= 0.5 and np.all(b == 0.1)
    W, b = Network([2, 3], init="zeros").get_weights()
    assert not W.any() and not b.any()


def test_same_seed_same_parameters():
    a = Network([2, 8, 8, 1], seed=42).flat_parameters()
    b = Network([2, 8, 8, 1], seed=42).flat_parameters()
    c = Network([2, 8, 8, 1], seed=43).flat_parameters()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    net = Network([2, 8, 8, 1], seed=42)
    net.set_weight(0, 0, 0, 7.0)
    net.reinitialize(42)
    np.testing.assert_array_equal(net.flat_parameters(), a)


def test_per_layer_activations_and_copy():
    net = Network([2, 3, 3, 1], ["relu", "tanh"], "sigmoid", seed=5)
    assert net.activations == ["relu", "tanh", "sigmoid"]
    other = net.copy()
    np.testing.assert_array_equal(other.flat_parameters(), net.flat_parameters())
    assert other.config() == net.config()


def test_train_step_returns_loss_before_update_and_learns():
    net = Network([1, 1], output_activation="linear")
    net.set_weights([np.array([[0.0]]), np.array([0.0])])
    X = np.array([[1.0], [2.0]])
    t = np.array([300.0, 500.0])
    first = net.train_step(X, t, SGD(0.1))
    assert first == np.mean(t**2)
    opt = SGD(0.1)
    losses = [net.train_step(X, t, opt) for _ in range(2000)]
    assert losses[-1] < 1e-6
    assert net.weight(0, 0, 0) == pytest.approx(200.0, rel=1e-4)
    assert net.bias(0, 0) == pytest.approx(100.0, rel=1e-4)


# ---- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sizes,match",
    [([3], "at least 2"), ([], "at least 2"), ([2, 0, 1], r"sizes\[1\]"), ([2, -1], r"sizes\[1\]"),
     ([2, 1.5], r"sizes\[1\]"), (5, "list"), ([2, True], r"sizes\[1\]")],
)
def test_bad_sizes(sizes, match):
    with pytest.raises(ValueError, match=match):
        Network(sizes)


def test_unknown_names():
    with pytest.raises(ValueError, match="unknown activation 'relux'.*tanh"):
        Network([2, 3, 1], "relux")
    with pytest.raises(ValueError, match="unknown activation"):
        Network([2, 1], "nope")
    with pytest.raises(ValueError, match="unknown output activation 'relu'"):
        Network([2, 1], output_activation="relu")
    with pytest.raises(ValueError, match="unknown initialiser 'ones'"):
        Network([2, 1], init="ones")
    with pytest.raises(ValueError, match="2 hidden layer"):
        Network([2, 3, 3, 1], ["tanh"])
    net = Network([2, 1])
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        net.loss(np.zeros((1, 2)), np.zeros(1), "hinge")
    with pytest.raises(ValueError, match="needs a sigmoid output"):
        net.loss(np.zeros((1, 2)), np.zeros(1), "binary_crossentropy")


def test_bad_data_shapes_and_values():
    net = Network([2, 3, 1], seed=0)
    opt = SGD(0.1)
    before = net.flat_parameters()
    cases = [
        (np.zeros((4, 3)), np.zeros(4), r"X has shape \(4, 3\), expected \(n_samples, 2\)"),
        (np.zeros((4, 2)), np.zeros(5), "X has 4 samples but Y has 5"),
        (np.zeros((4, 2)), np.zeros((4, 2)), r"Y has shape \(4, 2\)"),
        (np.array([[np.nan, 0.0]]), np.zeros(1), "X contains NaN or inf"),
        (np.zeros((1, 2)), np.array([np.inf]), "Y contains NaN or inf"),
        (np.zeros((0, 2)), np.zeros(0), "no samples"),
        ([["a", "b"]], [0.0], "not numeric"),
    ]
    for X, Y, match in cases:
        with pytest.raises(ValueError, match=match):
            net.train_step(X, Y, opt)
        with pytest.raises(ValueError, match=match):
            net.loss_and_gradients(X, Y)
    np.testing.assert_array_equal(net.flat_parameters(), before)
    with pytest.raises(ValueError, match="X contains NaN"):
        net.predict([[1.0, np.inf]])
    with pytest.raises(ValueError, match="l2 must be finite"):
        net.train_step(np.zeros((1, 2)), np.zeros(1), opt, l2=-1)
    np.testing.assert_array_equal(net.flat_parameters(), before)


def test_bad_labels_for_multiclass():
    net = Network([2, 3], output_activation="softmax")
    with pytest.raises(ValueError, match="class labels 0…2"):
        net.loss(np.zeros((2, 2)), np.array([0, 3]), "categorical_crossentropy")
    with pytest.raises(ValueError, match="sum to 1"):
        net.loss(np.zeros((1, 2)), np.array([[1.0, 1.0, 0.0]]), "categorical_crossentropy")


def test_set_weights_validates_everything_before_changing_anything():
    net = Network([2, 3, 1], seed=0)
    before = net.flat_parameters()
    good = net.get_weights()
    bad_shape = good[:3] + [np.zeros((2, 1))]
    with pytest.raises(ValueError, match=r"weights\[3\] \(b1\) has shape \(2, 1\), expected \(1,\)"):
        net.set_weights([np.ones_like(g) for g in good[:3]] + bad_shape[3:])
    with pytest.raises(ValueError, match="needs 4 arrays.*got 3"):
        net.set_weights(good[:3])
    nan = [g.copy() for g in good]
    nan[2][1, 0] = np.nan
    with pytest.raises(ValueError, match=r"weights\[2\] \(W1\) contains NaN or inf"):
        net.set_weights([np.ones_like(g) for g in good[:2]] + nan[2:])
    with pytest.raises(ValueError, match=r"weights\[0\] \(W0\) is not numeric"):
        net.set_weights([[["x"] * 3] * 2] + good[1:])
    np.testing.assert_array_equal(net.flat_parameters(), before)


def test_single_edit_bad_values_and_indices():
    net = Network([2, 3, 1], seed=0)
    before = net.flat_parameters()
    for v in (np.nan, np.inf, -np.inf, "abc", None):
        with pytest.raises(ValueError, match="value must be"):
            net.set_weight(0, 0, 0, v)
        with pytest.raises(ValueError, match="value must be"):
            net.set_bias(1, 0, v)
    with pytest.raises(IndexError, match="layer 2 is out of range"):
        net.set_weight(2, 0, 0, 1.0)
    with pytest.raises(IndexError, match="neuron 3"):
        net.set_bias(0, 3, 1.0)
    np.testing.assert_array_equal(net.flat_parameters(), before)


def test_every_activation_stays_inside_its_declared_output_range():
    from nnstudio.engine.activations import ACTIVATIONS, apply

    z = np.concatenate([np.linspace(-50, 50, 2001), [-1.2785, 0.0]])
    for name, act in ACTIVATIONS.items():
        a = apply(name, z[None, :] if name == "softmax" else z)
        lo, hi = act.output_range
        assert np.all(a >= lo - 1e-12) and np.all(a <= hi + 1e-12), name
        # The bounds are tight where they are finite: f comes within 1e-3 of them.
        if np.isfinite(lo):
            assert a.min() <= lo + 1e-3, name
        if np.isfinite(hi) and name != "softmax":
            assert a.max() >= hi - 1e-3, name
