"""The pure-NumPy engine: networks, activations, losses, optimizers, datasets and a training loop.

Nothing here imports Qt; scripts and notebooks can use it alone.
"""

from .activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from .datasets import DATASETS, FEATURES, PIXEL_FEATURES, dataset_available, feature_transform, make_dataset, split
from .initializers import INITIALIZERS
from .layout import ParamLayout
from .loop import Evaluation, TrainingLoop, default_loss
from .losses import LOSSES
from .network import Forward, Network
from .optimizers import SGD, Adam, Optimizer, RMSprop, make_optimizer
from .refs import ParamRef, format_value

__all__ = [
    "DATASETS",
    "FEATURES",
    "HIDDEN_ACTIVATIONS",
    "INITIALIZERS",
    "LOSSES",
    "OUTPUT_ACTIVATIONS",
    "PIXEL_FEATURES",
    "SGD",
    "Adam",
    "Evaluation",
    "Forward",
    "Network",
    "Optimizer",
    "ParamLayout",
    "ParamRef",
    "RMSprop",
    "TrainingLoop",
    "dataset_available",
    "default_loss",
    "feature_transform",
    "format_value",
    "make_dataset",
    "make_optimizer",
    "split",
]
