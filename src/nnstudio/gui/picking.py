"""Hit-testing in NumPy, in view pixels so a click means the same at every zoom (architecture.md: Drawing).

The caller passes scene coordinates and the view's scale (uniform, no rotation): distances in scene units
times the scale are pixels. Nothing here knows about Qt.
"""

from __future__ import annotations

import numpy as np

EDGE_TOLERANCE = 6.0  # px: a click this close to a stroke's centre line still hits it
EXTRA_TOLERANCE = 3.0  # px beyond half the stroke width, for wide strokes


class Segments:
    """Segment origins and directions, precomputed so each pick is a handful of vectorised operations."""

    def __init__(self, x0, y0, x1, y1):
        self.x0, self.y0 = np.asarray(x0, float), np.asarray(y0, float)
        self.dx, self.dy = np.asarray(x1, float) - self.x0, np.asarray(y1, float) - self.y0
        length2 = self.dx**2 + self.dy**2
        self.inv_len2 = np.divide(1.0, length2, out=np.zeros_like(length2), where=length2 > 0)

    def subset(self, index: np.ndarray) -> Segments:
        """The segments at `index`, in that order (made once per frame, not once per mouse move)."""
        out = Segments.__new__(Segments)
        out.x0, out.y0, out.dx, out.dy = self.x0[index], self.y0[index], self.dx[index], self.dy[index]
        out.inv_len2 = self.inv_len2[index]
        return out

    def distances2(self, px: float, py: float) -> np.ndarray:
        """Squared distance from (px, py) to each segment, in scene units²."""
        rx, ry = px - self.x0, py - self.y0
        t = (rx * self.dx + ry * self.dy) * self.inv_len2
        np.clip(t, 0.0, 1.0, out=t)
        rx -= t * self.dx
        ry -= t * self.dy
        return rx * rx + ry * ry


def pick_segment(segments: Segments, px: float, py: float, scale: float, widths_px: np.ndarray) -> int | None:
    """Index of the segment a click at (px, py) selects, or None; segments are in draw order, weak → strong.

    If the click lands on a visible stroke, the one drawn on top wins, since that is what is under the
    cursor; otherwise the nearest centre line within tolerance, which is wider than the stroke."""
    if widths_px.size == 0:
        return None
    d2 = segments.distances2(px, py) * (scale * scale)  # px²
    on_stroke = np.flatnonzero(d2 <= (widths_px / 2 + 0.5) ** 2)
    if on_stroke.size:
        return int(on_stroke[-1])
    best = d2.size - 1 - int(np.argmin(d2[::-1]))  # on a tie the later (stronger, on top) stroke wins
    tolerance = max(EDGE_TOLERANCE, widths_px[best] / 2 + EXTRA_TOLERANCE)
    return best if d2[best] <= tolerance * tolerance else None


def rect_distances(px: float, py: float, cx: np.ndarray, cy: np.ndarray, half_px: np.ndarray,
                   scale: float) -> tuple[np.ndarray, np.ndarray]:
    """(distance to each square's edge, distance to its centre), in pixels; 0 inside the square."""
    ax, ay = np.abs(px - cx) * scale, np.abs(py - cy) * scale
    outside = np.hypot(np.maximum(ax - half_px, 0.0), np.maximum(ay - half_px, 0.0))
    return outside, np.hypot(ax, ay)


def pick_square(px: float, py: float, cx: np.ndarray, cy: np.ndarray, half_px: np.ndarray, scale: float,
                tolerance: float = EDGE_TOLERANCE) -> tuple[int | None, bool]:
    """(index of the square a click selects or None, whether the click is inside that square)."""
    if cx.size == 0:
        return None, False
    outside, centre = rect_distances(px, py, cx, cy, half_px, scale)
    best = int(np.argmin(outside + 1e-3 * centre))  # inside several (tiny, overlapping): the nearest centre
    if outside[best] > max(tolerance, 0.0):
        return None, False
    return best, bool(outside[best] == 0.0)

