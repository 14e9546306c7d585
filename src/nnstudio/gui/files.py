"""Project files for the window: New, Open, Save, Save As, Recent, autosave with crash recovery, and the
unsaved-changes guard (a star in the title, a question on close)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..io.project import SUFFIX, ProjectError, load_project, save_project
from ..training.problem import ProblemSpec
from .actions import _action

AUTOSAVE_MS = 3 * 60 * 1000
MAX_RECENT = 8
FILTER = f"nnstudio projects (*{SUFFIX})"


def data_dir() -> Path:
    path = Path(QStandardPaths.writableLocation(QStandardPaths.AppDataLocation) or Path.home() / ".nnstudio")
    path.mkdir(parents=True, exist_ok=True)
    return path


class FileController(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.path: Path | None = None
        self.dirty = False
        self._marker = None  # what was saved: (generation, step, spec, undo index)
        self._build_actions()
        self._autosave = QTimer(self, interval=AUTOSAVE_MS, timeout=self.autosave)
        self._autosave.start()
        self._lock = data_dir() / "session.lock"
        self._session = False  # only the app's own window owns the lock and the autosave (not tests, screenshots)
        self.guard = False  # ask before losing unsaved work: on for the app's window (scripts close silently)
        self.update_title()

    # ---- menus -----------------------------------------------------------------------------------
    def _build_actions(self):
        w = self.w
        self.actionNew = _action(w, "actionNew", "New", ["Ctrl+N"], "Start again from the default example", self.new)
        self.actionOpen = _action(w, "actionOpen", "Open…", ["Ctrl+O"], "Open a project", self.open_dialog)
        self.actionSave = _action(w, "actionSave", "Save", ["Ctrl+S"], "Save the project", self.save)
        self.actionSaveAs = _action(w, "actionSaveAs", "Save As…", ["Ctrl+Shift+S"], "Save under a new name",
                                    self.save_as)
        self.actionSaveHistory = _action(w, "actionSaveHistory", "Save step history in projects", [],
                                         "Keep every step's parameters in the file, to rewind after reopening",
                                         checkable=True)
        settings = QSettings("nnstudio", "nnstudio")
        self.actionSaveHistory.setChecked(settings.value("files/save_history", True, type=bool))
        self.actionSaveHistory.toggled.connect(
            lambda on: QSettings("nnstudio", "nnstudio").setValue("files/save_history", on))
        menu = w.file_menu
        first = menu.actions()[0] if menu.actions() else None
        for act in (self.actionNew, self.actionOpen, self.actionSave, self.actionSaveAs):
            menu.insertAction(first, act)
        self.recent_menu = menu.addMenu("Open Recent")
        menu.insertMenu(first, self.recent_menu)
        menu.insertAction(first, self.actionSaveHistory)
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

    def mark_clean(self):
        self._marker = self._current_marker()
        self.dirty = False
        self.update_title()

    def update_title(self):
        name = self.path.name if self.path else "untitled"
        self.w.setWindowModified(self.dirty)
        self.w.setWindowTitle(f"{name}[*] — nnstudio")

    # ---- commands --------------------------------------------------------------------------------
    def new(self):
        if self.confirm_discard():
            self.w.load_spec(ProblemSpec())
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
        self.w.load_project(project)
        self.path = Path(path)
        self._remember(self.path)
        self.mark_clean()
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._save_to(self.path)

    def save_as(self) -> bool:
        start = str(self.path) if self.path else str(Path.home() / f"untitled{SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self.w, "Save project", start, FILTER)
        if not path:
            return False
        if not path.endswith(SUFFIX):
            path += SUFFIX
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        # The file holds what the window shows: a value typed or nudged in the open editor is committed, as
        # clicking away would (text that is not a value stays in the editor with its message, uncommitted).
        if self.w.editor.is_open():
            self.w.editor.commit()
        try:
            save_project(path, self.w.current_project())
        except (ProjectError, OSError, TimeoutError) as exc:
            QMessageBox.warning(self.w, "Cannot save project", f"{path.name} was not saved:\n\n{exc}")
            return False
        self.path = path
        self._remember(path)
        self.mark_clean()
        self.w.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def confirm_discard(self) -> bool:
        """True when it is fine to replace what is open: nothing unsaved, or the user said so."""
        if not self.dirty or not self.guard:
            return True
        answer = QMessageBox.question(
            self.w, "Unsaved changes", "The project has unsaved changes. Save them first?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        if answer == QMessageBox.Save:
            return self.save()
        return answer == QMessageBox.Discard

    # ---- autosave and recovery -------------------------------------------------------------------
    @staticmethod
    def autosave_path() -> Path:
        return data_dir() / f"autosave{SUFFIX}"

    def autosave(self) -> bool:
        if not self.dirty or not self._session:
            return False
        try:
            project = self.w.current_project()
            project.meta["autosaved_from"] = str(self.path) if self.path else None
            save_project(self.autosave_path(), project)
        except (ProjectError, OSError, TimeoutError):
            return False  # autosave must never interrupt the user; the next attempt comes in a few minutes
        return True

    def start_session(self):
        """Called once the window is shown: offer to recover what a crashed session autosaved."""
        crashed = self._lock.exists() and not _pid_alive(_read_pid(self._lock))
        self._lock.write_text(str(os.getpid()))
        self._session = self.guard = True
        if crashed and self.autosave_path().exists():
            answer = QMessageBox.question(
                self.w, "Recover unsaved work?",
                "nnstudio did not close properly last time. Open the work it autosaved then?",
                QMessageBox.Open | QMessageBox.Discard, QMessageBox.Open)
            if answer == QMessageBox.Open and self.open(self.autosave_path()):
                self.path = None  # a recovered project is saved under a name the user chooses
                self.dirty = True
                self.update_title()

    def end_session(self):
        """A clean exit: no recovery to offer next time."""
        if not self._session:
            return
        for path in (self._lock, self.autosave_path()):
            try:
                path.unlink()
            except OSError:
                pass


def _read_pid(path: Path) -> int:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return -1


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid != os.getpid()

