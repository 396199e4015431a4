"""Block A, read from the learner's model: its objects, then its forward pass watched at
each boundary the lab names, innermost first: each Neuron's output against tanh(b + Σ w·x)
of the input it received, each Layer's against its neurons' outputs, the MLP's against its
layers applied in turn. The first boundary that differs is the place a finding names.
"""

import copy
import math

from minigrad import Value
from labcheck.contract import N_TENSES, LabError, describe, learner_call, shown

__all__ = ["check_structure", "check_parameters_shape", "check_objects", "check_parameters",
           "check_start", "check_forward", "Watch", "where", "block_a_params", "values", "close",
           "fmt"]


class NotNumbers(Exception):
    """What a learner's function returned is not a Value, a number, or a list of them."""


def values(thing):
    """The floats of a Value, a number, or a list or tuple of them (a Value alone is a list of
    one); NotNumbers for anything else (a generator, None, a nested list)."""
    items = thing if isinstance(thing, (list, tuple)) else [thing]
    if not all(isinstance(v, (Value, int, float)) and not isinstance(v, bool) for v in items):
        raise NotNumbers(type(thing).__name__)
    return [float(v.data if isinstance(v, Value) else v) for v in items]


def close(xs, refs, rel=1e-9):
    """|x - ref| <= rel * max(1, max |ref|) for every pair, and the same length. Where the
    engine's own numbers are not finite (a huge lr overflows), there is nothing to compare
    with: True, so that train's divergence line speaks instead."""
    xs, refs = list(xs), list(refs)
    if len(xs) != len(refs):
        return False
    if not all(map(math.isfinite, refs)):
        return True
    tol = rel * max([1.0, *map(abs, refs)])
    return all(abs(x - r) <= tol for x, r in zip(xs, refs))


def fmt(numbers, n=3):
    shown_ = ", ".join(f"{x:.4g}" for x in numbers[:n])
    return f"[{shown_}{', ...' if len(numbers) > n else ''}]"


def block_a_params(model):
    """Every weight and bias, read through Block A's names: layer by layer, each neuron's w
    then its b."""
    return [p for layer in model.layers for n in layer.neurons for p in [*n.w, n.b]]


def where(model, params):
    """Names for a set of parameters, by layer and kind: "layer 2's biases (3 of 5)"."""
    ids = {id(p) for p in params}
    parts = []
    for i, layer in enumerate(model.layers, 1):
        for kind, group in (("weights", [w for n in layer.neurons for w in n.w]),
                            ("biases", [n.b for n in layer.neurons])):
            hit = sum(id(p) in ids for p in group)
            if hit:
                parts.append(f"layer {i}'s {kind}" + ("" if hit == len(group) else
                                                      f" ({hit} of {len(group)})"))
    return ", ".join(parts)


# -- the objects: refused before training when the names the checks read are not there ----

