"""Blocks B and C: the tense-identity data and the training loop."""
import json
import os

from minigrad import get_logger, seed_everything
from minigrad.scalar import Value

from model import MLP

log = get_logger(__name__)

N = 5
# Block B
xs = [[Value(1.0 if j == i else 0.0) for j in range(N)] for i in range(N)]
ys = [[Value(1.0 if j == i else -1.0) for j in range(N)] for i in range(N)]


def total_loss(model, xs, ys):
    terms = []
    for x, y in zip(xs, ys):
        out = model(x)
        for o, t in zip(out, y):
            terms.append((o - t) ** 2)
    return sum(terms)


def sgd_step(model, xs, ys, lr):
    loss = total_loss(model, xs, ys)
    params = model.parameters()
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
    return loss


def main():
    seed_everything(42)
    model = MLP(5, [4, 5])
    lr, epochs = 0.05, 300
    hist = []
    for ep in range(epochs):
        loss = sgd_step(model, xs, ys, lr)
        hist.append(loss.data)
        log.info("epoch %d loss %.5f", ep, loss.data)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.plot(hist)
    plt.savefig(os.path.join(os.path.dirname(__file__), "loss.png"))
    preds = [[v.data for v in model(x)] for x in xs]
    with open(os.path.join(os.path.dirname(__file__), "predictions.json"), "w") as f:
        json.dump(preds, f)
    assert hist[-1] < 0.5


if __name__ == "__main__":
    main()
