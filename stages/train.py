"""Stage train: the lab's train.py on params.yaml's settings, and the run's files.

    python -m stages.train --lab experiments/07-train-tense-logits/train.py \
        --dataset data/tense_identity.json \
        --model experiments/07-train-tense-logits/model.json --metrics metrics/train.json \
        --loss-csv metrics/loss.csv --loss-png experiments/07-train-tense-logits/loss.png \
        --manifest experiments/07-train-tense-logits/manifest.json

The training is the lab's (its model.py and train.py, run as they are). This stage adds
what the lab does not ask for: params.yaml, the dataset file, `train.engine` (`eager` runs
the lab's sgd_step; `compiled` replays the lab's loss as Python written by minigrad.compile,
the same losses bit for bit), divergence messages, and the files. How long training took is
in the manifest, not in the metrics, which must be the same on every run.
"""

import math
import time
from pathlib import Path

import minigrad
from minigrad import MLP, get_logger, paused_collector, seed_everything
from stages.errors import DivergenceError
from stages.files import atomic_path, write_json, write_text
from stages.lab import load_lab
from stages.manifest import build_manifest, write_manifest
from stages.params import load_params
from stages.schemas import DATASET, N_TENSES, read_checked
from stages.stage import parse_args, run_stage

log = get_logger("train")


def train(lab, model, inputs, targets, lr, epochs, engine="eager"):
    """Every epoch's loss from the lab's loop, each step eager or compiled; a DivergenceError
    names the first epoch whose loss is not finite."""
    params = model.parameters()
    with paused_collector():  # the graphs hold no cycles: see minigrad/collector.py
        step = None  # the lab's own sgd_step
        if engine == "compiled":
            step = minigrad.compile(lambda: lab.total_loss(model, inputs, targets), params, lr=lr)
        losses = lab.train(model, inputs, targets, lr, epochs, step)
    what = next((f"loss is {loss} at epoch {epoch}" for epoch, loss in enumerate(losses, 1)
                 if not math.isfinite(loss)), None)
    if what is None and not all(math.isfinite(p.data) for p in params):
        what = f"a parameter is not finite after epoch {epochs}"
    if what is not None:  # DVC deleted the outputs before the stage ran: say how to get them back
        raise DivergenceError(
            f"training diverged: {what} with train.lr = {lr:g}; lower train.lr in params.yaml"
            " (the lab's 0.05 trains well). The previous results come back with"
            " `git checkout -- metrics experiments`")
    return losses


def saturation(model, inputs):
    """The share of hidden tanh activations with |h| > 0.99 on the inputs, which pass almost
    no gradient back (verify's advice reads it)."""
    hidden = []
    for x in inputs:
        for layer in model.layers[:-1]:
            x = layer(x)
            hidden += [abs(h.data) for h in x]
    return sum(h > 0.99 for h in hidden) / len(hidden) if hidden else 0.0


def saved_model(model, layer_sizes):
    """The trained weights in minigrad.nn's MLP, whose state_dict() is model.json's format
    (the lab's MLP takes its parameters in the same order)."""
    saved = MLP(N_TENSES, layer_sizes)
    for mine, lab in zip(saved.parameters(), model.parameters(), strict=True):
        mine.data = lab.data
    return saved.state_dict()


def loss_csv(losses):
    return "epoch,loss\n" + "".join(f"{i},{loss!r}\n" for i, loss in enumerate(losses, 1))


def main(argv=None):
    args = parse_args(
        __doc__, argv, lab="the lab's train.py (beside its model.py)", dataset=DATASET.help,
        model="the trained model to write (JSON)", metrics="final loss, epochs, ... (JSON)",
        loss_csv="every epoch's loss (CSV)", loss_png="the loss curve (PNG)",
        manifest="the run manifest to write (JSON)")

    # configuration
    params = load_params(sections=("seed", "data", "model", "train"))
    seed, lr, epochs = params["seed"], params["train"]["lr"], params["train"]["epochs"]
    engine = params["train"]["engine"]
    layer_sizes, init_range = params["model"]["layer_sizes"], params["model"]["init_range"]
    # data
    examples = read_checked(args.dataset, DATASET, "--dataset")["examples"]
    inputs = [[float(v) for v in example["input"]] for example in examples]
    targets = [[float(v) for v in example["target"]] for example in examples]
    # model: the lab's
    lab = load_lab(args.lab)
    seed_everything(seed)
    model = lab.MLP(N_TENSES, layer_sizes, init_range)
    n_params = len(model.parameters())
    log.info(f"training MLP({N_TENSES}, {layer_sizes}), {n_params} parameters:"
             f" lr {lr:g}, {epochs} epochs, {engine} engine")
    saturated_start = saturation(model, inputs)
    # loop
    started = time.perf_counter()
    losses = train(lab, model, inputs, targets, lr, epochs, engine)
    train_seconds = time.perf_counter() - started
    # save
    metrics = {"final_loss": losses[-1], "epochs": epochs, "n_params": n_params,
               "saturated_start": saturated_start, "saturated_end": saturation(model, inputs)}
    write_json(args.model, saved_model(model, layer_sizes))
    write_text(args.loss_csv, loss_csv(losses))
    with atomic_path(args.loss_png) as tmp:
        lab.draw_loss_curve(losses, tmp)
    write_json(args.metrics, metrics)
    config = {**params["model"], **params["train"], "seed": seed, "verb": params["data"]["verb"]}
    write_manifest(args.manifest, build_manifest(
        Path(args.manifest).parent.name, seed, config, [args.lab, args.dataset],
        [args.model, args.metrics, args.loss_csv, args.loss_png],
        {**metrics, "train_seconds": round(train_seconds, 4)}, time.perf_counter() - started))
    log.info(f"trained: final loss {losses[-1]:.6g} after {epochs} epochs"
             f" ({train_seconds:.3f} s)")


if __name__ == "__main__":
    run_stage(main, "train")