def check_structure(model, path, layer_sizes):
    """Does the MLP have Block A's `layers`, each its `neurons`, each a `w` of as many Values
    as the layer has inputs and a `b` Value? (LabError: the stages cannot read it otherwise.)"""
    layers = getattr(model, "layers", None)
    if not isinstance(layers, (list, tuple)) or len(layers) != len(layer_sizes):
        raise LabError(f"{path}: MLP({N_TENSES}, {list(layer_sizes)}) needs `layers`, a list of"
                       f" its {len(layer_sizes)} Layers (Block A); got {describe(layers)}")
    n_in = N_TENSES
    for i, (layer, size) in enumerate(zip(layers, layer_sizes), 1):
        neurons = getattr(layer, "neurons", None)
        if not isinstance(neurons, (list, tuple)) or len(neurons) != size:
            raise LabError(f"{path}: layer {i} needs `neurons`, a list of its {size} Neurons"
                           f" (Block A); got {describe(neurons)}")
        for neuron in neurons:
            w, b = getattr(neuron, "w", None), getattr(neuron, "b", None)
            if not isinstance(w, (list, tuple)) or not all(isinstance(v, Value) for v in w) \
                    or not isinstance(b, Value):
                raise LabError(f"{path}: each Neuron of layer {i} needs `w`, a list of Values,"
                               " and `b`, a Value (Block A)")
            if len(w) != n_in:
                gives = "the network's 5 inputs" if i == 1 else f"layer {i - 1}'s {n_in} outputs"
                if len(w) == size != n_in and len(w) != N_TENSES:  # one weight per neuron
                    seen = (f"Block A, Layer.__init__: layer {i}'s neurons each have {len(w)}"
                            f" weights, as many as the layer has neurons, but the layer"
                            f" receives {gives}: each Neuron takes the layer's inputs,"
                            " Neuron(n_in), not its number of outputs")
                else:
                    seen = (f"Block A, MLP.__init__ or Layer.__init__: layer {i}'s neurons each"
                            f" have {len(w)} weights, but the layer receives {gives}: layer"
                            f" {i} must be built with n_in = {n_in}, the size of what comes"
                            " before it")
                raise LabError(f"{path}, {seen}")
        n_in = size


def check_parameters_shape(params, model, path):
    """Is model.parameters() one flat list of Values? (LabError otherwise.)"""
    if isinstance(params, (list, tuple)) and all(isinstance(p, Value) for p in params):
        return
    if isinstance(params, (list, tuple)) and params and all(isinstance(p, (list, tuple))
                                                            for p in params):
        sizes = ", ".join(str(len(p)) for p in params)
        per_layer = len(params) == len(model.layers) and all(
            [id(v) for v in inner] == [id(v) for n in layer.neurons for v in [*n.w, n.b]]
            or {id(v) for v in inner} == {id(v) for n in layer.neurons for v in [*n.w, n.b]}
            for inner, layer in zip(params, model.layers))
        fix = ("a list comprehension with two `for`s, layer then parameter, flattens it" if
               per_layer else "flatten them into one list")
        raise LabError(f"{path}, Block A, parameters(): it returns a list of {len(params)} lists"
                       f" (of {sizes} items), not one flat list of Values, so"
                       f" `p.grad = 0.0` would land on a list: {fix}")
    raise LabError(f"{path}: model.parameters() must return a list of Values (Block A),"
                   f" got {describe(params)}")


def check_objects(model, path):
    """Is every neuron its own object, and every weight and bias its own Value, as Block A
    makes a new one for each? [] or findings."""
    borrowed = sorted({f"{type(o).__module__}.{type(o).__name__}" for o in
                       [model, *model.layers, *(n for layer in model.layers for n in layer.neurons)]
                       if type(o).__module__.split(".")[0] == "minigrad"})
    if borrowed:  # the library's network in place of the learner's own Block A
        return [f"{path}, Block A: the model is built from {', '.join(borrowed)}, the engine's"
                " own network, not from Neuron, Layer and MLP written in model.py: Block A"
                " asks for each built from Value"]
    findings = []
    for i, layer in enumerate(model.layers, 1):
        neurons = list(layer.neurons)
        if len({id(n) for n in neurons}) < len(neurons):
            findings.append(
                f"{path}, Block A, Layer: layer {i} lists {len(neurons)} neurons but they are"
                f" {len({id(n) for n in neurons})} Neuron object(s), repeated (`[Neuron(n_in)]"
                " * n` repeats one object), so they share their weights and stay identical:"
                " make each with its own Neuron(...) call, `[Neuron(n_in) for _ in range(n)]`")
            return findings
    seen = {}
    for i, layer in enumerate(model.layers, 1):
        for j, neuron in enumerate(layer.neurons, 1):
            ws = list(neuron.w)
            if len(ws) > 1 and len({id(w) for w in ws}) < len(ws):
                findings.append(
                    f"{path}, Block A, Neuron: the {len(ws)} weights of layer {i}'s neuron {j}"
                    f" are {len({id(w) for w in ws})} Value(s), repeated (`[Value(...)] * n`"
                    " repeats one Value), so they move as one: draw each weight in its own"
                    " Value(random.uniform(-1, 1)) call, `[Value(...) for _ in range(n_in)]`")
                return findings
            for v in [*ws, neuron.b]:
                if id(v) in seen and seen[id(v)] != (i, j):
                    findings.append(
                        f"{path}, Block A, Neuron: layer {i}'s neuron {j} shares a Value with"
                        f" layer {seen[id(v)][0]}'s neuron {seen[id(v)][1]}, so a step moves"
                        " both: give each neuron Values of its own")
                    return findings
                seen[id(v)] = (i, j)
    return findings


