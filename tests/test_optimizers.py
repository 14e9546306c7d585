"""Optimizers against their closed-form update rules, written out by hand with plain NumPy.

The references below never touch an optimizer's buffers: they recompute the torch.optim rule from the
gradients alone and compare the parameters (and ``last_update``) after every step.
"""

import math

import numpy as np
import pytest

from nnstudio.engine import SGD, Adam, Optimizer, RMSprop, make_optimizer

P0 = np.array([0.5, -1.25, 2.0, 0.0])
GRADS = [
    np.array([0.1, -0.3, 2.5, -0.02]),
    np.array([-0.4, 0.2, 1.5, 0.03]),
    np.array([0.25, -0.75, -1.0, 0.5]),
]
RTOL = 1e-13


def _run(opt: Optimizer, grads=GRADS, p0=P0):
    """Steps ``opt`` through ``grads``; returns the parameters and ``last_update`` after each step."""
    p = p0.copy()
    params, updates = [], []
    for g in grads:
        before = p.copy()
        opt.step(p, g.copy())
        params.append(p.copy())
        updates.append(opt.last_update.copy())
        # last_update is exactly what the step added (p_new = p_old + Δ, so p_new − p_old ≈ Δ).
        np.testing.assert_allclose(opt.last_update, p - before, rtol=1e-12, atol=1e-15)
    return params, updates


def _assert_matches(opt, expected_params, expected_updates, rtol=RTOL, exact=False):
    params, updates = _run(opt)
    assert len(params) == len(expected_params)
    for k, (got, want, upd, want_upd) in enumerate(zip(params, expected_params, updates, expected_updates)):
        if exact:
            np.testing.assert_array_equal(got, want, err_msg=f"params after step {k + 1}")
            np.testing.assert_array_equal(upd, want_upd, err_msg=f"update at step {k + 1}")
        else:
            np.testing.assert_allclose(got, want, rtol=rtol, atol=0, err_msg=f"params after step {k + 1}")
            np.testing.assert_allclose(upd, want_upd, rtol=rtol, atol=0, err_msg=f"update at step {k + 1}")


# ---- hand-written references -------------------------------------------------------------------


def ref_sgd(lr, momentum=0.0, nesterov=False):
    p, v = P0.copy(), np.zeros_like(P0)
    params, updates = [], []
    for g in GRADS:
        if momentum == 0.0:
            d = g
        else:
            v = momentum * v + g
            d = g + momentum * v if nesterov else v
        new = p - lr * d
        params.append(new)
        updates.append(-lr * d)
        p = new
    return params, updates


def ref_adam(lr, b1, b2, eps):
    p, m, v = P0.copy(), np.zeros_like(P0), np.zeros_like(P0)
    params, updates = [], []
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        d = -lr * m_hat / (np.sqrt(v_hat) + eps)
        p = p + d
        params.append(p)
        updates.append(d)
    return params, updates


def ref_rmsprop(lr, rho, eps, momentum=0.0, centered=False):
    p, v, g_avg, buf = P0.copy(), np.zeros_like(P0), np.zeros_like(P0), np.zeros_like(P0)
    params, updates = [], []
    for g in GRADS:
        v = rho * v + (1 - rho) * g * g
        if centered:
            g_avg = rho * g_avg + (1 - rho) * g
            denom = np.sqrt(v - g_avg * g_avg) + eps
        else:
            denom = np.sqrt(v) + eps
        if momentum > 0:
            buf = momentum * buf + g / denom
            d = -lr * buf
        else:
            d = -lr * g / denom
        p = p + d
        params.append(p)
        updates.append(d)
    return params, updates


# ---- update rules ------------------------------------------------------------------------------


def test_sgd_plain_is_exact():
    opt = SGD(learning_rate=0.1)
    _assert_matches(opt, *ref_sgd(0.1), exact=True)
    assert opt.iterations == 3


def test_sgd_momentum_torch_rule():
    # v starts at 0 and is not dampened: the first step is a plain SGD step.
    _assert_matches(SGD(0.05, momentum=0.9), *ref_sgd(0.05, 0.9), exact=True)
    params, _ = _run(SGD(0.05, momentum=0.9), grads=GRADS[:1])
    np.testing.assert_array_equal(params[0], P0 - 0.05 * GRADS[0])


