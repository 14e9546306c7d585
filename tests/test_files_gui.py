"""Projects and weight files through the window: save, reopen, guards, autosave, import/export."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

import nnstudio.gui.files as files
import nnstudio.gui.interop as interop
from nnstudio.engine import ParamRef
from nnstudio.io.project import save_project
from nnstudio.training.problem import ProblemSpec


def train(qtbot, w, n):
    start = w.step_count()
    w.trainer.step(n)
    qtbot.waitUntil(lambda: w.step_count() == start + n, timeout=10000)


def edit(qtbot, w, ref, text):
    view = w.network_view
    if ref.kind == "weight":
        point = view.edge_point(ref.layer, ref.src, ref.dst)
    else:
        point = view.bias_point(ref.layer, ref.dst)
    qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=point)
    qtbot.waitUntil(lambda: w.editor.is_open())
    w.editor.selectAll()
    qtbot.keyClicks(w.editor, text)
    qtbot.keyClick(w.editor, Qt.Key_Return)


@pytest.fixture
def warnings(monkeypatch):
    shown = []
    for module in (files, interop):
        monkeypatch.setattr(module.QMessageBox, "warning", staticmethod(lambda *a, **k: shown.append(a[1:3])))
    return shown


def test_save_and_reopen_gives_identical_parameters_and_history(qtbot, open_window, tmp_path):
    spec = ProblemSpec(optimizer="adam", learning_rate=0.01)
    w = open_window(spec)
    train(qtbot, w, 120)
    edit(qtbot, w, ParamRef.weight(1, 1, 0), "0.375")
    qtbot.waitUntil(lambda: w.parameters()[2][1, 0] == 0.375)
    assert w.isWindowModified() and "untitled" in w.windowTitle()
    path = tmp_path / "run.nnstudio"
    assert w.files._save_to(path)
    assert not w.isWindowModified() and w.windowTitle().startswith("run.nnstudio")
    before = w.parameters()
    steps, losses = w.loss_plot.train_curve()
    w.close()

    w2 = open_window()
    assert w2.files.open(path)
    for a, b in zip(before, w2.parameters()):
        np.testing.assert_array_equal(a, b)
    assert w2.step_count() == 120 and w2.snapshot().spec == spec
    qtbot.waitUntil(lambda: w2.loss_plot.train_curve()[0].size == 120)
    np.testing.assert_array_equal(w2.loss_plot.train_curve()[1], losses)
    assert not w2.isWindowModified()
    # Training goes on from where it was saved, with the optimizer state it had.
    train(qtbot, w2, 10)
    assert w2.step_count() == 130 and str(path) in files.FileController.recent()
    w2.close()


def test_a_corrupt_project_changes_nothing(qtbot, open_window, tmp_path, warnings):
    w = open_window()
    train(qtbot, w, 5)
    before = w.parameters()
    bad = tmp_path / "bad.nnstudio"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert not w.files.open(bad)
    assert warnings and "Cannot open project" in warnings[0][0]
    for a, b in zip(before, w.parameters()):
        np.testing.assert_array_equal(a, b)
    assert w.step_count() == 5


def test_close_asks_about_unsaved_changes(qtbot, open_window, _answer_unsaved_changes_with_discard):
    w = open_window()
    w.files.guard = True  # as in the app's own window
    train(qtbot, w, 3)
    assert w.isWindowModified()
    w.close()
    assert _answer_unsaved_changes_with_discard == ["Unsaved changes"]


def test_autosave_and_recovery_after_a_crash(qtbot, open_window, monkeypatch):
    w = open_window()
    w.files.start_session()
    train(qtbot, w, 7)
    assert w.files.autosave() and files.FileController.autosave_path().exists()
    # A crash: the session lock stays behind, held by a process that no longer runs.
    w.files.end_session = lambda: None  # the crashed session cannot clean up
    w.files.guard = False
    w.close()
    w.files._lock.unlock()  # a dead process holds nothing (its lock file is left by the subprocess below)
    lock = files.data_dir() / "session.lock"
    lock.unlink(missing_ok=True)
    code = ("import os, sys; from PySide6.QtCore import QLockFile; f = QLockFile(sys.argv[1]); f.tryLock(0); "
            "os._exit(1)")
    subprocess.run([sys.executable, "-c", code, str(lock)], timeout=60)
    monkeypatch.setattr(files.QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.Open))
    w2 = open_window()
    w2.files.start_session()
    assert w2.step_count() == 7 and w2.isWindowModified()  # recovered, and not yet saved anywhere
    monkeypatch.setattr(files.QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.Discard))
    w2.close()  # the recovered work is discarded (tests/test_recovery_safety.py has the other answers)
    assert not files.FileController.autosave_path().exists()  # a clean exit leaves nothing to recover


@pytest.mark.parametrize("saver", ["save_keras_npz", "save_torch_npz"])
def test_weights_export_import_round_trip_and_undo(qtbot, open_window, tmp_path, saver):
    w = open_window()
    train(qtbot, w, 30)
    path = tmp_path / "w.npz"
    assert w.interop.export_weights(path, getattr(interop, saver))
    exported = w.parameters()
    w.close()
    w2 = open_window()
    original = w2.parameters()
    assert w2.interop.import_weights(path)
    qtbot.waitUntil(lambda: np.array_equal(w2.snapshot().params, np.concatenate(
        [np.vstack([W, b[None]]).ravel() for W, b in zip(exported[0::2], exported[1::2])])))
    for a, b in zip(exported, w2.parameters()):
        np.testing.assert_array_equal(a, b)
    w2.actionUndo.trigger()
    qtbot.waitUntil(lambda: np.array_equal(w2.parameters()[0], original[0]))


def test_import_adopts_the_files_architecture_when_asked(qtbot, open_window, tmp_path, warnings):
    src = open_window(ProblemSpec(hidden=(6,)))
    path = tmp_path / "w.npz"
    src.interop.export_weights(path)
    W = src.parameters()
    src.close()
    w = open_window()
    assert not w.interop.import_weights(path, adopt=False)
    assert w.snapshot().spec.sizes == [2, 4, 2, 1]
    assert w.interop.import_weights(path, adopt=True)
    qtbot.waitUntil(lambda: w.snapshot().spec.sizes == [2, 6, 1] and np.array_equal(w.parameters()[0], W[0]))
    bad = tmp_path / "bad.npz"
    np.savez(bad, np.zeros((3, 4)), np.zeros(4))
    assert not w.interop.import_weights(bad)
    assert warnings


def test_exported_numpy_script_prints_the_networks_predictions(qtbot, open_window, tmp_path):
    w = open_window()
    train(qtbot, w, 40)
    script = tmp_path / "net.py"
    assert w.interop.export_script("numpy", script)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    numbers = [float(t) for t in out.stdout.replace("[", " ").replace("]", " ").replace(",", " ").split()
               if t.replace(".", "").replace("-", "").replace("e", "").isdigit()]
    expected = w.view_net.predict(w.snapshot().data.F_train).ravel()
    assert len(numbers) >= len(expected)
    np.testing.assert_allclose(numbers[-len(expected):], expected, rtol=1e-12)


def test_exports_of_canvas_losses_and_data(qtbot, open_window, tmp_path):
    w = open_window()
    train(qtbot, w, 60)
    assert w.interop.export_canvas(tmp_path / "net.png") and (tmp_path / "net.png").stat().st_size > 1000
    assert w.interop.export_canvas(tmp_path / "net.svg")
    assert b"<svg" in (tmp_path / "net.svg").read_bytes()[:2000]
    w.interop.export_losses(tmp_path / "losses.csv")
    lines = (tmp_path / "losses.csv").read_text().splitlines()
    assert lines[0].startswith("step,train_loss") and len(lines) == 61
    w.interop.export_data(tmp_path / "data.csv")
    assert len((tmp_path / "data.csv").read_text().splitlines()) == 501


def test_screenshot_of_a_project_file(tmp_path):
    from nnstudio.io.project import project_from_loop
    from nnstudio.training.problem import build_loop, build_network, make_data

    spec = ProblemSpec(dataset="xor")
    loop = build_loop(spec, build_network(spec), make_data(spec))
    loop.run(200)
    path = tmp_path / "xor.nnstudio"
    save_project(path, project_from_loop(spec, loop))
    png = tmp_path / "xor.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-m", "nnstudio", str(path), "--screenshot", str(png), "--steps", "10"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    assert "after 210 steps" in out.stdout and png.stat().st_size > 10000


def test_the_step_history_is_saved_only_when_asked(qtbot, open_window, tmp_path):
    from nnstudio.io.project import load_project

    w = open_window()
    train(qtbot, w, 20)
    assert w.files.history.choice() == "recent"  # the default keeps a bounded record: here, every step
    w.files._save_to(tmp_path / "with.nnstudio")
    w.findChild(QAction, "actionHistoryNone").trigger()
    w.files._save_to(tmp_path / "without.nnstudio")
    with_history = load_project(tmp_path / "with.nnstudio").history
    assert list(with_history["steps"][[0, -1]]) == [0, 20]
    assert load_project(tmp_path / "without.nnstudio").history is None
    # Reopened with its history, the timeline can rewind to step 5.
    w.close()
    w2 = open_window()
    w2.files.open(tmp_path / "with.nnstudio")
    w2.trainer.seek(5)
    qtbot.waitUntil(lambda: w2.snapshot().viewing == 5)
