"""Saving through the window (issue 9, bounded work): the step history a project keeps (File → Step history in
projects), the size each choice would store, and saves that run off the GUI thread with a status-bar progress.

The file on disk, read back with ``nnstudio.io.load_project``, is the oracle for what was saved, and a second
trainer that trains the same steps from the same seeds is the oracle for the parameters of each kept step."""

import errno
import os
import time

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication

import nnstudio.gui.files as files
import nnstudio.io.safe_zip as safe_zip
from nnstudio.engine import ParamRef
from nnstudio.io.filesystem import TEMP_PREFIX
from nnstudio.io.project import load_project, n_params
from nnstudio.training.problem import ProblemSpec
from nnstudio.training.trainer import Trainer

BIG = ProblemSpec(hidden=(32, 32, 32))  # 2,241 parameters: 17,952 bytes a step, so 16 MB hold 891 steps
BIG_ROW = 8 * (3 + n_params(BIG))
LONG = 2500
BUDGET = 16_000_000


def train(qtbot, w, n):
    start = w.step_count()
    w.trainer.step(n)
    qtbot.waitUntil(lambda: w.step_count() == start + n, timeout=20000)


def answer_save_as(monkeypatch, path):
    monkeypatch.setattr(files.QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))


def choose(w, name):
    w.findChild(QAction, name).trigger()


def save(qtbot, w, action="actionSave"):
    """File → Save (or Save As…) as a user picks it, then wait for the worker thread to finish the file."""
    choose(w, action)
    qtbot.waitUntil(lambda: not w.files.saving(), timeout=30000)


def slow_writes(monkeypatch, seconds):
    """Writing the arrays takes ``seconds`` longer: inside the atomic write, so the temporary file exists."""
    real = safe_zip.write_npz

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(safe_zip, "write_npz", slow)


@pytest.fixture
def warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(files.QMessageBox, "warning", staticmethod(lambda *a, **k: shown.append(a[1:3])))
    return shown


@pytest.fixture(scope="module")
def reference():
    """The oracle: a trainer of its own that trains BIG for LONG steps from the same seeds, every step kept."""
    t = Trainer(BIG, threaded=False)
    t.step(LONG)
    t.process()
    return t.history


def temporary_files(folder):
    return [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]


