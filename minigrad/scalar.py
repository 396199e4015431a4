"""Value: a float that remembers how it was computed, so backward() can apply the chain rule.

Every op computes its result and, on the same line, the local derivative of that result with
respect to each of its inputs. A node stores both as ordered tuples (`inputs`, `local_grads`),
and backward multiplies them by the gradient arriving from above. There is no closure per node,
so a graph holds no reference cycles: reference counting frees it the moment it is dropped,
and the order of every accumulation is fixed by the graph alone, so results are bit-identical
from run to run.
"""

import itertools
import math
from operator import attrgetter

__all__ = ["Value"]

_NUMBER = (int, float)  # bool is an int to Python, but a flag is no operand: refused


class Value:
    """A scalar node of a computation graph.

    `data` is the value, `grad` the derivative of the last backward()'s root with respect to
    it, `label` an optional name, `op` the operation that produced it ("" for a leaf), and
    `inputs` / `local_grads` its operands and d(self)/d(operand), in order.
    """

    # `order` numbers nodes as they are made: an op's inputs always exist before its result,
    # so sorting by it, newest first, puts every node before its inputs (see backward).
    __slots__ = ("data", "grad", "label", "op", "inputs", "local_grads", "order")

    def __init__(self, data, label=""):
        if type(data) is not float:
            if isinstance(data, bool) or not isinstance(data, _NUMBER):
                raise TypeError(
                    f"Value needs an int or float, got {type(data).__name__} {data!r}"
                )
            data = float(data)
        self.data = data
        self.grad = 0.0
        self.label = label
        self.op = ""
        self.inputs = ()
        self.local_grads = ()
        self.order = _next_order()

    def __repr__(self):
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data!r}, grad={self.grad!r})"

    # -- binary ops: result, then d(result)/d(each operand) -------------------------------
    # A plain number operand is a constant: it is not a node and gets no gradient.

    def __add__(self, other):
        if type(other) is Value:
            return _node(self.data + other.data, "+", (self, other), (1.0, 1.0))
        if isinstance(other, _NUMBER) and type(other) is not bool:
            return _node(self.data + other, "+", (self,), (1.0,))
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other):
        if type(other) is Value:
            return _node(self.data - other.data, "-", (self, other), (1.0, -1.0))
        if isinstance(other, _NUMBER) and type(other) is not bool:
            return _node(self.data - other, "-", (self,), (1.0,))
        return NotImplemented

    def __rsub__(self, other):  # other - self
        if isinstance(other, _NUMBER) and type(other) is not bool:
            return _node(other - self.data, "-", (self,), (-1.0,))
        return NotImplemented

    def __mul__(self, other):
        if type(other) is Value:
            return _node(self.data * other.data, "*", (self, other), (other.data, self.data))
        if type(other) is float:  # the common constant first: it needs no conversion
            return _node(self.data * other, "*", (self,), (other,))
        if isinstance(other, _NUMBER) and type(other) is not bool:
            return _node(self.data * other, "*", (self,), (float(other),))
        return NotImplemented

    __rmul__ = __mul__

    # d/db is computed as -(a/b)/b, not -a/(b*b): b*b underflows for |b| < 1e-162.
    def __truediv__(self, other):  # a / b: d/da = 1/b, d/db = -a/b**2
        if type(other) is Value:
            b = other.data
            _check_divisor(self.data, b)
            return _node(self.data / b, "/", (self, other), (1.0 / b, -(self.data / b) / b))
        if isinstance(other, _NUMBER) and type(other) is not bool:
            _check_divisor(self.data, other)
            return _node(self.data / other, "/", (self,), (1.0 / other,))
        return NotImplemented

    def __rtruediv__(self, other):  # k / a: d/da = -k/a**2
        if isinstance(other, _NUMBER) and type(other) is not bool:
            a = self.data
            _check_divisor(other, a)
            return _node(other / a, "/", (self,), (-(other / a) / a,))
        return NotImplemented

    def __neg__(self):
        return _node(-self.data, "neg", (self,), (-1.0,))

    def __pow__(self, exponent):  # x ** n: d/dx = n * x**(n-1)
        if not isinstance(exponent, _NUMBER) or type(exponent) is bool:
            return NotImplemented
        x, n = self.data, float(exponent)
        if x < 0 and not n.is_integer():
            raise ValueError(
                f"pow: negative base {x!r} with fractional exponent {n!r} has no real result"
            )
        if x == 0 and n < 0:
            raise ZeroDivisionError(f"pow: base 0.0 with negative exponent {n!r}")
        if n == 0:  # x**0 is 1 everywhere (x**-1 could overflow for a subnormal x)
            slope = 0.0
        elif x == 0 and n < 1:  # the slope of x**n at 0 is infinite for 0 < n < 1
            slope = math.inf
        else:
            slope = n * _float_pow(x, n - 1)
        return _node(_float_pow(x, n), f"**{_short(exponent)}", (self,), (slope,))

    def __rpow__(self, base):  # k ** x: d/dx = k**x * ln k
        if not isinstance(base, _NUMBER) or type(base) is bool:
            return NotImplemented
        if base <= 0:
            raise ValueError(f"pow: number ** Value needs a base > 0, got {base!r}")
        out = _float_pow(float(base), self.data)
        return _node(out, f"{_short(base)}**", (self,), (out * math.log(base),))

    # -- unary functions ---------------------------------------------------------------------

    def exp(self):  # d/dx e**x = e**x; overflow gives inf, as IEEE does
        try:
            out = math.exp(self.data)
        except OverflowError:
            out = math.inf
        return _node(out, "exp", (self,), (out,))

    def log(self):  # d/dx ln x = 1/x
        x = self.data
        if not x > 0:
            raise ValueError(f"log: operand must be > 0, got {x!r}")
        return _node(math.log(x), "log", (self,), (1.0 / x,))

    def tanh(self):  # d/dx tanh x = 1 - tanh(x)**2
        t = math.tanh(self.data)
        return _node(t, "tanh", (self,), (1.0 - t * t,))

    def relu(self):  # d/dx max(0, x) = 1 if x > 0 else 0
        x = self.data
        return _node(x if x > 0 else 0.0, "relu", (self,), (1.0 if x > 0 else 0.0,))

    def sigmoid(self):  # d/dx s(x) = s(x) * (1 - s(x))
        x = self.data
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:  # the same function, written so exp cannot overflow for very negative x
            e = math.exp(x)
            s = e / (1.0 + e)
        return _node(s, "sigmoid", (self,), (s * (1.0 - s),))

    # -- n-ary nodes: one node for many operands, so big sums cost one node, not n ------------

    @staticmethod
    def sum(terms):
        """The sum of Values, as one node: d/d(term) = 1 for every term, added left to right."""
        terms = tuple(terms)
        for term in terms:
            if type(term) is not Value:
                raise TypeError(f"Value.sum takes Values, got {type(term).__name__} {term!r}")
        total = 0.0
        for term in terms:
            total += term.data
        return _node(total, "sum", terms, (1.0,) * len(terms))

    @staticmethod
    def dot(weights, xs, bias):
        """bias + sum(w_i * x_i) as one node: d/dw_i = x_i, d/dx_i = w_i, d/dbias = 1.

        The products are added to the bias left to right. An x_i that is a plain number is a
        constant (a network's input): it gets no gradient and costs nothing in backward.
        """
        if len(weights) != len(xs):
            raise ValueError(f"dot: {len(weights)} weights but {len(xs)} inputs")
        w_data = [w.data for w in weights]
        if _all_values(xs):
            x_data = [x.data for x in xs]
            operands = (*weights, *xs, bias)
            local_grads = (*x_data, *w_data, 1.0)
        elif _all_floats(xs):
            x_data = xs
            operands = (*weights, bias)
            local_grads = (*xs, 1.0)
        else:
            x_data = [_operand_data(x) for x in xs]
            variables = [(x, w) for x, w in zip(xs, w_data) if type(x) is Value]
            operands = (*weights, *(x for x, _ in variables), bias)
            local_grads = (*x_data, *(w for _, w in variables), 1.0)
        total = bias.data
        for w, x in zip(w_data, x_data):
            total += w * x
        return _node(total, "dot", operands, local_grads)

    @staticmethod
    def squared_error(outputs, targets):
        """sum((o_i - t_i)**2) as one node: d/do_i = 2*(o_i - t_i), added left to right.

        Targets are plain numbers (constants) or Values (d/dt_i = -2*(o_i - t_i)).
        """
        if len(outputs) != len(targets):
            raise ValueError(f"squared_error: {len(outputs)} outputs but {len(targets)} targets")
        if not _all_values(outputs):
            raise TypeError("squared_error: outputs must be Values")
        if _all_floats(targets):
            errors = [o.data - t for o, t in zip(outputs, targets)]
        else:
            errors = [o.data - _operand_data(t) for o, t in zip(outputs, targets)]
        total = 0.0
        for e in errors:
            total += e * e
        local_grads = [2.0 * e for e in errors]
        operands = list(outputs)
        for t, e in zip(targets, errors):
            if type(t) is Value:
                operands.append(t)
                local_grads.append(-2.0 * e)
        return _node(total, "sse", tuple(operands), tuple(local_grads))

    # -- backward ----------------------------------------------------------------------------

    def backward(self):
        """Set every reachable node's grad to d(self)/d(node), by the chain rule.

        Leaves (nodes with no inputs, such as parameters) accumulate: their grad is *added
        to*, so zero them between steps, and calling backward() twice doubles them, as in
        PyTorch. Interior nodes hold this call's gradient. The walk is iterative, so a graph
        of any depth works.
        """
        # Collect the interior nodes (leaves need no visit), clearing each one's grad so
        # that it holds only this call's gradient.
        interior = [self] if self.inputs else []
        seen = {self}
        stack = [self]
        while stack:
            for child in stack.pop().inputs:
                if child.inputs and child not in seen:
                    seen.add(child)
                    child.grad = 0.0
                    interior.append(child)
                    stack.append(child)
        # Newest first is a topological order (inputs are older than their results), so each
        # node's grad is complete before it is passed on. Sorting by the creation number, not
        # by memory address, keeps every accumulation in the same order on every run.
        interior.sort(key=_creation_order, reverse=True)
        self.grad = 1.0 if self.inputs else self.grad + 1.0
        for node in interior:
            upstream = node.grad
            inputs = node.inputs
            if len(inputs) == 1:  # most ops; skipping zip's set-up halves their cost here
                inputs[0].grad += node.local_grads[0] * upstream
            else:
                for child, local in zip(inputs, node.local_grads):
                    child.grad += local * upstream


def _node(data, op, inputs, local_grads):
    """A Value made by an op, built without __init__'s checks (data is already a float)."""
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = op
    out.inputs = inputs
    out.local_grads = local_grads
    out.order = _next_order()
    return out


_new_value = object.__new__
_next_order = itertools.count().__next__
_creation_order = attrgetter("order")


def _all_values(items):
    for item in items:
        if type(item) is not Value:
            return False
    return True


def _all_floats(items):
    for item in items:
        if type(item) is not float:
            return False
    return True


def _check_divisor(numerator, divisor):
    if divisor == 0:
        raise ZeroDivisionError(f"division: {numerator!r} / {divisor!r} divides by zero")


def _float_pow(x, n):
    try:
        return math.pow(x, n)
    except OverflowError:
        return math.inf if x > 0 or float(n).is_integer() and n % 2 == 0 else -math.inf


def _operand_data(x):
    if type(x) is Value:
        return x.data
    if isinstance(x, _NUMBER) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"operands must be Values or numbers, got {type(x).__name__} {x!r}")


def _short(number):
    """2.0 -> '2', 0.5 -> '0.5': how an exponent reads in an op name."""
    return str(int(number)) if float(number).is_integer() else repr(float(number))
