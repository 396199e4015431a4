"""Write the lab's reference: what the committed answer gives, for a learner to compare with.

    python -m scripts.make_reference [--out solutions]

writes, into the folder (solutions/ by default):

- reference-loss.csv: `epoch,loss`, the answer's loss per epoch, numbered as metrics/loss.csv
  numbers a run's (the loss each epoch starts from);
- reference-graph.svg: the answer's viz.py `draw` of the lab's expression, laid out by `dot`;
- 02-train-tense-logits-ref.md: the page the handout promises, which links the two.

The lab's files and the verb table are read as HEAD has them (`git show HEAD:<path>`), never
from the workspace, where a learner's own model.py and train.py may be; the settings are the
lab's (LAB below), never params.yaml, which a learner edits. The same commit gives the same
bytes: nothing written depends on the time or the machine, except the SVG, which is dot's
output as it is (its comment names the Graphviz version, and another version may lay the
graph out differently; tests/pipeline/test_reference.py says how it is compared).
"""

import argparse
import atexit
import shutil
import subprocess
import tempfile
from pathlib import Path

from labcheck import learner_call, load
from minigrad import get_logger, paused_collector, seed_everything
from minigrad.drawing import trace
from stages.common import (LAB_MODEL, LAB_TRAIN, LAB_VIZ, N_TENSES, REFERENCE_CSV, VERBS,
                           StageError, run_stage, write_text)
from stages.expression import evaluate
from stages.params import load_verbs
from stages.predict import predict
from stages.train import build_model, loss_csv, train

log = get_logger("make_reference")

# The lab's settings, as the handout sets them; tests/pipeline/test_reference.py holds them
# equal to tests/conftest.py's LAB_PARAMS, the params the tests pin their numbers with.
LAB = {
    "seed": 42,
    "data": {"verb": "work"},
    "model": {"layer_sizes": [4, 5], "init_range": 1.0},
    "train": {"lr": 0.05, "epochs": 300, "engine": "eager"},
    "verify": {"max_loss": 0.5},
    "viz": {"expression": "(a*b + c)*(a - c)", "values": {"a": 2, "b": 3, "c": 4}},
}
OUT, CSV = REFERENCE_CSV.rsplit("/", 1)  # dvc.yaml's loss plot reads the CSV there
SVG, PAGE = "reference-graph.svg", "02-train-tense-logits-ref.md"
TABLE_EPOCHS = (1, 10, 50, 100, 200, 300)

PAGE_TEXT = """\
# Lab 02 reference: tense logits and the graph

What the lab's answer gives with the lab's own settings: seed {seed},
MLP({n_in}, {layer_sizes}) of tanh units, weights from uniform(-{init_range:g}, {init_range:g}),
plain SGD at lr {lr:g} for {epochs} epochs, on the five one-hot tenses of the verb *{verb}*.
Run your lab with these values in params.yaml (`dvc repro`) and your curve should lie on
this one. Summing the loss or the gradients in another order can move the last digits; a
gap you can see on the plot is a difference in the code, and the first epoch where the two
CSVs part tells you whether it is already there in the first step.

The project's maintainers write this page with `python -m scripts.make_reference`, from the
answer's files as committed, not from the workspace; editing your files does not change it.

## Loss curve

[`{csv}`]({csv}) has one row per epoch, numbered as your `metrics/loss.csv`
numbers its rows: epoch *n* holds the loss the *n*-th update started from.
`dvc plots show` and `dvc plots diff` draw it beside your own curve.

| epoch | loss |
|---|---|
{loss_rows}

Final loss: **{final!r}** (the lab's bar is {max_loss:g}).

## Predictions

The trained network on each one-hot input; the predicted tense is the one whose output is
the largest of the five.

| tense | English | Spanish | outputs | predicted | right |
|---|---|---|---|---|---|
{prediction_rows}

{right} of {total} tenses are predicted right.

## Computation graph

[`{svg}`]({svg}) is the answer's `draw` of `{expression}` at
{values}, after `backward()`. Each box reads op (or variable) | data | grad.
The table has the same nodes, numbered as the drawing numbers them (node0, node1, ...),
so you can check your own drawing box by box.

![reference graph]({svg})

| node | op or variable | data | grad |
|---|---|---|---|
{node_rows}
"""