# ---- what a project keeps of the step history ---------------------------------------------------------------
def test_the_default_keeps_a_long_run_within_16_mb_and_reopens_with_the_recent_steps_exact(
        qtbot, open_window, tmp_path, monkeypatch, warnings, reference):
    w = open_window(BIG)
    assert w.files.history.choice() == "recent" and w.findChild(QAction, "actionHistoryRecent").isChecked()
    train(qtbot, w, LONG)
    path = tmp_path / "long.nnstudio"
    answer_save_as(monkeypatch, path)
    save(qtbot, w)
    assert not warnings and not w.isWindowModified() and w.windowTitle().startswith("long.nnstudio")
    history = load_project(path).history
    kept = history["steps"]
    assert sum(a.nbytes for a in history.values()) <= BUDGET
    assert path.stat().st_size < BUDGET + 100_000  # the rest: the parameters, 2,500 losses, project.json
    assert len(kept) == BUDGET // BIG_ROW == 891 and kept[0] == 0 and kept[-1] == LONG
    recent = len(kept) // 2
    assert list(kept[-recent:]) == list(range(LONG + 1 - recent, LONG + 1))  # each of the latest steps
    assert np.max(np.diff(kept)) <= 2 * LONG / (len(kept) - recent) + 1  # the older ones cover the whole run
    for i, step in enumerate(kept):  # every kept row is exactly what training gave at its step
        np.testing.assert_array_equal(history["params"][i], reference.params_at(step), err_msg=f"step {step}")
    w.close()

    w2 = open_window()
    assert w2.files.open(path)
    for step in (int(kept[-recent]), int(kept[len(kept) // 4]), 0):  # rewinding to a kept step: exactly it
        w2.trainer.seek(step)
        qtbot.waitUntil(lambda s=step: w2.snapshot().viewing == s, timeout=5000)
        np.testing.assert_array_equal(w2.snapshot().params, reference.params_at(step))
    w2.close()


def test_every_step_and_none_store_what_they_say_and_the_menu_shows_their_sizes(
        qtbot, open_window, tmp_path, monkeypatch, warnings, reference):
    w = open_window(BIG)
    menu = w.files.history.menu
    labels = {}

    def read_labels():
        """Open File → Step history in projects as a user would and read its entries."""
        menu.popup(w.mapToGlobal(w.rect().center()))
        qtbot.waitUntil(menu.isVisible, timeout=3000)
        labels.update({a.objectName(): a.text() for a in menu.actions()})
        menu.close()
        return labels

    read_labels()
    assert labels["actionHistoryAll"] == "Every step — 18 KB"  # step 0's row alone
    assert labels["actionHistoryNone"] == "None — 0 MB"
    assert all(a.toolTip() for a in menu.actions())
    train(qtbot, w, LONG)
    read_labels()
    assert labels["actionHistoryAll"] == f"Every step — {(LONG + 1) * BIG_ROW / 1e6:.0f} MB" == "Every step — 45 MB"
    assert labels["actionHistoryRecent"] == "Recent steps exact, older thinned (≤ 16 MB) — 16 MB"
    assert labels["actionHistoryNone"] == "None — 0 MB"

    choose(w, "actionHistoryAll")
    assert QSettings("nnstudio", "nnstudio").value("files/history") == "all"
    answer_save_as(monkeypatch, tmp_path / "all.nnstudio")
    save(qtbot, w, "actionSaveAs")
    everything = load_project(tmp_path / "all.nnstudio").history
    assert list(everything["steps"]) == list(range(LONG + 1))
    np.testing.assert_array_equal(everything["params"][1234], reference.params_at(1234))
    assert w.snapshot().export is None and w.project_snapshot.export is None  # no 45 MB copy stays behind

    choose(w, "actionHistoryNone")
    assert w.files.history.choice() == "none" and not w.findChild(QAction, "actionHistoryAll").isChecked()
    answer_save_as(monkeypatch, tmp_path / "none.nnstudio")
    save(qtbot, w, "actionSaveAs")
    nothing = load_project(tmp_path / "none.nnstudio")
    assert nothing.history is None and nothing.step == LONG
    assert (tmp_path / "none.nnstudio").stat().st_size < 200_000
    assert not warnings
    w.close()


def test_the_old_checkbox_setting_becomes_a_choice(qtbot):
    from nnstudio.gui import MainWindow

    for old, choice in ((False, "none"), (True, "recent"), ("false", "none")):
        settings = QSettings("nnstudio", "nnstudio")
        settings.clear()
        settings.setValue("files/save_history", old)
        w = MainWindow(trainer="sync")
        qtbot.addWidget(w)
        assert w.files.history.choice() == choice, old
        settings = QSettings("nnstudio", "nnstudio")
        assert settings.value("files/history") == choice and settings.value("files/save_history") is None
        w.close()


# ---- saves off the GUI thread ---------------------------------------------------------------------------------
def test_a_long_save_keeps_the_window_alive_and_shows_its_progress_until_done(
        qtbot, open_window, tmp_path, monkeypatch, warnings):
    w = open_window()
    train(qtbot, w, 50)
    path = tmp_path / "slow.nnstudio"
    answer_save_as(monkeypatch, path)
    ticks, shown = [], []
    timer = QTimer(interval=20, timeout=lambda: (ticks.append(time.monotonic()), shown.append(
        w.files.progress.isVisible())))
    timer.start()
    save(qtbot, w, "actionSaveAs")  # a quick save: no progress flashes
    assert not any(shown) and not w.files.progress.isVisible()

    slow_writes(monkeypatch, 1.0)
    ticks.clear()
    shown.clear()
    choose(w, "actionSave")
    assert w.files.saving()  # the action returned with the save under way
    for name in ("actionSave", "actionSaveAs", "actionOpen", "actionNew"):
        assert not w.findChild(QAction, name).isEnabled(), f"{name} is enabled during a save"
    qtbot.waitUntil(w.files.progress.isVisible, timeout=3000)
    assert w.files.progress.text() == "Saving slow.nnstudio (12 KB)…"  # 50 steps of the default network
    assert QApplication.activeModalWidget() is None  # no modal dialog
    qtbot.keyClick(w.network_view, Qt.Key_S, Qt.ControlModifier)  # a second save is not started meanwhile
    qtbot.waitUntil(lambda: not w.files.saving(), timeout=15000)
    timer.stop()
    assert len(ticks) >= 30 and max(np.diff(ticks)) < 0.5  # the event loop ran all along
    assert shown[0] is False and any(shown)  # shown after a moment, not at once
    assert not w.files.progress.isVisible()
    assert all(w.findChild(QAction, n).isEnabled() for n in ("actionSave", "actionSaveAs", "actionOpen", "actionNew"))
    assert not warnings and not w.isWindowModified() and load_project(path).step == 50
    assert not temporary_files(tmp_path)
    w.close()


def test_an_edit_made_during_a_save_leaves_the_window_unsaved(qtbot, open_window, tmp_path, monkeypatch, warnings):
    w = open_window()
    train(qtbot, w, 20)
    ref = ParamRef.weight(1, 1, 0)
    index = w.parameter_index(ref)
    before = w.value(ref)
    path = tmp_path / "edited.nnstudio"
    answer_save_as(monkeypatch, path)
    slow_writes(monkeypatch, 0.8)
    choose(w, "actionSaveAs")
    assert w.files.saving()
    view = w.network_view  # the user edits a weight while the file is written
    qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=view.edge_point(ref.layer, ref.src, ref.dst))
    qtbot.waitUntil(w.editor.is_open, timeout=3000)
    w.editor.selectAll()
    qtbot.keyClicks(w.editor, "0.625")
    qtbot.keyClick(w.editor, Qt.Key_Return)
    assert w.files.saving() and w.value(ref) == 0.625
    qtbot.waitUntil(lambda: not w.files.saving(), timeout=15000)
    assert not warnings
    assert w.isWindowModified()  # the title shows its star
    assert load_project(path).params[index] == before  # the file holds the work as it was taken
    save(qtbot, w)
    assert not w.isWindowModified() and load_project(path).params[index] == 0.625
    w.close()


def test_a_failing_save_says_so_and_keeps_the_work(qtbot, open_window, tmp_path, monkeypatch, warnings):
    w = open_window()
    train(qtbot, w, 15)
    folder = tmp_path / "read-only"
    folder.mkdir()
    path = folder / "run.nnstudio"
    answer_save_as(monkeypatch, path)
    before = w.parameters()

    def read_only(*args, **kwargs):  # as a read-only file system answers (a chmod would not stop root)
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    with monkeypatch.context() as m:
        m.setattr(os, "replace", read_only)
        save(qtbot, w, "actionSaveAs")
    assert [title for title, _ in warnings] == ["Cannot save project"]
    assert "run.nnstudio was not saved" in warnings[0][1] and "Read-only" in warnings[0][1]
    assert w.isWindowModified() and w.files.path is None and not path.exists() and not list(folder.iterdir())
    for a, b in zip(before, w.parameters()):
        np.testing.assert_array_equal(a, b)
    assert w.files.actionSave.isEnabled() and not w.files.progress.isVisible()
    save(qtbot, w, "actionSaveAs")  # the work is still there to save
    assert len(warnings) == 1 and load_project(path).step == 15 and not w.isWindowModified()
    w.close()


def test_closing_during_a_save_waits_for_the_whole_file(qtbot, open_window, tmp_path, monkeypatch, warnings):
    w = open_window()
    train(qtbot, w, 30)
    path = tmp_path / "closing.nnstudio"
    answer_save_as(monkeypatch, path)
    slow_writes(monkeypatch, 1.0)
    choose(w, "actionSaveAs")
    qtbot.waitUntil(lambda: bool(temporary_files(tmp_path)), timeout=5000)  # half written
    assert w.close()
    assert not w.files.saving() and not temporary_files(tmp_path)
    assert load_project(path).step == 30 and not warnings


def test_the_close_question_saves_and_then_closes(qtbot, open_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    w = open_window()
    w.files.guard = True
    train(qtbot, w, 12)
    path = tmp_path / "asked.nnstudio"
    answer_save_as(monkeypatch, path)
    monkeypatch.setattr(files.QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.Save))
    slow_writes(monkeypatch, 0.5)
    assert w.close()
    assert load_project(path).step == 12 and not temporary_files(tmp_path)
