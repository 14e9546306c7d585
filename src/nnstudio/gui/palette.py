"""Colour and width maths for parameters (architecture.md: Drawing, Encoding): no widgets, only NumPy and QColor.

One diverging scale serves edges, bias badges, heatmaps and the legend, so a colour means the same value
everywhere. Colours are always opaque: translucent pens cost 10–20× on the software rasteriser, so any
"faded" look is pre-blended toward the background instead.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtGui import QColor

NEGATIVE = (0xF5, 0x93, 0x22)  # orange
NEUTRAL = (0xE8, 0xEA, 0xEB)  # light grey
POSITIVE = (0x08, 0x77, 0xBD)  # blue

BACKGROUND = QColor("#ffffff")
NEURON_FILL = QColor("#ffffff")
NEURON_OUTLINE = QColor("#8a9096")
BADGE_OUTLINE = QColor("#4a4f55")
TEXT = QColor("#202124")
MUTED_TEXT = QColor("#5f6368")
HOVER = QColor("#5f6368")  # outlines only: no hue, so they never read as a weight's sign
SELECTION = QColor("#202124")

DIM_OPACITY = 0.2  # how much of a dimmed colour survives the blend toward the background
GRID_LINE = QColor("#d5d9dd")  # between the squares of an input grid

MIN_WIDTH = 1.0  # px at w = 0
MAX_WIDTH = 8.0  # px at |w| ≥ scale
# A floor for the scale: with all parameters ≈ 0 (zeros init) a tiny scale would paint rounding noise in
# full colour. 0.1 still lets a 784-wide layer, whose initial weights are ~±0.08, show its signs.
MIN_SCALE = 0.1

_NEG = np.array(NEGATIVE, dtype=np.float64)
_MID = np.array(NEUTRAL, dtype=np.float64)
_POS = np.array(POSITIVE, dtype=np.float64)


def _unit(values, scale: float) -> np.ndarray:
    """values / scale clamped to [−1, 1]; NaN and ±inf (a diverged run) show as their sign or as 0."""
    t = np.asarray(values, dtype=np.float64) / float(scale)
    return np.clip(np.nan_to_num(t, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)


def colors_rgb(values, scale: float) -> np.ndarray:
    """(n, 3) uint8 colours, linear in RGB between orange (−scale), grey (0) and blue (+scale).

    Linear RGB keeps this identical to a QLinearGradient with the same three stops (the legend)."""
    t = _unit(values, scale).reshape(-1, 1)
    a = np.abs(t)
    end = np.where(t < 0, _NEG, _POS)
    return np.rint(_MID + (end - _MID) * a).astype(np.uint8)


_LUT_STEPS = 512  # per sign: finer than the 8-bit channels can show over the half-range
_lut_rgb = colors_rgb(np.linspace(-1.0, 1.0, 2 * _LUT_STEPS + 1), 1.0).astype(np.uint32)
_LUT_ARGB = np.uint32(0xFF000000) | (_lut_rgb[:, 0] << 16) | (_lut_rgb[:, 1] << 8) | _lut_rgb[:, 2]


def colors_argb32(values, scale: float) -> np.ndarray:
    """Like colors_rgb, packed as opaque 0xFFRRGGBB uint32 (QImage.Format_RGB32, the fastest to draw).

    Looked up in a table: a 784×128 heatmap recolours every frame, and this is ~5× cheaper than the maths."""
    idx = np.rint((_unit(values, scale) + 1.0) * _LUT_STEPS).astype(np.intp)
    return _LUT_ARGB[idx]


def qcolor(value: float, scale: float) -> QColor:
    r, g, b = colors_rgb([value], scale)[0]
    return QColor(int(r), int(g), int(b))


def blend(fg: QColor, bg: QColor, alpha: float) -> QColor:
    """The opaque colour fg drawn at `alpha` over bg would show."""
    a = min(max(alpha, 0.0), 1.0)
    return QColor.fromRgbF(*(a * f + (1 - a) * b for f, b in zip(fg.getRgbF()[:3], bg.getRgbF()[:3])))


def dim(color: QColor) -> QColor:
    """How a colour looks "dimmed" (focus and forward modes): opaque, pre-blended toward the background."""
    return blend(color, BACKGROUND, DIM_OPACITY)


def argb32_to_qcolor(value) -> QColor:
    return QColor.fromRgb(int(value) & 0xFFFFFF)


def dim_argb32(argb: np.ndarray) -> np.ndarray:
    """dim() for packed 0xFFRRGGBB colours, vectorised."""
    argb = np.asarray(argb, dtype=np.uint32)
    bg = np.array([BACKGROUND.red(), BACKGROUND.green(), BACKGROUND.blue()], dtype=np.float64)
    out = np.full(argb.shape, 0xFF000000, dtype=np.uint32)
    for shift, b in zip((16, 8, 0), bg):
        c = ((argb >> shift) & 0xFF).astype(np.float64)
        out |= np.rint(DIM_OPACITY * c + (1 - DIM_OPACITY) * b).astype(np.uint32) << shift
    return out


def grey_argb32(values, top: float = 1.0) -> np.ndarray:
    """Pixel intensities as opaque greys: 0 white → `top` black (an ink-on-paper digit)."""
    t = np.clip(np.nan_to_num(np.asarray(values, dtype=np.float64) / float(top)), 0.0, 1.0)
    g = np.rint(255.0 * (1.0 - t)).astype(np.uint32)
    return np.uint32(0xFF000000) | (g << 16) | (g << 8) | g


def edge_widths(values, scale: float) -> np.ndarray:
    """Stroke width in pixels: MIN_WIDTH at 0 growing linearly to MAX_WIDTH at |w| ≥ scale."""
    return MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * np.abs(_unit(values, scale))


# ---- scale -------------------------------------------------------------------------------------------
def nice_scale(max_abs: float, minimum: float = MIN_SCALE) -> float:
    """The smallest 1, 2 or 5 × 10^k that is ≥ max_abs (and ≥ minimum): a bound the legend can print."""
    m = max(float(max_abs) if math.isfinite(max_abs) else 0.0, minimum)
    k = math.floor(math.log10(m))
    for step in (1.0, 2.0, 5.0, 10.0):
        s = step * 10.0**k
        if s >= m * (1 - 1e-12):
            return float(f"{s:.12g}")  # 0.30000000000000004 → 0.3 so the legend prints cleanly
    return 10.0 ** (k + 1)


class ScaleTracker:
    """A legend bound that follows the values without flickering between two steps every frame.

    The bound always covers the largest |value| (it grows at once, so nothing is drawn clamped), and it
    shrinks as soon as a lower bound would still leave `shrink_margin` headroom: noise around a step boundary
    does not recolour the whole network back and forth, yet after an edit, an undo, L2 or training has made
    the values smaller, the bound comes back down. So bound / max|value| stays below 2.5 / shrink_margin
    (3.1 at the default), and every colour keeps a visible share of the scale."""

    def __init__(self, minimum: float = MIN_SCALE, shrink_margin: float = 0.8):
        self.minimum = minimum
        self.shrink_margin = shrink_margin
        self.scale = nice_scale(0.0, minimum)

    def reset(self) -> None:
        self.scale = nice_scale(0.0, self.minimum)

    def update(self, max_abs: float) -> float:
        m = float(max_abs) if math.isfinite(max_abs) else 0.0
        if m > self.scale:
            self.scale = nice_scale(m, self.minimum)
        else:
            # The hysteresis is in the target, not in a condition on it: a bound with room to spare.
            target = nice_scale(m / self.shrink_margin, self.minimum)
            if target < self.scale:
                self.scale = target
        return self.scale


def max_abs(arrays) -> float:
    """Largest finite |value| over a list of arrays (0 if there is none)."""
    best = 0.0
    for a in arrays:
        if a.size:
            m = float(np.max(np.abs(a)))
            if not math.isfinite(m):
                finite = np.abs(a[np.isfinite(a)])
                m = float(finite.max()) if finite.size else 0.0
            best = max(best, m)
    return best


# ---- pen buckets --------------------------------------------------------------------------------------
class Quantiser:
    """Maps values to `2 × levels` pen buckets ordered weak → strong, interleaving signs, so drawing
    the buckets in index order puts strong edges on top whatever their sign.

    Bucket k has magnitude level k // 2 and sign + when k is odd. Level 0 is drawn as a 1 px neutral line,
    the top level in the full colour at MAX_WIDTH (every |w| ≥ (levels − 1) / levels × scale)."""

    def __init__(self, levels: int = 10, background: QColor = BACKGROUND, weakest_opacity: float = 0.75):
        self.levels = levels
        self.n_buckets = 2 * levels
        self.colors: list[QColor] = []
        self.widths: list[float] = []
        for k in range(self.n_buckets):
            t = (k // 2) / (levels - 1)
            value = t if k % 2 else -t
            # Weak edges recede a little further toward the background, like a low alpha would.
            opacity = weakest_opacity + (1 - weakest_opacity) * t
            self.colors.append(blend(qcolor(value, 1.0), background, opacity))
            self.widths.append(float(edge_widths([t], 1.0)[0]))
        self.dim_colors = [blend(c, background, DIM_OPACITY) for c in self.colors]

    def buckets(self, values, scale: float) -> np.ndarray:
        t = _unit(values, scale)
        level = np.minimum((np.abs(t) * self.levels).astype(np.intp), self.levels - 1)
        return 2 * level + (t > 0)
