"""Stage train: fit MLP(5, layer_sizes) to the tense identity with plain SGD.

    python -m stages.train --dataset data/tense_identity.json \
        --model experiments/07-train-tense-logits/model.json --metrics metrics/train.json \
        --loss-csv metrics/loss.csv --loss-png experiments/07-train-tense-logits/loss.png \
        --manifest experiments/07-train-tense-logits/manifest.json

This is the lab's train.py. It reads top to bottom: configuration, data, model, loop, save.
`train.engine` picks how each SGD step runs: `eager` builds the graph and calls backward()
every epoch, as the lab writes it; `compiled` traces the step once with minigrad.compile and
replays it as generated Python. Both give the same losses, bit for bit.
Every epoch's loss goes to the loss CSV; the console gets the progress every 10% of the
epochs and the result. How long training took is in the manifest, not in the metrics, which
are committed and must be the same on every run.
"""

import argparse
import math
import time
from pathlib import Path

import minigrad
from minigrad import MLP, Value, get_logger, paused_collector, seed_everything
from stages.errors import DataFileError, DivergenceError
from stages.files import atomic_path, read_json, write_json, write_text
from stages.manifest import build_manifest, write_manifest
from stages.params import load_params
from stages.stage import run_stage
from stages.verbs import N_TENSES

log = get_logger("train")

DATASET = "the dataset that the build_dataset stage writes (JSON)"
# DVC deleted train's outputs before it ran the stage; no check can foresee divergence
BRING_BACK = ("The previous results come back with `git checkout -- metrics experiments`"
              " and `dvc checkout`")


def load_dataset(path):
    """The inputs and the flat list of targets (5 examples x 5 outputs) of build_dataset."""
    dataset = read_json(path, "dataset", "--dataset", DATASET)
    try:
        examples = dataset["examples"]
        inputs = [[float(v) for v in ex["input"]] for ex in examples]
        targets = [float(v) for ex in examples for v in ex["target"]]
    except (KeyError, TypeError, ValueError) as err:
        raise DataFileError(f"dataset {path} is malformed ({err!r}): run `dvc repro`") from None
    if len(inputs) != N_TENSES or any(len(x) != N_TENSES for x in inputs) or len(targets) != 25:
        raise DataFileError(f"dataset {path} must hold 5 examples of 5 inputs and 5 targets")
    return inputs, targets


def train(model, inputs, targets, lr, epochs, engine="eager"):
    """SGD on the sum of squared errors over every output; returns each epoch's loss.

    Raises DivergenceError at the first epoch whose loss is not finite.
    """
    params = model.parameters()

    def loss_fn():
        return Value.squared_error([o for x in inputs for o in model(x)], targets)

    def eager_step():  # what minigrad.compile replays: the loss, then p.data -= lr * p.grad
        loss = loss_fn()
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
        return loss.data

    losses = []
    with paused_collector():  # the graphs hold no cycles: see minigrad/collector.py
        step = minigrad.compile(loss_fn, params, lr=lr) if engine == "compiled" else eager_step
        for epoch in range(1, epochs + 1):
            loss = step()  # the loss before this epoch's update
            if not math.isfinite(loss):
                raise DivergenceError(
                    f"training diverged: loss is {loss} at epoch {epoch} with"
                    f" train.lr = {lr:g}; lower train.lr in params.yaml"
                    f" (the lab's 0.05 trains well). {BRING_BACK}"
                )
            losses.append(loss)
            if epoch % max(1, epochs // 10) == 0:
                log.info("progress", extra={"fields": {"epoch": epoch, "loss": loss}})
    if not all(math.isfinite(p.data) for p in params):
        raise DivergenceError(
            f"training diverged: a parameter is not finite after epoch {epochs} with"
            f" train.lr = {lr:g}; lower train.lr in params.yaml"
            f" (the lab's 0.05 trains well). {BRING_BACK}"
        )
    return losses


def loss_csv(losses):
    return "epoch,loss\n" + "".join(f"{i},{loss!r}\n" for i, loss in enumerate(losses, 1))


def draw_loss_curve(losses, path):
    import matplotlib  # only this function draws, so only it pays for matplotlib

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
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=f"python -m {__spec__.name}", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, help=DATASET)
    parser.add_argument("--model", required=True, help="the trained model to write (JSON)")
    parser.add_argument("--metrics", required=True, help="final loss, epochs, parameters (JSON)")
    parser.add_argument("--loss-csv", required=True, help="every epoch's loss (CSV)")
    parser.add_argument("--loss-png", required=True, help="the loss curve (PNG)")
    parser.add_argument("--manifest", required=True, help="the run manifest to write (JSON)")
    args = parser.parse_args(argv)

    # configuration
    params = load_params(sections=("seed", "data", "model", "train"))
    seed, lr, epochs = params["seed"], params["train"]["lr"], params["train"]["epochs"]
    engine = params["train"]["engine"]
    layer_sizes, init_range = params["model"]["layer_sizes"], params["model"]["init_range"]
    # data
    inputs, targets = load_dataset(args.dataset)
    # model
    seed_everything(seed)
    model = MLP(N_TENSES, layer_sizes, init_range)
    n_params = len(model.parameters())
    log.info("training", extra={"fields": {"model": repr(model), "n_params": n_params,
                                           "lr": lr, "epochs": epochs, "engine": engine}})
    # loop
    started = time.perf_counter()
    losses = train(model, inputs, targets, lr, epochs, engine)
    train_seconds = time.perf_counter() - started
    # save
    metrics = {"final_loss": losses[-1], "epochs": epochs, "n_params": n_params}
    write_json(args.model, model.state_dict())
    write_text(args.loss_csv, loss_csv(losses))
    draw_loss_curve(losses, args.loss_png)
    write_json(args.metrics, metrics)
    config = {"lr": lr, "epochs": epochs, "engine": engine, "layer_sizes": layer_sizes, "seed": seed,
              "init_range": init_range, "verb": params["data"]["verb"]}
    outputs = [args.model, args.metrics, args.loss_csv, args.loss_png]
    timed = {**metrics, "train_seconds": round(train_seconds, 4)}
    manifest = build_manifest(Path(args.manifest).parent.name, seed, config, [args.dataset],
                              outputs, timed, time.perf_counter() - started)
    write_manifest(args.manifest, manifest)
    log.info("trained", extra={"fields": timed})


if __name__ == "__main__":
    run_stage(main, "train")
