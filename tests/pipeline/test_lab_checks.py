"""labcheck on a learner's own lab: written unlike the shipped answer (bias listed
first, Value.dot, the gradients zeroed after the update, a step that returns nothing, no
init_range), then with one mistake planted at a time, each named by its own cause."""

import random
import textwrap

import pytest

from minigrad import seed_everything
import labcheck as lab_checks

MODEL = '''
import random
from minigrad import Value

class Neuron:
    def __init__(self, n_in):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(n_in)]
        self.b = Value(0.0)

    def __call__(self, x):
        return Value.dot(self.w, x, self.b).tanh()

    def parameters(self):
        return [self.b] + self.w

class Layer:
    def __init__(self, n_in, n_out):
        self.neurons = [Neuron(n_in) for _ in range(n_out)]

    def __call__(self, x):
        return [n(x) for n in self.neurons]

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

class MLP:
    def __init__(self, n_in, layer_sizes):
        sizes = [n_in] + layer_sizes
        self.layers = [Layer(a, b) for a, b in zip(sizes, sizes[1:])]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]
'''

TRAIN = '''
from minigrad import Value, seed_everything
from model import MLP

xs = [[Value(float(i == j)) for j in range(5)] for i in range(5)]
ys = [[Value(1.0 if i == j else -1.0) for j in range(5)] for i in range(5)]

def total_loss(model, xs, ys):
    loss = Value(0.0)
    for x, y in zip(xs, ys):
        for out, target in zip(model(x), y):
            loss = loss + (out - target) ** 2
    return loss

def sgd_step(model, xs, ys, lr):
    loss = total_loss(model, xs, ys)
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
        p.grad = 0.0

if __name__ == "__main__":
    seed_everything(42)
    model = MLP(5, [4, 5])
    for epoch in range(300):
        sgd_step(model, xs, ys, 0.05)
'''

VIZ = '''
from graphviz import Digraph

def draw(root):
    dot, seen, todo = Digraph(), set(), [root]
    while todo:
        v = todo.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        dot.node(str(id(v)), f"{{ {v.op} | {v.data:.4f} | {v.grad:.4f} }}", shape="record")
        for child in v.inputs:
            dot.edge(str(id(child)), str(id(v)))
            todo.append(child)
    return dot
'''

