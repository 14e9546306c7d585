"""The trainer thread: commands in, snapshots out; the only writer of the network while it runs."""

import time

import numpy as np
import pytest

from nnstudio.training.problem import ProblemSpec
from nnstudio.training.snapshot import Mailbox
from nnstudio.training.trainer import Trainer
from oracles import wait_for


def drain(trainer):
    snaps = []
    while (s := trainer.mailbox.take()) is not None:
        snaps.append(s)
    return snaps



@pytest.fixture
def sync():
    t = Trainer(ProblemSpec(), threaded=False)
    drain(t)
    yield t
    t.close()


def test_step_is_exactly_one_mini_batch(sync):
    sync.step()
    snap = sync.take()
    assert snap.step == 1 and len(snap.losses) == 1 and snap.first_step == 0
    # The loss is the one of the first batch, before the update.
    assert np.isfinite(snap.losses[0])
    sync.step(5)
    snap = sync.take()
    assert snap.step == 6 and len(snap.losses) == 5


def test_step_epoch_finishes_the_epoch(sync):
    sync.step(3)
    sync.step_epoch()
    sync.process()
    snaps = drain(sync)
    assert snaps[-1].epoch == 1 and snaps[-1].step == sync.loop.steps_per_epoch
    assert snaps[-1].evaluations  # evaluated at the epoch's end


def test_edit_lands_between_steps_and_is_delivered_pinned(sync):
    index = sync.network.weight_index(1, 2, 0)
    sync.play()
    sync.process(chunks=2)
    sync.set_parameter(index, 0.625)
    sync.process(chunks=3)  # the edit is applied, published pinned, then training moves on
    snaps = drain(sync)
    pinned = [s for s in snaps if s.pinned]
    assert len(pinned) == 1
    assert pinned[0].params[index] == 0.625
    assert pinned[0].edits[0].new == 0.625 and pinned[0].edits[0].index == index
    assert snaps[-1].params[index] != 0.625  # and training went on from there


def test_mailbox_never_drops_losses():
    t = Trainer(ProblemSpec(), threaded=False)
    drain(t)
    t.play()
    for _ in range(20):
        t.process()  # publishes every time, nobody takes: snapshots merge
    t.set_parameter(0, 0.5)
    t.process(chunks=2)
    snaps = drain(t)
    assert len(snaps) <= 3  # merged latest, the pinned edit snapshot, the latest after it
    total = np.concatenate([s.losses for s in snaps])
    assert len(total) == snaps[-1].step
    np.testing.assert_array_equal(total, t.loop.losses.array())
    t.close()


def test_mailbox_keeps_pinned_snapshots_in_order():
    box = Mailbox()
    t = Trainer(ProblemSpec(), threaded=False)
    base = drain(t)[0]
    from dataclasses import replace

    box.put(replace(base, step=1, losses=np.array([1.0])))
    box.put(replace(base, step=2, losses=np.array([2.0]), pinned=True))
    box.put(replace(base, step=3, losses=np.array([3.0])))
    box.put(replace(base, step=4, losses=np.array([4.0])))
    got = [box.take(), box.take(), box.take()]
    # An undelivered unpinned snapshot is merged into the next one; a pinned one is never merged away.
    assert [s.step if s else None for s in got] == [2, 4, None]
    assert got[0].pinned and list(got[0].losses) == [1.0, 2.0]
    assert list(got[1].losses) == [3.0, 4.0]
    t.close()


def test_hyper_parameters_do_not_reset_but_architecture_does(sync):
    sync.step(10)
    sync.process()
    before = sync.network.flat_parameters()
    spec = sync.spec
    sync.set_spec(spec.replace(learning_rate=0.1, optimizer="adam", regularization="l2", regularization_rate=0.01))
    sync.process()
    snap = drain(sync)[-1]
    np.testing.assert_array_equal(snap.params, before)
    assert snap.step == 10 and snap.generation == 0
    assert sync.loop.optimizer.learning_rate == 0.1 and sync.loop.l2 == 0.01
    sync.set_spec(sync.spec.replace(hidden=(3,)))
    sync.process()
    snap = drain(sync)[-1]
    assert snap.generation == 1 and snap.step == 0 and snap.spec.sizes == [2, 3, 1]
    assert "Architecture changed" in snap.message


