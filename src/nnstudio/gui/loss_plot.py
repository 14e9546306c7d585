"""The live loss curve: every step's training loss, test loss and accuracy at evaluations, edit markers.

Every value is kept (a ``LossLog``), but the curve drawn is at most ``MAX_DRAWN`` per-bucket means. The
buckets are kept incrementally, so a redraw costs the new values plus ~2,000 points, not the whole history;
appends only mark the plot dirty and a single-shot timer redraws at most ``1000 / REDRAW_MS`` times a second.

Rewinding: a click on the plot emits ``stepClicked``; ``set_viewing`` marks the step shown with a vertical line;
``start_branch`` keeps the curve so far as a dimmed "earlier branch" and continues the live curve from the
branch point.

Framing (``view_range``), set at every redraw from the curves drawn (``data_range``): steps from 0 to the last
step drawn, padded by 2 % of that span (0…1 when nothing is drawn); loss from 0 (or the lowest loss, if
negative) to the highest one drawn, padded by 5 % of that span (0…1 when nothing is drawn). On a log scale the
loss axis spans the lowest to the highest positive loss, padded by 5 % of that span in decades (0.1…1 when
there is none). Markers and the viewing line are not data: they never widen the frame.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnstudio.engine.loop import LossLog

from .plot_frame import StepAxis, extent, frame, show_range

__all__ = ["LossPlot"]

MAX_DRAWN = 2000
REDRAW_MS = 50
MAX_MARKERS = 300
# Per-step mini-batch loss is noisy: a mid grey keeps it from drowning the test curve and the markers.
TRAIN_COLOR, TEST_COLOR, MARKER_COLOR = "#808080", "#f59322", "#0877bd"
BRANCH_COLOR, VIEWING_COLOR = "#d4d4d4", "#c2185b"
MAX_BRANCHES = 20  # dimmed earlier-branch curves kept (the oldest go first)
STEP_PAD, LOSS_PAD = 0.02, 0.05  # shares of the data's span left free at each end of the axes


class _Buckets:
    """Means of consecutive ``size``-step buckets of a growing array, ignoring non-finite values.

    ``size`` doubles (merging bucket pairs) whenever more than ``capacity`` buckets would be needed, so
    there are never more than ``capacity`` complete buckets plus one or two partial ones at the end.
    """

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.sums = np.zeros(capacity)
        self.counts = np.zeros(capacity)
        self.reset()

    def reset(self) -> None:
        self.size, self.n = 1, 0

    def rewind(self, n_values: int) -> None:
        self.n = min(self.n, n_values // self.size)

    def _merge(self) -> None:
        m = self.n // 2  # an odd last bucket is dropped; its values are simply read again
        self.sums[:m] = self.sums[: 2 * m].reshape(m, 2).sum(axis=1)
        self.counts[:m] = self.counts[: 2 * m].reshape(m, 2).sum(axis=1)
        self.n, self.size = m, self.size * 2

    @staticmethod
    def _reduce(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ok = np.isfinite(block)
        return np.where(ok, block, 0.0).sum(axis=1), ok.sum(axis=1)

    def update(self, values: np.ndarray) -> None:
        while self.n + (len(values) - self.n * self.size) // self.size > self.capacity:
            self._merge()
        done = self.n * self.size
        k = (len(values) - done) // self.size
        if k:
            sums, counts = self._reduce(values[done : done + k * self.size].reshape(k, self.size))
            self.sums[self.n : self.n + k], self.counts[self.n : self.n + k] = sums, counts
            self.n += k

    def curve(self, values: np.ndarray, step0: int) -> tuple[np.ndarray, np.ndarray]:
        """(bucket-centre steps, bucket means); buckets without a finite value are NaN."""
        tail = values[self.n * self.size :]
        m = -(-len(tail) // self.size)
        padded = np.full(m * self.size, np.nan)
        padded[: len(tail)] = tail
        tail_sums, tail_counts = self._reduce(padded.reshape(m, self.size))
        sums = np.concatenate((self.sums[: self.n], tail_sums))
        counts = np.concatenate((self.counts[: self.n], tail_counts))
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        x = step0 + np.arange(len(means)) * self.size + (self.size + 1) / 2
        if m:  # the partial bucket's centre is that of the steps it really holds
            x[-1] = step0 + (self.n + m - 1) * self.size + (len(tail) - (m - 1) * self.size + 1) / 2
        return x, means


class LossPlot(QWidget):
    stepClicked = Signal(int)  # a click on the plot: the step under the mouse (rounded, ≥ 0)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._log = LossLog()
        self._step0 = 0  # the first stored loss is that of step _step0 + 1
        self._buckets = _Buckets(MAX_DRAWN - 2)
        self._evals: list[tuple[int, float, float, float]] = []  # (step, test loss, train acc, test acc)
        self._markers: deque = deque()
        self._classification = False
        self._log_scale = False
        self._branches: list[tuple[np.ndarray, np.ndarray, pg.PlotDataItem]] = []  # (steps, losses, item)

        self.plot = pg.PlotWidget(background="w", axisItems={"bottom": StepAxis("bottom")})
        item = self.plot.getPlotItem()
        # A live curve that the user has panned away from stops following the run; keep it framed.
        item.setMouseEnabled(False, False)
        item.setMenuEnabled(False)
        item.hideButtons()
        # Room above and to the right: tick labels at the view's edge are centred on it and would be cut.
        item.setContentsMargins(2, 8, 10, 2)
        item.setLabel("bottom", "step")
        item.setLabel("left", "loss")
        self.train_item = item.plot(pen=pg.mkPen(TRAIN_COLOR, width=1), name="train loss")
        self.test_item = item.plot(pen=pg.mkPen(TEST_COLOR, width=2.5), name="test loss")
        self.test_item.setZValue(5)
        self._viewing_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(VIEWING_COLOR, width=2))
        self._viewing_line.setZValue(10)
        self._viewing_line.hide()
        item.addItem(self._viewing_line, ignoreBounds=True)
        self.plot.scene().sigMouseClicked.connect(self._clicked)

        # Accuracy lives in its own ViewBox so it keeps 0-1 on the right while loss auto-ranges (or logs).
        self._acc_view = pg.ViewBox(enableMenu=False)
        self._acc_view.setMouseEnabled(False, False)
        self._acc_view.setYRange(0.0, 1.0, padding=0.02)
        item.scene().addItem(self._acc_view)
        item.getAxis("right").linkToView(self._acc_view)
        item.getAxis("right").setLabel("accuracy")
        self._acc_view.setXLink(item)
        item.getViewBox().sigResized.connect(self._sync_acc_geometry)
        dash = Qt.PenStyle.DashLine
        self.train_acc_item = pg.PlotDataItem(pen=pg.mkPen(TRAIN_COLOR, width=1.5, style=dash))
        self.test_acc_item = pg.PlotDataItem(pen=pg.mkPen(TEST_COLOR, width=2, style=dash))
        for it in (self.train_acc_item, self.test_acc_item):
            self._acc_view.addItem(it)
        for name in ("left", "bottom", "right"):
            item.getAxis(name).setPen("#888888")
            item.getAxis(name).setTextPen("#333333")
        for name in ("left", "right"):
            item.getAxis(name).enableAutoSIPrefix(False)  # "loss (x0.001)" reads as a different quantity

        # The legend sits in a row under the plot: inside, it would hide the start (high loss) or the
        # end (accuracy near 1) of the curves.
        self._log_box = QCheckBox("log scale")
        self._log_box.toggled.connect(self.set_log_scale)
        self._loss_legend = QLabel()
        self._update_loss_legend()
        self._acc_legend = QLabel(_legend(("╍", TRAIN_COLOR, "train acc"), ("╍", TEST_COLOR, "test acc")))
        row = QHBoxLayout()
        row.setContentsMargins(4, 0, 4, 0)
        row.setSpacing(12)
        for w in (self._loss_legend, self._acc_legend):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self._log_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addLayout(row)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.flush)
        self.set_classification(False)

    def _sync_acc_geometry(self) -> None:
        self._acc_view.setGeometry(self.plot.getPlotItem().getViewBox().sceneBoundingRect())
        self._acc_view.linkedViewChanged(self.plot.getPlotItem().getViewBox(), self._acc_view.XAxis)

    def sizeHint(self) -> QSize:
        # PlotWidget asks for 600x480; stacked in a side panel that would push a main window past a laptop
        # screen. Ask for a strip under the output view; layouts may still grow it.
        return QSize(400, 260)

    # ---- data ---------------------------------------------------------------------------------
    def append_losses(self, first_step: int, losses) -> None:
        """Losses of steps first_step + 1 … first_step + len(losses); an earlier first_step rewinds."""
        losses = np.asarray(losses, dtype=np.float64).ravel()
        first_step = int(first_step)
        end = self._step0 + len(self._log)
        if len(self._log) == 0 or first_step < self._step0:
            self._log.truncate(0)
            self._buckets.reset()
            self._step0 = first_step
        elif first_step < end:  # the run went back (e.g. history restored): later values are void
            self._log.truncate(first_step - self._step0)
            self._buckets.rewind(len(self._log))
        elif first_step > end:  # steps we were never told about show as a gap, not as a jump
            self._log.extend(np.full(first_step - end, np.nan))
        self._log.extend(losses)
        self._schedule()

    def add_evaluations(self, evaluations) -> None:
        def num(v):
            return np.nan if v is None else float(v)

        for e in evaluations:
            while self._evals and self._evals[-1][0] >= e.step:
                self._evals.pop()
            self._evals.append((int(e.step), num(e.test_loss), num(e.train_accuracy), num(e.test_accuracy)))
        self._schedule()

    def add_marker(self, step: int, text: str) -> None:
        if self._markers and self._markers[-1].value() == step:  # several edits in one step: one line
            line = self._markers[-1]
            line.setToolTip(f"{line.toolTip()}\n{text}")
            return
        pen = pg.mkPen(MARKER_COLOR, width=1, style=Qt.PenStyle.DashLine)
        line = pg.InfiniteLine(pos=step, angle=90, movable=False, pen=pen)
        # A wide hover pen widens the bounding rect, hence the tooltip target, without drawing wider.
        line.setHoverPen(pg.mkPen(MARKER_COLOR, width=7))
        line.setToolTip(text)
        line.setZValue(-5)
        self.plot.getPlotItem().addItem(line, ignoreBounds=True)
        self._markers.append(line)
        while len(self._markers) > MAX_MARKERS:
            self.plot.getPlotItem().removeItem(self._markers.popleft())

    def marker_count(self) -> int:
        """Marker lines kept (edits landing on one step share a line; at most MAX_MARKERS)."""
        return len(self._markers)

    def markers(self) -> list[tuple[float, str]]:
        """(step, tooltip) of the markers kept, oldest first."""
        return [(line.value(), line.toolTip()) for line in self._markers]

    def clear(self) -> None:
        self.clear_branches()
        self.set_viewing(None)
        self._log.truncate(0)
        self._buckets.reset()
        self._step0 = 0
        self._evals.clear()
        while self._markers:
            self.plot.getPlotItem().removeItem(self._markers.popleft())
        self.flush()

    def train_curve(self) -> tuple[np.ndarray, np.ndarray]:
        n = len(self._log)
        return np.arange(self._step0 + 1, self._step0 + n + 1), self._log.array().copy()

    def test_curve(self) -> tuple[np.ndarray, np.ndarray]:
        rows = [(s, t) for s, t, _, _ in self._evals if not np.isnan(t)]
        data = np.array(rows, dtype=np.float64).reshape(-1, 2)
        return data[:, 0].astype(np.int64), data[:, 1]

    def data_range(self) -> tuple[tuple[float, float], tuple[float, float] | None] | None:
        """((first, last step), (lowest, highest loss)) of the curves drawn, None when nothing is drawn.

        The curves are the live train loss (bucket means once a run outgrows MAX_DRAWN points), the test loss
        and the dimmed earlier branches; the steps are those the losses belong to (the last step, not the last
        bucket's centre). On a log scale only positive losses count; their range is None if there are none.
        """
        items = [self.train_item, self.test_item] + [it for _, _, it in self._branches]
        ends = [np.asarray(it.xData) for it in items if it.xData is not None]
        if len(self._log):
            ends.append(np.array([self._step0 + 1, self._step0 + len(self._log)]))
        ends += [np.asarray(steps[[0, -1]]) for steps, _, _ in self._branches if len(steps)]
        steps = extent(*ends)
        if steps is None:
            return None
        losses = extent(*(it.yData for it in items), positive=self._log_scale)
        return steps, losses

    def view_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """((x0, x1), (y0, y1)) shown, in steps and loss (on a log scale too: not log10 of the loss)."""
        (x0, x1), (y0, y1) = self.plot.getPlotItem().getViewBox().viewRange()
        if self._log_scale:
            y0, y1 = 10.0 ** y0, 10.0 ** y1
        return (float(x0), float(x1)), (float(y0), float(y1))

    def _frame(self) -> None:
        data = self.data_range()
        steps, losses = (None, None) if data is None else data
        x = frame(steps, pad=STEP_PAD, include_zero=True)
        if self._log_scale:
            decades = None if losses is None else (np.log10(losses[0]), np.log10(losses[1]))
            y = frame(decades, pad=LOSS_PAD, empty=(-1.0, 0.0))
        else:
            y = frame(losses, pad=LOSS_PAD, include_zero=True)
        show_range(self.plot.getPlotItem().getViewBox(), x, y)

    # ---- rewinding and branches ------------------------------------------------------------------
    def _clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.plot.getPlotItem().getViewBox()
        pos = ev.scenePos()
        if not vb.sceneBoundingRect().contains(pos):
            return
        self.stepClicked.emit(max(0, int(round(vb.mapSceneToView(pos).x()))))

    def set_viewing(self, step: int | None) -> None:
        """Mark the step whose parameters are shown (None: the live state, no line)."""
        if step is None:
            self._viewing_line.hide()
        else:
            self._viewing_line.setValue(step)
            self._viewing_line.setToolTip(f"viewing step {int(step):,}")
            self._viewing_line.show()

    def viewing(self) -> int | None:
        return int(self._viewing_line.value()) if self._viewing_line.isVisible() else None

    def start_branch(self, first_step: int) -> None:
        """Training went back to ``first_step``: dim the curve so far, continue the live one from there."""
        first_step = int(first_step)
        steps, values = self.train_curve()
        if len(values):
            buckets = _Buckets(MAX_DRAWN - 2)
            buckets.update(values)
            x, y = self._drawable(*buckets.curve(values, self._step0))
            it = self.plot.getPlotItem().plot(x, y, pen=pg.mkPen(BRANCH_COLOR, width=1))
            it.setZValue(-10)
            self._branches.append((steps, values, it))
            while len(self._branches) > MAX_BRANCHES:
                self.plot.getPlotItem().removeItem(self._branches.pop(0)[2])
        if first_step < self._step0:
            self._log.truncate(0)
            self._buckets.reset()
            self._step0 = first_step
        else:
            self._log.truncate(min(len(self._log), first_step - self._step0))
            self._buckets.rewind(len(self._log))
        while self._evals and self._evals[-1][0] > first_step:
            self._evals.pop()
        self._update_loss_legend()
        self.flush()

    def branch_curves(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(steps, losses) of the dimmed earlier branches, oldest first."""
        return [(s, v) for s, v, _ in self._branches]

    def clear_branches(self) -> None:
        while self._branches:
            self.plot.getPlotItem().removeItem(self._branches.pop()[2])
        self._update_loss_legend()
        self._frame()

    def _update_loss_legend(self) -> None:
        entries = [("━", TRAIN_COLOR, "train loss"), ("━", TEST_COLOR, "test loss")]
        if self._branches:
            entries.append(("━", BRANCH_COLOR, "earlier branch"))
        self._loss_legend.setText(_legend(*entries))

    # ---- drawing ------------------------------------------------------------------------------
    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _drawable(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keep = np.isfinite(y) & (y > 0) if self._log_scale else np.isfinite(y)
        return x[keep], y[keep]

    def flush(self) -> None:
        """Redraw now (the timer does this ≤ 20 times a second; tests and clear() call it directly)."""
        self._timer.stop()
        values = self._log.array()
        self._buckets.update(values)
        self.train_item.setData(*self._drawable(*self._buckets.curve(values, self._step0)))
        ev = np.array(self._evals, dtype=np.float64).reshape(-1, 4)
        if len(ev) > MAX_DRAWN:  # evaluations are sparse; striding keeps a very long run cheap
            ev = ev[:: -(-len(ev) // MAX_DRAWN)]
        self.test_item.setData(*self._drawable(ev[:, 0], ev[:, 1]))
        for it, col in ((self.train_acc_item, 2), (self.test_acc_item, 3)):
            keep = np.isfinite(ev[:, col])
            it.setData(ev[keep, 0], ev[keep, col])
        self._frame()

    # ---- options ------------------------------------------------------------------------------
    def set_classification(self, on: bool) -> None:
        self._classification = bool(on)
        item = self.plot.getPlotItem()
        item.showAxis("right", self._classification)
        self._acc_view.setVisible(self._classification)
        self._acc_legend.setVisible(self._classification)
        # Lay out now, not at the next event loop turn, so the axis and view agree even in a grab().
        item.layout.activate()
        self._sync_acc_geometry()

    @property
    def classification(self) -> bool:
        return self._classification

    @property
    def log_scale(self) -> bool:
        return self._log_scale

    @log_scale.setter
    def log_scale(self, on: bool) -> None:
        self.set_log_scale(on)

    def set_log_scale(self, on: bool) -> None:
        if bool(on) == self._log_scale:
            return
        self._log_scale = bool(on)
        self._log_box.setChecked(self._log_scale)
        item = self.plot.getPlotItem()
        item.setLogMode(y=self._log_scale)
        item.getAxis("right").setLogMode(False, False)  # PlotItem logs every axis; accuracy stays linear
        for steps, values, it in self._branches:
            buckets = _Buckets(MAX_DRAWN - 2)
            buckets.update(values)
            it.setData(*self._drawable(*buckets.curve(values, int(steps[0]) - 1 if len(steps) else 0)))
        self.flush()


def _legend(*entries: tuple[str, str, str]) -> str:
    return "&nbsp;&nbsp;".join(f"<span style='color:{c}'>{glyph}</span>&nbsp;{name}" for glyph, c, name in entries)