def test_sgd_nesterov_torch_rule():
    _assert_matches(SGD(0.05, momentum=0.8, nesterov=True), *ref_sgd(0.05, 0.8, nesterov=True), rtol=RTOL)
    # Nesterov really differs from plain momentum from the first step on.
    a, _ = _run(SGD(0.05, momentum=0.8, nesterov=True))
    b, _ = _run(SGD(0.05, momentum=0.8))
    assert not np.allclose(a[0], b[0])


@pytest.mark.parametrize(
    "lr, b1, b2, eps", [(0.001, 0.9, 0.999, 1e-7), (0.1, 0.5, 0.9, 1e-3), (0.02, 0.0, 0.99, 1e-8)]
)
def test_adam_bias_corrected_torch_rule(lr, b1, b2, eps):
    _assert_matches(Adam(lr, beta_1=b1, beta_2=b2, epsilon=eps), *ref_adam(lr, b1, b2, eps))


def test_adam_first_step_is_about_lr_times_sign():
    # With bias correction the first step is lr·g/(|g| + ε): a sign step of size ≈ lr.
    p = P0.copy()
    Adam(0.01, epsilon=1e-7).step(p, GRADS[0].copy())
    g = GRADS[0]
    np.testing.assert_allclose(p, P0 - 0.01 * g / (np.abs(g) + 1e-7), rtol=RTOL)


def test_rmsprop_plain():
    _assert_matches(RMSprop(0.01, rho=0.9, epsilon=1e-7), *ref_rmsprop(0.01, 0.9, 1e-7))


def test_rmsprop_momentum():
    _assert_matches(RMSprop(0.01, rho=0.8, momentum=0.7, epsilon=1e-6), *ref_rmsprop(0.01, 0.8, 1e-6, momentum=0.7))


def test_rmsprop_centered():
    _assert_matches(RMSprop(0.01, rho=0.9, epsilon=1e-7, centered=True), *ref_rmsprop(0.01, 0.9, 1e-7, centered=True))


def test_rmsprop_centered_with_momentum():
    _assert_matches(
        RMSprop(0.02, rho=0.7, momentum=0.5, epsilon=1e-5, centered=True),
        *ref_rmsprop(0.02, 0.7, 1e-5, momentum=0.5, centered=True),
    )


def test_step_updates_in_place_and_not_the_gradient():
    # The network's parameters are views into one flat vector, so the step must write into it.
    buffer = np.concatenate([P0, [7.0]])
    p = buffer[:-1]
    g = GRADS[0].copy()
    assert Adam(0.1).step(p, g) is None
    assert not np.array_equal(buffer[:-1], P0) and buffer[-1] == 7.0
    np.testing.assert_array_equal(g, GRADS[0])


# ---- Keras names, defaults and learning-rate changes ----------------------------------------------


