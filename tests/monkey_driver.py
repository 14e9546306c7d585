"""Drives a real MainWindow the way a user does, one logged action at a time (for the state machine).

An action is a name and a few JSON-able numbers (fractions in [0, 1) that are resolved against the window
*as it is when the action runs*, so a logged sequence replays on any state). `Harness.do(name, **args)`
logs the action (flushed, before it runs: a segfault still leaves the sequence on disk), performs it with
real mouse and keyboard events, and settles the window. Dialogs never block: file dialogs answer with a
temporary path, questions with Discard/Yes, and anything else modal is recorded and closed.

New user actions go here (a function in ACTIONS) and get a rule in monkey_machine.py.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QPoint,
    QPointF,
    QSettings,
    QStandardPaths,
    Qt,
    QTimer,
    qInstallMessageHandler,
)
from PySide6.QtGui import QAction, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QToolButton,
    QWidget,
)

import nnstudio.training.problem as problem

# Qt messages that are not defects: the offscreen platform plugin's own limits (no native window sizing,
# raising, activating or keyboard grabs), which a real screen does not have.
ALLOWED_QT_MESSAGES = ("This plugin does not support ",)

KEYS = {
    "Space": (Qt.Key_Space, Qt.NoModifier), "Right": (Qt.Key_Right, Qt.NoModifier), "S": (Qt.Key_S, Qt.NoModifier),
    "Shift+Right": (Qt.Key_Right, Qt.ShiftModifier), "R": (Qt.Key_R, Qt.NoModifier),
    "Shift+R": (Qt.Key_R, Qt.ShiftModifier), "Ctrl+Z": (Qt.Key_Z, Qt.ControlModifier),
    "Ctrl+Shift+Z": (Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier), "G": (Qt.Key_G, Qt.NoModifier),
    "T": (Qt.Key_T, Qt.NoModifier), "Ctrl+B": (Qt.Key_B, Qt.ControlModifier), "F": (Qt.Key_F, Qt.NoModifier),
    "Ctrl+Return": (Qt.Key_Return, Qt.ControlModifier), "End": (Qt.Key_End, Qt.NoModifier),
}
# Keys that act on the whole window wherever the focus is, except in a text field being typed in.
TRAINING_KEYS = ("Space", "Right", "S", "Shift+Right", "R", "Shift+R")
COMBOS = ("dataset", "activation", "output_activation", "loss", "learning_rate", "optimizer", "regularization",
          "reg_rate", "edge_mode")
SLIDERS = ("noise", "train_fraction", "speed", "timeline")
SLIDER_KEYS = {"Left": Qt.Key_Left, "Right": Qt.Key_Right, "PageUp": Qt.Key_PageUp, "PageDown": Qt.Key_PageDown,
               "Home": Qt.Key_Home, "End": Qt.Key_End}
FOCUS_TARGETS = ("canvas", "batch_size", "dataset", "speed", "feature", "sample", "learning_rate", "history",
                 "output", "loss_plot")
MENU_ACTIONS = ("actionClearAllPoints", "actionClearPoints", "actionFocus", "actionClearBranches", "actionGoLive",
                "actionSubSteps", "actionForwardPass", "actionThumbnails", "actionStepEpoch", "actionFit",
                "actionHistoryNone", "actionHistoryRecent", "actionHistoryAll")
SAVE_SECONDS = 30.0  # a save runs on a worker thread; the rules wait for it (processing events) this long
SCREEN_SIZES = ((1280, 720), (1366, 768), (1600, 1000))
TRAINER_ANSWER_SECONDS = 5.0


def screen_config(width: int, height: int, folder: str) -> str:
    """A QT_QPA_PLATFORM value for an offscreen screen of this size (the plugin's JSON config file)."""
    path = Path(folder) / f"screen-{width}x{height}.json"
    path.write_text(json.dumps({"screens": [{"name": "monkey", "x": 0, "y": 0, "width": width, "height": height,
                                             "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    return f"offscreen:configfile={path}"


class OutOfTime(BaseException):
    """Shrinking a failure took its budget: stop and report the shortest failing sequence seen (a
    BaseException, so that hypothesis lets it through instead of counting it as another failure)."""


class Harness:
    """One QApplication; a fresh window per sequence; every problem the window shows is collected."""

    def __init__(self, trainer: str = "sync", log_path: str | None = None, shrink_seconds: float = 120.0):
        self.trainer = trainer
        self.shrink_seconds = shrink_seconds
        self.sequence: list[dict] = []  # the current example's actions, replayable
        self.failures: list[tuple[list[dict], str]] = []  # (sequence, what failed), in the order found
        self._first_failure: float | None = None
        self.out_of_time = False
        self.app = QApplication.instance() or QApplication([])
        QStandardPaths.setTestModeEnabled(True)
        self.tmp = Path(tempfile.mkdtemp(prefix="nnstudio-monkey-"))
        self.problems: list[str] = []  # exceptions, unexpected Qt messages, unexpected dialogs
        self.warnings: list[str] = []  # message boxes shown (refusals: some are expected)
        self.log = open(log_path, "a", encoding="utf-8") if log_path else None  # noqa: SIM115
        self.example = 0
        self.window = None
        self._next_path: str = ""
        self._patch_dialogs()
        # Reset with new seed and Regenerate draw fresh seeds: from a salt the sequence sets (its "seeds"
        # action), so a replay draws the same ones and a failure that needs one particular network reproduces.
        self.seed_salt, self._seeds_drawn = 0, 0
        problem.fresh_seed = self._fresh_seed
        qInstallMessageHandler(self._qt_message)
        sys.excepthook = self._excepthook
        self._watchdog = QTimer(interval=50, timeout=self._close_modal)
        self._watchdog.start()

    def _fresh_seed(self) -> int:
        self._seeds_drawn += 1
        return int(np.random.default_rng([self.seed_salt, self._seeds_drawn]).integers(0, 2**31 - 1))

    # ---- problems ------------------------------------------------------------------------------
    def _qt_message(self, kind, context, message) -> None:
        if not any(message.startswith(ok) for ok in ALLOWED_QT_MESSAGES):
            self.problems.append(f"Qt message: {message}")

    def _excepthook(self, kind, value, tb) -> None:
        self.problems.append("exception: " + "".join(traceback.format_exception(kind, value, tb))[-3000:])

    def _close_modal(self) -> None:
        modal = QApplication.activeModalWidget()
        if modal is not None:
            self.problems.append(f"an unexpected modal dialog blocked the window: {modal.windowTitle()!r}")
            modal.close()

    def failed(self, message: str) -> None:
        """The current sequence broke a rule or an invariant (hypothesis shrinks it; we keep it too)."""
        self.failures.append((list(self.sequence), message))
        if self._first_failure is None:
            self._first_failure = time.perf_counter()

    def shortest_failure(self) -> tuple[list[dict], str] | None:
        return min(self.failures, key=lambda f: len(f[0])) if self.failures else None

    def take_problems(self) -> list[str]:
        out, self.problems = self.problems, []
        return out

    # ---- dialogs never block ------------------------------------------------------------------------
    def _patch_dialogs(self) -> None:
        harness = self

        def file_dialog(*args, **kwargs):
            return harness._next_path, ""

        def question(parent, title, text, buttons=None, *args, **kwargs):
            buttons = buttons if buttons is not None else QMessageBox.Yes | QMessageBox.No
            for answer in (QMessageBox.Discard, QMessageBox.Yes):
                if buttons & answer:
                    return answer
            return QMessageBox.Ok

        def shown(kind):
            def show(parent, title, text, *args, **kwargs):
                harness.warnings.append(f"{kind}: {title}: {text}")
                return QMessageBox.Ok
            return show

        QFileDialog.getSaveFileName = staticmethod(file_dialog)
        QFileDialog.getOpenFileName = staticmethod(file_dialog)
        QMessageBox.question = staticmethod(question)
        for kind in ("warning", "critical", "information", "about"):
            setattr(QMessageBox, kind, staticmethod(shown(kind)))

    def next_file(self, path: Path) -> None:
        self._next_path = str(path)

    # ---- the window ---------------------------------------------------------------------------------
    def open_window(self, size: tuple[int, int] | None = None):
        from nnstudio.gui import MainWindow

        if self._first_failure is not None and time.perf_counter() - self._first_failure > self.shrink_seconds:
            self.out_of_time = True
            raise OutOfTime(f"shrinking stopped after {self.shrink_seconds:g} s")
        self.example += 1
        self.sequence = []
        self.seed_salt, self._seeds_drawn = 0, 0
        self.problems = []  # each sequence answers for its own
        QSettings("nnstudio", "nnstudio").clear()
        self.window = w = MainWindow(trainer=self.trainer)
        if size is not None:
            w.resize(*size)
        w.show()
        QTest.qWaitForWindowExposed(w)
        w.activateWindow()  # shortcuts only reach an active window; a fresh one may not be yet
        QTest.qWaitForWindowActive(w, 1000)
        for _ in range(200):
            if w.snapshot() is not None:
                break
            QTest.qWait(5)
        self.settle()
        self._write({"example": self.example, "open": True})
        return w

    def close_window(self) -> None:
        """Close as a user does (closing must not raise or warn either)."""
        w, self.window = self.window, None
        if w is not None:
            w.files.end_session()
            w.close()
            w.deleteLater()
            QTest.qWait(1)
        problems = self.take_problems()
        assert not problems, "closing the window: " + "\n".join(problems)

    def settle(self) -> None:
        """Let queued events run, then every deferred view refresh (as if ~0.2 s had passed, without training)."""
        self.app.processEvents()
        w = self.window
        if w is not None and self.trainer != "sync":
            # A trainer in a thread or a process answers later: wait until it has seen every command sent.
            deadline = time.perf_counter() + TRAINER_ANSWER_SECONDS
            while w.snapshot().applied < w.trainer.sent:
                if time.perf_counter() > deadline:
                    self.problems.append(f"the trainer did not answer within {TRAINER_ANSWER_SECONDS:g} s")
                    break
                time.sleep(0.001)
                w.flush()
        if w is not None:
            w.flush()  # last: a timer firing after it would leave the views one tick behind
        # Widgets replaced during the flush (the panel's neuron rows) go now, as the next paint would see:
        # a user can never click one that is only waiting to be deleted.
        QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)

    def _injected_fault(self, action: str) -> None:
        """NNSTUDIO_MONKEY_FAULT="A,B" segfaults this process when action B runs after an action A in the same
        sequence: how tests/test_monkey.py proves that a crash is caught, reported and shrunk to those two."""
        fault = os.environ.get("NNSTUDIO_MONKEY_FAULT")
        if not fault:
            return
        first, then = fault.split(",")
        if action == then and any(a["action"] == first for a in self.sequence[:-1]):
            import ctypes

            ctypes.string_at(0)  # a real segfault (SIGSEGV), as a crash in Qt's C++ would be

    def _write(self, record: dict) -> None:
        if self.log is not None:
            self.log.write(json.dumps(record) + "\n")
            self.log.flush()
            os.fsync(self.log.fileno())

    def do(self, action: str, **args) -> str:
        """Log, perform and settle one action; returns a short description of what was actually done."""
        self._write({"example": self.example, "action": action, "args": args})
        self.sequence.append({"action": action, "args": args})
        self._injected_fault(action)
        done = ACTIONS[action](self, **args)
        self.settle()
        return done or action


# ---- helpers ---------------------------------------------------------------------------------------------
def _pick(seq, u: float):
    return seq[min(int(u * len(seq)), len(seq) - 1)]


def _key(widget: QWidget, name: str) -> None:
    key, mods = KEYS[name]
    QTest.keyClick(widget, key, mods)


def _activate(w) -> None:
    """Give the window back the activation a window manager gives it when a popup closes (offscreen there is
    none, and a closed context menu stays the "active window", so shortcuts would go nowhere)."""
    if not w.isActiveWindow():
        w.activateWindow()
        QTest.qWaitForWindowActive(w, 500)


def _focus(h: Harness, target: str) -> QWidget:
    w = h.window
    _activate(w)
    c = w.controls
    widget = {
        "canvas": w.network_view.viewport(), "batch_size": c.batch_size, "dataset": c.dataset,
        "speed": w.speed_slider, "feature": c.features["x1"], "sample": w.inside.sample_box,
        "learning_rate": c.learning_rate, "history": w.history_view, "output": w.output_view.plot.viewport(),
        "loss_plot": w.loss_plot.plot.viewport(),
    }[target]
    if widget.focusPolicy() == Qt.NoFocus and target != "canvas":
        widget = w.network_view.viewport()
    widget.setFocus(Qt.TabFocusReason)
    QApplication.processEvents()
    return QApplication.focusWidget() or w


def typing_in_text(widget: QWidget | None) -> bool:
    """Whether the focus is in a field a user types text into (where Space and letters are text)."""
    return isinstance(widget, QLineEdit) and not isinstance(widget.parentWidget(), (QAbstractSpinBox, QComboBox))


def _combo(h: Harness, name: str) -> QComboBox:
    w = h.window
    return w.inside.edge_mode if name == "edge_mode" else getattr(w.controls, name)


def _slider(h: Harness, name: str) -> QAbstractSlider:
    w = h.window
    return {"noise": w.controls.noise, "train_fraction": w.controls.train_fraction, "speed": w.speed_slider,
            "timeline": w.timeline.slider}[name]


# ---- actions -----------------------------------------------------------------------------------------------
def act_combo(h: Harness, name: str, u: float) -> str:
    """Focus a combo box and walk to an entry with the arrow keys (disabled entries are skipped by Qt)."""
    box = _combo(h, name)
    if not box.isEnabled() or box.count() == 0:
        return f"{name} is disabled"
    target = min(int(u * box.count()), box.count() - 1)
    box.setFocus(Qt.TabFocusReason)
    steps = target - box.currentIndex()
    for _ in range(abs(steps)):
        QTest.keyClick(box, Qt.Key_Down if steps > 0 else Qt.Key_Up)
    return f"{name} → {box.currentText()!r}"


def act_slider(h: Harness, name: str, key: str) -> str:
    slider = _slider(h, name)
    if not slider.isEnabled() or not slider.isVisible():
        return f"{name} slider is not available"
    slider.setFocus(Qt.TabFocusReason)
    QTest.keyClick(slider, SLIDER_KEYS[key])
    if name == "timeline":
        h.window.timeline.flush()
    return f"{name} slider {key} → {slider.value()}"


def act_button(h: Harness, name: str, u: float = 0.0) -> str:
    c = h.window.controls
    if name == "neuron":
        buttons = [b for b in c.findChildren(QToolButton) if b.isVisible() and b.toolTip().startswith("One neuron")]
        if not buttons:
            return "no hidden layer"
        button = _pick(sorted(buttons, key=lambda b: b.toolTip()), u)
    else:
        button = {"regenerate": c.regenerate, "add_layer": c.add_layer, "remove_layer": c.remove_layer}[name]
    if not button.isEnabled():
        return f"{button.toolTip() or name} is disabled"
    QTest.mouseClick(button, Qt.LeftButton)
    return button.toolTip() or button.text()


def act_feature(h: Harness, u: float) -> str:
    boxes = list(h.window.controls.features.values())
    box = _pick(boxes, u)
    if not box.isEnabled():
        return f"{box.text()} is disabled"
    QTest.mouseClick(box, Qt.LeftButton, pos=QPoint(8, box.height() // 2))
    return f"{box.text()} {'on' if box.isChecked() else 'off'}"


def act_batch(h: Harness, value: int) -> str:
    spin = h.window.controls.batch_size
    spin.setFocus(Qt.TabFocusReason)
    QTest.keyClick(spin, Qt.Key_A, Qt.ControlModifier)
    QTest.keyClicks(spin, str(value))
    QTest.keyClick(spin, Qt.Key_Return)
    return f"batch size {value}"


def act_key(h: Harness, key: str, focus: str) -> str:
    widget = _focus(h, focus)
    _key(widget, key)
    return f"{key} with the focus on {type(widget).__name__}"


def act_wait(h: Harness, ms: int) -> str:
    QTest.qWait(ms)
    return f"waited {ms} ms"


def _canvas_point(h: Harness, kind: str, a: float, b: float, c: float):
    view = h.window.network_view
    sizes = view._layout.sizes
    if kind == "edge":
        layer = min(int(a * (len(sizes) - 1)), len(sizes) - 2)
        src, dst = min(int(b * sizes[layer]), sizes[layer] - 1), min(int(c * sizes[layer + 1]), sizes[layer + 1] - 1)
        return view.edge_point(layer, src, dst), f"edge W{layer}[{src},{dst}]"
    if kind == "badge":
        layer = min(int(a * (len(sizes) - 1)), len(sizes) - 2)
        j = min(int(b * sizes[layer + 1]), sizes[layer + 1] - 1)
        return view.bias_point(layer, j), f"badge b{layer}[{j}]"
    if kind == "neuron":
        k = min(int(a * len(sizes)), len(sizes) - 1)
        i = min(int(b * sizes[k]), sizes[k] - 1)
        return view.neuron_point(k, i), f"neuron ({k}, {i})"
    vp = view.viewport().rect()
    return QPoint(int(a * (vp.width() - 1)), int(b * (vp.height() - 1))), "a point"


def act_click_canvas(h: Harness, kind: str, a: float, b: float, c: float, button: str = "left") -> str:
    view = h.window.network_view
    try:
        point, what = _canvas_point(h, kind, a, b, c)
    except (ValueError, RuntimeError) as exc:  # not drawn (edge budget) or not reachable at this size
        return f"no point for {kind}: {exc}"
    if button == "right":
        def choose():
            menu = QApplication.activePopupWidget()
            if menu is None:
                return
            actions = [act for act in menu.actions() if act.isEnabled()]
            if actions:
                _pick(actions, c).trigger()
            menu.close()

        QTimer.singleShot(0, choose)
        QTest.mouseClick(view.mouse_target(), Qt.RightButton, pos=point)
        QTest.qWait(1)
        _activate(h.window)
        return f"right-clicked {what}"
    QTest.mouseClick(view.mouse_target(), Qt.LeftButton, pos=point)
    return f"clicked {what}"


def act_drag_canvas(h: Harness, dx: float, dy: float) -> str:
    view = h.window.network_view
    vp = view.viewport()
    start = QPoint(vp.width() // 2, vp.height() // 2)
    end = start + QPoint(int(dx * 200 - 100), int(dy * 200 - 100))
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(vp, end)
    QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, end)
    return "dragged the canvas"


def act_wheel_canvas(h: Harness, notches: int) -> str:
    vp = h.window.network_view.viewport()
    pos = QPointF(vp.width() / 2, vp.height() / 2)
    event = QWheelEvent(pos, vp.mapToGlobal(pos), QPoint(), QPoint(0, 120 * notches), Qt.NoButton, Qt.NoModifier,
                        Qt.NoScrollPhase, False)
    QApplication.sendEvent(vp, event)
    return f"wheel {notches:+d} on the canvas"


def _plot_pos(h: Harness, x: float, y: float) -> QPoint:
    plot = h.window.output_view.plot
    return plot.mapFromScene(plot.getPlotItem().vb.mapViewToScene(QPointF(x, y)))


def act_click_point(h: Harness, which: str, u: float) -> str:
    """Click a data point of the output panel (train or test), where it is drawn."""
    out = h.window.output_view
    d = h.window.snapshot().data
    X = d.X_train if which == "train" else d.X_test
    if not out.plot.isVisible() or X.shape[1] > 2 or len(X) == 0:
        return "no plane to click"
    k = min(int(u * len(X)), len(X) - 1)
    y = X[k, 1] if X.shape[1] == 2 else (d.y_train if which == "train" else d.y_test)[k]
    QTest.mouseClick(out.plot.viewport(), Qt.LeftButton, pos=_plot_pos(h, float(X[k, 0]), float(y)))
    return f"clicked {which} point {k}"


def act_add_point(h: Harness, cls: int, u: float, v: float) -> str:
    out = h.window.output_view
    if not out.plot.isVisible():
        return "no plane to click"
    (x0, x1), (y0, y1) = out.plot.getPlotItem().vb.viewRange()
    pos = _plot_pos(h, x0 + (x1 - x0) * (0.1 + 0.8 * u), y0 + (y1 - y0) * (0.1 + 0.8 * v))
    QTest.mouseClick(out.plot.viewport(), Qt.LeftButton, Qt.ShiftModifier if cls else Qt.ControlModifier, pos)
    return f"{'Shift' if cls else 'Ctrl'}+clicked the plane"


def act_menu(h: Harness, name: str) -> str:
    act = h.window.findChild(QAction, name)
    if act is None or not act.isEnabled():
        return f"{name} is not available"
    act.trigger()
    return f"menu {act.text()}"


EDIT_TEXTS = ("number", "negative", "fraction", "times", "divide", "plus", "minus", "same", "abc", "nan", "huge",
              "empty", "zero_division", "long_fraction")


def edit_text(kind: str, u: float, old: float) -> tuple[str, float | None]:
    """(text to type, the value it must give — None when it must be refused), computed independently."""
    v = round(10 * u - 5, 3)
    return {
        "number": (repr(abs(v)), abs(v)), "negative": (repr(-abs(v) - 0.5), -abs(v) - 0.5),
        "fraction": ("1/4", 0.25), "times": ("*2", old * 2), "divide": ("/2", old / 2),
        "plus": ("+=0.5", old + 0.5), "minus": ("-=0.25", old - 0.25), "same": (repr(old), old),
        "abc": ("abc", None), "nan": ("nan", None), "huge": ("1e400", None), "empty": ("", None),
        "zero_division": ("1/0", None), "long_fraction": ("1" * 1000 + "/3", None),
    }[kind]


def act_type(h: Harness, kind: str, u: float, finish: str) -> str:
    """Type into the open editor, then Enter, Escape, or click away (on the canvas's empty corner)."""
    ed = h.window.editor
    if not ed.is_open():
        return "the editor is closed"
    ed.selectAll()
    text, _ = edit_text(kind, u, ed.base_value())
    if text:
        QTest.keyClicks(ed, text)
    else:
        QTest.keyClick(ed, Qt.Key_Delete)
    if finish == "enter":
        QTest.keyClick(ed, Qt.Key_Return)
    elif finish == "escape":
        QTest.keyClick(ed, Qt.Key_Escape)
    return f"typed {text[:20]!r} + {finish}"


def act_nudge(h: Harness, way: str) -> str:
    ed = h.window.editor
    if not ed.is_open():
        return "the editor is closed"
    if way == "wheel":
        pos = QPointF(ed.width() / 2, ed.height() / 2)
        QApplication.sendEvent(ed, QWheelEvent(pos, ed.mapToGlobal(pos), QPoint(), QPoint(0, 120), Qt.NoButton,
                                               Qt.NoModifier, Qt.NoScrollPhase, False))
    else:
        QTest.keyClick(ed, Qt.Key_Up if way == "up" else Qt.Key_Down, Qt.ShiftModifier if way == "fine" else
                       Qt.NoModifier)
    return f"nudged {way}"


def act_history(h: Harness, u: float) -> str:
    view = h.window.history_view
    model = view.model()
    if model.rowCount() == 0 or not view.isVisible():
        return "no history"
    row = min(int(u * model.rowCount()), model.rowCount() - 1)
    rect = view.visualRect(model.index(row, 0))
    if not rect.isValid() or not view.viewport().rect().intersects(rect):
        return "history row not visible"
    QTest.mouseClick(view.viewport(), Qt.LeftButton, pos=rect.center())
    return f"history row {row}"


def act_sample_box(h: Harness, u: float) -> str:
    box = h.window.inside.sample_box
    box.setFocus(Qt.TabFocusReason)
    QTest.keyClick(box, Qt.Key_A, Qt.ControlModifier)
    value = box.minimum() + int(u * (box.maximum() - box.minimum() + 1))
    QTest.keyClicks(box, str(min(value, box.maximum())))
    QTest.keyClick(box, Qt.Key_Return)
    return f"sample {value}"


def wait_for_save(h: Harness) -> None:
    """A save started by an action runs on a worker thread: process events until it has ended."""
    end = time.monotonic() + SAVE_SECONDS
    while h.window.files.saving():
        if time.monotonic() > end:
            raise AssertionError(f"a save did not end within {SAVE_SECONDS:g} s")
        QTest.qWait(5)


def act_save_open(h: Harness) -> str:
    w = h.window
    path = h.tmp / f"monkey-{h.example}.nnstudio"
    before = len(h.warnings)
    h.next_file(path)
    w.files.actionSaveAs.trigger()
    wait_for_save(h)
    if len(h.warnings) > before:
        return "save refused: " + h.warnings[-1][:200]
    h.next_file(path)
    w.files.actionOpen.trigger()
    return f"saved and reopened {path.name}"


def act_weights_round_trip(h: Harness) -> str:
    w = h.window
    path = h.tmp / f"monkey-{h.example}.npz"
    h.next_file(path)
    w.interop.actionExportWeights.trigger()
    h.next_file(path)
    w.interop.actionImportWeights.trigger()
    return "exported and imported the weights"


def act_resize(h: Harness, u: float, maximise: bool) -> str:
    w = h.window
    if maximise:
        w.showMaximized()
        return "maximised"
    w.showNormal()
    width, height = _pick(SCREEN_SIZES, u)
    # As far as the screen lets a user drag the corner: the frame stays on the screen's available area.
    area = w.screen().availableGeometry()
    margin_w = w.frameGeometry().width() - w.width()
    margin_h = w.frameGeometry().height() - w.height()
    width = max(w.minimumWidth(), min(width, area.width() - margin_w))
    height = max(w.minimumHeight(), min(height, area.height() - margin_h))
    w.resize(width, height)
    frame = w.frameGeometry()
    w.move(min(max(frame.x(), area.x()), area.right() + 1 - frame.width()),
           min(max(frame.y(), area.y()), area.bottom() + 1 - frame.height()))
    return f"resized to {width}×{height}"


# ---- faults: hostile files and a failing disk --------------------------------------------------------------
HOSTILE_FILES = ("garbage", "truncated", "folder", "bad_seed", "empty", "fifo")


def _hostile_file(h: Harness, kind: str) -> Path:
    """A path a user might pick by mistake or be handed: never a project the window can show."""
    from hostile import rewrite_project, trained_project

    folder = h.tmp / f"hostile-{h.example}"
    folder.mkdir(exist_ok=True)
    path = folder / f"{kind}.nnstudio"
    if kind == "folder":
        path.mkdir(exist_ok=True)
    elif kind == "fifo":  # a named pipe: opening it for reading used to wait for a writer forever
        if not path.exists():
            os.mkfifo(path)
    elif kind == "garbage":
        path.write_bytes(os.urandom(4096))
    elif kind == "empty":
        path.write_bytes(b"")
    else:
        trained_project(path, steps=0)
        if kind == "truncated":
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2])
        else:  # bad_seed: a well-formed file whose settings no panel can make (seed −1 killed the trainer)
            rewrite_project(path, lambda doc: doc["spec"].__setitem__("seed", -1))
    return path


def act_open_hostile(h: Harness, kind: str) -> str:
    path = _hostile_file(h, kind)
    h.next_file(path)
    before = len(h.warnings)
    h.window.files.actionOpen.trigger()
    return f"opened a {kind} file: " + (h.warnings[-1][:160] if len(h.warnings) > before else "no message")


def act_save_to_full_disk(h: Harness) -> str:
    """Save As while every write to the disk fails with "No space left on device" (errno ENOSPC)."""
    import errno
    from unittest import mock

    path = h.tmp / f"full-{h.example}" / "work.nnstudio"
    path.parent.mkdir(exist_ok=True)
    h.next_file(path)
    before = len(h.warnings)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with mock.patch("os.replace", full), mock.patch("os.fsync", full):
        h.window.files.actionSaveAs.trigger()
        wait_for_save(h)  # the worker thread writes under the same full disk
    return "saved to a full disk: " + (h.warnings[-1][:160] if len(h.warnings) > before else "no message")


def act_kill_trainer(h: Harness) -> str:
    """SIGKILL the trainer process (as a crash or the OOM killer would), then let the window's supervision do
    its work: it must notice within 1 s and have a new trainer running within 3 s."""
    import signal

    w = h.window
    process = getattr(w.trainer, "_process", None)
    if process is None:
        return "no trainer process to kill"
    restarts = w.supervisor.restarts
    killed = time.perf_counter()
    os.kill(process.pid, signal.SIGKILL)
    process.join(2)
    noticed = None
    while time.perf_counter() - killed < 3.0:
        h.app.processEvents()
        if noticed is None and w.supervisor.fault() is not None:
            noticed = time.perf_counter() - killed
        if w.supervisor.restarts > restarts and w.trainer.alive and w.snapshot().applied >= w.trainer.sent:
            break
        time.sleep(0.005)
    if noticed is None or noticed > 1.0:
        h.problems.append(f"the window did not notice the killed trainer within 1 s ({noticed})")
    if w.supervisor.restarts == restarts:
        h.problems.append("no new trainer within 3 s of the kill")
    return f"killed the trainer: noticed after {noticed or 0:.2f} s, restarts {w.supervisor.restarts}"


def act_seeds(h: Harness, salt: int) -> str:
    h.seed_salt = int(salt)
    return f"fresh seeds from salt {salt}"


ACTIONS = {
    "seeds": act_seeds, "combo": act_combo, "slider": act_slider, "button": act_button, "feature": act_feature,
    "batch": act_batch,
    "key": act_key, "wait": act_wait, "click_canvas": act_click_canvas, "drag_canvas": act_drag_canvas,
    "wheel_canvas": act_wheel_canvas, "click_point": act_click_point, "add_point": act_add_point,
    "menu": act_menu, "type": act_type, "nudge": act_nudge, "history": act_history, "sample_box": act_sample_box,
    "save_open": act_save_open, "weights_round_trip": act_weights_round_trip, "resize": act_resize,
    "open_hostile": act_open_hostile, "save_to_full_disk": act_save_to_full_disk, "kill_trainer": act_kill_trainer,
}


def describe(sequence: list[dict]) -> str:
    """A logged sequence as lines a person can read and monkey_runner --replay can run (as JSON)."""
    return "\n".join(f"  {a['action']}({', '.join(f'{k}={v!r}' for k, v in a['args'].items())})" for a in sequence)


def replay(h: Harness, actions: list[dict], size: tuple[int, int] | None = None, check=None) -> None:
    """Run logged actions on a fresh window (the crash shrinker's replays); ``check(h)`` after each one, as the
    machine checks its invariants after each rule."""
    h.open_window(size)
    for record in actions:
        h.do(record["action"], **record["args"])
        if check is not None:
            check(h)
    h.close_window()


__all__ = ["ACTIONS", "Harness", "OutOfTime", "describe", "edit_text", "replay", "screen_config", "typing_in_text"]
