"""Value: a float that remembers how it was computed, so backward() can apply the chain rule.

Each op's result and local derivatives are written once, as a rule in ops.py; a Value method
runs its rule on the operands' numbers and keeps the local derivatives on the new node, for
backward to multiply by the gradient from above. No closure per node: no reference cycles,
and the order of every accumulation is fixed by the graph alone (bit-identical runs).
"""

import itertools
import numbers
import operator
from collections.abc import Iterable, Sequence
from typing import Union

from minigrad.ops import ABS, ADD, DIV, DOT, EXP, FLOATS, LOG, MUL, NEG, POW, RELU, RPOW, SIGMOID
from minigrad.ops import SSE, SUB, SUM, TANH, VPOW, Op

__all__ = ["Value"]

# True while minigrad.compile traces a loss_fn: a decision on a Value's data (bool, <, float,
# ...) would be frozen into the compiled step, so it is refused. The arithmetic never reads it.
compiling = False

Operand = Union["Value", float]  # an op's operand: a node, or a plain number (a constant)


class Value:
    """A scalar node of a computation graph.

    `data` is the value (always a float), `grad` the derivative of the last backward()'s root
    with respect to it, and `label` an optional name. A node made by an op also keeps `rule`
    (the op, from ops.py), `args` (its operands as given: Values and constant floats),
    `inputs` (the Values among them, in order) and `local_grads` (d(self)/d(input), in order).

    `==` and hashing are by identity, as for any object: two nodes with equal data are still
    two places in a graph, and Values are used as keys of sets and dicts. `<`, `<=`, `>`, `>=`
    compare the data, so `max(outputs)` and `sorted(values)` work.
    """

    # `order` numbers nodes as they are made: an op's inputs always exist before its result,
    # so sorting by it, newest first, puts every node before its inputs (see backward).
    # `_detached` is True only on grad(..., create_graph=False)'s results (autograd.py).
    __slots__ = ("data", "grad", "label", "rule", "args", "inputs", "local_grads", "order",
                 "_detached")
    _detached: bool

    def __init__(self, data: float, label: str = "") -> None:
        number = _constant(data)
        if number is None:
            raise TypeError(f"Value needs a real number, got {type(data).__name__} {data!r}")
        self.data: float = number
        self.grad: float = 0.0
        self.label: str = label
        self.rule: Op | None = None
        self.args: tuple = ()
        self.inputs: tuple[Value, ...] = ()
        self.local_grads: tuple[float, ...] = ()
        self.order: int = _next_order()

    @property
    def op(self) -> str:
        """The op's name as drawn: "+", "**2", "tanh", ...; "" for a leaf."""
        return "" if self.rule is None else self.rule.describe(self.args)

    # The handout's and micrograd's names, for a learner's draw(): `_prev`, a node's distinct
    # inputs, each once, in order (a tuple, not micrograd's set, so drawings are deterministic),
    # and `_op`, the op as drawn.
    @property
    def _prev(self) -> tuple["Value", ...]:
        return tuple(dict.fromkeys(self.inputs))

    @property
    def _op(self) -> str:
        return self.op

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data!r}, grad={self.grad!r})"

    # -- arithmetic: a plain real number is a constant, not a node: it gets no gradient -------

    def __add__(self, other: Operand) -> "Value":
        return _binary(ADD, self, other)

    def __radd__(self, other: Operand) -> "Value":
        return _binary(ADD, other, self)

    def __sub__(self, other: Operand) -> "Value":
        return _binary(SUB, self, other)

    def __rsub__(self, other: Operand) -> "Value":
        return _binary(SUB, other, self)

    def __mul__(self, other: Operand) -> "Value":
        return _binary(MUL, self, other)

    def __rmul__(self, other: Operand) -> "Value":
        return _binary(MUL, other, self)

    def __truediv__(self, other: Operand) -> "Value":
        return _binary(DIV, self, other)

    def __rtruediv__(self, other: Operand) -> "Value":
        return _binary(DIV, other, self)

    def __pow__(self, exponent: Operand) -> "Value":
        return _binary(VPOW if type(exponent) is Value else POW, self, exponent)

    def __rpow__(self, base: float) -> "Value":
        return _binary(RPOW, base, self)

    def __neg__(self) -> "Value":
        return _unary(NEG, self)

    def __pos__(self) -> "Value":  # +v is v itself: no new node
        return self

    def __abs__(self) -> "Value":
        return _unary(ABS, self)

    def exp(self) -> "Value":
        return _unary(EXP, self)

    def log(self) -> "Value":
        return _unary(LOG, self)

    def tanh(self) -> "Value":
        return _unary(TANH, self)

    def relu(self) -> "Value":
        return _unary(RELU, self)

    def sigmoid(self) -> "Value":
        return _unary(SIGMOID, self)

    # -- n-ary nodes: one node for many operands, so big sums cost one node, not n ------------

    @staticmethod
    def sum(terms: Iterable["Value"]) -> "Value":
        """The sum of Values, as one node: d/d(term) = 1 for every term, added left to right."""
        terms = tuple(terms)
        for term in terms:
            if type(term) is not Value:
                raise TypeError(f"Value.sum takes Values, got {type(term).__name__} {term!r}")
        return _apply(SUM, terms)

    @staticmethod
    def dot(weights: Sequence[Operand], xs: Sequence[Operand], bias: Operand) -> "Value":
        """bias + sum(w_i * x_i) as one node: d/dw_i = x_i, d/dx_i = w_i, d/dbias = 1.

        The products are added to the bias left to right. An x_i that is a plain number is a
        constant (a network's input): it gets no gradient and costs nothing in backward.
        """
        if len(weights) != len(xs):
            raise ValueError(f"dot: {len(weights)} weights but {len(xs)} inputs")
        n = len(weights)
        args = (*weights, *xs, bias)
        if _all(float, xs):
            if type(bias) is Value and _all(Value, weights):
                # a first layer's neuron: its inputs are constants, its weights and bias nodes
                # (mypy cannot see the checks' narrowing: weights are Values, xs floats)
                data = [*[w.data for w in weights], *xs, bias.data]  # type: ignore[union-attr]
                out, local = _run(DOT, args, data)
                return _node(out, DOT, args, (*weights, bias), (*local[:n], local[-1]))
        elif _all(Value, args):  # a hidden layer's neuron: every operand is a node
            out, local = _run(DOT, args, [a.data for a in args])  # type: ignore[union-attr]
            return _node(out, DOT, args, args, local)
        return _apply(DOT, tuple(_operand(a, "dot") for a in args))

    @staticmethod
    def squared_error(outputs: Sequence["Value"], targets: Sequence[Operand]) -> "Value":
        """sum((o_i - t_i)**2) as one node: d/do_i = 2*(o_i - t_i), added left to right.

        Targets are plain numbers (constants) or Values (d/dt_i = -2*(o_i - t_i)).
        """
        if len(outputs) != len(targets):
            raise ValueError(f"squared_error: {len(outputs)} outputs but {len(targets)} targets")
        if not _all(Value, outputs):
            raise TypeError("squared_error: outputs must be Values")
        if _all(float, targets):  # the usual case: only the outputs are nodes
            args = (*outputs, *targets)
            out, local = _run(SSE, args)
            return _node(out, SSE, args, tuple(outputs), local[: len(outputs)])
        return _apply(SSE, (*outputs, *[_operand(t, "squared_error") for t in targets]))

    # -- conversions: the number, without its gradient ------------------------------------------
    # Each decides on the data, so each is refused while minigrad.compile runs (`compiling`).

    def item(self) -> float:
        """The data, a float, as PyTorch's tensor.item() (the same as `v.data` or float(v))."""
        _refuse_while_compiling("item()")
        return self.data

    def __float__(self) -> float:  # so math.tanh(v) works, and returns a float with no gradient
        _refuse_while_compiling("float()")
        return self.data

    def __bool__(self) -> bool:
        _refuse_while_compiling("bool() (an if, while, and/or or not)")
        return self.data != 0

    def __round__(self, ndigits: int | None = None) -> float:
        _refuse_while_compiling("round()")
        return float(round(self.data, ndigits))

    def __format__(self, spec: str) -> str:  # f"{v:.2f}" formats the data; f"{v}" the repr
        return format(self.data, spec) if spec else str(self)

    def __lt__(self, other: Operand) -> bool:
        return _compare(self, other, "<", operator.lt)

    def __le__(self, other: Operand) -> bool:
        return _compare(self, other, "<=", operator.le)

    def __gt__(self, other: Operand) -> bool:
        return _compare(self, other, ">", operator.gt)

    def __ge__(self, other: Operand) -> bool:
        return _compare(self, other, ">=", operator.ge)

    # -- backward ----------------------------------------------------------------------------

    def backward(self) -> None:
        """Set every reachable node's grad to d(self)/d(node), by the chain rule.

        Leaves (nodes with no inputs, such as parameters) accumulate: their grad is *added
        to*, so zero them between steps, and calling backward() twice doubles them, as in
        PyTorch. Interior nodes hold this call's gradient. The order: see interior_nodes.
        """
        interior = interior_nodes(self)
        for node in interior:
            node.grad = 0.0
        self.grad = 1.0 if self.inputs else self.grad + 1.0
        for node in interior:
            upstream = node.grad
            inputs = node.inputs
            if len(inputs) == 1:  # most ops; skipping zip's set-up halves their cost here
                inputs[0].grad += node.local_grads[0] * upstream
            else:
                for child, local in zip(inputs, node.local_grads):
                    child.grad += local * upstream


