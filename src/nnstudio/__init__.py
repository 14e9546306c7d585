"""nnstudio: see and touch a neural network's weights and biases while it trains."""

__version__ = "0.1.0"
