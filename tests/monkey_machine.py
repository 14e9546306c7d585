"""The random-action state machine: real user actions on a real MainWindow, the window's invariants checked
after every one of them (issue 8).

Every user action of the app is a rule here, performed through monkey_driver with real mouse and keyboard
events; every "what you see = the numbers" fact is an invariant (most live in invariants.py, shared with
the regression tests). **Every later feature joins the machine**: a new action gets a driver function and
a rule, a new view gets its invariants — a feature is not done until the machine drives it.

Rules that know what an action must do (an edit lands exactly, a refused text changes nothing, Undo restores
the exact old value, Space toggles training wherever the focus is) check it right there; the invariants
hold after any action.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from PySide6.QtWidgets import QApplication

import invariants
from monkey_driver import (
    COMBOS,
    EDIT_TEXTS,
    FOCUS_TARGETS,
    HOSTILE_FILES,
    KEYS,
    MENU_ACTIONS,
    SLIDER_KEYS,
    SLIDERS,
    edit_text,
    typing_in_text,
)
from nnstudio.gui.edit_commands import EditParameterCommand
from nnstudio.gui.expressions import MAX_ABS

unit = st.floats(0.0, 1.0, exclude_max=True, allow_nan=False)


def recorded(method):
    """Let the harness keep the sequence whenever a rule's own check fails (see Harness.failed)."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            self.h.failed(f"{method.__name__}: {type(exc).__name__}: {exc}")
            raise
    return run


