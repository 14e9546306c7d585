import importlib.util
import math
import sys
import time

import numpy as np
import pytest

from nnstudio.engine import datasets as datasets_module
from nnstudio.engine.datasets import (
    DATASETS,
    FEATURES,
    PIXEL_FEATURES,
    dataset_available,
    feature_transform,
    input_dim,
    is_classification,
    make_dataset,
    n_classes,
    split,
)

CLASSIFICATION = ("circle", "xor", "gauss", "spiral", "moons", "blobs")
REGRESSION = ("reg-plane", "reg-gauss", "line")
HAVE_SKLEARN = importlib.util.find_spec("sklearn") is not None
needs_sklearn = pytest.mark.skipif(not HAVE_SKLEARN, reason="the digits dataset needs scikit-learn")
# Every dataset, digits skipped where scikit-learn is missing.
ALL = tuple(pytest.param(n, marks=needs_sklearn) if n == "digits" else n for n in DATASETS)


def test_names_and_metadata():
    assert DATASETS == CLASSIFICATION + REGRESSION + ("digits",)
    assert FEATURES == ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
    for name in CLASSIFICATION:
        assert is_classification(name)
        assert n_classes(name) == (3 if name == "blobs" else 2)
    for name in REGRESSION:
        assert not is_classification(name)
        assert n_classes(name) == 0
    assert {name: input_dim(name) for name in DATASETS} == {
        name: {"line": 1, "digits": 64}.get(name, 2) for name in DATASETS
    }
    assert is_classification("digits") and n_classes("digits") == 10


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("n", [1, 2, 7, 500])
@pytest.mark.parametrize("noise", [0.0, 0.25, 0.5])
def test_shapes_and_dtypes(name, n, noise):
    X, y = make_dataset(name, n, noise, seed=1)
    assert X.shape == (n, input_dim(name))
    assert y.shape == (n,)
    assert X.dtype == np.float64 and X.flags.c_contiguous
    assert np.isfinite(X).all() and np.isfinite(y).all()
    if is_classification(name):
        assert y.dtype == np.int64
        assert set(np.unique(y)) <= set(range(n_classes(name)))
    else:
        assert y.dtype == np.float64


def test_default_sample_count():
    X, y = make_dataset("circle")
    assert X.shape == (500, 2) and y.shape == (500,)


@pytest.mark.parametrize("name", ALL)
def test_deterministic_by_seed(name):
    X1, y1 = make_dataset(name, 100, 0.2, seed=42)
    X2, y2 = make_dataset(name, 100, 0.2, seed=42)
    X3, _ = make_dataset(name, 100, 0.2, seed=43)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", ALL)
def test_shuffled(name):
    _, y = make_dataset(name, 200, 0.0, seed=3)
    if is_classification(name):
        # Unshuffled generators emit one class as a contiguous block.
        assert np.count_nonzero(np.diff(y)) > 10
    else:
        assert not np.all(np.diff(y) >= 0)


@pytest.mark.parametrize("name", ["circle", "gauss", "spiral", "moons"])
@pytest.mark.parametrize("n", [200, 201])
def test_label_balance(name, n):
    _, y = make_dataset(name, n, 0.0, seed=0)
    counts = np.bincount(y, minlength=2)
    assert abs(int(counts[0]) - int(counts[1])) <= n % 2


def test_circle_geometry_without_noise():
    X, y = make_dataset("circle", 1000, 0.0, seed=5)
    r = np.hypot(X[:, 0], X[:, 1])
    assert (r[y == 1] < 2.5).all()
    assert (r[y == 0] >= 3.5).all() and (r[y == 0] <= 5).all()


def test_circle_noise_flips_labels_but_not_points():
    X, y = make_dataset("circle", 2000, 0.5, seed=5)
    r = np.hypot(X[:, 0], X[:, 1])
    # Stored points stay on their clean rings; only labels near the boundary get noisy.
    assert ((r < 2.5) | (r >= 3.5)).all() and (r <= 5).all()
    assert ((r < 2.5) != (y == 1)).any()


