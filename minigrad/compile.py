"""minigrad.compile: trace a training step once, replay it as generated Python, bit for bit.

    step = minigrad.compile(loss_fn, params, lr=0.05)
    for epoch in range(300):
        loss = step()          # the loss, as a float; p.grad and p.data updated
    print(step.source)         # the generated Python: forward, then backward, line by line

`compile` calls `loss_fn()` once, on the current parameters, and writes the graph it built
as one Python function: a line per node for the forward pass (`v12 = tanh(v11)`), then a
line per node for the backward pass, its gradient as the sum of one term per path from the
loss (`g11 = (1.0 - v12 * v12) * g12 + ...`), each commented with its op and label. Running it
gives the same bits as the eager engine: the same loss, and every `p.grad` (and, with `lr`,
every `p.data`) as

    for p in params: p.grad = 0.0
    loss = loss_fn(); loss.backward()
    for p in params: p.data -= lr * p.grad

would leave them (0.0 and -0.0 aside: interior gradients are not started from 0.0).

No derivative is written here. The generator runs each op's own rule (ops.py), the one the
eager engine runs on floats, on symbols whose arithmetic writes source text: `SYMBOLS` is
the namespace `m` for that run. An op's domain check (log of x <= 0, a zero divisor, ...)
is run on symbols as well, to find the condition under which it can fail; the generated
code calls the op's own check when that condition holds, so the error and its message are
eager's. The gradients and updates are written back only at the end of a step, so a step
that raises leaves every parameter's `data` and `grad` as they were.

What is frozen at trace time:
- Python control flow in `loss_fn`. The graph is recorded once; an `if` on a Value's data
  would be decided once for all steps. While tracing, `bool(v)`, `v < w` (and <=, >, >=),
  `float(v)` and `round(v)` on any Value raise TypeError, so such a `loss_fn` is refused
  rather than silently frozen. Branches that live in ops (relu, abs, pow, sigmoid) are fine:
  they become conditional expressions in the code and follow the data at every step.
- Leaves that are not in `params`: they are constants, at the value they had when traced,
  and so is every node built only from them.
- Only nodes that the loss depends on are computed: a node that `loss_fn` builds but the
  loss does not use is dropped, and so is any error it alone would raise.

Speed. `exp` and `pow` in the code are `math.exp` and `math.pow`; when one of them raises
(an overflow, or a zero base with a negative exponent in a derivative), the step is run
again with minigrad's own versions, which return inf as the eager engine does. Small graphs
are written out in full, one local variable per node (`v12`, `g12`). Large graphs (more
than `UNROLL_LIMIT` terms) keep values in lists (`V[12]`, `G[12]`), run each wide n-ary
node (`Value.dot`, `Value.sum`, `Value.squared_error`) as a loop over its operands, and
write lines that repeat with evenly stepping slot numbers (a layer's neurons, a batch's
samples) as `for k in range(n):` loops: MLP(16, [64, 64, 16]) on 16 samples is about 60
lines, not 200,000. The statements run, and their order, are the same either way.

Generated code for any graph, for reading: `minigrad.compile(lambda: L, [a, b, c]).source`
(no `lr`) is the forward and backward pass of L, with a, b and c as inputs.
"""

import builtins
import itertools
import math
import numbers
import re
import types

from minigrad.ops import FLOATS
from minigrad.scalar import Value, interior_nodes

__all__ = []  # `minigrad.compile` only: a star import must not shadow Python's compile

UNROLL_LIMIT = 10_000  # above this many backward terms, the looped form (see the docstring)
ROLL_MIN = 8  # in the looped form, an n-ary node with at least this many operands is a loop


# -- symbols: expression trees that the rules' arithmetic builds ----------------------------------

ATOM, NEG, MUL, ADD, CMP, NOT, AND, OR, IF = 20, 13, 12, 11, 6, 5, 4, 3, 1
_BINARY = {"+": ADD, "-": ADD, "*": MUL, "/": MUL}
_CONDITIONS = ("cmp", "not", "and", "or")


class _DataBranch(Exception):
    """A rule asked for the truth of a symbol: it branches on data (see _run_rule)."""


class Sym:
    """An expression: an operand ("arg", position), the result ("out"), a number ("const"),
    a name, an operation ("bin", "neg", "call", "if") or a condition ("cmp", "not", ...).

    Its operators build bigger expressions, so that a rule of ops.py run on Syms returns the
    tree of what it computes; `_render` writes the tree as Python.
    """

    __slots__ = ("kind", "a", "b", "c")

    def __init__(self, kind, a=None, b=None, c=None):
        self.kind, self.a, self.b, self.c = kind, a, b, c

    def __add__(self, other):
        return Sym("bin", "+", self, _sym(other))

    def __radd__(self, other):
        return Sym("bin", "+", _sym(other), self)

    def __sub__(self, other):
        return Sym("bin", "-", self, _sym(other))

    def __rsub__(self, other):
        return Sym("bin", "-", _sym(other), self)

    def __mul__(self, other):
        return Sym("bin", "*", self, _sym(other))

    def __rmul__(self, other):
        return Sym("bin", "*", _sym(other), self)

    def __truediv__(self, other):
        return Sym("bin", "/", self, _sym(other))

    def __rtruediv__(self, other):
        return Sym("bin", "/", _sym(other), self)

    def __neg__(self):
        return Sym("neg", self)

    def __lt__(self, other):
        return Sym("cmp", "<", self, _sym(other))

    def __le__(self, other):
        return Sym("cmp", "<=", self, _sym(other))

    def __gt__(self, other):
        return Sym("cmp", ">", self, _sym(other))

    def __ge__(self, other):
        return Sym("cmp", ">=", self, _sym(other))

    def __eq__(self, other):
        return Sym("cmp", "==", self, _sym(other))

    def __ne__(self, other):
        return Sym("cmp", "!=", self, _sym(other))

    __hash__ = object.__hash__

    def __bool__(self):
        if _probe is not None and self.kind in _CONDITIONS:
            return _probe.decide(self)
        raise _DataBranch(_render(self, _ARG_NAMES, ("out", ATOM))[0])

    def __repr__(self):
        return f"Sym({_render(self, _ARG_NAMES, ('out', ATOM))[0]})"


