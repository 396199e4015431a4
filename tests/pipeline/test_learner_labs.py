"""A learner's own lab through plain `dvc repro`, in a fresh clone: the lab's pitfalls and
other mistakes planted one at a time in the answer's files, each named by its own cause, a
correct lab written differently that passes, and files that are not ready yet, refused
before anything is deleted. No stage shows a traceback."""

import json
import re
import shutil
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import LAB_FINAL_LOSS, changed_lines, fresh_clone, run
from test_lab_checks import MODEL as LEARNER_MODEL, TRAIN as LEARNER_TRAIN, VIZ as LEARNER_VIZ
from test_readme_recipes import readme_block

pytestmark = pytest.mark.slow

MODEL = "experiments/07-train-tense-logits/model.py"
TRAIN = "experiments/07-train-tense-logits/train.py"
VIZ = "experiments/07-visualize-graph/viz.py"
REPORT = "experiments/07-train-tense-logits/README.md"
# What the curve-based advice says; a run with a mistake in its code must offer none of it.
CURVE_ADVICE = ("Lower `train.lr`", "Raise `train.lr`", "more hidden units", "more epochs would",
                "a bug in backward", "Lower `model.init_range`", "another `seed`")

# (case, file, the answer's text, the mistake, what the finding must say)
MISTAKES = [
    # the table
    ("gradients never zeroed", TRAIN, "        p.grad = 0.0  # 3.", "        pass  # 3.",
     "the gradients add up over epochs"),
    ("every weight Value(0.0)", MODEL, "Value(random.uniform(-init_range, init_range))",
     "Value(0.0)", "neurons start identical"),
    ("the first output of each example", TRAIN, "zip(pred, target))", "zip(pred[:1], target))",
     "the loss covers 5 of the 25 outputs"),
    ("p.data += lr * p.grad", TRAIN, "p.data -= lr * p.grad", "p.data += lr * p.grad",
     "the update goes uphill"),
    ("weights uniform(-6, 6) in model.py", MODEL, "random.uniform(-init_range, init_range)",
     "random.uniform(-6, 6)", "outside uniform(-1, 1)"),
    # the lab's third pitfall
    ("0/1 targets", TRAIN, "[[1.0 if j == i else -1.0", "[[1.0 if j == i else 0.0",
     "the targets are 0/1; tanh's outputs lie in (-1, 1)"),
    # mistakes the lab does not list
    ("the tanh forgotten", MODEL, "return activation.tanh()", "return activation",
     "every layer's neurons return b + Σ w·x without the tanh"),
    ("the mean, not the sum", TRAIN, "    return sum((p - y) ** 2",
     "    return (1 / 25) * sum((p - y) ** 2",
     "the mean of the 25 squared errors"),
    ("parameters() without the bias", MODEL, "return self.w + [self.b]", "return self.w",
     "missing: layer 1's biases, layer 2's biases"),
    ("a hard-coded lr", TRAIN, "p.data -= lr * p.grad", "p.data -= 0.2 * p.grad",
     "whatever lr sgd_step is given"),
]
# Cases run under `train.engine: compiled`, which trains with the compiled total_loss: the
# same checks run on the learner's own step and fail the run all the same.
COMPILED = {"a hard-coded lr"}

# A train.py as Block C reads, top to bottom: the loop runs at import.
SCRIPT_STYLE = '''\
from minigrad import get_logger, seed_everything
from model import MLP

log = get_logger(__name__)
seed_everything(42)
xs = [[1.0 if j == i else 0.0 for j in range(5)] for i in range(5)]
ys = [[1.0 if j == i else -1.0 for j in range(5)] for i in range(5)]
model = MLP(5, [4, 5])
for epoch in range(300):
    preds = [model(x) for x in xs]
    loss = sum((p - y) ** 2 for pred, target in zip(preds, ys) for p, y in zip(pred, target))
    for p in model.parameters():
        p.grad = 0.0
    loss.backward()
    for p in model.parameters():
        p.data -= 0.05 * p.grad
    log.info(f"epoch {epoch} loss {loss.data}")
'''


def plant(project, path, old, new):
    text = (project / path).read_text()
    assert old in text, old
    (project / path).write_text(text.replace(old, new, 1))


def put_back(project):
    run(["git", "checkout", "--", "."], project)
    run(["git", "clean", "-fdq", "--", "experiments"], project)


class Run:
    """What `dvc repro` printed and left, after one planted mistake."""

    def __init__(self, project, result):
        self.stderr, self.returncode = result.stderr, result.returncode
        self.passed = json.loads((project / "metrics/verify.json").read_text())["passed"]
        report = (project / REPORT).read_text()
        self.advice = report.split("## What to improve", 1)[1].split("## ", 1)[0]


def planted_run(project, case, path, old, new):
    plant(project, path, old, new)
    if case in COMPILED:
        plant(project, "params.yaml", "engine: eager", "engine: compiled")
    try:
        return Run(project, run(["dvc", "repro"], project, check=False))
    finally:
        put_back(project)


@pytest.fixture(scope="module")
def clones(reproduced_once, tmp_path_factory):
    """Two fresh clones, their datasets rebuilt (a clone has no DVC cache), one per core."""
    def new_clone(number):
        dest = fresh_clone(reproduced_once, tmp_path_factory.mktemp(f"learner{number}") / "p")
        run(["dvc", "repro"], dest)
        return dest

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(new_clone, range(2)))


