"""The forward-propagation maths of one neuron for one sample, as a small table a learner can follow.

Every number shown is the engine's own (``NeuronMath``), rounded for display only: the sum is Σ over *all*
inputs at full precision even when only the largest terms are listed, so the card never disagrees with the
network by a rounding error that the learner could "find" by adding the rows up.
"""

from __future__ import annotations

import html
import math

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from nnstudio.engine.inspect import NeuronMath

from . import palette

__all__ = ["MAX_ROWS", "NEEDS_SAMPLE", "PLACEHOLDER", "MathCard", "fmt"]

MAX_ROWS = 12  # more input rows than this and the card stops being readable at a glance
PLACEHOLDER = "Click a neuron to see its forward-propagation maths; click a data point to choose the sample."
NEEDS_SAMPLE = "No sample selected: choose a sample (click a data point or set the Sample box) to see this " \
               "neuron's maths for it."
_MUTED = palette.MUTED_TEXT.name()
_TEXT = palette.TEXT.name()


def fmt(value: float) -> str:
    """4 significant digits with a real minus sign, scientific when tiny or huge (as format_value switches)."""
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == 0:
        return "0"
    if abs(v) >= 1e4 or abs(v) < 1e-3:
        text = f"{v:.3e}"
    else:
        # '#' keeps trailing zeros (0.5000) so a column of numbers has one precision; 1234. loses its dot.
        text = f"{v:#.4g}".rstrip(".")
    return text.replace("-", "−")


