"""Faults of the processes (issue 9): a trainer killed or crashing, a GUI that dies, a command that raises.

The trainer is killed for real (SIGKILL) under the real window; what the window had before is the oracle
for what it has after: the last snapshot the dead trainer delivered, the loss curve drawn, the undo stack.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

import nnstudio.gui.files as files
from hostile import trained_project
from nnstudio.engine import ParamRef
from nnstudio.io.project import load_project
from nnstudio.training.problem import ProblemSpec
from nnstudio.training.remote import RemoteTrainer
from nnstudio.training.trainer import Trainer

pytestmark = pytest.mark.reliability

REF = ParamRef.weight(1, 2, 0)


# ---- the user's actions --------------------------------------------------------------------------
def edit(qtbot, w, ref, text):
    """Click the edge, type ``text``, Enter; wait until the trainer has sent the value back."""
    view = w.network_view
    qtbot.mouseClick(view.mouse_target(), Qt.LeftButton, pos=view.edge_point(ref.layer, ref.src, ref.dst))
    qtbot.waitUntil(lambda: w.editor.is_open() and QApplication.focusWidget() is w.editor)
    w.editor.selectAll()
    qtbot.keyClicks(w.editor, text)
    qtbot.keyClick(w.editor, Qt.Key_Return)
    confirmed(qtbot, w, ref, float(text))


def confirmed(qtbot, w, ref, value):
    index = w.parameter_index(ref)
    qtbot.waitUntil(lambda: w.snapshot().params[index] == value and w.snapshot().applied >= w.trainer.sent,
                    timeout=5000)


def space(qtbot, w):
    qtbot.keyClick(w.network_view, Qt.Key_Space)


def save_as(qtbot, w, monkeypatch, path):
    """Ctrl+S on an untitled project: the Save As dialog answers ``path``."""
    monkeypatch.setattr(files.QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))
    shown = []
    monkeypatch.setattr(files.QMessageBox, "warning", staticmethod(lambda *a, **k: shown.append(a[2])))
    qtbot.keyClick(w.network_view, Qt.Key_S, Qt.ControlModifier)
    qtbot.waitUntil(lambda: not w.files.saving(), timeout=20000)  # the save runs on a worker thread
    assert not shown, shown
    assert path.exists()
    return load_project(path)


# ---- recording what the window showed, and from which trainer --------------------------------------
class Record:
    """Every snapshot the window applied, with the trainer it had then and what it drew right after."""

    def __init__(self, w):
        self.w = w
        self.rows = []
        self._seen(w.snapshot())  # what is on show now (a paused trainer sends nothing more before it dies)
        w.snapshotApplied.connect(self._seen)

    def _seen(self, snap):
        w = self.w
        self.rows.append((w.trainer, snap, np.concatenate([a.ravel() for a in w.parameters()]),
                          w.loss_plot.train_curve()[1]))

    def last_from(self, trainer):
        return [r for r in self.rows if r[0] is trainer][-1]

    def first_not_from(self, trainer):
        return next(r for r in self.rows if r[0] is not trainer)


def flat(w):
    return np.concatenate([a.ravel() for a in w.parameters()])


def kill(trainer) -> float:
    os.kill(trainer._process.pid, signal.SIGKILL)
    return time.monotonic()


def check_carried_on(qtbot, w, record, old):
    """The new trainer starts exactly where the window was when the old one died, and the window keeps all."""
    qtbot.waitUntil(lambda: w.trainer is not old and any(r[0] is w.trainer for r in record.rows), timeout=3000)
    _, last, params, losses = record.last_from(old)
    _, first, params_after, _ = record.first_not_from(old)
    assert first.generation == last.generation and first.branch == last.branch
    assert (first.step, first.epoch) == (last.step, last.epoch)
    np.testing.assert_array_equal(first.params, params)
    np.testing.assert_array_equal(params_after, params)
    assert first.spec == last.spec
    return last, params, losses


# ---- a killed trainer --------------------------------------------------------------------------------
def test_a_trainer_killed_while_training_is_noticed_and_replaced_with_nothing_lost(qtbot, window, tmp_path,
                                                                                  monkeypatch):
    w = window
    w.speed_slider.setValue(w.speed_slider.maximum())  # full speed (the default 30 steps/s is for watching)
    edit(qtbot, w, REF, "0.75")
    space(qtbot, w)
    qtbot.waitUntil(lambda: w.step_count() > 300, timeout=10000)
    record = Record(w)
    old = w.trainer
    kill(old)
    # Noticed within a second: the status bar says so.
    qtbot.waitUntil(lambda: "trainer" in w.statusBar().currentMessage().lower()
                    and "stopped" in w.statusBar().currentMessage(), timeout=1000)
    assert "afresh" in w.statusBar().currentMessage()  # the optimizer's state is not the window's to keep
    last, params, losses = check_carried_on(qtbot, w, record, old)
    assert last.step > 300
    assert w.undo_stack.count() == 1  # the edit is still undoable
    qtbot.waitUntil(lambda: w.health_icon.property("severity") == "error", timeout=3000)
    assert "trainer stopped" in w.health_label.text()
    # Training goes on by itself within 3 s, on from where it was (a crash is not a pause); no loss drawn
    # before the kill is lost.
    qtbot.waitUntil(lambda: w.step_count() > last.step + 100, timeout=3000)
    assert w.actionPlayPause.isChecked() and w.actionPlayPause.text() == "Pause"
    space(qtbot, w)
    qtbot.waitUntil(lambda: not w.snapshot().running)
    curve = w.loss_plot.train_curve()[1]
    assert len(curve) == w.step_count() >= len(losses) == last.step
    np.testing.assert_array_equal(curve[: len(losses)], losses)
    # An edit lands in the new trainer, and Undo still works.
    edit(qtbot, w, REF, "-0.5")
    qtbot.keyClick(w.network_view, Qt.Key_Z, Qt.ControlModifier)
    qtbot.waitUntil(lambda: w.undo_stack.index() == w.undo_stack.count() - 1)
    confirmed(qtbot, w, REF, float(w.undo_stack.command(w.undo_stack.count() - 1).old))
    assert w.trainer.alive
    # Save writes a project that opens with what the window shows.
    project = save_as(qtbot, w, monkeypatch, tmp_path / "after-kill.nnstudio")
    np.testing.assert_array_equal(project.params, flat(w))
    assert project.step == w.step_count()
    np.testing.assert_array_equal(project.losses, w.loss_plot.train_curve()[1])
    # The test losses evaluated by the dead trainer are in it too (the plot's test curve is the oracle).
    tested = [e.step for e in project.evaluations if e.test_loss is not None and np.isfinite(e.test_loss)]
    assert min(tested) < last.step
    np.testing.assert_array_equal(tested, w.loss_plot.test_curve()[0])


def test_a_trainer_killed_while_paused_is_replaced_and_step_goes_on(qtbot, window):
    w = window
    w.actionStep.trigger()
    qtbot.waitUntil(lambda: w.step_count() == 1)
    edit(qtbot, w, REF, "1.25")
    record = Record(w)
    old = w.trainer
    kill(old)
    qtbot.waitUntil(lambda: "stopped" in w.statusBar().currentMessage(), timeout=1000)
    last, params, _ = check_carried_on(qtbot, w, record, old)
    assert last.step == 1 and params[w.parameter_index(REF)] == 1.25
    w.actionStep.trigger()
    qtbot.waitUntil(lambda: w.step_count() == 2, timeout=3000)
    np.testing.assert_array_equal(w.loss_plot.train_curve()[0], [1, 2])
    assert w.trainer.alive and w.supervisor.restarts == 1


def test_a_trainer_killed_while_a_past_step_is_on_show_goes_on_from_that_step_and_its_epoch(qtbot, window):
    """The new trainer starts from what the window shows: the past step's parameters, losses, and epoch (it
    took the live epoch, so the epoch counter jumped ahead of the step)."""
    w = window
    w.trainer.step(10)
    qtbot.waitUntil(lambda: w.step_count() == 10)
    epoch_then, params_then = w.snapshot().epoch, flat(w)
    w.trainer.step(300)
    qtbot.waitUntil(lambda: w.step_count() == 310, timeout=5000)
    assert w.snapshot().epoch > epoch_then
    w.trainer.seek(10)
    qtbot.waitUntil(lambda: w.snapshot().viewing == 10)
    old = w.trainer
    kill(old)
    qtbot.waitUntil(lambda: w.trainer is not old and w.snapshot().applied >= w.trainer.sent
                    and w.supervisor.serving(), timeout=3000)
    qtbot.waitUntil(lambda: w.step_count() == 10, timeout=3000)
    assert w.snapshot().epoch == epoch_then and w.snapshot().viewing is None
    np.testing.assert_array_equal(flat(w), params_then)


def test_a_trainer_that_cannot_be_restarted_still_lets_save_write_the_work(qtbot, window, tmp_path, monkeypatch):
    w = window
    w.trainer.step(40)
    qtbot.waitUntil(lambda: w.step_count() == 40)
    edit(qtbot, w, REF, "0.625")

    def refuse(*args, **kwargs):
        raise OSError("no more processes")

    monkeypatch.setattr(RemoteTrainer, "restarted", refuse)
    kill(w.trainer)
    qtbot.waitUntil(lambda: "could not be restarted" in w.statusBar().currentMessage(), timeout=1000)
    assert w.supervisor.is_down() and not w.supervisor.serving()
    space(qtbot, w)  # nothing can train: Play stays Play
    qtbot.waitUntil(lambda: not w.actionPlayPause.isChecked())
    started = time.monotonic()
    project = save_as(qtbot, w, monkeypatch, tmp_path / "rescued.nnstudio")
    assert time.monotonic() - started < 5  # not the 10 s wait for an answer that cannot come
    np.testing.assert_array_equal(project.params, flat(w))
    assert project.params[w.parameter_index(REF)] == 0.625
    assert project.step == 40 and project.spec == w.snapshot().spec
    np.testing.assert_array_equal(project.losses, w.loss_plot.train_curve()[1])
    assert project.optimizer["size"] == -1  # the optimizer's state died with the trainer
    shown = []  # and opening a project says it cannot, at once, and keeps what is open
    monkeypatch.setattr(files.QMessageBox, "warning", staticmethod(lambda *a, **k: shown.append(a[2])))
    trained_project(tmp_path / "other.nnstudio", steps=5)
    before, started = flat(w), time.monotonic()
    assert not w.files.open(tmp_path / "other.nnstudio")
    assert time.monotonic() - started < 1 and len(shown) == 1 and "could not be restarted" in shown[0]
    np.testing.assert_array_equal(flat(w), before)


def test_a_trainer_that_dies_again_and_again_is_given_up_on_and_the_work_kept(qtbot, window, monkeypatch):
    w = window
    w.trainer.step(10)
    qtbot.waitUntil(lambda: w.step_count() == 10)
    edit(qtbot, w, REF, "0.5")
    restarted = RemoteTrainer.restarted

    def dies_at_once(self, *args):
        new = restarted(self, *args)
        os.kill(new._process.pid, signal.SIGKILL)
        return new

    monkeypatch.setattr(RemoteTrainer, "restarted", dies_at_once)
    kill(w.trainer)
    qtbot.waitUntil(lambda: "could not be restarted" in w.statusBar().currentMessage(), timeout=5000)
    assert w.supervisor.restarts == 2 and w.supervisor.is_down()
    assert "not restarted" in w.health_label.text()
    assert w.step_count() == 10 and w.value(REF) == 0.5
    assert w.current_project(timeout=0.5).params[w.parameter_index(REF)] == 0.5


def test_a_trainer_that_does_not_answer_is_saved_from_the_windows_state(qtbot, window):
    w = window
    w.trainer.step(25)
    qtbot.waitUntil(lambda: w.step_count() == 25)
    pid = w.trainer._process.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        project = w.current_project(timeout=0.5)
    finally:
        os.kill(pid, signal.SIGCONT)
    np.testing.assert_array_equal(project.params, flat(w))
    assert project.step == 25 and len(project.losses) == 25


def test_a_trainer_that_dies_while_a_save_waits_for_it_is_not_waited_for(qtbot, window):
    w = window
    w.trainer.step(15)
    qtbot.waitUntil(lambda: w.step_count() == 15)
    pid = w.trainer._process.pid
    os.kill(pid, signal.SIGSTOP)  # it cannot answer the export, and then it dies
    QTimer.singleShot(300, lambda: os.kill(pid, signal.SIGKILL))
    started = time.monotonic()
    project = w.current_project(timeout=10)
    assert time.monotonic() - started < 5
    np.testing.assert_array_equal(project.params, flat(w))
    assert project.step == 15


@pytest.mark.parametrize("how", ["open", "new"])
def test_a_trainer_that_dies_while_a_project_opens_is_replaced_and_the_project_opens(qtbot, window, tmp_path,
                                                                                   monkeypatch, how):
    """The trainer stopped (SIGSTOP) before it read "open this project" (or File → New), then killed: the
    window waited its full 10 s and a TimeoutError escaped into Qt. Now the new trainer is asked again."""
    w = window
    w.trainer.step(25)
    qtbot.waitUntil(lambda: w.step_count() == 25)
    path = tmp_path / "saved.nnstudio"
    saved = save_as(qtbot, w, monkeypatch, path)
    w.trainer.step(10)
    qtbot.waitUntil(lambda: w.step_count() == 35)
    old = w.trainer
    pid = old._process.pid
    os.kill(pid, signal.SIGSTOP)  # the command waits in the pipe, unread, and is lost with the process
    QTimer.singleShot(300, lambda: os.kill(pid, signal.SIGKILL))
    shown = []
    monkeypatch.setattr(files.QMessageBox, "warning", staticmethod(lambda *a, **k: shown.append(a[2])))
    started = time.monotonic()
    if how == "open":
        assert w.files.open(path)
    else:
        w.files.actionNew.trigger()
    assert time.monotonic() - started < 5
    assert not shown, shown
    assert w.trainer is not old and w.supervisor.restarts == 1
    if how == "open":
        assert w.step_count() == 25 and not w.files.dirty
        np.testing.assert_array_equal(flat(w), saved.params)
    else:
        assert w.step_count() == 0 and w.snapshot().spec == ProblemSpec()
    w.actionStep.trigger()  # and it serves
    qtbot.waitUntil(lambda: w.step_count() == (26 if how == "open" else 1), timeout=3000)


# ---- a GUI that dies ----------------------------------------------------------------------------------
GUI = textwrap.dedent("""
    import os, signal, sys, time
    from PySide6.QtWidgets import QApplication
    from nnstudio.gui import MainWindow

    app = QApplication([])
    w = MainWindow()
    w.show()
    training = sys.argv[1] == "training"
    if training:
        w.actionPlayPause.trigger()
    else:
        w.actionStep.trigger()  # answered once the trainer process serves
    deadline = time.monotonic() + 30
    while w.step_count() < (200 if training else 1) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    print(w.trainer._process.pid, flush=True)
    if training:
        os._exit(1)  # a crash: no close, no stop command
    while True:
        app.processEvents()
        time.sleep(0.01)
