"""Training-health alerts (dead ReLUs, saturation, exploding or vanishing gradients, NaN, overfitting).

The most serious come first (errors, then overfitting, then gradients, then single neurons), and repeats of
one kind share a row ("9 saturated tanh units", the neurons listed in its tooltip): a network with many
saturated units must not push the one alert that matters out of sight.

The app re-checks health every few snapshots and usually finds the same alerts again: ``set_alerts`` then
does nothing, so the list neither flickers nor loses the user's selection and scroll position.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap, QPolygonF
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from nnstudio.engine.inspect import Alert

__all__ = ["HINTS", "KIND_ORDER", "SEVERITY_COLORS", "AlertGroup", "HealthPanel", "group_alerts", "severity_icon"]

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
    "diverged": "The loss became NaN or infinite, or grew to over 1,000× its best: the steps overshoot. "
    "Training paused and went back to the last parameters whose loss was sane. Lower the learning rate or "
    "reset.",
    "overfitting": "Test loss is rising while training loss falls: the network is memorising the training "
    "data. Add regularisation, more data, or a smaller network.",
}

# Within a severity, what matters most first: a diverged run, then memorising, then whole layers, then units.
KIND_ORDER = ("diverged", "nonfinite", "overfitting", "exploding", "vanishing", "dead_relu", "saturated")
SEVERITY_ORDER = ("error", "warning")
NEURON_KINDS = ("dead_relu", "saturated")
GROUPED_KINDS = NEURON_KINDS + ("exploding", "vanishing")  # one alert per neuron or layer: repeats share a row
# (one, many) names of what a grouped alert is about; {act} is the layer's activation.
NAMES = {
    "dead_relu": ("dead ReLU unit", "dead ReLU units"),
    "saturated": ("saturated {act} unit", "saturated {act} units"),
    "exploding": ("exploding gradient", "exploding gradients"),
    "vanishing": ("vanishing gradient", "vanishing gradients"),
    "nonfinite": ("NaN or infinite values", "NaN or infinite values"),
    "diverged": ("training diverged", "training diverged"),
    "overfitting": ("overfitting", "overfitting"),
}
# What a group's members share, after its title: the row's one line of explanation.
GROUP_TEXT = {
    "dead_relu": "they output 0 for every training sample, so their weights get no gradient.",
    "saturated": "pinned near their limits on most training samples, where the slope is almost 0, so they "
                 "barely learn.",
    "exploding": "one step can throw those weights far away.",
    "vanishing": "those weights are stuck while other layers still learn.",
}


def _rank(a: Alert) -> tuple[int, int]:
    severity = SEVERITY_ORDER.index(a.severity) if a.severity in SEVERITY_ORDER else 0  # unknown: as an error
    return severity, KIND_ORDER.index(a.kind) if a.kind in KIND_ORDER else len(KIND_ORDER)


@dataclass(frozen=True)
class AlertGroup:
    """Alerts of one kind (and, for neurons, one activation) shown as one row; a lone alert is its own group."""

    kind: str
    severity: str
    alerts: tuple[Alert, ...]
    activation: str = ""  # the neurons' activation, for "saturated tanh units"

    @property
    def title(self) -> str:
        """Short: "overfitting", "dead ReLU unit", "9 saturated tanh units"."""
        one, many = NAMES.get(self.kind, (self.kind.replace("_", " "),) * 2)
        n = len(self.alerts)
        name = (one if n == 1 else many).format(act=self.activation or "").replace("  ", " ")
        return name if n == 1 or self.kind not in GROUPED_KINDS else f"{n} {name}"

    @property
    def text(self) -> str:
        """The row: a lone alert's own message; a group's title, where, and what its members share."""
        if len(self.alerts) == 1:
            a = self.alerts[0]
            where = _where(a)
            return a.message + (f"  ({where})" if where and where not in a.message else "")
        return f"{self.title} in {_layers(self)}: {GROUP_TEXT.get(self.kind, '')}".rstrip(": ")

    @property
    def tooltip(self) -> str:
        if len(self.alerts) == 1:
            return tooltip(self.alerts[0])
        lines = [f"{self.severity.capitalize()} · {self.title}"]
        if self.kind in NEURON_KINDS:
            for k, neurons in _neurons_by_layer(self.alerts).items():
                lines.append(f"hidden layer {k}: neuron{'s' if len(neurons) > 1 else ''} "
                             + ", ".join(map(str, neurons)))
            lines.append("Double-click to select them one after another.")
        else:
            lines += [a.message for a in self.alerts]
        if self.kind in HINTS:
            lines.append(HINTS[self.kind])
        return "\n".join(lines)


def _neurons_by_layer(alerts) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for a in alerts:
        out.setdefault(a.layer, []).append(a.neuron)
    return {k: sorted(v) for k, v in sorted(out.items())}


def _layers(group: AlertGroup) -> str:
    layers = sorted({a.layer for a in group.alerts if a.layer is not None})
    word = "hidden layer" if group.kind in NEURON_KINDS else "weight layer"
    if len(layers) == 1:
        return f"{word} {layers[0]}"
    return f"{word}s " + ", ".join(map(str, layers[:-1])) + f" and {layers[-1]}"


def group_alerts(alerts, activations=None) -> list[AlertGroup]:
    """Alerts as the rows the panel shows, most serious first. ``activations[k - 1]`` names the activation of
    neuron-layer k (``Network.activations``), so saturated tanh and sigmoid units get rows of their own."""
    groups: dict[tuple, list[Alert]] = {}
    for position, a in enumerate(alerts):
        act = ""
        if a.kind in NEURON_KINDS and activations and a.layer is not None and 0 < a.layer <= len(activations):
            act = activations[a.layer - 1]
        key = (a.kind, a.severity, act) if a.kind in GROUPED_KINDS else (a.kind, a.severity, position)
        groups.setdefault(key, []).append(a)
    rows = [AlertGroup(key[0], key[1], tuple(members), key[2] if isinstance(key[2], str) else "")
            for key, members in groups.items()]
    # sorted() is stable: equal ranks keep the order the checks found them in.
    return sorted(rows, key=lambda g: _rank(g.alerts[0]))


def severity_icon(severity: str) -> QIcon:
    """A drawn sign, not a glyph (fonts without ⚠ or ⛔ would show a box): a triangle for a warning, a red disc
    for an error, a green disc for "healthy"."""
    size = 14
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(OK_COLOR if severity == "ok" else SEVERITY_COLORS.get(severity, "#5f6368")))
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
        self._activations: tuple[str, ...] = ()
        self._groups: list[AlertGroup] = []
        self._turns: dict[int, int] = {}  # row → how often it was activated: a group selects each in turn
        self._icons = {s: severity_icon(s) for s in SEVERITY_COLORS}
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
    def set_alerts(self, alerts: list[Alert], activations=None) -> None:
        """Shows ``alerts`` sorted and grouped (``group_alerts``); ``activations`` name each layer's."""
        alerts, activations = list(alerts), tuple(activations or ())
        if alerts == self._alerts and activations == self._activations:
            return  # same findings again: keep the list (and its selection) untouched
        self._alerts, self._activations = alerts, activations
        self._groups = group_alerts(alerts, activations)
        self._rebuild()

    def alerts(self) -> list[Alert]:
        """Every alert, in the order shown (a group's members together)."""
        return [a for g in self._groups for a in g.alerts]

    def groups(self) -> list[AlertGroup]:
        """The rows shown, top to bottom."""
        return list(self._groups)

    # ---- internals --------------------------------------------------------------------------------
    def _rebuild(self) -> None:
        self.list.clear()
        self._turns = {}
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
        for g in self._groups:
            item = QListWidgetItem(self._icons.get(g.severity, self._icons["error"]), g.text)
            item.setToolTip(g.tooltip)
            self.list.addItem(item)

    def _activated(self, item: QListWidgetItem) -> None:
        row = self.list.row(item)
        if 0 <= row < len(self._groups):
            members = self._groups[row].alerts
            turn = self._turns.get(row, 0)
            self._turns[row] = turn + 1
            self.alertActivated.emit(members[turn % len(members)])
