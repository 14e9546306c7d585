"""A project save off the GUI thread, and its progress in the status bar.

Writing a project is pure io (``io.project.save_project``: encode, zip, fsync, rename) and touches no Qt, so
it runs on a plain Python thread while the window goes on painting, training and taking edits (the arrays are
stored uncompressed, and the writes and the fsync release the GIL). The progress is a busy bar with "Saving
run.nnstudio (12 MB)…" in the status bar, shown only if the save takes longer than ``SHOW_AFTER_MS`` (a quick
save should not flash), and never a modal dialog: nothing blocks the user, and the state machine's harness
treats an unexpected modal as a failure.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QProgressBar, QWidget

from ..io.project import ProjectError, save_project
from .history_menu import format_size

SHOW_AFTER_MS = 300
POLL_MS = 15


def project_bytes(project) -> int:
    """The bytes of a project's arrays, about its file's size (they are stored uncompressed)."""
    arrays = [project.params, project.losses, *project.optimizer.get("state", {}).values(),
              *(project.history or {}).values()]
    if project.custom_data is not None:
        arrays += [project.custom_data["X"], project.custom_data["y"]]
    return int(sum(getattr(a, "nbytes", 0) for a in arrays))


class SaveJob:
    """``save_project(path, project)`` on a worker thread; ``done()`` and ``error`` once it ended."""

    def __init__(self, path, project):
        self.path, self.error = path, None
        # Not a daemon: an interpreter exiting mid-save waits for it rather than leave half a temporary file.
        self._thread = threading.Thread(target=self._run, args=(project,), name="nnstudio-save", daemon=False)
        self._thread.start()

    def _run(self, project) -> None:
        try:
            save_project(self.path, project)
        except BaseException as exc:  # noqa: BLE001 - reported in the GUI thread, whatever it is
            self.error = exc

    def done(self) -> bool:
        return not self._thread.is_alive()

    def join(self) -> None:
        self._thread.join()


class SaveProgress(QWidget):
    """The status bar's busy indicator for a save under way (hidden otherwise)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("saveProgress")
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)  # busy: a save's progress through zlib and the disk cannot be measured
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(90)
        self.bar.setMaximumHeight(14)
        self.label = QLabel(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        self._show_timer = QTimer(self, singleShot=True, interval=SHOW_AFTER_MS, timeout=self.show)
        self.hide()

    def begin(self, text: str) -> None:
        self.label.setText(text)
        self._show_timer.start()

    def set_text(self, text: str) -> None:
        self.label.setText(text)

    def text(self) -> str:
        return self.label.text()

    def end(self) -> None:
        self._show_timer.stop()
        self.hide()


class SavingMixin:
    """FileController's saves: the project is taken in the GUI thread (the trainer answers an export), written
    on a SaveJob's thread, and finished in the GUI thread; one at a time. Needs ``saveFinished``, ``progress``,
    ``_job_timer``, ``history`` and the actions of FileController."""

    def saving(self) -> bool:
        """True while a save or an autosave runs (from taking the project to the file's rename)."""
        return self._job is not None

    def wait_for_save(self) -> bool:
        """Process events until the save under way has ended; whether the last save succeeded."""
        if self.saving():
            loop = QEventLoop()
            self.saveFinished.connect(loop.quit)
            try:
                if self.saving():  # it ends only in this thread (_check_job), so it cannot end in between
                    loop.exec()
            finally:
                self.saveFinished.disconnect(loop.quit)
        return self._last_save_ok

    def finish_save(self) -> None:
        """Wait, without processing events, for a save's writing to end, and finish it (a closing window)."""
        if self._job is not None and self._job[0] is not None:
            self._job[0].join()
            self._check_job()

    def close_when_saved(self) -> bool:
        """For a window asked to close while its save is still taking the project from the trainer (a close
        that came in through the events processed meanwhile): True, and it closes once the save has ended.
        Once the writing has begun, closing just waits for it (``finish_save``)."""
        if self._job is None or self._job[0] is not None:
            return False
        self._close_after_save = True
        return True

    def _start_save(self, path, autosave: bool) -> bool:
        path = Path(path)
        if self.saving():  # one save at a time: the actions are disabled, and the autosave waits its turn
            if not autosave:
                self.w.statusBar().showMessage("A save is under way: try again when it is done.", 4000)
            return False
        # The file holds what the window shows: a value typed or nudged in the open editor is committed, as
        # clicking away would (text that is not a value stays in the editor with its message, uncommitted).
        if not autosave and self.w.editor.is_open():
            self.w.editor.commit()
        self._job = (None, path, None, autosave)
        self._enable_file_actions(False)
        estimate = self.history.estimate()
        self.progress.begin(f"{'Autosaving' if autosave else 'Saving'} {path.name}"
                            f"{f' ({format_size(estimate)} of step history)' if estimate else ''}…")
        try:
            undo_index = self.w.undo_stack.index()  # before the trainer is asked: later edits are not in the file
            project = self.w.current_project(max_history_bytes=self.history.max_bytes())
            snap = self.w.project_snapshot or self.w.snapshot()
            marker = (snap.generation, snap.step, snap.spec, undo_index)
            if autosave:
                project.meta["autosaved_from"] = str(self.path) if self.path else None
        except (ProjectError, OSError, TimeoutError) as exc:
            self._job = None
            self._finished(path, autosave, None, exc)
            return False
        except BaseException:  # a bug, not a refusal: it propagates, but the next save must not wait for this one
            self._job = None
            self.progress.end()
            self._enable_file_actions(True)
            raise
        self.progress.set_text(f"{'Autosaving' if autosave else 'Saving'} {path.name} "
                               f"({format_size(project_bytes(project))})…")
        self._job = (SaveJob(path, project), path, marker, autosave)
        self._job_timer.start()
        return True

    def _check_job(self) -> None:
        job = self._job
        if job is None or job[0] is None or not job[0].done():
            return
        self._job = None
        self._finished(job[1], job[3], job[2], job[0].error)

    def _finished(self, path: Path, autosave: bool, marker, error) -> None:
        self._job_timer.stop()
        self.progress.end()
        self._enable_file_actions(True)
        self._last_save_ok = error is None
        if error is not None and autosave:
            # No dialog: autosave must never interrupt the user; but a silent failure would let them trust it.
            self.w.statusBar().showMessage(f"Autosave failed: {error}. Save the project to keep your work.", 15000)
        elif error is not None:
            QMessageBox.warning(self.w, "Cannot save project", f"{path.name} was not saved:\n\n{error}")
        elif not autosave:
            self.path = path
            self._remember(path)
            self.mark_clean(marker)
            self._drop_autosave()  # the work is safe in its file now
            self.w.statusBar().showMessage(f"Saved {path}", 4000)
        self.saveFinished.emit(error is None)
        if getattr(self, "_close_after_save", False):
            self._close_after_save = False
            QTimer.singleShot(0, self.w.close)

    def _enable_file_actions(self, on: bool) -> None:
        """Save, Save As, Open, Open Recent and New wait while a save runs: one save at a time, and the file
        being written is never the one opened."""
        for act in (self.actionSave, self.actionSaveAs, self.actionOpen, self.actionNew):
            act.setEnabled(on)
        self.recent_menu.setEnabled(on and bool(self.recent()))