def check_parameters(lab, model):
    """Does parameters() list every weight and bias once, and nothing else?"""
    path = shown(lab.model.__file__)
    expected = block_a_params(model)
    listed = learner_call(lab, "calling model.parameters()", model.parameters)
    ids = [id(p) for p in listed]
    missing = [p for p in expected if id(p) not in ids]
    twice = {id(p) for p in listed if ids.count(id(p)) > 1}
    extra = len(set(ids) - {id(p) for p in expected})
    findings = []
    if missing:
        findings.append(f"{path}, Block A, parameters(): it returns {len(set(ids)) - extra}"
                        f" of the {len(expected)} weights and biases; missing: "
                        f"{where(model, missing)}, which never train: return every neuron's"
                        " w and b")
    if twice:
        repeated = where(model, [p for p in expected if id(p) in twice])
        findings.append(f"{path}, Block A, parameters(): {len(twice)} parameters are"
                        f" listed more than once ({repeated}),"
                        " so each update moves them twice: list each weight and bias once")
    if extra:
        findings.append(f"{path}, Block A, parameters(): {extra} Values it returns are"
                        " no neuron's w or b: return only the weights and biases")
    return findings


# -- the forward pass, watched ------------------------------------------------------------

class Watch:
    """While active, every call of the model's, its layers' and its neurons' classes is
    recorded as (object, its input as floats, its output), in call order. The classes'
    `__call__` are put back on exit, whatever happened."""

    def __init__(self, model):
        self.kinds = {id(model): "mlp"}
        for layer in model.layers:
            self.kinds.setdefault(id(layer), "layer")
            for neuron in layer.neurons:
                self.kinds.setdefault(id(neuron), "neuron")
        objects = [model, *model.layers, *(n for layer in model.layers for n in layer.neurons)]
        self.classes = list(dict.fromkeys(type(o) for o in objects))
        self.calls, self._saved, self.out = [], [], None

    def __enter__(self):
        for cls in self.classes:
            original = cls.__call__  # as the class finds it, inherited or its own
            had_own = "__call__" in cls.__dict__
            self._saved.append((cls, had_own, cls.__dict__.get("__call__")))
            cls.__call__ = self._recording(original)
        return self

    def __exit__(self, *exc):
        for cls, had_own, own in reversed(self._saved):
            if had_own:
                cls.__call__ = own
            else:
                del cls.__call__
        self._saved = []

    def _recording(self, original):
        calls, kinds = self.calls, self.kinds

        def call(obj, *args, **kwargs):
            kind = kinds.get(id(obj))
            record = None
            if kind and args:
                record = {"kind": kind, "obj": obj, "input": args[0], "output": None}
                calls.append(record)
            out = original(obj, *args, **kwargs)
            if record is not None:
                record["output"] = out
            return out
        return call

    def of(self, kind, obj=None):
        return [c for c in self.calls if c["kind"] == kind and (obj is None or c["obj"] is obj)]


def _neuron(neuron, x, act=math.tanh, bias=1, first_only=False):
    pairs = list(zip(neuron.w, x))[:1 if first_only else None]
    return act(bias * float(neuron.b.data) + sum(float(w.data) * xi for w, xi in pairs))


