"""The learner's lab, checked: what the stages call in its files, and each step against the engine.

`check_lab` is the first stage's part: it imports model.py, train.py and viz.py, finds the
names the stages call (README, "Doing the lab yourself") and runs each once, so a file that
is not ready is refused before any stage that owns results runs. `audit` is the train
stage's part: on a copy of the learner's model it runs two of the learner's steps and
compares each with what the lab's Blocks give, computed with minigrad at the same weights.
Every comparison is with numbers the engine computed, never with the learner's source text.
"""

import copy
import importlib.util
import inspect
import math
import random
import sys
import traceback
from pathlib import Path

import minigrad
from minigrad import Value
from stages.common import StageError

__all__ = ["LabError", "load", "check_lab", "audit", "mlp_kwargs", "learner_call",
           "init_range_note", "what_to_improve"]

N_TENSES = 5


class LabError(StageError):
    """A lab file does not give the pipeline what it calls, or raised inside its own code."""


class _TrainsOnImport(Exception):
    pass


def _refuse_backward(self):
    raise _TrainsOnImport()


def _short(path):
    path = Path(path).resolve()
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def _frames(err, folders):
    """The traceback's frames in the lab's folders, a comprehension's inner frame dropped."""
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if any(Path(f.filename).resolve().is_relative_to(d) for d in folders)]
    return [f for i, f in enumerate(frames)
            if not (f.name.startswith("<") and i and frames[i - 1].lineno == f.lineno)]


def learner_frames(err, folders):
    """The learner's frames, one line each: `file, line N, in f: the code`."""
    return "".join(f"\n  {_short(f.filename)}, line {f.lineno}, in {f.name}: {f.line}"
                   for f in _frames(err, folders))


def _at(err, folders):
    """' (file, line N)' of the innermost of the learner's frames."""
    frames = _frames(err, folders)
    return f" ({_short(frames[-1].filename)}, line {frames[-1].lineno})" if frames else ""


class Lab:
    """The three lab files as loaded modules: `model`, `train`, `viz` (a module or None)."""

    def __init__(self, model, train, viz, folders):
        self.model, self.train, self.viz, self.folders = model, train, viz, folders


def _import(path, name, folders):
    """The module at `path`, run once and kept in sys.modules as `name`."""
    path = Path(path)
    if not path.is_file():
        raise LabError(f"{path} is missing: write it, or bring the lab's answer back with"
                       f" `git checkout -- {path}`")
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # so train.py's `from model import MLP` finds its neighbour
    spec = importlib.util.spec_from_file_location(name, path)
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    backward = Value.backward
    Value.backward = _refuse_backward  # importing must not train: the stages run the epochs
    loaded = False
    try:
        spec.loader.exec_module(module)
        loaded = True
        return module
    except _TrainsOnImport as err:
        frames = _frames(err, folders)  # the outermost: the module's line that starts it
        start = f"its line {frames[0].lineno}" if frames else "it"
        raise LabError(f"{path} trains when it is imported: {start} reaches backward();"
                       " put the epoch loop in a function, or under"
                       " `if __name__ == \"__main__\":`, so the pipeline can run the epochs"
                       " itself (Block C)") from None
    except NotImplementedError as err:
        raise LabError(f"{path} is still to write: {err or 'NotImplementedError'}"
                       f"{_at(err, folders)}") from None
    except SyntaxError as err:
        raise LabError(f"{path}, line {err.lineno}: {err.msg}:"
                       f" {(err.text or '').strip()}") from None
    except Exception as err:
        raise LabError(f"{path} raised {type(err).__name__}: {err}, while being imported"
                       f"{learner_frames(err, folders)}") from None
    finally:
        Value.backward = backward
        if not loaded:
            sys.modules.pop(name, None)