class _ArgNames:  # renders ("arg", j) as a_j, for repr and error messages
    def __getitem__(self, j):
        return f"a{j}", ATOM


_ARG_NAMES = _ArgNames()


def _sym(x):
    if type(x) is Sym:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Sym("const", x)
    raise TypeError(f"a rule combined a symbol with {type(x).__name__} {x!r}")


def _call(name):
    return lambda *args: Sym("call", name, tuple(_sym(a) for a in args))


def _if(condition, then, otherwise):
    return Sym("if", condition, _sym(then), _sym(otherwise))


# The namespace `m` when a rule runs on symbols. Functions that can overflow or branch inside
# (exp, pow, sigmoid) are calls to the float namespace's functions (math.exp and math.pow on
# the fast path, see Step). relu, step and sign are the conditional expressions of FLOATS'
# functions, written inline because a call costs more than the branch
# (tests/test_compile.py checks each against FLOATS, on 0.0, -0.0, inf and nan).
SYMBOLS = types.SimpleNamespace(
    exp=_call("exp"), log=_call("log"), tanh=_call("tanh"), sigmoid=_call("sigmoid"),
    pow=_call("pow"), abs=_call("abs"),
    relu=lambda x: _if(_sym(x) > 0, x, 0.0),
    step=lambda x: _if(_sym(x) > 0, 1.0, 0.0),
    sign=lambda x: _if(_sym(x) > 0, 1.0, _if(_sym(x) < 0, -1.0, 0.0)),
)
_CALLED = ("exp", "log", "tanh", "sigmoid", "pow", "abs")
_FAST = {"exp": math.exp, "pow": math.pow}  # raise where FLOATS' return inf: see Step


# -- writing a tree as Python ------------------------------------------------------------------


def _number(x):
    """(source, precedence) of a constant: repr round-trips every float; inf and nan are names."""
    if type(x) is int:
        return repr(x), ATOM
    x = float(x)
    if x != x:
        return "nan", ATOM
    if math.isinf(x):
        return ("inf", ATOM) if x > 0 else ("-inf", NEG)
    text = repr(x)
    return text, ADD if text[0] == "-" else ATOM  # a sign: written in parentheses as an operand


def _render(s, args, out):
    """(source, precedence) of tree `s`; args[j] and `out` are (source, precedence) pairs."""
    kind = s.kind
    if kind == "arg":
        return args[s.a]
    if kind == "out":
        return out
    if kind == "const":
        return _number(s.a)
    if kind == "name":
        return s.a, ATOM
    if kind == "bin":  # a left-leaning chain of one op, walked without recursion
        op, prec = s.a, _BINARY[s.a]
        rights = []
        while s.kind == "bin" and s.a == op:
            rights.append(s.c)
            s = s.b
        text, p = _render(s, args, out)
        parts = [f"({text})" if p < prec else text]
        for right in reversed(rights):
            text, p = _render(right, args, out)
            parts.append(f"({text})" if p <= prec else text)
        return f" {op} ".join(parts), prec
    if kind == "neg":
        text, p = _render(s.a, args, out)
        return ("-" + (f"({text})" if p <= NEG else text)), NEG
    if kind == "call":
        return f"{s.a}({', '.join(_render(x, args, out)[0] for x in s.b)})", ATOM
    if kind == "if":
        then, p = _render(s.b, args, out)
        cond, _ = _render(s.a, args, out)
        other, _ = _render(s.c, args, out)
        return f"{f'({then})' if p <= IF else then} if {cond} else {other}", IF
    if kind == "cmp":
        left, lp = _render(s.b, args, out)
        right, rp = _render(s.c, args, out)
        left = f"({left})" if lp <= CMP else left
        right = f"({right})" if rp <= CMP else right
        return f"{left} {s.a} {right}", CMP
    if kind == "not":
        text, p = _render(s.a, args, out)
        return f"not {f'({text})' if p < NOT else text}", NOT
    if kind in ("and", "or"):
        prec = AND if kind == "and" else OR
        parts = []
        for x in s.a:
            text, p = _render(x, args, out)
            parts.append(f"({text})" if p <= prec else text)
        return f" {kind} ".join(parts), prec
    raise AssertionError(kind)


