"""The lab's train.py (Blocks B, C and D): the five tenses, SGD on them, the two bars.

    python experiments/07-train-tense-logits/train.py

trains with the lab's defaults (seed 42, MLP(5, [4, 5]), lr 0.05, 300 epochs), logs the loss
and checks the lab's bars: final loss below 0.5, every tense right. The DVC stage `train`
runs total_loss and sgd_step on params.yaml's settings.
"""

from minigrad import get_logger, seed_everything
from model import MLP

log = get_logger("train")

# Block B: one-hot inputs; targets +1 for the tense itself and -1 for the other four
TENSES = ["infinitive", "present_3sg", "past_simple", "past_participle", "future"]
xs = [[1.0 if j == i else 0.0 for j in range(5)] for i in range(5)]
ys = [[1.0 if j == i else -1.0 for j in range(5)] for i in range(5)]


def total_loss(model, xs, ys):
    """Steps 1 and 2: the predictions, then the squared errors summed over all 25 outputs."""
    preds = [model(x) for x in xs]
    return sum((p - y) ** 2 for pred, target in zip(preds, ys) for p, y in zip(pred, target))


def sgd_step(model, xs, ys, lr):
    """Steps 1 to 5 of an epoch; returns the loss before the update."""
    loss = total_loss(model, xs, ys)
    for p in model.parameters():
        p.grad = 0.0  # 3. zero the gradients: backward adds into them
    loss.backward()  # 4. d(loss)/d(p) for every parameter
    for p in model.parameters():
        p.data -= lr * p.grad  # 5. a small step downhill
    return loss.data


def train(model, lr=0.05, epochs=300):
    """Every epoch's loss; step 6 logs one epoch in ten."""
    losses = []
    for epoch in range(1, epochs + 1):
        losses.append(sgd_step(model, xs, ys, lr))
        if epoch % (epochs // 10) == 0:
            log.info(f"epoch {epoch}/{epochs}  loss {losses[-1]:.4f}")
    return losses


if __name__ == "__main__":
    seed_everything(42)
    model = MLP(5, [4, 5])
    losses = train(model)
    # Block D
    guesses = [max(range(5), key=lambda j: out[j].data) for out in map(model, xs)]
    for tense, guess in zip(TENSES, guesses):
        log.info(f"{tense} -> {TENSES[guess]}")
    assert losses[-1] < 0.5, f"final loss {losses[-1]} is not below 0.5"
    assert guesses == list(range(5)), f"predicted {guesses}, not each tense itself"
