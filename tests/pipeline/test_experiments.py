"""Experiments at scale with DVC's own machinery: exp run -S, the queue, exp show, plots diff.

Everything runs for real in one fresh copy of the project (as a clone is: no DVC cache): a
single `dvc exp run -S train.lr=0.01`, then the README's grid sweep, cut to a 2 x 2 grid of
20 epochs, queued and run by `dvc queue start -j 2`.
"""

import csv
import io
import itertools
import json
import math
import re
import time

import pytest

from chromium import dump_dom, requires_chromium
from conftest import REPO, fresh_clone, run
from plots_pages import drawn_charts, install_template, mark_fields
from stages.common import LOSS_CSV, REFERENCE_CSV

LRS = ["0.01", "0.1"]
LAYER_SIZES = ["[2,5]", "[4,5]"]
EPOCHS = 20
REFERENCE_EPOCHS = 300  # the reference curve is the lab's run, whatever an experiment sets
FINAL_LOSS, ACCURACY = "final_loss", "accuracy"  # each metric name is unique: no file prefix


def readme_exp_show():
    """The README's `dvc exp show` command for a sweep's table, as a list of arguments."""
    text = (REPO / "README.md").read_text()
    [command] = re.findall(r"^dvc exp show --md .*?\\\n.*$", text, flags=re.M)
    return [word.strip("'") for word in command.replace("\\\n", " ").split()]


# The README's table of a sweep: the two swept params, final loss, accuracy and whether the
# run passed verification, per experiment.
EXP_SHOW_MD = readme_exp_show()


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clone(reproduced_once, tmp_path_factory):
    """A fresh clone of a reproduced copy: the committed results, no DVC cache."""
    return fresh_clone(reproduced_once, tmp_path_factory.mktemp("experiments") / "project")


@pytest.fixture(scope="module")
def single(clone):
    """The output of `dvc exp run -S train.lr=0.01` in the fresh copy."""
    return run(["dvc", "exp", "run", "-S", "train.lr=0.01"], clone).stdout


def exp_show(repo):
    """`dvc exp show --csv` as a list of rows (dicts keyed by column)."""
    return list(csv.DictReader(io.StringIO(run(["dvc", "exp", "show", "--csv"], repo).stdout)))


def markdown_table(text):
    """The cells of each row of a Markdown table, the header first, the |---| line left out."""
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")]
            for line in lines if set(line) - set("|-: ")]


def wait_for_queue(repo, timeout=300):
    """Poll `dvc queue status` until nothing is queued or running; return {name: status}."""
    deadline = time.monotonic() + timeout
    while True:
        status = run(["dvc", "queue", "status"], repo).stdout
        # rows of "Task  Name  Created  Status", e.g. "3a72e28  drawn-mean  04:00 PM  Success"
        tasks = dict(re.findall(r"^[0-9a-f]{7}\s+(\S+)\s.*\s(\w+)\s*$", status,
                                flags=re.MULTILINE))
        if tasks and not {"Queued", "Running"} & set(tasks.values()):
            return tasks
        if time.monotonic() > deadline:
            pytest.fail(f"the queue did not finish in {timeout} s:\n{status}")
        time.sleep(3)  # each poll starts DVC: leave the two cores to the workers


@pytest.fixture(scope="module")
def sweep(clone, single):
    """Names of the grid's experiments, after the queue ran them all."""
    run(["dvc", "exp", "run", "--queue", "-S", f"train.lr={','.join(LRS)}",
         "-S", f"model.layer_sizes={','.join(LAYER_SIZES)}", "-S", f"train.epochs={EPOCHS}"],
        clone)
    try:
        run(["dvc", "queue", "start", "-j", "2"], clone)
        tasks = wait_for_queue(clone)
    finally:
        run(["dvc", "queue", "stop"], clone, check=False)  # no worker outlives the test
    failed = {name: run(["dvc", "queue", "logs", name], clone, check=False).stdout
              for name, state in tasks.items() if state != "Success"}
    assert not failed, f"experiments failed: {failed}"
    return sorted(tasks)


