"""The side panel that sets the problem: data, features, layers, activations, loss and training settings.

It edits a ProblemSpec and emits ``specChanged`` with the new one; the trainer decides what that
resets (only a change of the network's shape does).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..engine import DATASETS, FEATURES, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from ..engine.datasets import dataset_available, input_dim
from ..engine.losses import LOSSES
from ..training.problem import (
    COLUMNS,
    CUSTOM,
    MAX_HIDDEN_LAYERS,
    MAX_NEURONS,
    PIXELS,
    ProblemSpec,
    default_learning_rate,
    digits_preset,
)

LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REG_RATES = (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
DEFAULT_REG_RATE = 0.01  # Keras' default for its l1 and l2 regularizers: visible within a lesson, not crushing
OPTIMIZERS = (("SGD", "sgd"), ("Momentum (0.9)", "momentum"), ("Adam", "adam"), ("RMSprop", "rmsprop"))
ONE_D_FEATURES = ("x1", "x1^2", "sin(x1)")
FEATURE_LABELS = {"x1": "x₁", "x2": "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1*x2": "x₁x₂",
                  "sin(x1)": "sin(x₁)", "sin(x2)": "sin(x₂)"}


def _combo(items, tooltip):
    box = QComboBox()
    for text, data in items:
        box.addItem(text, data)
    box.setToolTip(tooltip)
    return box


def _select(box: QComboBox, data):
    i = box.findData(data)
    box.setCurrentIndex(max(i, 0))


class ControlPanel(QWidget):
    specChanged = Signal(object)
    regenerateRequested = Signal()

    def __init__(self, spec: ProblemSpec, parent=None):
        super().__init__(parent)
        self._spec = spec
        self._custom = spec.custom
        self._updating = False
        layout = QVBoxLayout(self)
        layout.addWidget(self._data_group())
        layout.addWidget(self._features_group())
        layout.addWidget(self._network_group())
        layout.addWidget(self._training_group())
        layout.addStretch(1)
        self.set_spec(spec)

    # ---- building ----------------------------------------------------------------------------
    def _data_group(self):
        box = QGroupBox("Data")
        form = QFormLayout(box)
        self.dataset = _combo([(n, n) for n in DATASETS], "Which problem to learn (TensorFlow Playground's and more)")
        for k, name in enumerate(DATASETS):
            available, why = dataset_available(name)
            if not available:  # e.g. digits without scikit-learn: visible, greyed out, and says why
                self.dataset.model().item(k).setEnabled(False)
                self.dataset.setItemData(k, why, Qt.ToolTipRole)
                self.dataset.setItemText(k, f"{name} (needs scikit-learn)")
        self.noise = QSlider(Qt.Horizontal)
        self.noise.setRange(0, 50)
        self.noise.setToolTip("Noise, as in TF Playground (0–50)")
        self.noise_label = QLabel()
        self.train_fraction = QSlider(Qt.Horizontal)
        self.train_fraction.setRange(10, 90)
        self.train_fraction.setToolTip("Share of the points used for training; the rest is the test set")
        self.train_label = QLabel()
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setToolTip("Draw new random data points (keeps the network's weights)")
        form.addRow("Dataset", self.dataset)
        form.addRow("Noise", self._with_label(self.noise, self.noise_label))
        form.addRow("Train", self._with_label(self.train_fraction, self.train_label))
        form.addRow(self.regenerate)
        self.dataset.currentIndexChanged.connect(self._changed)
        self.noise.valueChanged.connect(self._changed)
        self.train_fraction.valueChanged.connect(self._changed)
        self.regenerate.clicked.connect(self.regenerateRequested)
        return box

    @staticmethod
    def _with_label(slider, label):
        w = QWidget()
        row = QHBoxLayout(w)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(slider, 1)
        label.setMinimumWidth(36)
        row.addWidget(label)
        return w

    def _features_group(self):
        box = QGroupBox("Input features")
        self.features_box = box
        grid = QGridLayout(box)
        self.features = {}
        positions = {"x1": (0, 0), "x2": (0, 1), "x1^2": (1, 0), "x2^2": (1, 1), "x1*x2": (2, 0),
                     "sin(x1)": (3, 0), "sin(x2)": (3, 1)}
        for name in FEATURES:
            cb = QCheckBox(FEATURE_LABELS[name])
            cb.setToolTip(f"Feed {name} to the network as an input neuron")
            cb.toggled.connect(self._changed)
            self.features[name] = cb
            grid.addWidget(cb, *positions[name])
        return box

    def _network_group(self):
        box = QGroupBox("Network")
        v = QVBoxLayout(box)
        row = QHBoxLayout()
        self.layers_label = QLabel()
        self.add_layer = QToolButton(text="+", toolTip="Add a hidden layer")
        self.remove_layer = QToolButton(text="−", toolTip="Remove the last hidden layer")
        row.addWidget(self.remove_layer)
        row.addWidget(self.add_layer)
        row.addWidget(self.layers_label, 1)
        v.addLayout(row)
        self.neuron_rows = QVBoxLayout()
        v.addLayout(self.neuron_rows)
        form = QFormLayout()
        self.activation = _combo([(a, a) for a in HIDDEN_ACTIVATIONS], "Activation of every hidden neuron")
        self.output_activation = _combo([("auto", None)] + [(a, a) for a in OUTPUT_ACTIVATIONS],
                                        "Output activation; auto picks sigmoid, softmax or linear from the data")
        self.loss = _combo([("auto", None)] + [(n, n) for n in LOSSES],
                           "Loss; auto picks cross-entropy for sigmoid/softmax outputs, else mse")
        form.addRow("Activation", self.activation)
        form.addRow("Output", self.output_activation)
        form.addRow("Loss", self.loss)
        v.addLayout(form)
        self.add_layer.clicked.connect(lambda: self._edit_hidden(lambda h: h + [4]))
        self.remove_layer.clicked.connect(lambda: self._edit_hidden(lambda h: h[:-1]))
        for w in (self.activation, self.output_activation, self.loss):
            w.currentIndexChanged.connect(self._changed)
        return box

    def _training_group(self):
        box = QGroupBox("Training")
        form = QFormLayout(box)
        self.learning_rate = _combo([(f"{r:g}", r) for r in LEARNING_RATES], "Learning rate (step size)")
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 1000)
        self.batch_size.setToolTip("Samples per mini-batch step")
        self.optimizer = _combo(OPTIMIZERS, "How gradients become updates")
        self.regularization = _combo([("None", "none"), ("L1", "l1"), ("L2", "l2")],
                                     "Penalty that keeps weights small (never applied to biases)")
        self.reg_rate = _combo([(f"{r:g}", r) for r in REG_RATES], "Regularisation rate")
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Regularisation", self.regularization)
        form.addRow("Rate", self.reg_rate)
        for w in (self.learning_rate, self.optimizer, self.reg_rate):
            w.currentIndexChanged.connect(self._changed)
        self.regularization.currentIndexChanged.connect(self._regularization_chosen)
        self.batch_size.valueChanged.connect(self._changed)
        return box

    def _regularization_chosen(self, *_):
        # A penalty at rate 0 does nothing: turning L1 or L2 on picks a rate, unless the user chose one before.
        if not self._updating and self.regularization.currentData() != "none" and self.reg_rate.currentData() == 0:
            self.reg_rate.blockSignals(True)
            _select(self.reg_rate, DEFAULT_REG_RATE)
            self.reg_rate.blockSignals(False)
        self._changed()

    # ---- state -------------------------------------------------------------------------------
    def spec(self) -> ProblemSpec:
        return self._spec

    def set_spec(self, spec: ProblemSpec) -> None:
        """Show a spec without emitting specChanged."""
        self._updating = True
        try:
            self._spec = spec
            if spec.custom is not None:
                self._custom = spec.custom
            self._show_custom_entry()
            _select(self.dataset, spec.dataset)
            self.noise.setValue(round(spec.noise * 100))
            self.noise_label.setText(str(round(spec.noise * 100)))
            self.train_fraction.setValue(round(spec.train_fraction * 100))
            self.train_label.setText(f"{round(spec.train_fraction * 100)}%")
            one_d = spec.input_dim == 1
            raw = spec.features in (PIXELS, COLUMNS)
            for name, cb in self.features.items():
                cb.setEnabled(not raw and (not one_d or name in ONE_D_FEATURES))
                cb.setChecked(name in spec.features)
            self.features_box.setTitle("Input features (every pixel is an input)" if spec.features == PIXELS else
                                       "Input features (every column is an input)" if raw else "Input features")
            self._show_hidden(spec.hidden)
            _select(self.activation, spec.activation)
            _select(self.output_activation, spec.output_activation)
            auto_output = spec.replace(output_activation=None).resolved_output_activation
            self.output_activation.setItemText(0, f"auto ({auto_output})")
            self._show_losses(spec)
            _select(self.learning_rate, spec.learning_rate)
            if self.learning_rate.findData(spec.learning_rate) < 0:
                self.learning_rate.addItem(f"{spec.learning_rate:g}", spec.learning_rate)
                _select(self.learning_rate, spec.learning_rate)
            self.batch_size.setValue(spec.batch_size)
            _select(self.optimizer, spec.optimizer)
            _select(self.regularization, spec.regularization)
            _select(self.reg_rate, spec.regularization_rate)
            self.reg_rate.setEnabled(spec.regularization != "none")
        finally:
            self._updating = False

    def _show_losses(self, spec):
        out = spec.resolved_output_activation
        allowed = [n for n, loss in LOSSES.items() if loss.needs_output in (None, out)]
        self.loss.blockSignals(True)
        self.loss.clear()
        self.loss.addItem(f"auto ({ProblemSpec(output_activation=out).resolved_loss})", None)
        for n in allowed:
            self.loss.addItem(n, n)
        _select(self.loss, spec.loss if spec.loss in allowed else None)
        self.loss.blockSignals(False)

    def _show_hidden(self, hidden):
        while self.neuron_rows.count():
            item = self.neuron_rows.takeAt(0)
            item.widget().deleteLater()
        for k, n in enumerate(hidden):
            row = QWidget()
            h = QHBoxLayout(row)
            h.setContentsMargins(0, 0, 0, 0)
            minus = QToolButton(text="−", toolTip=f"One neuron fewer in hidden layer {k + 1}")
            plus = QToolButton(text="+", toolTip=f"One neuron more in hidden layer {k + 1}")
            minus.setEnabled(n > 1)
            plus.setEnabled(n < MAX_NEURONS)
            minus.clicked.connect(lambda _=False, k=k: self._edit_hidden(lambda hidden: _bump(hidden, k, -1)))
            plus.clicked.connect(lambda _=False, k=k: self._edit_hidden(lambda hidden: _bump(hidden, k, +1)))
            h.addWidget(minus)
            h.addWidget(plus)
            h.addWidget(QLabel(f"layer {k + 1}: {n} neuron{'s' if n != 1 else ''}"), 1)
            self.neuron_rows.addWidget(row)
        self.layers_label.setText(f"{len(hidden)} hidden layer{'s' if len(hidden) != 1 else ''}")
        self.add_layer.setEnabled(len(hidden) < MAX_HIDDEN_LAYERS)
        self.remove_layer.setEnabled(len(hidden) > 0)

    def _show_custom_entry(self):
        """The dataset list offers "custom" once data was imported or edited by hand."""
        k = self.dataset.findData(CUSTOM)
        if self._custom is None:
            if k >= 0:
                self.dataset.removeItem(k)
            return
        label = f"{self._custom.name} (imported)"
        if k < 0:
            self.dataset.addItem(label, CUSTOM)
        else:
            self.dataset.setItemText(k, label)

    def _edit_hidden(self, change):
        self._emit(self._spec.replace(hidden=tuple(change(list(self._spec.hidden)))))

    def _changed(self, *_):
        if self._updating:
            return
        dataset = self.dataset.currentData()
        custom = self._custom if dataset == CUSTOM else None
        if dataset != self._spec.dataset:
            if dataset == "digits":
                self._emit(digits_preset(self._spec))
                return
            if CUSTOM in (dataset, self._spec.dataset):
                self._emit(_switch_data(self._spec, dataset, custom))
                return
            if self._spec.dataset == "digits":
                self._emit(_leave_digits(self._spec, dataset))
                return
        features = tuple(n for n in FEATURES if self.features[n].isChecked() and self.features[n].isEnabled())
        if self._spec.features in (PIXELS, COLUMNS):
            features = self._spec.features
        elif dataset != self._spec.dataset and input_dim(dataset) != self._spec.input_dim:
            features = ("x1",) if input_dim(dataset) == 1 else ("x1", "x2")
        if not features:
            features = self._spec.features  # at least one input: undo the last untick
        output = self.output_activation.currentData()
        if dataset != self._spec.dataset:
            output = None  # the new data decides the output unless the user picks again
        spec = self._spec.replace(
            dataset=dataset, noise=self.noise.value() / 100, train_fraction=self.train_fraction.value() / 100,
            features=features, activation=self.activation.currentData(), output_activation=output,
            loss=self.loss.currentData() if output == self._spec.output_activation and dataset == self._spec.dataset
            else None,  # new data decides the loss too: a classification loss cannot train a regression
            learning_rate=_rate_for(self._spec, dataset, self.learning_rate.currentData()),
            batch_size=self.batch_size.value(),
            optimizer=self.optimizer.currentData(), regularization=self.regularization.currentData(),
            regularization_rate=self.reg_rate.currentData(),
        )
        self._emit(spec)

    def _emit(self, spec):
        self.set_spec(spec)
        self.specChanged.emit(spec)


def _switch_data(spec: ProblemSpec, dataset: str, custom) -> ProblemSpec:
    """To or from imported data: features that fit its columns; the network keeps its hidden layers."""
    dim = custom.X.shape[1] if custom is not None else input_dim(dataset)
    features = ("x1",) if dim == 1 else ("x1", "x2") if dim == 2 else COLUMNS
    return spec.replace(dataset=dataset, custom=custom, features=features, output_activation=None, loss=None,
                        learning_rate=_rate_for(spec, dataset, spec.learning_rate))


def _leave_digits(spec: ProblemSpec, dataset: str) -> ProblemSpec:
    """From images back to a playground problem: playground's defaults again."""
    defaults = ProblemSpec()
    return spec.replace(dataset=dataset, features=("x1",) if input_dim(dataset) == 1 else defaults.features,
                        n_samples=defaults.n_samples, hidden=defaults.hidden, optimizer=defaults.optimizer,
                        learning_rate=default_learning_rate(dataset), batch_size=defaults.batch_size,
                        train_fraction=defaults.train_fraction, output_activation=None, loss=None)


def _rate_for(spec: ProblemSpec, dataset: str, rate: float) -> float:
    """The new dataset's own learning rate, unless the user had chosen another than the old one's."""
    return default_learning_rate(dataset) if rate == default_learning_rate(spec.dataset) else rate


def _bump(hidden, k, delta):
    hidden[k] = min(MAX_NEURONS, max(1, hidden[k] + delta))
    return hidden
