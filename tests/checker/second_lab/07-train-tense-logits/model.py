"""Block A: a tiny MLP out of minigrad scalars (my own take)."""
import random

from minigrad.scalar import Value


class Neuron:
    def __init__(self, n_in, init_range=1.0):
        self.w = []
        for _ in range(n_in):
            self.w.append(Value(random.uniform(-init_range, init_range)))
        self.b = Value(0.0)

    def __call__(self, xs):
        pre = self.b
        for wi, xi in zip(self.w, xs):
            pre = pre + wi * xi
        return pre.tanh()

    def parameters(self):
        return self.w + [self.b]


class Layer:
    def __init__(self, n_in, n_out, init_range=1.0):
        self.neurons = [Neuron(n_in, init_range) for _ in range(n_out)]

    def __call__(self, xs):
        return [n(xs) for n in self.neurons]

    def parameters(self):
        out = []
        for n in self.neurons:
            out.extend(n.parameters())
        return out


class MLP:
    def __init__(self, n_in, layer_sizes, init_range=1.0):
        sizes = [n_in] + list(layer_sizes)
        self.layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            self.layers.append(Layer(a, b, init_range))

    def __call__(self, x):
        h = x
        for layer in self.layers:
            h = layer(h)
        return h

    def parameters(self):
        ps = []
        for layer in self.layers:
            ps += layer.parameters()
        return ps