def load(model_path=None, train_path=None, viz_path=None):
    """The lab's files that are given, imported (the model first, as train.py imports it)."""
    folders = [Path(p).resolve().parent for p in (model_path, train_path, viz_path) if p]
    sys.modules.pop("model", None)  # a fresh `from model import MLP` in train.py
    model, train, viz = (_import(path, name, folders) if path else None for path, name in
                         ((model_path, "model"), (train_path, "lab_train"), (viz_path, "lab_viz")))
    return Lab(model, train, viz, folders)


def learner_call(lab, doing, fn, *args, **kwargs):
    """fn(*args): an exception inside the learner's code becomes a LabError that says what the
    pipeline was doing and shows the learner's frames only."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as err:  # a skeleton's body: the Block it names is still to write
        raise LabError(f"still to write: {err or 'NotImplementedError'}{_at(err, lab.folders)},"
                       f" met while {doing}") from None
    except Exception as err:
        raise LabError(f"{type(err).__name__}: {err}, while {doing}"
                       f"{learner_frames(err, lab.folders)}") from None


def init_range_note(lab, init_range):
    """A line for a model.init_range that the lab's MLP cannot take, else None."""
    if init_range == 1.0 or mlp_kwargs(lab, init_range):
        return None
    return (f"params.yaml sets model.init_range to {init_range:g}, but"
            f" {_short(lab.model.__file__)}'s MLP takes no init_range, so its weights start as"
            " it draws them: give MLP an `init_range=1.0` argument for the setting to apply")


def mlp_kwargs(lab, init_range):
    """init_range by keyword, where the learner's MLP takes one."""
    return {"init_range": init_range} if "init_range" in _parameters(lab.model.MLP) else {}


def _parameters(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}


def _takes(fn, *args):
    try:
        inspect.signature(fn).bind(*args)
    except TypeError:
        return False
    except ValueError:  # no signature to read (a builtin): let the call tell
        pass
    return True


def _need(module, name, what, block, path):
    thing = getattr(module, name, None)
    if thing is None:
        raise LabError(f"{path} has no `{what}` ({block}); see the README, \"Doing the lab"
                       " yourself\"")
    return thing


def _number(v):
    return v.data if isinstance(v, Value) else v


def _is_number(v):
    return isinstance(v, (int, float, Value)) and not isinstance(v, bool)


