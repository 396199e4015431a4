"""The lab's reference in solutions/: scripts/make_reference.py writes the same bytes as are
committed, from HEAD's answer and the lab's settings, whatever the workspace holds.

The script runs once, in a copy of the project whose workspace has a learner's files: a
train.py that cannot be imported and a params.yaml with another lr. Neither may reach the
output, which must equal what this repository's HEAD commits.
"""

import re
import subprocess

import pytest
import yaml

from conftest import LAB_FINAL_LOSS, LAB_PARAMS, REPO, copy_project, run
from scripts.make_reference import CSV, LAB, PAGE, SVG
from stages.common import LAB_TRAIN
from stages.viz import dot_version


def committed(name):
    return subprocess.run(["git", "show", f"HEAD:solutions/{name}"], cwd=REPO,
                          capture_output=True, check=True).stdout


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("reference") / "project")
    # a learner's workspace, not committed: the script must read neither file
    (project / LAB_TRAIN).write_text('raise RuntimeError("a learner\'s half-written train.py")\n')
    params = project / "params.yaml"
    params.write_text(params.read_text().replace("lr: 0.05", "lr: 0.5"))
    out = tmp_path_factory.mktemp("out")
    run(["python", "-m", "scripts.make_reference", "--out", str(out)], project)
    return out


def test_the_settings_are_the_labs():
    assert LAB == yaml.safe_load(LAB_PARAMS)


@pytest.mark.slow
@pytest.mark.parametrize("name", [CSV, PAGE])
def test_same_bytes_as_committed(written, name):
    assert (written / name).read_bytes() == committed(name)


@pytest.mark.slow
def test_the_curve_is_the_answers(written):
    rows = (written / CSV).read_text().splitlines()
    assert rows[0] == "epoch,loss" and len(rows) == 1 + LAB["train"]["epochs"]
    assert rows[-1] == f"{LAB['train']['epochs']},{LAB_FINAL_LOSS!r}"


@pytest.mark.slow
def test_graph_same_bytes_as_committed(written):
    # dot's SVG begins with a comment naming its version, and another version may also lay
    # the graph out differently, so the bytes are comparable only with the same `dot`
    drawn_with = re.search(rb"graphviz version (\S+)", committed(SVG)).group(1).decode()
    installed = dot_version()
    if installed != drawn_with:
        pytest.skip(f"{SVG} was drawn by Graphviz {drawn_with}; this machine has {installed}")
    assert (written / SVG).read_bytes() == committed(SVG)
