"""Blocks B and C: the tense-identity dataset and the training loop."""
from minigrad import Value, get_logger, seed_everything

from model import MLP

log = get_logger(__name__)

TENSES = ["infinitive", "present_3sg", "past_simple", "past_participle", "future"]

# Block B: one-hot inputs, {-1, 1} targets ("which tense of *work* is this?")
ONE_HOT = [
    [1, 0, 0, 0, 0],  # infinitive       (to) work
    [0, 1, 0, 0, 0],  # present 3sg      works
    [0, 0, 1, 0, 0],  # past simple      worked
    [0, 0, 0, 1, 0],  # past participle  worked
    [0, 0, 0, 0, 1],  # future           will work
]
xs = [[Value(float(bit)) for bit in row] for row in ONE_HOT]
ys = [[Value(1.0 if bit == 1 else -1.0) for bit in row] for row in ONE_HOT]


def total_loss(model, xs, ys):
    preds = [model(x) for x in xs]
    loss = sum((p - y) ** 2 for pred, target in zip(preds, ys) for p, y in zip(pred, target))
    return loss


def sgd_step(model, xs, ys, lr):
    loss = total_loss(model, xs, ys)
    for p in model.parameters():
        p.grad = 0.0
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss


def argmax(values):
    return max(range(len(values)), key=lambda i: values[i].data)


if __name__ == "__main__":
    seed_everything(42)
    model = MLP(5, [4, 5])
    lr, n_epochs = 0.05, 300
    losses = []
    for epoch in range(n_epochs):
        loss = sgd_step(model, xs, ys, lr)
        losses.append(loss.data)
        log.info("epoch %d loss %.6f", epoch, loss.data)
    correct = sum(argmax(model(x)) == i for i, x in enumerate(xs))
    log.info("final loss %.6f, %d/5 correct", losses[-1], correct)