def check_lab(paths, layer_sizes, init_range, lr):
    """Refuse, in one LabError, the first Block the lab's files do not provide yet."""
    lab = load(paths["model"], paths["train"], paths.get("viz"))
    mp, tp = paths["model"], paths["train"]
    # Block A: the model
    MLP = _need(lab.model, "MLP", "MLP(n_in, layer_sizes)", "Block A", mp)
    if not _takes(MLP, N_TENSES, list(layer_sizes)):
        raise LabError(f"{mp}: MLP{inspect.signature(MLP)} cannot be called as"
                       f" MLP({N_TENSES}, {list(layer_sizes)}) (Block A: MLP(n_in, layer_sizes))")
    model = learner_call(lab, f"building MLP({N_TENSES}, {list(layer_sizes)}) (Block A)",
                         MLP, N_TENSES, list(layer_sizes), **mlp_kwargs(lab, init_range))
    _check_structure(model, mp, layer_sizes)
    params = learner_call(lab, "calling model.parameters() (Block A)", model.parameters)
    if not isinstance(params, (list, tuple)) or not all(isinstance(p, Value) for p in params):
        raise LabError(f"{mp}: model.parameters() must return a list of Values (Block A),"
                       f" got {type(params).__name__}")
    # Block B: the data
    xs, ys = (_need(lab.train, n, n, "Block B: the five one-hot inputs and their targets", tp)
              for n in ("xs", "ys"))
    for name, rows in (("xs", xs), ("ys", ys)):
        if (not isinstance(rows, (list, tuple)) or len(rows) != N_TENSES
                or not all(isinstance(r, (list, tuple)) and len(r) == N_TENSES
                           and all(map(_is_number, r)) for r in rows)):
            count = len(rows) if isinstance(rows, (list, tuple)) else type(rows).__name__
            raise LabError(f"{tp}, Block B: `{name}` must be {N_TENSES} lists of {N_TENSES}"
                           f" numbers (or Values), one per tense; it holds {count}")
    outputs = learner_call(lab, "calling model(xs[0]) (Block A)", model, xs[0])
    if not isinstance(outputs, (list, tuple)) or len(outputs) != layer_sizes[-1]:
        raise LabError(f"{mp}: model(x) must return the list of the last layer's"
                       f" {layer_sizes[-1]} outputs (Block A), got {_describe(outputs)}")
    # Block C: the loss and the step
    total_loss = _need(lab.train, "total_loss", "total_loss(model, xs, ys)",
                       "Block C, steps 1-2: the predictions and the loss", tp)
    sgd_step = _need(lab.train, "sgd_step", "sgd_step(model, xs, ys, lr)",
                     "Block C, steps 1-5: one epoch", tp)
    for fn, args, call in ((total_loss, 3, "total_loss(model, xs, ys)"),
                           (sgd_step, 4, "sgd_step(model, xs, ys, lr)")):
        if not _takes(fn, *range(args)):
            raise LabError(f"{tp}: {fn.__name__}{inspect.signature(fn)} cannot be called as"
                           f" {call} (Block C)")
    loss = learner_call(lab, "calling total_loss(model, xs, ys) (Block C, steps 1-2)",
                        total_loss, model, xs, ys)
    if not isinstance(loss, Value):
        raise LabError(f"{tp}: total_loss(model, xs, ys) must return the loss as a Value, so"
                       f" that backward can reach the weights (Block C, step 2); got"
                       f" {_describe(loss)}")
    learner_call(lab, "calling sgd_step(model, xs, ys, lr) (Block C, steps 1-5)",
                 sgd_step, model, xs, ys, lr)
    # Block E: the drawing
    if lab.viz is not None:
        vp = paths["viz"]
        draw = _need(lab.viz, "draw", "draw(root)", "Block E: a Digraph of the graph", vp)
        a, b = Value(2.0, label="a"), Value(3.0, label="b")
        root = a * b + a
        root.backward()
        graph = learner_call(lab, "calling draw(root) (Block E)", draw, root)
        if not hasattr(graph, "pipe"):
            raise LabError(f"{vp}: draw(root) must return a graphviz Digraph (Block E), got"
                           f" {_describe(graph)}")
    return lab


def _describe(thing):
    if isinstance(thing, (list, tuple)):
        return f"a {type(thing).__name__} of {len(thing)}"
    return "None" if thing is None else f"a {type(thing).__name__}"


def _check_structure(model, path, layer_sizes):
    """Block A's names, through which audit reads the model: layers, neurons, w and b."""
    layers = getattr(model, "layers", None)
    if not isinstance(layers, (list, tuple)) or len(layers) != len(layer_sizes):
        raise LabError(f"{path}: MLP({N_TENSES}, {list(layer_sizes)}) needs `layers`, a list of"
                       f" its {len(layer_sizes)} Layers (Block A); got {_describe(layers)}")
    n_in = N_TENSES
    for i, (layer, size) in enumerate(zip(layers, layer_sizes), 1):
        neurons = getattr(layer, "neurons", None)
        if not isinstance(neurons, (list, tuple)) or len(neurons) != size:
            raise LabError(f"{path}: layer {i} needs `neurons`, a list of its {size} Neurons"
                           f" (Block A); got {_describe(neurons)}")
        for neuron in neurons:
            w, b = getattr(neuron, "w", None), getattr(neuron, "b", None)
            if (not isinstance(w, (list, tuple)) or len(w) != n_in
                    or not all(isinstance(v, Value) for v in w) or not isinstance(b, Value)):
                raise LabError(f"{path}: each Neuron of layer {i} needs `w`, a list of {n_in}"
                               " Values, and `b`, a Value (Block A)")
        n_in = size


