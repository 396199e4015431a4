"""Block C, watched while the learner's sgd_step runs, not judged from its end state: the
loss term by term (step 2), each parameter's gradient when backward starts (step 3) and after
it (step 4), and each parameter's move against -lr × the gradient it had after backward
(step 5). Any order of the steps' lines that gives the lab's update passes: a backward per
example and one update, gradients zeroed after the update, a loss returned or not.
"""

import copy

import minigrad
from minigrad import Value
from labcheck.contract import learner_call, shown
from labcheck.model import Watch, block_a_params, close, fmt, values, where

__all__ = ["check_steps"]


class _Tap:
    """While active, records in order: each backward() (its root, and every parameter's
    gradient as it starts and as it ends) and each assignment to a parameter's `.data` or
    `.grad` outside backward (with the gradient the parameter held at that moment). Value's
    slots and backward are put back on exit, whatever happened."""

    def __init__(self, params):
        self.index = {id(p): i for i, p in enumerate(params)}
        self.params, self.events, self.depth = params, [], 0

    def __enter__(self):
        data, grad, backward = Value.__dict__["data"], Value.__dict__["grad"], Value.backward
        self._saved = (data, grad, backward)
        tap = self

        def set_data(v, new):
            i = tap.index.get(id(v))
            if i is not None and not tap.depth:
                tap.events.append(("data", i, grad.__get__(v)))
            data.__set__(v, new)

        def set_grad(v, new):
            i = tap.index.get(id(v))
            if i is not None and not tap.depth:
                tap.events.append(("grad", i, new))
            grad.__set__(v, new)

        def tapped_backward(root):
            tap.events.append(("start", root, [grad.__get__(p) for p in tap.params]))
            tap.depth += 1
            try:
                backward(root)
            finally:
                tap.depth -= 1
            tap.events.append(("end", root, [grad.__get__(p) for p in tap.params]))

        Value.data = property(data.__get__, set_data)
        Value.grad = property(grad.__get__, set_grad)
        Value.backward = tapped_backward
        return self

    def __exit__(self, *exc):
        Value.data, Value.grad, Value.backward = self._saved

    def of(self, kind):
        return [e for e in self.events if e[0] == kind]


def _engine_gradient(model, params, inputs, targets):
    """d(the lab's loss)/d(each parameter) at the model's weights: Block A's tanh(b + Σ w·x)
    through the learner's own weights, the squared errors summed over every output."""
    terms = []
    for x, target in zip(inputs, targets):
        for layer in model.layers:
            x = [Value.dot(n.w, x, n.b).tanh() for n in layer.neurons]
        terms += [(o - t) ** 2 for o, t in zip(x, target)]
    return [g.data for g in minigrad.grad(Value.sum(terms), params)]


def check_steps(lab, model, xs, ys, lr, steps=2):
    """Two of the learner's steps, each against the engine at its weights; [] or the first
    finding (the second step is judged only from a right first one)."""
    train_path = shown(lab.train.__file__)
    params = _updated(model)
    inputs, targets = [values(x) for x in xs], [values(y) for y in ys]
    for step in range(1, steps + 1):
        finding = _check_step(lab, model, params, xs, ys, inputs, targets, lr, step)
        if isinstance(finding, tuple):  # a Block A cause, seen while the step ran
            return [f"{shown(lab.model.__file__)}, Block A, {finding[1]}"]
        if finding:
            return [f"{train_path}, Block C, {finding}"]
    return []


def _updated(model):
    """The parameters the step updates (those parameters() lists), in Block A's order."""
    listed = {id(p) for p in model.parameters()}
    return [p for p in block_a_params(model) if id(p) in listed]


def _run_step(lab, model, params, xs, ys, lr, step):
    with Watch(model) as watch, _Tap(params) as tap:
        learner_call(lab, f"running sgd_step(model, xs, ys, lr) (lab check, epoch {step})",
                     lab.train.sgd_step, model, xs, ys, lr)
    return watch, tap