def test_xor_labels_without_noise():
    X, y = make_dataset("xor", 1000, 0.0, seed=2)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] >= 0).astype(np.int64))
    # The 0.3 padding keeps every point off the axes.
    assert (np.abs(X) >= 0.3).all() and (np.abs(X) <= 5.3).all()


def test_xor_noise_mislabels_some():
    X, y = make_dataset("xor", 2000, 0.5, seed=2)
    assert (y != (X[:, 0] * X[:, 1] >= 0)).any()


def test_gauss_centres_and_spread():
    X, y = make_dataset("gauss", 4000, 0.0, seed=9)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [2, 2], atol=0.1)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [-2, -2], atol=0.1)
    # Playground's variance scale: 0.5 at noise 0, 4 at noise 0.5.
    assert X[y == 1].var(axis=0) == pytest.approx([0.5, 0.5], rel=0.1)
    X, y = make_dataset("gauss", 4000, 0.5, seed=9)
    assert X[y == 1].var(axis=0) == pytest.approx([4, 4], rel=0.1)


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_spiral_radius(noise):
    X, _ = make_dataset("spiral", 999, noise, seed=4)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() <= 5 + math.sqrt(2) * noise + 1e-12


def test_spiral_arms_are_opposite_without_noise():
    X, y = make_dataset("spiral", 400, 0.0, seed=4)
    pos, neg = X[y == 1], X[y == 0]
    # deltaT = pi rotates the positive arm by half a turn, i.e. negates it.
    gaps = np.linalg.norm(neg[:, None, :] + pos[None, :, :], axis=2)
    assert gaps.min(axis=1).max() < 1e-9


def test_reg_plane_targets_without_noise():
    X, y = make_dataset("reg-plane", 500, 0.0, seed=6)
    np.testing.assert_allclose(y, (X[:, 0] + X[:, 1]) / 10)
    assert (np.abs(X) <= 6).all()


def test_reg_plane_noise_changes_targets():
    X, y = make_dataset("reg-plane", 500, 0.3, seed=6)
    assert not np.allclose(y, (X[:, 0] + X[:, 1]) / 10)


@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_reg_gauss_targets(noise):
    X, y = make_dataset("reg-gauss", 2000, noise, seed=7)
    assert (y >= -1).all() and (y <= 1).all()
    assert (np.abs(X) <= 6).all()


def test_reg_gauss_peaks_without_noise():
    X, y = make_dataset("reg-gauss", 3000, 0.0, seed=7)
    near = np.hypot(X[:, 0] - 4, X[:, 1] - 2.5) < 0.5
    assert near.any() and (y[near] > 0.7).all()
    near = np.hypot(X[:, 0] - 0, X[:, 1] - 2.5) < 0.5
    assert near.any() and (y[near] < -0.7).all()
    far = np.abs(X[:, 1]) > 5  # more than 2 from every centre
    assert far.any() and (y[far] == 0).all()


def test_line_without_noise_is_exact():
    X, y = make_dataset("line", 300, 0.0, seed=8)
    assert X.shape == (300, 1)
    assert (X >= 0.5).all() and (X <= 3.5).all()
    np.testing.assert_allclose(y, 200 * X[:, 0] + 100, rtol=0, atol=1e-9)


def test_line_noise_std():
    X, y = make_dataset("line", 20000, 0.25, seed=8)
    assert np.std(y - (200 * X[:, 0] + 100)) == pytest.approx(50, rel=0.05)


def test_moons_geometry_without_noise():
    X, y = make_dataset("moons", 400, 0.0, seed=10)
    outer, inner = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0)
    assert (outer[:, 1] >= -1e-12).all()
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1.0)
    assert (inner[:, 1] <= 0.5 + 1e-12).all()
    # Evenly spaced over [0, pi], so both ends of each half circle are present.
    assert np.isclose(outer, [1, 0]).all(axis=1).any() and np.isclose(outer, [-1, 0]).all(axis=1).any()
    assert np.isclose(inner, [0, 0.5]).all(axis=1).any() and np.isclose(inner, [2, 0.5]).all(axis=1).any()


