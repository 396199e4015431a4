"""Blocks B and C: the five tenses as one-hot inputs, their targets, the loss and a step."""

from model import MLP

xs = [[1.0 if j == i else 0.0 for j in range(5)] for i in range(5)]
ys = [[1.0 if j == i else -1.0 for j in range(5)] for i in range(5)]


def total_loss(model, xs, ys):
    loss = 0.0
    for x, y in zip(xs, ys):
        out = model(x)
        for o, t in zip(out, y):
            loss = loss + (o - t) ** 2
    return loss


def sgd_step(model, xs, ys, lr):
    loss = total_loss(model, xs, ys)
    for p in model.parameters():
        p.grad = 0.0
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss.data
