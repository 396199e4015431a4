"""Stage train: the lab's model and training step on params.yaml's settings, and the run's
files. `train.engine: compiled` replays the lab's total_loss as the Python minigrad.compile
writes: the same losses, bit for bit. Before the epochs, the lab's forward pass and two of its
steps are watched at each boundary the lab names and checked against the engine
(labcheck.audit); the first that differs is logged, recorded in the
manifest for verify, and fails the run, which still trains so that its curve shows what the
mistake does. The training time goes in the manifest, not the metrics, which must be the same
on every run."""

import math
import time

import minigrad
from minigrad import get_logger, paused_collector, seed_everything
from stages.common import (LAB_MODEL, LAB_TRAIN, LOSS_CSV, LOSS_PNG, MODEL, N_TENSES, PARAMS,
                           TRAIN_DIR, TRAIN_MANIFEST, TRAIN_METRICS, StageError, atomic_path,
                           build_manifest, run_stage, write_json, write_text)
from labcheck import audit, init_range_note, learner_call, load, mlp_kwargs
from labcheck.conditions import final_loss
from labcheck.run import eager_step, weights
from stages.params import load_params

log = get_logger("train")


def saturation(model, xs):
    """The share of hidden tanh activations with |h| > 0.99, which pass almost no gradient
    back (verify's advice reads it)."""
    hidden = []
    for x in xs:
        for layer in model.layers[:-1]:
            x = layer(x)
            hidden += [abs(h.data) for h in x]
    return sum(h > 0.99 for h in hidden) / len(hidden) if hidden else 0.0


def network(model):
    """The network as the lab's code built it, before the first epoch, for the report: its
    layer sizes, parameter count and the range of its weights and of its biases."""
    layers = weights(model)
    ws = [w for layer in layers for n in layer for w in n["w"]]
    bs = [n["b"] for layer in layers for n in layer]
    return {"sizes": [len(layer) for layer in layers], "n_params": len(ws) + len(bs),
            "weights": {"min": min(ws), "max": max(ws)},
            "biases": {"min": min(bs), "max": max(bs)}}


def build_model(lab, layer_sizes, init_range):
    """The lab's MLP(5, layer_sizes), given init_range by keyword if its signature has one
    (else its weights are its own, uniform(-1, 1) as the lab says)."""
    return learner_call(lab, f"building MLP({N_TENSES}, {layer_sizes}) (Block A)", lab.model.MLP,
                        N_TENSES, layer_sizes, **mlp_kwargs(lab, init_range))


def train(lab, model, xs, ys, lr, epochs, engine="eager", findings=()):
    """Every epoch's loss, from the lab's sgd_step (`eager`) or the step minigrad.compile
    makes of its total_loss (`compiled`); a StageError at the first that is not finite,
    which blames train.lr only when the lab's checks found no mistake in its code."""
    parameters, losses = model.parameters(), []
    total_loss = lab.train.total_loss
    eager = eager_step(lab, model, xs, ys, lr)  # each epoch's loss is the one it starts from

    with paused_collector():  # the graphs hold no cycles: see minigrad/collector.py
        step = eager if engine == "eager" else learner_call(
            lab, "compiling total_loss(model, xs, ys) (train.engine: compiled)",
            minigrad.compile, lambda: total_loss(model, xs, ys), parameters, lr=lr)
        for epoch in range(1, epochs + 1):
            losses.append(float(learner_call(
                lab, f"training, epoch {epoch} (sgd_step, Block C)", step)))
            if epoch % max(1, epochs // 10) == 0:
                log.info(f"epoch {epoch}/{epochs}  loss {losses[-1]:.4f}")
            if not math.isfinite(losses[-1]):
                break
    what = next((f"loss is {loss} at epoch {epoch}" for epoch, loss in enumerate(losses, 1)
                 if not math.isfinite(loss)), None)
    if what is None and not all(math.isfinite(p.data) for p in parameters):
        what = f"a parameter is not finite after epoch {epochs}"
    if what:  # DVC deleted the outputs before it ran the stage: say how to get them back
        fix = ("fix the mistake the `lab check:` lines above name, first" if findings else
               f"lower train.lr in {PARAMS} (the lab's 0.05 trains well)")
        raise StageError(f"training diverged: {what} with train.lr = {lr:g}; {fix}. The previous"
                         " results come back with `git checkout -- metrics experiments`")
    return losses


def loss_csv(losses):
    return "epoch,loss\n" + "".join(f"{i},{loss!r}\n" for i, loss in enumerate(losses, 1))


def draw_loss_curve(losses, path):
    import matplotlib

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


def main():
    # configuration
    params = load_params()
    seed, lr, epochs = params["seed"], params["train"]["lr"], params["train"]["epochs"]
    engine = params["train"]["engine"]
    layer_sizes, init_range = params["model"]["layer_sizes"], params["model"]["init_range"]
    # inputs: the lab's files, its Block B data
    lab = load(LAB_MODEL, LAB_TRAIN)
    xs, ys = lab.train.xs, lab.train.ys

    # the work: the model as seeded, its first two steps checked, then the epochs
    seed_everything(seed)
    model = build_model(lab, layer_sizes, init_range)
    parameters = model.parameters()
    built = network(model)
    findings = audit(lab, model, xs, ys, lr, init_range)
    for finding in findings:
        log.error(f"lab check: {finding}")
    note = init_range_note(lab, init_range)
    if note:
        log.warning(note)
    log.info(f"training MLP({N_TENSES}, {layer_sizes}), {len(parameters)} parameters:"
             f" lr {lr:g}, {epochs} epochs, {engine} engine")
    saturated_start, started = saturation(model, xs), time.perf_counter()
    losses = train(lab, model, xs, ys, lr, epochs, engine, findings)
    train_seconds = time.perf_counter() - started

    # outputs (the findings are text, so they go in the manifest; the metrics count them)
    metrics = {"final_loss": final_loss(losses), "epochs": epochs, "n_params": len(parameters),
               "saturated_start": saturated_start, "saturated_end": saturation(model, xs),
               "lab_checks_failed": len(findings)}
    write_json(MODEL, {"n_in": N_TENSES, "layer_sizes": layer_sizes,
                       "parameters": [p.data for p in parameters]})
    write_text(LOSS_CSV, loss_csv(losses))
    with atomic_path(LOSS_PNG) as tmp:
        draw_loss_curve(losses, tmp)
    write_json(TRAIN_METRICS, metrics)
    config = {**params["model"], **params["train"], "seed": seed, "verb": params["data"]["verb"]}
    write_json(TRAIN_MANIFEST, build_manifest(
        TRAIN_DIR.split("/")[-1], seed, config, [LAB_MODEL, LAB_TRAIN],
        [MODEL, TRAIN_METRICS, LOSS_CSV, LOSS_PNG],
        {**metrics, "train_seconds": round(train_seconds, 4)}, time.perf_counter() - started,
        lab_checks={"findings": findings, "notes": [note] if note else []}, model=built))
    log.info(f"trained: final loss {losses[-1]:.6g} after {epochs} epochs ({train_seconds:.3f} s)")


if __name__ == "__main__":
    run_stage(main, "train")