def _key(s, shift=0):
    """The structure of a tree, operand positions taken relative to `shift` (for loops)."""
    kind = s.kind
    if kind == "arg":
        return ("arg", s.a - shift)
    if kind == "const":
        return ("const", repr(s.a))
    if kind in ("out", "name"):
        return (kind, s.a)
    if kind == "bin":
        return ("bin", s.a, _key(s.b, shift), _key(s.c, shift))
    if kind in ("neg", "not"):
        return (kind, _key(s.a, shift))
    if kind == "call":
        return ("call", s.a, tuple(_key(x, shift) for x in s.b))
    if kind == "if":
        return ("if", _key(s.a, shift), _key(s.b, shift), _key(s.c, shift))
    if kind == "cmp":
        return ("cmp", s.a, _key(s.b, shift), _key(s.c, shift))
    return (kind, tuple(_key(x, shift) for x in s.a))


def _positions(s, found):
    """Add to `found` the operand positions that tree `s` reads."""
    stack = [s]
    while stack:
        s = stack.pop()
        kind = s.kind
        if kind == "arg":
            found.add(s.a)
        elif kind in ("bin", "cmp"):
            stack += (s.b, s.c)
        elif kind in ("neg", "not"):
            stack.append(s.a)
        elif kind == "call":
            stack += s.b
        elif kind == "if":
            stack += (s.a, s.b, s.c)
        elif kind in ("and", "or"):
            stack += s.a
    return found


# -- running a rule, and an op's check, on symbols ---------------------------------------------

_probe = None  # the _Probe deciding conditions while a check runs on symbols


class _Probe:
    """Answers a check's conditions along one path: the given prefix, then False each time,
    queueing the True alternative; together the runs visit every path."""

    def __init__(self, prefix, queue):
        self.prefix, self.queue, self.taken = prefix, queue, []

    def decide(self, condition):
        i = len(self.taken)
        if i < len(self.prefix):
            value = self.prefix[i]
        else:
            value = False
            self.queue.append(tuple(v for _, v in self.taken) + (True,))
        self.taken.append((condition, value))
        return value


ALWAYS = "always"


def _failure_condition(check, args):
    """The condition under which `check(*args)` raises, as a tree; None if it never can.

    The check runs on symbols, once per path through its conditions. A path that raises
    contributes the conjunction of its decisions. Anything the symbols cannot follow (more
    than 64 paths, a conversion) counts as raising: the generated code then calls the
    check, which is always right, only more often.
    """
    global _probe
    raising, queue, runs = [], [()], 0
    while queue:
        runs += 1
        if runs > 64:
            return ALWAYS
        probe = _Probe(queue.pop(), queue)
        _probe = probe
        try:
            check(*args)
        except Exception:
            raising.append([(c, v) for c, v in probe.taken])
        finally:
            _probe = None
    if not raising:
        return None
    paths = _merge_paths([{_key(c): (c, v) for c, v in path} for path in raising])
    terms = []
    for path in paths:
        if not path:
            return ALWAYS
        conj = [c if v else Sym("not", c) for c, v in path.values()]
        terms.append(conj[0] if len(conj) == 1 else Sym("and", conj))
    return terms[0] if len(terms) == 1 else Sym("or", terms)


def _merge_paths(paths):
    """Join two raising paths that differ only in one decision (x<0 and x>=0: drop it)."""
    merged = True
    while merged:
        merged = False
        for i, j in itertools.combinations(range(len(paths)), 2):
            a, b = paths[i], paths[j]
            if a.keys() != b.keys():
                continue
            differ = [k for k in a if a[k][1] != b[k][1]]
            if len(differ) <= 1:
                joined = {k: a[k] for k in a if k not in differ}
                paths = [p for n, p in enumerate(paths) if n not in (i, j)] + [joined]
                merged = True
                break
    return paths


class _Rule:
    """An op's rule run on symbols for one shape of operands: forward and local trees, the
    failure condition, and (for the looped form) how forward and backward roll into loops."""

    __slots__ = ("forward", "local", "fold", "runs")


_rules = {}
_failures = {}


def _failure(rule, args):
    """When `rule.check` fails on these operands (constants as numbers), cached by shape.

    Eager checks unary and binary nodes (scalar._unary, _binary); n-ary ops have no check.
    """
    if rule.check is None or len(args) > 2:
        return None
    key = (rule, tuple(None if type(a) is Value else repr(a) for a in args))
    if key not in _failures:
        syms = [Sym("arg", j) if type(a) is Value else a for j, a in enumerate(args)]
        _failures[key] = _failure_condition(rule.check, syms)
    return _failures[key]


def _run_rule(rule, args):
    """The rule on symbols for this node's operands (cached by shape).

    Every operand is first a symbol, constants included, so that nodes that differ only in
    their constants share one analysis; a rule that branches on a constant's value (x ** n
    asks whether n == 0) is run again with the constants as numbers, for each set of them.
    """
    shape = (rule, tuple(map(type, args)))
    found = _rules.get(shape)
    if found is None:
        try:
            found = _analyse(rule, [Sym("arg", j) for j in range(len(args))])
        except _DataBranch:
            found = _BRANCHES
        _rules[shape] = found
    if found is not _BRANCHES:
        return found
    key = (shape, tuple(None if type(a) is Value else repr(a) for a in args))
    found = _rules.get(key)
    if found is None:
        syms = [Sym("arg", j) if type(a) is Value else a for j, a in enumerate(args)]
        try:
            found = _rules[key] = _analyse(rule, syms)
        except _DataBranch as e:
            raise TypeError(f"op {rule.name!r}: its rule branches on an operand's value ({e}); "
                            "put the branch in a function of the namespace m") from None
    return found


