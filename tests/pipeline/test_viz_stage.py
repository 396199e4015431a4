"""The viz stage, run for real as a subprocess in a temporary directory holding a params.yaml."""

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import ANSWER, LAB_PARAMS, REPO as ROOT, validate_manifest
from stages.common import StageError
from stages.viz import MISSING_DOT, dot_version

OUT = "experiments/07-visualize-graph"
ARGS = [f"{OUT}/graph.svg", f"{OUT}/manifest.json", f"{OUT}/README.md", f"{OUT}/graph.py",
        f"{OUT}/graph.html", f"{OUT}/graph_check.json"]

pytestmark = pytest.mark.slow


def run_stage(tmp_path, expression='"(a*b + c)*(a - c)"', env=None, viz=None):
    params = LAB_PARAMS.replace('"(a*b + c)*(a - c)"', expression, 1)
    (tmp_path / "params.yaml").write_text(params)
    (tmp_path / OUT).mkdir(parents=True, exist_ok=True)
    (tmp_path / "data").mkdir(exist_ok=True)
    if viz is None:
        shutil.copy(ANSWER / OUT / "viz.py", tmp_path / OUT / "viz.py")  # the lab's, as committed
    else:
        (tmp_path / OUT / "viz.py").write_text(viz)
    shutil.copy(ROOT / "data/verbs.yaml", tmp_path / "data/verbs.yaml")
    env = {**(os.environ if env is None else env), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "stages.viz"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env,
    )


def written(tmp_path):
    """What the stage wrote into the experiment folder (the lab's viz.py was there before)."""
    return sorted(path.name for path in (tmp_path / OUT).iterdir()
                  if path.name not in ("viz.py", "__pycache__"))


def stderr_messages(result):
    """The stage's plain lines, `viz: <message>`, without the stage's name."""
    lines = result.stderr.splitlines()
    assert all(line.startswith("viz: ") for line in lines), result.stderr
    return [line.removeprefix("viz: ") for line in lines]


@pytest.fixture(scope="module")
def diamond_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("viz")
    return tmp_path, run_stage(tmp_path)


def test_stage_writes_graph_manifest_and_readme(diamond_run):
    tmp_path, result = diamond_run
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    for name in ("graph.svg", "manifest.json", "README.md", "graph.py", "graph.html",
                 "graph_check.json"):
        assert (tmp_path / OUT / name).stat().st_size > 0
    [message] = stderr_messages(result)
    assert message.startswith("graph drawn: (a*b + c)*(a - c) = -20") and "d/da = 4" in message


def test_stage_manifest_validates_and_records_result_and_gradients(diamond_run):
    tmp_path, _ = diamond_run
    manifest = json.loads((tmp_path / OUT / "manifest.json").read_text())
    validate_manifest(manifest)
    assert manifest["name"] == "07-visualize-graph"
    assert manifest["seed"] is None
    assert manifest["config"] == {
        "expression": "(a*b + c)*(a - c)", "values": {"a": 2, "b": 3, "c": 4},
    }
    # (then the checker's files, where it runs from the project: test_pipeline holds that)
    assert [entry["path"] for entry in manifest["inputs"]][:2] == [f"{OUT}/viz.py", "params.yaml"]
    assert [entry["path"] for entry in manifest["outputs"]] == [ARGS[0], ARGS[4], ARGS[3], ARGS[2],
                                                                ARGS[5]]
    assert manifest["metrics"] == {"output": -20.0, "grads": {"a": 4.0, "b": -4.0, "c": -12.0}}
    assert manifest["environment"]["packages"]["graphviz-dot"]


def test_stage_svg_has_one_node_per_value(diamond_run):
    tmp_path, _ = diamond_run
    tree = ET.parse(tmp_path / OUT / "graph.svg")
    groups = tree.iter("{http://www.w3.org/2000/svg}g")
    assert sum(1 for g in groups if g.get("class") == "node") == 7


def test_stage_readme_explains_the_graph_and_embeds_it(diamond_run):
    tmp_path, _ = diamond_run
    readme = (tmp_path / OUT / "README.md").read_text()
    for text in (
        "stages/viz.py",
        "[`viz.py`](viz.py)",
        "`(a*b + c)*(a - c)`",
        "result: -20.0000",
        "| `a` | 2.0000 | 4.0000 | twice |",
        "| `b` | 3.0000 | -4.0000 | once |",
        "| `c` | 4.0000 | -12.0000 | twice |",
        "{ name or op | data | grad }",
        "`a` has two outgoing edges because it is used twice",
        "3.0000 × (-2.0000) (through `*`) + 1.0000 × 10.0000 (through `-`) = 4.0000",
        "![graph](graph.svg)",
        "[`graph.py`](graph.py)",
    ):
        assert text in readme