class WindowMachine(RuleBasedStateMachine):
    harness = None  # set by the runner: one Harness (one QApplication) for every sequence
    window_size: tuple[int, int] | None = None

    def __init__(self):
        super().__init__()
        self.h = type(self).harness
        self.w = self.h.open_window(self.window_size)
        self.done: list[str] = []
        self.kills = 0

    def teardown(self):
        self.h.close_window()

    def _do(self, action, **args) -> str:
        text = self.h.do(action, **args)
        self.done.append(text)
        return text

    @initialize(salt=st.integers(0, 2**16 - 1))
    @recorded
    def fresh_seeds_from(self, salt):
        """The seeds Shift+R and Regenerate draw in this sequence (logged, so a replay draws the same)."""
        self._do("seeds", salt=salt)

    # ---- the problem panel ------------------------------------------------------------------------
    @rule(name=st.sampled_from(COMBOS), u=unit)
    @recorded
    def choose_in_combo(self, name, u):
        self._do("combo", name=name, u=u)

    @rule(name=st.sampled_from(SLIDERS), key=st.sampled_from(sorted(SLIDER_KEYS)))
    @recorded
    def move_slider(self, name, key):
        self._do("slider", name=name, key=key)

    @rule(name=st.sampled_from(("regenerate", "add_layer", "remove_layer", "neuron", "neuron")), u=unit)
    @recorded
    def press_button(self, name, u):
        self._do("button", name=name, u=u)

    @rule(u=unit)
    @recorded
    def toggle_feature(self, u):
        self._do("feature", u=u)

    @rule(value=st.integers(1, 64))
    @recorded
    def type_batch_size(self, value):
        self._do("batch", value=value)

    # ---- toolbar keys, with the focus anywhere ------------------------------------------------------
    @rule(key=st.sampled_from(sorted(KEYS)), focus=st.sampled_from(FOCUS_TARGETS))
    @recorded
    def press_key(self, key, focus):
        w = self.w
        self.h.window.setFocus()
        playing = w.actionPlayPause.isChecked()
        self._do("key", key=key, focus=focus)
        widget = QApplication.focusWidget()
        if key == "Space" and not typing_in_text(widget) and not w.data_tools.training_blocked():
            assert w.actionPlayPause.isChecked() != playing, (
                f"Space with the focus on {type(widget).__name__} did not toggle Play/Pause")

    @rule(ms=st.sampled_from((16, 50, 150)))
    @recorded
    def wait(self, ms):
        self._do("wait", ms=ms)

    @rule(presses=st.integers(1, 4), focus=st.sampled_from(FOCUS_TARGETS))
    @recorded
    def sub_steps(self, presses, focus):
        """Sub-steps on (Ctrl+B) if they are off, then S a few times: forward → backward → update → …"""
        if not self.w.inside.actionSubSteps.isChecked():
            self._do("key", key="Ctrl+B", focus="canvas")
        for _ in range(presses):
            self._do("key", key="S", focus=focus)

    @rule(key=st.sampled_from(("Home", "PageDown", "Left")), where=st.sampled_from(("edge", "badge")), a=unit,
          b=unit, c=unit, u=unit, resume=st.booleans())
    @recorded
    def edit_at_a_past_step(self, key, where, a, b, c, u, resume):
        """Look at an earlier step on the timeline, then edit there (it branches) or Resume from here."""
        self._do("slider", name="timeline", key=key)
        if resume:
            self._do("key", key="Ctrl+Return", focus="canvas")
            return
        self._do("click_canvas", kind=where, a=a, b=b, c=c)
        if self.w.editor.is_open():
            self._type_and_check("number", u, "enter")

    # ---- the canvas ---------------------------------------------------------------------------------------
    @rule(kind=st.sampled_from(("edge", "edge", "badge", "neuron", "empty")), a=unit, b=unit, c=unit)
    @recorded
    def click_canvas(self, kind, a, b, c):
        self._do("click_canvas", kind=kind, a=a, b=b, c=c)

    @rule(kind=st.sampled_from(("edge", "badge")), a=unit, b=unit, c=unit)
    @recorded
    def right_click_canvas(self, kind, a, b, c):
        self._do("click_canvas", kind=kind, a=a, b=b, c=c, button="right")

    @rule(dx=unit, dy=unit)
    @recorded
    def drag_canvas(self, dx, dy):
        self._do("drag_canvas", dx=dx, dy=dy)

    @rule(notches=st.sampled_from((-2, -1, 1, 2)))
    @recorded
    def wheel_canvas(self, notches):
        self._do("wheel_canvas", notches=notches)

    # ---- the output panel ---------------------------------------------------------------------------------
    @rule(which=st.sampled_from(("train", "train", "test")), u=unit)
    @recorded
    def click_data_point(self, which, u):
        """Choose a sample by its point; in a sub-step the phase's picture stays (it is of its mini-batch)."""
        w = self.w
        phase, caption, edges = w.inside.substeps.phase, w.network_view.caption(), w.network_view.edge_mode()
        self._do("click_point", which=which, u=u)
        if phase is not None:
            assert w.inside.substeps.phase == phase, f"choosing a sample ended the {phase} sub-step"
            assert w.network_view.caption() == caption and w.network_view.edge_mode() == edges, (
                f"choosing a sample changed the {phase} sub-step's picture")

    @rule(cls=st.sampled_from((0, 1)), u=unit, v=unit)
    @recorded
    def add_data_point(self, cls, u, v):
        self._do("add_point", cls=cls, u=u, v=v)

    @rule(name=st.sampled_from(MENU_ACTIONS))
    @recorded
    def menu_action(self, name):
        self._do("menu", name=name)

    @rule(u=unit)
    @recorded
    def type_sample(self, u):
        self._do("sample_box", u=u)

    # ---- the editor ---------------------------------------------------------------------------------------
    @precondition(lambda self: self.w.editor.is_open())
    @rule(kind=st.sampled_from(EDIT_TEXTS), u=unit, finish=st.sampled_from(("enter", "enter", "escape", "none")))
    @recorded
    def type_in_editor(self, kind, u, finish):
        self._type_and_check(kind, u, finish)

    @rule(where=st.sampled_from(("edge", "edge", "badge")), a=unit, b=unit, c=unit,
          kind=st.sampled_from(EDIT_TEXTS), u=unit, finish=st.sampled_from(("enter", "enter", "escape")))
    @recorded
    def click_and_type(self, where, a, b, c, kind, u, finish):
        """What a user does most: click an edge or badge, type, press Enter."""
        self._do("click_canvas", kind=where, a=a, b=b, c=c)
        if self.w.editor.is_open():
            self._type_and_check(kind, u, finish)

    def _type_and_check(self, kind, u, finish):
        w, stack = self.w, self.w.undo_stack
        ref = w.editor.current_ref()
        index = w.parameter_index(ref)
        old = w.value(ref)
        # What the user saw when the editor opened: the value expressions apply to and undo restores. While
        # training runs, a step or two may land before the pause does.
        base = w.editor.base_value()
        text, expected = edit_text(kind, u, base)
        if expected is not None and (not math.isfinite(expected) or abs(expected) > MAX_ABS):
            expected = None
        top = stack.command(stack.index() - 1) if stack.index() > 0 else None
        merges = (isinstance(top, EditParameterCommand) and top.index == index and stack.cleanIndex() != stack.index())
        index_before, markers = stack.index(), w.loss_plot.marker_count()
        seen: list[float] = []  # the value in every snapshot shown meanwhile (training may move it on after)
        record = lambda snap: seen.append(float(snap.params[index])) if snap.params.size > index else None  # noqa: E731
        w.snapshotApplied.connect(record)
        try:
            self._do("type", kind=kind, u=u, finish=finish)
        finally:
            w.snapshotApplied.disconnect(record)
        if finish == "none":
            return
        if finish == "escape" or expected is None:
            if not w.actionPlayPause.isChecked():  # else training resumed once the editor closed: it moves
                assert w.value(ref) == old, f"{ref.label()} went from {old!r} to {w.value(ref)!r} ({finish} {text!r})"
            elif expected is not None:
                assert w.value(ref) != expected, f"Escape after {text!r} set the value anyway"
            assert stack.index() == index_before, f"{text!r} + {finish} added a history entry"
            assert w.editor.is_open() == (finish == "enter"), f"editor open after {text!r} + {finish}"
            return
        assert not w.editor.is_open(), f"the editor stayed open after a valid {text!r}"
        got = w.value(ref)
        if w.actionPlayPause.isChecked() and seen and got != expected:
            got = next((v for v in seen if v == expected), seen[0])  # shown at least once, then trained on
        assert got == expected or abs(got - expected) <= 1e-12 * max(1.0, abs(expected)), (
            f"typed {text!r} on {ref.label()} = {old!r}: parameters() shows {got!r}, expected {expected!r}")
        if got == base:
            assert stack.index() == index_before, f"an edit that changed nothing ({text!r}) added a history entry"
            assert w.loss_plot.marker_count() == markers, f"an edit that changed nothing ({text!r}) added a marker"
            return
        assert stack.index() == index_before + (0 if merges else 1), "the edit is not on the undo stack"
        cmd = stack.command(stack.index() - 1)
        assert cmd.index == index and cmd.new == got, f"the undo entry says {cmd.text()!r}"
        if not merges:
            assert cmd.old == base, f"the undo entry's old value {cmd.old!r} is not the value {base!r} that was shown"

    @precondition(lambda self: self.w.editor.is_open())
    @rule(way=st.sampled_from(("up", "down", "fine", "wheel")))
    @recorded
    def nudge(self, way):
        self._do("nudge", way=way)

    # ---- undo and redo -------------------------------------------------------------------------------------
    @rule(redo=st.booleans())
    @recorded
    def undo_or_redo(self, redo):
        w, stack = self.w, self.w.undo_stack
        if w.editor.is_open():
            return  # Ctrl+Z there would be the line edit's own undo
        can = stack.canRedo() if redo else stack.canUndo()
        cmd = stack.command(stack.index() if redo else stack.index() - 1) if can else None
        seen: list[float] = []  # while training runs, the restored value shows at least once, then moves on
        record = lambda snap: seen.append(float(snap.params[cmd.index])) if snap.params.size > cmd.index else None  # noqa: E731
        if isinstance(cmd, EditParameterCommand):
            w.snapshotApplied.connect(record)
        try:
            self._do("key", key="Ctrl+Shift+Z" if redo else "Ctrl+Z", focus="canvas")
        finally:
            if isinstance(cmd, EditParameterCommand):
                w.snapshotApplied.disconnect(record)
        if isinstance(cmd, EditParameterCommand) and stack.count() > 0:
            want = cmd.new if redo else cmd.old
            got = w.value(cmd.ref)
            if got != want and w.actionPlayPause.isChecked() and want in seen:
                got = want
            assert got == want, f"{'redo' if redo else 'undo'} of {cmd.text()!r}: {cmd.ref.label()} = {got!r}"

    @rule(u=unit)
    @recorded
    def click_history(self, u):
        self._do("history", u=u)

    # ---- files, window ------------------------------------------------------------------------------------
    @rule(what=st.sampled_from(("project", "weights")))
    @recorded
    def file_round_trip(self, what):
        """Save a project and open it again, or export the weights and import them: nothing changes (when
        training runs or a past step is shown, the reopened window shows what the file holds)."""
        w = self.w
        steady = not w.actionPlayPause.isChecked() and w.timeline.viewing is None
        before = w.parameters()
        text = self._do("save_open" if what == "project" else "weights_round_trip")
        if what == "project" and not text.startswith("saved"):
            return
        if what == "project" and not steady:
            from nnstudio.io import load_project

            saved = load_project(self.h.tmp / f"monkey-{self.h.example}.nnstudio")
            flat = np.concatenate([np.vstack([W, b[None, :]]).ravel()
                                   for W, b in zip(w.parameters()[0::2], w.parameters()[1::2])])
            if w.timeline.viewing is None:
                np.testing.assert_array_equal(flat, saved.params, err_msg="the reopened project is not the file")
            return
        if steady:
            for a, b in zip(before, w.parameters()):
                np.testing.assert_array_equal(a, b, err_msg=f"the {what} round trip changed the parameters ({text})")

    @rule(u=unit, maximise=st.booleans())
    @recorded
    def resize(self, u, maximise):
        self._do("resize", u=u, maximise=maximise)

    # ---- faults ---------------------------------------------------------------------------------------------
    def _unchanged_by(self, action: str, **args) -> str:
        """Performs a fault action that must be refused: a message is shown, and the network, its settings and
        the title (saved or not, which file) are as they were."""
        w = self.w
        steady = not w.actionPlayPause.isChecked() and w.timeline.viewing is None
        before = (w.parameters(), w.snapshot().spec, w.windowTitle(), w.isWindowModified())
        warned = len(self.h.warnings)
        text = self._do(action, **args)
        assert len(self.h.warnings) == warned + 1, f"{text}: no message (or more than one)"
        assert (w.snapshot().spec, w.windowTitle(), w.isWindowModified()) == before[1:], f"{text}: the window changed"
        if steady:
            for a, b in zip(before[0], w.parameters()):
                np.testing.assert_array_equal(a, b, err_msg=f"{text}: the parameters changed")
        return text

    @rule(kind=st.sampled_from(HOSTILE_FILES))
    @recorded
    def open_hostile_file(self, kind):
        """File → Open on garbage, an empty or truncated file, a folder or a project no panel can make."""
        self._unchanged_by("open_hostile", kind=kind)

    @rule()
    @recorded
    def save_to_full_disk(self):
        """Save As with the disk full: a message, the window still unsaved as before, no file and no temporary
        file left in the folder."""
        self._unchanged_by("save_to_full_disk")
        left = list((self.h.tmp / f"full-{self.h.example}").iterdir())
        assert not left, f"a failed save left {[p.name for p in left]}"

    @precondition(lambda self: self.h.trainer == "process" and self.kills < 2)  # 3 deaths in 30 s: gives up
    @rule()
    @recorded
    def kill_trainer(self):
        """SIGKILL the trainer: a new one goes on from what the window showed — parameters, step, undo."""
        w = self.w
        steady = not w.actionPlayPause.isChecked() and w.timeline.viewing is None
        before, step, undo = w.parameters(), w.step_count(), w.undo_stack.count()
        playing = w.actionPlayPause.isChecked()
        self.kills += 1
        text = self._do("kill_trainer")
        assert w.trainer.alive and w.supervisor.serving(), f"{text}: no trainer serves"
        assert w.undo_stack.count() == undo, f"{text}: the undo history changed"
        assert w.actionPlayPause.isChecked() == playing, f"{text}: training did not carry on as it was"
        assert not playing or w.snapshot().running, f"{text}: Play says Pause, nothing trains"
        if steady:
            assert w.step_count() == step, f"{text}: step {step} became {w.step_count()}"
            for a, b in zip(before, w.parameters()):
                np.testing.assert_array_equal(a, b, err_msg=f"{text}: the parameters changed")

    # ---- invariants -------------------------------------------------------------------------------------------
    @invariant()
    def window_is_sound(self):
        try:
            check_window(self.h)
        except AssertionError as exc:
            raise AssertionError(f"{exc.args[0]} (after {self.done[-1:]})") from exc


