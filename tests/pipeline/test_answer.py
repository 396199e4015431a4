"""The lab's answer as committed (conftest.ANSWER): model.py, train.py and viz.py.

They are the code the train and viz stages run in every other test, they run on their own as
a learner runs them, and they cannot drift from the library: the answer's MLP and
minigrad.nn's give the same outputs and train to the same bits, and its drawing is
draw_dot's, to the DOT source. (tests/pipeline/test_lab.py checks the workspace's files,
whoever wrote them, against what the lab asks.)
"""

import subprocess
import sys

import pytest

from conftest import LAB_FINAL_LOSS, answer_lab, project_env, run
from minigrad import Value, draw_dot, seed_everything
from minigrad.nn import MLP as LibraryMLP
from stages.expression import evaluate
from stages.train import draw_loss_curve

TRAIN_DIR = "experiments/07-train-tense-logits"
VIZ_DIR = "experiments/07-visualize-graph"
ANSWER = answer_lab(viz=True)
LAB, VIZ = ANSWER.train, ANSWER.viz


def both_models(layer_sizes, seed=42):
    """The lab's MLP and minigrad.nn's, each built right after the same seed."""
    seed_everything(seed)
    lab = LAB.MLP(5, layer_sizes)
    seed_everything(seed)
    return lab, LibraryMLP(5, layer_sizes)


@pytest.mark.parametrize("layer_sizes", [[4, 5], [3, 3, 5], [5]])
def test_lab_mlp_draws_the_same_weights_and_computes_the_same_outputs_as_minigrad_nn(layer_sizes):
    lab, library = both_models(layer_sizes)
    assert [p.data for p in lab.parameters()] == [p.data for p in library.parameters()]
    for x in [*LAB.xs, [0.3, -1.2, 0.0, 2.5, -0.7]]:
        assert [o.data for o in lab(x)] == [o.data for o in library(x)]


def test_lab_loop_trains_both_networks_to_the_same_bits():
    lab, library = both_models([4, 5])
    lab_losses = LAB.train(lab)
    library_losses = LAB.train(library)
    assert lab_losses == library_losses
    assert lab_losses[-1] == LAB_FINAL_LOSS
    assert [p.data for p in lab.parameters()] == [p.data for p in library.parameters()]
    guesses = [max(range(5), key=lambda j: out[j].data) for out in map(lab, LAB.xs)]
    assert guesses == [0, 1, 2, 3, 4]


def test_the_answers_train_py_holds_what_the_pipeline_calls():
    assert LAB.xs == [[1.0 if j == i else 0.0 for j in range(5)] for i in range(5)]  # Block B
    assert LAB.ys == [[1.0 if j == i else -1.0 for j in range(5)] for i in range(5)]
    lab, _ = both_models([4, 5])
    before = [p.data for p in lab.parameters()]
    loss = LAB.sgd_step(lab, LAB.xs, LAB.ys, 0.05)
    assert loss == LAB.total_loss(both_models([4, 5])[0], LAB.xs, LAB.ys).data
    assert [p.data for p in lab.parameters()] != before  # one step, in place


def test_lab_loss_is_the_sum_of_squared_errors_over_the_25_outputs():
    lab, _ = both_models([4, 5])
    xs, ys = LAB.xs, LAB.ys
    outputs = [[o.data for o in lab(x)] for x in xs]
    by_hand = sum((o - t) ** 2 for row, targets in zip(outputs, ys) for o, t in zip(row, targets))
    assert LAB.total_loss(lab, xs, ys).data == pytest.approx(by_hand, rel=1e-15)
    assert Value.squared_error([o for x in xs for o in lab(x)],
                               [t for row in ys for t in row]).data == pytest.approx(by_hand)


@pytest.mark.parametrize("expression, values", [
    ("(a*b + c)*(a - c)", {"a": 2, "b": 3, "c": 4}),
    ("tanh(x*x*x) + exp(-x)", {"x": 0.5}),
    ("a", {"a": 1.5}),
    ("a**2 / (b - 1)", {"a": 3, "b": 4}),
])
def test_lab_viz_draws_the_same_dot_source_as_draw_dot(expression, values):
    root, _ = evaluate(expression, values)
    root.backward()
    assert VIZ.draw(root).source == draw_dot(root).source


def test_lab_viz_builds_the_labs_expression_with_its_gradients():
    root = VIZ.build()
    leaves = {node.label: node for node in root.inputs[0].inputs[0].inputs + root.inputs[1].inputs}
    assert root.data == -20.0
    assert {name: leaf.grad for name, leaf in leaves.items()} == {"a": 4.0, "b": -4.0, "c": -12.0}


def run_by_hand(project, script, *args):
    """`python <script> [args]` in the project, as a learner runs a lab file."""
    result = subprocess.run([sys.executable, script, *map(str, args)], cwd=project,
                            capture_output=True, text=True, timeout=120, env=project_env())
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.slow
def test_train_py_run_by_hand_trains_the_lab_and_checks_its_bars(reproduced, tmp_path):
    result = run_by_hand(reproduced, f"{TRAIN_DIR}/train.py")
    assert "epoch 300/300  loss 0.0531" in result.stderr
    assert "past_participle -> past_participle" in result.stderr
    # the stage draws the curve: the same bytes from the same losses
    png = tmp_path / "loss.png"
    draw_loss_curve(LAB.train(both_models([4, 5])[0]), png)
    assert png.read_bytes() == (reproduced / TRAIN_DIR / "loss.png").read_bytes()


@pytest.mark.slow
def test_viz_py_run_by_hand_draws_the_committed_graph(reproduced, tmp_path):
    svg = tmp_path / "graph.svg"
    run_by_hand(reproduced, f"{VIZ_DIR}/viz.py", svg)
    assert svg.read_bytes() == (reproduced / VIZ_DIR / "graph.svg").read_bytes()


@pytest.mark.slow
def test_a_fresh_clone_holds_every_deliverable_and_is_already_reproduced(project):
    listed = run(["git", "ls-files", "experiments"], project).stdout.split()
    for name in ("model.py", "train.py", "loss.png", "predictions.json", "manifest.json",
                 "README.md", "model.json"):
        assert f"{TRAIN_DIR}/{name}" in listed, name
    for name in ("viz.py", "graph.svg", "manifest.json", "README.md", "graph.py"):
        assert f"{VIZ_DIR}/{name}" in listed, name

    result = run(["dvc", "repro"], project)
    # only data/ (kept in DVC's cache, which a clone does not have) is made again
    assert "Running stage 'train'" not in result.stdout, result.stdout
    assert run(["git", "status", "--porcelain"], project).stdout == ""
    assert "up to date" in run(["dvc", "status"], project).stdout


@pytest.mark.slow
def test_editing_the_labs_train_py_makes_train_changed(reproduced):
    with open(reproduced / TRAIN_DIR / "train.py", "a", encoding="utf-8") as f:
        f.write("# a learner's note\n")
    status = run(["dvc", "status"], reproduced).stdout
    assert "train:" in status and f"modified:           {TRAIN_DIR}/train.py" in status, status
    assert "predict:" in status  # it reads train.py's xs
    assert "viz:" not in status
