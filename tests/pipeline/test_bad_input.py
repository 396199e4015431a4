"""Bad input, for real: the stages, `make repro` and `dvc repro` as subprocesses in copies of
the project. Each bad input ends in exit code 1 and ONE plain line on stderr, `<stage>:
<message>`, whose message names the key or the file, never a traceback or JSON; and the
workspace stays good.
"""

import json
import math
import re

import pytest

from conftest import (BIN, answer_lab, changed_lines, locked_results, pipeline, project_env, run,
                      stage_outs)
from minigrad import seed_everything
from stages import train, verify

pytestmark = pytest.mark.slow

STAGES = pipeline()
EXP = "experiments/07-train-tense-logits"
MODEL = f"{EXP}/model.json"
DATASET = "data/tense_identity.json"
LOSS_CSV = "metrics/loss.csv"


def run_stage(project, name):
    """The stage's own command from dvc.yaml, run in `project` with the venv's python."""
    return run(STAGES[name]["cmd"].split(), project, check=False)


def one_error_line(result, code=1):
    """The message of the single plain line on stderr, `<stage>: <message>`; fails on a
    traceback, a JSON line or anything more."""
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == code, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and not lines[0].startswith("{"), result.stderr
    stage, _, message = lines[0].partition(": ")
    assert stage in STAGES, lines[0]
    return message


def replace_in(project, name, old, new):
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def leftover_temp_files(project):
    """Files named like stages.common.atomic_path's temporary ones (.<name>.<pid>.<random>)."""
    return [
        path for path in project.rglob(".*")
        if path.is_file() and path.name not in (".gitignore", ".dvcignore")
        and not {".git", ".dvc", "__pycache__"} & set(path.relative_to(project).parts)
    ]


def snapshot(project):
    """{path: bytes} of the workspace: everything but git's and DVC's own directories and
    Python's bytecode caches."""
    return {
        str(path.relative_to(project)): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file() and not {".git", ".dvc", "__pycache__"} & set(path.relative_to(project).parts)
    }


@pytest.fixture
def workspace(reproduced_for_module):
    """A reproduced project, shared by the tests that each break one input file; whatever a
    test changes is put back after it."""
    project = reproduced_for_module
    before = snapshot(project)
    yield project
    for name in set(snapshot(project)) - set(before):
        (project / name).unlink()
    for name, data in before.items():
        (project / name).write_bytes(data)


def assert_only_changed(project, before, name):
    """Nothing but `name` differs from `before`: a refused stage wrote nothing."""
    after = snapshot(project)
    after.pop(name, None), before.pop(name, None)
    assert after == before


# ---------------------------------------------------------------------------------------
# params.yaml, through each stage that reads it and through `make repro`'s check

BAD_PARAMS = [  # (id, stage, old, new, fragments of the message)
    ("unknown-verb", "build_dataset", "verb: work", "verb: swim",
     ["data.verb = 'swim'", "one of be, come, do"]),
    ("duplicate-key", "build_dataset", "verb: work", "verb: work\n  verb: go",
     ["params.yaml is not valid YAML at line 7", 'duplicate key "verb"']),
    ("malformed-yaml", "train", "layer_sizes: [4, 5]", "layer_sizes: [4, 5",
     ["params.yaml is not valid YAML at line 10"]),
    ("lr-word", "train", "lr: 0.05", "lr: fast", ["train.lr = 'fast'", "a finite number > 0"]),
    ("lr-zero", "train", "lr: 0.05", "lr: 0", ["train.lr = 0", "a finite number > 0"]),
    ("epochs-quoted", "train", "epochs: 300", 'epochs: "300"',
     ["train.epochs = '300'", "a whole number from 1 to 100000"]),
    ("epochs-absurd", "train", "epochs: 300", "epochs: 1000000000",
     ["train.epochs = 1000000000", "a whole number from 1 to 100000"]),
    ("layer-sizes-number", "train", "layer_sizes: [4, 5]", "layer_sizes: 4",
     ["model.layer_sizes = 4", "the last 5"]),
    ("layer-sizes-last-not-5", "train", "layer_sizes: [4, 5]", "layer_sizes: [4, 3]",
     ["model.layer_sizes = [4, 3]", "the last 5"]),
    ("init-range-zero", "train", "init_range: 1.0", "init_range: 0",
     ["model.init_range = 0", "a finite number > 0"]),
    ("missing-key", "train", "  epochs: 300\n", "", ["`train.epochs` is missing"]),
    ("misspelt-key", "train", "lr: 0.05", "lrr: 0.05",
     ["unknown key train.lrr (did you mean train.lr?)"]),
    ("max-loss-negative", "verify", "max_loss: 0.5", "max_loss: -1",
     ["verify.max_loss = -1", "a finite number > 0"]),
    ("missing-section", "verify", "verify:\n  max_loss: 0.5", "",
     ["section `verify` is missing"]),
    ("values-not-numbers", "viz", "{a: 2, b: 3, c: 4}", "{a: two, b: 3, c: 4}",
     ["viz.values.a = 'two'", "a finite number"]),
    ("expression-syntax", "viz", '"(a*b + c)*(a - c)"', '"a +"', ["viz", "'a +'"]),
    ("expression-log-of-zero", "viz", '"(a*b + c)*(a - c)"', '"log(a - 2)"',
     ["viz", "'log(a - 2)'", "log"]),
]


