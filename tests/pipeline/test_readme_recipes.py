"""The README's recovery recipe, run exactly as written, in a fresh clone (committed files, no
DVC cache), after each thing it is there for: a diverged run, an experiment, and an
experiment applied to the workspace. Afterwards the workspace is the clone as committed."""

import re

import pytest

from conftest import REPO, run
from test_bad_input import replace_in

pytestmark = pytest.mark.slow

MODEL = "experiments/07-train-tense-logits/model.json"


def readme_block(first_command):
    """The commands of the README's sh block that starts with `first_command`."""
    blocks = re.findall(r"```sh\n(.*?)```", (REPO / "README.md").read_text(), flags=re.S)
    [block] = [block for block in blocks if block.startswith(first_command)]
    lines = [line.split("#")[0].split() for line in block.splitlines()]
    return [line for line in lines if line]


RECOVERY = readme_block("git checkout -- params.yaml dvc.lock metrics experiments")


def recover_and_check(clone):
    for command in RECOVERY:
        run(command, clone)
    assert run(["git", "status", "--porcelain"], clone).stdout == ""
    assert "up to date" in run(["dvc", "status"], clone).stdout


def test_the_recipe_is_two_commands_and_restores_without_dvcs_cache():
    assert RECOVERY == [["git", "checkout", "--", "params.yaml", "dvc.lock", "metrics",
                         "experiments"], ["dvc", "repro"]]


def test_the_recipe_brings_back_a_diverged_run_in_a_fresh_clone(project):
    replace_in(project, "params.yaml", "lr: 0.05", "lr: 1e308")
    result = run(["dvc", "repro"], project, check=False)
    assert result.returncode == 255 and "training diverged" in result.stderr
    assert not (project / MODEL).exists()  # DVC deleted it before it ran train
    recover_and_check(project)
    assert (project / MODEL).exists()


def test_the_recipe_brings_back_the_committed_run_after_an_experiment(project):
    run(["dvc", "exp", "run", "-S", "train.lr=0.01"], project)
    assert "lr: 0.01" in (project / "params.yaml").read_text()
    recover_and_check(project)


def test_the_recipe_brings_back_the_committed_run_after_an_applied_experiment(project):
    run(["dvc", "exp", "run", "-n", "slow-lr", "-S", "train.lr=0.01"], project)
    run(["git", "checkout", "--", "."], project)
    run(["dvc", "exp", "apply", "slow-lr"], project)
    assert "lr: 0.01" in (project / "params.yaml").read_text()
    recover_and_check(project)
