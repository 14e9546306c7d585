"""TrainingLoop: one step is one mini-batch, epochs visit every sample once, settings change live."""

import math

import numpy as np
import pytest

from nnstudio.engine import (
    FEATURES,
    SGD,
    Adam,
    Evaluation,
    Network,
    TrainingLoop,
    feature_transform,
    make_dataset,
    split,
)

BCE = "binary_crossentropy"


def _xor(n=40, seed=1):
    return make_dataset("xor", n, seed=seed)


def _record_batches(loop):
    """Wraps the network's hot path so every mini-batch the loop trains on is recorded (as copies)."""
    net = loop.network
    inner = net._train_step
    batches = []

    def spy(xe, T, *args, **kwargs):
        batches.append((xe[:, :-1].copy(), T.copy()))
        return inner(xe, T, *args, **kwargs)

    net._train_step = spy  # an instance attribute shadows the method; run() looks it up each call
    return batches


def _params_and_counters(loop):
    return loop.network.flat_parameters(), loop.step_count, loop.epoch, len(loop.losses)


# ---- one step is one mini-batch --------------------------------------------------------------------


def test_full_batch_step_equals_train_step_on_the_data():
    X, y = _xor(40)
    net = Network([2, 4, 1], "tanh", "sigmoid", seed=2)
    ref = net.copy()
    initial = net.flat_parameters()
    np.testing.assert_array_equal(ref.flat_parameters(), initial)
    loop = TrainingLoop(net, X, y, optimizer=SGD(0.5), batch_size=40, seed=3)
    assert loop.loss == BCE  # the default for a sigmoid output

    loss_before = ref.loss(X, y, BCE)
    # The loop trains on a shuffled copy; the mean over a permutation is the same loss.
    perm = np.random.default_rng(0).permutation(40)
    assert ref.loss(X[perm], y[perm], BCE) == pytest.approx(loss_before, rel=1e-13)

    value = loop.step()
    assert loop.step_count == 1 and len(loop.losses) == 1
    assert loop.losses.array()[0] == value
    assert value == pytest.approx(loss_before, rel=1e-12)

    ref_value = ref.train_step(X, y, SGD(0.5), BCE)
    assert ref_value == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(net.flat_parameters(), ref.flat_parameters(), rtol=1e-12, atol=1e-12)
    assert np.abs(net.flat_parameters() - initial).max() > 1e-3  # it did train