def test_stage_checks_the_answers_drawing_and_finds_nothing(diamond_run):
    tmp_path, _ = diamond_run
    check = json.loads((tmp_path / OUT / "graph_check.json").read_text())
    assert check["findings"] == []
    assert (check["summary"]["nodes"], check["summary"]["edges"]) == (7, 8)
    [a] = [leaf for leaf in check["summary"]["leaves"] if leaf["leaf"] == "a"]
    assert (a["outgoing_edges"], a["to"]) == (2, ["*", "-"])


# a learner's draw that adds an edge only when it first meets an input: `a` and `c` lose one
ONE_EDGE_PER_INPUT = """
from graphviz import Digraph

def draw(root):
    dot, names = Digraph(), {}
    def add(v):
        names[v] = str(len(names))
        dot.node(names[v], f"{{ {v.label or v.op} | {v.data:.4f} | {v.grad:.4f} }}",
                 shape="record")
        for p in v._prev:
            if p not in names:
                add(p)
                dot.edge(names[p], names[v])
    add(root)
    return dot
"""


def test_stage_logs_the_drawings_findings_and_its_readme_tells_what_it_shows(tmp_path):
    result = run_stage(tmp_path, viz=ONE_EDGE_PER_INPUT)
    assert result.returncode == 0, result.stderr
    *found, drawn = stderr_messages(result)
    assert drawn.startswith("graph drawn:")
    assert found == [f"lab check: {OUT}/viz.py, Block E: no edge from input to result: `{x}` ="
                     f" {n} -> `-` = -2; add an edge from each of a node's _prev to it"
                     for x, n in (("a", 2), ("c", 4))]
    check = json.loads((tmp_path / OUT / "graph_check.json").read_text())
    assert check["findings"] == [line.removeprefix("lab check: ") for line in found]
    readme = (tmp_path / OUT / "README.md").read_text()
    assert "`a` has two outgoing edges" not in readme
    assert ("`a` is used twice, so the graph has two edges from it, but the drawing gives it"
            " one outgoing edge (to `*`)") in readme
    assert "The lab check found 2 differences" in readme


def test_stage_writes_the_forward_and_backward_pass_as_python_one_line_per_node(diamond_run):
    tmp_path, _ = diamond_run
    code = (tmp_path / OUT / "graph.py").read_text()
    compile(code, "graph.py", "exec")  # it is Python
    lines = code.splitlines()
    # minigrad.compile's own header comes first: the stage adds none of its own
    assert lines[0].startswith("# Generated by minigrad.compile from a traced graph")
    forward = [line for line in lines if re.match(r"\s+v\d+ = .*  # ", line)]
    assert len(forward) == 4  # *, +, -, * : one line per op node
    for op in ("*", "+", "-"):
        assert any(line.endswith(f"# {op}") for line in forward), op
    # a is used twice: its gradient adds two terms, one through `-`, one through `*`
    (a_grad,) = [line for line in lines if line.strip().startswith("g0 = ")]
    assert a_grad.count("+") == 2 and "via v5 (-), v3 (*)" in a_grad


@pytest.mark.parametrize(
    "expression, words",
    [
        ('"__import__(\'os\').system(\'true\')"', ["calling", "is not allowed"]),
        ('"(a*b + c"', ["is not valid at column 1", "'(' was never closed"]),
        ('"log(a - c)"', ["log: operand must be > 0, got -2.0"]),
        ('"a * x"', ["unknown name `x`", "the variables a, b, c"]),
        ('"(a - 2) ** 0.5"', ["the gradient of `a`", "is inf"]),
    ],
)
def test_bad_expression_exits_1_with_one_line_and_no_graph(tmp_path, expression, words):
    result = run_stage(tmp_path, expression)
    assert result.returncode == 1
    [message] = stderr_messages(result)
    assert message.startswith("params.yaml, viz: ")
    for word in words:
        assert word in message
    assert written(tmp_path) == []


def test_missing_dot_exits_1_with_install_hint_and_no_graph(tmp_path):
    result = run_stage(tmp_path, env={"PATH": str(tmp_path / "no-dot-here")})
    assert result.returncode == 1
    [message] = stderr_messages(result)
    assert "apt-get install graphviz" in message
    assert written(tmp_path) == []


def test_dot_version_without_dot_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(StageError) as caught:
        dot_version()
    assert str(caught.value) == MISSING_DOT
    assert "apt-get install graphviz" in MISSING_DOT and "dvc repro" in MISSING_DOT


def test_dot_version_is_a_dotted_version_number():
    assert re.fullmatch(r"\d+(\.\d+)+", dot_version())