""")


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # an exited child nobody has reaped yet is gone too
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.mark.parametrize("how", ["training", "paused"])
def test_the_trainer_exits_when_its_gui_dies(tmp_path, how):
    env = {**os.environ, "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    gui = subprocess.Popen([sys.executable, "-c", GUI, how], stdout=subprocess.PIPE, env=env, text=True)
    try:
        pid = int(gui.stdout.readline())
        if how == "paused":
            gui.send_signal(signal.SIGKILL)
        gui.wait(10)
        died = time.monotonic()
        while not gone(pid) and time.monotonic() - died < 2.0:
            time.sleep(0.02)
        assert gone(pid), f"the trainer ({how}) outlived its GUI by 2 s"
    finally:
        gui.kill()
        if not gone(pid):
            os.kill(pid, signal.SIGKILL)


# ---- a command that raises --------------------------------------------------------------------------
def test_a_command_that_raises_in_the_trainer_process_is_reported_and_the_trainer_serves_on(qtbot, window):
    w = window
    before, seed = flat(w), w.snapshot().spec.seed
    w.trainer.reset(-1)  # a seed NumPy refuses (seen: it killed the trainer process)
    qtbot.waitUntil(lambda: "Not applied" in w.statusBar().currentMessage(), timeout=3000)
    assert "reset" in w.statusBar().currentMessage()
    assert w.snapshot().spec.seed == seed
    assert w.trainer.alive and w.supervisor.restarts == 0
    np.testing.assert_array_equal(flat(w), before)
    w.actionStep.trigger()
    qtbot.waitUntil(lambda: w.step_count() == 1, timeout=3000)


def test_a_spec_whose_data_cannot_be_made_is_reported_and_changes_nothing(qtbot, open_window, monkeypatch):
    import nnstudio.training.trainer as trainer_module

    def broken(spec):
        raise RuntimeError("the data generator broke")

    w = open_window(trainer="thread")
    spec = w.snapshot().spec
    monkeypatch.setattr(trainer_module, "make_data", broken)
    w.trainer.set_spec(spec.replace(noise=0.3))
    qtbot.waitUntil(lambda: "Not applied" in w.statusBar().currentMessage(), timeout=3000)
    message = w.statusBar().currentMessage()
    assert "set_spec" in message and "the data generator broke" in message
    assert w.trainer.alive and w.snapshot().spec == spec
    w.actionStep.trigger()
    qtbot.waitUntil(lambda: w.step_count() == 1, timeout=3000)
    w.close()


def drain(t):
    t.process()  # a synchronous trainer publishes on every take(): apply what is queued once, then read
    snaps = []
    while (s := t.mailbox.take()) is not None:
        snaps.append(s)
    return snaps


def test_a_failing_command_never_half_applies():
    t = Trainer(ProblemSpec(), threaded=False)
    t.step(20)
    drain(t)
    t.seek(5)
    drain(t)
    rows = t.history.to_arrays()["steps"].copy()
    t.set_parameter(10_000, 1.0)  # out of range while a past step is on show: no branch from it either
    last = drain(t)[-1]
    assert last.message.startswith("Not applied")
    assert last.viewing == 5 and last.step == 20
    np.testing.assert_array_equal(t.history.to_arrays()["steps"], rows)
    params, seed = t.network.flat_parameters(), t.spec.seed
    t.reset(-1)  # a seed NumPy refuses
    message = drain(t)[-1].message
    assert message.startswith("Not applied") and "reset" in message
    assert t.spec.seed == seed
    np.testing.assert_array_equal(t.network.flat_parameters(), params)
    t.step(1)
    assert drain(t)[-1].step == 21
