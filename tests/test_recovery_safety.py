"""Recovered work stays safe: unsaved until saved, its autosave kept until a save or an explicit Discard,
leftovers of a save killed half-way removed at the next launch, and a failed autosave said in the status bar."""

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QLockFile
from PySide6.QtWidgets import QMessageBox

import nnstudio.gui.files as files
from nnstudio.io.filesystem import TEMP_PREFIX, TEMP_SUFFIX

pytestmark = pytest.mark.reliability

# A process that takes the session lock the way the app does and dies without letting go of it (os._exit
# runs no destructor, as a kill -9 or a segfault).
CRASHING_SESSION = """
import os, sys
from PySide6.QtCore import QLockFile
lock = QLockFile(sys.argv[1])
assert lock.tryLock(0)
os._exit(1)
"""


def train(qtbot, w, n):
    start = w.step_count()
    w.trainer.step(n)
    qtbot.waitUntil(lambda: w.step_count() == start + n, timeout=10000)


def crash_leaving_the_session_lock():
    lock = files.data_dir() / "session.lock"
    lock.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-c", CRASHING_SESSION, str(lock)], check=False, timeout=60)
    assert lock.exists()


@pytest.fixture
def recovered(qtbot, open_window, monkeypatch):
    """A window that recovered a crashed session's 7 trained steps (the user answered Open)."""
    w = open_window()
    w.files.start_session()
    train(qtbot, w, 7)
    assert w.files.autosave()
    w.files.end_session = lambda: None  # the crashed session cannot clean up
    w.files.guard = False
    w.close()
    w.files._lock.unlock()  # a dead process holds nothing (its lock file is left by the subprocess below)
    crash_leaving_the_session_lock()
    answers = iter([QMessageBox.Open])
    asked = []

    def question(parent, title, *args, **kwargs):
        asked.append(title)
        return next(answers, QMessageBox.Discard)

    monkeypatch.setattr(files.QMessageBox, "question", staticmethod(question))
    w2 = open_window()
    w2.files.start_session()
    assert asked == ["Recover unsaved work?"] and w2.step_count() == 7
    asked.clear()
    show_new_snapshots(qtbot, w2)
    yield w2, asked
    w2.files.guard = False
    w2.close()


def show_new_snapshots(qtbot, w):
    """Rewind to step 3 and back: two new snapshots of the recovered state."""
    w.trainer.seek(3)
    qtbot.waitUntil(lambda: w.snapshot().viewing == 3)
    w.trainer.seek(7)
    qtbot.waitUntil(lambda: w.snapshot().viewing is None)


def test_recovered_work_stays_unsaved_while_snapshots_arrive(qtbot, recovered):
    w, asked = recovered
    # Failed before: the first snapshot compared equal to what open() had marked as saved, so the star went.
    assert w.isWindowModified() and "untitled" in w.windowTitle()
    assert files.FileController.autosave_path().exists()


def test_closing_recovered_work_asks_and_cancel_keeps_it(qtbot, recovered, monkeypatch):
    w, asked = recovered
    monkeypatch.setattr(files.QMessageBox, "question",
                        staticmethod(lambda *a, **k: asked.append(a[1]) or QMessageBox.Cancel))
    assert not w.close()  # failed before: closed without a question and deleted the autosave
    assert asked == ["Unsaved changes"] and w.isVisible()
    assert files.FileController.autosave_path().exists()


def test_an_explicit_discard_deletes_the_autosave(qtbot, recovered):
    w, asked = recovered
    assert w.close()  # the conftest answers Discard
    assert asked == ["Unsaved changes"]
    assert not files.FileController.autosave_path().exists()


def test_a_successful_save_deletes_the_autosave_and_a_failed_one_keeps_it(qtbot, recovered, tmp_path,
                                                                          monkeypatch):
    w, asked = recovered
    monkeypatch.setattr(files.QMessageBox, "warning", staticmethod(lambda *a, **k: asked.append(a[1])))
    assert not w.files._save_to(tmp_path / "missing-folder" / "run.nnstudio")
    assert asked == ["Cannot save project"] and w.isWindowModified()
    assert files.FileController.autosave_path().exists()
    assert w.files._save_to(tmp_path / "run.nnstudio")
    assert not w.isWindowModified() and not files.FileController.autosave_path().exists()


def test_a_dead_writers_temporary_file_is_removed_at_the_next_launch(qtbot, open_window, tmp_path):
    w = open_window()
    assert w.files._save_to(tmp_path / "run.nnstudio")  # the folder is now among the recent projects
    w.close()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    leftover = tmp_path / f"{TEMP_PREFIX}{dead}-abc123{TEMP_SUFFIX}"
    leftover.write_bytes(b"half a project")
    alive = tmp_path / f"{TEMP_PREFIX}{os.getppid()}-def456{TEMP_SUFFIX}"  # a save still under way elsewhere
    alive.write_bytes(b"being written")
    unrelated = tmp_path / ".other-123-x.tmp"
    unrelated.write_bytes(b"not ours")
    in_data_dir = files.data_dir() / f"{TEMP_PREFIX}{dead}-ghi789{TEMP_SUFFIX}"  # a killed autosave
    in_data_dir.write_bytes(b"half an autosave")

    w2 = open_window()  # (which clears the settings: the project is made recent again)
    w2.files._remember(tmp_path / "run.nnstudio")
    w2.files.start_session()
    assert not leftover.exists() and not in_data_dir.exists()  # failed before: kept for ever
    assert alive.exists() and unrelated.exists() and (tmp_path / "run.nnstudio").exists()
    w2.close()


def test_a_second_window_leaves_the_first_ones_session_alone(qtbot, open_window):
    first = open_window()
    first.files.start_session()
    second = open_window()
    second.files.start_session()  # the session lock is held by a live instance: nothing to recover
    assert first.files.owns_session() and not second.files.owns_session()
    second.close()
    assert (files.data_dir() / "session.lock").exists()
    first.close()
    assert not (files.data_dir() / "session.lock").exists()


def test_a_failed_autosave_is_said_in_the_status_bar(qtbot, open_window, monkeypatch):
    w = open_window()
    w.files.start_session()
    train(qtbot, w, 3)

    def dead_trainer(*args, **kwargs):
        raise TimeoutError("the trainer did not answer in time")

    monkeypatch.setattr(w, "current_project", dead_trainer)
    assert not w.files.autosave()
    # Failed before: nothing was said at all.
    assert "Autosave failed" in w.statusBar().currentMessage()
    assert "did not answer" in w.statusBar().currentMessage()
    w.close()


def test_a_stale_lock_is_what_a_crash_leaves_and_a_held_one_is_not(tmp_path):
    path = str(tmp_path / "x.lock")
    subprocess.run([sys.executable, "-c", CRASHING_SESSION, path], check=False, timeout=60)
    held = QLockFile(path)
    held.setStaleLockTime(0)
    assert held.tryLock(0)  # the holder is dead: the lock is stale and taken over
    other = QLockFile(path)
    other.setStaleLockTime(0)
    assert not other.tryLock(0)
    held.unlock()