def _check_step(lab, model, params, xs, ys, inputs, targets, lr, step):
    start = [p.data for p in params]
    twin = copy.deepcopy(model)  # the same step again at another lr, where that tells a cause
    expected = _engine_gradient(model, params, inputs, targets)
    watch, tap = _run_step(lab, model, params, xs, ys, lr, step)
    moved = [p.data - s for p, s in zip(params, start)]
    if close(moved, [-lr * g for g in expected]):
        return None
    return (_loss_terms(model, watch, tap, inputs, targets)
            or _gradients(model, params, watch, tap, expected)
            or _update(lab, model, twin, params, tap, moved, expected, lr, xs, ys, step))


# -- step 2: the loss, term by term --------------------------------------------------------

def _loss_terms(model, watch, tap, inputs, targets):
    """Does the loss change with each of the 25 outputs as Σ (p - y)² does, by 2(p - y)?"""
    roots = list({id(r): r for _, r, _ in tap.of("start")}.values())
    if not roots:
        return ("step 4: sgd_step never calls backward(), so no gradient is computed and the"
                " update has nothing to use: call loss.backward() on the loss of step 2")
    calls = {}  # example -> its output Values, from each model(x) the step made
    for c in watch.of("mlp"):
        k = next((k for k, x in enumerate(inputs) if close(values(c["input"]), x)), None)
        out = c["output"] if isinstance(c["output"], (list, tuple)) else [c["output"]]
        if k is not None and all(isinstance(o, Value) for o in out):
            calls.setdefault(k, []).append(out)
    derivative, outputs = {}, {}
    for k, outs in calls.items():
        for out in outs:
            for root in roots:
                for j, d in enumerate(minigrad.grad(root, out)):
                    derivative[k, j] = derivative.get((k, j), 0.0) + d.data
            outputs.setdefault(k, [o.data for o in out])
    n_out = len(targets[0])
    keys = [(k, j) for k in range(len(inputs)) for j in range(n_out)]
    want = {(k, j): 2 * (outputs[k][j] - targets[k][j]) if k in outputs else None
            for k, j in keys}
    got = {key: derivative.get(key, 0.0) for key in keys}
    if all(want[key] is not None for key in keys) and close(
            [got[key] for key in keys], [want[key] for key in keys]):
        return None
    total = len(keys)
    loss = sum(r.data for r in roots)
    sse = sum((outputs[k][j] - targets[k][j]) ** 2 for k, j in keys if k in outputs)
    if len(outputs) == len(inputs) and all(got[key] == 0.0 for key in keys) and close([loss], [sse]):
        return (f"step 2: the loss has the right value ({loss:.6g}) but does not change with"
                " any output: its graph does not reach the model's outputs, so backward gives"
                " every parameter 0. Somewhere between the outputs and the loss a Value became"
                " a plain number (`.data`, float(), Value(...) of a result); keep every step a"
                " Value op")
    missing = [key for key in keys if want[key] is None or (got[key] == 0.0 and want[key] != 0.0)]
    rest = [key for key in keys if key not in missing]
    if missing and close([got[key] for key in rest], [want[key] for key in rest]):
        return (f"step 2: the loss covers {total - len(missing)} of the {total} outputs:"
                f" {_which(missing, len(inputs), n_out)}: sum (p - y)**2 over every output of"
                " every example")
    ratio = [got[key] / want[key] for key in keys if want[key]]
    if ratio and close(ratio, [ratio[0]] * len(ratio), 1e-7):
        r = ratio[0]
        if close([r], [1 / total], 1e-7):
            what = f"the mean of the {total} squared errors, not their sum"
        elif close([r], [0.5]):
            what = "half the sum of squared errors"
        else:
            what = f"{r:.4g} times the sum of squared errors"
        return (f"step 2: the loss is {what} (it changes with each output by {r:.4g} × 2(p - y)):"
                " the lab's loss is the plain sum of (p - y)**2 over the 25 outputs")
    errors = {key: want[key] / 2 for key in keys if want[key] is not None}
    if len(errors) == total:
        if close([got[key] for key in keys], [1.0 if errors[key] > 0 else -1.0 for key in keys]):
            return ("step 2: the loss sums the absolute errors |p - y|, not their squares:"
                    " square each error, (p - y)**2")
        if close([got[key] for key in keys], [1.0] * total):
            return ("step 2: the loss sums the errors p - y without squaring them, so it can"
                    " fall below 0 for ever: square each error, (p - y)**2")
        every = {(k, j): sum(2 * (outputs[k][j] - t) for t in targets[k]) for k, j in keys}
        if close([got[key] for key in keys], [every[key] for key in keys]):
            return ("step 2: the loss compares each output with all the targets of its example"
                    " (two nested loops over the outputs and the targets), not with its own"
                    " target: pair them, `zip(pred, target)`")
    k, j = max((key for key in keys if want[key] is not None),
               key=lambda key: abs(got[key] - want[key]))
    return (f"step 2: the loss does not change with the outputs as the sum of squared errors"
            f" does: d(loss)/d(output {j} of example {k}) is {got[k, j]:.6g}, where"
            f" Σ (p - y)**2 gives 2(p - y) = {want[k, j]:.6g}")


