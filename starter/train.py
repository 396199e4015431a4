"""Blocks B to D: the data, the training loop and its checks (the lab's skeleton).

The pipeline imports this file and calls xs, ys, total_loss and sgd_step; keep the loop
itself in train() or under `if __name__ == "__main__":`, so that importing does not train.
"""

from minigrad import Value, get_logger, seed_everything
from model import MLP

log = get_logger("train")

# Block B: the five one-hot tense inputs, and their targets (+1 for the tense, -1 elsewhere)
xs = []
ys = []


def total_loss(model, xs, ys):
    # Block C, step 1: the predictions, model(x) for each input
    # Block C, step 2: the sum of squared errors over all 25 outputs, as a Value
    raise NotImplementedError("Block C, steps 1-2: total_loss")


def sgd_step(model, xs, ys, lr):
    # Block C, steps 1-2: the loss (total_loss)
    # Block C, step 3: zero every parameter's gradient
    # Block C, step 4: loss.backward()
    # Block C, step 5: move every parameter by -lr times its gradient
    # return the loss
    raise NotImplementedError("Block C, steps 1-5: sgd_step")


def train(model, lr=0.05, epochs=300):
    # Block C, step 6: log each epoch's loss; return the losses
    raise NotImplementedError("Block C, step 6: train")


if __name__ == "__main__":
    seed_everything(42)
    model = MLP(5, [4, 5])
    losses = train(model)
    # Block C: plot the losses with matplotlib, save loss.png
    # Block D: assert the final loss is below 0.5 and argmax(model(x)) is right for all five
    raise NotImplementedError("Block D: the two asserts")