def interior_nodes(root: Value) -> list[Value]:
    """The nodes under `root` that have inputs, each once, every node before its inputs:
    newest first (inputs are older than their results), by creation number, not memory
    address, so the same on every run. Iterative, so a graph of any depth works."""
    interior = [root] if root.inputs else []
    seen = {root}
    for node in interior:  # the list grows while it is walked
        for child in node.inputs:
            if child.inputs and child not in seen:
                seen.add(child)
                interior.append(child)
    interior.sort(key=_creation_order, reverse=True)
    return interior


# -- running a rule on a node's operands ---------------------------------------------------------


def _unary(rule, x):
    data = x.data
    if rule.check is not None:
        rule.check(data)
    out = rule.forward(FLOATS, data)
    return _node(out, rule, (x,), (x,), rule.local(FLOATS, out, data))


def _binary(rule, a, b):
    """a `rule` b, where a or b is self; NotImplemented when the other is not a number."""
    if type(a) is Value:
        x = a.data
        if type(b) is Value:
            y = b.data
        else:
            b = _constant(b)
            if b is None:
                return NotImplemented
            y = b
    else:
        a = _constant(a)
        if a is None:
            return NotImplemented
        x, y = a, b.data
    if rule.check is not None:
        rule.check(x, y)
    out = rule.forward(FLOATS, x, y)
    da, db = rule.local(FLOATS, out, x, y)
    if type(a) is not Value:
        return _node(out, rule, (a, b), (b,), (db,))
    if type(b) is not Value:
        return _node(out, rule, (a, b), (a,), (da,))
    args = (a, b)
    return _node(out, rule, args, args, (da, db))


