"""Shared fixtures: real copies of the project, in real git repositories, run with real DVC.

A copy is built from the code in the working tree (tracked and new files) and never from the
user's results: the pipeline's outputs and dvc.lock are left out, params.yaml is the lab's
(LAB_PARAMS), and the lab's three files are the committed answer (ANSWER), which the tests
that pin numbers rely on. Whatever the workspace holds (a failed run, an applied experiment,
dvc_plots/, a learner's own model.py), the copies are the same.

`reproduced` is a copy on which `dvc repro` has run and been committed (shared by the session
and copied per test, so each test may change it freely); `project` is a git clone of it, as a
fresh clone would be: committed files, no DVC cache.
"""

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv's: its python and dvc are what stages run with
SKIP_PARTS = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", "dvc_plots"}

# The lab's hyperparameters: the numbers the tests pin (final loss 0.05310999703588311, 49
# parameters, 5/5) are those of these params, whatever params.yaml holds in the workspace.
LAB_PARAMS = """\
# The lab's hyperparameters. Change one, run `dvc repro`, then `dvc params diff` and
# `dvc metrics diff` to see what it did.
seed: 42

data:
  verb: work            # any verb of data/verbs.yaml

model:
  layer_sizes: [4, 5]   # hidden layer(s), then the 5 outputs (one per tense)
  init_range: 1.0       # weights start uniform(-init_range, init_range); biases 0

train:
  lr: 0.05
  epochs: 300
  engine: eager         # eager (the loop as the lab writes it) or compiled: the same bits

verify:
  max_loss: 0.5         # the run passes when its final loss is below this, 5/5 correct

viz:
  expression: "(a*b + c)*(a - c)"
  values: {a: 2, b: 3, c: 4}
"""
LAB_FINAL_LOSS = 0.05310999703588311

# The lab's files, which a learner rewrites: only tests/pipeline/test_lab.py reads the
# workspace's. Every other test runs the answer as committed, from ANSWER.
LAB_FILES = ("experiments/07-train-tense-logits/model.py",
             "experiments/07-train-tense-logits/train.py", "experiments/07-visualize-graph/viz.py")