def _which(missing, n_examples, n_out):
    """Words for the outputs a loss covers and leaves out: whole examples, whole columns, or
    a count."""
    examples = sorted({k for k, _ in missing if all((k, j) in missing for j in range(n_out))})
    columns = sorted({j for _, j in missing if all((k, j) in missing for k in range(n_examples))})
    if examples and len(examples) * n_out == len(missing):
        if examples == [n_examples - 1]:
            return "every example but the last"
        if examples == [0]:
            return "every example but the first"
        return "it leaves out examples " + ", ".join(f"xs[{k}]" for k in examples)
    if columns and len(columns) * n_examples == len(missing):
        kept = [j for j in range(n_out) if j not in columns]
        if kept == [0]:
            return "the first output of each example"
        if kept == [n_out - 1]:
            return "the last output of each example"
        return "it leaves out outputs " + ", ".join(map(str, columns)) + " of every example"
    return f"it leaves out {len(missing)} outputs here and there"


# -- steps 3 and 4: the gradients when backward starts, and after it ----------------------

def _gradients(model, params, watch, tap, expected):
    """Are the gradients 0 when backward starts, and the engine's once it has run?"""
    starts, ends = tap.of("start"), tap.of("end")
    held = [p for p, g in zip(params, starts[0][2]) if g != 0.0]
    if held:
        whose = "every parameter" if len(held) == len(params) else where(model, held)
        return (f"step 3: the gradients add up over epochs: when loss.backward() starts,"
                f" {whose} still holds the last gradient"
                f" ({fmt([g for g in starts[0][2] if g != 0.0])}), and backward adds to it:"
                " set `p.grad = 0.0` for every parameter before loss.backward()")
    after = ends[-1][2]
    if close(after, expected):
        return None
    roots = [r for _, r, _ in starts]
    if len({id(r) for r in roots}) < len(roots):
        times = len(roots) // len({id(r) for r in roots})
        return (f"step 4: backward() runs {len(roots)} times on the same loss, so each"
                f" gradient is {times} × the engine's: call loss.backward() once per loss")
    in_graph = set()
    for root in roots:
        in_graph |= {id(node) for node in _graph(root)}
    cut = [p for p, e in zip(params, expected) if id(p) not in in_graph and e != 0.0]
    outputs = set()
    for c in watch.of("mlp"):
        for out in (c["output"] if isinstance(c["output"], (list, tuple)) else [c["output"]]):
            if isinstance(out, Value):
                outputs |= {id(node) for node in _graph(out)}
    unused = [p for p in cut if id(p) not in outputs]
    if unused:  # the model's own outputs do not reach them: Block A's neuron leaves them out
        return ("Neuron.__call__", f"Neuron.__call__: the model's outputs do not depend on"
                f" {where(model, unused)} (no output's graph reaches them, so their gradient"
                " stays 0 and they never train, though the outputs may look right while they"
                " are 0): each neuron's w and b must enter its sum as Values,"
                " tanh(b + Σ w·x)")
    if cut:
        every = len(cut) == len(params)
        return (f"step 4: the loss does not depend on {'any parameter' if every else where(model, cut)}"
                " (its graph does not reach them, so their gradient stays 0): somewhere between"
                " the weights and the loss a Value became a plain number (`.data`, float(),"
                " Value(...) of a result); keep every step a Value op")
    i = max(range(len(params)), key=lambda k: abs(after[k] - expected[k]))
    return (f"step 4: after backward, the gradient of {where(model, [params[i]])} is"
            f" {after[i]:.6g}, where the engine's is {expected[i]:.6g}")