# (mistake, file, the learner's line, the line with the mistake, what the finding must say,
#  the fix the finding names, as an edit (old, new) of the file with the mistake)
MISTAKES = [
    ("the gradients never zeroed", "train.py", "        p.grad = 0.0\n", "",
     "step 3: the gradients add up over epochs",
     ("    loss.backward()\n", "    for p in model.parameters():\n        p.grad = 0.0\n"
      "    loss.backward()\n")),
    ("every weight Value(0.0)", "model.py", "Value(random.uniform(-1, 1))", "Value(0.0)",
     "neurons start identical", ("[Value(0.0)", "[Value(random.uniform(-1, 1))")),
    ("the first output of each example", "train.py", "zip(model(x), y)",
     "zip(model(x)[:1], y[:1])", "covers 5 of the 25 outputs: the first output of each example",
     ("zip(model(x)[:1], y[:1])", "zip(model(x), y)")),
    ("p.data += lr * p.grad", "train.py", "p.data -= lr", "p.data += lr", "uphill",
     ("p.data += lr * p.grad", "p.data -= lr * p.grad")),
    ("uniform(-6, 6)", "model.py", "random.uniform(-1, 1)", "random.uniform(-6, 6)",
     "outside uniform(-1, 1)", ("random.uniform(-6, 6)", "random.uniform(-1, 1)")),
    ("0/1 targets", "train.py", "1.0 if i == j else -1.0", "1.0 if i == j else 0.0",
     "the targets are 0/1", ("1.0 if i == j else 0.0", "1.0 if i == j else -1.0")),
    ("the tanh forgotten", "model.py", "self.b).tanh()", "self.b)",
     "every layer's neurons return b + Σ w·x without the tanh", ("self.b)", "self.b).tanh()")),
    ("the bias left out of the sum", "model.py", "Value.dot(self.w, x, self.b)",
     "Value.dot(self.w, x, 0.0)", "outputs do not depend on layer 1's biases, layer 2's biases",
     ("Value.dot(self.w, x, 0.0)", "Value.dot(self.w, x, self.b)")),
    ("parameters() without the biases", "model.py", "return [self.b] + self.w",
     "return self.w", "missing: layer 1's biases, layer 2's biases",
     ("return self.w", "return self.w + [self.b]")),
    ("a hard-coded lr of 0.1", "train.py", "p.data -= lr * p.grad", "p.data -= 0.1 * p.grad",
     "moves by -0.1 × its gradient whatever lr sgd_step is given",
     ("p.data -= 0.1 * p.grad", "p.data -= lr * p.grad")),
    ("the mean, not the sum", "train.py", "    return loss\n", "    return loss / 25\n",
     "the mean of the 25 squared errors", ("    return loss / 25\n", "    return loss\n")),
    ("only the last layer updated", "train.py", "for p in model.parameters():",
     "for p in model.layers[-1].parameters():", "24 of the 49 parameters did not move",
     ("for p in model.layers[-1].parameters():", "for p in model.parameters():")),
    ("absolute errors", "train.py", "(out - target) ** 2", "abs(out - target)",
     "absolute errors", ("abs(out - target)", "(out - target) ** 2")),
    ("the loss cut from the graph", "train.py", "(out - target) ** 2",
     "Value((out.data - target.data) ** 2)", "its graph does not reach the model's outputs",
     ("Value((out.data - target.data) ** 2)", "(out - target) ** 2")),
    ("the loss over 4 of the 5 examples", "train.py", "zip(xs, ys)", "zip(xs[:-1], ys[:-1])",
     "covers 20 of the 25 outputs: every example but the last",
     ("zip(xs[:-1], ys[:-1])", "zip(xs, ys)")),
    ("the update before backward", "train.py",
     "    loss.backward()\n    for p in model.parameters():\n        p.data -= lr * p.grad\n"
     "        p.grad = 0.0\n",
     "    for p in model.parameters():\n        p.data -= lr * p.grad\n        p.grad = 0.0\n"
     "    loss.backward()\n",
     "the update runs before loss.backward(), while every gradient is still 0",
     ("    for p in model.parameters():\n        p.data -= lr * p.grad\n        p.grad = 0.0\n"
      "    loss.backward()\n",
      "    loss.backward()\n    for p in model.parameters():\n        p.data -= lr * p.grad\n"
      "        p.grad = 0.0\n")),
    # the update reads gradients kept from before backward; with no zeroing at all, step 3 is
    # the first boundary that differs, and zeroing before backward alone mends the step
    ("the previous epoch's gradients", "train.py",
     "    loss.backward()\n    for p in model.parameters():\n        p.data -= lr * p.grad\n"
     "        p.grad = 0.0\n",
     "    used = [p.grad for p in model.parameters()]\n    loss.backward()\n"
     "    for p, g in zip(model.parameters(), used if any(used) else [p.grad for p in"
     " model.parameters()]):\n        p.data -= lr * g\n",
     "step 3: the gradients add up over epochs",
     ("    used = [p.grad", "    for p in model.parameters():\n        p.grad = 0.0\n"
      "    used = [p.grad")),
]


def write_lab(folder, replace=None, fix=None):
    files = {"model.py": MODEL, "train.py": TRAIN, "viz.py": VIZ}
    for edit in filter(None, (replace, fix)):
        name, old, new = edit
        assert files[name].count(old) == 1, old
        files[name] = files[name].replace(old, new)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text))
    return {name.removesuffix(".py"): folder / name for name in files}


