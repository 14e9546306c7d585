"""How the plots frame their data: one rule per axis, applied whenever the data changes, and a step axis.

pyqtgraph's auto-range is not used: it keeps the last range when a plot's data is emptied (a reset left
0…150,000 on an empty loss plot), it centres a single point in the old width (±80,000 around step 0), and it
only runs at the next paint, so a plot behind a dock tab kept an old range. Each plot instead computes its
range from the data it has just been given (``extent`` → ``frame``) and sets it (``show_range``).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF

__all__ = ["StepAxis", "extent", "frame", "show_range", "step_labels"]

Range = tuple[float, float]

LABEL_GAP_PX = 12  # free space between two tick labels of the step axis


def extent(*arrays, positive: bool = False) -> Range | None:
    """(min, max) of the finite values of every array (only those > 0 if ``positive``); None if there are none."""
    parts = [np.asarray(a, dtype=np.float64).ravel() for a in arrays if a is not None]
    values = np.concatenate(parts) if parts else np.empty(0)
    keep = np.isfinite(values) & (values > 0) if positive else np.isfinite(values)
    values = values[keep]
    return (float(values.min()), float(values.max())) if values.size else None


def frame(data: Range | None, *, pad: float, include_zero: bool = False, empty: Range = (0.0, 1.0)) -> Range:
    """The view range of one axis for data spanning ``data`` = (lo, hi).

    Stretched to 0 if ``include_zero``, then padded by ``pad`` × its span on both sides; no data is framed as
    ``empty`` would be. A single value v gets ±max(|v|, 1) / 2 around it (0…1 if it is 0 and the axis includes
    0), so a constant never looks like a trend.
    """
    lo, hi = empty if data is None else data
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        if hi - lo == 0.0:
            hi = 1.0
    span = hi - lo
    if span <= 1e-12 * max(abs(lo), abs(hi), 1.0):
        half = 0.5 * max(abs(lo), 1.0)
        return lo - half, hi + half
    return lo - pad * span, hi + pad * span


def show_range(view_box: pg.ViewBox, x: Range, y: Range) -> None:
    """Show exactly x × y (view coordinates); pyqtgraph's auto-range stays off."""
    view_box.setRange(xRange=x, yRange=y, padding=0, disableAutoRange=True)


def step_labels(values, spacing: float) -> list[str]:
    """Compact step numbers for one axis: 0 250 500 … up to 9999, then 20k 40k …, then 1.5M 2M …

    One unit for the whole axis (chosen by its largest value), with the decimals its tick spacing needs.
    """
    values = [float(v) for v in values]
    top = max((abs(v) for v in values), default=0.0)
    unit, suffix = (1e6, "M") if top >= 1e6 else (1e3, "k") if top >= 1e4 else (1.0, "")
    step = spacing / unit
    places = max(0, math.ceil(-math.log10(step) - 1e-9)) if step > 0 else 0
    out = []
    for v in values:
        text = f"{v / unit:.{places}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if text in ("0", "-0"):
            out.append("0")
        else:
            out.append(text + suffix)
    return out


def _nice_above(spacing: float) -> float:
    """The next tick spacing in the 1-2-5 series above ``spacing``."""
    p10 = 10.0 ** math.floor(math.log10(spacing) + 1e-9)
    for m in (2.0, 5.0, 10.0):
        if m * p10 > spacing * (1 + 1e-9):
            return m * p10
    return 10.0 * p10


class StepAxis(pg.AxisItem):
    """A horizontal axis of step counts: whole steps, compact labels, and major ticks far enough apart that no two
    labels touch (pyqtgraph picks the spacing from the axis length alone and always draws the major labels,
    so "100000" and "150000" ran into one another on a narrow plot)."""

    def __init__(self, orientation: str = "bottom", **kwargs):
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)  # "step (x1e+03)" reads as another quantity
        self.setStyle(maxTextLevel=0)  # minor ticks stay unlabelled: only major labels are spaced out

    def tickStrings(self, values, scale, spacing):
        return step_labels([v * scale for v in values], spacing * scale)

    def tickSpacing(self, minVal, maxVal, size):
        levels = super().tickSpacing(minVal, maxVal, size)
        horizontal = self.orientation in ("bottom", "top")
        if not levels or not horizontal or self._tickSpacing is not None or size <= 0 or maxVal <= minVal:
            return levels
        px_per_step = size / (maxVal - minVal)
        major = max(levels[0][0], 1.0)  # steps are whole numbers: no tick at 0.5 steps
        while major * px_per_step < self._label_room(minVal, maxVal, major):
            major = _nice_above(major)
        if major == levels[0][0]:
            return levels
        minor = major / 2 if round(major / 10 ** math.floor(math.log10(major))) == 2 else major / 5
        return [(major, 0.0), (max(minor, 1.0), 0.0)]

    def _label_room(self, lo: float, hi: float, spacing: float) -> float:
        """Pixels between two ticks that the widest label at this spacing needs."""
        first, last = math.ceil(lo / spacing) * spacing, math.floor(hi / spacing) * spacing
        font = self.style["tickFont"] or QFont()
        metrics = QFontMetricsF(font)
        widest = max(metrics.horizontalAdvance(t) for t in step_labels([first, last], spacing))
        return widest + LABEL_GAP_PX