# -- audit: two of the learner's steps, each against the engine ------------------------------

def _close(xs, refs):
    """|x - ref| <= 1e-9 * max(1, max |ref|) for every pair: a tolerance, never bitwise.
    Where the engine's own numbers are not finite (a huge lr overflows the update), there is
    nothing to compare with, so nothing is found: train's divergence check speaks instead."""
    refs = list(refs)
    if not all(map(math.isfinite, refs)):
        return True
    tol = 1e-9 * max([1.0, *map(abs, refs)])
    return all(abs(x - r) <= tol for x, r in zip(xs, refs, strict=True))


def _fmt(numbers, n=3):
    shown = ", ".join(f"{x:.4g}" for x in numbers[:n])
    return f"[{shown}{', ...' if len(numbers) > n else ''}]"


def _forward(model, x, act=Value.tanh, bias=True):
    """Block A's tanh(b + sum of w*x) through the learner's own layers, neurons, w and b."""
    for layer in model.layers:
        x = [act(Value.dot(n.w, x, n.b if bias else 0.0)) for n in layer.neurons]
    return x


# What a learner's outputs may match instead of Block A's, each a cause to name.
_MODEL_VARIANTS = (
    ("the tanh is missing: return the sum's .tanh()", dict(act=lambda v: v)),
    ("the bias is not added: add b to the sum of w*x", dict(bias=False)),
    ("the neuron uses relu, not tanh", dict(act=Value.relu)),
    ("the neuron uses sigmoid, not tanh", dict(act=Value.sigmoid)),
)


def _loss_variants(errors):
    """Losses a learner may compute instead of the sum of the 25 squared errors, by cause."""
    squares = [[e * e for e in row] for row in errors]
    n = len(errors) * len(errors[0])
    return (
        (f"it is the mean of the {n} squared errors, not their sum",
         sum(map(sum, squares)) / n),
        ("it is half the sum of squared errors", sum(map(sum, squares)) / 2),
        (f"the loss covers {len(errors)} of the {n} outputs: the first output of each example",
         sum(row[0] for row in squares)),
        (f"the loss covers {len(errors[0])} of the {n} outputs: the last example's only",
         sum(squares[-1])),
        (f"the loss covers {len(errors[0])} of the {n} outputs: the first example's only",
         sum(squares[0])),
        (f"the loss covers {n - len(errors[0])} of the {n} outputs: every example but the last",
         sum(map(sum, squares[:-1]))),
        (f"the loss covers {n - len(errors[0])} of the {n} outputs: every example but the first",
         sum(map(sum, squares[1:]))),
        ("it sums the absolute errors, not their squares",
         sum(abs(e) for row in errors for e in row)),
        ("it sums the errors without squaring them", sum(map(sum, errors))),
    )


def _where(model, params):
    """Names for a set of parameters, by layer and kind: "layer 2's biases"."""
    ids = {id(p) for p in params}
    parts = []
    for i, layer in enumerate(model.layers, 1):
        for kind, group in (("weights", [w for n in layer.neurons for w in n.w]),
                            ("biases", [n.b for n in layer.neurons])):
            hit = sum(id(p) in ids for p in group)
            if hit:
                parts.append(f"layer {i}'s {kind}" + ("" if hit == len(group) else f" ({hit} of"
                                                       f" {len(group)})"))
    return ", ".join(parts)


def audit(lab, model, xs, ys, lr, init_range):
    """What differs, in the lab's terms, between two of the learner's steps on a copy of
    `model` and what the lab's Blocks give; [] when nothing does. `random`'s state is kept,
    so the real training draws the same numbers as without the audit."""
    state = random.getstate()
    try:
        model = copy.deepcopy(model)
        findings = _check_parameters(lab, model) + _check_start(lab, model, init_range)
        findings += _check_data(lab, xs, ys)
        findings += _check_steps(lab, model, xs, ys, lr)
    finally:
        random.setstate(state)
    return findings


