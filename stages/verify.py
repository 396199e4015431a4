"""Stage verify: did the run meet the lab's four stop conditions (labcheck.conditions: the
curve falls at every epoch to below verify.max_loss, every tense right, the drawing right,
both manifests written) with no mistake found in the lab's code, and what would improve it?
A failed check is one line on stderr and in the report, but the stage exits 0 (dvc.yaml says
why); `make repro` fails on `passed: false`."""

import csv
import json

from labcheck.advice import what_to_improve
from labcheck.conditions import passed, rises, stop_conditions
from minigrad import get_logger
from stages.common import (GRAPH_CHECK, LOSS_CSV, N_TENSES, PREDICTIONS, TRAIN_MANIFEST,
                           TRAIN_METRICS, TRAIN_REPORT, VERIFY, VIZ_MANIFEST, read_output,
                           run_stage, write_json, write_text)
from stages.params import load_params

log = get_logger("verify")


def read_train_metrics(f):
    metrics = json.load(f)
    return {"final_loss": float(metrics["final_loss"]), "n_params": int(metrics["n_params"]),
            "saturated_start": float(metrics["saturated_start"]),
            "saturated_end": float(metrics["saturated_end"])}


def read_manifest(f):
    """The training time, what the lab's checks found and the network as built, from the
    train manifest."""
    manifest = json.load(f)
    return float(manifest["metrics"]["train_seconds"]), manifest["lab_checks"], manifest["model"]


# The keys stages/manifest.schema.json requires of every manifest.
MANIFEST_KEYS = ("name", "created_at", "command", "git", "environment", "seed", "config",
                 "inputs", "outputs", "metrics", "duration_s")


def manifest_written(path):
    """Whether the manifest at `path` exists and holds the schema's keys."""
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and all(key in manifest for key in MANIFEST_KEYS)


def read_losses(f):
    losses = [float(row["loss"]) for row in csv.DictReader(f)]
    if not losses:
        raise ValueError("no epochs")
    return losses


# A tanh unit with |h| above 0.99 has slope 1 - h**2 < 0.02: almost no gradient flows
# through it. The train stage measures the share of such hidden activations, on the five
# inputs, before the first epoch and after the last; a tenth or more is a saturated layer
# (measured here: init_range 3 starts at 0.15 to 0.25, init_range 1 and 2 at 0).
SATURATED = 0.1


