"""Every operation of minigrad, written once: its result and its local derivatives.

An op is a rule of two small functions of its operands, side by side:

    forward(m, *args)       the result
    local(m, out, *args)    d(result)/d(arg) for every arg, in order

They use Python's + - * / and the math functions of `m`, a namespace passed in, so one rule
serves every reader of it: `Value` (scalar.py) runs it on floats (m = FLOATS below);
`grad(..., create_graph=True)` (autograd.py) runs `local` on Values, so the derivative is a
graph too; `minigrad.compile` (compiler/) runs it on symbols, to write a step as Python.

Adding an op is one rule here and one method on Value. An operand may be a plain number (a
constant): the rule still states a derivative for it, which the engine never uses.
"""

import math
import operator
import types

__all__ = ["Op", "FLOATS", "OPS", "short_number", "ADD", "SUB", "MUL", "DIV", "NEG", "POW",
           "RPOW", "VPOW", "EXP", "LOG", "TANH", "RELU", "SIGMOID", "ABS", "SUM", "DOT", "SSE"]


class Op:
    """A named rule: forward and local derivatives, plus an optional domain check.

    `check(*args)`, when present, runs on the operands' numbers before forward and raises the
    op's error (log of 0, a zero divisor, ...). `guard(m, *args)` holds wherever the check
    can raise: the compiled step calls the check only there (always, without a guard).
    `describe(args)` names a node in pictures and code ("**2" for x ** 2; default: `name`).
    """

    __slots__ = ("name", "forward", "local", "check", "guard", "describe")

    def __init__(self, name, forward, local, check=None, describe=None, guard=None):
        self.name = name
        self.forward = forward
        self.local = local
        self.check = check
        self.guard = guard
        self.describe = describe or (lambda args: name)

    def __repr__(self):
        return f"Op({self.name!r})"


# -- the math namespace for floats ---------------------------------------------------------------
# Each function follows IEEE-754 where Python's math module would raise instead: exp and pow
# overflow to inf, and 0 to a negative power is inf (only the slope of x ** n at 0 asks that;
# the op's check refuses it as a result).


def _exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _pow(x, n):
    if x == 0 and n < 0:
        return math.copysign(math.inf, x) if _is_odd_integer(n) else math.inf
    try:
        return math.pow(x, n)
    except OverflowError:
        return math.inf if x > 0 or not _is_odd_integer(n) else -math.inf


def _is_odd_integer(n):
    return float(n).is_integer() and n % 2 == 1


def _sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # the same function, written so exp cannot overflow for very negative x
    return e / (1.0 + e)


# The namespace `m` when a rule runs on floats (a plain namespace: its lookups are the cheapest).
FLOATS = types.SimpleNamespace(
    exp=_exp, log=math.log, tanh=math.tanh, sigmoid=_sigmoid, pow=_pow, abs=abs,
    relu=lambda x: x if x > 0 else 0.0,
    step=lambda x: 1.0 if x > 0 else 0.0,  # the slope of relu: 1 right of 0, else 0
    sign=lambda x: 1.0 if x > 0 else -1.0 if x < 0 else 0.0,  # the slope of abs: -1, 0 at 0, 1
    not_=operator.not_,
)


# -- domain checks: the op's own error, raised before any result exists -------------------------


def _check_divisor(a, b):
    if b == 0:
        raise ZeroDivisionError(f"division: {a!r} / {b!r} divides by zero")


def _check_pow(x, n):
    if x < 0 and not float(n).is_integer():
        raise ValueError(f"pow: negative base {x!r} with fractional exponent {n!r} has no "
                         "real result")
    if x == 0 and n < 0:
        raise ZeroDivisionError(f"pow: base 0.0 with negative exponent {n!r}")


def _check_base(k, x):
    if not k > 0:
        raise ValueError(f"pow: number ** Value needs a base > 0, got {k!r}")


def _check_value_base(x, y):
    if not x > 0:
        raise ValueError(f"pow: Value ** Value needs a base > 0, got {x!r}")


def _check_log(x):
    if not x > 0:
        raise ValueError(f"log: operand must be > 0, got {x!r}")


def short_number(number):
    """2.0 -> '2', 0.5 -> '0.5': how a constant reads in an op's name."""
    return str(int(number)) if float(number).is_integer() else repr(float(number))


# -- the n-ary rules: one node for many operands ------------------------------------------------