def _block_a_params(model):
    return [p for layer in model.layers for n in layer.neurons for p in [*n.w, n.b]]


def _check_parameters(lab, model):
    path = lab.model.__file__
    expected = _block_a_params(model)
    listed = learner_call(lab, "calling model.parameters()", model.parameters)
    ids = [id(p) for p in listed]
    missing = [p for p in expected if id(p) not in ids]
    twice = {id(p) for p in listed if ids.count(id(p)) > 1}
    extra = len(set(ids) - {id(p) for p in expected})
    findings = []
    if missing:
        findings.append(f"{_short(path)}, Block A, parameters(): it returns {len(set(ids)) - extra}"
                        f" of the {len(expected)} weights and biases; missing: "
                        f"{_where(model, missing)}, which never train: return every neuron's"
                        " w and b")
    if twice:
        repeated = _where(model, [p for p in expected if id(p) in twice])
        findings.append(f"{_short(path)}, Block A, parameters(): {len(twice)} parameters are"
                        f" listed more than once ({repeated}),"
                        " so each update moves them twice: list each weight and bias once")
    if extra:
        findings.append(f"{_short(path)}, Block A, parameters(): {extra} Values it returns are"
                        " no neuron's w or b: return only the weights and biases")
    return findings


def _check_start(lab, model, init_range):
    path = _short(lab.model.__file__)
    takes = bool(mlp_kwargs(lab, init_range))
    bound = init_range if takes else 1.0
    weights = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    findings = []
    for i, layer in enumerate(model.layers, 1):
        starts = [tuple(_number(v) for v in [*n.w, n.b]) for n in layer.neurons]
        if len(starts) > 1 and len(set(starts)) < len(starts):
            same = "all" if len(set(starts)) == 1 else "some"
            findings.append(
                f"{path}, Block A, Neuron: {same} of layer {i}'s {len(starts)} neurons start"
                f" identical (weights {_fmt(list(starts[0][:-1]))}), so they compute the same"
                " output, get the same gradient and never become different: draw each weight"
                " with random.uniform(-1, 1)")
            break
    largest = max(map(abs, weights))
    if largest > bound * (1 + 1e-9):
        source, draw = (("params.yaml's model.init_range",
                         "random.uniform(-init_range, init_range), the init_range MLP is given")
                        if takes else ("the lab's, as this MLP takes no init_range",
                                       "random.uniform(-1, 1)"))
        findings.append(
            f"{path}, Block A, Neuron: weights start as large as {largest:.3g}, outside"
            f" uniform(-{bound:g}, {bound:g}) ({source}); large weights saturate tanh, whose"
            f" slope 1 - tanh² is then about 0: draw them with {draw}")
    return findings


def _check_data(lab, xs, ys):
    path = _short(lab.train.__file__)
    rows_x = [[_number(v) for v in x] for x in xs]
    rows_y = [[_number(v) for v in y] for y in ys]
    findings = []
    for i, x in enumerate(rows_x):
        if sorted(x) != [0] * (len(x) - 1) + [1]:
            return [f"{path}, Block B: xs[{i}] = {x} is not a one-hot vector (a single 1 among"
                    " 0s)"]
    if sorted(map(tuple, rows_x)) != sorted(map(tuple, [[float(i == j) for j in range(len(rows_x))]
                                                         for i in range(len(rows_x))])):
        findings.append(f"{path}, Block B: xs does not hold each of the {len(rows_x)} tenses once")
    wanted = [[1.0 if v == 1 else -1.0 for v in x] for x in rows_x]
    if rows_y != wanted:
        if [[1.0 if v == 1 else 0.0 for v in x] for x in rows_x] == rows_y:
            findings.append(
                f"{path}, Block B: the targets are 0/1; tanh's outputs lie in (-1, 1), so the"
                " lab marks the other tenses -1, not 0 (a 0 asks for a mid-range output): use"
                " -1 for the other four tenses, +1 for the tense itself")
        else:
            i = next(i for i, (y, w) in enumerate(zip(rows_y, wanted)) if y != w)
            findings.append(f"{path}, Block B: ys[{i}] = {rows_y[i]}, but for xs[{i}] ="
                            f" {rows_x[i]} the lab's target is {wanted[i]} (+1 for its tense,"
                            " -1 for the other four)")
    return findings


