"""File → Step history in projects: how much of the step history a project file keeps, with the size of each
choice shown when the menu opens (from the latest snapshot's row count, so nothing is copied to say it)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from ..training.thinning import DEFAULT_STORED_BYTES, stored_bytes

KEY, OLD_KEY = "files/history", "files/save_history"  # the old key was one checkbox: on or off
# (setting, objectName, label, bytes kept: 0 none, None every step, tooltip)
CHOICES = (
    ("none", "actionHistoryNone", "None", 0,
     "Keep no step history in the file: the smallest file; after reopening, the timeline starts at the saved "
     "step"),
    ("recent", "actionHistoryRecent", f"Recent steps exact, older thinned (≤ {DEFAULT_STORED_BYTES // 10**6} MB)",
     DEFAULT_STORED_BYTES,
     "Keep step 0, the latest steps one by one (about half of the file's history) and older steps spread "
     "evenly over the whole run, at most 16 MB: rewind anywhere after reopening, exactly near the end"),
    ("all", "actionHistoryAll", "Every step", None,
     "Keep every step the trainer recorded (up to its 200 MB memory cap): the largest file and the slowest "
     "save"),
)
DEFAULT = "recent"


def format_size(n: int) -> str:
    """Bytes as a person reads them: 0 MB, 45 KB, 3.2 MB, 183 MB."""
    if n <= 0:
        return "0 MB"
    if n < 100_000:
        return f"{max(1, round(n / 1000))} KB"
    return f"{n / 1e6:.1f} MB" if n < 10e6 else f"{n / 1e6:.0f} MB"


def _saved_choice() -> str:
    settings = QSettings("nnstudio", "nnstudio")
    value = settings.value(KEY)
    if value in {c[0] for c in CHOICES}:
        return value
    old = settings.value(OLD_KEY)
    if old is not None:  # a setting of before the choices: off stays off, on becomes the bounded default
        choice = "none" if str(old).lower() in ("false", "0") else DEFAULT
        settings.setValue(KEY, choice)
        settings.remove(OLD_KEY)
        return choice
    return DEFAULT


class HistoryMenu(QObject):
    def __init__(self, window, parent_menu: QMenu):
        super().__init__(window)
        self.w = window
        self.menu = QMenu("Step history in projects", parent_menu)
        self.menu.setObjectName("menuSaveHistory")
        self.menu.setToolTipsVisible(True)
        self.menu.menuAction().setObjectName("actionSaveHistory")
        self.menu.menuAction().setStatusTip("How much of the step history a saved project keeps")
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        self.actions: dict[str, QAction] = {}
        chosen = _saved_choice()
        for key, name, label, _, tip in CHOICES:
            act = QAction(label, window, checkable=True)
            act.setObjectName(name)
            act.setToolTip(tip)
            act.setStatusTip(tip)
            act.setChecked(key == chosen)
            act.triggered.connect(lambda _=False, k=key: QSettings("nnstudio", "nnstudio").setValue(KEY, k))
            self.group.addAction(act)
            self.menu.addAction(act)
            window.addAction(act)  # found by objectName, like every other action
            self.actions[key] = act
        self.menu.aboutToShow.connect(self.update_labels)

    def choice(self) -> str:
        return next(k for k, act in self.actions.items() if act.isChecked())

    def choose(self, key: str) -> None:
        self.actions[key].trigger()

    def max_bytes(self) -> int | None:
        """The history budget of a save: 0 keeps none, None every step."""
        return next(c[3] for c in CHOICES if c[0] == self.choice())

    def estimate(self, key: str | None = None) -> int:
        """Bytes of step history a save with this choice (default: the chosen one) would store now."""
        key = key or self.choice()
        snap = self.w.snapshot()
        if snap is None or not snap.history_rows:
            return 0
        budget = next(c[3] for c in CHOICES if c[0] == key)
        return stored_bytes(snap.history_rows, snap.history_row_bytes, budget)

    def update_labels(self) -> None:
        """Each choice with what it would store now ("Every step — 183 MB"): the size shown before saving."""
        for key, _, label, _, _ in CHOICES:
            self.actions[key].setText(f"{label} — {format_size(self.estimate(key))}")
