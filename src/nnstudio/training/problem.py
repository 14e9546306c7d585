"""What the user set up: data, features, architecture and hyper-parameters, and how to build it.

A ``ProblemSpec`` is a plain, immutable description (the side panel edits it, project files will save
it); ``build_problem`` turns it into data arrays, a network and a training loop.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from ..engine import Network, TrainingLoop, feature_transform, make_dataset, make_optimizer, split
from ..engine.datasets import input_dim, is_classification, n_classes
from ..engine.loop import default_loss

OPTIMIZER_CHOICES = ("sgd", "momentum", "adam", "rmsprop")
REGULARIZATION_CHOICES = ("none", "l1", "l2")
MAX_HIDDEN_LAYERS = 8
MAX_NEURONS = 32
MAX_SAMPLES = 100_000  # more would not train interactively, and caps what a hostile file can ask for
# The side panel's bounds, which every other door (command line, project and weight files, the trainer's
# commands) applies too: what the panel cannot set, nothing else can.
MAX_SEED = 2**32 - 1  # what every NumPy seeding takes (the panel draws seeds below 2**31); −1 killed the trainer
MAX_COLUMNS = 1_000  # columns of imported data, as the CSV import reads them
MAX_DATA_VALUES = 5_000_000  # numbers in imported data (40 MB); MNIST's 5,000-image subset has 3.9 million
MAX_NOISE = 0.5  # the noise slider's 50
MAX_LEARNING_RATE = 10.0  # the largest rate (and regularisation rate) offered
MAX_BATCH_SIZE = 1_000  # the batch size spin box
PIXELS = ("pixels",)  # the features of image data: every pixel is an input
COLUMNS = ("columns",)  # imported data with other than 1 or 2 columns: every column is an input
CUSTOM = "custom"  # the dataset name of imported or hand-edited data


class CustomData:
    """Imported or hand-edited data: read-only arrays, compared by content (a digest), so specs stay comparable."""

    def __init__(self, X, y, classification: bool, name: str = "custom", class_names=None):
        X = np.array(X, dtype=np.float64, copy=True)
        y = np.array(y, dtype=np.int64 if classification else np.float64, copy=True)
        if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1 or y.shape != (X.shape[0],):
            raise ValueError(f"custom data needs X of shape (n, d) and y of shape (n,), got {X.shape} and {y.shape}")
        if X.shape[0] > MAX_SAMPLES:
            raise ValueError(f"custom data has {X.shape[0]:,} samples; at most {MAX_SAMPLES:,} are supported")
        check_data_shape(X.shape)
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
            raise ValueError("custom data contains NaN or inf")
        if classification and (y.min() < 0 or len(np.unique(y)) < 2 or y.max() >= 10):
            raise ValueError("custom classification data needs at least 2 classes, numbered 0…9")
        X.setflags(write=False)
        y.setflags(write=False)
        self.X, self.y, self.classification, self.name = X, y, bool(classification), str(name)
        self.class_names = list(class_names) if class_names is not None else None
        import hashlib

        digest = hashlib.sha1(X.tobytes())
        digest.update(y.tobytes())
        digest.update(b"c" if classification else b"r")
        self.digest = digest.hexdigest()

    @property
    def n_classes(self) -> int:
        return int(self.y.max()) + 1 if self.classification else 0

    def __eq__(self, other):
        return isinstance(other, CustomData) and other.digest == self.digest

    def __hash__(self):
        return hash(self.digest)

    def __repr__(self):
        return f"CustomData({self.name!r}, {self.X.shape[0]} samples × {self.X.shape[1]})"


def check_data_shape(shape) -> None:
    """Raises ValueError unless imported data of ``shape`` (samples, columns) fits what the studio trains on;
    readers call it with a file's declared shape before they allocate anything."""
    n, d = shape
    if not 1 <= n <= MAX_SAMPLES or not 1 <= d <= MAX_COLUMNS:
        raise ValueError(f"imported data must have 1…{MAX_SAMPLES:,} samples of 1…{MAX_COLUMNS:,} columns, "
                         f"not {n:,} × {d:,}")
    if n * d > MAX_DATA_VALUES:
        raise ValueError(f"imported data has {n * d:,} values ({n:,} × {d:,}); at most {MAX_DATA_VALUES:,} "
                         "are supported")


def _whole(value, name: str, high: int, low: int = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low:,} to {high:,}, got {value!r:.40}")


def _number(value, name: str, low: float, high: float, low_open: bool = False) -> None:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not (low < value <= high if low_open else low <= value <= high):
        raise ValueError(f"{name} must be in {'(' if low_open else '['}{low:g}, {high:g}], got {value!r:.40}")


# Datasets whose own learning rate is not playground's 0.03. Line's targets are prices of 200–800 (y = 200·x +
# 100, the single-neuron lesson), so its gradients are hundreds of times playground's: at 0.03 a hidden ReLU
# layer blows up (loss 1e7–1e11, weights ±1e4–1e9). At 0.003 the [1, 1] network still fits w = 200, b = 100
# exactly (loss < 1% of the variance by step ~100) and the default hidden layers stay sane, though with SGD on
# these unscaled prices they learn little more than the mean. (Digits' rate is its preset's, for Adam.)
DATASET_LEARNING_RATES = {"line": 0.003, "digits": 0.003}