def _sum_forward(m, *terms):
    total = 0.0
    for term in terms:
        total = total + term
    return total


def _dot_forward(m, *args):  # args: w_1..w_n, x_1..x_n, bias; the products added to the bias
    n = len(args) // 2
    total = args[-1]
    for w, x in zip(args[:n], args[n : 2 * n]):
        total = total + w * x
    return total


def _dot_local(m, out, *args):  # d/dw_i = x_i, d/dx_i = w_i, d/dbias = 1
    n = len(args) // 2
    return (*args[n : 2 * n], *args[:n], 1.0)


def _sse_forward(m, *args):  # args: o_1..o_n, t_1..t_n; sum((o_i - t_i)**2), left to right
    n = len(args) // 2
    total = 0.0
    for o, t in zip(args[:n], args[n:]):
        error = o - t
        total = total + error * error
    return total


def _sse_local(m, out, *args):  # d/do_i = 2(o_i - t_i), d/dt_i = -2(o_i - t_i)
    n = len(args) // 2
    errors = [o - t for o, t in zip(args[:n], args[n:])]
    return (*[2.0 * e for e in errors], *[-2.0 * e for e in errors])


# -- the table ----------------------------------------------------------------------------------
# d/db of a / b is -(a/b)/b, not -a/(b*b): b*b underflows for |b| < 1e-162.
# The slope of x ** n is 0 for n = 0 (x**-1 could overflow for a subnormal x), and infinite at
# x = 0 for 0 < n < 1.

ADD = Op("+", lambda m, a, b: a + b, lambda m, out, a, b: (1.0, 1.0))
SUB = Op("-", lambda m, a, b: a - b, lambda m, out, a, b: (1.0, -1.0))
MUL = Op("*", lambda m, a, b: a * b, lambda m, out, a, b: (b, a))
DIV = Op("/", lambda m, a, b: a / b, lambda m, out, a, b: (1.0 / b, -(a / b) / b),
         _check_divisor, guard=lambda m, a, b: b == 0)
NEG = Op("neg", lambda m, x: -x, lambda m, out, x: (-1.0,))
POW = Op(  # x ** n, n a constant
    "**n",
    lambda m, x, n: m.pow(x, n),
    lambda m, out, x, n: (0.0 if n == 0 else n * m.pow(x, n - 1), 0.0),
    _check_pow,
    lambda args: f"**{short_number(args[1])}",
    # n is a number: only a negative or fractional one can fail, and only for x <= 0
    guard=lambda m, x, n: x <= 0 if n < 0 or not float(n).is_integer() else False,
)
RPOW = Op(  # k ** x, k a constant > 0
    "k**",
    lambda m, k, x: m.pow(k, x),
    lambda m, out, k, x: (0.0, out * m.log(k)),
    _check_base,
    lambda args: f"{short_number(args[0])}**",
    guard=lambda m, k, x: m.not_(k > 0),
)
VPOW = Op(  # x ** y, both Values, x > 0
    "**",
    lambda m, x, y: m.pow(x, y),
    lambda m, out, x, y: (y * m.pow(x, y - 1.0), out * m.log(x)),
    _check_value_base,
    guard=lambda m, x, y: m.not_(x > 0),
)
EXP = Op("exp", lambda m, x: m.exp(x), lambda m, out, x: (out,))
LOG = Op("log", lambda m, x: m.log(x), lambda m, out, x: (1.0 / x,), _check_log,
         guard=lambda m, x: m.not_(x > 0))
TANH = Op("tanh", lambda m, x: m.tanh(x), lambda m, out, x: (1.0 - out * out,))
RELU = Op("relu", lambda m, x: m.relu(x), lambda m, out, x: (m.step(x),))
SIGMOID = Op("sigmoid", lambda m, x: m.sigmoid(x), lambda m, out, x: (out * (1.0 - out),))
ABS = Op("abs", lambda m, x: m.abs(x), lambda m, out, x: (m.sign(x),))
SUM = Op("sum", _sum_forward, lambda m, out, *terms: (1.0,) * len(terms))
DOT = Op("dot", _dot_forward, _dot_local)
SSE = Op("sse", _sse_forward, _sse_local)

OPS = {op.name: op for op in (
    ADD, SUB, MUL, DIV, NEG, POW, RPOW, VPOW, EXP, LOG, TANH, RELU, SIGMOID, ABS, SUM, DOT, SSE
)}