def _run(rule, args, data=None):
    """(result, local derivatives) of an n-ary rule on `args`, Values and floats (or on
    `data`, their numbers, from a caller that knows which args are Values)."""
    if data is None:
        data = [a.data if type(a) is Value else a for a in args]
    out = rule.forward(FLOATS, *data)
    return out, rule.local(FLOATS, out, *data)


def _apply(rule, args):
    """A node of an n-ary rule: `args` are Values and floats; only the Values become inputs."""
    out, local = _run(rule, args)
    if _all(Value, args):
        return _node(out, rule, args, args, local)
    pairs = [(a, d) for a, d in zip(args, local) if type(a) is Value]
    return _node(out, rule, args, tuple(a for a, _ in pairs), tuple(d for _, d in pairs))


def _node(data, rule, args, inputs, local_grads):
    """A Value made by an op, built without __init__'s checks (data is already a float)."""
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.rule = rule
    out.args = args
    out.inputs = inputs
    out.local_grads = local_grads
    out.order = _next_order()
    return out


_new_value = object.__new__
_next_order = itertools.count().__next__
_creation_order = operator.attrgetter("order")


# -- operands -----------------------------------------------------------------------------------


def _constant(x):
    """A real number as a float, or None for anything else (bool is a flag, not a number).
    The exact types first: they are almost every call, and cheaper than isinstance."""
    if type(x) is float:
        return x
    if type(x) is int or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
        return float(x)
    return None


def _operand(x, where):
    """A Value as it is, a real number as a float constant; TypeError for anything else."""
    if type(x) is Value:
        return x
    number = _constant(x)
    if number is None:
        raise TypeError(f"{where}: operands must be Values or numbers, got {type(x).__name__} {x!r}")
    return number


def _compare(value, other, what, compare):
    """value `what` other, on the data; NotImplemented when other is not a Value or a number."""
    _refuse_while_compiling(what)
    number = other.data if type(other) is Value else _constant(other)
    return NotImplemented if number is None else compare(value.data, number)


def _refuse_while_compiling(what):
    if compiling:
        raise TypeError(
            f"minigrad.compile: loss_fn used {what} on a Value while being traced; the "
            "compiled step would freeze that decision at the traced data for every step. "
            "Use an op that branches on data (relu, abs, ...), or train with the eager engine.")


def _all(kind, items):
    """Whether every item's type is exactly `kind` (a plain loop: faster than all() here)."""
    for item in items:
        if type(item) is not kind:
            return False
    return True