def findings(paths, lr=0.05):
    lab = lab_checks.check_lab(paths, [4, 5], 1.0, lr)
    lab = lab_checks.load(paths["model"], paths["train"])
    seed_everything(42)
    model = lab.model.MLP(5, [4, 5], **lab_checks.mlp_kwargs(lab, 1.0))
    return lab_checks.audit(lab, model, lab.train.xs, lab.train.ys, lr, 1.0)


def test_a_correct_lab_in_the_learners_own_words_has_no_findings(tmp_path):
    assert findings(write_lab(tmp_path)) == []


def test_a_correct_lab_at_an_overflowing_lr_has_no_findings(tmp_path):
    """lr 1e308 makes the engine's own update infinite: nothing to compare, so no finding
    (the train stage then says the training diverged, and to lower train.lr)."""
    assert findings(write_lab(tmp_path), lr=1e308) == []


def test_the_audit_leaves_randoms_state_as_it_found_it(tmp_path):
    paths = write_lab(tmp_path)
    lab = lab_checks.load(paths["model"], paths["train"])
    seed_everything(42)
    model = lab.model.MLP(5, [4, 5])
    before = random.getstate()
    lab_checks.audit(lab, model, lab.train.xs, lab.train.ys, 0.05, 1.0)
    assert random.getstate() == before


@pytest.mark.parametrize("mistake, name, old, new, cause, fix", MISTAKES,
                         ids=[m[0] for m in MISTAKES])
def test_each_planted_mistake_is_named_by_its_own_cause(tmp_path, mistake, name, old, new, cause,
                                                        fix):
    found = findings(write_lab(tmp_path, (name, old, new)))
    assert found and cause in found[0], found
    assert name in found[0]


@pytest.mark.parametrize("mistake, name, old, new, cause, fix", MISTAKES,
                         ids=[m[0] for m in MISTAKES])
def test_the_fix_a_finding_names_applied_makes_it_go(tmp_path, mistake, name, old, new, cause,
                                                     fix):
    """The edit each finding asks for, made to the file with the mistake (not a revert of the
    plant where the two differ): then nothing is found."""
    assert findings(write_lab(tmp_path, (name, old, new), (name, *fix))) == []


@pytest.mark.parametrize("name, old, new, refusal", [
    ("train.py", "if __name__ == \"__main__\":", "if True:", "trains when it is imported"),
    ("train.py", "def sgd_step(model, xs, ys, lr):", "def step(model, xs, ys, lr):",
     "has no `sgd_step(model, xs, ys, lr)` (Block C"),
    ("train.py", "def total_loss(model, xs, ys):", "def total_loss(model):",
     "cannot be called as total_loss(model, xs, ys)"),
    ("model.py", "        self.b = Value(0.0)\n",
     "        raise NotImplementedError('Block A: the bias')\n", "still to write: Block A: the bias"),
    ("train.py", "        p.data -= lr * p.grad\n", "        p.data -= lr * p.grad / 0\n",
     "ZeroDivisionError"),
    ("viz.py", "def draw(root):", "def draw_graph(root):", "has no `draw(root)` (Block E"),
])
def test_a_lab_file_that_is_not_ready_is_refused_in_the_lab_terms(tmp_path, name, old, new,
                                                                 refusal):
    with pytest.raises(lab_checks.LabError, match=None) as refused:
        findings(write_lab(tmp_path, (name, old, new)))
    assert refusal in str(refused.value)
    assert "stages/" not in str(refused.value)  # the learner's frames only


def test_the_starter_skeletons_are_refused_at_block_a(tmp_path):
    from conftest import REPO

    paths = {name: REPO / "starter" / f"{name}.py" for name in ("model", "train", "viz")}
    with pytest.raises(lab_checks.LabError) as refused:
        lab_checks.check_lab(paths, [4, 5], 1.0, 0.05)
    assert "still to write: Block A: MLP.__init__" in str(refused.value)
