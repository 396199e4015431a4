"""Neuron, Layer and MLP, built only from Value.

Parameters are drawn from Python's `random` layer by layer, neuron by neuron, input by
input (each neuron's weights, then its bias, which is 0): the same seed gives the same
network on every machine. `parameters()` lists them in that order.
"""

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from minigrad.scalar import Operand, Value

__all__ = ["Neuron", "Layer", "MLP"]


def _check_size(what, n):
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what} must be a whole number >= 1, got {n!r}")


def _is_number(x):  # bool is a flag, not a number
    return isinstance(x, (int, float)) and not isinstance(x, bool)


class Neuron:
    """tanh(bias + sum(w_i * x_i)), weights uniform(-init_range, init_range), bias 0."""

    def __init__(self, n_in: int, init_range: float = 1.0) -> None:
        _check_size("Neuron n_in", n_in)
        if not (_is_number(init_range) and 0 < init_range < math.inf):  # nan fails both
            raise ValueError(f"init_range must be a finite number > 0, got {init_range!r}")
        self.w = [Value(random.uniform(-init_range, init_range)) for _ in range(n_in)]
        self.b = Value(0.0)

    def __call__(self, xs: Sequence[Operand]) -> Value:
        if len(xs) != len(self.w):
            raise ValueError(f"Neuron takes {len(self.w)} inputs, got {len(xs)}")
        return Value.dot(self.w, xs, self.b).tanh()

    def parameters(self) -> list[Value]:
        """The weights in input order, then the bias."""
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)})"


class Layer:
    """n_out neurons that each see the same n_in inputs; calling it returns their outputs."""

    def __init__(self, n_in: int, n_out: int, init_range: float = 1.0) -> None:
        _check_size("Layer n_out", n_out)
        self.neurons = [Neuron(n_in, init_range) for _ in range(n_out)]

    def __call__(self, xs: Sequence[Operand]) -> list[Value]:
        return [neuron(xs) for neuron in self.neurons]

    def parameters(self) -> list[Value]:
        """Each neuron's parameters, neuron by neuron."""
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def __repr__(self) -> str:
        return f"Layer({len(self.neurons[0].w)}, {len(self.neurons)})"


class MLP:
    """Layers of tanh neurons: MLP(5, [4, 5]) is 5 inputs, 4 hidden, 5 outputs.

    Calling it returns the list of outputs, or a single Value when the last layer has one.
    """

    def __init__(self, n_in: int, layer_sizes: Iterable[int], init_range: float = 1.0) -> None:
        _check_size("MLP n_in", n_in)
        if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__iter__"):
            raise ValueError(f"layer_sizes must be a list of sizes, got {layer_sizes!r}")
        layer_sizes = list(layer_sizes)
        if not layer_sizes:
            raise ValueError("layer_sizes must list at least one layer, got []")
        for size in layer_sizes:
            _check_size(f"each of layer_sizes {layer_sizes}", size)
        self.n_in = n_in
        self.layer_sizes = layer_sizes
        self.layers = [Layer(a, b, init_range) for a, b in zip([n_in, *layer_sizes], layer_sizes)]

    def __call__(self, xs: Sequence[Operand]) -> Value | list[Value]:
        outs = self.layers[0](xs)
        for layer in self.layers[1:]:
            outs = layer(outs)
        return outs[0] if len(outs) == 1 else outs

    def parameters(self) -> list[Value]:
        """Each layer's parameters, layer by layer."""
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, Any]:
        """The parameters as plain floats: JSON-able, and exact through json.dumps/loads."""
        layers = [{"weights": [[w.data for w in n.w] for n in layer.neurons],
                   "biases": [n.b.data for n in layer.neurons]} for layer in self.layers]
        return {"n_in": self.n_in, "layer_sizes": list(self.layer_sizes), "layers": layers}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy the parameters of a state_dict() into this network; its shape must match."""
        shape = (self.n_in, self.layer_sizes)
        try:
            theirs = (state["n_in"], list(state["layer_sizes"]))
            layers = state["layers"]
        except (KeyError, TypeError) as err:
            raise ValueError(f"not an MLP state: missing or malformed {err}") from None
        if theirs != shape:
            raise ValueError(f"state is for MLP{theirs}, this network is MLP{shape}")
        if not isinstance(layers, list) or len(layers) != len(self.layers):
            raise ValueError(f"state `layers` must be a list of {len(self.layers)} layers")
        updates = []
        for i, (layer, saved) in enumerate(zip(self.layers, layers)):
            if not isinstance(saved, dict):
                raise ValueError(f"state layer {i} must be a mapping of weights and biases")
            weights, biases = saved.get("weights"), saved.get("biases")
            n_in = len(layer.neurons[0].w)
            if not (isinstance(weights, list) and isinstance(biases, list)
                    and len(weights) == len(biases) == len(layer.neurons)
                    and all(isinstance(row, list) and len(row) == n_in for row in weights)):
                raise ValueError(f"state layer {i} must hold {len(layer.neurons)} neurons of "
                                 f"{n_in} weights and a bias each")
            for neuron, row, bias in zip(layer.neurons, weights, biases):
                for param, number in zip(neuron.parameters(), [*row, bias]):
                    if not _is_number(number):
                        raise ValueError(f"state layer {i} holds a non-number {number!r}")
                    updates.append((param, float(number)))
        for param, number in updates:  # only once every value is checked: all or nothing
            param.data = number

    def __repr__(self) -> str:
        return f"MLP({self.n_in}, {self.layer_sizes})"