@pytest.mark.parametrize(
    "stage, old, new, fragments",
    [row[1:] for row in BAD_PARAMS],
    ids=[row[0] for row in BAD_PARAMS],
)
def test_a_stage_given_bad_params_says_so_in_one_line(workspace, stage, old, new, fragments):
    before = snapshot(workspace)
    replace_in(workspace, "params.yaml", old, new)
    message = one_error_line(run_stage(workspace, stage))
    for fragment in fragments:
        assert fragment in message
    assert_only_changed(workspace, before, "params.yaml")


@pytest.mark.parametrize("old, new, line", [
    ("lr: 0.05", "lrr: 0.05",
     "check_params: params.yaml: unknown key train.lrr (did you mean train.lr?)"),
    ("lr: 0.05", "lr: -1",
     "check_params: params.yaml: train.lr = -1 is not allowed: a finite number > 0"),
], ids=["misspelt-key", "negative-lr"])
def test_dvc_repro_refuses_bad_params_with_one_plain_line(workspace, old, new, line):
    """As a user runs it: plain `dvc repro`. The stage's one line is plain text (no JSON, no
    traceback), and only DVC's own ERROR line follows it."""
    replace_in(workspace, "params.yaml", old, new)
    result = run(["dvc", "repro"], workspace, check=False)
    assert result.returncode == 255
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[0] == line, result.stderr
    assert all(line.startswith("ERROR: ") for line in lines[1:]), result.stderr
    assert "ERROR: failed to reproduce 'check_params'" in result.stderr
    assert "{" not in result.stderr


CHECKED = ["unknown-verb", "duplicate-key", "malformed-yaml", "lr-word", "epochs-absurd",
           "misspelt-key", "layer-sizes-last-not-5", "missing-section", "values-not-numbers"]


