"""Every mistake located, through plain `dvc repro` in fresh clones: the mistakes a new user
met (issue 28's table) planted in the answer, and a beginner's own slips in their own lab
(tests/checker/beginner_slips.py); each is named at its place, the run fails, and the fix the
finding names, applied, makes the finding go and the run pass."""

import json
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import REPO, run
from test_learner_labs import clones, put_back  # noqa: F401 (clones: a fixture)

sys.path.insert(0, str(REPO / "tests" / "checker"))
import beginner_slips  # noqa: E402

pytestmark = pytest.mark.slow

MODEL = "experiments/07-train-tense-logits/model.py"
TRAIN = "experiments/07-train-tense-logits/train.py"
VIZ = "experiments/07-visualize-graph/viz.py"
REPORT = "experiments/07-train-tense-logits/README.md"
VIZ_REPORT = "experiments/07-visualize-graph/README.md"

# A last layer without tanh, as micrograd's MLP makes it: every neuron takes `nonlin`, and
# the MLP turns it off for its last layer.
LINEAR_LAST = [
    (MODEL, "    def __init__(self, n_in, init_range=1.0):\n        self.w",
     "    def __init__(self, n_in, init_range=1.0, nonlin=True):\n        self.nonlin = nonlin\n"
     "        self.w"),
    (MODEL, "        return activation.tanh()",
     "        return activation.tanh() if self.nonlin else activation"),
    (MODEL, "    def __init__(self, n_in, n_out, init_range=1.0):\n"
     "        self.neurons = [Neuron(n_in, init_range) for _ in range(n_out)]",
     "    def __init__(self, n_in, n_out, init_range=1.0, nonlin=True):\n"
     "        self.neurons = [Neuron(n_in, init_range, nonlin) for _ in range(n_out)]"),
    (MODEL, "        self.layers = [Layer(sizes[i], sizes[i + 1], init_range) for i in"
     " range(len(n_outs))]",
     "        self.layers = [Layer(sizes[i], sizes[i + 1], init_range, i != len(n_outs) - 1)"
     " for i in range(len(n_outs))]"),
]

# (case, the edits that plant it, the line a stage logs, the fix the line names as edits)
ANSWER_MISTAKES = [
    ("each layer given the network's input",
     [(MODEL, "            x = layer(x)\n        return x[0] if len(x) == 1 else x",
       "            out = layer(x)\n        return out[0] if len(out) == 1 else out")],
     "MLP.__call__: layer 2 is given the network's input (5 values), where its neurons take 4",
     [(MODEL, "            out = layer(x)", "            out = layer(out)"),
      (MODEL, "        for layer in self.layers:\n            out",
       "        out = x\n        for layer in self.layers:\n            out")]),
    ("the last layer without tanh", LINEAR_LAST,
     "layer 2's neurons return b + Σ w·x without the tanh, while layer 1's are right",
     [(MODEL, "activation.tanh() if self.nonlin else activation", "activation.tanh()")]),
    ("viz.py draws each edge from the result to its input",
     [(VIZ, "dot.edge(name[child], name[node])", "dot.edge(name[node], name[child])")],
     "8 edge(s) run backwards", [(VIZ, "dot.edge(name[node], name[child])",
                                  "dot.edge(name[child], name[node])")]),
    ("viz.py names each node by its label",
     [(VIZ, 'name = {node: f"node{i}" for i, node in enumerate(nodes)}',
       "name = {node: node.label or node.op for node in nodes}")],
     "are drawn as one node, named `*`",
     [(VIZ, "name = {node: node.label or node.op for node in nodes}",
       "name = {node: str(id(node)) for node in nodes}")]),
]
# a beginner's slips, in that beginner's own lab: six in Blocks A-C, three in Block E
SLIPS = ["each layer fed the network's input", "one Neuron object repeated",
         "MLP.parameters() keeps the last layer's", "every output against every target",
         "gradients zeroed after backward", "the update rebinds the loop variable",
         "edges from the result to its inputs", "nodes named by their label",
         "the trace stops at the root's inputs"]


def edit(project, edits):
    for path, old, new in edits:
        text = (project / path).read_text()
        assert text.count(old) == 1, old
        (project / path).write_text(text.replace(old, new))


class Run:
    """What `dvc repro` printed and left."""

    def __init__(self, project, result):
        self.stderr, self.returncode = result.stderr, result.returncode
        self.lines = [line for line in result.stderr.splitlines() if "lab check:" in line]
        verdict = project / "metrics/verify.json"
        self.passed = json.loads(verdict.read_text())["passed"] if verdict.exists() else None
        self.report = (project / REPORT).read_text() if (project / REPORT).exists() else ""
        self.viz_report = (project / VIZ_REPORT).read_text()