def test_mini_batch_step_equals_train_step_on_that_batch():
    X, y = _xor(40)
    net = Network([2, 5, 1], "tanh", "sigmoid", seed=4)
    loop = TrainingLoop(net, X, y, optimizer=Adam(0.05), batch_size=8, seed=5)
    batches = _record_batches(loop)
    ref = net.copy()
    ref_opt = Adam(0.05)
    for k in range(7):  # across the epoch boundary (5 steps per epoch)
        before = loop.step_count, len(loop.losses)
        value = loop.step()
        assert (loop.step_count, len(loop.losses)) == (before[0] + 1, before[1] + 1)
        assert len(batches) == k + 1
        Xb, Tb = batches[-1]
        assert Xb.shape == (8, 2)
        ref_value = ref.train_step(Xb, Tb, ref_opt, BCE)
        assert ref_value == pytest.approx(value, rel=1e-13, abs=1e-15)
        np.testing.assert_allclose(net.flat_parameters(), ref.flat_parameters(), rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(loop.losses.array()[-1], value)


def test_run_returns_each_steps_loss():
    X, y = _xor(30)
    loop = TrainingLoop(Network([2, 3, 1], "tanh", "sigmoid", seed=0), X, y, batch_size=7, seed=1)
    out = loop.run(9)
    assert out.shape == (9,) and np.all(np.isfinite(out))
    assert loop.step_count == 9
    np.testing.assert_array_equal(loop.losses.array(), out)
    more = loop.run(2)
    np.testing.assert_array_equal(loop.losses.array(), np.concatenate([out, more]))
    assert loop.run(0).shape == (0,) and loop.step_count == 11


# ---- epochs ----------------------------------------------------------------------------------------


def test_epoch_counting_with_a_partial_last_batch():
    X, y = _xor(25)
    loop = TrainingLoop(Network([2, 3, 1], "tanh", "sigmoid", seed=0), X, y, batch_size=10, seed=1)
    batches = _record_batches(loop)
    assert loop.steps_per_epoch == 3
    assert (loop.epoch, loop.epoch_progress) == (0, 0.0)

    loop.step()
    assert (loop.epoch, loop.epoch_progress) == (0, pytest.approx(0.4))
    loop.step()
    assert (loop.epoch, loop.epoch_progress) == (0, pytest.approx(0.8))
    loop.step()
    assert (loop.epoch, loop.epoch_progress) == (1, 0.0)
    assert [len(b[0]) for b in batches] == [10, 10, 5]

    # From mid-epoch, run_epoch finishes only the current epoch.
    loop.step()
    assert (loop.epoch, loop.step_count) == (1, 4)
    out = loop.run_epoch()
    assert len(out) == 2
    assert (loop.epoch, loop.step_count, loop.epoch_progress) == (2, 6, 0.0)
    # From an epoch boundary it runs a whole epoch.
    out = loop.run_epoch()
    assert len(out) == 3
    assert (loop.epoch, loop.step_count) == (3, 9)
    assert [len(b[0]) for b in batches] == [10, 10, 5] * 3


def test_run_epoch_after_batch_size_change_mid_epoch():
    X, y = _xor(25)
    loop = TrainingLoop(Network([2, 3, 1], "tanh", "sigmoid", seed=0), X, y, batch_size=10, seed=1)
    batches = _record_batches(loop)
    loop.step()  # 10 of 25 done
    loop.batch_size = 4
    assert loop.steps_per_epoch == 7
    out = loop.run_epoch()  # 15 left: 4 + 4 + 4 + 3
    assert len(out) == 4 and loop.epoch == 1
    assert [len(b[0]) for b in batches] == [10, 4, 4, 4, 3]


def test_every_sample_is_visited_exactly_once_per_epoch():
    n = 23
    X = np.column_stack([np.arange(n, dtype=float), np.linspace(-1, 1, n)])
    y = (np.arange(n) % 2).astype(np.int64)
    loop = TrainingLoop(Network([2, 3, 1], "tanh", "sigmoid", seed=0), X, y, batch_size=5, seed=9)
    batches = _record_batches(loop)
    orders = []
    for epoch in range(1, 5):
        start = len(batches)
        loop.run_epoch()
        assert loop.epoch == epoch
        rows = np.concatenate([b[0] for b in batches[start:]])
        targets = np.concatenate([b[1] for b in batches[start:]])
        ids = rows[:, 0].astype(int)
        np.testing.assert_array_equal(np.sort(ids), np.arange(n))  # a permutation: each sample once
        np.testing.assert_array_equal(rows, X[ids])  # rows are intact
        np.testing.assert_array_equal(targets[:, 0], y[ids])  # targets travel with their samples
        orders.append(ids)
    assert not np.array_equal(orders[0], np.arange(n))  # shuffled…
    assert len({tuple(o) for o in orders}) == len(orders)  # …afresh every epoch


# ---- determinism -----------------------------------------------------------------------------------


def _loop(seed, net_seed=3, X=None, y=None):
    if X is None:
        X, y = _xor(60)
    return TrainingLoop(Network([2, 4, 1], "tanh", "sigmoid", seed=net_seed), X, y, optimizer=Adam(0.02),
                        batch_size=7, seed=seed)


def test_same_seeds_give_identical_runs():
    a, b = _loop(11), _loop(11)
    a.run(40)
    b.run(40)
    np.testing.assert_array_equal(a.losses.array(), b.losses.array())
    np.testing.assert_array_equal(a.network.flat_parameters(), b.network.flat_parameters())


def test_a_different_loop_seed_gives_a_different_order():
    a, b = _loop(11), _loop(12)
    ba, bb = _record_batches(a), _record_batches(b)
    a.run_epoch()
    b.run_epoch()
    order_a = np.concatenate([x for x, _ in ba])
    order_b = np.concatenate([x for x, _ in bb])
    assert not np.array_equal(order_a, order_b)
    np.testing.assert_array_equal(np.sort(order_a, axis=0), np.sort(order_b, axis=0))  # same samples
    assert not np.array_equal(a.losses.array(), b.losses.array())


# ---- evaluations -----------------------------------------------------------------------------------


def test_default_evaluation_interval_is_one_epoch():
    X, y = _xor(25)
    Xt, yt = _xor(12, seed=2)
    net = Network([2, 3, 1], "tanh", "sigmoid", seed=0)
    loop = TrainingLoop(net, X, y, Xt, yt, batch_size=10, seed=1)
    assert loop.eval_every is None and loop.steps_per_epoch == 3
    loop.run(2)
    assert loop.evaluations == []
    loop.run(4)
    assert [(e.step, e.epoch) for e in loop.evaluations] == [(3, 1), (6, 2)]
    # At epoch ends even when the batch size changes the number of steps per epoch.
    loop.batch_size = 5
    loop.run(5)
    assert [(e.step, e.epoch) for e in loop.evaluations][-1] == (11, 3)
    last = loop.evaluations[-1]
    assert isinstance(last, Evaluation)
    # Measured on the network as it was at step 6, which is now.
    assert last.train_loss == pytest.approx(net.loss(X, y, BCE), rel=1e-12)
    assert last.test_loss == pytest.approx(net.loss(Xt, yt, BCE), rel=1e-12)
    assert last.train_accuracy == np.mean((net.predict(X)[:, 0] > 0.5) == y)
    assert last.test_accuracy == np.mean((net.predict(Xt)[:, 0] > 0.5) == yt)
    assert 0.0 <= last.test_accuracy <= 1.0
    assert loop.evaluate() == last  # evaluate() is what the loop records


def test_a_long_run_evaluates_every_epoch_then_sparser_so_its_record_stays_small():
    """Found by the soak's memory trace: at full speed an epoch of the default data is 25 steps, so the
    per-epoch policy made about a thousand evaluations a second, each a Python object in both processes, for
    as long as the run went. The first 1,000 epochs are each evaluated; then every 2nd epoch up to 2,000,
    every 4th up to 4,000…: about a thousand evaluations per doubling of the run."""
    X, y = _xor(10)
    loop = TrainingLoop(Network([2, 2, 1], "tanh", "sigmoid", seed=0), X, y, batch_size=10, seed=1)
    assert loop.steps_per_epoch == 1
    loop.run(5000)
    epochs = [e.epoch for e in loop.evaluations]
    want = (list(range(1, 1001)) + list(range(1002, 2001, 2)) + list(range(2004, 4001, 4))
            + list(range(4008, 5001, 8)))
    assert epochs == want
    assert [e.step for e in loop.evaluations] == want  # one step an epoch here: each at its epoch's end


def test_custom_evaluation_interval_without_test_data():
    X, y = _xor(25)
    loop = TrainingLoop(Network([2, 3, 1], "tanh", "sigmoid", seed=0), X, y, batch_size=10, seed=1, eval_every=2)
    assert loop.eval_every == 2
    loop.run(7)
    assert [e.step for e in loop.evaluations] == [2, 4, 6]
    assert [e.epoch for e in loop.evaluations] == [0, 1, 2]
    for e in loop.evaluations:
        assert e.test_loss is None and e.test_accuracy is None
        assert math.isfinite(e.train_loss) and 0.0 <= e.train_accuracy <= 1.0
    # An empty test set counts as none.
    loop.set_data(X, y, X[:0], y[:0])
    assert loop.evaluate().test_loss is None


def test_regression_has_no_accuracy():
    X, y = make_dataset("reg-plane", 30, seed=0)
    loop = TrainingLoop(Network([2, 4, 1], "tanh", "linear", seed=0), X, y, X, y, batch_size=10, seed=0)
    assert loop.loss == "mse" and not loop.classification
    loop.run_epoch()
    (e,) = loop.evaluations
    assert e.train_accuracy is None and e.test_accuracy is None
    assert e.test_loss == pytest.approx(e.train_loss, rel=1e-12)  # same data on both sides


# ---- learning ----------------------------------------------------------------------------------------


def _learn(name, features, sizes, n, epochs, lr, seed):
    X, y = make_dataset(name, n, 0.0, seed=seed)
    X_train, y_train, X_test, y_test = split(X, y, 0.5, seed=seed)
    X_train, X_test = feature_transform(X_train, features), feature_transform(X_test, features)
    net = Network(sizes, "tanh", "sigmoid", seed=seed + 100)
    loop = TrainingLoop(net, X_train, y_train, X_test, y_test, optimizer=Adam(lr), batch_size=10, seed=seed + 7)
    first = loop.evaluate()
    for _ in range(epochs):
        loop.run_epoch()
    last = loop.evaluations[-1]
    assert last.epoch == epochs and len(loop.evaluations) == epochs
    assert last.test_loss < first.test_loss
    return last


def test_learns_xor():
    # Checked over 30 seeds: the worst test accuracy was 0.992.
    result = _learn("xor", ["x1", "x2"], [2, 8, 8, 1], n=500, epochs=50, lr=0.03, seed=0)
    assert result.test_accuracy > 0.95
    assert result.train_accuracy > 0.95


def test_learns_spiral_with_playground_features():
    # Checked over 30 seeds: the worst test accuracy was 0.984.
    result = _learn("spiral", FEATURES, [7, 8, 8, 1], n=1000, epochs=150, lr=0.01, seed=0)
    assert result.test_accuracy > 0.95
    assert result.train_accuracy > 0.95


def test_three_class_softmax_on_blobs_with_integer_labels():
    X, y = make_dataset("blobs", 300, seed=4)
    assert y.dtype.kind == "i" and set(np.unique(y)) == {0, 1, 2}
    X_train, y_train, X_test, y_test = split(X, y, 0.5, seed=4)
    net = Network([2, 6, 3], "tanh", "softmax", seed=1)
    loop = TrainingLoop(net, X_train, y_train, X_test, y_test, optimizer=Adam(0.03), batch_size=10, seed=2)
    assert loop.loss == "categorical_crossentropy" and loop.classification
    for _ in range(10):
        loop.run_epoch()
    e = loop.evaluations[-1]
    # Accuracy is argmax against the integer labels; the loss compared with their one-hot encoding.
    assert e.test_accuracy == np.mean(net.predict(X_test).argmax(axis=1) == y_test)
    assert e.test_loss == pytest.approx(net.loss(X_test, np.eye(3)[y_test], "categorical_crossentropy"), rel=1e-12)
    assert e.train_accuracy > 0.95 and e.test_accuracy > 0.95


# ---- live changes ------------------------------------------------------------------------------------


def test_settings_change_mid_training_without_resetting_parameters():
    X, y = _xor(40)
    net = Network([2, 4, 1], "tanh", "sigmoid", seed=2)
    loop = TrainingLoop(net, X, y, optimizer=SGD(0.1), batch_size=10, seed=3)
    loop.run(8)  # two whole epochs, so the next step starts a fresh one
    before, steps, epoch, n_losses = _params_and_counters(loop)

    loop.loss = "mse"
    loop.batch_size = 40
    loop.l1 = 0.001
    loop.l2 = 0.01
    loop.optimizer.learning_rate = 0.3
    assert (loop.loss, loop.batch_size, loop.l1, loop.l2, loop.optimizer.learning_rate) == (
        "mse", 40, 0.001, 0.01, 0.3,
    )
    np.testing.assert_array_equal(net.flat_parameters(), before)  # nothing reset
    assert (loop.step_count, len(loop.losses)) == (steps, n_losses)

    # The next step is a full-batch mse step with the new penalty and learning rate.
    ref = net.copy()
    expected = ref.loss(X, y, "mse", 0.001, 0.01)
    value = loop.step()
    assert value == pytest.approx(expected, rel=1e-12)
    ref.train_step(X, y, SGD(0.3), "mse", 0.001, 0.01)
    np.testing.assert_allclose(net.flat_parameters(), ref.flat_parameters(), rtol=1e-12, atol=1e-12)
    assert loop.step_count == steps + 1 and loop.epoch >= epoch

    # Aliases resolve to the canonical names.
    loop.loss = "bce"
    assert loop.loss == BCE


def test_bad_settings_raise_and_change_nothing():
    X, y = _xor(40)
    loop = TrainingLoop(Network([2, 4, 1], "tanh", "sigmoid", seed=2), X, y, optimizer=SGD(0.1),
                        batch_size=10, l2=0.001, seed=3)
    loop.run(3)
    state = _params_and_counters(loop)
    settings = (loop.loss, loop.batch_size, loop.l1, loop.l2, loop.optimizer.learning_rate)

    for bad in (0, -3, 2.5, True, "10", None):
        with pytest.raises(ValueError, match="batch_size"):
            loop.batch_size = bad
    for bad in (-0.1, math.nan, math.inf, "lots"):
        with pytest.raises(ValueError, match="l2"):
            loop.l2 = bad
        with pytest.raises(ValueError, match="l1"):
            loop.l1 = bad
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        loop.loss = "hinge"
    with pytest.raises(ValueError, match="learning_rate"):
        loop.optimizer.learning_rate = 0

    assert (loop.loss, loop.batch_size, loop.l1, loop.l2, loop.optimizer.learning_rate) == settings
    after = _params_and_counters(loop)
    np.testing.assert_array_equal(after[0], state[0])
    assert after[1:] == state[1:]
    loop.step()  # still trains, on the old settings
    assert loop.step_count == state[1] + 1


def test_crossentropy_on_a_linear_output_is_rejected():
    X, y = make_dataset("reg-plane", 30, seed=0)
    net = Network([2, 4, 1], "tanh", "linear", seed=0)
    with pytest.raises(ValueError, match="sigmoid"):
        TrainingLoop(net, X, y, loss=BCE)
    loop = TrainingLoop(net, X, y, batch_size=10, seed=0)
    loop.run(2)
    params = net.flat_parameters()
    with pytest.raises(ValueError, match="binary_crossentropy.*sigmoid"):
        loop.loss = BCE
    with pytest.raises(ValueError, match="softmax"):
        loop.loss = "categorical_crossentropy"
    assert loop.loss == "mse"
    np.testing.assert_array_equal(net.flat_parameters(), params)
    assert math.isfinite(loop.step())


# ---- set_data ----------------------------------------------------------------------------------------


def test_set_data_rejects_bad_data_and_keeps_the_old():
    X, y = _xor(25)
    loop = TrainingLoop(Network([2, 3, 1], "tanh", "sigmoid", seed=0), X, y, batch_size=10, seed=1)
    loop.step()
    progress = loop.epoch_progress

    with pytest.raises(ValueError, match="X has 25 samples but y has 24"):
        loop.set_data(X, y[:-1])
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        loop.set_data(X_nan, y)
    with pytest.raises(ValueError, match=r"shape \(25, 3\), expected \(n_samples, 2\)"):
        loop.set_data(np.column_stack([X, X[:, 0]]), y)
    with pytest.raises(ValueError, match="X_test has 5 samples but y_test has 4"):
        loop.set_data(X, y, X[:5], y[:4])
    with pytest.raises(ValueError, match="X_test contains NaN"):
        loop.set_data(X, y, X_nan[:5], y[:5])
    with pytest.raises(ValueError, match="X_test has shape"):
        loop.set_data(X, y, X[:5, :1], y[:5])
    with pytest.raises(ValueError, match="labels|between 0 and 1"):
        loop.set_data(X, y + 5)
    with pytest.raises(ValueError, match="X has 25 samples but y has 3"):
        TrainingLoop(Network([2, 3, 1], "tanh", "sigmoid"), X, y[:3])

    # The old data is still in place, mid-epoch where it was.
    assert loop.steps_per_epoch == 3 and loop.epoch_progress == progress
    loop.step()
    assert loop.epoch_progress == pytest.approx(0.8)


def test_set_data_starts_a_fresh_epoch_on_the_new_data():
    X, y = _xor(25)
    loop = TrainingLoop(Network([2, 3, 1], "tanh", "sigmoid", seed=0), X, y, batch_size=10, seed=1)
    batches = _record_batches(loop)
    loop.step()
    X2, y2 = _xor(12, seed=5)
    loop.set_data(X2, y2)
    assert loop.steps_per_epoch == 2 and loop.epoch_progress == 0.0
    loop.run(2)
    seen = np.concatenate([b[0] for b in batches[1:]])
    np.testing.assert_array_equal(np.sort(seen, axis=0), np.sort(X2, axis=0))
    assert loop.epoch == 1