def default_learning_rate(dataset: str) -> float:
    """The learning rate a dataset starts with (the side panel switches to it with the dataset)."""
    return DATASET_LEARNING_RATES.get(dataset, ProblemSpec.learning_rate)


def digits_preset(spec: ProblemSpec) -> ProblemSpec:
    """What the digits dataset needs to learn well: all 1,797 images, pixels as inputs, one wider layer, Adam."""
    return spec.replace(dataset="digits", custom=None, n_samples=1797, features=PIXELS, hidden=(32,), optimizer="adam",
                        learning_rate=default_learning_rate("digits"), batch_size=32, output_activation=None,
                        loss=None, train_fraction=0.7)


@dataclass(frozen=True)
class ProblemSpec:
    dataset: str = "circle"
    n_samples: int = 500
    noise: float = 0.0
    train_fraction: float = 0.5
    data_seed: int = 1
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    output_activation: str | None = None  # None: chosen from the dataset
    loss: str | None = None  # None: chosen from the output activation
    init: str = "glorot_uniform"
    seed: int = 0
    learning_rate: float = 0.03
    batch_size: int = 10
    optimizer: str = "sgd"
    regularization: str = "none"
    regularization_rate: float = 0.0
    custom: CustomData | None = None  # the data when dataset == "custom"; saved beside the spec, not in to_dict

    def replace(self, **changes) -> ProblemSpec:
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain JSON-able values (tuples become lists)."""
        d = asdict(self)
        d.pop("custom")
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    @classmethod
    def from_dict(cls, d: dict, custom: CustomData | None = None) -> ProblemSpec:
        """The inverse of to_dict, for files: unknown keys and wrong types raise ValueError naming the key.
        Imported data (dataset "custom") comes separately as ``custom``."""
        if not isinstance(d, dict):
            raise ValueError("the problem settings must be a JSON object")
        defaults = cls()
        known = {f for f in defaults.to_dict()}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown problem setting(s): {', '.join(map(str, unknown))}")
        values = {}
        for key, value in d.items():
            default = getattr(defaults, key)
            if isinstance(default, tuple):
                if not isinstance(value, list):
                    raise ValueError(f"problem setting {key!r} must be a list")
                value = tuple(value)
                kind = str if key == "features" else int
                if any(isinstance(v, bool) or not isinstance(v, kind) for v in value):
                    raise ValueError(f"problem setting {key!r} must hold {kind.__name__}s")
            elif key in ("output_activation", "loss"):
                if value is not None and not isinstance(value, str):
                    raise ValueError(f"problem setting {key!r} must be a name or null")
            elif isinstance(default, bool) or isinstance(value, bool):
                raise ValueError(f"problem setting {key!r} has the wrong type")
            elif isinstance(default, int) and not isinstance(default, bool):
                if not isinstance(value, int):
                    raise ValueError(f"problem setting {key!r} must be a whole number")
            elif isinstance(default, float):
                if not isinstance(value, (int, float)) or value != value or value in (float("inf"), float("-inf")):
                    raise ValueError(f"problem setting {key!r} must be a finite number")
                value = float(value)
            elif isinstance(default, str) and not isinstance(value, str):
                raise ValueError(f"problem setting {key!r} must be text")
            values[key] = value
        spec = cls(**values, custom=custom)
        spec.validate()
        return spec

    # ---- derived choices ---------------------------------------------------------------------
    @property
    def classification(self) -> bool:
        return self.custom.classification if self.custom is not None else is_classification(self.dataset)

    @property
    def input_dim(self) -> int:
        """Columns of the raw data (before features)."""
        return self.custom.X.shape[1] if self.custom is not None else input_dim(self.dataset)

    @property
    def n_outputs(self) -> int:
        """One output per class (softmax), except that two classes get a single sigmoid output unless the
        user chose softmax: then two, since a lone softmax output is always 1."""
        k = self.custom.n_classes if self.custom is not None else n_classes(self.dataset)
        if k == 2 and self.output_activation == "softmax":
            return 2
        return k if k > 2 else 1

    @property
    def resolved_output_activation(self) -> str:
        if self.output_activation:
            return self.output_activation
        if not self.classification:
            return "linear"
        return "softmax" if self.n_outputs > 1 else "sigmoid"

    @property
    def resolved_loss(self) -> str:
        return self.loss or default_loss(self.resolved_output_activation)

    @property
    def n_inputs(self) -> int:
        """Input neurons: one per feature, or one per pixel for image data."""
        return self.input_dim if self.features in (PIXELS, COLUMNS) else len(self.features)

    @property
    def sizes(self) -> list[int]:
        return [self.n_inputs, *self.hidden, self.n_outputs]

    @property
    def l1(self) -> float:
        return self.regularization_rate if self.regularization == "l1" else 0.0

    @property
    def l2(self) -> float:
        return self.regularization_rate if self.regularization == "l2" else 0.0

    def network_config(self) -> tuple:
        """What, when it changes, needs a new network (and so resets the weights)."""
        return (tuple(self.sizes), self.activation, self.resolved_output_activation, self.init)

    def data_config(self) -> tuple:
        return (self.dataset, self.custom, self.n_samples, self.noise, self.train_fraction, self.data_seed,
                self.features)

    def validate(self) -> None:
        """Raises ValueError naming the first problem; building would fail the same way.

        The bounds are the side panel's, checked before anything is built, so a spec from a file or a script
        costs no more to refuse than one from the panel."""
        _whole(self.seed, "seed", MAX_SEED)
        _whole(self.data_seed, "data_seed", MAX_SEED)
        _whole(self.n_samples, "n_samples", MAX_SAMPLES, low=1)
        _whole(self.batch_size, "batch_size", MAX_BATCH_SIZE, low=1)
        _number(self.noise, "noise", 0.0, MAX_NOISE)
        _number(self.train_fraction, "train_fraction", 0.0, 1.0, low_open=True)
        _number(self.learning_rate, "learning_rate", 0.0, MAX_LEARNING_RATE, low_open=True)
        _number(self.regularization_rate, "regularization_rate", 0.0, MAX_LEARNING_RATE)
        if self.optimizer not in OPTIMIZER_CHOICES:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of: {', '.join(OPTIMIZER_CHOICES)}")
        if self.regularization not in REGULARIZATION_CHOICES:
            raise ValueError(f"unknown regularization {self.regularization!r}; choose none, l1 or l2")
        hidden = tuple(self.hidden)
        if len(hidden) > MAX_HIDDEN_LAYERS or any(isinstance(n, bool) or not isinstance(n, (int, np.integer))
                                                  or not 1 <= n <= MAX_NEURONS for n in hidden):
            raise ValueError(f"up to {MAX_HIDDEN_LAYERS} hidden layers of 1–{MAX_NEURONS} neurons")
        if len(set(self.features)) != len(self.features):
            raise ValueError(f"features must be distinct, got {list(self.features)!r:.80}")
        if (self.dataset == CUSTOM) != (self.custom is not None):
            raise ValueError('imported data needs dataset "custom", and dataset "custom" needs the data')
        if self.custom is None:
            input_dim(self.dataset)  # unknown dataset names raise here
        else:
            check_data_shape(self.custom.X.shape)
        Network(self.sizes, self.activation, self.resolved_output_activation, init=self.init).loss_function(
            self.resolved_loss
        )
        features_of(np.zeros((1, self.input_dim)), self.features)  # features that cannot be made from this data
        if self.resolved_loss in ("binary_crossentropy", "categorical_crossentropy") and not self.classification:
            raise ValueError(f"{self.resolved_loss} needs classification data (class labels); "
                             f"{self.dataset} is regression: use mse")


def make_optimizer_for(spec: ProblemSpec):
    if spec.optimizer == "momentum":
        return make_optimizer("sgd", learning_rate=spec.learning_rate, momentum=0.9)
    return make_optimizer(spec.optimizer, learning_rate=spec.learning_rate)


@dataclass(frozen=True)
class ProblemData:
    """Raw (untransformed) and feature-transformed data of one spec; arrays are read-only."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    F_train: np.ndarray
    F_test: np.ndarray