_BRANCHES = "the rule branches on a constant"


def _analyse(rule, syms):
    r = _Rule()
    r.forward = _sym(rule.forward(SYMBOLS, *syms))
    r.local = [_sym(d) for d in rule.local(SYMBOLS, Sym("out"), *syms)]
    r.fold = _fold(r.forward) if len(syms) > 1 else None
    r.runs = _runs(r.local)
    return r


def _fold(tree):
    """A left fold `acc = base; acc = acc op step_k` in the forward tree, as (base, op, first,
    steps): steps[k] reads operands at the same positions relative to first + k."""
    if tree.kind != "bin":
        return None
    op, steps, s = tree.a, [], tree
    while s.kind == "bin" and s.a == op:
        steps.append(s.c)
        s = s.b
    steps.reverse()
    last = _key(steps[-1], len(steps) - 1)
    start = len(steps) - 1
    while start > 0 and _key(steps[start - 1], start - 1) == last:
        start -= 1
    base = s
    for step in steps[:start]:
        base = Sym("bin", op, base, step)
    return base, op, start, steps[start:]


def _runs(local):
    """The local derivatives as runs of positions [j0, j1) sharing one relative form."""
    runs, j = [], 0
    while j < len(local):
        key, end = _key(local[j], j), j + 1
        while end < len(local) and _key(local[end], end) == key:
            end += 1
        runs.append((j, end))
        j = end
    return runs


# -- tracing -----------------------------------------------------------------------------------

_REFUSED = {"__bool__": "bool() (an if, while, and/or or not)", "__lt__": "<",
            "__le__": "<=", "__gt__": ">", "__ge__": ">=", "__float__": "float()",
            "__round__": "round()"}


def _refusal(what):
    def refuse(self, *args):
        raise TypeError(
            f"minigrad.compile: loss_fn used {what} on a Value while being traced; the "
            "compiled step would freeze that decision at the traced data for every step. "
            "Use an op that branches on data (relu, abs, ...), or train with the eager engine."
        )

    return refuse


def _trace(loss_fn):
    saved = {name: Value.__dict__[name] for name in _REFUSED}
    try:
        for name, what in _REFUSED.items():
            setattr(Value, name, _refusal(what))
        root = loss_fn()
    finally:
        for name, method in saved.items():
            setattr(Value, name, method)
    if type(root) is not Value:
        raise TypeError(f"minigrad.compile: loss_fn must return a Value, got "
                        f"{type(root).__name__} {root!r}")
    return root


def _check_params(params):
    params = list(params)
    seen = {}
    for i, p in enumerate(params):
        if type(p) is not Value:
            raise ValueError(f"minigrad.compile: params[{i}] is {type(p).__name__} {p!r}; "
                             "params must be distinct leaf Values")
        if p.inputs:
            raise ValueError(f"minigrad.compile: params[{i}] = {p!r} is the result of an op "
                             f"({p.op}); params must be distinct leaf Values")
        if p in seen:
            raise ValueError(f"minigrad.compile: params[{i}] is params[{seen[p]}] again; "
                             "params must be distinct leaf Values")
        seen[p] = i
    return params


# -- the step ----------------------------------------------------------------------------------


class Step:
    """A compiled training step. Call it to run one step; it returns the loss (a float).

    `source` is the generated Python, `params` the parameters, `lr` the learning rate (None:
    gradients only).
    """

    __slots__ = ("source", "params", "lr", "_fast", "_safe")

    def __call__(self):
        try:
            return self._fast()
        except (ArithmeticError, ValueError):
            # math.exp/math.pow raised where minigrad's return inf, or an op's check raised:
            # run again with minigrad's own functions, which give eager's result or error
            return self._safe()

    def __repr__(self):
        return f"<minigrad compiled step: {len(self.params)} params, lr={self.lr!r}>"


def compile(loss_fn, params, lr=None):  # noqa: A001 (minigrad.compile; not in __all__)
    """Trace `loss_fn()` once and return a Step that replays it as generated Python.

    `params` are distinct leaf Values (ValueError otherwise). Each `step()` evaluates the
    loss at the current `p.data`, sets every `p.grad` as zeroing and `loss.backward()`
    would (0.0 for a param the loss does not reach), and with `lr` applies
    `p.data -= lr * p.grad`; it returns the loss before the update. A domain error (log of
    x <= 0, a zero divisor, ...) raises the eager op's exception and message and leaves
    every param's data and grad unchanged.

    Control flow in `loss_fn` and leaves outside `params` are frozen at trace time: see the
    module's docstring. `step.source` is the generated code.
    """
    if not callable(loss_fn):
        raise TypeError(f"minigrad.compile: loss_fn must be callable, got {loss_fn!r}")
    params = _check_params(params)
    if lr is not None:
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
            raise TypeError(f"minigrad.compile: lr must be a number or None, got {lr!r}")
        lr = float(lr)
    root = _trace(loss_fn)
    source, names = _Writer(root, params, lr).write()
    code = builtins.compile(source, "<minigrad.compile>", "exec")
    step = Step()
    step.source, step.params, step.lr = source, tuple(params), lr
    functions = []
    for overrides in (_FAST, {}):
        scope = {**names, **{name: getattr(FLOATS, name) for name in _CALLED}, **overrides}
        exec(code, scope)
        functions.append(scope["step"])
    step._fast, step._safe = functions
    return step


