"""Colours of the output heatmaps: the weight palette, blended toward white like TF Playground's."""

from __future__ import annotations

import numpy as np

from . import palette

_LUT_SIZE = 256
# TF Playground paints its heatmap at alpha 160/255 over white so the saturated data points stand out;
# we blend toward white once in the lookup table instead: opaque images are much cheaper (architecture.md: Drawing).
_HEAT_ALPHA = 160 / 255


def hex_rgb(color: str) -> np.ndarray:
    return np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)


def heat_blend(table: np.ndarray) -> np.ndarray:
    return np.round(table * _HEAT_ALPHA + 255 * (1 - _HEAT_ALPHA)).astype(np.ubyte)


def diverging_lut(discrete: bool) -> np.ndarray:
    """Heatmap LUT over the levels' range: orange at the low end, grey mid-way, blue at the high end.

    The same scale as the weight colours (palette.colors_rgb), so a colour means the same thing everywhere."""
    t = np.linspace(-1.0, 1.0, _LUT_SIZE)
    return heat_blend(palette.colors_rgb(np.where(t < 0, -1.0, 1.0) if discrete else t, 1.0))
