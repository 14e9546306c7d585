"""Weights over time: each weight layer's histogram now, and its L2 norm at every recorded step.

The lesson it carries: with L2 or L1 regularisation on, the norms visibly shrink and the histograms pull in
toward 0. Every norm point is kept (growable arrays, no Python object per point); ``add`` only stores and
marks the plots dirty, and a single-shot timer redraws at most ``1000 / REDRAW_MS`` times a second.

Framing, set at every redraw from the data drawn (``histogram_data_range``, ``norm_data_range``), so a reset,
a new network or a branch never leaves an old range, even behind another dock tab:
- the histogram: weight values from the lowest to the highest bin edge, padded by 2 % of that span (−1…1
  with no data); share from 0 to the largest share, padded by 5 % (0…1 with no data);
- the norms: steps from 0 to the last recorded step, padded by 2 % (0…1 with no data, or only step 0); ‖W‖₂
  from 0 to the largest norm, padded by 5 % (0…1 with no data).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnstudio.engine.loop import LossLog

from .math_card import fmt
from .plot_frame import StepAxis, extent, frame, show_range

__all__ = ["LAYER_COLORS", "REDRAW_MS", "WeightsOverTime"]

REDRAW_MS = 100  # ≤ 10 redraws a second: the weights change every step, the eye needs far fewer frames
X_PAD, Y_PAD = 0.02, 0.05  # shares of the data's span left free at each end of the axes
# Layer identity, not sign: none of these is the weight palette's orange or blue.
LAYER_COLORS = ("#202124", "#7b3fb0", "#1a9e77", "#d0317a", "#6b8e23", "#a6761d", "#5f6368", "#c0392b")


def _style(item: pg.PlotItem, bottom: str, left: str) -> None:
    item.setMouseEnabled(False, False)  # live data: a panned plot would stop following it
    item.setMenuEnabled(False)
    item.hideButtons()
    item.setContentsMargins(2, 4, 12, 2)
    item.setLabel("bottom", bottom)
    item.setLabel("left", left)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen("#888888")
        axis.setTextPen("#333333")
        axis.enableAutoSIPrefix(False)


def _view_range(plot: pg.PlotWidget) -> tuple[tuple[float, float], tuple[float, float]]:
    (x0, x1), (y0, y1) = plot.getPlotItem().getViewBox().viewRange()
    return (float(x0), float(x1)), (float(y0), float(y1))


class _Series:
    """One layer's (step, norm) history as two growable float64 arrays."""

    def __init__(self):
        self.steps, self.norms = LossLog(), LossLog()

    def add(self, step: int, norm: float) -> None:
        n = len(self.steps)
        if n and step <= self.steps.array()[-1]:
            # The run went back (undo of a diverged chunk, history restored): later points are void.
            keep = int(np.searchsorted(self.steps.array(), step, side="left"))
            self.steps.truncate(keep)
            self.norms.truncate(keep)
        self.steps.extend(np.array([float(step)]))
        self.norms.extend(np.array([float(norm)]))