_CONSTANT = -(2**62)  # a constant operand's place in a layout (write_predicted): never a slot


class _Operands:
    """args[j] of _render for one node: each operand's source, made when first asked for."""

    __slots__ = ("writer", "args", "made")

    def __init__(self, writer, args, made=None):
        self.writer, self.args, self.made = writer, args, dict(made or {})

    def __getitem__(self, j):
        made = self.made.get(j)
        if made is None:
            made = self.made[j] = self.writer.operand(self.args[j])
        return made

    def texts(self):
        return [self[j][0] for j in range(len(self.args))]

    def over(self, replaced):
        return _Operands(self.writer, self.args, {**self.made, **replaced})


class _Writer:
    """Writes the step's source for one traced graph."""

    def __init__(self, root, params, lr):
        self.params, self.lr = params, lr
        self.slot = {p: i for i, p in enumerate(params)}
        self.nodes = []  # interior nodes that depend on a param, oldest first
        if root.inputs:
            for node in reversed(interior_nodes(root)):
                for a in node.inputs:
                    if a in self.slot:
                        self.slot[node] = len(self.slot)
                        self.nodes.append(node)
                        break
        self.root = root
        lines = 0
        for node in self.nodes:
            lines += 1 + len(node.inputs)
        self.looped = lines > UNROLL_LIMIT
        self.names = {"PARAMS": tuple(params), "inf": math.inf, "nan": math.nan}
        self.filled = {}  # node -> _Filled, from its forward line to its backward lines
        self.shapes = {}  # node -> (layout, constants, key), the same (write_predicted)
        self.constants = {}  # repr of a tuple of constants -> (index in C, the tuple)
        self.constant_ids, self.keep = {}, []

    # how a slot reads in the code; in the looped form each slot number is marked, so that
    # _roll can turn runs of lines that differ only in them into loops
    def value(self, s):
        return (f"V[{_mark(s)}]" if self.looped else f"v{s}"), ATOM

    def grad(self, s):
        return f"G[{_mark(s)}]" if self.looped else f"g{s}"

    def operand(self, a):
        """(source, precedence) of an operand: a slot, or a constant (frozen leaf or number)."""
        if type(a) is Value:
            s = self.slot.get(a)
            return self.value(s) if s is not None else _number(a.data)
        return _number(a)

    def write(self):
        n_params = len(self.params)
        out = ["def step():"]
        body = []
        labels = [p.label for p in self.params]
        body.append(f'"""One training step: {n_params} params in, the loss out'
                    f'{"" if self.lr is None else f", then p.data -= {self.lr!r} * p.grad"}.')
        body.append("")
        if self.looped:
            body.append("V[k] holds node k's value, G[k] d(loss)/d(node k); params come first.")
        else:
            body.append("v<k> is node k's value, g<k> d(loss)/d(node k); params come first.")
        body.append('"""')
        if self.looped:
            body.append(f"V = [p.data for p in PARAMS] + [0.0] * {len(self.nodes)}")
            body += [f"# V[{i}] is {label!r}" for i, label in enumerate(labels) if label]
        elif n_params:
            comma = "," if n_params == 1 else ""
            body.append(f"{', '.join(f'p{i}' for i in range(n_params))}{comma} = PARAMS")
            body += [f"# v{i} is {label!r}" for i, label in enumerate(labels) if label]
            body.append(f"{', '.join(f'v{i}' for i in range(n_params))}{comma} = "
                        f"{', '.join(f'p{i}.data' for i in range(n_params))}{comma}")
        body.append("# forward: one line per node")
        write = self.write_predicted if self.looped else (lambda writer, node, body: writer(
            node, body))
        self.states = {}
        for node in self.nodes:
            write(self.write_forward, node, body)
        body.append("# backward, from the loss down: a node's gradient sums one term per path")
        root_slot = self.slot.get(self.root)
        if self.looped:
            body.append(f"G = [0.0] * {len(self.slot)}")
        self.terms = {}  # straight-line form: slot -> the terms of its gradient, in order
        if root_slot is not None:
            if root_slot < n_params:
                if self.looped:
                    body.append(f"{self.grad(root_slot)} += 1.0  # the loss is this param")
                else:
                    self.terms[root_slot] = [("1.0", ATOM, "the loss", "itself")]
            else:
                body.append(f"{self.grad(root_slot)} = 1.0  # d(loss)/d(loss)")
        self.states = {}
        for node in reversed(self.nodes):
            write(self.write_backward, node, body)
        if not self.looped:
            body.append("# the params' gradients: each starts at 0.0, as p.grad = 0.0 does")
            for i in range(n_params):
                self.add_up(i, body, "0.0")
        body.append("# the results: every param's grad" + ("" if self.lr is None else
                                                          ", then the update"))
        lr = None if self.lr is None else _number(self.lr)[0]
        if self.looped:
            body.append("for p, d, g in zip(PARAMS, V, G):")
            body.append("    p.grad = g")
            if lr is not None:
                body.append(f"    p.data = d - {lr} * g")
        else:
            for i in range(n_params):
                body.append(f"p{i}.grad = g{i}")
                if lr is not None:
                    body.append(f"p{i}.data = v{i} - {lr} * g{i}")
        loss = self.operand(self.root)[0]
        body.append(f"return {loss}")
        if self.looped:
            items = []
            for line in body:
                if type(line) is str:
                    items += _items([line])
                else:
                    items.append(line)
            body = _write_items(_roll(items), 0)
        out += ["    " + line if line else "" for line in body]
        if self.constants:
            self.names["C"] = [values for _, values in self.constants.values()]
        names = sorted(n for n in self.names if n != "PARAMS")
        header = [
            "# Generated by minigrad.compile from a traced graph: one line per node forward,",
            "# one line per (node, input) backward. exp and pow are math's, or minigrad's IEEE",
            "# versions when math's raise; check_* are the ops' domain checks (minigrad/ops.py).",
            f"# Globals: PARAMS{', ' + ', '.join(names) if names else ''}.",
            "",
        ]
        return "\n".join(header + out) + "\n", self.names

    def write_predicted(self, writer, node, body):
        """writer(node, body) as items, predicted without writing where the node repeats the
        last one of its shape at the same step.

        A node's lines depend only on its rule, label and constants, and on its operands'
        slots (its layout). When two nodes of one shape gave the same lines at layouts L0
        and L1 = L0 + D, a node at L1 + D, L1 + 2D, ... (a layer's next neuron) gets the
        same lines with their slot numbers stepped on: every number in them is a slot, or a
        slot plus one, of the layout.
        """
        shape = self.shapes.pop(node, None)  # as found for its forward lines
        if shape is None:
            args = node.args
            layout = [self.slot[node], *map(self.slot.get, args, itertools.repeat(_CONSTANT))]
            if _CONSTANT in layout:  # constants: the same objects, in the same places
                consts = [id(a) if t == _CONSTANT else None for a, t in zip(args, layout[1:])]
            else:
                consts = None
            shape = self.shapes[node] = (layout, consts, (node.rule, node.label,
                                                          tuple(map(type, args))))
        layout, consts, key = shape
        state = self.states.get(key)
        if state is not None and state[0] == consts and state[3] is not None:
            _, last, items, steps, d = state
            if list(map(int.__add__, last, d)) == layout:
                state[1] = layout
                state[2] = items = [_Line(item.sig, list(map(int.__add__, item.params, step)))
                                    for item, step in zip(items, steps)]
                body += items
                return
        lines = []
        writer(node, lines)
        items = _items(lines)
        body += items
        if state is not None and state[0] == consts and state[3] is None and [
                i.sig for i in state[2]] == [i.sig for i in items]:
            d = list(map(int.__sub__, layout, state[1]))
            steps = [list(map(int.__sub__, i1.params, i0.params))
                     for i0, i1 in zip(state[2], items)]
            self.states[key] = [consts, layout, items, steps, d]
        else:
            self.states[key] = [consts, layout, items, None, None]

    def comment(self, node):
        label = f" {node.label!r}" if node.label else ""
        return f"  # {node.op}{label}"

    def write_forward(self, node, body):
        rule = _run_rule(node.rule, node.args)
        s = self.slot[node]
        args = _Operands(self, node.args)
        out = self.value(s)
        failure = _failure(node.rule, node.args)
        if failure is not None:
            name = f"check_{node.rule.check.__name__.lstrip('_').removeprefix('check_')}"
            self.names[name] = node.rule.check
            call = f"{name}({', '.join(args.texts())})"
            if failure is ALWAYS:
                body.append(call)
            else:
                body.append(f"if {_render(failure, args, out)[0]}: {call}")
        if self.looped and rule.fold is not None and len(rule.fold[3]) >= ROLL_MIN:
            base, op, first, steps = rule.fold
            offsets = sorted(_positions(steps[0], set()))
            variables = [f"x{k}" for k in range(len(offsets))]
            streams = [self.stream(node, range(p, p + len(steps))) for p in offsets]
            loop_args = args.over({p: (v, ATOM) for p, v in zip(offsets, variables)})
            body.append(f"acc = {_render(base, args, out)[0]}")
            term = _render(Sym("bin", op, Sym("name", "acc"), steps[0]), loop_args, out)[0]
            body.append(f"for {', '.join(variables)} in {self.zipped(streams)}: acc = {term}")
            body.append(f"{out[0]} = acc" + self.comment(node))
            return
        filled = self.filled[node] = _Filled(self, node.args)
        body.append(f"{out[0]} = {_fill(rule.forward, filled, out)}" + self.comment(node))

    def write_backward(self, node, body):
        rule = _run_rule(node.rule, node.args)
        s = self.slot[node]
        args = _Operands(self, node.args)
        out = self.value(s)
        upstream = Sym("name", self.grad(s))
        if not self.looped and s != self.slot.get(self.root):
            self.add_up(s, body)
        where = f"  # via {out[0]} ({node.op})"
        runs = rule.runs if self.looped else [(0, len(node.args))]
        filled = None
        for j0, j1 in runs:
            targets = list(map(self.slot.get, node.args[j0:j1]))
            if targets.count(None) == len(targets):
                continue
            local = rule.local[j0]
            kept = [j for j, t in zip(range(j0, j1), targets) if t is not None]
            if self.looped and j1 - j0 >= ROLL_MIN:
                offsets = sorted(_positions(local, set()))
                variables = [f"x{k}" for k in range(len(offsets))]
                loop_args = args.over({p: (v, ATOM) for p, v in zip(offsets, variables)})
                indexes = [t for t in targets if t is not None]
                if kept[-1] - kept[0] == len(kept) - 1:
                    operands = [self.stream(node, range(p + kept[0] - j0, p + kept[-1] + 1 - j0))
                                for p in offsets]
                else:
                    operands = [self.stream(node, [p + j - j0 for j in kept]) for p in offsets]
                body.append(f"g = {upstream.a}")
                into = self.indexes(indexes, "G")
                if into.startswith("G[") and len(set(indexes)) == len(indexes):
                    # distinct slots, evenly spaced: the slice, updated in one comprehension
                    term = Sym("bin", "+", Sym("name", "gi"), _times(local, Sym("name", "g")))
                    term = _render(term, loop_args, out)[0]
                    body.append(f"{into} = [{term} for {', '.join(['gi', *variables])} in "
                                f"{self.zipped([into, *operands])}]" + where)
                    continue
                streams = [self.indexes(indexes)] + operands
                term = _render(_times(local, Sym("name", "g")), loop_args, out)[0]
                body.append(f"for {', '.join(['i', *variables])} in {self.zipped(streams)}: "
                            f"G[i] += {term}" + where)
                continue
            if filled is None:
                filled = (self.filled.pop(node, None) or _Filled(self, node.args)).plus(
                    upstream.a)
            for j in kept:
                t = self.slot[node.args[j]]
                tree = _times_arg(rule.local[j], len(node.args))
                term = _fill(tree, filled, out)
                if self.looped:
                    body.append(f"{self.grad(t)} += {term}" + where)
                else:  # added up when the sum is complete: see add_up
                    self.terms.setdefault(t, []).append((term, _precedence(tree), out[0],
                                                         node.op))

    def add_up(self, s, body, start=None):
        """g_s = the sum of its terms, in the order eager adds them (straight-line form).

        Every term of a node's gradient comes from a node made after it, so the sum is
        complete when the walk down reaches the node. The sum is one expression, added left
        to right as backward adds `local * upstream` into `.grad`; a param's starts at 0.0,
        as its `.grad` does.
        """
        terms = self.terms.pop(s, [])
        parts = [] if start is None else [start]
        for text, prec, via, op in terms:
            parts.append(f"({text})" if prec < ADD or (parts and prec == ADD) else text)
        vias = ", ".join(f"{via} ({op})" for _, _, via, op in terms)
        body.append(f"g{s} = {' + '.join(parts) or '0.0'}" + (f"  # via {vias}" if vias else ""))

    def stream(self, node, positions):
        """Source of the sequence of operands at `positions` of `node` (for a loop)."""
        args = node.args
        if type(positions) is range:
            items = args[positions.start : positions.stop]
        else:
            items = [args[p] for p in positions]
        slots = list(map(self.slot.get, items))
        if None not in slots:
            return self.indexes(slots, "V")
        if slots.count(None) == len(slots):  # constants: a global tuple per distinct sequence
            same = tuple(map(id, items))  # the same objects (a layer's inputs): no repr needed
            index = self.constant_ids.get(same)
            if index is None:
                values = tuple(a.data if type(a) is Value else float(a) for a in items)
                key = tuple(map(repr, values))
                index = self.constants.setdefault(key, (len(self.constants), values))[0]
                self.constant_ids[same] = index
                self.keep.append(items)  # so that the ids stay those of these objects
            return f"C[{_mark(index)}]"
        return "(" + ", ".join(self.operand(a)[0] for a in items) + ",)"

    @staticmethod
    def indexes(slots, into=None):
        """V[a:b:s] (or range(a, b, s)) for an arithmetic sequence of slots, else a tuple."""
        step = slots[1] - slots[0] if len(slots) > 1 else 1
        a, end = _mark(slots[0]), _mark(slots[-1] + 1)
        if step > 0 and slots == list(range(slots[0], slots[-1] + 1, step)):
            if into:
                return f"{into}[{a}:{end}{'' if step == 1 else f':{step}'}]"
            return f"range({a}, {end}{'' if step == 1 else f', {step}'})"
        if into:
            return "(" + ", ".join(f"{into}[{_mark(s)}]" for s in slots) + ",)"
        return "(" + ", ".join(map(_mark, slots)) + ",)"

    @staticmethod
    def zipped(streams):
        return streams[0] if len(streams) == 1 else f"zip({', '.join(streams)})"


