"""minigrad.compile: trace a training step once, replay it as generated Python, bit for bit.

    step = minigrad.compile(loss_fn, params, lr=0.05)
    for epoch in range(300):
        loss = step()          # the loss, as a float; p.grad and p.data updated
    print(step.source)         # the generated Python: forward, then backward, line by line

`compile` calls `loss_fn()` once and writes the graph it built as one Python function: a
line per node forward (`v12 = tanh(v11)`), then one per node backward, its gradient the sum
of one term per path from the loss (`g11 = (1.0 - v12 * v12) * g12 + ...`), commented with
ops and labels. A step gives the loss, and every `p.grad` (and with `lr`, `p.data`), that
zeroing the grads, `loss_fn().backward()` and `p.data -= lr * p.grad` would, bit for bit
(0.0 and -0.0 aside). Each op's own rule (ops.py) is run on symbols (symbols.py); an op
that can fail (log of x <= 0, ...) calls its own check where its guard holds, so errors are
eager's, and a step that raises leaves every param as it was (results are written last).

Frozen at trace time: leaves not in `params` (constants, at their traced value), and
Python control flow in `loss_fn`, which is refused: while tracing, `bool(v)`, `v < w` (and
<=, >, >=), `float(v)`, `round(v)` and `v.item()` raise TypeError. Branches inside ops
(relu, abs, ...) are fine: they follow the data at every step. Nodes the loss does not
depend on are dropped, with any error they alone would raise.

`exp` and `pow` in the code are `math.exp` and `math.pow`; when one raises (an overflow,
say), the step is run again with minigrad's own, which return inf as eager does. Graphs of
more than UNROLL_LIMIT backward terms keep values in lists, with loops (loops.py).
"""

import math
import numbers
from collections.abc import Callable, Iterable

from minigrad import scalar
from minigrad.ops import FLOATS
from minigrad.scalar import Value, interior_nodes
from minigrad.symbols import ADD, ATOM, CALLED, number, rule_of

__all__ = ["compile_step", "Step", "number_nodes"]

UNROLL_LIMIT = 10_000  # above this many backward terms, the looped form (loops.py)
_FAST = {"exp": math.exp, "pow": math.pow}  # raise where FLOATS' return inf: see Step


class Step:
    """A compiled training step: call it to run one step; it returns the loss (a float).
    `source` is the generated Python, `lr` the learning rate (None: gradients only)."""

    __slots__ = ("source", "params", "lr", "_fast", "_safe")

    def __init__(self, source: str, names: dict, params: tuple, lr: float | None) -> None:
        self.source, self.params, self.lr = source, params, lr
        code, functions = compile(source, "<minigrad.compile>", "exec"), []  # Python's compile
        for overrides in (_FAST, {}):
            scope = {**names, **{name: getattr(FLOATS, name) for name in CALLED}, **overrides}
            exec(code, scope)
            functions.append(scope["step"])
        self._fast, self._safe = functions

    def __call__(self) -> float:
        try:
            return self._fast()
        except (ArithmeticError, ValueError):
            # math.exp/math.pow raised where minigrad's return inf, or an op's check raised:
            # run again with minigrad's own functions, which give eager's result or error
            return self._safe()

    def __repr__(self) -> str:
        return f"<minigrad compiled step: {len(self.params)} params, lr={self.lr!r}>"