@pytest.mark.parametrize(
    "old, new, fragments", [row[2:] for row in BAD_PARAMS if row[0] in CHECKED],
    ids=[row[0] for row in BAD_PARAMS if row[0] in CHECKED],
)
def test_check_params_refuses_what_a_stage_would(workspace, old, new, fragments):
    replace_in(workspace, "params.yaml", old, new)
    result = run(["python", "-m", "stages.check_params"], workspace, check=False)
    message = one_error_line(result)
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize("old, new", [
    ("lr: 0.05", "lr: fast"),
    ("epochs: 300", "epochs: 0"),
    ("verb: work", "verb: swim"),
    ("layer_sizes: [4, 5]", "layer_sizes: [4, 5"),
    ("lr: 0.05", "lr: 0.05\n  lr: 0.1"),
])
def test_make_repro_refuses_bad_params_before_dvc_deletes_anything(reproduced, old, new):
    before = snapshot(reproduced)
    replace_in(reproduced, "params.yaml", old, new)
    # the real Makefile's recipe, with the test's venv and without its setup step
    result = run(["make", "--no-print-directory", "-o", "setup", "repro", f"BIN={BIN}"],
                 reproduced, check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "Running stage" not in result.stdout and "dvc repro" not in result.stdout
    [line] = [line for line in result.stderr.splitlines() if not line.startswith("make")]
    assert line.startswith("check_params: params.yaml")
    after = snapshot(reproduced)
    del before["params.yaml"], after["params.yaml"]
    assert after == before  # every previous output is still there, byte for byte
    assert "params.yaml" in run(["git", "status", "--porcelain"], reproduced).stdout


# ---------------------------------------------------------------------------------------
# divergence

def test_a_huge_lr_stops_training_at_the_epoch_the_loss_turns_nan(reproduced):
    replace_in(reproduced, "params.yaml", "lr: 0.05", "lr: 1e308")
    for name in stage_outs("train"):  # as DVC does before it runs the stage
        (reproduced / name).unlink()
    result = run_stage(reproduced, "train")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert all(line.startswith("train: ") for line in lines), result.stderr
    assert [i for i, line in enumerate(lines) if "diverged" in line] == [len(lines) - 1]
    message = lines[-1]
    assert "train: training diverged: loss is nan at epoch 2" in message
    assert "train.lr = 1e+308; lower train.lr" in message
    for name in stage_outs("train"):  # no model, no metrics: nothing that looks valid
        assert not (reproduced / name).exists(), name
    assert leftover_temp_files(reproduced) == []


def test_parameters_that_overflow_in_the_last_epoch_are_caught_too(project):
    replace_in(project, "params.yaml", "lr: 0.05", "lr: 1e308")
    replace_in(project, "params.yaml", "epochs: 300", "epochs: 1")
    run_stage(project, "build_dataset")
    for name in stage_outs("train"):  # the committed metrics and plots, as DVC would
        (project / name).unlink(missing_ok=True)
    result = run_stage(project, "train")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    message = result.stderr.splitlines()[-1]
    assert "a parameter is not finite after epoch 1" in message and "lower train.lr" in message
    assert not any((project / name).exists() for name in stage_outs("train"))


def test_a_large_but_finite_lr_saturates_tanh_instead_of_diverging():
    """Found while writing these tests: tanh bounds every output, so the loss cannot exceed
    25 * 2**2 = 100 and no lr below ~1e307 makes it non-finite; the run fails verify instead."""
    lab = answer_lab()
    for lr in (1000.0, 1e300):
        seed_everything(42)
        losses = train.train(lab, lab.model.MLP(5, [4, 5]), lab.train.xs, lab.train.ys, lr,
                             epochs=50)
        assert all(math.isfinite(loss) and loss <= 100 for loss in losses)
        assert losses[-1] >= losses[0]
        assert "did not decrease" in verify.diagnose(losses, max_loss=0.5)


def test_a_diverged_dvc_repro_records_nothing_and_deletes_trains_outputs(reproduced):
    """Divergence is the one failure no check can foresee: train's outputs go (DVC deleted
    them before it ran the stage); tests/pipeline/test_readme_recipes.py brings them back as the
    README says."""
    lock = locked_results(reproduced)
    replace_in(reproduced, "params.yaml", "lr: 0.05", "lr: 1e308")
    result = run(["dvc", "repro"], reproduced, check=False)
    assert result.returncode == 255 and "Traceback" not in result.stderr
    assert "train: training diverged: loss is nan at epoch 2" in result.stderr
    assert "ERROR: failed to reproduce 'train'" in result.stderr
    assert locked_results(reproduced) == lock  # train is not recorded as done
    assert "train:" in run(["dvc", "status"], reproduced).stdout
    assert not (reproduced / MODEL).exists()  # DVC deleted it before running train


# ---------------------------------------------------------------------------------------
# corrupt files

def _dataset_without(key):
    return lambda text: json.dumps({k: v for k, v in json.loads(text).items() if k != key})


def _without_train_seconds(text):
    manifest = json.loads(text)
    del manifest["metrics"]["train_seconds"]
    return json.dumps(manifest)


class CopyOf(str):
    """Another of the project's files put in the place of this one, as by a wrong `cp`."""


def not_ours(name):
    """The one line for a file a stage reads from an earlier one that it cannot read."""
    return [f"{name} is missing or not what the pipeline writes: run `dvc repro` to rebuild it"]


TRAIN_METRICS, PREDICTIONS, MANIFEST = "metrics/train.json", f"{EXP}/predictions.json", f"{EXP}/manifest.json"
CORRUPT = [  # (id, stage, file, new content or a function of the old, fragments)
    ("model-truncated", "predict", MODEL, lambda t: t[: len(t) // 2], not_ours(MODEL)),
    ("model-empty", "predict", MODEL, "", not_ours(MODEL)),
    ("model-binary", "predict", MODEL, b"\x89PNG\r\n\x1a\n\x00\xff\xfe", not_ours(MODEL)),
    ("model-not-an-mlp", "predict", MODEL, '{"n_in": 5}', not_ours(MODEL)),
    ("model-a-value-short", "predict", MODEL,
     lambda t: json.dumps({**json.loads(t), "parameters": json.loads(t)["parameters"][:-1]}),
     not_ours(MODEL)),
    ("model-a-nan-typed-in", "predict", MODEL,
     lambda t: re.sub(r'("parameters": \[\s*)[^,\s]+', r"\1NaN", t, count=1), not_ours(MODEL)),
    ("model-missing", "predict", MODEL, None, not_ours(MODEL)),
    ("loss-png-as-model", "predict", MODEL, CopyOf(f"{EXP}/loss.png"), not_ours(MODEL)),
    ("dataset-truncated-predict", "predict", DATASET, lambda t: t[:100], not_ours(DATASET)),
    ("dataset-no-tenses-predict", "predict", DATASET, _dataset_without("tenses"),
     not_ours(DATASET)),
    ("verb-table-as-dataset", "predict", DATASET, CopyOf("data/verbs.yaml"), not_ours(DATASET)),
    ("loss-csv-word", "verify", LOSS_CSV, "epoch,loss\n1,abc\n", not_ours(LOSS_CSV)),
    ("loss-csv-no-loss-column", "verify", LOSS_CSV, "epoch,cost\n1,0.5\n", not_ours(LOSS_CSV)),
    ("loss-csv-header-only", "verify", LOSS_CSV, "epoch,loss\n", not_ours(LOSS_CSV)),
    ("loss-csv-binary", "verify", LOSS_CSV, b"\xff\xfe\x00\x01", not_ours(LOSS_CSV)),
    ("loss-csv-missing", "verify", LOSS_CSV, None, not_ours(LOSS_CSV)),
    ("train-metrics-truncated", "verify", TRAIN_METRICS, '{"final_loss": 0.05',
     not_ours(TRAIN_METRICS)),
    ("train-metrics-word", "verify", TRAIN_METRICS,
     lambda t: t.replace('"final_loss": 0.', '"final_loss": "low", "x": 0.'),
     not_ours(TRAIN_METRICS)),
    ("predictions-no-correct", "verify", PREDICTIONS, lambda t: t.replace('"correct"', '"right"'),
     not_ours(PREDICTIONS)),
    ("manifest-empty", "verify", MANIFEST, "{}", not_ours(MANIFEST)),
    ("manifest-no-time", "verify", MANIFEST, _without_train_seconds, not_ours(MANIFEST)),
    # the verb table is a file people write: it is checked, and named by its key
    ("verbs-broken-yaml", "build_dataset", "data/verbs.yaml", "tenses: [a, b\n",
     ["verb table data/verbs.yaml is not valid YAML at line 2"]),
    ("verbs-four-forms", "build_dataset", "data/verbs.yaml",
     lambda t: t.replace("[work, works, worked, worked, will work]", "[work, works]"),
     ["verb table data/verbs.yaml is malformed: verbs.work.english = ['work', 'works'] is not"
      " allowed: 5 forms, in the order of tenses"]),
    ("verbs-missing", "build_dataset", "data/verbs.yaml", None,
     ["verb table data/verbs.yaml is missing: `git checkout -- data/verbs.yaml`"]),
]


@pytest.mark.parametrize(
    "stage, name, content, fragments", [row[1:] for row in CORRUPT], ids=[row[0] for row in CORRUPT]
)
def test_a_corrupt_input_file_is_named_in_one_line(workspace, stage, name, content, fragments):
    before = snapshot(workspace)
    path = workspace / name
    if content is None:
        path.unlink()
    elif isinstance(content, CopyOf):
        path.write_bytes((workspace / content).read_bytes())
    elif callable(content):
        path.write_text(content(path.read_text(encoding="utf-8")), encoding="utf-8")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    message = one_error_line(run_stage(workspace, stage))
    for fragment in fragments:
        assert fragment in message
    assert_only_changed(workspace, before, name)


def test_following_the_advice_for_a_corrupt_model_repairs_it(reproduced):
    before = snapshot(reproduced)
    (reproduced / MODEL).write_text('{"n_in": 5, "lay')
    message = one_error_line(run_stage(reproduced, "predict"))
    assert "run `dvc repro` to rebuild it" in message
    assert "train:" in run(["dvc", "status"], reproduced).stdout  # DVC sees the change
    run(["dvc", "repro"], reproduced)  # train runs again (it is not in the run-cache)
    assert snapshot(reproduced).keys() == before.keys()
    assert (reproduced / MODEL).read_bytes() == before[MODEL]
    assert changed_lines(reproduced) == []  # only when the run was made, and how long it took


# ---------------------------------------------------------------------------------------
# the wrong file, the wrong Python

# A Python without the pipeline's packages (another `python` first on the PATH): this
# sitecustomize makes ruamel.yaml unimportable in `python -m ...` (the stages, not DVC), as
# it is in a Python where `make setup` did not install it.
WITHOUT_RUAMEL = "import sys\nif sys.argv[:1] == ['-m']:\n    sys.modules['ruamel'] = None\n"


def test_a_stage_run_by_a_python_without_the_pipelines_packages_says_make_setup(
        workspace, tmp_path):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(WITHOUT_RUAMEL)
    before = snapshot(workspace)
    env = project_env(PYTHONPATH=str(hook))
    by_hand = run(STAGES["check_params"]["cmd"].split(), workspace, check=False, env=env)
    message = one_error_line(by_hand)
    assert "the Python package `ruamel" in message and "is not installed" in message
    assert "run `make setup`, or activate the project's venv" in message

    forced = run(["dvc", "repro", "-f", "check_params"], workspace, check=False, env=env)
    assert forced.returncode == 255 and "Traceback" not in forced.stdout + forced.stderr
    assert "run `make setup`" in forced.stderr
    assert {k: v for k, v in snapshot(workspace).items() if "params.checked" not in k} == {
        k: v for k, v in before.items() if "params.checked" not in k}