_templates = {}


def _fill(tree, operands, out):
    """_render(tree, operands, out)[0], from a template made once per tree and precedences.

    `operands` is a _Filled (the sources and precedences of a node's operands); `tree` must
    live as long as the cache (a rule's tree, or one of _times_arg's).
    """
    key = (id(tree), operands.precs, out[1])
    template = _templates.get(key)
    if template is None:
        holes = [("{%d}" % j, p) for j, p in enumerate(operands.precs)]
        template = _render(tree, holes, ("{%d}" % len(holes), out[1]))[0]
        _templates[key] = template
    return template.format(*operands.texts, out[0])


class _Filled:
    """The sources and precedences of a node's operands (straight-line form), for _fill."""

    __slots__ = ("texts", "precs")

    def __init__(self, writer, args):
        slot, texts, precs = writer.slot, [], []
        name = "V[\x01%d\x02]" if writer.looped else "v%d"  # as writer.value writes it
        for a in args:
            if type(a) is Value:
                s = slot.get(a)
                text, p = (name % s, ATOM) if s is not None else _number(a.data)
            else:
                text, p = _number(a)
            texts.append(text)
            precs.append(p)
        self.texts, self.precs = texts, tuple(precs)

    def plus(self, text):
        """These operands and one more (the upstream gradient), an atom."""
        more = _Filled.__new__(_Filled)
        more.texts, more.precs = [*self.texts, text], (*self.precs, ATOM)
        return more