def _committed_answer():
    """A folder holding the lab's three files as HEAD has them."""
    folder = Path(tempfile.mkdtemp(prefix="minigrad-answer-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for name in LAB_FILES:
        shown = subprocess.run(["git", "show", f"HEAD:{name}"], cwd=REPO, capture_output=True,
                               check=True).stdout
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(shown)
    return folder


ANSWER = _committed_answer()


def answer_lab(viz=False):
    """The committed answer's files, loaded as the stages load the lab's (a labcheck.Lab)."""
    from labcheck import load

    model, train, viz_py = (ANSWER / name for name in LAB_FILES)
    return load(model, train, viz_py if viz else None)


def _filled(path):
    """dvc.yaml, with its `vars` filled in as DVC fills them."""
    text = Path(path).read_text()
    variables = {k: v for entry in yaml.safe_load(text).get("vars", []) for k, v in entry.items()}
    return yaml.safe_load(re.sub(r"\$\{(\w+)\}", lambda m: str(variables[m.group(1)]), text))


def pipeline(path=REPO / "dvc.yaml"):
    """dvc.yaml's stages, `vars` filled in."""
    return _filled(path)["stages"]


def top_level_plots(path=REPO / "dvc.yaml"):
    """{plot id: its properties} of dvc.yaml's top-level `plots:`, `vars` filled in."""
    return {name: props for entry in _filled(path).get("plots", []) for name, props in entry.items()}


def stage_outs(name, stages=None):
    """Every path the stage writes: its outs, metrics and plots."""
    stage = (stages or pipeline())[name]
    entries = [*stage.get("outs", []), *stage.get("metrics", []), *stage.get("plots", [])]
    return [entry if isinstance(entry, str) else next(iter(entry)) for entry in entries]


def results():
    """The pipeline's outputs and dvc.lock: what a copy leaves out and `dvc repro` makes."""
    stages = pipeline()
    return {"dvc.lock", *(path for name in stages for path in stage_outs(name, stages))}


def project_env(**extra):
    """The environment stages run in: the venv first on PATH, no analytics, no pager."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["DVC_NO_ANALYTICS"] = "1"
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "minigrad tests"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "tests@minigrad.invalid"
    env.pop("VIRTUAL_ENV", None)
    # as in a user's shell: Python writes its __pycache__ beside the code (DVC must ignore it)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra)
    return env


def run(args, cwd, check=True, timeout=600, env=None):
    """Run a command; on an unexpected exit code fail with its output."""
    result = subprocess.run(
        args, cwd=cwd, env=env or project_env(), capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


# What a re-run may change in a committed result: when it ran, how long it took, from which
# commit (the manifests, and the report's timing line); dvc.lock records their new hashes.
TIMING_LINE = re.compile(
    r'^[+-]\s*("created_at"|"duration_s"|"train_seconds"|"commit"): |^[+-]\| training time \|')


def changed_lines(project):
    """The changed lines of committed files, dvc.lock aside, that are not timing or commit."""
    diff = run(["git", "diff", "-U0", "--", ".", ":!dvc.lock"], project).stdout
    return [line for line in diff.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
            and not TIMING_LINE.match(line)]


def validate_manifest(manifest):
    """Raise jsonschema.ValidationError unless `manifest` follows stages/manifest.schema.json,
    the manifests' standard schema (the stages write them without checking)."""
    import json

    import jsonschema

    schema = json.loads((REPO / "stages/manifest.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(manifest)


def assert_one_line_naming(message, fragments):
    """A user-facing error message: a single line that contains every fragment."""
    assert "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def _project_files():
    """The source files a clone would have: tracked ones, plus new ones not yet committed;
    not the results."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout
    skip = results() | {"params.yaml", *LAB_FILES}
    for name in listed.split("\0"):
        if (name and name not in skip and not SKIP_PARTS.intersection(Path(name).parts)
                and (REPO / name).is_file()):
            yield name


def copy_project(dest):
    """Copy the project's sources into `dest`, with the lab's params.yaml and answer, as a new
    git repository with one commit (no results yet: `dvc repro` makes them)."""
    dest = Path(dest)
    for source, name in [*((REPO / n, n) for n in _project_files()),
                         *((ANSWER / n, n) for n in LAB_FILES)]:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    (dest / "params.yaml").write_text(LAB_PARAMS)
    run(["git", "init", "-q", "-b", "main"], dest)
    run(["git", "add", "-A"], dest)
    run(["git", "commit", "-qm", "copy of the project"], dest)
    return dest


def locked_results(project):
    """dvc.lock's record of every stage but check_params, which a failed run after a params
    edit may update (the check passed, or ran); the stages with results must not change."""
    stages = yaml.safe_load((Path(project) / "dvc.lock").read_text())["stages"]
    return {name: entry for name, entry in stages.items() if name != "check_params"}


def fresh_clone(reproduced, dest):
    """A git clone of a reproduced copy: its committed files and results, no DVC cache."""
    run(["git", "clone", "-q", str(reproduced), str(dest)], Path(dest).parent)
    return Path(dest)


@pytest.fixture(scope="session")
def minigrad_wheel(tmp_path_factory):
    """minigrad's wheel, built once from a copy of the package (not this editable checkout)."""
    folder = tmp_path_factory.mktemp("wheel")
    source = folder / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source)
    shutil.copytree(REPO / "minigrad", source / "minigrad",
                    ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                    str(folder / "dist"), str(source)], check=True, capture_output=True,
                   timeout=300)
    (wheel,) = (folder / "dist").glob("minigrad-*.whl")
    return wheel


@pytest.fixture(scope="session")
def reproduced_once(tmp_path_factory):
    dest = copy_project(tmp_path_factory.mktemp("reproduced") / "project")
    run(["dvc", "repro"], dest)
    run(["git", "add", "-A"], dest)
    run(["git", "commit", "-qm", "dvc repro"], dest)
    return dest


@pytest.fixture
def project(reproduced_once, tmp_path):
    return fresh_clone(reproduced_once, tmp_path / "project")


@pytest.fixture(scope="module")
def reproduced_for_module(reproduced_once, tmp_path_factory):
    """One copy of `reproduced_once` for a whole test module, for tests that put back what
    they change (cheaper than a copy per test)."""
    dest = tmp_path_factory.mktemp("module") / "project"
    shutil.copytree(reproduced_once, dest, symlinks=True)
    return dest


@pytest.fixture
def reproduced(reproduced_once, tmp_path):
    dest = tmp_path / "project"
    shutil.copytree(reproduced_once, dest, symlinks=True)
    return dest