# What a neuron's output may be instead of tanh(b + Σ w·x), each proven when every recorded
# call of the neurons it names matches it.
_NEURON_VARIANTS = (
    ("return b + Σ w·x without the tanh", dict(act=lambda s: s),
     "return the sum's `.tanh()` in every neuron"),
    ("leave the bias out: tanh(Σ w·x)", dict(bias=0), "add b to the sum of w·x"),
    ("add the bias twice: tanh(2b + Σ w·x)", dict(bias=2), "add b once"),
    ("add only their first weight times its input: tanh(b + w[0]·x[0])",
     dict(first_only=True), "add every w·x to the sum, and apply the tanh after the loop"),
    ("apply relu, not tanh", dict(act=lambda s: max(s, 0.0)), "use `.tanh()`"),
    ("apply sigmoid, not tanh", dict(act=lambda s: 1 / (1 + math.exp(-s)) if s > -700 else 0.0),
     "use `.tanh()`"),
)


def _source_of(x, watch, model, network_input):
    """What a layer's input is, by its numbers: the network's input, or a layer's outputs."""
    if close(x, network_input):
        return "the network's input"
    for i, layer in enumerate(model.layers, 1):
        for c in watch.of("layer", layer):
            if c["output"] is not None and close(x, values(c["output"])):
                return f"layer {i}'s outputs"
    return None


def check_forward(lab, model, xs):
    """Block A's forward pass on every input, at each boundary, innermost first over all the
    inputs, at the model's weights and then on a copy whose biases are not 0 (Block A starts
    them at 0, where a bias left out or added twice changes nothing): [] or the first finding."""
    found = _forward_at(lab, model, xs)
    if found or not all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons):
        return found
    twin = copy.deepcopy(model)
    for k, n in enumerate((n for layer in twin.layers for n in layer.neurons), 1):
        n.b.data = (-1) ** k * 0.1 * (1 + k % 5)  # small, distinct, of both signs
    return [f"{finding} (seen with the biases set to values other than 0, on a copy of the"
            " model, as training makes them)" for finding in _forward_at(lab, twin, xs)]


def _forward_at(lab, model, xs):
    path = shown(lab.model.__file__)
    watches = []
    for k, x in enumerate(xs):
        watch = Watch(model)
        watches.append((watch, values(x), k))
        try:
            with watch:
                watch.out = model(x)
        except Exception:
            # a layer given the wrong number of inputs may fail inside the engine (Value.dot
            # refuses unequal lengths): that is the MLP's chaining, and is named as such
            finding = _chaining(path, model, watch, values(x)) or _returns(path, model, watch)
            if finding:
                raise LabError(finding) from None
            learner_call(lab, f"calling model(xs[{k}]) (Block A)", model, x)  # its own error
            raise
        returned = _returns(path, model, watch)
        if returned:  # nothing to compare: the stages cannot use the model either
            raise LabError(returned)
    finding = (next(filter(None, (_chaining(path, model, w, x) for w, x, _ in watches)), None)
               or _neurons(path, model, [w for w, _, _ in watches])
               or next(filter(None, (_layers(path, model, w) for w, _, _ in watches)), None)
               or next(filter(None, (_mlp(path, model, w, x, w.out, k) for w, x, k in watches)),
                       None))
    return [finding] if finding else []


_RETURNS = {"neuron": ("Neuron.__call__", "a Value"),
            "layer": ("Layer.__call__", "a list of its neurons' outputs"),
            "mlp": ("MLP.__call__", "the list of the last layer's outputs")}


