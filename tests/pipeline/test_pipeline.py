"""The pipeline end to end: the real `dvc repro` in a real git repository."""

import csv
import json
import re
import xml.etree.ElementTree as ET

import pytest
import yaml

from conftest import (LAB_FINAL_LOSS, LAB_PARAMS, REPO, copy_project, pipeline, results, run,
                      top_level_plots)
from conftest import validate_manifest
from stages import common

TRAIN = "experiments/07-train-tense-logits"
VIZ = "experiments/07-visualize-graph"
SVG = "{http://www.w3.org/2000/svg}"


def ran_stages(output):
    return re.findall(r"Running stage '(\w+)'", output)


def set_param(project, section, key, value):
    path = project / "params.yaml"
    params = yaml.safe_load(path.read_text())
    params[section][key] = value
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def test_both_committed_manifests_follow_the_standard_schema():
    for manifest in (TRAIN, VIZ):
        validate_manifest(json.loads((REPO / manifest / "manifest.json").read_text()))


def test_the_stages_name_the_files_dvc_yaml_names_and_no_others():
    """dvc.yaml's `vars` and stages/common.py name the files: the same ones."""
    names = {value for name, value in vars(common).items() if name.isupper() and isinstance(
        value, str) and (value == "params.yaml" or "/" in value and " " not in value)}
    variables = {value for entry in yaml.safe_load((REPO / "dvc.yaml").read_text())["vars"]
                 for value in entry.values()}
    assert variables <= names
    stages = pipeline()
    listed = {path for stage in stages.values()
              for entry in [*stage["deps"], *stage.get("outs", []), *stage.get("metrics", []),
                            *stage.get("plots", [])]
              for path in ([entry] if isinstance(entry, str) else entry)}
    # the top-level plots' files: the run's loss and the reference beside it
    listed |= {path for plot in top_level_plots().values() for path in plot["y"]}
    assert listed - {"stages", "labcheck", "minigrad"} == names - {common.TRAIN_DIR,
                                                                  common.VIZ_DIR}
    assert all(stage["cmd"] == f"python -m stages.{name}" for name, stage in stages.items())