def _check_steps(lab, model, xs, ys, lr):
    """Two steps: outputs, loss and update of each, against the engine at the same weights."""
    model_path, train_path = _short(lab.model.__file__), _short(lab.train.__file__)
    params = [p for p in _block_a_params(model)
              if any(p is q for q in model.parameters())]  # the parameters the step updates
    inputs = [[float(_number(v)) for v in x] for x in xs]
    targets = [[float(_number(v)) for v in y] for y in ys]
    findings, previous = [], None
    for step in (1, 2):
        # the outputs: Block A through the learner's own layers
        outputs = [[float(_number(o)) for o in learner_call(lab, "calling model(x)", model, x)]
                   for x in xs]
        reference = [[o.data for o in _forward(model, x)] for x in inputs]
        if not _close(sum(outputs, []), sum(reference, [])):
            cause = next((text for text, variant in _MODEL_VARIANTS if _close(
                sum(outputs, []), [o.data for x in inputs for o in _forward(model, x, **variant)])),
                "check each neuron's sum of w*x, its bias and its tanh")
            findings.append(f"{model_path}, Block A, Neuron.__call__: model(xs[0]) gives"
                            f" {_fmt(outputs[0])}, where tanh(b + Σ w·x) through its own"
                            f" weights gives {_fmt(reference[0])}: {cause}")
        # the loss: the sum of squared errors over all 25 outputs, of its own outputs
        loss = learner_call(lab, f"calling total_loss(model, xs, ys) (audit, step {step})",
                            lab.train.total_loss, model, xs, ys)
        errors = [[o - t for o, t in zip(row, target)] for row, target in zip(outputs, targets)]
        wanted = sum(e * e for row in errors for e in row)
        if not _close([_number(loss)], [wanted]):
            cause = next((text for text, value in _loss_variants(errors)
                          if _close([_number(loss)], [value])),
                          "sum (p - y)**2 over every output of every example")
            findings.append(f"{train_path}, Block C, step 2 (total_loss): the loss is"
                            f" {_number(loss):.6g}, where the sum of squared errors over all"
                            f" {len(errors) * len(errors[0])} outputs is {wanted:.6g}: {cause}")
        # the gradients: of its own loss, against those of Block A's graph at the same weights
        ref_loss = sum(((o - t) ** 2 for x, target in zip(inputs, targets)
                        for o, t in zip(_forward(model, x), target)), Value(0.0))
        expected = [g.data for g in minigrad.grad(ref_loss, params)]
        gradient = ([g.data for g in minigrad.grad(loss, params)] if isinstance(loss, Value)
                    else [0.0] * len(params))
        if not findings and not _close(gradient, expected):
            findings.append(_gradient_finding(model, model_path, train_path, params, gradient,
                                                  expected))
        # the update: -lr times this epoch's gradient
        before = [p.data for p in params]
        learner_call(lab, f"running sgd_step(model, xs, ys, lr) (audit, step {step})",
                     lab.train.sgd_step, model, xs, ys, lr)
        moved = [p.data - b for p, b in zip(params, before)]
        finding = _check_update(model, params, moved, gradient, previous, lr, step)
        if finding:
            findings.append(f"{train_path}, Block C, {finding}")
        previous = gradient
        if findings:
            break  # the second step is checked from a right first one
    return findings