def _returns(path, model, watch):
    """Does each Neuron, Layer and the MLP return Values (or a list of them), innermost first?"""
    for kind in ("neuron", "layer", "mlp"):
        for c in watch.of(kind):
            try:
                values(c["output"])
            except NotNumbers as err:
                where_, wanted = _RETURNS[kind]
                return (f"{path}, Block A, {where_}: it returns a {err}, where Block A returns"
                        f" {wanted}" + (": build a list, `[...]`, not a generator, `(...)`"
                                        if str(err) == "generator" else ""))
    return None


def _chaining(path, model, watch, x_values):
    """Does each layer receive as many values as its neurons take?"""
    for i, layer in enumerate(model.layers, 1):
        n_in = len(layer.neurons[0].w)
        for c in watch.of("layer", layer):
            got = values(c["input"]) if isinstance(c["input"], (list, tuple, Value)) else None
            if got is not None and len(got) != n_in:
                source = _source_of(got, watch, model, x_values)
                wanted = "the network's input" if i == 1 else f"layer {i - 1}'s outputs"
                seen = f"is given {source}" if source else f"is given {len(got)} values"
                return (f"{path}, Block A, MLP.__call__: layer {i} {seen} ({len(got)} values),"
                        f" where its neurons take {n_in}, {wanted}: the MLP does not feed each"
                        " layer the previous layer's outputs. Call each layer once, on the"
                        " variable that holds the previous layer's result, store its result"
                        " in that same variable, and return it after the loop")
    return None


def _neurons(path, model, watches):
    """Is each neuron's output tanh(b + Σ w·x) of the input it received, for every input?"""
    wrong = {}  # layer number -> the calls that differ
    for i, layer in enumerate(model.layers, 1):
        for neuron in layer.neurons:
            for c in (c for watch in watches for c in watch.of("neuron", neuron)):
                x = values(c["input"])
                got = values(c["output"])
                if len(got) != 1 or not close(got, [_neuron(neuron, x)]):
                    wrong.setdefault(i, []).append((neuron, x, got))
    if not wrong:
        return None
    layers = sorted(wrong)
    named = ("every layer's" if len(layers) == len(model.layers) else
             " and ".join(f"layer {i}'s" for i in layers))
    right = [i for i in range(1, len(model.layers) + 1) if i not in wrong and any(
        watch.of("neuron", n) for watch in watches for n in model.layers[i - 1].neurons)]
    also = f", while layer {' and '.join(map(str, right))}'s are right" if right else ""
    for text, variant, fix in _NEURON_VARIANTS:
        if all(len(got) == 1 and close(got, [_neuron(n, x, **variant)])
               for calls in wrong.values() for n, x, got in calls):
            return (f"{path}, Block A, Neuron.__call__: {named} neurons {text}{also} (a neuron"
                    f" gives {_got_of(wrong)}, where tanh(b + Σ w·x) of its input is"
                    f" {_ref_of(wrong)}): {fix}")
    return (f"{path}, Block A, Neuron.__call__: {named} neurons differ from tanh(b + Σ w·x) of"
            f" the input each received{also}: a neuron gives {_got_of(wrong)}, where the lab's"
            f" formula gives {_ref_of(wrong)}; check its sum of w·x, its bias and its tanh")


def _got_of(wrong):
    neuron, x, got = next(iter(wrong.values()))[0]
    return fmt(got) if len(got) != 1 else f"{got[0]:.6g}"


def _ref_of(wrong):
    neuron, x, got = next(iter(wrong.values()))[0]
    return f"{_neuron(neuron, x):.6g}"


def _layers(path, model, watch):
    """Is each layer's output its neurons' outputs, in order, for the input it received?"""
    for i, layer in enumerate(model.layers, 1):
        for c in watch.of("layer", layer):
            x = values(c["input"])
            got = values(c["output"]) if c["output"] is not None else []
            want = [_neuron(n, x) for n in layer.neurons]
            if close(got, want):
                continue
            if len(got) != len(want):
                return (f"{path}, Block A, Layer.__call__: layer {i} returns {len(got)}"
                        f" value(s), where it has {len(want)} neurons: return each neuron's"
                        " output, `[n(x) for n in self.neurons]`")
            if close(got, want[::-1]):
                return (f"{path}, Block A, Layer.__call__: layer {i} returns its neurons'"
                        " outputs in reverse order: keep the neurons' order")
            return (f"{path}, Block A, Layer.__call__: layer {i} returns {fmt(got)}, where its"
                    f" neurons give {fmt(want)} for the input it received")
    return None


