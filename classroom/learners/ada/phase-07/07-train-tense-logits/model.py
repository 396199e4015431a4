"""Block A: Neuron, Layer, MLP from Value; the bias starts the sum."""

import random

from minigrad import Value


class Neuron:
    def __init__(self, n_in, init_range=1.0):
        self.w = [Value(random.uniform(-init_range, init_range)) for _ in range(n_in)]
        self.b = Value(0.0)

    def __call__(self, x):
        return sum((w * xi for w, xi in zip(self.w, x)), self.b).tanh()

    def parameters(self):
        return self.w + [self.b]


class Layer:
    def __init__(self, n_in, n_out, init_range=1.0):
        self.neurons = [Neuron(n_in, init_range) for _ in range(n_out)]

    def __call__(self, x):
        return [n(x) for n in self.neurons]

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class MLP:
    def __init__(self, n_in, sizes, init_range=1.0):
        dims = [n_in] + list(sizes)
        self.layers = [Layer(dims[i], dims[i + 1], init_range) for i in range(len(sizes))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]
