"""Block A: Neuron, Layer and MLP, built from Value (the lab's skeleton: write each body)."""

import random

from minigrad import Value


class Neuron:
    def __init__(self, n_in):
        # w: n_in Values drawn with random.uniform(-1, 1); b: a Value starting at 0
        raise NotImplementedError("Block A: Neuron.__init__ (its weights w and bias b)")

    def __call__(self, x):
        # tanh of (the sum of w_i * x_i, plus b), as a Value
        raise NotImplementedError("Block A: Neuron.__call__ (tanh of w·x + b)")

    def parameters(self):
        # every weight, and the bias
        raise NotImplementedError("Block A: Neuron.parameters")


class Layer:
    def __init__(self, n_in, n_out):
        # neurons: n_out Neurons, each seeing the same n_in inputs
        raise NotImplementedError("Block A: Layer.__init__ (its neurons)")

    def __call__(self, x):
        # the list of each neuron's output
        raise NotImplementedError("Block A: Layer.__call__")

    def parameters(self):
        raise NotImplementedError("Block A: Layer.parameters")


class MLP:
    def __init__(self, n_in, layer_sizes):
        # layers: one Layer per size, each fed by the one before (MLP(5, [4, 5]))
        raise NotImplementedError("Block A: MLP.__init__ (its layers)")

    def __call__(self, x):
        # the layers in a row; the last layer's outputs as a list
        raise NotImplementedError("Block A: MLP.__call__")

    def parameters(self):
        raise NotImplementedError("Block A: MLP.parameters")