def test_moons_noise():
    X, y = make_dataset("moons", 4000, 0.1, seed=10)
    r = np.hypot(X[y == 0, 0], X[y == 0, 1])
    assert np.std(r - 1) == pytest.approx(0.1, rel=0.15)


def test_blobs_three_classes():
    X, y = make_dataset("blobs", 3001, 0.0, seed=11)
    assert sorted(np.bincount(y).tolist()) == [1000, 1000, 1001]
    for k, deg in enumerate([90, 210, 330]):
        a = math.radians(deg)
        np.testing.assert_allclose(X[y == k].mean(axis=0), [3 * math.cos(a), 3 * math.sin(a)], atol=0.1)
        assert X[y == k].std(axis=0) == pytest.approx([0.6, 0.6], rel=0.1)
    X, y = make_dataset("blobs", 3000, 0.2, seed=11)
    assert X[y == 0].std(axis=0) == pytest.approx([1.0, 1.0], rel=0.1)


# --- split ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "fraction", "n_train"),
    [(100, 0.5, 50), (10, 0.8, 8), (7, 1.0, 7), (5, 0.01, 1), (1, 0.5, 1), (3, 0.5, 2)],
)
def test_split_sizes(n, fraction, n_train):
    X, y = make_dataset("gauss", n, 0.1, seed=0)
    X_tr, y_tr, X_te, y_te = split(X, y, fraction, seed=0)
    assert X_tr.shape == (n_train, 2) and y_tr.shape == (n_train,)
    assert X_te.shape == (n - n_train, 2) and y_te.shape == (n - n_train,)
    assert X_tr.flags.c_contiguous and X_te.flags.c_contiguous


def test_split_all_train_gives_empty_test():
    X, y = make_dataset("line", 20, 0.1, seed=0)
    _, _, X_te, y_te = split(X, y, 1.0)
    assert X_te.shape == (0, 1) and y_te.shape == (0,)


def test_split_disjoint_and_complete():
    X, y = make_dataset("xor", 101, 0.1, seed=1)
    X_tr, y_tr, X_te, y_te = split(X, y, 0.7, seed=5)
    rows = [tuple(r) for r in X_tr] + [tuple(r) for r in X_te]
    assert len(set(rows)) == 101 == len(set(map(tuple, X)))
    assert set(rows) == set(map(tuple, X))
    # Rows and labels stay paired.
    lookup = {tuple(r): lab for r, lab in zip(X, y, strict=True)}
    for r, lab in zip(np.vstack((X_tr, X_te)), np.concatenate((y_tr, y_te)), strict=True):
        assert lookup[tuple(r)] == lab


def test_split_deterministic():
    X, y = make_dataset("circle", 50, 0.1, seed=1)
    a = split(X, y, 0.6, seed=3)
    b = split(X, y, 0.6, seed=3)
    c = split(X, y, 0.6, seed=4)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])


# --- features ------------------------------------------------------------------------


def test_feature_transform_values():
    X = np.array([[1.0, 2.0], [-0.5, 3.0]])
    out = feature_transform(X, FEATURES)
    x1, x2 = X[:, 0], X[:, 1]
    expected = np.column_stack((x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)))
    np.testing.assert_allclose(out, expected)
    assert out.dtype == np.float64 and out.flags.c_contiguous


def test_feature_transform_order_and_subset():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(feature_transform(X, ["x1*x2", "x1"]), [[2.0, 1.0], [12.0, 3.0]])
    np.testing.assert_allclose(feature_transform(X, "x2^2"), [[4.0], [16.0]])


