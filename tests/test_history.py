"""The per-step parameter history: storage, thinning, recording from the loop, and rewinding the trainer."""

import numpy as np
import pytest

import nnstudio.engine.loop as loop_module
import nnstudio.training.history as history_module
from nnstudio.engine import SGD, Adam, Network, RMSprop, TrainingLoop
from nnstudio.engine.loop import recorded_state_names
from nnstudio.training.history import History
from nnstudio.training.problem import ProblemSpec
from nnstudio.training.trainer import Trainer


def drain(trainer):
    snaps = []
    while (s := trainer.mailbox.take()) is not None:
        snaps.append(s)
    return snaps


def row(step, n=3):
    """Parameters that name their step, to check any row against the step it claims."""
    return step + np.arange(n) / 10.0


# ---- History -------------------------------------------------------------------------------------
def test_every_step_is_exact_and_nearest_finds_the_step_at_or_before():
    h = History(3, state_size=2)
    h.record(0, row(0), np.zeros(2), epoch=0, iterations=0)
    block = np.array([row(s) for s in range(1, 11)])
    state = np.array([[s, -s] for s in range(1, 11)], dtype=float)
    h.record_block(0, block, state, epochs=np.arange(1, 11) // 4, iterations=np.arange(1, 11))
    assert len(h) == 11 and list(h.steps) == list(range(11))
    for s in range(11):
        np.testing.assert_array_equal(h.params_at(s), row(s))
        assert h.nearest(s) == s and h.epoch_at(s) == s // 4 and h.iterations_at(s) == s
    np.testing.assert_array_equal(h.state_at(7), [7.0, -7.0])
    p = h.params_at(3)
    p[0] = 99.0  # a copy
    np.testing.assert_array_equal(h.params_at(3), row(3))
    h.record_block(20, np.array([row(21)]), None)  # a gap, without state: unknown there
    assert h.nearest(15) == 10 and h.nearest(21) == 21 and h.nearest(10**9) == 21 and h.nearest(-5) == 0
    assert h.state_at(21) is None and h.iterations_at(21) == -1 and h.epoch_at(21) == 10 // 4
    with pytest.raises(LookupError):
        History(3).nearest(0)


def test_recording_an_earlier_step_replaces_it_and_drops_later_rows():
    h = History(3)
    h.record_block(-1, np.array([row(s) for s in range(6)]), None)
    h.record(3, row(30))  # an edit at step 3 after steps 4 and 5 were recorded (a branch)
    assert list(h.steps) == [0, 1, 2, 3]
    np.testing.assert_array_equal(h.params_at(3), row(30))
    h.record_block(1, np.array([row(12), row(13)]), None)
    assert list(h.steps) == [0, 1, 2, 3]
    np.testing.assert_array_equal(h.params_at(2), row(12))
    np.testing.assert_array_equal(h.params_at(3), row(13))


def test_truncate_keeps_step_zero_and_earlier_rows():
    h = History(3)
    h.record_block(-1, np.array([row(s) for s in range(10)]), None)
    h.truncate_after(4)
    assert list(h.steps) == [0, 1, 2, 3, 4]
    h.truncate_after(-1)
    assert list(h.steps) == [0]
    np.testing.assert_array_equal(h.params_at(100), row(0))


@pytest.mark.parametrize("block", [1, 7, 1000])
def test_thinning_keeps_memory_under_a_tiny_cap_with_step_zero_and_the_latest_steps_exact(block):
    probe = History(3, 2)
    cap = int(probe.bytes_per_step * 40)
    h = History(3, 2, memory_cap_bytes=cap)
    total = 3000
    for first in range(-1, total, block):
        m = min(block, total - first)
        steps = np.arange(first + 1, first + 1 + m)
        h.record_block(first, np.array([row(s) for s in steps]), np.stack([steps, -steps], axis=1).astype(float),
                       epochs=steps // 10, iterations=steps)
        assert h.nbytes <= cap
    steps = h.steps
    assert steps[0] == 0 and steps[-1] == total and np.all(np.diff(steps) > 0)
    assert 20 <= len(h) <= 40
    for s in steps:  # every kept row is the one recorded for its step
        np.testing.assert_array_equal(h.params_at(s), row(s))
        np.testing.assert_array_equal(h.state_at(s), [s, -s])
        assert h.epoch_at(s) == s // 10 and h.iterations_at(s) == s
    exact = len(steps) - 1 - np.flatnonzero(np.diff(steps) > 1)[-1]  # the consecutive latest steps
    assert exact >= 10  # at least the latest full segment (a quarter of the rows this cap allows)
    thinned = steps[1 : len(steps) - exact]
    assert len(thinned) >= 5 and np.all(thinned % 2 == 0)  # older steps were thinned to even strides…
    assert np.max(np.diff(steps)) <= total // 4  # …over the whole run, not only its end


def test_many_segments_truncate_reset_and_thin_across_their_boundaries(monkeypatch):
    monkeypatch.setattr(history_module, "_SEGMENT_BYTES", 5 * 8 * (3 + 3 + 2))  # 5 rows a segment
    h = History(3, 2)
    h.record_block(-1, np.array([row(s) for s in range(103)]), np.ones((103, 2)), iterations=7)
    assert len(h) == 103 and list(h.steps) == list(range(103)) and h.nbytes <= 21 * h.bytes_per_step * 5
    for s in (0, 4, 5, 6, 50, 99, 102):
        np.testing.assert_array_equal(h.params_at(s), row(s))
    h.truncate_after(37)  # in the middle of a segment
    assert list(h.steps) == list(range(38)) and h.nearest(1000) == 37
    h.truncate_after(40)  # nothing after it
    h.record_block(39, np.array([row(40), row(41)]), None)  # a gap
    assert list(h.steps)[-3:] == [37, 40, 41] and h.nearest(39) == 37 and h.state_at(41) is None
    h.truncate_after(4)  # exactly at a segment's end
    assert list(h.steps) == [0, 1, 2, 3, 4]
    h.record_block(4, np.array([row(s) for s in range(5, 60)]), np.ones((55, 2)), iterations=1)
    h.reset_state(4)  # the optimizer changed: a wider state, same parameters, no state known
    assert h.state_size == 4 and list(h.steps) == list(range(60)) and h.state_at(30) is None
    np.testing.assert_array_equal(h.params_at(59), row(59))
    small = History(3, 0, memory_cap_bytes=int(History(3).bytes_per_step * 20))  # 4 segments of 5 rows
    for s in range(0, 500):
        small.record(s, row(s))
        assert small.nbytes <= small.memory_cap_bytes
    steps = small.steps
    assert steps[0] == 0 and list(steps[-5:]) == list(range(495, 500)) and np.max(np.diff(steps)) <= 500 // 3
    for s in steps:
        np.testing.assert_array_equal(small.params_at(s), row(s))


def test_to_and_from_arrays_round_trip_and_reject_bad_files():
    h = History(3, 2)
    h.record(0, row(0), [0.0, 0.0], epoch=0, iterations=0)
    h.record_block(4, np.array([row(5), row(6)]), np.array([[1.0, 2.0], [3.0, 4.0]]), epochs=[1, 1],
                   iterations=[5, 6])
    arrays = h.to_arrays()
    assert set(arrays) == {"steps", "epochs", "iterations", "params", "state"}
    assert arrays["steps"].dtype == np.int64 and arrays["params"].shape == (3, 3) and arrays["state"].shape == (3, 2)
    back = History.from_arrays(arrays)
    for key, value in back.to_arrays().items():
        np.testing.assert_array_equal(value, arrays[key])
    plain = History.from_arrays({"steps": arrays["steps"], "params": arrays["params"]})
    assert plain.state_size == 0 and "state" not in plain.to_arrays() and plain.iterations_at(6) == -1
    with pytest.raises(ValueError):
        History.from_arrays({"steps": np.array([0, 2, 2]), "params": arrays["params"]})
    with pytest.raises(ValueError):
        History.from_arrays({"steps": arrays["steps"], "params": np.full((3, 3), np.nan)})
    with pytest.raises(ValueError):
        History.from_arrays({"params": arrays["params"]})
    small = History.from_arrays(arrays, memory_cap_bytes=int(h.bytes_per_step * 4))
    assert small.nbytes <= h.bytes_per_step * 4 and small.nearest(6) == 6


def test_reset_state_forgets_the_old_optimizer_state():
    h = History(3, 2)
    h.record(0, row(0), [1.0, 2.0], epoch=0, iterations=0)
    h.record(1, row(1), [1.0, 2.0], epoch=0, iterations=1)
    h.reset_state(6)
    assert h.state_size == 6 and h.state_at(1) is None and h.iterations_at(1) == -1
    np.testing.assert_array_equal(h.params_at(1), row(1))
    h.record(2, row(2), np.arange(6.0), iterations=1)
    np.testing.assert_array_equal(h.state_at(2), np.arange(6.0))


def test_a_hundred_thousand_playground_steps_fit_well_under_the_cap():
    n = 25  # [2,4,2,1]
    h = History(n)
    block = np.zeros((1000, n))
    for first in range(-1, 100_000, 1000):
        h.record_block(first, block, None)
    assert len(h) == 100_000 + 1000  # every step kept
    assert h.bytes_per_step == 8 * (25 + 3) and h.nbytes < 40e6
    assert History(n, 2 * n).bytes_per_step * 100_000 < 70e6  # with Adam's state: still far under 200 MB


# ---- recording from the loop ---------------------------------------------------------------------
def _xor_loop(optimizer, seed=3):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((37, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    net = Network([2, 4, 2, 1], "tanh", "sigmoid", seed=1)
    return TrainingLoop(net, X, y, optimizer=optimizer, batch_size=5, seed=seed)


@pytest.mark.parametrize("make_opt", [lambda: SGD(0.1), lambda: SGD(0.1, momentum=0.9), lambda: Adam(0.01),
                                      lambda: RMSprop(0.01, momentum=0.5, centered=True)])
@pytest.mark.parametrize("block_rows", [None, 7])
def test_loop_records_the_parameters_and_state_after_every_step(make_opt, block_rows, monkeypatch):
    if block_rows:  # a run() longer than the recording block hands its rows over in several blocks
        monkeypatch.setattr(loop_module, "_RECORD_BLOCK_BYTES", 8 * 25 * block_rows)
    recorded, manual = _xor_loop(make_opt()), _xor_loop(make_opt())
    names = recorded_state_names(recorded.optimizer)
    n = recorded.network.n_params
    h = History(n, len(names) * n)
    h.record(0, recorded.network.flat_parameters(), np.zeros(h.state_size) if names else None, iterations=0)
    recorded.recorder = h
    losses = np.concatenate([recorded.run(m) for m in (1, 4, 30, 0, 12)])
    expected_losses = []
    for s in range(1, 48):
        expected_losses.append(manual.step())
        np.testing.assert_array_equal(h.params_at(s), manual.network._params)
        assert h.epoch_at(s) == manual.epoch and h.iterations_at(s) == manual.optimizer.iterations == s
        if names:
            st = manual.optimizer.state_arrays()
            np.testing.assert_array_equal(h.state_at(s), np.concatenate([st[a] for a in names]))
        else:
            assert h.state_at(s) is None
    np.testing.assert_array_equal(losses, expected_losses)  # recording does not change the training
    assert list(h.steps) == list(range(48))


# ---- the trainer ---------------------------------------------------------------------------------
def _trainer(**changes):
    t = Trainer(ProblemSpec().replace(**changes), threaded=False)
    drain(t)
    return t


def _after(k, **changes):
    """A reference trainer that trained exactly k steps from the same start."""
    ref = _trainer(**changes)
    ref.step(k)
    ref.process()
    drain(ref)
    return ref


def test_seek_shows_the_exact_parameters_of_a_past_step_and_leaves_the_live_state():
    t = _trainer()
    first = t.network.flat_parameters()
    t.step(30)
    t.process()
    drain(t)
    live = t.network.flat_parameters()
    t.seek(12)
    t.process()
    snap = drain(t)[-1]
    assert snap.viewing == 12 and not snap.running and snap.step == 30
    np.testing.assert_array_equal(snap.params, _after(12).network.flat_parameters())
    np.testing.assert_array_equal(t.network.flat_parameters(), live)
    assert t.loop.step_count == 30 and len(t.loop.losses) == 30
    t.seek(0)
    t.process()
    np.testing.assert_array_equal(drain(t)[-1].params, first)
    t.seek(10**6)  # the live step (or beyond) is the live state
    t.process()
    assert drain(t)[-1].viewing is None
    t.seek(5)
    t.step()  # returns to live, then steps on from the live state
    t.process()
    snaps = drain(t)
    assert snaps[-1].viewing is None and snaps[-1].step == 31 and snaps[-1].branch == 0
    np.testing.assert_array_equal(t.history.params_at(30), live)


@pytest.mark.parametrize("k", [15, 30])
def test_resume_from_branches_with_the_recorded_state_adam_included(k):
    t = _trainer(optimizer="adam", learning_rate=0.01)
    t.step(40)
    t.process()
    old_losses = t.loop.losses.array().copy()
    drain(t)
    t.resume_from(k)
    t.process()
    snap = drain(t)[-1]
    ref = _after(k, optimizer="adam", learning_rate=0.01)
    assert snap.branch == 1 and snap.viewing is None and snap.step == k and len(snap.losses) == 0
    assert t.loop.step_count == k and t.loop.epoch == ref.loop.epoch == k // t.loop.steps_per_epoch
    np.testing.assert_array_equal(t.network.flat_parameters(), ref.network.flat_parameters())
    opt, ref_opt = t.loop.optimizer, ref.loop.optimizer
    assert opt.iterations == ref_opt.iterations == k
    np.testing.assert_array_equal(opt.m, ref_opt.m)
    np.testing.assert_array_equal(opt.v, ref_opt.v)
    np.testing.assert_array_equal(t.loop.losses.array(), old_losses[:k])
    assert [e.step for e in t.loop.evaluations] == [e.step for e in ref.loop.evaluations]
    assert t.history.nearest(10**9) == k
    t.step(10)
    t.process()
    branch_a = t.network.flat_parameters()
    assert drain(t)[-1].step == k + 10 and len(t.history) == k + 11
    t.resume_from(k)  # the same branch again: the shuffle is derived from the loop seed and the step
    t.step(10)
    t.process()
    snap = drain(t)[-1]
    assert snap.branch == 2
    np.testing.assert_array_equal(t.network.flat_parameters(), branch_a)


def test_branch_snapshots_deliver_the_old_branch_losses_and_never_mix_them():
    t = _trainer()
    t.step(30)
    t.process()  # not taken: waits in the mailbox
    t.resume_from(10)
    t.step(5)
    t.process()
    snaps = drain(t)
    old = [s for s in snaps if s.branch == 0]
    new = [s for s in snaps if s.branch == 1]
    assert sum(len(s.losses) for s in old) == 30
    assert new[0].first_step == 10 and sum(len(s.losses) for s in new) == 5
    np.testing.assert_array_equal(np.concatenate([s.losses for s in new]), t.loop.losses.array()[10:])


def test_an_edit_while_viewing_branches_from_the_viewed_step():
    t = _trainer()
    t.step(20)
    t.process()
    drain(t)
    t.seek(8)
    t.process()
    index = t.network.weight_index(1, 0, 0)
    t.set_parameter(index, 0.5)
    t.process()
    snaps = drain(t)
    pinned = [s for s in snaps if s.pinned and s.edits]
    assert pinned and pinned[-1].branch == 1 and pinned[-1].step == 8 and pinned[-1].edits[0].step == 8
    expected = _after(8).network.flat_parameters()
    expected[index] = 0.5
    np.testing.assert_array_equal(t.network.flat_parameters(), expected)
    np.testing.assert_array_equal(t.history.params_at(8), expected)  # the edit is what step 8 now holds
    assert t.loop.step_count == 8 and len(t.loop.losses) == 8 and t.history.nearest(100) == 8


def test_reset_and_rebuild_start_a_new_history():
    t = _trainer()
    first = t.network.flat_parameters()
    old = t.history
    t.step(20)
    t.process()
    assert len(old) == 21
    t.reset()
    t.process()
    assert t.history is not old and list(t.history.steps) == [0] and t.loop.recorder is t.history
    np.testing.assert_array_equal(t.history.params_at(0), first)
    t.set_spec(t.spec.replace(hidden=(3,)))
    t.process()
    assert list(t.history.steps) == [0] and t.history.n_params == t.network.n_params
    assert drain(t)[-1].branch == 0


def test_an_optimizer_change_keeps_the_parameters_but_restarts_the_optimizer_before_it():
    t = _trainer()
    t.step(10)
    t.set_spec(t.spec.replace(optimizer="adam"))
    t.step(10)
    t.process()
    assert t.history.state_size == 2 * t.network.n_params
    m20, v20 = t.loop.optimizer.m.copy(), t.loop.optimizer.v.copy()
    t.step(5)
    t.resume_from(20)
    t.process()
    assert t.loop.optimizer.iterations == 10  # Adam started at step 10
    np.testing.assert_array_equal(t.loop.optimizer.m, m20)
    np.testing.assert_array_equal(t.loop.optimizer.v, v20)
    t.resume_from(5)  # before the switch: no Adam state there, so Adam starts afresh
    t.process()
    assert t.loop.optimizer.iterations == 0 and t.loop.step_count == 5
    np.testing.assert_array_equal(t.network.flat_parameters(), _after(5).network.flat_parameters())


def test_export_history_and_divergence_keep_the_history_consistent():
    t = _trainer()
    t.step(12)
    t.export_history()
    t.process()
    snaps = drain(t)
    exported = [s.history for s in snaps if s.history is not None]
    assert len(exported) == 1 and list(exported[0]["steps"]) == list(range(13))
    np.testing.assert_array_equal(exported[0]["params"][-1], t.network.flat_parameters())
    t.set_spec(t.spec.replace(dataset="reg-plane", learning_rate=10.0, activation="relu"))
    t.play()
    for _ in range(50):
        t.process()
        if not t._running:
            break
    h = t.history
    assert h.nearest(10**9) == t.loop.step_count
    np.testing.assert_array_equal(h.params_at(t.loop.step_count), t.network.flat_parameters())
    assert np.all(np.isfinite(h.to_arrays()["params"]))


def test_history_can_be_off():
    t = Trainer(ProblemSpec(), threaded=False, history_cap=None)
    drain(t)
    t.step(5)
    t.seek(2)
    t.process()
    snap = drain(t)[-1]
    assert t.history is None and t.loop.recorder is None and snap.viewing is None and "off" in snap.message