def _frozen(*arrays):
    for a in arrays:
        a.setflags(write=False)
    return arrays


def features_of(X: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    """The network's inputs for raw data X: playground features, or the columns themselves."""
    if features == COLUMNS:
        return np.ascontiguousarray(X, dtype=np.float64)
    if not len(X):
        return np.empty((0, X.shape[1] if features == PIXELS else len(features)))
    return feature_transform(X, features)


def make_data(spec: ProblemSpec) -> ProblemData:
    if spec.custom is not None:
        X, y = np.array(spec.custom.X), np.array(spec.custom.y)
    else:
        X, y = make_dataset(spec.dataset, spec.n_samples, spec.noise, spec.data_seed)
    X_train, y_train, X_test, y_test = split(X, y, spec.train_fraction, spec.data_seed)
    F_train, F_test = features_of(X_train, spec.features), features_of(X_test, spec.features)
    return ProblemData(*_frozen(X_train, y_train, X_test, y_test, F_train, F_test))


def build_network(spec: ProblemSpec, seed: int | None = None) -> Network:
    return Network(
        spec.sizes, spec.activation, spec.resolved_output_activation, seed=spec.seed if seed is None else seed,
        init=spec.init,
    )


def build_loop(spec: ProblemSpec, network: Network, data: ProblemData, loop_seed: int = 0) -> TrainingLoop:
    return TrainingLoop(
        network, data.F_train, data.y_train, data.F_test, data.y_test,
        optimizer=make_optimizer_for(spec), loss=spec.resolved_loss, l1=spec.l1, l2=spec.l2,
        batch_size=spec.batch_size, seed=loop_seed,
    )


def fresh_seed() -> int:
    """A new random seed for Reset with new seed and Regenerate (below 2**31, as the panel shows seeds). The one
    place the app draws one, so a test can make these draws repeatable."""
    return int(np.random.default_rng().integers(0, 2**31 - 1))