@pytest.fixture(scope="module")
def planted(clones):
    """Each MISTAKES case through `dvc repro`, by case name, two at a time (each run is a few
    stage processes, one after another)."""
    with ThreadPoolExecutor(2) as pool:
        halves = pool.map(lambda clone, cases: {m[0]: planted_run(clone, *m[:4]) for m in cases},
                          clones, [MISTAKES[0::2], MISTAKES[1::2]])
        return {case: result for half in halves for case, result in half.items()}


@pytest.fixture(scope="module")
def clone(clones):
    return clones[0]


@pytest.fixture
def lab(clone):
    """The clone, put back to its committed files after the test."""
    yield clone
    put_back(clone)


@pytest.mark.parametrize("case, cause", [(m[0], m[4]) for m in MISTAKES],
                         ids=[m[0] for m in MISTAKES])
def test_each_planted_mistake_trains_fails_and_is_named_by_its_cause(planted, case, cause):
    result = planted[case]
    assert result.returncode == 0, result.stderr  # verify records the failure, DVC keeps the run
    assert "Traceback" not in result.stderr, result.stderr
    found = [line for line in result.stderr.splitlines() if "lab check:" in line]
    assert found and cause in found[0], result.stderr
    assert result.passed is False
    assert cause in result.advice.split("\n- ", 2)[1], result.advice  # the first thing it says
    for curve in CURVE_ADVICE:
        assert curve not in result.advice, (curve, result.advice)


def test_a_correct_model_that_lists_the_bias_first_passes_with_the_answers_loss(lab):
    plant(lab, MODEL, "return self.w + [self.b]", "return [self.b] + self.w")
    result = run(["dvc", "repro"], lab)
    assert "lab check" not in result.stderr and "Traceback" not in result.stderr
    assert json.loads((lab / "metrics/verify.json").read_text())["passed"] is True
    assert json.loads((lab / "metrics/train.json").read_text())["final_loss"] == LAB_FINAL_LOSS
    # saved and loaded through the learner's parameters(), in its order (by position into
    # another order, predict got 1/5)
    predictions = json.loads((lab / "experiments/07-train-tense-logits/predictions.json")
                             .read_text())["predictions"]
    assert all(p["correct"] for p in predictions)


def assert_refused(project, result, fragments, edited):
    """Refused in one line naming each fragment, before any stage with results ran."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("check_params:")]
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    changed = run(["git", "status", "--porcelain"], project).stdout.splitlines()
    assert sorted(line[3:] for line in changed) == sorted(edited)  # nothing deleted


def test_a_script_style_train_py_is_told_to_put_its_loop_in_a_function(lab):
    (lab / TRAIN).write_text(SCRIPT_STYLE)
    status = run(["dvc", "status"], lab).stdout
    result = run(["dvc", "repro"], lab, check=False)
    assert_refused(lab, result, [TRAIN, "trains when it is imported: its line 14 reaches"
                                 " backward()",
                                 "put the epoch loop in a function", "Block C"], [TRAIN])
    assert "epoch 1 loss" not in result.stderr  # refused at the first backward, not after 300
    assert run(["dvc", "status"], lab).stdout == status
    run(["git", "checkout", "--", TRAIN], lab)
    assert "up to date" in run(["dvc", "status"], lab).stdout


def test_the_readmes_own_lab_commands_run_as_written_from_skeletons_to_a_passing_lab(lab):
    for command in readme_block("make starter"):  # then `dvc repro`, refused
        result = run(command, lab, check=command[0] == "make")
    assert_refused(lab, result, [MODEL, "still to write: Block A: MLP.__init__"],
                   [MODEL, TRAIN, VIZ])
    refused = run(["make", "-s", "starter"], lab, check=False)  # edits are never overwritten
    assert refused.returncode != 0 and "uncommitted edits" in refused.stderr

    # the Blocks written in a learner's own words (tests/pipeline/test_lab_checks.py's lab)
    for path, text in ((MODEL, LEARNER_MODEL), (TRAIN, LEARNER_TRAIN), (VIZ, LEARNER_VIZ)):
        (lab / path).write_text(textwrap.dedent(text))
    result = run(["dvc", "repro"], lab)
    assert "lab check" not in result.stderr
    assert json.loads((lab / "metrics/verify.json").read_text())["passed"] is True

    plots_diff, checkout = readme_block("dvc plots diff HEAD")
    run(plots_diff, lab)
    page = (lab / "dvc_plots/index.html").read_text()
    assert "HEAD" in page and "workspace" in page  # the learner's curve and the answer's
    assert "solutions/reference-loss.csv" in page  # and the reference, whatever HEAD holds
    shutil.rmtree(lab / "dvc_plots")
    run(checkout, lab)
    assert run(["git", "status", "--porcelain", "--", MODEL, TRAIN, VIZ], lab).stdout == ""
    run(["dvc", "repro"], lab)  # the answer trains again, to its committed results
    assert changed_lines(lab) == []


def test_an_exception_in_the_learners_code_shows_its_frames_not_the_stages(lab):
    plant(lab, TRAIN, "    loss.backward()", "    loss.backward()\n    1 / 0")
    result = run(["dvc", "repro"], lab, check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert re.search(rf"ZeroDivisionError: division by zero, while .*\n  {TRAIN}, line \d+,"
                     r" in sgd_step: 1 / 0", result.stderr), result.stderr
    assert "stages/" not in result.stderr.split("ZeroDivisionError", 1)[1].split("ERROR", 1)[0]
