"""The lab's train.py (Blocks C and D): SGD on the five tenses, the loss curve, predictions.

    python experiments/07-train-tense-logits/train.py [loss.png]

trains the lab with its defaults (seed 42, MLP(5, [4, 5]), lr 0.05, 300 epochs), logs the
loss and the five predictions, draws the curve where a path is given, and checks the lab's
two bars: final loss below 0.5, every tense right. The DVC stage `train`
(stages/train.py) runs these same functions on params.yaml's settings.
"""

import sys

from minigrad import get_logger, seed_everything
from model import MLP

TENSES = ["infinitive", "present_3sg", "past_simple", "past_participle", "future"]
log = get_logger("train")


def tense_data():
    """One-hot inputs; targets +1 for the tense itself and -1 for the other four."""
    xs = [[1.0 if j == i else 0.0 for j in range(5)] for i in range(5)]
    ys = [[1.0 if j == i else -1.0 for j in range(5)] for i in range(5)]
    return xs, ys


def total_loss(model, xs, ys):
    """Steps 1 and 2: the predictions, then the squared errors summed over all 25 outputs."""
    predictions = [model(x) for x in xs]
    return sum((out - target) ** 2
               for row, targets in zip(predictions, ys) for out, target in zip(row, targets))


def sgd_step(model, xs, ys, lr):
    """Steps 1 to 5 of an epoch; returns the loss before the update."""
    loss = total_loss(model, xs, ys)
    for p in model.parameters():
        p.grad = 0.0  # 3. zero the gradients: backward adds into them
    loss.backward()  # 4. d(loss)/d(p) for every parameter
    for p in model.parameters():
        p.data -= lr * p.grad  # 5. a small step downhill
    return loss.data


def train(model, xs, ys, lr=0.05, epochs=300, step=None):
    """Every epoch's loss. `step()` runs one epoch: sgd_step by default, or the same step
    compiled by minigrad.compile (the stage's `train.engine: compiled`)."""
    step = step or (lambda: sgd_step(model, xs, ys, lr))
    losses = []
    for epoch in range(1, epochs + 1):
        losses.append(step())
        if epoch % max(1, epochs // 10) == 0:  # 6. log the epoch and its loss
            log.info(f"epoch {epoch}/{epochs}  loss {losses[-1]:.4f}")
    return losses


def predict(model, xs):
    """The index of the largest output for each input: the tense the network names."""
    return [max(range(len(out)), key=lambda j: out[j].data) for out in map(model, xs)]


def draw_loss_curve(losses, path):
    import matplotlib  # imported here: only drawing needs it

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=100)
    ax.plot(range(1, len(losses) + 1), losses, color="tab:blue")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (sum of squared errors, log scale)")
    ax.set_title(f"Training loss: final {losses[-1]:.4f} after {len(losses)} epochs")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, format="png", metadata={"Software": None})  # no version: same bytes
    plt.close(fig)


if __name__ == "__main__":
    seed_everything(42)
    xs, ys = tense_data()
    model = MLP(5, [4, 5])
    losses = train(model, xs, ys)
    guesses = predict(model, xs)
    for tense, guess in zip(TENSES, guesses):
        log.info(f"{tense} -> {TENSES[guess]}")
    if len(sys.argv) > 1:
        draw_loss_curve(losses, sys.argv[1])
    assert losses[-1] < 0.5, f"final loss {losses[-1]} is not below 0.5"
    assert guesses == list(range(5)), f"predicted {guesses}, not each tense itself"
