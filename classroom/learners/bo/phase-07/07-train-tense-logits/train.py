"""Blocks B and C, the loss as a sum of per-example sums."""

from model import MLP

xs = []
ys = []
for i in range(5):
    xs.append([0.0] * 5)
    xs[i][i] = 1.0
    ys.append([-1.0] * 5)
    ys[i][i] = 1.0


def total_loss(model, xs, ys):
    return sum(sum((p - t) ** 2 for p, t in zip(model(x), y)) for x, y in zip(xs, ys))


def sgd_step(model, xs, ys, lr):
    params = model.parameters()
    for p in params:
        p.grad = 0.0
    loss = total_loss(model, xs, ys)
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
    return loss.data
