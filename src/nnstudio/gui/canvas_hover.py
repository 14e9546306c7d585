"""NetworkView's hover, tooltips and highlight overlays. A mixin: it reads the view's layout and items.

Hover and selection live in small overlay items of their own, so they never touch the edges' buckets or
the neurons' cache (architecture.md: Drawing).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QToolTip

from ..engine.refs import ParamRef, format_value
from . import palette
from .canvas_items import MIN_BADGE_PX, HighlightItem
from .canvas_picking import MIN_NEURON_PX
from .neurons_item import OUTLINE_PX, RING_GAP_PX, RING_PX


class HoverMixin:
    # ---- texts ----------------------------------------------------------------------------------
    def tooltip_text(self, ref: ParamRef) -> str:
        """'weight  layer 1: neuron 2 → neuron 0 = −0.734', plus the shown value in a non-weight edge mode."""
        return f"{ref.label()} = {format_value(self.value(ref))}{self._mode.tooltip_suffix(ref)}"

    def neuron_tooltip_text(self, neuron: tuple[int, int]) -> str:
        """'hidden layer 1, neuron 2', 'input x1' or 'output ŷ', plus its value and δ when they are shown."""
        k, i = neuron
        last = len(self._layout.sizes) - 1
        grid = self._layout.grid
        if k == 0 and grid is not None:
            text = f"input {self._inputs[i]} (row {i // grid[1]}, column {i % grid[1]})"
        elif k == 0:
            text = f"input {self._inputs[i]}"
        elif k == last:
            text = f"output {self._outputs[i]}"
        else:
            text = f"hidden layer {k}, neuron {i}"
        if self._neuron_values is not None:
            text += f"   {self._values_label} = {format_value(float(self._neuron_values[k][i]))}"
        if self._deltas is not None and k >= 1:
            text += f"   δ = {format_value(float(self._deltas[k - 1][i]))}"
        return text

    # ---- hover ----------------------------------------------------------------------------------
    def hovered_parameter(self) -> ParamRef | None:
        return self._hover

    def hovered_neuron(self) -> tuple[int, int] | None:
        return self._hover_neuron

    def hovered(self, pos: QPointF | None) -> None:
        ref = None if pos is None else self.pick(pos)
        neuron = None if pos is None or ref is not None else self._neuron_under(pos)
        changed = ref != self._hover or neuron != self._hover_neuron
        if ref != self._hover:
            self._hover = ref
            self._show_overlay(self._hover_item, ref)
        if neuron != self._hover_neuron:
            self._hover_neuron = neuron
            self._show_neuron_overlay(self._neuron_hover_item, neuron)
            self.neuronHovered.emit(neuron)
        if changed:
            clickable = ref is not None or neuron is not None
            self.viewport().setCursor(Qt.PointingHandCursor if clickable else Qt.ArrowCursor)
            self._show_tooltip(pos, force=True)

    def _clear_hover(self) -> None:
        """Forget what is hovered (before the structure changes under the cursor): overlays, tooltip, signal."""
        if self._hover is not None or self._hover_neuron is not None:
            self.hovered(None)

    def _tooltip(self) -> str:
        if self._hover is not None:
            return self.tooltip_text(self._hover)
        if self._hover_neuron is not None:
            return self.neuron_tooltip_text(self._hover_neuron)
        return ""

    def _show_tooltip(self, pos: QPointF | None, force: bool = False) -> None:
        """Keep the viewport's tooltip text (what tests and accessibility read) and the visible tooltip in
        step with what is hovered; `force` opens it, otherwise only an open one is updated."""
        vp = self.viewport()
        text = self._tooltip()
        vp.setToolTip(text)
        if not text:
            QToolTip.hideText()
        elif force or QToolTip.isVisible():
            at = vp.mapToGlobal(QPointF(pos).toPoint()) if pos is not None else QCursor.pos()
            QToolTip.showText(at, text, vp)

    # ---- overlays -------------------------------------------------------------------------------
    def set_highlight(self, ref: ParamRef | None) -> None:
        """Mark one parameter (e.g. while the editor is open for it); None clears the mark."""
        if ref is not None:
            self._layout.check(ref)
        self._selected = ref
        self._show_overlay(self._selection_item, ref)

    def _refresh_overlays(self) -> None:
        self._show_overlay(self._hover_item, self._hover)
        self._show_overlay(self._selection_item, self._selected)
        if self._hover is not None or self._hover_neuron is not None:  # an open tooltip follows the value
            self._show_tooltip(None)

    def _show_overlay(self, item: HighlightItem, ref: ParamRef | None) -> None:
        if ref is None:
            item.clear()
            return
        lo, scale, v = self._layout, self.scale(), self.shown_value(ref)
        color = palette.qcolor(v, scale)
        if ref.is_bias:
            i = lo.badge_index(ref.layer, ref.dst)
            h = lo.bhalf[i]
            item.show_square(QRectF(lo.bx[i] - h, lo.by[i] - h, 2 * h, 2 * h), MIN_BADGE_PX / 2,
                             self._badges.color_of(i))
        elif ref.layer in self._heatmaps:
            item.show_square(self._heatmaps[ref.layer].cell_rect(ref.src, ref.dst), 2.0, color)
        else:
            e = lo.edge_index(ref.layer, ref.src, ref.dst)
            style = self._edges.style_of(e, self.scale_factor())
            color, width = style if style else (color, float(palette.edge_widths([v], scale)[0]))
            # From rim to rim: the overlay sits above the neurons and must not cross them.
            x0, y0, x1, y1 = lo.x0[e], lo.y0[e], lo.x1[e], lo.y1[e]
            length = max(float(np.hypot(x1 - x0, y1 - y0)), 1e-9)
            fa, fb = lo.radius[ref.layer] / length, 1 - lo.radius[ref.layer + 1] / length
            item.show_segment(x0 + (x1 - x0) * fa, y0 + (y1 - y0) * fa, x0 + (x1 - x0) * fb, y0 + (y1 - y0) * fb,
                              width, color)

    def _show_neuron_overlay(self, item: HighlightItem, neuron: tuple[int, int] | None) -> None:
        if neuron is None:
            item.clear()
            return
        lo = self._layout
        n = lo.neuron_index(*neuron)
        x, y, r = float(lo.nx[n]), float(lo.ny[n]), float(lo.nr[n])
        if lo.grid is not None and neuron[0] == 0:
            item.show_square(QRectF(x - r, y - r, 2 * r, 2 * r), 2.0, self._neurons.fill_color(n))
        else:
            # Outside the δ ring (when there is one), so the ring's colour stays readable.
            ring = RING_GAP_PX + RING_PX + 1.0 if neuron[0] >= 1 else 0.5
            item.show_circle(x, y, r, MIN_NEURON_PX, OUTLINE_PX / 2 + ring)