def _gradient_finding(model, model_path, train_path, params, gradient, expected):
    """Where the loss's gradients differ from Block A's graph's, at matching outputs and loss."""
    cut = [p for p, g, e in zip(params, gradient, expected) if g == 0.0 and e != 0.0]
    if len(cut) == len(params):
        return (f"{model_path} or {train_path} (total_loss): the loss does not depend on any"
                " parameter (every gradient is 0): somewhere"
                " between the weights and the loss a Value became a plain number (`.data`,"
                " float(), Value(...) of a result); keep every step a Value op")
    if cut:
        return (f"{model_path}, Block A, Neuron.__call__: the loss does not depend on"
                f" {_where(model, cut)} (their gradient is 0, where Block A's"
                " tanh(b + Σ w·x) gives them one): each w and b must enter the sum as a Value")
    i = max(range(len(params)), key=lambda k: abs(gradient[k] - expected[k]))
    return (f"{model_path} or {train_path}: the gradient of the loss for"
            f" {_where(model, [params[i]])} is {gradient[i]:.6g},"
            f" where Block A's graph gives {expected[i]:.6g}")


def _check_update(model, params, moved, gradient, previous, lr, step):
    """What the update did, where it is not -lr x this epoch's gradient; None where it is."""
    expected = [-lr * g for g in gradient]
    if _close(moved, expected):
        return None
    if previous is not None and _close(moved, [-lr * (g + h) for g, h in zip(gradient, previous)]):
        return ("step 3: the gradients add up over epochs (the second update is -lr × the sum"
                " of both epochs' gradients): zero them before backward, `p.grad = 0.0` for"
                " every parameter")
    if previous is not None and _close(moved, [-lr * h for h in previous]):
        return ("steps 4-5: the update uses the previous epoch's gradients: call"
                " loss.backward() (step 4) before the update (step 5)")
    if _close(moved, [-e for e in expected]):
        return ("step 5: the update goes uphill, +lr × gradient: step against the gradient,"
                " `p.data -= lr * p.grad`")
    size = sum(e * e for e in expected)
    scale = sum(m * e for m, e in zip(moved, expected)) / size if size else 0.0
    if size and _close(moved, [scale * e for e in expected]):
        if abs(scale) < 1e-12:
            return ("step 5: no parameter moved in the step: after loss.backward() (step 4),"
                    " update each parameter with `p.data -= lr * p.grad`")
        return (f"step 5: each parameter moved by -{scale * lr:.4g} × its gradient, where"
                f" train.lr is {lr:g}: use the lr that sgd_step is given")
    still = [p for p, m, e in zip(params, moved, expected) if m == 0.0 and e != 0.0]
    others = [(m, e) for m, e in zip(moved, expected) if not (m == 0.0 and e != 0.0)]
    if still and others and _close(*zip(*others)):
        return (f"step 5: {len(still)} of the {len(params)} parameters did not move"
                f" ({_where(model, still)}): update every parameter of model.parameters()")
    i = max(range(len(moved)), key=lambda k: abs(moved[k] - expected[k]))
    return (f"steps 3-5 (epoch {step}): a parameter ({_where(model, [params[i]])}) moved by"
            f" {moved[i]:.6g}, where -lr × its gradient is {expected[i]:.6g}")


def what_to_improve(advice, lab_checks):
    """The report's "What to improve": the lab's mistakes first, and then the curve's
    advice only if there are none, since the curve cannot tell a mistake from a setting."""
    notes = "".join(f"- {note}\n" for note in lab_checks["notes"])
    if not lab_checks["findings"]:
        return advice + (f"\n\n{notes}" if notes else "")
    found = "".join(f"- {finding}\n" for finding in lab_checks["findings"])
    return (f"Before training, the lab's code ran two epochs on a copy of its model, and"
            f" differs from what the engine computes for the lab's Blocks at the same"
            f" weights:\n\n{found}{notes}\nFix these first: the curve above shows"
            " what they do to training, and advice on the settings (lr, hidden size, epochs)"
            " would name the wrong cause.")