def test_exp_run_with_a_param_override_works_from_a_fresh_clone(clone, single):
    rows = exp_show(clone)
    baseline = next(row for row in rows if row["typ"] == "baseline" and row["rev"] != "workspace")
    ran = [row for row in rows if row["typ"] != "baseline" and row["train.lr"] == "0.01"
           and row["train.epochs"] == baseline["train.epochs"]]  # not the sweep's

    assert "Ran experiment(s)" in single
    assert len(ran) == 1
    assert float(ran[0][FINAL_LOSS]) != float(baseline[FINAL_LOSS])
    assert math.isfinite(float(ran[0][FINAL_LOSS])) and 0 <= float(ran[0][ACCURACY]) <= 1


def test_queued_grid_sweep_runs_every_point(clone, sweep):
    rows = {row["Experiment"]: row for row in exp_show(clone) if row["Experiment"] in sweep}
    points = {(row["train.lr"], row["model.layer_sizes"].replace(" ", "")) for row in rows.values()}

    assert len(sweep) == len(LRS) * len(LAYER_SIZES)
    assert points == set(itertools.product(LRS, LAYER_SIZES))
    for name, row in rows.items():
        assert row["train.epochs"] == str(EPOCHS), name
        assert math.isfinite(float(row[FINAL_LOSS])), name
        assert 0 <= float(row[ACCURACY]) <= 1, name


def test_exp_show_md_tabulates_final_loss_and_accuracy_per_experiment(clone, sweep):
    header, *rows = markdown_table(run(EXP_SHOW_MD, clone).stdout)
    swept = [dict(zip(header, row)) for row in rows
             if any(row[0].endswith(f"[{name}]") for name in sweep)]

    assert set(header) == {"Experiment", FINAL_LOSS, ACCURACY, "passed", "model.layer_sizes",
                           "train.lr"}
    assert len(swept) == len(sweep)
    losses = [float(row[FINAL_LOSS]) for row in swept]
    assert losses == sorted(losses)  # --sort-by final loss, best first
    assert all(0 <= float(row[ACCURACY]) <= 1 for row in swept)


def test_plots_diff_overlays_the_loss_curve_of_every_experiment(clone, sweep):
    plots = json.loads(run(["dvc", "plots", "diff", *sweep, "--json"], clone).stdout)["data"]
    loss_plots = [
        plot["content"] for entries in plots.values() for plot in entries
        if plot["type"] == "vega"
        and plot["content"].get("encoding", {}).get("x", {}).get("field") == "epoch"
    ]

    assert len(loss_plots) == 1, f"the loss is drawn {len(loss_plots)} times: {list(plots)}"
    points = [(row["rev"], row["filename"]) for row in loss_plots[0]["data"]["values"]]
    # each experiment's own curve, and beside it the reference (the lab's 300 epochs)
    assert {key: points.count(key) for key in set(points)} == {
        **{(rev, LOSS_CSV): EPOCHS for rev in sweep},
        **{(rev, REFERENCE_CSV): REFERENCE_EPOCHS for rev in sweep}}


@requires_chromium
def test_plots_diff_page_draws_one_loss_curve_per_experiment_offline(
        clone, sweep, tmp_path_factory):
    install_template(tmp_path_factory, clone)
    run(["dvc", "plots", "diff", *sweep, "-o", "sweep_plots"], clone)

    charts = drawn_charts(dump_dom(clone / "sweep_plots" / "index.html"))
    loss_charts = [chart for chart in charts.values()
                   if any(label.startswith("X-axis titled 'epoch'") for label in chart["labels"])]
    assert loss_charts, f"no chart of loss against epoch among {list(charts)}"
    assert len(loss_charts) == 1, list(charts)
    curves = {}
    for label, colour, points in loss_charts[0]["lines"]:
        fields = mark_fields(label)
        curves[fields["rev"], fields["filename"]] = colour, points
    assert {key: points for key, (_, points) in curves.items()} == {
        **{(rev, LOSS_CSV): EPOCHS for rev in sweep},
        **{(rev, REFERENCE_CSV): REFERENCE_EPOCHS for rev in sweep}}
    # a colour per experiment, its reference drawn (dashed) in the same colour
    colours = {rev: {colour for (line_rev, _), (colour, _) in curves.items() if line_rev == rev}
               for rev in sweep}
    assert all(len(found) == 1 for found in colours.values()), curves
    assert len(set.union(*colours.values())) == len(sweep), curves