def test_data_change_keeps_the_network(sync):
    sync.step(5)
    sync.process()
    before = sync.network.flat_parameters()
    sync.set_spec(sync.spec.replace(noise=0.3))
    sync.process()
    snap = drain(sync)[-1]
    np.testing.assert_array_equal(snap.params, before)
    assert snap.spec.noise == 0.3 and snap.generation == 0


def test_invalid_spec_changes_nothing(sync):
    sync.set_spec(sync.spec.replace(loss="categorical_crossentropy"))
    sync.process()
    snap = drain(sync)[-1]
    assert snap.message.startswith("Not applied:") and "softmax" in snap.message
    assert sync.spec.loss is None


def test_reset_same_and_new_seed(sync):
    first = sync.network.flat_parameters()
    sync.step(20)
    sync.process()
    sync.reset()
    sync.process()
    snap = drain(sync)[-1]
    np.testing.assert_array_equal(snap.params, first)
    assert snap.step == 0 and snap.generation == 1 and len(sync.loop.losses) == 0
    sync.reset(12345)
    sync.process()
    snap = drain(sync)[-1]
    assert not np.array_equal(snap.params, first) and snap.spec.seed == 12345


def test_divergence_pauses_and_restores_the_last_finite_parameters(sync):
    sync.set_spec(sync.spec.replace(dataset="reg-plane", learning_rate=10.0, activation="relu"))
    sync.process()
    drain(sync)
    sync.step(3)
    sync.process()
    good = drain(sync)[-1]
    sync.play()
    for _ in range(50):
        sync.process()
        if not sync._running:
            break
    snaps = drain(sync)
    last = snaps[-1]
    assert not last.running
    assert "diverged" in (last.message or "") or any("diverged" in (s.message or "") for s in snaps)
    assert np.all(np.isfinite(last.params))
    assert np.all(np.isfinite(sync.loop.losses.array()))
    assert last.step >= good.step


def test_threaded_play_pause_and_close_leave_no_thread():
    t = Trainer(ProblemSpec())
    assert t.alive
    t.play()
    assert wait_for(lambda: t.loop.step_count > 200)
    t.pause()
    assert wait_for(lambda: any(not s.running for s in drain(t)))
    steps = t.loop.step_count
    time.sleep(0.2)
    assert t.loop.step_count == steps  # paused: at most the chunk in flight finished
    cpu = time.process_time()
    time.sleep(0.3)
    assert time.process_time() - cpu < 0.1  # paused = blocked on the queue, no CPU
    t.close()
    assert not t.alive


def test_threaded_speed_limit_runs_steps_per_second():
    t = Trainer(ProblemSpec())
    t.set_speed(60)
    t.play()
    time.sleep(1.0)
    t.pause()
    wait_for(lambda: any(not s.running for s in drain(t)))
    # About 60 steps in a second at 60 steps/s; never thousands.
    assert 20 <= t.loop.step_count <= 90
    t.close()


def test_details_carry_the_mini_batch_gradient_update_and_batches(sync):
    from nnstudio.engine import Network

    sync.set_details(True)
    sync.process()
    snap = drain(sync)[-1]
    assert snap.grads is None and snap.last_batch is None  # nothing trained yet
    upcoming = snap.next_batch.copy()
    before = snap.params.copy()
    sync.step()
    sync.process()
    snap = drain(sync)[-1]
    np.testing.assert_array_equal(snap.last_batch, upcoming)  # the announced batch is the one trained on
    # The snapshot's gradient is the engine's loss_and_gradients on that batch at the pre-step parameters.
    net = Network(snap.spec.sizes, snap.spec.activation, snap.spec.resolved_output_activation)
    net.set_flat_parameters(before)
    d = snap.data
    _, grads, _ = net.loss_and_gradients(d.F_train[upcoming], d.y_train[upcoming], snap.spec.resolved_loss)
    np.testing.assert_allclose(snap.grads, _flat(net, grads), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(snap.update, snap.params - before, rtol=1e-12, atol=1e-15)
    assert len(snap.next_batch) == snap.spec.batch_size


def _flat(net, weights):
    flat = np.empty(net.n_params)
    for view, w in zip(net.weights_from_flat(flat), weights):
        view[...] = w
    return flat
