"""One validation at every door: the command line, project files, weight files and the trainer's commands
all refuse what the side panel could never set, with a message, changing nothing."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import nnstudio.gui.files as files
import nnstudio.gui.interop as interop
from nnstudio.io.project import load_project, project_from_loop, save_project
from nnstudio.training.problem import (
    COLUMNS,
    MAX_COLUMNS,
    MAX_DATA_VALUES,
    MAX_SEED,
    CustomData,
    ProblemSpec,
    build_loop,
    build_network,
    make_data,
)
from nnstudio.training.trainer import Trainer

pytestmark = pytest.mark.reliability


def run_cli(*args, timeout=60):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "nnstudio", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


# ---- the spec: the panel's bounds --------------------------------------------------------------------
@pytest.mark.parametrize("changes, message", [
    ({"seed": -1}, "seed"), ({"seed": MAX_SEED + 1}, "seed"), ({"data_seed": -1}, "data_seed"),
    ({"noise": 0.51}, "noise"), ({"learning_rate": 11.0}, "learning_rate"), ({"learning_rate": 0.0}, "learning_rate"),
    ({"batch_size": 1001}, "batch_size"), ({"regularization_rate": 11.0}, "regularization_rate"),
    ({"n_samples": 0}, "n_samples"), ({"hidden": (33,)}, "neurons"), ({"hidden": (1,) * 9}, "hidden layers"),
    ({"features": ("x1", "x1")}, "features"),
])
def test_a_spec_outside_the_panels_bounds_is_refused(changes, message):
    spec = ProblemSpec().replace(**changes)
    with pytest.raises(ValueError, match=message):
        spec.validate()
    with pytest.raises(ValueError, match=message):
        ProblemSpec.from_dict(spec.to_dict())


def test_the_panels_own_extremes_pass():
    ProblemSpec(seed=0, data_seed=MAX_SEED, noise=0.5, learning_rate=10.0, batch_size=1000,
                regularization="l2", regularization_rate=10.0, hidden=(32,) * 8).validate()


@pytest.mark.parametrize("shape, message", [((2, MAX_COLUMNS + 1), "columns"),
                                            ((MAX_DATA_VALUES // 500 + 1, 500), "values")])
def test_custom_data_beyond_the_csv_imports_bounds_is_refused(shape, message):
    X = np.zeros(shape)
    y = np.arange(shape[0]) % 2
    with pytest.raises(ValueError, match=message):
        CustomData(X, y, classification=True)


# ---- the command line ----------------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (["--seed", "-1"], "seed"), (["--seed", str(MAX_SEED + 1)], "seed"), (["--layers", "4,0"], "neurons"),
    (["--layers", "1,1,1,1,1,1,1,1,1"], "hidden layers"), (["--size", "100000x100000"], "--size"),
])
def test_the_command_line_refuses_bad_values_with_a_message_and_exit_2(tmp_path, args, message):
    png = tmp_path / "shot.png"  # a screenshot run: a regression fails at once instead of opening a window
    out = run_cli(*args, "--screenshot", str(png), "--steps", "1")
    assert out.returncode == 2, out.stderr
    assert message in out.stderr and "Traceback" not in out.stderr
    assert not png.exists()


# ---- project files through File → Open -------------------------------------------------------------------
def engine_project(spec: ProblemSpec, steps: int = 30):
    loop = build_loop(spec, build_network(spec), make_data(spec))
    loop.run(steps)
    return project_from_loop(spec, loop)


def rewrite(path, change_doc=None, arrays=None):
    """A saved project with its project.json changed and arrays replaced (deflated: small on disk)."""
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read("project.json"))
        with zipfile.ZipFile(io.BytesIO(zf.read("arrays.npz"))) as inner:
            members = {n: inner.read(n) for n in inner.namelist()}
    if change_doc:
        change_doc(doc)
    for key, a in (arrays or {}).items():
        buf = io.BytesIO()
        np.save(buf, a)
        members[f"{key}.npy"] = buf.getvalue()
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as inner:
        for name, data in members.items():
            inner.writestr(name, data)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.json", json.dumps(doc))
        zf.writestr("arrays.npz", packed.getvalue(), compress_type=zipfile.ZIP_STORED)


def spec_value(key, value):
    return lambda doc: doc["spec"].__setitem__(key, value)


def seed_minus_one(path):
    save_project(path, engine_project(ProblemSpec()))
    rewrite(path, spec_value("seed", -1))
    return "seed"


def data_seed_minus_one(path):
    save_project(path, engine_project(ProblemSpec()))
    rewrite(path, spec_value("data_seed", -1))
    return "data_seed"


def three_million_columns(path):
    """A consistent project (parameters of the right length) whose imported data has 3,000,000 columns."""
    save_project(path, engine_project(ProblemSpec()))
    n_columns, hidden = 3_000_000, 4
    n = (n_columns + 1) * hidden + (hidden + 1) * 2 + 3

    def doc(d):
        d["spec"].update(dataset="custom", features=list(COLUMNS), hidden=[hidden, 2], optimizer="sgd")
        d["custom_data"] = {"name": "wide.csv", "classification": True}
        d["optimizer"] = {"name": "sgd", "iterations": 0, "size": -1, "state": []}
        d["history"] = None

    rewrite(path, doc, {"data.X": np.zeros((2, n_columns)), "data.y": np.array([0, 1]), "params": np.zeros(n)})
    return "columns"


def history_far_beyond_the_steps(path):
    """30 steps, and a history of 100,000 rows of parameters: the file is small, its arrays are not."""
    project = engine_project(ProblemSpec())
    save_project(path, project)
    k, n = 100_000, project.params.size
    rewrite(path, lambda d: d.__setitem__("history", ["steps", "params"]),
            {"history.steps": np.arange(k), "history.params": np.zeros((k, n))})
    return "history"


@pytest.fixture
def warnings(monkeypatch):
    shown = []
    for module in (files, interop):
        monkeypatch.setattr(module.QMessageBox, "warning",
                            staticmethod(lambda parent, title, text, *a, **k: shown.append((title, text))))
    return shown


def open_through_the_menu(window, monkeypatch, path):
    """File → Open…, the dialog answering with ``path`` as a user choosing it would."""
    monkeypatch.setattr(files.QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    window.files.actionOpen.trigger()


@pytest.mark.parametrize("make", [seed_minus_one, data_seed_minus_one, three_million_columns,
                                  history_far_beyond_the_steps])
def test_a_project_outside_the_bounds_is_refused_and_the_window_is_unchanged(qtbot, open_window, tmp_path,
                                                                               monkeypatch, warnings, make):
    path = tmp_path / "hostile.nnstudio"
    word = make(path)
    w = open_window()
    w.trainer.step(7)
    qtbot.waitUntil(lambda: w.step_count() == 7)
    before, spec = w.parameters(), w.snapshot().spec
    open_through_the_menu(w, monkeypatch, path)
    assert len(warnings) == 1 and warnings[0][0] == "Cannot open project"
    assert word in warnings[0][1]
    assert w.snapshot().spec == spec and w.step_count() == 7 and w.files.path is None
    for a, b in zip(before, w.parameters()):
        np.testing.assert_array_equal(a, b)
    w.trainer.step(1)  # the trainer is alive and still trains the old network
    qtbot.waitUntil(lambda: w.step_count() == 8)


def test_a_project_at_the_panels_extremes_still_opens(qtbot, open_window, tmp_path, monkeypatch, warnings):
    spec = ProblemSpec(seed=MAX_SEED, data_seed=MAX_SEED, noise=0.5, batch_size=1000)
    path = tmp_path / "edge.nnstudio"
    save_project(path, engine_project(spec, steps=3))
    w = open_window()
    open_through_the_menu(w, monkeypatch, path)
    assert not warnings
    assert w.snapshot().spec == spec and w.step_count() == 3


# ---- weight files --------------------------------------------------------------------------------------
def test_weights_of_a_network_the_panel_cannot_build_are_refused(qtbot, window, tmp_path, warnings):
    path = tmp_path / "wide.npz"
    rng = np.random.default_rng(0)
    np.savez(path, rng.normal(size=(2, 64)), np.zeros(64), rng.normal(size=(64, 1)), np.zeros(1))
    before, spec = window.parameters(), window.snapshot().spec
    assert not window.interop.import_weights(path, adopt=True)
    assert warnings and warnings[0][0] == "Cannot import weights" and "32 neurons" in warnings[0][1]
    assert window.snapshot().spec == spec and window.undo_stack.count() == 0
    for a, b in zip(before, window.parameters()):
        np.testing.assert_array_equal(a, b)


# ---- the trainer's commands ------------------------------------------------------------------------------
def test_the_trainer_refuses_a_spec_from_anywhere_and_keeps_serving():
    t = Trainer(ProblemSpec(), threaded=False)
    try:
        params = t.take().params.copy()
        t.set_spec(ProblemSpec(seed=-1))  # what a script could send: only the seed differs
        snap = t.take()
        assert snap.message.startswith("Not applied") and "seed" in snap.message
        assert t.spec.seed == 0
        t.reset()  # re-initialising with the trainer's seed still works
        np.testing.assert_array_equal(t.take().params, params)
    finally:
        t.close()


def test_the_cli_and_the_loader_share_one_validation(tmp_path):
    """A project that the command line would refuse is refused by the loader with the same words."""
    path = tmp_path / "p.nnstudio"
    save_project(path, engine_project(ProblemSpec()))
    rewrite(path, spec_value("seed", -1))
    with pytest.raises(ValueError) as loaded:
        load_project(path)
    with pytest.raises(ValueError) as direct:
        ProblemSpec(seed=-1).validate()
    assert str(direct.value) in str(loaded.value)