def mistake_and_fix(project, plant, fix):
    """`dvc repro` with the mistake planted, then again with the finding's fix made to it."""
    try:
        plant(project)
        mistaken = Run(project, run(["dvc", "repro"], project, check=False))
        fix(project)
        fixed = Run(project, run(["dvc", "repro"], project, check=False))
        return mistaken, fixed
    finally:
        put_back(project)


def beginner(project, slip, with_fix=False):
    folder = beginner_slips.write(project / "slipped", slip, fix=with_fix)
    for name in ("07-train-tense-logits/model.py", "07-train-tense-logits/train.py",
                 "07-visualize-graph/viz.py"):
        shutil.copy(folder / name, project / "experiments" / name)
    shutil.rmtree(folder)


def cases():
    for case, plant, said, fix in ANSWER_MISTAKES:
        yield case, said, (lambda p, plant=plant: edit(p, plant)), (
            lambda p, fix=fix: edit(p, fix))
    for slip in SLIPS:
        said = next(s[5] for s in beginner_slips.SLIPS if s[0] == slip)
        yield (f"beginner: {slip}", said, lambda p, slip=slip: beginner(p, slip),
               lambda p, slip=slip: beginner(p, slip, with_fix=True))


CASES = list(cases())


@pytest.fixture(scope="module")
def results(clones):
    with ThreadPoolExecutor(2) as pool:
        halves = pool.map(lambda clone, part: {case: mistake_and_fix(clone, plant, fix)
                                               for case, _, plant, fix in part},
                          clones, [CASES[0::2], CASES[1::2]])
        return {case: result for half in halves for case, result in half.items()}


@pytest.mark.parametrize("case, said", [c[:2] for c in CASES], ids=[c[0] for c in CASES])
def test_each_mistake_is_named_at_its_place_and_its_fix_makes_the_finding_go(results, case,
                                                                           said):
    mistaken, fixed = results[case]
    assert mistaken.returncode == 0 and "Traceback" not in mistaken.stderr, mistaken.stderr
    assert mistaken.lines and said in mistaken.lines[0], mistaken.stderr
    assert mistaken.passed is False
    assert fixed.returncode == 0 and fixed.lines == [], fixed.stderr
    assert fixed.passed is True, fixed.report


def test_a_drawing_with_backward_edges_is_described_as_drawn(results):
    mistaken, fixed = results["viz.py draws each edge from the result to its input"]
    assert "`a` has two outgoing edges" not in mistaken.viz_report
    assert "| 3. graph.svg drawn and correct | not met |" in mistaken.report
    assert "`a` has two outgoing edges" in fixed.viz_report


def test_the_handouts_prev_and_op_draw_the_graph(clones):
    """viz.py as the handout words it: an edge from each `_prev` of a node, its `_op`."""
    project = clones[0]
    try:
        edit(project, [(VIZ, "    for child, node in edges:\n        dot.edge(name[child],"
                        " name[node])",
                        "    for node in nodes:\n        for child in node._prev:\n"
                        "            dot.edge(name[child], name[node])"),
                       (VIZ, "{node.label or node.op}", "{node.label or node._op}")])
        result = Run(project, run(["dvc", "repro"], project))
        assert result.lines == [] and result.passed is True
    finally:
        put_back(project)


def test_a_random_bias_is_reported_as_the_run_drew_it(clones):
    project = clones[1]
    try:
        edit(project, [(MODEL, "        self.b = Value(0.0)",
                        "        self.b = Value(random.uniform(-1, 1))")])
        result = Run(project, run(["dvc", "repro"], project))
        built = json.loads((project / "experiments/07-train-tense-logits/manifest.json")
                           .read_text())["model"]
        assert built["biases"]["min"] < 0 < built["biases"]["max"]
        assert (f"biases from {built['biases']['min']:.3g} to {built['biases']['max']:.3g}"
                in result.report)
        assert "biases 0" not in result.report
    finally:
        put_back(project)


def test_a_curve_that_rises_fails_the_first_stop_condition(clones):
    project = clones[0]
    try:
        edit(project, [(Path("params.yaml"), "lr: 0.05", "lr: 0.1")])
        result = Run(project, run(["dvc", "repro"], project))
        assert result.passed is False and result.lines == []
        assert ("| 1. the loss decreases at every epoch to below 0.5 | not met | the loss rose"
                " at 2 epochs (7, 8, as loss.csv numbers them) |") in result.report
        assert "rose at 2 epochs (7, 8)" in result.report  # the curve's advice, the same epochs
    finally:
        put_back(project)


def test_parameters_as_a_list_of_lists_is_refused_as_such(clones):
    project = clones[1]
    try:
        edit(project, [(MODEL, "        return [p for layer in self.layers for p in"
                        " layer.parameters()]",
                        "        return [layer.parameters() for layer in self.layers]")])
        result = run(["dvc", "repro"], project, check=False)
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert ("parameters(): it returns a list of 2 lists (of 24, 25 items), not one flat list"
                " of Values") in result.stderr, result.stderr
    finally:
        put_back(project)