_times_trees = {}


def _times_arg(local, n):
    """_times(local, upstream) with the upstream as operand n, one tree per local."""
    key = (id(local), n)
    found = _times_trees.get(key)
    if found is None:
        found = _times_trees[key] = (_times(local, Sym("arg", n)), local)
    return found[0]


def _precedence(tree):
    kind = tree.kind
    if kind == "bin":
        return _BINARY[tree.a]
    return {"neg": NEG, "if": IF, "cmp": CMP, "not": NOT, "and": AND, "or": OR}.get(kind, ATOM)


def _times(local, upstream):
    """local * upstream, the chain rule's term; 1.0 * g is g and -1.0 * g is -g, bit for bit."""
    if local.kind == "const" and type(local.a) is float:
        if local.a == 1.0:
            return upstream
        if local.a == -1.0:
            return Sym("neg", upstream)
    return Sym("bin", "*", local, upstream)


# -- loops over repeated lines: the looped form's rows, layers and samples ---------------------
# In the looped form, the lines of the wide graph's nodes repeat: a layer's neurons, a
# sample's layers, differ only in slot numbers, by a constant step from one to the next.
# _roll turns such runs into `for k in range(n):` loops over the same lines, in the same
# order, so the code runs exactly the same statements.

_MARK = re.compile("\x01(-?[0-9]+)\x02")