class MathCard(QWidget):
    """``show_math(m, title)`` renders z = Σ wᵢⱼ·aᵢ + b and a = f(z) for one neuron, row by row."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._math: NeuronMath | None = None
        self._title = ""
        self._rows: list[tuple[str, str]] = []
        self._numbers: dict[str, str] = {}
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # copy a number
        self.label.setContentsMargins(6, 4, 6, 4)
        # A neuron with many inputs and a short dock still shows everything: scroll rather than clip.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.setToolTip(
            "Forward propagation through one neuron: each input aᵢ times its weight wᵢⱼ, summed, plus the "
            "bias b gives z; the activation f turns z into the neuron's output a.\n"
            "Numbers are rounded to 4 significant digits for display; the sums use every input at full "
            "precision."
        )
        self.show_math(None)

    def sizeHint(self) -> QSize:
        return QSize(320, 360)

    # ---- API ------------------------------------------------------------------------------------
    def show_math(self, m: NeuronMath | None, title: str = "", input_names: list[str] | None = None) -> None:
        """The maths of ``m``; None shows how to pick a neuron. ``input_names`` label the inputs (features)."""
        self._math = m
        if m is None:
            self._show_text("", PLACEHOLDER)
            return
        self._title = title
        self._numbers = {
            "sum": fmt(m.weighted_sum),
            "bias": fmt(m.bias),
            "z": fmt(m.z),
            "a": fmt(m.output),
        }
        shown, rest = self._terms(m)
        names = [self._input_name(m, i, input_names) for i in range(len(m.inputs))]
        self._rows = [
            (names[i], f"{fmt(m.inputs[i])} · {fmt(m.weights[i])} = {fmt(m.products[i])}") for i in shown
        ]
        if len(rest):
            self._rows.append((f"… and {len(rest)} more", f"Σ = {fmt(np.sum(m.products[rest]))}"))
        self._rows += [
            ("Σ w·a", self._numbers["sum"]),
            ("+ b", self._numbers["bias"]),
            ("z", self._numbers["z"]),
            (m.activation, m.formula),
            ("f(z) = a", self._numbers["a"]),
        ]
        self.label.setText(self._html(m, title, shown, rest, names))

    def ask_for_sample(self, title: str) -> None:
        """A neuron is selected but no sample: say so under the neuron's ``title`` instead of any numbers."""
        self._math = None
        self._show_text(title, NEEDS_SAMPLE)

    def _show_text(self, title: str, text: str) -> None:
        self._rows, self._numbers, self._title = [], {}, title
        head = f"<p style='margin:0 0 4px 0'><b>{html.escape(title)}</b></p>" if title else ""
        self.label.setText(f"{head}<p style='color:{_MUTED}'>{html.escape(text)}</p>")

    def math(self) -> NeuronMath | None:
        """The maths on show, or None when the card shows a prompt."""
        return self._math

    def title(self) -> str:
        """The card's title as shown, e.g. "Neuron 1 of the hidden layer 2, test sample 17" ("" for none)."""
        return self._title

    def text(self) -> str:
        """Everything the card shows, as plain text."""
        doc = QTextDocument()
        doc.setHtml(self.label.text())
        return doc.toPlainText()

    def rows(self) -> list[tuple[str, str]]:
        """(label, displayed text) of every row, top to bottom, as rendered."""
        return list(self._rows)

    def displayed_numbers(self) -> dict[str, str]:
        """The displayed "sum", "bias", "z" and "a" (empty when nothing is shown)."""
        return dict(self._numbers)

    # ---- rendering ------------------------------------------------------------------------------
    @staticmethod
    def _terms(m: NeuronMath) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the input rows to list and of those summarised in one "… and N more" row."""
        n = len(m.products)
        if n <= MAX_ROWS:
            return np.arange(n), np.empty(0, dtype=np.intp)
        # Largest |w·a| first: those are the inputs that decide z. NaN sorts as the largest (it matters).
        order = np.argsort(-np.nan_to_num(np.abs(m.products), nan=np.inf), kind="stable")
        return order[:MAX_ROWS], np.sort(order[MAX_ROWS:])

    @staticmethod
    def _input_name(m: NeuronMath, i: int, names: list[str] | None) -> str:
        if names is not None and i < len(names):
            return names[i]
        return f"a{_sub(i)}"

    def _html(self, m: NeuronMath, title: str, shown, rest, names) -> str:
        # Scaled to this neuron's largest |w|: its strongest input shows in full colour, the rest relative to it.
        scale = palette.max_abs([np.asarray(m.weights)]) or 1.0
        cell = "style='padding:1px 6px' align='right'"
        left = "style='padding:1px 6px' align='left'"
        head = f"style='padding:1px 6px; color:{_MUTED}; border-bottom:1px solid #c0c4c8' align='right'"
        out = []
        if title:
            out.append(f"<p style='margin:0 0 4px 0'><b>{html.escape(title)}</b></p>")
        out.append("<table cellspacing='0' style='border-collapse:collapse'>")
        head_left = head.replace("align='right'", "align='left'")
        out.append(f"<tr><th {head_left}>input</th><th {head}>a</th><th {head}>w</th><th {head}>w·a</th></tr>")
        for i in shown:
            # A swatch in the weight's colour ties the row to the edge on the canvas.
            swatch = palette.qcolor(float(m.weights[i]), scale).name()
            out.append(
                f"<tr><td {left}>{html.escape(names[i])}</td><td {cell}>{fmt(m.inputs[i])}</td>"
                f"<td {cell}><span style='color:{swatch}'>■</span>&nbsp;{fmt(m.weights[i])}</td>"
                f"<td {cell}>{fmt(m.products[i])}</td></tr>"
            )
        if len(rest):
            out.append(
                f"<tr><td colspan='3' style='padding:1px 6px; color:{_MUTED}'>… and {len(rest)} more</td>"
                f"<td {cell} style='color:{_MUTED}'>{fmt(np.sum(m.products[rest]))}</td></tr>"
            )
        rule = "style='padding:3px 6px 1px 6px; border-top:1px solid #c0c4c8' align='right'"
        n = self._numbers
        out.append(f"<tr><td colspan='3' {rule}>Σ w·a =</td><td {rule}>{n['sum']}</td></tr>")
        out.append(f"<tr><td colspan='3' {cell}>+ b =</td><td {cell}>{n['bias']}</td></tr>")
        out.append(f"<tr><td colspan='3' {cell}><b>z =</b></td><td {cell}><b>{n['z']}</b></td></tr>")
        out.append("</table>")
        out.append(
            f"<p style='margin:6px 0 0 0'>{html.escape(m.activation)}: "
            f"<span style='color:{_TEXT}'>{html.escape(m.formula)}</span></p>"
            f"<p style='margin:2px 0 0 0'><b>f(z) = a = {n['a']}</b></p>"
        )
        return "".join(out)


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(i: int) -> str:
    return str(int(i)).translate(_SUBSCRIPTS)
