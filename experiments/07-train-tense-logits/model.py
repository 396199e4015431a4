"""The lab's model.py (Block A): a neuron, a layer and a multi-layer perceptron, from Value.

    Neuron(n_in)     tanh(b + w_1 x_1 + ... + w_n x_n), weights uniform(-r, r), bias 0
    Layer(n_in, n)   n neurons that each see the same inputs
    MLP(n_in, [4, 5])  layers in a row: 5 inputs, 4 hidden, 5 outputs

This is the lab's own answer, written as the lab asks a learner to write it: every number
is a `Value`, so `loss.backward()` reaches every weight. The library's network,
`minigrad.nn` (`from minigrad.nn import MLP`), is the same network with what a library
needs on top (argument checks, `state_dict`, the sum as one n-ary `Value.dot` node). Both
draw the weights in the same order, neuron by neuron and input by input, and add the bias
first, so from the same seed they compute the same outputs and train to the same loss bit
for bit (tests/pipeline/test_lab.py holds them to it).
"""

import random

from minigrad import Value


class Neuron:
    def __init__(self, n_in, init_range=1.0):
        self.w = [Value(random.uniform(-init_range, init_range)) for _ in range(n_in)]
        self.b = Value(0.0)

    def __call__(self, x):
        # the bias first, then each weight times its input: the order Value.dot adds in
        activation = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return activation.tanh()

    def parameters(self):
        return self.w + [self.b]


class Layer:
    def __init__(self, n_in, n_out, init_range=1.0):
        self.neurons = [Neuron(n_in, init_range) for _ in range(n_out)]

    def __call__(self, x):
        return [neuron(x) for neuron in self.neurons]

    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP:
    def __init__(self, n_in, n_outs, init_range=1.0):
        sizes = [n_in] + list(n_outs)
        self.layers = [Layer(sizes[i], sizes[i + 1], init_range) for i in range(len(n_outs))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x  # a multi-output last layer returns the list

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]
