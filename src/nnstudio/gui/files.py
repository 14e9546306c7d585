"""Project files for the window: New, Open, Save, Save As, Recent, autosave with crash recovery, and the
unsaved-changes guard (a star in the title, a question on close)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QSettings, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..io.filesystem import remove_stale_temp_files  # noqa: F401 - its home was here; tests import it
from ..io.project import SUFFIX, ProjectError, load_project
from ..training.problem import ProblemSpec
from .actions import _action
from .history_menu import HistoryMenu
from .save_job import POLL_MS, SaveProgress, SavingMixin

AUTOSAVE_MS = 3 * 60 * 1000
MAX_RECENT = 8
FILTER = f"nnstudio projects (*{SUFFIX})"
# The saved marker of work that is saved nowhere (recovered from an autosave): no state ever equals it, so the
# work stays unsaved whatever snapshots arrive, until a save marks it clean.
NOTHING_SAVED = object()
_NOW = object()  # mark_clean's default: what the window shows now


def data_dir() -> Path:
    path = Path(QStandardPaths.writableLocation(QStandardPaths.AppDataLocation) or Path.home() / ".nnstudio")
    path.mkdir(parents=True, exist_ok=True)
    return path


class FileController(SavingMixin, QObject):
    saveFinished = Signal(bool)  # a save (or autosave) ended: whether it succeeded

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.path: Path | None = None
        self.dirty = False
        self._marker = None  # what was saved: (generation, step, spec, undo index)
        self._job = None  # the save under way: (SaveJob or None while the project is taken, path, marker, auto)
        self._last_save_ok = False
        self._build_actions()
        self.progress = SaveProgress(window)
        window.statusBar().insertPermanentWidget(0, self.progress)  # permanent: a status message cannot hide it
        self._job_timer = QTimer(self, interval=POLL_MS, timeout=self._check_job)
        self._autosave = QTimer(self, interval=AUTOSAVE_MS, timeout=lambda: self.autosave(wait=False))
        self._autosave.start()
        self._lock: QLockFile | None = None
        self._session = False  # only the app's own window owns the lock and the autosave (not tests, screenshots)
        self._discarded = False  # the user said Discard to the unsaved work: its autosave may go
        self.guard = False  # ask before losing unsaved work: on for the app's window (scripts close silently)
        self.update_title()

    # ---- menus -----------------------------------------------------------------------------------
    def _build_actions(self):
        w = self.w
        self.actionNew = _action(w, "actionNew", "New", ["Ctrl+N"], "Start again from the default example", self.new)
        self.actionOpen = _action(w, "actionOpen", "Open…", ["Ctrl+O"], "Open a project", self.open_dialog)
        # The menu and the keys start a save and return: it runs on a worker thread (see save_job).
        self.actionSave = _action(w, "actionSave", "Save", ["Ctrl+S"], "Save the project",
                                  lambda: self.save(wait=False))
        self.actionSaveAs = _action(w, "actionSaveAs", "Save As…", ["Ctrl+Shift+S"], "Save under a new name",
                                    lambda: self.save_as(wait=False))
        menu = w.file_menu
        first = menu.actions()[0] if menu.actions() else None
        for act in (self.actionNew, self.actionOpen, self.actionSave, self.actionSaveAs):
            menu.insertAction(first, act)
        self.recent_menu = menu.addMenu("Open Recent")
        menu.insertMenu(first, self.recent_menu)
        self.history = HistoryMenu(w, menu)
        menu.insertMenu(first, self.history.menu)
        menu.insertSeparator(first)
        self._fill_recent()

    def _fill_recent(self):
        self.recent_menu.clear()
        for path in self.recent():
            self.recent_menu.addAction(path, lambda p=path: self.open(p))
        self.recent_menu.setEnabled(bool(self.recent()))

    @staticmethod
    def recent() -> list[str]:
        value = QSettings("nnstudio", "nnstudio").value("files/recent", [])
        return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str) and v]

    def _remember(self, path: Path):
        paths = [str(path)] + [p for p in self.recent() if p != str(path)]
        QSettings("nnstudio", "nnstudio").setValue("files/recent", paths[:MAX_RECENT])
        self._fill_recent()

    # ---- state -----------------------------------------------------------------------------------
    def _current_marker(self):
        snap = self.w.snapshot()
        return None if snap is None else (snap.generation, snap.step, snap.spec, self.w.undo_stack.index())

    def snapshot_applied(self, snap):
        if self._marker is None:
            self._marker = self._current_marker()  # a fresh window starts clean
        dirty = self._current_marker() != self._marker
        if dirty != self.dirty:
            self.dirty = dirty
            self.update_title()

    def mark_clean(self, marker=_NOW):
        """The work is saved as it was when ``marker`` was taken (default: as it is now); anything changed
        since (an edit made while the save ran) keeps the title starred."""
        self._marker = self._current_marker() if marker is _NOW else marker
        self.dirty = self._current_marker() != self._marker
        self.update_title()

    def mark_saved_nowhere(self):
        """What is open is saved in no file (recovered work): it stays unsaved until the user saves it."""
        self._marker = NOTHING_SAVED
        self.path = None
        self.dirty = True
        self.update_title()

    def update_title(self):
        name = self.path.name if self.path else "untitled"
        self.w.setWindowModified(self.dirty)
        self.w.setWindowTitle(f"{name}[*] — nnstudio")

    # ---- commands --------------------------------------------------------------------------------
    def new(self):
        if self.confirm_discard():
            try:
                self.w.load_spec(ProblemSpec())
            except TimeoutError as exc:
                QMessageBox.warning(self.w, "Cannot start a new project", f"Nothing was changed:\n\n{exc}.")
                return
            self.path = None
            self.mark_clean()

    def open_dialog(self):
        if not self.confirm_discard():
            return
        start = str(self.path.parent) if self.path else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self.w, "Open project", start, FILTER)
        if path:
            self.open(path)

    def open(self, path) -> bool:
        """Open a project; a bad file gets a message and leaves what is open untouched."""
        try:
            project = load_project(path)
        except (ProjectError, OSError) as exc:
            QMessageBox.warning(self.w, "Cannot open project", f"{Path(path).name} was not opened:\n\n{exc}")
            return False
        try:
            self.w.load_project(project)
        except TimeoutError as exc:  # the trainer died and its replacement failed too: what was open stays
            QMessageBox.warning(self.w, "Cannot open project", f"{Path(path).name} was not opened:\n\n{exc}.")
            return False
        self.path = Path(path)
        self._remember(self.path)
        self.mark_clean()
        return True

    def save(self, wait: bool = True) -> bool:
        """Save to the project's file (Save As for an untitled one). With ``wait``, returns once the save ended,
        whether it succeeded (the window keeps processing events meanwhile); without, whether it started."""
        if self.path is None:
            return self.save_as(wait)
        return self._save_to(self.path, wait)

    def save_as(self, wait: bool = True) -> bool:
        if self.saving():
            return False
        start = str(self.path) if self.path else str(Path.home() / f"untitled{SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self.w, "Save project", start, FILTER)
        if not path:
            return False
        if not path.endswith(SUFFIX):
            path += SUFFIX
        return self._save_to(Path(path), wait)

    def _save_to(self, path: Path, wait: bool = True) -> bool:
        return self._start_save(path, autosave=False) and (not wait or self.wait_for_save())

    def confirm_discard(self) -> bool:
        """True when it is fine to replace what is open: nothing unsaved, or the user said so."""
        self.finish_save()  # a save under way may be the one that makes the work safe
        if not self.dirty or not self.guard:
            return True
        answer = QMessageBox.question(
            self.w, "Unsaved changes", "The project has unsaved changes. Save them first?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        if answer == QMessageBox.Save:
            return self.save(wait=True)
        self._discarded = answer == QMessageBox.Discard
        return self._discarded

    # ---- autosave and recovery -------------------------------------------------------------------
    @staticmethod
    def autosave_path() -> Path:
        return data_dir() / f"autosave{SUFFIX}"

    def autosave(self, wait: bool = True) -> bool:
        """Save the unsaved work to the data folder (the timer's calls do not wait; one whose turn comes during
        a save is skipped, the next one comes 3 minutes later)."""
        if not self.dirty or not self._session:
            return False
        return self._start_save(self.autosave_path(), autosave=True) and (not wait or self.wait_for_save())

    def owns_session(self) -> bool:
        """True when this window holds the session lock, and so autosaves and recovers (one window at a time)."""
        return self._session

    def start_session(self):
        """Called once the window is shown: offer to recover what a crashed session autosaved, and remove
        what saves killed half-way left behind. Another live window keeps the session (and its autosave)."""
        self.guard = True
        path = data_dir() / "session.lock"
        was_there = path.exists()
        self._lock = QLockFile(str(path))
        self._lock.setStaleLockTime(0)  # a live window's lock is never stale, however old; a dead one's is
        self._session = self._lock.tryLock(0)
        if not self._session:
            return
        remove_stale_temp_files(self._save_folders())
        if was_there and self.autosave_path().exists():  # the lock was left by a session that died
            answer = QMessageBox.question(
                self.w, "Recover unsaved work?",
                "nnstudio did not close properly last time. Open the work it autosaved then?",
                QMessageBox.Open | QMessageBox.Discard, QMessageBox.Open)
            if answer == QMessageBox.Open and self.open(self.autosave_path()):
                self.mark_saved_nowhere()  # saved under a name the user chooses; the autosave stays till then
            elif answer == QMessageBox.Discard:
                self._drop_autosave()

    def _save_folders(self) -> set[Path]:
        """Where this app's saves write their temporary files: the autosave's folder and recent projects'."""
        folders = {data_dir()} | {Path(p).parent for p in self.recent()}
        if self.path is not None:
            folders.add(self.path.parent)
        return folders

    def _drop_autosave(self):
        if self._session:
            self.autosave_path().unlink(missing_ok=True)

    def end_session(self):
        """A clean exit: no recovery to offer next time, unless unsaved work was neither saved nor discarded."""
        if not self._session:
            return
        if not self.dirty or self._discarded:
            self._drop_autosave()
        self._lock.unlock()
        self._session = False
