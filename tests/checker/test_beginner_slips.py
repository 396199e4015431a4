"""The checker on a beginner's own lab and that beginner's slips (beginner_slips.py), in
this process: each slip is named at its place, and the fix the finding names, applied to the
file with the slip, makes the finding go."""

import sys

import pytest

import labcheck
from beginner_slips import SLIPS, write
from labcheck.graph import check_drawing
from labcheck.run import lab_paths
from minigrad import Value, seed_everything

pytestmark = pytest.mark.slow  # Block E's questions run Graphviz's `dot`


def findings(folder):
    """What the stages would find in the lab in `folder`: a refusal, or the lab check's lines
    (Blocks A-C) and the drawing's (Block E)."""
    for name in ("model", "lab_train", "lab_viz"):
        sys.modules.pop(name, None)
    paths = lab_paths(folder)
    try:
        lab = labcheck.check_lab(paths, [4, 5], 1.0, 0.05)
    except labcheck.LabError as err:
        return [str(err)]
    a, b, c = Value(2.0, label="a"), Value(3.0, label="b"), Value(4.0, label="c")
    root = (a * b + c) * (a - c)
    root.backward()
    drawn = check_drawing(lab.viz.draw(root).source, root, str(paths["viz"])).findings
    lab = labcheck.load(paths["model"], paths["train"])
    seed_everything(42)
    model = lab.model.MLP(5, [4, 5])
    return labcheck.audit(lab, model, lab.train.xs, lab.train.ys, 0.05, 1.0) + drawn


def test_the_beginners_own_lab_has_no_findings(tmp_path):
    assert findings(write(tmp_path)) == []


@pytest.mark.parametrize("slip", SLIPS, ids=[s[0] for s in SLIPS])
def test_each_slip_is_named_at_its_place(tmp_path, slip):
    name, block, file, old, new, said, named = slip
    found = findings(write(tmp_path, name))
    assert found, name
    assert file in found[0] and f"Block {block}" in found[0], found[0]
    assert said in found[0], found[0]


@pytest.mark.parametrize("slip", [s for s in SLIPS if s[6]], ids=[s[0] for s in SLIPS if s[6]])
def test_the_fix_each_finding_names_makes_it_go(tmp_path, slip):
    assert findings(write(tmp_path, slip[0], fix=True)) == []
