"""Block A with Value.dot: one node for b + sum(w_i x_i); the bias is added last here
by hand in Neuron.preact, to try another order."""

import random

from minigrad import Value


class Neuron:
    def __init__(self, n_in, init_range=1.0):
        self.w = []
        for _ in range(n_in):
            self.w.append(Value(random.uniform(-init_range, init_range)))
        self.b = Value(0.0)

    def __call__(self, x):
        total = Value.dot(self.w, x, 0.0)
        return (total + self.b).tanh()

    def parameters(self):
        return [*self.w, self.b]


class Layer:
    def __init__(self, n_in, n_out, init_range=1.0):
        self.neurons = []
        for _ in range(n_out):
            self.neurons.append(Neuron(n_in, init_range))

    def __call__(self, x):
        return [neuron(x) for neuron in self.neurons]

    def parameters(self):
        out = []
        for neuron in self.neurons:
            out.extend(neuron.parameters())
        return out


class MLP:
    def __init__(self, n_in, layer_sizes, init_range=1.0):
        self.layers = []
        for size in layer_sizes:
            self.layers.append(Layer(n_in, size, init_range))
            n_in = size

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        if len(x) == 1:
            return x[0]
        return x

    def parameters(self):
        out = []
        for layer in self.layers:
            out.extend(layer.parameters())
        return out
