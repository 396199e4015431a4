"""The everyday loop as a new user meets it, in a fresh clone (committed files, no DVC cache),
with plain `dvc repro` and `dvc exp run`: what the stages print, what a misspelt key says,
what `dvc status` says after a refused edit, the advice for saturated units, each metric
once, and what `dvc exp run -S` does to params.yaml."""

import json
import re

import pytest

from conftest import run
from test_bad_input import replace_in
from test_experiments import EXP_SHOW_MD

pytestmark = pytest.mark.slow

REPORT = "experiments/07-train-tense-logits/README.md"


def test_a_refused_params_yaml_is_one_plain_line_and_progress_is_plain_text(project):
    replace_in(project, "params.yaml", "lr: 0.05", "lr: -1")
    refused = run(["dvc", "repro"], project, check=False)
    assert refused.returncode == 255
    assert refused.stderr.splitlines()[0] == (
        "check_params: params.yaml: train.lr = -1 is not allowed: a finite number > 0")
    assert "{" not in refused.stderr and "Traceback" not in refused.stderr

    replace_in(project, "params.yaml", "lr: -1", "lr: 0.06")
    ran = run(["dvc", "repro"], project)
    output = ran.stdout + ran.stderr
    assert re.search(r"^train: epoch 30/300  loss \d+\.\d{4}$", output, flags=re.M), output
    assert "{" not in output


def test_a_misspelt_key_is_named_with_the_key_it_should_be(project):
    replace_in(project, "params.yaml", "lr: 0.05", "lrr: 0.05")
    result = run(["dvc", "repro"], project, check=False)
    assert result.returncode == 255
    assert result.stderr.splitlines()[0] == (
        "check_params: params.yaml: unknown key train.lrr (did you mean train.lr?)")


def test_after_a_refused_edit_is_put_back_dvc_status_is_clean(project):
    run(["dvc", "repro"], project)  # a fresh clone builds its dataset first
    replace_in(project, "params.yaml", "lr: 0.05", "lr: -1")
    assert run(["dvc", "repro"], project, check=False).returncode == 255
    run(["git", "checkout", "--", "params.yaml"], project)
    assert "Data and pipelines are up to date" in run(["dvc", "status"], project).stdout
    assert run(["git", "status", "--porcelain"], project).stdout == ""


def test_saturated_hidden_units_get_the_labs_advice_lower_init_range(project):
    replace_in(project, "params.yaml", "init_range: 1.0", "init_range: 3.0")
    result = run(["dvc", "repro"], project)
    train = json.loads((project / "metrics/train.json").read_text())
    assert train["final_loss"] > 4 and train["saturated_start"] >= 0.1
    report = (project / REPORT).read_text()
    assert "**Verdict: FAILED" in report
    assert "saturated (|h| > 0.99) from the start" in report
    assert "Lower `model.init_range` (the lab's is 1.0)." in report
    assert "Lower `model.init_range`" in result.stderr  # verify's one line says it too


def test_each_metric_is_shown_once_and_the_sweep_table_shows_passed(project):
    shown = json.loads(run(["dvc", "metrics", "show", "--json"], project).stdout)
    names = [name for rev in shown.values() for metrics in rev["data"].values()
             for name in metrics["data"]]
    assert len(names) == len(set(names)), names
    assert {"final_loss", "accuracy", "passed"} <= set(names)

    run(["dvc", "exp", "run", "-S", "train.lr=0.06"], project)
    diff = run(["dvc", "metrics", "diff", "--json"], project).stdout
    changed = [name for metrics in json.loads(diff).values() for name in metrics]
    assert changed.count("final_loss") == 1, diff

    header = run(EXP_SHOW_MD, project).stdout.splitlines()[0]  # the README's command
    assert [cell.strip() for cell in header.strip("|").split("|")] == [
        "Experiment", "final_loss", "accuracy", "passed", "model.layer_sizes", "train.lr"]


def test_exp_run_set_writes_params_yaml_even_when_refused_and_git_brings_it_back(project):
    run(["dvc", "exp", "run", "-S", "train.lr=0.1"], project)
    rewritten = (project / "params.yaml").read_text()
    assert re.search(r"^  lr: 0.1$", rewritten, flags=re.M)
    # DVC's own style, as the README says: a block list, no quotes, the comments kept
    assert re.search(r"^  layer_sizes: +# hidden.*\n  - 4\n  - 5$", rewritten, flags=re.M)
    assert "expression: (a*b + c)*(a - c)" in rewritten
    run(["git", "checkout", "--", "params.yaml"], project)  # as the README says

    refused = run(["dvc", "exp", "run", "-S", "train.lr=-1"], project, check=False)
    assert refused.returncode != 0
    assert re.search(r"^  lr: -1$", (project / "params.yaml").read_text(), flags=re.M)
    run(["git", "checkout", "--", "params.yaml"], project)
    assert (project / "params.yaml").read_bytes() == run(
        ["git", "show", "HEAD:params.yaml"], project).stdout.encode()