def _mark(number):
    return f"\x01{number}\x02"


class _Line:
    __slots__ = ("sig", "params")

    def __init__(self, sig, params):
        self.sig, self.params = sig, params


class _Loop:
    __slots__ = ("sig", "params", "reps", "steps", "body", "depth")


def _items(lines):
    items = []
    split = _MARK.split
    for line in lines:
        parts = split(line)
        items.append(_Line(tuple(parts[0::2]), list(map(int, parts[1::2]))))
    return items


def _roll(items, max_period=8, min_reps=3):
    """Runs of `period` items repeated with the same lines and slot numbers stepping evenly,
    as loops; applied again to its own result, for loops of loops."""
    while True:
        rolled = _roll_once(items, max_period, min_reps)
        if len(rolled) == len(items):
            return rolled
        items = rolled


def _roll_once(items, max_period, min_reps):
    out, i, n = [], 0, len(items)
    sigs = [item.sig for item in items]
    while i < n:
        best = None
        for period in range(1, max_period + 1):
            if i + 2 * period > n or sigs[i : i + period] != sigs[i + period : i + 2 * period]:
                continue
            first = [x for item in items[i : i + period] for x in item.params]
            second = [x for item in items[i + period : i + 2 * period] for x in item.params]
            steps = [b - a for a, b in zip(first, second)]
            reps, previous = 2, second
            while i + (reps + 1) * period <= n:
                block = items[i + reps * period : i + (reps + 1) * period]
                if [item.sig for item in block] != sigs[i : i + period]:
                    break
                params = [x for item in block for x in item.params]
                if [b - a for a, b in zip(previous, params)] != steps:
                    break
                reps, previous = reps + 1, params
            if reps >= min_reps and (best is None or reps * period > best[0] * best[1]):
                best = (reps, period, first, steps)
        if best is None:
            out.append(items[i])
            i += 1
            continue
        reps, period, first, steps = best
        loop = _Loop()
        loop.body = items[i : i + period]
        loop.reps, loop.steps, loop.params = reps, steps, first
        loop.depth = 1 + max((b.depth for b in loop.body if type(b) is _Loop), default=0)
        loop.sig = ("loop", reps, tuple(steps), tuple(b.sig for b in loop.body))
        out.append(loop)
        i += reps * period
    return out


def _write_items(items, indent, params=None):
    """Source lines of items; params[j] is (constant, ((step, variable), ...)) per number."""
    lines = []
    for item in items:
        own = params[: len(item.params)] if params is not None else [
            (x, ()) for x in item.params]
        if params is not None:
            params = params[len(own):]
        pad = "    " * indent
        if type(item) is _Line:
            text = item.sig[0]
            for (constant, terms), part in zip(own, item.sig[1:]):
                text += _affine(constant, terms) + part
            lines.append(pad + text)
            continue
        var = "k" if item.depth == 1 else f"k{item.depth}"
        lines.append(f"{pad}for {var} in range({item.reps}):")
        inner = [(c, terms + ((step, var),) if step else terms)
                 for (c, terms), step in zip(own, item.steps)]
        lines += _write_items(item.body, indent + 1, inner)
    return lines


def _affine(constant, terms):
    text = str(constant)
    for step, var in terms:
        text += f" + {step}*{var}" if step > 0 else f" - {-step}*{var}"
    return text
