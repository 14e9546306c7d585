"""Names for single parameters, shared by the canvas, the editor, undo commands and the trainer."""

from __future__ import annotations

from typing import NamedTuple


class ParamRef(NamedTuple):
    """One weight W_layer[src, dst] or one bias b_layer[dst] (then ``src`` is None).

    ``layer`` indexes weight matrices, as in ``Network.get_weights()``: bias (layer, j) belongs to
    neuron j of neuron-layer layer + 1.
    """

    kind: str  # "weight" or "bias"
    layer: int
    src: int | None
    dst: int

    @classmethod
    def weight(cls, layer: int, src: int, dst: int) -> ParamRef:
        return cls("weight", layer, src, dst)

    @classmethod
    def bias(cls, layer: int, neuron: int) -> ParamRef:
        return cls("bias", layer, None, neuron)

    @property
    def is_bias(self) -> bool:
        return self.kind == "bias"

    def label(self) -> str:
        """As the canvas' tooltip names it: "weight  layer 1: neuron 2 → neuron 0"."""
        if self.is_bias:
            return f"bias  layer {self.layer}, neuron {self.dst}"
        return f"weight  layer {self.layer}: neuron {self.src} → neuron {self.dst}"

    def flat_index(self, network) -> int:
        """Position in ``network.flat_parameters()`` (its ``ParamLayout`` knows where)."""
        return network.layout.index(self)


def format_value(value: float) -> str:
    """A parameter value as the UI shows it: three decimals, a real minus sign, scientific when tiny or huge."""
    if value != 0 and (abs(value) >= 1e4 or abs(value) < 1e-3):
        text = f"{value:.3e}"
    else:
        text = f"{value:.3f}"
    return text.replace("-", "−")