def _graph(root):
    seen, todo = {id(root): root}, [root]
    while todo:
        for child in todo.pop().inputs:
            if id(child) not in seen:
                seen[id(child)] = child
                todo.append(child)
    return seen.values()


# -- step 5: each parameter's move ----------------------------------------------------------

def _update(lab, model, twin, params, tap, moved, expected, lr, xs, ys, step):
    """Does each parameter move once, by -lr × the gradient it had after backward?"""
    writes = tap.of("data")
    first_start = tap.events.index(tap.of("start")[0])
    last_end = len(tap.events) - 1 - tap.events[::-1].index(tap.of("end")[-1])
    if not writes:
        return ("step 5: no parameter's `.data` is assigned in the step, so nothing moves"
                " (`p = p - ...` makes a new Value and leaves the parameter as it was):"
                " update each in place, `p.data -= lr * p.grad`")
    order = [i for i, e in enumerate(tap.events) if e[0] == "data"]
    if all(i < first_start for i in order):
        zero = all(e[2] == 0.0 for e in writes)
        held = "every gradient is still 0" if zero else "the gradients are the last epoch's"
        return (f"steps 4-5: the update runs before loss.backward(), while {held}, so"
                f" {'no parameter moves' if zero else 'it steps along the previous gradient'}:"
                " update after loss.backward()")
    count = {}
    for _, i, _ in writes:
        count[i] = count.get(i, 0) + 1
    if max(count.values()) > 1:
        n = max(count.values())
        per = (f", one after each of the {len(tap.of('end'))} backward() calls"
               if n == len(tap.of("end")) else "")
        return (f"step 5: each parameter's `.data` is assigned {n} times in one step{per}, so"
                f" it moves {n} times: update each parameter once, after backward() has"
                " given the gradient of the whole loss")
    after = tap.of("end")[-1][2]
    used = {i: g for _, i, g in writes}
    zeroed = [i for i, g in used.items() if g == 0.0 and after[i] != 0.0]
    if zeroed and any(e[0] == "grad" for e in tap.events[last_end:]):
        return ("step 3: the gradients are set to 0 after loss.backward() and before the"
                " update, so the update sees 0 and nothing moves: zero them before"
                " loss.backward() (or after the update)")
    still = [p for i, (p, m, e) in enumerate(zip(params, moved, expected))
             if m == 0.0 and e != 0.0]
    others = [(m, -lr * e) for p, m, e in zip(params, moved, expected)
              if not (m == 0.0 and e != 0.0)]
    if still and others and close(*zip(*others)):
        return (f"step 5: {len(still)} of the {len(params)} parameters did not move"
                f" ({where(model, still)}): update every parameter of model.parameters()")
    if close(moved, [lr * e for e in expected]):
        return ("step 5: the update goes uphill, +lr × gradient: step against the gradient,"
                " `p.data -= lr * p.grad`")
    size = sum(e * e for e in expected)
    scale = -sum(m * e for m, e in zip(moved, expected)) / size if size else 0.0
    if size and close(moved, [-scale * e for e in expected]):
        twins = _updated(twin)
        again = [p.data for p in twins]
        _run_step(lab, twin, twins, xs, ys, 2 * lr, step)
        ignores = close([p.data - a for p, a in zip(twins, again)], moved, 1e-6)
        if ignores:
            return (f"step 5: each parameter moves by -{scale:.4g} × its gradient whatever lr"
                    f" sgd_step is given (train.lr is {lr:g}): use the lr argument,"
                    " `p.data -= lr * p.grad`")
        return (f"step 5: each parameter moves by -{scale:.4g} × its gradient, {scale / lr:.4g}"
                f" times -lr × gradient (train.lr is {lr:g}): move by `lr * p.grad`")
    i = max(range(len(moved)), key=lambda k: abs(moved[k] + lr * expected[k]))
    return (f"step 5 (epoch {step}): {where(model, [params[i]])} moved by {moved[i]:.6g}, where"
            f" -lr × its gradient is {-lr * expected[i]:.6g}")