@pytest.mark.slow
def test_repro_meets_the_labs_stop_conditions(reproduced):
    train = json.loads((reproduced / "metrics/train.json").read_text())
    verify = json.loads((reproduced / "metrics/verify.json").read_text())
    assert train == {"final_loss": LAB_FINAL_LOSS, "epochs": 300, "n_params": 49,  # to the bit
                     "saturated_start": 0.0, "saturated_end": 0.0, "lab_checks_failed": 0}
    assert verify == {"accuracy": 1.0, "all_correct": True, "passed": True}

    with open(reproduced / "metrics/loss.csv", newline="") as f:
        losses = [float(row["loss"]) for row in csv.DictReader(f)]
    assert len(losses) == 300 and losses[-1] == train["final_loss"]
    assert losses[-1] < losses[0] / 100  # it learned: the loss fell by over 100x

    predictions = json.loads((reproduced / TRAIN / "predictions.json").read_text())["predictions"]
    assert [p["spanish"] for p in predictions] == [
        "trabajar", "trabaja", "trabajó", "trabajado", "trabajará"]
    assert all(p["correct"] and p["predicted"] == p["tense"] for p in predictions)

    for name in ("loss.png", "predictions.json", "manifest.json", "README.md", "model.json"):
        assert (reproduced / TRAIN / name).stat().st_size > 0, name
    for name in ("graph.svg", "manifest.json", "README.md"):
        assert (reproduced / VIZ / name).stat().st_size > 0, name
    assert (reproduced / TRAIN / "loss.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    report = (reproduced / TRAIN / "README.md").read_text()
    assert "PASSED" in report and re.search(r"\| training time \| \d+\.\d{3} s \|", report)
    timed = json.loads((reproduced / TRAIN / "manifest.json").read_text())["metrics"]
    assert timed["train_seconds"] > 0  # timing lives in the manifest, not in the metrics
    for manifest in (TRAIN, VIZ):
        validate_manifest(json.loads((reproduced / manifest / "manifest.json").read_text()))


def svg_nodes(path):
    """{graphviz node id: the texts of its record fields} of a rendered graph."""
    svg = ET.parse(path).getroot()
    return svg, {
        node.find(f"{SVG}title").text: [t.text.strip() for t in node.iter(f"{SVG}text") if t.text]
        for node in svg.iter(f"{SVG}g")
        if node.get("class") == "node"
    }


@pytest.mark.slow
def test_graph_svg_shows_a_with_two_outgoing_edges(reproduced):
    svg, nodes = svg_nodes(reproduced / VIZ / "graph.svg")
    names = {node_id: texts[0] for node_id, texts in nodes.items()}
    edges = [e.find(f"{SVG}title").text for e in svg.iter(f"{SVG}g") if e.get("class") == "edge"]
    sources = [re.split(r"->", title)[0].split(":")[0] for title in edges]
    node_a = [node_id for node_id, name in names.items() if name == "a"]
    assert len(node_a) == 1
    assert sources.count(node_a[0]) == 2
    assert len(names) == 7  # a, b, c, a*b, a*b + c, a - c, and the product


@pytest.mark.slow
def test_second_repro_runs_nothing(reproduced):
    result = run(["dvc", "repro"], reproduced)
    assert ran_stages(result.stdout) == []
    assert "up to date" in run(["dvc", "status"], reproduced).stdout


@pytest.mark.slow
def test_changing_lr_reruns_train_predict_verify_only(reproduced):
    set_param(reproduced, "train", "lr", 0.1)
    result = run(["dvc", "repro"], reproduced)
    assert ran_stages(result.stdout) == ["check_params", "train", "predict", "verify"]

    diff = json.loads(run(["dvc", "metrics", "diff", "--json"], reproduced).stdout)
    change = diff["metrics/train.json"]["final_loss"]
    assert change["old"] != change["new"] and change["diff"] == change["new"] - change["old"]
    params = json.loads(run(["dvc", "params", "diff", "--json"], reproduced).stdout)
    lr = params["params.yaml"]["train.lr"]
    assert (lr["old"], lr["new"]) == (0.05, 0.1)


@pytest.mark.slow
def test_changing_viz_values_reruns_viz_and_the_verify_that_judges_its_drawing(reproduced):
    set_param(reproduced, "viz", "values", {"a": 1, "b": 3, "c": 4})
    result = run(["dvc", "repro"], reproduced)
    assert ran_stages(result.stdout) == ["check_params", "viz", "verify"]
    _, nodes = svg_nodes(reproduced / VIZ / "graph.svg")
    leaf_a = [texts for texts in nodes.values() if texts[0] == "a"]
    assert leaf_a[0][1] == "1.0000"


@pytest.mark.slow
def test_compiled_engine_reproduces_the_eager_results_bit_for_bit(reproduced):
    names = ("metrics/train.json", "metrics/loss.csv", "metrics/verify.json",
             "metrics/confusion.json", f"{TRAIN}/model.json", f"{TRAIN}/predictions.json")
    before = {name: (reproduced / name).read_bytes() for name in names}
    set_param(reproduced, "train", "engine", "compiled")
    result = run(["dvc", "repro"], reproduced)
    # predict does not run: the model it reads is byte for byte the one it read before
    assert ran_stages(result.stdout) == ["check_params", "train", "verify"]
    for name in names:
        assert (reproduced / name).read_bytes() == before[name], name
    assert json.loads(run(["dvc", "metrics", "diff", "--json"], reproduced).stdout) == {}


@pytest.mark.slow
def test_same_params_give_bit_identical_losses(reproduced):
    before = (reproduced / "metrics/loss.csv").read_bytes()
    run(["dvc", "repro", "--force", "train"], reproduced)
    assert (reproduced / "metrics/loss.csv").read_bytes() == before


@pytest.mark.slow
def test_fresh_clone_shows_metrics_and_plots_without_running(reproduced, tmp_path):
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(reproduced), str(clone)], tmp_path)
    shown = json.loads(run(["dvc", "metrics", "show", "--json"], clone).stdout)
    assert json.dumps(shown).count('"passed": true') == 1
    for path in ("metrics/loss.csv", "metrics/confusion.json", f"{TRAIN}/loss.png", f"{VIZ}/graph.svg"):
        assert (clone / path).exists(), path


