"""The checker on a lab at any paths, at the lab's own settings: what the classroom runs
inside a learner's jail.

    python -m labcheck.run LAB_FOLDER OUT_FOLDER [--shown-as FOLDER]

LAB_FOLDER holds the lab as the lab names it: 07-train-tense-logits/model.py and train.py,
07-visualize-graph/viz.py. It is checked as the pipeline's stages check it, trained for the
lab's epochs and drawn; OUT_FOLDER/record.json gets the initial and final weights (read
through Block A's layers, neurons, w and b), each epoch's loss, the findings and the
drawing's DOT source. OUT_FOLDER/phase names what is running at each moment, so that a run
stopped from outside says where. Messages name the files under --shown-as, as the reader
knows them. The record is advice: the learner's code ran in this process and may have
written anything; whoever grades replays the weights with the engine.
"""

import argparse
import json
import os
import sys
from pathlib import Path

from labcheck import contract
from labcheck.contract import N_TENSES, LabError, check_lab, learner_call, load, mlp_kwargs
from minigrad import Value, paused_collector, seed_everything

__all__ = ["LAB", "lab_paths", "weights", "eager_step", "run"]

# The lab's settings (its Block C, and Block E's expression): a class is graded at these,
# whatever a params.yaml holds.
LAB = {"seed": 42, "layer_sizes": [4, 5], "init_range": 1.0, "lr": 0.05, "epochs": 300}


def lab_paths(folder):
    folder = Path(folder)
    return {"model": folder / "07-train-tense-logits" / "model.py",
            "train": folder / "07-train-tense-logits" / "train.py",
            "viz": folder / "07-visualize-graph" / "viz.py"}


def weights(model):
    """Every neuron's weights and bias, layer by layer, through Block A's names (the layout
    of minigrad.nn.MLP's state), whatever order the learner's parameters() lists them in."""
    return [[{"w": [float(w.data) for w in n.w], "b": float(n.b.data)} for n in layer.neurons]
            for layer in model.layers]


def eager_step(lab, model, xs, ys, lr, before=None):
    """One epoch of the learner's sgd_step, as a function that returns the loss the epoch
    starts from, as the lab logs it: the step's own return value, or, for a step that returns
    nothing, total_loss computed before it. `before(name)` is told each learner function
    just before it runs."""
    sgd_step, total_loss = lab.train.sgd_step, lab.train.total_loss
    returns_loss = None  # whether sgd_step returns its loss: the first step tells

    def step():
        nonlocal returns_loss
        loss = None
        if not returns_loss:
            before and before("total_loss")
            loss = total_loss(model, xs, ys)
        before and before("sgd_step")
        returned = sgd_step(model, xs, ys, lr)
        if returns_loss is None:
            returns_loss = returned is not None
        return loss if returned is None else returned

    return step


class _Phase:
    """OUT/phase: what is running, rewritten (atomically) before each learner call."""

    def __init__(self, folder):
        self.path, self.epoch = Path(folder) / "phase", None

    def __call__(self, what):
        text = f"{what}, epoch {self.epoch}" if self.epoch and what in (
            "sgd_step", "total_loss") else what
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, self.path)


def run(folder, out, shown_as=None, seed=None):
    """Check, train and draw the lab in `folder` (from `seed`, else the lab's); the record, also
    written to out/record.json."""
    out = Path(out)
    paths = lab_paths(folder)
    if shown_as:
        contract.SHOWN_AS[str(Path(folder).resolve())] = shown_as
    phase = _Phase(out)
    seed = LAB["seed"] if seed is None else seed
    record = {"settings": {**LAB, "seed": seed}, "refused": None, "crashed": None,
              "initial": None, "final": None,
              "losses": [], "findings": [], "drawing": None}
    try:
        phase("checking the lab's files (check_params)")
        check_lab(paths, LAB["layer_sizes"], LAB["init_range"], LAB["lr"])
    except LabError as err:
        record["refused"] = str(err)
        return _write(out, record)
    try:
        _train(record, paths, phase, seed)
        _draw(record, paths, phase)
    except LabError as err:
        record["crashed"] = str(err)
    return _write(out, record)


def _train(record, paths, phase, seed):
    from labcheck import audit

    lab = load(paths["model"], paths["train"])
    xs, ys = lab.train.xs, lab.train.ys
    seed_everything(seed)
    phase("building MLP (Block A)")
    model = learner_call(lab, f"building MLP({N_TENSES}, {LAB['layer_sizes']}) (Block A)",
                         lab.model.MLP, N_TENSES, list(LAB["layer_sizes"]),
                         **mlp_kwargs(lab, LAB["init_range"]))
    record["initial"] = weights(model)
    phase("the lab check (two epochs on a copy of the model)")
    record["findings"] = audit(lab, model, xs, ys, LAB["lr"], LAB["init_range"])
    step = eager_step(lab, model, xs, ys, LAB["lr"], before=phase)
    with paused_collector():
        for epoch in range(1, LAB["epochs"] + 1):
            phase.epoch = epoch
            loss = learner_call(lab, f"training, epoch {epoch} (sgd_step, Block C)", step)
            record["losses"].append(float(loss))
    phase.epoch = None
    record["final"] = weights(model)


def _draw(record, paths, phase):
    from labcheck.graph import check_drawing

    lab = load(viz_path=paths["viz"])
    a, b, c = Value(2.0, label="a"), Value(3.0, label="b"), Value(4.0, label="c")
    root = (a * b + c) * (a - c)
    root.backward()
    phase("draw (Block E)")
    graph = learner_call(lab, "drawing the graph, draw(root) (Block E)", lab.viz.draw, root)
    source = str(getattr(graph, "source", ""))
    checked = check_drawing(source, root, contract.shown(paths["viz"]))
    record["drawing"] = {"dot": source, "findings": checked.findings}


def _write(out, record):
    tmp = out / "record.json.tmp"
    tmp.write_text(json.dumps(record, indent=1, allow_nan=True) + "\n", encoding="utf-8")
    os.replace(tmp, out / "record.json")
    return record


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m labcheck.run", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("lab", help="the folder that holds 07-train-tense-logits/ and"
                        " 07-visualize-graph/")
    parser.add_argument("out", help="the folder to write record.json and phase to")
    parser.add_argument("--shown-as", help="the lab folder's name in messages")
    parser.add_argument("--seed", type=int, help="seed the model with this, not the lab's 42"
                        " (the classroom's second run: weights recorded, not drawn, show)")
    args = parser.parse_args(argv)
    if not Path(args.out).is_dir():
        parser.error(f"OUT_FOLDER {args.out} is not a folder")
    run(args.lab, args.out, args.shown_as, args.seed)


if __name__ == "__main__":
    sys.exit(main())