class WeightsOverTime(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._series: dict[int, _Series] = {}
        self._latest: dict[int, dict] = {}
        self._step = None
        self._hist_items: dict[int, pg.PlotDataItem] = {}
        self._norm_items: dict[int, pg.PlotDataItem] = {}

        self.hist_plot = pg.PlotWidget(background="w")
        self.norm_plot = pg.PlotWidget(background="w", axisItems={"bottom": StepAxis("bottom")})
        _style(self.hist_plot.getPlotItem(), "weight value", "share of weights")
        _style(self.norm_plot.getPlotItem(), "step", "‖W‖₂")
        self.hist_plot.getPlotItem().setTitle("Weights now", color="#202124", size="10pt")
        self.norm_plot.getPlotItem().setTitle("Weight norm ‖W‖₂ over steps", color="#202124", size="10pt")
        # A long run has hundreds of thousands of points: draw the visible ones, peak-decimated to the pixels.
        self.norm_plot.getPlotItem().setDownsampling(auto=True, mode="peak")
        self.norm_plot.getPlotItem().setClipToView(True)
        self.hist_legend = self.hist_plot.getPlotItem().addLegend(offset=(-8, 8), labelTextColor="#202124")
        self.norm_legend = self.norm_plot.getPlotItem().addLegend(offset=(-8, 8), labelTextColor="#202124")
        self.hist_plot.setToolTip(
            "Histogram of each weight matrix W0, W1, … now, as the share of its weights in each bin, so a big "
            "and a small layer compare. With L2 or L1 on, the histograms pull in toward 0."
        )
        self.norm_plot.setToolTip(
            "L2 norm √(Σ w²) of each weight matrix at every step. It grows as the network learns sharper "
            "boundaries; with L2 or L1 regularisation on it visibly shrinks."
        )
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setContentsMargins(4, 0, 4, 2)
        self.status.setToolTip("Mean |w| of each weight matrix at the latest step.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        plots = QHBoxLayout()  # side by side: the panel is a short, wide dock under the canvas
        plots.addWidget(self.hist_plot, 1)
        plots.addWidget(self.norm_plot, 1)
        layout.addLayout(plots, 1)
        layout.addWidget(self.status)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.flush)
        self._frame()

    def sizeHint(self) -> QSize:
        return QSize(400, 460)

    # ---- API ------------------------------------------------------------------------------------
    def add(self, step: int, stats: list[dict], record: bool = True) -> None:
        """Stats of every weight layer at ``step`` (dicts with layer, counts, edges, norm, mean_abs). With
        ``record`` False (a past step on show) only the histogram shows them: the norm curve is the run's."""
        step = int(step)
        for s in stats:
            layer = int(s["layer"])
            if record:
                self._series.setdefault(layer, _Series()).add(step, s["norm"])
            self._latest[layer] = s
        self._step = step
        if not self._timer.isActive():
            self._timer.start()

    def clear(self) -> None:
        self._timer.stop()
        self._series.clear()
        self._latest.clear()
        self._step = None
        for plot, items, legend in ((self.hist_plot, self._hist_items, self.hist_legend),
                                    (self.norm_plot, self._norm_items, self.norm_legend)):
            for it in items.values():
                plot.getPlotItem().removeItem(it)
            items.clear()
            legend.clear()
        self.status.setText("")
        self._frame()

    def norm_curve(self, layer: int) -> tuple[np.ndarray, np.ndarray]:
        """Every recorded (steps, norms) of weight layer ``layer``."""
        s = self._series.get(layer)
        if s is None:
            return np.empty(0), np.empty(0)
        return s.steps.array().astype(np.int64), s.norms.array().copy()

    def histogram(self, layer: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(edges, shares) drawn for ``layer`` at the last redraw, or None."""
        it = self._hist_items.get(layer)
        if it is None:
            return None
        x, y = it.xData, it.yData
        return (np.asarray(x).copy(), np.asarray(y).copy()) if x is not None else None

    def histogram_data_range(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """((lowest, highest bin edge), (smallest, largest share)) of the histograms drawn, or None."""
        items = [it for it in self._hist_items.values() if it.xData is not None and len(it.xData)]
        if not items:
            return None
        return extent(*(it.xData for it in items)), extent(*(it.yData for it in items))

    def norm_data_range(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """((first, last step), (smallest, largest norm)) of every recorded norm, or None."""
        series = list(self._series.values())
        steps = extent(*(s.steps.array()[[0, -1]] for s in series if len(s.steps)))  # steps only grow
        return None if steps is None else (steps, extent(*(s.norms.array() for s in series)))

    def histogram_view_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """((x0, x1), (y0, y1)) the histogram plot shows: weight value × share of weights."""
        return _view_range(self.hist_plot)

    def norm_view_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """((x0, x1), (y0, y1)) the norm plot shows: step × ‖W‖₂."""
        return _view_range(self.norm_plot)

    # ---- drawing ----------------------------------------------------------------------------------
    def flush(self) -> None:
        """Redraw now (the timer calls this; tests may too)."""
        self._timer.stop()
        for layer in sorted(self._latest):
            s = self._latest[layer]
            counts = np.asarray(s["counts"], dtype=np.float64)
            edges = np.asarray(s["edges"], dtype=np.float64)
            total = counts.sum()
            share = counts / total if total > 0 else counts
            self._item(layer, hist=True).setData(edges, share)
            steps, norms = self.norm_curve(layer)
            # A line needs two points: right after a reset each layer has one, drawn as a dot instead.
            self._item(layer, hist=False).setData(steps.astype(np.float64), norms,
                                                  symbol="o" if len(steps) == 1 else None)
        if self._latest:
            means = " · ".join(f"W{k} {fmt(self._latest[k]['mean_abs'])}" for k in sorted(self._latest))
            self.status.setText(f"step {self._step} · mean |w|: {means}")
        self._frame()

    def _frame(self) -> None:
        hist = self.histogram_data_range() or (None, None)
        show_range(self.hist_plot.getPlotItem().getViewBox(), frame(hist[0], pad=X_PAD, empty=(-1.0, 1.0)),
                   frame(hist[1], pad=Y_PAD, include_zero=True))
        norms = self.norm_data_range() or (None, None)
        show_range(self.norm_plot.getPlotItem().getViewBox(), frame(norms[0], pad=X_PAD, include_zero=True),
                   frame(norms[1], pad=Y_PAD, include_zero=True))

    def _item(self, layer: int, hist: bool) -> pg.PlotDataItem:
        items = self._hist_items if hist else self._norm_items
        it = items.get(layer)
        if it is None:
            color = LAYER_COLORS[layer % len(LAYER_COLORS)]
            pen = pg.mkPen(color, width=2)
            plot = (self.hist_plot if hist else self.norm_plot).getPlotItem()
            # Outlined steps, not filled bars: several layers overlap and every outline stays visible.
            it = pg.PlotDataItem(stepMode="center", pen=pen, name=f"W{layer}") if hist else \
                pg.PlotDataItem(pen=pen, name=f"W{layer}", connect="finite", symbolSize=6, symbolPen=pen,
                                symbolBrush=color)
            plot.addItem(it)
            items[layer] = it
        return it