def diagnose(losses, max_loss, saturated_start=0.0, saturated_end=0.0):
    """Advice a learner can act on: what the curve did (the epochs where it rose, how much it
    fell over the last tenth, at least 2 epochs), then what to do, for the lab's four cases:
    not falling, falling then exploding, falling slowly, flat with saturated units."""
    first, final, best = losses[0], losses[-1], min(losses)
    rose = rises(losses)
    tail = min(len(losses), max(2, len(losses) // 10))
    fall = (losses[-tail] - final) / losses[-tail] if losses[-tail] > 0 else 0.0
    facts = f"The loss went from {first:.4g} to {final:.4g} (lowest {best:.4g})"
    if rose:
        shown = ", ".join(map(str, rose[:5])) + (", ..." if len(rose) > 5 else "")
        facts += f"; it rose at {len(rose)} epoch{'s' if len(rose) > 1 else ''} ({shown})"
    moved = "fell" if fall >= 0 else "rose"
    facts += f"; over the last {tail} epochs it {moved} by {abs(fall):.1%}. "
    if best < first and final > 1.25 * best and final > max_loss:
        return facts + ("It fell, then rose again: the learning rate is too high."
                        " Lower `train.lr`.")
    if final >= first:
        return facts + ("The loss did not decrease: with the lab's settings that is a bug in"
                        " backward. Run the tests (`make test`; `minigrad.gradcheck` checks a"
                        " function's gradients); if they pass, `train.lr` is far off.")
    if final >= max_loss:
        if fall > 0.01:
            return facts + ("The loss is still falling at the last epoch: it learns slowly."
                            " Raise `train.lr` or the hidden size (`model.layer_sizes`), or"
                            " train longer (`train.epochs`).")
        if saturated_start >= SATURATED:
            return facts + (f"The loss has flattened above the bar, and {saturated_start:.0%}"
                            " of the hidden tanh activations were saturated (|h| > 0.99) from"
                            " the start, where almost no gradient flows: the initial weights"
                            " are too large. Lower `model.init_range` (the lab's is 1.0).")
        if saturated_end >= SATURATED:
            return facts + (f"The loss has flattened above the bar, and {saturated_end:.0%} of"
                            " the hidden tanh activations ended saturated (|h| > 0.99): the"
                            " steps pushed them there. Lower `train.lr`.")
        return facts + ("The loss has flattened above the bar with the hidden units"
                        " unsaturated: try more hidden units (`model.layer_sizes`) or"
                        " another `seed`.")
    if fall > 0.1:
        if rose:
            return facts + ("The loss is below the bar and still falling: more epochs would"
                            " lower it further. It also rose along the way, so `train.lr` is"
                            " already near the most it takes: raise `train.epochs`, not the lr.")
        return facts + ("The loss is below the bar and still falling: more epochs would lower it"
                        " further, and a higher `train.lr` would get there sooner.")
    return facts + ("The loss is below the bar and has levelled off; to go further, compare"
                    " `train.lr` and `model.layer_sizes` in a sweep (`dvc exp run --queue -S ...`).")


def check(conditions, predictions, findings=()):
    """verify.json's metrics, and a line for each reason the run fails."""
    correct = sum(bool(p["correct"]) for p in predictions)
    failures = []
    if findings:
        failures.append(f"the lab's checks found {len(findings)} mistake"
                        f"{'s' if len(findings) > 1 else ''} in its code")
    failures += [f"{c['condition']}: no, {c['why']}" for c in conditions[:3] if not c["met"]]
    return {"accuracy": correct / len(predictions), "all_correct": correct == len(predictions),
            "passed": passed(conditions, findings)}, failures


def architecture(layer_sizes):
    """[4, 5] -> '5-in, 4-hidden, 5-out'."""
    return ", ".join([f"{N_TENSES}-in", *(f"{n}-hidden" for n in layer_sizes[:-1]),
                      f"{layer_sizes[-1]}-out"])


def _span(r):
    return f"{r['min']:g}" if r["min"] == r["max"] else f"from {r['min']:.3g} to {r['max']:.3g}"


def report(metrics, failures, config, train_metrics, train_seconds, predictions, advice, built,
           conditions):
    verdict = "PASSED" if metrics["passed"] else "FAILED: " + "; ".join(failures)
    saturated = (f"{train_metrics['saturated_start']:.0%} at the start,"
                 f" {train_metrics['saturated_end']:.0%} at the end")
    rows = "\n".join(f"| {p['tense']} | {p['english']} | {p['spanish']} | {p['predicted']} |"
                     f" {'yes' if p['correct'] else 'no'} |" for p in predictions)
    met = "\n".join(f"| {i}. {c['condition']} | {'met' if c['met'] else 'not met'} | {c['why']} |"
                    for i, c in enumerate(conditions, 1))
    return f"""# 07 — train tense logits

A {architecture(built['sizes'])} tanh MLP learns the identity on the five one-hot tenses of the verb *{config['verb']}*: targets -1/+1,
loss the sum of squared errors over {N_TENSES * N_TENSES} outputs, SGD with lr {config['lr']:g} for
{config['epochs']} epochs, seed {config['seed']}. As the lab's code built it, the network started with weights {_span(built['weights'])} and biases {_span(built['biases'])}.

**Verdict: {verdict}**

| the lab's stop condition | | this run |
|---|---|---|
{met}

| | |
|---|---|
| final loss | {train_metrics['final_loss']:.6f} |
| accuracy | {metrics['accuracy']:.0%} |
| parameters | {built['n_params']} |
| hidden tanh units saturated, \\|h\\| > 0.99 | {saturated} |
| training time | {train_seconds:.3f} s |

| tense | English | Spanish | predicted | right |
|---|---|---|---|---|
{rows}

![loss curve](loss.png)

## What to improve

{advice}

## The lab's files

- [`model.py`](model.py): Neuron, Layer and MLP, built from minigrad's `Value`;
- [`train.py`](train.py): the five tenses as inputs and targets, the loss and one SGD step
  (`python train.py` trains with the lab's defaults by hand and checks the two bars);
- `loss.png`, [`predictions.json`](predictions.json), `model.json` (the trained values of
  the MLP's `parameters()`, in their order)
  and [`manifest.json`](manifest.json) (the run's settings, versions, hashes and timing):
  written by the pipeline's `train` and `predict` stages, which run the two files above on
  params.yaml's settings; this report is the `verify` stage's. Reproduce with `dvc repro`.
"""


def main():
    # configuration
    params = load_params()
    max_loss = params["verify"]["max_loss"]
    config = {**params["model"], **params["train"], "seed": params["seed"],
              "verb": params["data"]["verb"]}
    # inputs: what train and predict wrote
    train_metrics = read_output(TRAIN_METRICS, read_train_metrics)
    predictions = read_output(PREDICTIONS, lambda f: [
        {key: p[key] for key in ("tense", "english", "spanish", "predicted", "correct")}
        for p in json.load(f)["predictions"]])
    train_seconds, lab_checks, built = read_output(TRAIN_MANIFEST, read_manifest)
    losses = read_output(LOSS_CSV, read_losses)
    drawing = read_output(GRAPH_CHECK, lambda f: list(json.load(f)["findings"]))

    # the work
    correct = sum(bool(p["correct"]) for p in predictions)
    conditions = stop_conditions(losses, correct, len(predictions), drawing, {
        path: manifest_written(path) for path in (TRAIN_MANIFEST, VIZ_MANIFEST)}, max_loss)
    metrics, failures = check(conditions, predictions, lab_checks["findings"])
    curve = diagnose(losses, max_loss, train_metrics["saturated_start"],
                     train_metrics["saturated_end"])

    # outputs
    write_json(VERIFY, metrics)
    write_text(TRAIN_REPORT, report(metrics, failures, config, train_metrics, train_seconds,
                                    predictions, what_to_improve(curve, lab_checks), built,
                                    conditions))
    if failures:
        log.error("verification FAILED: " + "; ".join(failures) + ". " + (
            f"{TRAIN_REPORT}, under \"What to improve\", names each" if lab_checks["findings"]
            else curve))
    else:
        log.info(f"verification passed: final loss {train_metrics['final_loss']:.6g},"
                 f" {metrics['accuracy']:.0%} of the tenses right")


if __name__ == "__main__":
    run_stage(main, "verify")