def test_keras_argument_names_and_defaults():
    adam = Adam()
    assert (adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon) == (0.001, 0.9, 0.999, 1e-7)
    assert adam.config() == {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}
    rms = RMSprop()
    assert (rms.learning_rate, rms.rho, rms.epsilon, rms.momentum, rms.centered) == (0.001, 0.9, 1e-7, 0.0, False)
    sgd = SGD()
    assert (sgd.learning_rate, sgd.momentum, sgd.nesterov) == (0.01, 0.0, False)
    # Keyword construction with Keras' names.
    a = Adam(learning_rate=0.5, beta_1=0.8, beta_2=0.95, epsilon=1e-4)
    assert a.config() == {"learning_rate": 0.5, "beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-4}
    r = RMSprop(learning_rate=0.2, rho=0.5, momentum=0.1, epsilon=1e-3, centered=True)
    assert r.config() == {"learning_rate": 0.2, "rho": 0.5, "momentum": 0.1, "epsilon": 1e-3, "centered": True}
    assert repr(sgd) == "SGD(learning_rate=0.01, momentum=0.0, nesterov=False)"


@pytest.mark.parametrize("make", [lambda: SGD(0.1, momentum=0.5), lambda: Adam(0.1), lambda: RMSprop(0.1)])
def test_changing_learning_rate_between_steps_takes_effect(make):
    # Same gradients, lr halved before the second step: the second update is exactly half as large
    # as with the old lr (the moments do not depend on lr).
    fixed, halved = make(), make()
    p1, p2 = P0.copy(), P0.copy()
    fixed.step(p1, GRADS[0])
    halved.step(p2, GRADS[0])
    np.testing.assert_array_equal(p1, p2)
    halved.learning_rate = 0.05
    assert halved.learning_rate == 0.05
    fixed.step(p1, GRADS[1])
    halved.step(p2, GRADS[1])
    np.testing.assert_allclose(halved.last_update, 0.5 * fixed.last_update, rtol=1e-14)


def test_make_optimizer():
    opt = make_optimizer("adam", learning_rate=0.1)
    assert isinstance(opt, Adam) and opt.learning_rate == 0.1 and opt.beta_1 == 0.9
    assert isinstance(make_optimizer("SGD", momentum=0.9), SGD)
    rms = make_optimizer("rmsprop", rho=0.5)
    assert isinstance(rms, RMSprop) and rms.rho == 0.5
    with pytest.raises(ValueError, match=r"unknown optimizer 'adagrad'.*sgd, adam, rmsprop"):
        make_optimizer("adagrad")
    with pytest.raises(ValueError, match="unknown optimizer"):
        make_optimizer(None)


# ---- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0, 0.0, -0.1, math.nan, math.inf, -math.inf, "fast", None, [0.1]])
@pytest.mark.parametrize("cls", [SGD, Adam, RMSprop])
def test_bad_learning_rate(cls, lr):
    with pytest.raises(ValueError, match="learning_rate"):
        cls(learning_rate=lr)
    opt = cls(learning_rate=0.1)
    with pytest.raises(ValueError, match="learning_rate"):
        opt.learning_rate = lr
    assert opt.learning_rate == 0.1  # a rejected value changes nothing


@pytest.mark.parametrize(
    "make, arg",
    [
        (lambda: SGD(0.1, momentum=1.0), "momentum"),
        (lambda: SGD(0.1, momentum=-0.1), "momentum"),
        (lambda: SGD(0.1, momentum=math.nan), "momentum"),
        (lambda: SGD(0.1, momentum=0.0, nesterov=True), "nesterov"),
        (lambda: SGD(0.1, nesterov=True), "nesterov"),
        (lambda: Adam(beta_1=1.0), "beta_1"),
        (lambda: Adam(beta_1=1.5), "beta_1"),
        (lambda: Adam(beta_1=-0.1), "beta_1"),
        (lambda: Adam(beta_2=1.0), "beta_2"),
        (lambda: Adam(epsilon=0.0), "epsilon"),
        (lambda: Adam(epsilon=-1e-7), "epsilon"),
        (lambda: RMSprop(rho=1.0), "rho"),
        (lambda: RMSprop(rho=-0.5), "rho"),
        (lambda: RMSprop(momentum=1.0), "momentum"),
        (lambda: RMSprop(momentum=-0.5), "momentum"),
        (lambda: RMSprop(epsilon=0), "epsilon"),
        (lambda: RMSprop(epsilon=math.inf), "epsilon"),
    ],
)
def test_bad_hyperparameters_name_the_argument(make, arg):
    with pytest.raises(ValueError, match=arg):
        make()


# ---- state: save, restore, resize ----------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: SGD(0.1, momentum=0.9),
        lambda: SGD(0.1, momentum=0.9, nesterov=True),
        lambda: Adam(0.05),
        lambda: RMSprop(0.01, momentum=0.5, centered=True),
    ],
)
def test_state_round_trip_gives_the_same_next_step(make):
    src = make()
    p = P0.copy()
    for g in GRADS[:2]:
        src.step(p, g)
    state = src.state_arrays()
    assert state and set(state) == set(type(src)._state_names)
    assert src.iterations == 2

    dst = make()
    dst.load_state_arrays(P0.size, src.iterations, state)
    assert dst.iterations == 2
    q = p.copy()
    src.step(p, GRADS[2])
    dst.step(q, GRADS[2])
    np.testing.assert_array_equal(q, p)
    np.testing.assert_array_equal(dst.last_update, src.last_update)

    # state_arrays returns copies: the saved state did not move with the third step.
    after = src.state_arrays()
    assert any(not np.array_equal(state[k], after[k]) for k in state)
    fresh = make()
    fresh.load_state_arrays(P0.size, 2, state)
    r = p - src.last_update  # (up to rounding) the parameters before the third step
    fresh.step(r, GRADS[2])
    np.testing.assert_allclose(r, p, rtol=1e-14)


