"""Training-health alerts (dead ReLUs, saturation, exploding or vanishing gradients, NaN, overfitting).

The app re-checks health every few snapshots and usually finds the same alerts again: ``set_alerts`` then
does nothing, so the list neither flickers nor loses the user's selection and scroll position.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap, QPolygonF
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from nnstudio.engine.inspect import Alert

__all__ = ["HINTS", "SEVERITY_COLORS", "HealthPanel"]

# Red and amber are not the weight palette's orange/blue: severity must never read as a sign. The icon's
# shape (triangle for a warning, disc for an error) says the same for colour-blind users.
SEVERITY_COLORS = {"warning": "#e8a200", "error": "#d93025"}
OK_COLOR = "#188038"

# What each kind means and what a learner can try: the tooltip's second half.
HINTS = {
    "dead_relu": "This ReLU neuron outputs 0 for every sample, so no gradient reaches its incoming weights "
    "and it has stopped learning. Try a smaller learning rate, leaky_relu, or re-initialising.",
    "saturated": "This neuron's activation sits at its flat end (|z| large) for most samples, so its "
    "gradient is nearly 0. Smaller weights (L2), a smaller learning rate or a different activation help.",
    "exploding": "Gradients are very large: steps overshoot and the loss may jump or diverge. Lower the "
    "learning rate or add regularisation.",
    "vanishing": "Gradients reaching this layer are tiny, so its weights barely change. Fewer layers, "
    "relu-like activations or another initialisation help.",
    "nonfinite": "A value became NaN or infinite: training has diverged. Undo the last edit or reset, then "
    "lower the learning rate.",
    "overfitting": "Test loss is rising while training loss falls: the network is memorising the training "
    "data. Add regularisation, more data, or a smaller network.",
}


def _icon(severity: str) -> QIcon:
    size = 14
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(SEVERITY_COLORS.get(severity, "#5f6368")))
    if severity == "warning":
        p.drawPolygon(QPolygonF([QPointF(7, 1), QPointF(13, 13), QPointF(1, 13)]))
    else:
        p.drawEllipse(1, 1, size - 2, size - 2)
    p.end()
    return QIcon(pix)


def _where(a: Alert) -> str:
    if a.layer is None:
        return ""
    return f"layer {a.layer}" + ("" if a.neuron is None else f", neuron {a.neuron}")


def tooltip(a: Alert) -> str:
    head = f"{a.severity.capitalize()} · {a.kind.replace('_', ' ')}"
    where = _where(a)
    lines = [head + (f" · {where}" if where else ""), a.message]
    if a.kind in HINTS:
        lines.append(HINTS[a.kind])
    return "\n".join(lines)


class HealthPanel(QWidget):
    alertActivated = Signal(object)  # the Alert double-clicked (or Enter pressed on): e.g. select its neuron

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._alerts: list[Alert] = []
        self._icons = {s: _icon(s) for s in SEVERITY_COLORS}
        self.header = QLabel()
        self.header.setContentsMargins(4, 2, 4, 2)
        self.list = QListWidget()
        self.list.setAlternatingRowColors(False)
        self.list.setWordWrap(True)  # long messages wrap instead of hiding behind a horizontal scroll bar
        self.list.setUniformItemSizes(False)
        self.list.itemActivated.connect(self._activated)
        self.setToolTip("Problems found in the network while it trains. Double-click one to select its neuron.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.header)
        layout.addWidget(self.list, 1)
        self._rebuild()

    def sizeHint(self) -> QSize:
        return QSize(320, 180)

    # ---- API ------------------------------------------------------------------------------------
    def set_alerts(self, alerts: list[Alert]) -> None:
        alerts = list(alerts)
        if alerts == self._alerts:
            return  # same findings again: keep the list (and its selection) untouched
        self._alerts = alerts
        self._rebuild()

    def alerts(self) -> list[Alert]:
        return list(self._alerts)

    # ---- internals --------------------------------------------------------------------------------
    def _rebuild(self) -> None:
        self.list.clear()
        errors = sum(a.severity == "error" for a in self._alerts)
        warnings = len(self._alerts) - errors
        if not self._alerts:
            self.header.setText(f"<span style='color:{OK_COLOR}'>●</span> <b>All healthy</b>")
            self.header.setToolTip("No dead or saturated neurons, exploding or vanishing gradients, NaN, or "
                                   "overfitting found at the last check.")
        else:
            parts = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((errors, "error"), (warnings, "warning"))
                     if n]
            colour = SEVERITY_COLORS["error" if errors else "warning"]
            self.header.setText(f"<span style='color:{colour}'>●</span> <b>{', '.join(parts)}</b>")
            self.header.setToolTip("Double-click an alert to select the neuron it is about.")
        self.list.setVisible(bool(self._alerts))
        for a in self._alerts:
            where = _where(a)
            item = QListWidgetItem(self._icons.get(a.severity, self._icons["error"]),
                                   f"{a.message}" + (f"  ({where})" if where and where not in a.message else ""))
            item.setToolTip(tooltip(a))
            self.list.addItem(item)

    def _activated(self, item: QListWidgetItem) -> None:
        row = self.list.row(item)
        if 0 <= row < len(self._alerts):
            self.alertActivated.emit(self._alerts[row])