def test_feature_transform_one_d():
    X, _ = make_dataset("line", 10, 0.0, seed=0)
    out = feature_transform(X, ("x1", "x1^2", "sin(x1)"))
    np.testing.assert_allclose(out, np.column_stack((X[:, 0], X[:, 0] ** 2, np.sin(X[:, 0]))))
    assert out.shape == (10, 3)


def test_feature_transform_int_input():
    out = feature_transform(np.array([[1, 2]]), ["x1^2", "x2"])
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[1.0, 2.0]])


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["circles", "", "Circle", None, 3])
def test_unknown_dataset(bad):
    with pytest.raises(ValueError, match=r"unknown dataset.*circle, xor, gauss, spiral"):
        make_dataset(bad)
    for fn in (is_classification, n_classes, input_dim):
        with pytest.raises(ValueError, match="valid names"):
            fn(bad)


@pytest.mark.parametrize("bad", [0, -5, 2.5, "10", True, None])
def test_bad_n_samples(bad):
    with pytest.raises(ValueError, match="n_samples must be an integer >= 1"):
        make_dataset("xor", bad)


def test_numpy_int_n_samples_ok():
    X, _ = make_dataset("xor", np.int64(12), seed=0)
    assert X.shape == (12, 2)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), -float("inf"), "0.1", None])
def test_bad_noise(bad):
    with pytest.raises(ValueError, match="noise must be a finite number >= 0"):
        make_dataset("xor", 10, bad)


@pytest.mark.parametrize("bad", [0, -0.5, 1.01, float("nan"), float("inf"), "0.5"])
def test_bad_train_fraction(bad):
    X, y = make_dataset("xor", 10, seed=0)
    with pytest.raises(ValueError, match=r"train_fraction must be in \(0, 1\]"):
        split(X, y, bad)


def test_split_length_mismatch():
    X, y = make_dataset("xor", 10, seed=0)
    with pytest.raises(ValueError, match="length mismatch.*10.*9"):
        split(X, y[:-1])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_split_non_finite(bad):
    X, y = make_dataset("xor", 10, seed=0)
    X[3, 1] = bad
    with pytest.raises(ValueError, match="X contains NaN or inf"):
        split(X, y)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_feature_transform_non_finite(bad):
    with pytest.raises(ValueError, match="X contains NaN or inf"):
        feature_transform(np.array([[1.0, bad]]), ["x1"])


def test_unknown_feature():
    with pytest.raises(ValueError, match=r"unknown feature 'x3'.*x1, x2, x1\^2"):
        feature_transform(np.zeros((2, 2)), ["x1", "x3"])


@pytest.mark.parametrize("empty", [[], ()])
def test_empty_features(empty):
    with pytest.raises(ValueError, match="features must not be empty; choose from: x1"):
        feature_transform(np.zeros((2, 2)), empty)


@pytest.mark.parametrize("feature", ["x2", "x2^2", "x1*x2", "sin(x2)"])
def test_feature_needs_x2_on_one_d(feature):
    with pytest.raises(ValueError, match=r"needs x2 but X is 1-D.*x1, x1\^2, sin\(x1\)"):
        feature_transform(np.zeros((3, 1)), ["x1", feature])


def test_feature_transform_bad_shape():
    with pytest.raises(ValueError, match=r"shape \(n, 1\) or \(n, 2\)"):
        feature_transform(np.zeros((3, 3)), ["x1"])


# --- digits --------------------------------------------------------------------------


@needs_sklearn
def test_digits_shapes_range_labels():
    X, y = make_dataset("digits", 1797, 0.0, seed=0)
    assert X.shape == (1797, 64) and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(np.unique(X * 16), np.arange(17))  # ink levels 0-16, divided by 16
    assert np.bincount(y).size == 10 and np.bincount(y).min() >= 170
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    # All 1,797 samples are every image once, shuffled, each still with its own label.
    ours = np.column_stack((X * 16, y))
    theirs = np.column_stack((images, labels))
    np.testing.assert_array_equal(ours[np.lexsort(ours.T)], theirs[np.lexsort(theirs.T)])