def _mlp(path, model, watch, x_values, out, k):
    """Is the MLP's output its layers applied in turn, each to the previous one's outputs?"""
    got = values(out) if isinstance(out, (list, tuple, Value)) else []
    x = x_values
    for i, layer in enumerate(model.layers, 1):
        calls = watch.of("layer", layer)
        if calls and not close(values(calls[0]["input"]), x):
            source = _source_of(values(calls[0]["input"]), watch, model, x_values)
            wanted = "the network's input" if i == 1 else f"layer {i - 1}'s outputs"
            return (f"{path}, Block A, MLP.__call__: layer {i} is given"
                    f" {source or fmt(values(calls[0]['input']))}, not {wanted}: feed each"
                    " layer the previous layer's outputs")
        x = [_neuron(n, x) for n in layer.neurons]
    if close(got, x):
        return None
    if close(got, [math.tanh(v) for v in x]):
        return (f"{path}, Block A, MLP.__call__: model(xs[{k}]) applies tanh once more to the"
                " last layer's outputs, which its neurons have already passed through tanh:"
                " return the last layer's outputs as they are")
    for i, layer in enumerate(model.layers[:-1], 1):
        calls = watch.of("layer", layer)
        if calls and calls[0]["output"] is not None and close(got, values(calls[0]["output"])):
            return (f"{path}, Block A, MLP.__call__: model(xs[{k}]) returns layer {i}'s outputs,"
                    f" not the last layer's: return the output of the last layer")
    return (f"{path}, Block A, MLP.__call__: model(xs[{k}]) gives {fmt(got)}, where its layers"
            f" applied in turn give {fmt(x)}")


def check_start(lab, model, init_range, takes_range):
    """Do the weights start as Block A draws them: within the init range, and no two neurons
    of a layer alike? [] or findings."""
    path = shown(lab.model.__file__)
    bound = init_range if takes_range else 1.0
    weights = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    findings = []
    for i, layer in enumerate(model.layers, 1):
        starts = [tuple(values([*n.w, n.b])) for n in layer.neurons]
        if len(starts) > 1 and len(set(starts)) < len(starts):
            same = "all" if len(set(starts)) == 1 else "some"
            ws = starts[0][:-1]
            if len(set(ws)) == 1:  # one constant for every weight: nothing was drawn
                fix = "draw each weight with random.uniform(-1, 1)"
            else:  # drawn, but the same draws for each neuron: `random` restarted per neuron
                fix = ("each neuron draws the same numbers, as if `random` were seeded again"
                       " for each: seed once, before the model is built, and draw every"
                       " weight anew")
            findings.append(
                f"{path}, Block A, Neuron: {same} of layer {i}'s {len(starts)} neurons start"
                f" identical (weights {fmt(list(ws))}), so they compute the same output and"
                f" start from the same gradient where what follows treats them alike: {fix}")
            break
    largest = max(map(abs, weights))
    if largest > bound * (1 + 1e-9):
        source, draw = (("params.yaml's model.init_range",
                         "random.uniform(-init_range, init_range), the init_range MLP is given")
                        if takes_range else ("the lab's, as this MLP takes no init_range",
                                             "random.uniform(-1, 1)"))
        findings.append(
            f"{path}, Block A, Neuron: weights start as large as {largest:.3g}, outside"
            f" uniform(-{bound:g}, {bound:g}) ({source}); large weights saturate tanh, whose"
            f" slope 1 - tanh² is then about 0: draw them with {draw}")
    return findings