def committed_answer(folder, rev="HEAD"):
    """The lab's three files and the verb table, written into `folder` as `rev` has them."""
    for name in (LAB_MODEL, LAB_TRAIN, LAB_VIZ, VERBS):
        shown = subprocess.run(["git", "show", f"{rev}:{name}"], capture_output=True)
        if shown.returncode != 0:
            raise StageError(f"`git show {rev}:{name}` failed: {shown.stderr.decode().strip()}"
                             " (run this from the project's git checkout)")
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(shown.stdout)
    return load(folder / LAB_MODEL, folder / LAB_TRAIN, folder / LAB_VIZ)


def run_answer(lab, verbs):
    """The answer trained as the train stage trains it: (losses, predictions)."""
    seed_everything(LAB["seed"])
    model = build_model(lab, LAB["model"]["layer_sizes"], LAB["model"]["init_range"])
    # no stages.lab_checks.audit, which the train stage runs here: it puts random's state
    # back, so the curve is the same without it, and the answer has nothing for it to find
    xs, ys = lab.train.xs, lab.train.ys
    losses = train(lab, model, xs, ys, LAB["train"]["lr"], LAB["train"]["epochs"],
                   LAB["train"]["engine"])
    forms = verbs["verbs"][LAB["data"]["verb"]]
    names = [{"tense": tense, "english": english, "spanish": spanish} for tense, english, spanish
             in zip(verbs["tenses"], forms["english"], forms["spanish"], strict=True)]
    with paused_collector():  # as in train: the graphs hold no cycles
        predictions = predict(lab, model, xs, names)
    return losses, predictions


def draw_graph(lab):
    """(svg text, rows of the node table) of the answer's drawing of the lab's expression."""
    viz = LAB["viz"]
    root, _ = evaluate(viz["expression"], viz["values"])
    graph = learner_call(lab, "drawing the graph, draw(root) (Block E)", lab.viz.draw, root)
    svg = graph.pipe(format="svg", encoding="utf-8")
    nodes, _ = trace(root)  # the order the answer's draw names its nodes in (node0, node1, ...)
    rows = "\n".join(f"| node{i} | `{node.label or node.op}` | {node.data:.4f} | {node.grad:.4f} |"
                     for i, node in enumerate(nodes))
    return svg, rows


def page(losses, predictions, node_rows):
    loss_rows = "\n".join(f"| {epoch} | {losses[epoch - 1]:.6f} |" for epoch in TABLE_EPOCHS
                          if epoch <= len(losses))
    prediction_rows = "\n".join(
        f"| {p['tense']} | {p['english']} | {p['spanish']} |"
        f" {', '.join(f'{o:+.4f}' for o in p['output'])} | {p['predicted']} |"
        f" {'yes' if p['correct'] else 'no'} |" for p in predictions)
    viz = LAB["viz"]
    return PAGE_TEXT.format(
        seed=LAB["seed"], n_in=N_TENSES, verb=LAB["data"]["verb"], **LAB["model"], **LAB["train"],
        csv=CSV, svg=SVG, loss_rows=loss_rows, final=losses[-1], max_loss=LAB["verify"]["max_loss"],
        prediction_rows=prediction_rows, right=sum(p["correct"] for p in predictions),
        total=len(predictions), expression=viz["expression"], node_rows=node_rows,
        values=", ".join(f"`{name}` = {value}" for name, value in viz["values"].items()))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write the lab's reference from HEAD's answer.")
    parser.add_argument("--out", default=OUT, help=f"the folder to write into (default {OUT})")
    out = Path(parser.parse_args(argv).out)

    folder = Path(tempfile.mkdtemp(prefix="minigrad-reference-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    lab = committed_answer(folder)
    losses, predictions = run_answer(lab, load_verbs(folder / VERBS))
    svg, node_rows = draw_graph(lab)

    write_text(out / CSV, loss_csv(losses))
    write_text(out / SVG, svg)
    write_text(out / PAGE, page(losses, predictions, node_rows))
    log.info(f"reference written to {out}/: final loss {losses[-1]!r},"
             f" {sum(p['correct'] for p in predictions)}/{len(predictions)} right")


if __name__ == "__main__":
    run_stage(main, "make_reference")