# ---- invariants: checked after every rule, and after every action of a replay ----------------------------------
def _no_problems(h):
    problems = h.take_problems()
    assert not problems, "\n".join(problems)


def _trainer_alive(h):
    if h.trainer != "sync":  # a synchronous trainer runs in the GUI's own calls
        assert h.window.trainer.alive, "the trainer died"


def _finite(h):
    for a in h.window.parameters():
        assert np.all(np.isfinite(a)), "a parameter is not finite"


def _fills(h):
    invariants.check_window_fills(h.window)
    invariants.check_maps(h.window)


def _saves_end(h):
    files = h.window.files
    assert not files.saving(), "a save is still running after its action"
    assert not files.progress.isVisible(), "the save progress is still shown with no save running"
    assert files.actionSave.isEnabled() and files.actionOpen.isEnabled(), "the file menu stays disabled"
    checked = [a.objectName() for a in files.history.group.actions() if a.isChecked()]
    assert len(checked) == 1, f"step history choices checked: {checked}"


def _fits(h):
    invariants.check_fits_screen(h.window)
    problems = h.window.layout_problems()  # what a lesson needs: canvas, plots, counters, buttons on screen
    assert not problems, "; ".join(problems)


CHECKS = (
    ("nothing went wrong", _no_problems),
    ("the trainer is alive", _trainer_alive),
    ("parameters are finite", _finite),
    ("what is drawn equals the numbers", lambda h: invariants.check_edges_and_badges(h.window)),
    ("fills and maps follow their ranges", _fills),
    ("the window fits the screen", _fits),
    ("the output plane is square", lambda h: invariants.check_square_plane(h.window)),
    ("axes follow their data", lambda h: invariants.check_axes(h.window)),
    ("one selection everywhere", lambda h: invariants.check_one_selection(h.window)),
    ("the UI states the mode it shows", lambda h: invariants.check_mode_stated(h.window)),
    ("a save ends and gives the file menu back", _saves_end),
)


def check_window(h) -> None:
    """Every invariant of the harness's window; the first broken one raises AssertionError naming it."""
    for title, check in CHECKS:
        try:
            check(h)
        except Exception as exc:
            h.failed(f"invariant {title!r}: {type(exc).__name__}: {exc}")
            raise AssertionError(f"invariant {title!r} broken: {exc}") from exc