@needs_sklearn
def test_digits_subset_deterministic_and_noise():
    X1, y1 = make_dataset("digits", 300, 0.0, seed=3)
    X2, y2 = make_dataset("digits", 300, 0.0, seed=3)
    X3, _ = make_dataset("digits", 300, 0.0, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert set(np.unique(y1)) == set(range(10))
    Xn, yn = make_dataset("digits", 300, 0.1, seed=3)
    assert (Xn >= 0).all() and (Xn <= 1).all()
    assert not np.array_equal(Xn, X1)
    np.testing.assert_array_equal(yn, y1)  # the same images, with noise added
    inner = (X1 > 0.3) & (X1 < 0.7)  # far from the clipping bounds the noise is plain Gaussian
    assert np.std((Xn - X1)[inner]) == pytest.approx(0.1, rel=0.1)


@needs_sklearn
def test_digits_sample_cap():
    with pytest.raises(ValueError, match="1797"):
        make_dataset("digits", 1798)
    assert make_dataset("digits", 1, seed=0)[0].shape == (1, 64)


def test_digits_availability_without_sklearn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    monkeypatch.setattr(datasets_module, "_digits_cache", None)
    ok, why = dataset_available("digits")
    assert not ok and why == "the digits dataset needs scikit-learn: pip install 'nnstudio[digits]'"
    with pytest.raises(ValueError, match=r"needs scikit-learn: pip install 'nnstudio\[digits\]'"):
        make_dataset("digits", 10)
    assert dataset_available("circle") == (True, "")
    assert input_dim("digits") == 64  # metadata needs no scikit-learn


@needs_sklearn
def test_digits_available():
    assert dataset_available("digits") == (True, "")
    with pytest.raises(ValueError, match="unknown dataset"):
        dataset_available("digit")


def test_pixel_features():
    X = np.arange(2 * 64).reshape(2, 64)
    out = feature_transform(X, PIXEL_FEATURES)
    assert out.dtype == np.float64 and out.flags.c_contiguous and out.shape == (2, 64)
    np.testing.assert_array_equal(out, X)
    Xf = np.random.default_rng(0).random((3, 64))
    out = feature_transform(Xf, ["pixels"])
    np.testing.assert_array_equal(out, Xf)
    assert out is not Xf
    for bad in (["x1"], ["pixels", "x1"], []):
        with pytest.raises(ValueError, match="image data"):
            feature_transform(Xf, bad)
    with pytest.raises(ValueError, match="image data"):
        feature_transform(np.zeros((3, 2)), PIXEL_FEATURES)


@needs_sklearn
def test_digits_train_to_90_percent():
    from nnstudio.engine import Adam, Network, TrainingLoop, split

    X, y = make_dataset("digits", 1797, 0.0, seed=0)
    X_tr, y_tr, X_te, y_te = split(X, y, 0.7, seed=0)
    net = Network([64, 32, 10], "relu", "softmax", seed=0)
    loop = TrainingLoop(net, X_tr, y_tr, X_te, y_te, optimizer=Adam(0.01), batch_size=32, seed=0)
    start = time.perf_counter()
    for _ in range(20):
        loop.run_epoch()
        if loop.evaluations[-1].test_accuracy > 0.9:
            break
    assert loop.evaluations[-1].test_accuracy > 0.9
    assert time.perf_counter() - start < 5.0


def test_engine_import_does_not_load_sklearn():
    import subprocess

    code = (
        "import importlib, pkgutil, sys\n"
        "import nnstudio.engine\n"
        "for info in pkgutil.walk_packages(nnstudio.engine.__path__, 'nnstudio.engine.'):\n"
        "    importlib.import_module(info.name)\n"
        "from nnstudio.engine.datasets import dataset_available, input_dim\n"
        "dataset_available('digits'), input_dim('digits')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", "importing the engine loaded scikit-learn"
