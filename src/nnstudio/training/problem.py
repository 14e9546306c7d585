"""What the user set up: data, features, architecture and hyper-parameters, and how to build it.

A ``ProblemSpec`` is a plain, immutable description (the side panel edits it, project files will save
it); ``build_problem`` turns it into data arrays, a network and a training loop.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np

from ..engine import Network, TrainingLoop, feature_transform, make_dataset, make_optimizer, split
from ..engine.datasets import input_dim, is_classification, n_classes
from ..engine.loop import default_loss

OPTIMIZER_CHOICES = ("sgd", "momentum", "adam", "rmsprop")
REGULARIZATION_CHOICES = ("none", "l1", "l2")
MAX_HIDDEN_LAYERS = 8
MAX_NEURONS = 32
MAX_SAMPLES = 100_000  # more would not train interactively, and caps what a hostile file can ask for
PIXELS = ("pixels",)  # the features of image data: every pixel is an input


def digits_preset(spec: ProblemSpec) -> ProblemSpec:
    """What the digits dataset needs to learn well: all 1,797 images, pixels as inputs, one wider layer, Adam."""
    return spec.replace(dataset="digits", n_samples=1797, features=PIXELS, hidden=(32,), optimizer="adam",
                        learning_rate=0.003, batch_size=32, output_activation=None, loss=None, train_fraction=0.7)


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
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def replace(self, **changes) -> ProblemSpec:
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain JSON-able values (tuples become lists)."""
        d = asdict(self)
        d.pop("extra")
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    @classmethod
    def from_dict(cls, d: dict) -> ProblemSpec:
        """The inverse of to_dict, for files: unknown keys and wrong types raise ValueError naming the key."""
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
        spec = cls(**values)
        spec.validate()
        return spec

    # ---- derived choices ---------------------------------------------------------------------
    @property
    def classification(self) -> bool:
        return is_classification(self.dataset)

    @property
    def n_outputs(self) -> int:
        k = n_classes(self.dataset)
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
        return input_dim(self.dataset) if self.features == PIXELS else len(self.features)

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
        return (self.dataset, self.n_samples, self.noise, self.train_fraction, self.data_seed, self.features)

    def validate(self) -> None:
        """Raises ValueError naming the first problem; building would fail the same way."""
        checks = [
            (1 <= self.n_samples <= MAX_SAMPLES, f"n_samples must be 1…{MAX_SAMPLES:,}"),
            (0.0 <= self.noise <= 1.0, "noise must be between 0 and 1"),
            (0.0 < self.train_fraction <= 1.0, "train_fraction must be in (0, 1]"),
            (0.0 < self.learning_rate <= 100.0, "learning_rate must be in (0, 100]"),
            (1 <= self.batch_size <= MAX_SAMPLES, f"batch_size must be 1…{MAX_SAMPLES:,}"),
            (0.0 <= self.regularization_rate <= 100.0, "regularization_rate must be in [0, 100]"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)
        if self.optimizer not in OPTIMIZER_CHOICES:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of: {', '.join(OPTIMIZER_CHOICES)}")
        if self.regularization not in REGULARIZATION_CHOICES:
            raise ValueError(f"unknown regularization {self.regularization!r}; choose none, l1 or l2")
        if len(self.hidden) > MAX_HIDDEN_LAYERS or any(not 1 <= n <= MAX_NEURONS for n in self.hidden):
            raise ValueError(f"up to {MAX_HIDDEN_LAYERS} hidden layers of 1–{MAX_NEURONS} neurons")
        input_dim(self.dataset)  # unknown dataset names raise here
        Network(self.sizes, self.activation, self.resolved_output_activation, init=self.init).loss_function(
            self.resolved_loss
        )


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


def make_data(spec: ProblemSpec) -> ProblemData:
    X, y = make_dataset(spec.dataset, spec.n_samples, spec.noise, spec.data_seed)
    X_train, y_train, X_test, y_test = split(X, y, spec.train_fraction, spec.data_seed)
    F_train = feature_transform(X_train, spec.features)
    F_test = feature_transform(X_test, spec.features) if len(X_test) else np.empty((0, len(spec.features)))
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