def compile_step(loss_fn: Callable[[], Value], params: Iterable[Value],
                 lr: float | None = None) -> Step:
    """Trace `loss_fn()` once and return a Step that replays it as generated Python.

    This is `minigrad.compile`. `params` are distinct leaf Values (ValueError otherwise).
    Each `step()` returns the loss at the current `p.data`, sets every `p.grad` as zeroing
    and `loss.backward()` would (0.0 where the loss does not reach), then, with `lr`, does
    `p.data -= lr * p.grad`. A domain error raises eager's exception and message and leaves
    every param's data and grad unchanged. What is frozen at trace time: see the module.
    """
    if not callable(loss_fn):
        raise TypeError(f"minigrad.compile: loss_fn must be callable, got {loss_fn!r}")
    params = list(params)
    seen: dict[Value, int] = {}
    for i, p in enumerate(params):
        problem = (f"is {type(p).__name__} {p!r}" if type(p) is not Value else
                   f"= {p!r} is the result of an op ({p.op})" if p.inputs else
                   f"is params[{seen[p]}] again" if p in seen else None)
        if problem:
            raise ValueError(f"minigrad.compile: params[{i}] {problem}; params must be "
                             "distinct leaf Values")
        seen[p] = i
    if lr is not None:
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
            raise TypeError(f"minigrad.compile: lr must be a number or None, got {lr!r}")
        lr = float(lr)
    was = scalar.tracing
    scalar.tracing = True  # loss_fn() with every decision on a Value's data refused (scalar.py)
    try:
        root = loss_fn()
    finally:
        scalar.tracing = was
    if type(root) is not Value:
        raise TypeError(f"minigrad.compile: loss_fn must return a Value, got "
                        f"{type(root).__name__} {root!r}")
    slot = number_nodes(root, params)
    nodes = [node for node in slot if node.inputs]  # not the params: the computed nodes
    if sum(1 + len(node.inputs) for node in nodes) > UNROLL_LIMIT:
        from minigrad.loops import LoopedWriter  # loaded by the first wide graph only

        writer: Writer = LoopedWriter(root, params, nodes, slot, lr)
    else:
        writer = StraightWriter(root, params, nodes, slot, lr)
    return Step(writer.write(), writer.names, tuple(params), lr)


def number_nodes(root, params):
    """{Value: its slot, k of v<k>}: the params first, then, oldest first, every node that
    depends on a param (computed every step; the others are constants frozen at trace time)."""
    slot = {p: i for i, p in enumerate(params)}
    for node in reversed(interior_nodes(root)):
        if any(a in slot for a in node.inputs):
            slot[node] = len(slot)
    return slot


# -- writing the step ------------------------------------------------------------------------------


class Writer:
    """Writes the step's source for one traced graph. StraightWriter (below) holds values and
    gradients in local variables; loops.LoopedWriter in lists, with loops."""

    names_read = ""  # the docstring's line on what v<k>/V[k] hold
    pattern = ""  # how slot s reads: pattern % s

    def __init__(self, root, params, nodes, slot, lr):
        self.root, self.params, self.nodes, self.slot, self.lr = root, params, nodes, slot, lr
        self.root_slot = slot.get(root)
        self.rules = {}  # the rules run on symbols, for this call only (symbols.rule_of)
        self.names = {"PARAMS": tuple(params), "inf": math.inf, "nan": math.nan}

    def operand(self, a):
        """(source, precedence) of an operand: a slot, or a constant (frozen leaf or number)."""
        s = self.slot.get(a)
        return (self.pattern % s, ATOM) if s is not None else number(getattr(a, "data", a))

    def operands(self, args):  # the sources of a node's operands, and their precedences
        texts, precs = zip(*map(self.operand, args)) if args else ((), ())
        return list(texts), precs

    def comment(self, node):
        return f"  # {node.op}{f' {node.label!r}' if node.label else ''}"

    def check(self, node, rule, texts, out, body):
        """The line that calls the op's check where its guard holds (ops.py), if it has one."""
        if rule.guard is not None:
            name = node.rule.check.__name__.lstrip("_")  # ops.py's _check_log: check_log
            self.names[name] = node.rule.check
            call = f"{name}({', '.join(texts)})"
            body.append(call if rule.guard is True else
                        f"if {rule.guard.format(*texts, out)}: {call}")

    def write(self):
        lr = "" if self.lr is None else f", then p.data -= {self.lr!r} * p.grad"
        body = [f'"""One training step: {len(self.params)} params in, the loss out{lr}.', "",
                self.names_read, '"""']
        self.start(body)
        body.append("# forward: one line per node")
        for node in self.nodes:
            self.forward(node, body)
        body.append("# backward, from the loss down: a node's gradient sums one term per path")
        self.start_backward(body)
        for node in reversed(self.nodes):
            self.backward(node, body)
        self.finish(body)
        body.append(f"return {self.operand(self.root)[0]}")
        names = sorted(n for n in self.names if n != "PARAMS")
        header = [
            "# Generated by minigrad.compile from a traced graph: one line per node forward,",
            "# one line per (node, input) backward. exp and pow are math's, or minigrad's IEEE",
            "# versions when math's raise; check_* are the ops' domain checks (minigrad/ops.py).",
            f"# Globals: PARAMS{', ' + ', '.join(names) if names else ''}.",
            "",
            "def step():",
        ]
        body = ["    " + line if line else "" for line in self.lay_out(body)]
        return "\n".join(header + body) + "\n"

    def lay_out(self, body):
        return body