def vega_plots(project):
    """{plot id: the Vega-Lite spec DVC draws for it} from `dvc plots show --json`: a file's
    path for a stage's plot, the id under dvc.yaml's top-level `plots:` for the others."""
    data = json.loads(run(["dvc", "plots", "show", "--json"], project).stdout)["data"]
    return {name: plot["content"] for name, plots in data.items() for plot in plots
            if plot["type"] == "vega"}


def scales_and_sorts(spec):
    """Every y `scale` and every x/y `sort` in the spec, however deep."""
    found = {"scale": [], "sort": []}
    stack = [spec]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for axis in ("x", "y"):
                if isinstance(node.get(axis), dict):
                    if axis == "y" and "scale" in node[axis]:
                        found["scale"].append(node[axis]["scale"])
                    if "sort" in node[axis]:
                        found["sort"].append(node[axis]["sort"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


@pytest.mark.slow
def test_dvc_plots_draw_the_loss_on_a_log_scale_and_the_tenses_in_order(reproduced):
    plots = vega_plots(reproduced)
    loss = scales_and_sorts(plots["loss"])
    assert loss["scale"] and all(scale == {"type": "log"} for scale in loss["scale"])
    tenses = yaml.safe_load((reproduced / "data/verbs.yaml").read_text())["tenses"]
    confusion = scales_and_sorts(plots["metrics/confusion.json"])
    assert confusion["sort"] == [tenses, tenses]


@pytest.mark.slow
def test_copies_hold_the_sources_and_the_labs_params_but_none_of_the_results(tmp_path):
    """Whatever the workspace holds (a failed run, an applied experiment, dvc_plots/), the
    tests' copies are built the same way: sources from the working tree, the lab's params,
    and no result, which each copy makes itself with `dvc repro`."""
    copy = copy_project(tmp_path / "copy")
    assert (copy / "params.yaml").read_text() == LAB_PARAMS
    for path in results():
        assert not (copy / path).exists(), path
    assert (copy / "stages" / "train.py").read_bytes() == (REPO / "stages" / "train.py").read_bytes()
    assert not (copy / "dvc_plots").exists()


def test_the_loss_plot_is_declared_once_with_the_reference_beside_it():
    """DVC draws a file declared both under a stage's `plots:` and in the top-level section
    twice: metrics/loss.csv is only in the top-level plot, with the reference curve."""
    stages = pipeline()
    assert {"metrics/loss.csv": {"cache": False}} in stages["train"]["outs"]
    in_stages = {path for stage in stages.values() for entry in stage.get("plots", [])
                 for path in ([entry] if isinstance(entry, str) else entry)}
    assert "metrics/loss.csv" not in in_stages
    assert top_level_plots() == {"loss": {
        "title": "Training loss per epoch (log scale)", "template": "loss_log", "x": "epoch",
        "y": {"metrics/loss.csv": "loss", common.REFERENCE_CSV: "loss"}}}


@pytest.mark.slow
def test_dvc_plots_show_draws_each_curve_once(reproduced):
    data = json.loads(run(["dvc", "plots", "show", "--json"], reproduced).stdout)["data"]
    assert "metrics/loss.csv" not in data  # no second drawing of the run's curve on its own
    (loss,) = data["loss"]
    points = [(row["rev"], row["filename"]) for row in loss["content"]["data"]["values"]]
    assert {key: points.count(key) for key in set(points)} == {
        ("workspace", "metrics/loss.csv"): 300, ("workspace", common.REFERENCE_CSV): 300}
    with open(reproduced / common.REFERENCE_CSV, newline="") as f:
        reference = [row["loss"] for row in csv.DictReader(f)]
    assert [row["loss"] for row in loss["content"]["data"]["values"]
            if row["filename"] == common.REFERENCE_CSV] == reference


@pytest.mark.slow
def test_the_manifests_hash_the_checker_files_that_judged_the_run(reproduced_once):
    import hashlib

    for manifest, judge in ((f"{TRAIN}/manifest.json", "labcheck/step.py"),
                            (f"{VIZ}/manifest.json", "labcheck/graph.py")):
        inputs = {entry["path"]: entry["sha256"] for entry in
                  json.loads((reproduced_once / manifest).read_text())["inputs"]}
        assert judge in inputs, (manifest, sorted(inputs))
        for path, digest in inputs.items():
            assert hashlib.sha256((reproduced_once / path).read_bytes()).hexdigest() == digest