def test_adam_restore_needs_iterations():
    # The bias correction depends on the step count, so restoring it is not optional.
    src = Adam(0.05)
    p = P0.copy()
    for g in GRADS[:2]:
        src.step(p, g)
    wrong = Adam(0.05)
    wrong.load_state_arrays(P0.size, 0, src.state_arrays())
    q = p.copy()
    src.step(p, GRADS[2])
    wrong.step(q, GRADS[2])
    assert not np.allclose(p, q, rtol=1e-6)


def test_state_is_empty_before_the_first_step_and_reset_on_resize():
    opt = Adam(0.1)
    assert opt.state_arrays() == {}
    opt.step(P0.copy(), GRADS[0])
    assert opt.state_arrays()["m"].shape == P0.shape
    # A different parameter count (the network changed) starts from fresh moments: the first step
    # on the new vector is a bias-corrected first step again.
    p = np.array([1.0, 2.0])
    g = np.array([0.3, -0.6])
    opt.step(p, g)
    assert opt.iterations == 1
    np.testing.assert_allclose(p, [1.0, 2.0] - 0.1 * g / (np.abs(g) + 1e-7), rtol=RTOL)
    opt.reset()
    assert opt.iterations == 0 and opt.state_arrays() == {}


# ---- against torch.optim -------------------------------------------------------------------------


def test_matches_torch_optim():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    p0 = rng.normal(size=12)
    grads = [rng.normal(size=12) * s for s in (1.0, 0.3, 2.0, 0.01, 0.7)]

    cases = [
        (SGD(0.05, momentum=0.9), lambda t: torch.optim.SGD([t], lr=0.05, momentum=0.9)),
        (
            SGD(0.05, momentum=0.9, nesterov=True),
            lambda t: torch.optim.SGD([t], lr=0.05, momentum=0.9, nesterov=True),
        ),
        (Adam(0.01), lambda t: torch.optim.Adam([t], lr=0.01, betas=(0.9, 0.999), eps=1e-7)),
        (
            Adam(0.2, beta_1=0.5, beta_2=0.9, epsilon=1e-4),
            lambda t: torch.optim.Adam([t], lr=0.2, betas=(0.5, 0.9), eps=1e-4),
        ),
        (RMSprop(0.01), lambda t: torch.optim.RMSprop([t], lr=0.01, alpha=0.9, eps=1e-7)),
        (
            RMSprop(0.01, rho=0.8, momentum=0.6, epsilon=1e-6, centered=True),
            lambda t: torch.optim.RMSprop([t], lr=0.01, alpha=0.8, eps=1e-6, momentum=0.6, centered=True),
        ),
        (
            RMSprop(0.03, momentum=0.9),
            lambda t: torch.optim.RMSprop([t], lr=0.03, alpha=0.9, eps=1e-7, momentum=0.9),
        ),
    ]
    for ours, make_theirs in cases:
        t = torch.tensor(p0.copy(), dtype=torch.float64, requires_grad=True)
        theirs = make_theirs(t)
        p = p0.copy()
        for k, g in enumerate(grads):
            ours.step(p, g)
            t.grad = torch.tensor(g, dtype=torch.float64)
            theirs.step()
            np.testing.assert_allclose(
                p, t.detach().numpy(), rtol=1e-12, atol=1e-15, err_msg=f"{ours!r} step {k + 1}"
            )
        assert not np.allclose(p, p0)