class StraightWriter(Writer):
    """One local variable per node: `v12 = tanh(v11)`, then `g11 = ... * g12 + ...`."""

    names_read = "v<k> is node k's value, g<k> d(loss)/d(node k); params come first."
    pattern = "v%d"

    def __init__(self, root, params, nodes, slot, lr):
        super().__init__(root, params, nodes, slot, lr)
        self.made = {}  # node -> (its Rule, its operands), from its forward line to backward
        self.terms = {}  # slot -> the terms of its gradient, in the order eager adds them

    def start(self, body):
        n = len(self.params)
        if n:
            comma = "," if n == 1 else ""
            body.append(f"{', '.join(f'p{i}' for i in range(n))}{comma} = PARAMS")
            body += [f"# v{i} is {p.label!r}" for i, p in enumerate(self.params) if p.label]
            body.append(f"{', '.join(f'v{i}' for i in range(n))}{comma} = "
                        f"{', '.join(f'p{i}.data' for i in range(n))}{comma}")

    def forward(self, node, body):
        texts, precs = self.operands(node.args)
        rule = rule_of(self.rules, node.rule, node.args, self.slot, precs)
        out = f"v{self.slot[node]}"
        self.made[node] = rule, texts
        self.check(node, rule, texts, out, body)
        body.append(f"{out} = {rule.forward.text.format(*texts, out)}{self.comment(node)}")

    def start_backward(self, body):
        s = self.root_slot
        if s is not None and s < len(self.params):
            self.terms[s] = [("1.0", ATOM, "the loss", "itself")]
        elif s is not None:
            body.append(f"g{s} = 1.0  # d(loss)/d(loss)")

    def backward(self, node, body):
        s = self.slot[node]
        if s != self.root_slot:
            self.add_up(s, body)
        rule, texts = self.made.pop(node)
        out = f"v{s}"
        for a, term in zip(node.args, rule.terms):
            t = self.slot.get(a)
            if t is not None:  # added up when the sum is complete: see add_up
                self.terms.setdefault(t, []).append(
                    (term.text.format(*texts, out, f"g{s}"), term.prec, out, node.op))

    def add_up(self, s, body, start=None):
        """g_s = the sum of its terms, complete when the walk down reaches the node: one
        expression, one top-level addend per term in the order of its `via` comment, added
        left to right as backward adds into `.grad` (a param's from 0.0, as `.grad` starts)."""
        terms = self.terms.pop(s, [])
        parts = [] if start is None else [start]
        parts += [f"({text})" if prec <= ADD else text for text, prec, _, _ in terms]
        vias = ", ".join(f"{via} ({op})" for _, _, via, op in terms)
        body.append(f"g{s} = {' + '.join(parts) or '0.0'}" + (f"  # via {vias}" if vias else ""))

    def finish(self, body):
        body.append("# the params' gradients: each starts at 0.0, as p.grad = 0.0 does")
        for i in range(len(self.params)):
            self.add_up(i, body, "0.0")
        body.append("# the results: every param's grad"
                    + ("" if self.lr is None else ", then the update"))
        for i in range(len(self.params)):
            body.append(f"p{i}.grad = g{i}")
            if self.lr is not None:
                body.append(f"p{i}.data = v{i} - {number(self.lr)[0]} * g{i}")
