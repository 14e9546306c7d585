"""What a project stores of the step history: a bounded record (step 0, the latest steps exact, the rest thinned
evenly over the run) instead of every step, and the export command that carries the budget."""

import numpy as np
import pytest

from nnstudio.io.project import load_project, project_from_loop, save_project
from nnstudio.training.history import DEFAULT_STORED_BYTES, History, stored_bytes
from nnstudio.training.problem import ProblemSpec
from nnstudio.training.state import export_state
from nnstudio.training.thinning import thinned_indices
from nnstudio.training.trainer import Trainer


def row(step, n=3):
    """Parameters that name their step (the oracle: any stored row must equal row(its step))."""
    return step + np.arange(n) / 10.0


def dense(k, n=3, state=True, cap=200_000_000):
    """A history of steps 0 … k − 1, every one recorded, with an optimizer state that names its step too."""
    h = History(n, 2 if state else 0, memory_cap_bytes=cap)
    steps = np.arange(k)
    h.record_block(-1, np.array([row(s, n) for s in steps]),
                   np.stack([steps, -steps], axis=1).astype(float) if state else None,
                   epochs=steps // 10, iterations=steps)
    return h


def nbytes(arrays):
    return sum(a.nbytes for a in arrays.values())


def check_rows(arrays, n=3):
    """Every stored row is the recorded row of its step: parameters, state, epoch and iteration count."""
    steps = arrays["steps"]
    assert steps.dtype == np.int64 and np.all(np.diff(steps) > 0), "steps must strictly increase"
    np.testing.assert_array_equal(arrays["params"], np.array([row(s, n) for s in steps]).reshape(-1, n))
    if "state" in arrays:
        np.testing.assert_array_equal(arrays["state"], np.stack([steps, -steps], axis=1).astype(float))
    np.testing.assert_array_equal(arrays["epochs"], steps // 10)
    np.testing.assert_array_equal(arrays["iterations"], steps)


@pytest.mark.parametrize("k", [5, 999, 10_000])
@pytest.mark.parametrize("rows_in_budget", [2, 3, 40, 1001])
def test_a_bounded_record_keeps_step_zero_the_latest_steps_exact_and_covers_the_run(k, rows_in_budget):
    h = dense(k)
    budget = int(h.bytes_per_step * rows_in_budget) + 7  # a budget that is not a whole number of rows
    stored = h.stored_arrays(budget)
    steps = stored["steps"]
    check_rows(stored)
    assert set(stored) == set(h.to_arrays())
    assert nbytes(stored) <= budget
    assert nbytes(stored) == h.stored_bytes(budget) == stored_bytes(len(h), h.bytes_per_step, budget)
    if k <= rows_in_budget:
        assert list(steps) == list(range(k))  # everything fits: everything is kept
        return
    assert len(steps) == rows_in_budget and steps[0] == 0
    recent = rows_in_budget // 2
    assert list(steps[-recent:]) == list(range(k - recent, k))  # the latest steps, each of them
    # The older rest spread evenly over the run: no gap more than twice an even spacing.
    older = rows_in_budget - recent
    spacing = (k - recent) / older
    assert np.max(np.diff(steps)) <= 2 * spacing + 1


def test_none_stores_everything_and_a_budget_below_one_row_stores_nothing():
    h = dense(50)
    for key, value in h.stored_arrays(None).items():
        np.testing.assert_array_equal(value, h.to_arrays()[key])
    assert h.stored_bytes(None) == nbytes(h.to_arrays()) == 50 * h.bytes_per_step
    empty = h.stored_arrays(10)
    assert all(len(a) == 0 for a in empty.values()) and h.stored_bytes(10) == 0
    assert empty["params"].shape == (0, 3) and empty["state"].shape == (0, 2)
    with pytest.raises(ValueError):
        h.stored_arrays(-1)


@pytest.mark.parametrize("seed", range(20))
def test_thinned_indices_pick_exactly_n_distinct_rows_even_over_uneven_steps(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 400))
    gaps = np.where(rng.random(k - 1) < 0.1, rng.integers(50, 5000, k - 1), 1)  # dense runs and big jumps
    steps = np.concatenate([[0], np.cumsum(gaps)])
    for n in (0, 1, 2, 3, int(rng.integers(2, k + 1)), k, k + 5):
        keep = thinned_indices(steps, n)
        assert len(keep) == min(n, k) and np.all(np.diff(keep) > 0) and (n == 0 or keep[0] == 0)
        if 2 <= n < k:
            assert list(keep[-(n // 2):]) == list(range(k - n // 2, k))


def test_a_history_already_thinned_in_memory_is_thinned_again_within_the_budget():
    probe = History(3, 2)
    h = dense(3000, cap=int(probe.bytes_per_step * 400))  # thinned by the memory cap as it was recorded
    assert len(h) < 3000
    stored = h.stored_arrays(int(h.bytes_per_step * 100))
    check_rows(stored)
    steps = stored["steps"]
    assert len(steps) == 100 and steps[0] == 0 and steps[-1] == 2999
    assert set(steps) <= set(h.steps)  # only recorded rows, never made-up ones
    np.testing.assert_array_equal(steps[-50:], h.steps[-50:])
    assert np.max(np.diff(steps)) <= 2 * 3000 / 50


def test_the_bounded_record_reopens_and_rewinds_to_exactly_its_parameters(tmp_path):
    """Through a project file and a trainer: the kept steps rewind to exactly the parameters trained there."""
    spec = ProblemSpec(optimizer="adam", learning_rate=0.01)
    t = Trainer(spec, threaded=False)
    t.step(3000)
    t.process()
    full = t.history.to_arrays()
    budget = int(t.history.bytes_per_step * 500)
    export = export_state(t, budget)
    assert nbytes(export["history"]) <= budget and len(export["history"]["steps"]) == 500
    path = tmp_path / "bounded.nnstudio"
    save_project(path, project_from_loop(t.spec, t.loop, history=export["history"]))
    project = load_project(path)
    kept = project.history["steps"]
    assert kept[0] == 0 and list(kept[-250:]) == list(range(2751, 3001))
    other = Trainer(spec, threaded=False)
    other.load_state(project)
    other.process()
    index = {int(s): i for i, s in enumerate(full["steps"])}
    for step in (0, int(kept[1]), int(kept[len(kept) // 3]), 2751, 2999):
        other.seek(step)
        other.process()
        snap = [s for s in iter(other.mailbox.take, None)][-1]
        assert snap.viewing == step
        np.testing.assert_array_equal(snap.params, full["params"][index[step]])
    # Branching from a kept step goes on with that step's optimizer state: the same as the original run.
    other.resume_from(2800)
    other.step(5)
    other.process()
    t.resume_from(2800)
    t.step(5)
    t.process()
    np.testing.assert_array_equal(other.network.flat_parameters(), t.network.flat_parameters())


def test_the_export_command_carries_the_budget_and_old_callers_get_everything():
    t = Trainer(ProblemSpec(), threaded=False)
    t.step(400)
    t.process()
    list(iter(t.mailbox.take, None))
    budget = int(t.history.bytes_per_step * 100)
    t.export_state(budget)
    t.process()
    bounded = [s for s in iter(t.mailbox.take, None) if s.export is not None][-1].export
    assert len(bounded["history"]["steps"]) == 100
    t.export_state()  # as before: every step
    t.process()
    everything = [s for s in iter(t.mailbox.take, None) if s.export is not None][-1].export
    assert len(everything["history"]["steps"]) == 401
    assert len(export_state(t)["history"]["steps"]) == 401
    t.export_state(0)  # no history at all
    t.process()
    none = [s for s in iter(t.mailbox.take, None) if s.export is not None][-1].export
    assert none["history"] is None


def test_snapshots_say_how_big_the_history_is_without_carrying_it():
    t = Trainer(ProblemSpec(), threaded=False)
    t.step(250)
    t.process()
    snap = [s for s in iter(t.mailbox.take, None)][-1]
    assert snap.history_rows == 251 and snap.history_row_bytes == t.history.bytes_per_step == 224
    assert stored_bytes(snap.history_rows, snap.history_row_bytes, None) == 251 * 224
    assert stored_bytes(snap.history_rows, snap.history_row_bytes, DEFAULT_STORED_BYTES) == 251 * 224
    off = Trainer(ProblemSpec(), threaded=False, history_cap=None)
    assert [s for s in iter(off.mailbox.take, None)][-1].history_rows == 0
