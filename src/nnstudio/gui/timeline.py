"""The timeline row: look at any recorded step of the run, go back to live, or branch from a past step.

The trainer keeps every step's parameters (its History). Moving the slider, or clicking on the loss plot,
asks it to ``seek`` there: it pauses and publishes snapshots showing that step (``snapshot.viewing``) while
the live state stays as it was. "Live" (or End) goes back; "Resume from here" (Ctrl+Return) branches: the
later steps are dropped and the loss plot keeps their curve dimmed as an "earlier branch".
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QSlider, QToolBar, QToolButton

from .actions import _action

__all__ = ["TimelineController", "SEEK_DEBOUNCE_MS"]

SEEK_DEBOUNCE_MS = 30  # slider moves are coalesced: at most one seek per this many ms
IN_FLIGHT_TIMEOUT = 1.0  # seconds: stop waiting for a seek's answer (e.g. it landed on the step already shown)


class TimelineController(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self._generation = None
        self._branch = None
        self._live = 0
        self._viewing: int | None = None
        self._pending: int | None = None  # slider value waiting for the debounce
        self._in_flight: tuple[int, int | None, float] | None = None  # (target, viewing when sent, time sent)
        self._hint_shown = False
        self.last_seek_ms: float | None = None  # from sending a seek to showing its snapshot

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEEK_DEBOUNCE_MS)
        self._timer.timeout.connect(self._send_pending)

        w = window
        w.actionResumeHere = _action(w, "actionResumeHere", "Resume from here", ["Ctrl+Return", "Ctrl+Enter"],
                                     "Branch: train on from the step shown (the later steps are dropped)",
                                     self.resume_here)
        w.actionResumeHere.setEnabled(False)
        w.actionGoLive = _action(w, "actionGoLive", "Live", ["End"], "Back to the live state of the run",
                                 self.go_live)
        w.actionClearBranches = _action(w, "actionClearBranches", "Clear old branches", [],
                                        "Remove the dimmed curves of earlier branches from the loss plot",
                                        w.loss_plot.clear_branches)
        w.view_menu.addSeparator()
        w.view_menu.addActions([w.actionGoLive, w.actionResumeHere, w.actionClearBranches])

        bar = QToolBar("Timeline", w)
        bar.setObjectName("timelineToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonTextOnly)
        bar.addWidget(QLabel(" Timeline "))
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setObjectName("timelineSlider")
        self.slider.setRange(0, 0)
        self.slider.setToolTip("Drag to look at the parameters of any earlier step (End: back to live)")
        self.slider.valueChanged.connect(self._slider_changed)
        bar.addWidget(self.slider)
        self.label = QLabel("live")
        self.label.setObjectName("timelineLabel")
        self.label.setMinimumWidth(150)
        bar.addWidget(self.label)
        self.live_button = QToolButton()
        self.live_button.setObjectName("timelineLiveButton")
        self.live_button.setDefaultAction(w.actionGoLive)
        bar.addWidget(self.live_button)
        bar.addAction(w.actionResumeHere)
        w.addToolBarBreak(Qt.TopToolBarArea)
        w.addToolBar(Qt.TopToolBarArea, bar)
        self.toolbar = bar
        w.loss_plot.stepClicked.connect(self.seek)

    # ---- state -----------------------------------------------------------------------------------
    @property
    def viewing(self) -> int | None:
        """The recorded step shown (None: live)."""
        return self._viewing

    @property
    def live_step(self) -> int:
        return self._live

    # ---- commands --------------------------------------------------------------------------------
    def seek(self, step: int) -> None:
        """Show the recorded step ≤ ``step`` now (the live state at or beyond the live step)."""
        self._timer.stop()
        self._pending = None
        step = max(0, min(int(step), self._live))
        self._set_slider(step)
        self._send(step)

    def go_live(self) -> None:
        self.seek(self._live)

    def resume_here(self) -> None:
        if self._viewing is not None:
            self.window.trainer.resume_from(self._viewing)

    def flush(self) -> None:
        """Send a debounced slider move now."""
        self._timer.stop()
        self._send_pending()

    def _send(self, step: int) -> None:
        if step >= self._live and self._viewing is None:
            return  # already live: nothing to show, and no reason to pause a running training
        self._in_flight = (step, self._viewing, time.perf_counter())
        self.window.trainer.seek(step)

    def _slider_changed(self, value: int) -> None:
        """The user (or a test) moved the slider: seek there after the debounce; our own moves are blocked."""
        self._pending = int(value)
        if not self._timer.isActive():
            self._timer.start()

    def _send_pending(self) -> None:
        if self._pending is not None:
            step, self._pending = self._pending, None
            self._send(min(step, self._live))

    def _set_slider(self, value: int, maximum: int | None = None) -> None:
        self.slider.blockSignals(True)
        if maximum is not None:
            self.slider.setMaximum(maximum)
        self.slider.setValue(value)
        self.slider.blockSignals(False)

    # ---- snapshots -------------------------------------------------------------------------------
    def before_apply(self, snap) -> None:
        """Called by the window before it shows ``snap``: a new branch dims the old curve first."""
        if snap.generation != self._generation:
            self._generation, self._branch = snap.generation, snap.branch
        elif snap.branch != self._branch:
            if snap.branch > self._branch:
                self.window.loss_plot.start_branch(snap.first_step)
            self._branch = snap.branch

    def snapshot_applied(self, snap) -> None:
        """Called by the window once ``snap`` is shown: the slider, the labels, the marker line."""
        w = self.window
        self._live, self._viewing = snap.step, snap.viewing
        viewing = snap.viewing
        if self._in_flight is not None:
            target, before, sent = self._in_flight
            answered = (viewing is None and target >= snap.step) or (
                viewing is not None and viewing <= target and (viewing != before or viewing == target))
            if answered:
                self.last_seek_ms = (time.perf_counter() - sent) * 1000
                self._in_flight = None
            elif time.perf_counter() - sent > IN_FLIGHT_TIMEOUT:
                self._in_flight = None
        user_moving = self.slider.isSliderDown() or self._timer.isActive() or self._in_flight is not None
        if user_moving:
            self.slider.blockSignals(True)
            self.slider.setMaximum(snap.step)
            self.slider.blockSignals(False)
        else:
            self._set_slider(snap.step if viewing is None else viewing, snap.step)
        w.actionResumeHere.setEnabled(viewing is not None)
        w.actionGoLive.setEnabled(viewing is not None)
        w.loss_plot.set_viewing(viewing)
        if viewing is None:
            self.label.setText("live")
            if self._hint_shown:
                self._hint_shown = False
                if w.statusBar().currentMessage().startswith("Viewing step"):
                    w.statusBar().clearMessage()
            return
        self.label.setText(f"step {viewing:,} of {snap.step:,}")
        w.counter_label.setText(f"Viewing step {viewing:,} (live: {snap.step:,}) ")
        if not snap.message:  # the trainer's own message (e.g. "history is off") wins
            w.statusBar().showMessage(
                f"Viewing step {viewing:,}: Resume from here (Ctrl+Return) trains on from it and drops the later "
                "steps; Live (End) or Play goes back.")
            self._hint_shown = True
