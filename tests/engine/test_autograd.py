"""grad: first and second derivatives of every op, higher orders, and grad's contract.

After minitorch: one table, OPS, lists each op as a name, the function on Values, and its
gradient and Hessian in closed form on floats. Each row is checked against its closed forms
and against central differences, first and second derivatives both, with inputs drawn by
hypothesis in float64. A test checks that the table covers every rule of minigrad/ops.py, so
a new op cannot go untested here.
"""

import math
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from minigrad import MLP, Value, grad, seed_everything
from minigrad.ops import OPS as RULES
from minigrad.scalar import interior_nodes

# -- tolerances ------------------------------------------------------------------------------
#
# Closed forms: the engine and the formula below compute the same derivative with different
# sequences of IEEE-754 double operations (the chain rule multiplies and adds, the formula is
# written out). Each result is a sum of at most a few terms, each a product of at most ~10
# roundings, so each is off by under 10 * 2**-53 ~ 1e-15 of the largest term. Over the domains
# below the largest term is ~1.2e4 (the second derivative of x ** -1.5 at 0.5 is 3.75 * 2**3.5),
# so the absolute error stays under ~1e-11 and relative errors under ~1e-14 where nothing
# cancels. CLOSED_REL and CLOSED_ABS leave a hundredfold headroom; a wrong formula is off by
# O(1) of the result.
CLOSED_REL = 1e-10
CLOSED_ABS = 1e-10
#
# Central differences, (g(x + EPS) - g(x - EPS)) / (2 EPS), where g is the function for a first
# derivative and grad's first derivative for a second one. The error is truncation,
# ~ EPS**2 |g'''| / 6, plus rounding, ~ 1e-15 |g| / EPS (g itself carries ~10 roundings).
# First derivatives (EPS = 1e-6): |f'''| <= 24 * 0.5**-5 = 768 (x ** -2 at 0.5), so truncation
# <= 1.3e-10; |f| <= e**5 ~ 148, so rounding <= 1.5e-7.
# Second derivatives (EPS2 = 1e-5): |f''''| <= 120 * 0.5**-6 = 7680 (x ** -2, and x ** y for
# y = -2, at 0.5), so truncation <= 1.3e-7; |f'| <= 148, so rounding <= 1.5e-8.
# ATOL = 1e-6 covers both with room, while a wrong derivative is off by far more than
# ATOL + RTOL * |numeric| somewhere on the domain.
EPS = 1e-6
EPS2 = 1e-5
ATOL = 1e-6
RTOL = 1e-5

EXAMPLES = settings(max_examples=25, deadline=None)


def floats(lo, hi):
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False, width=64)


def either_sign(lo, hi):
    """|x| in [lo, hi], either sign."""
    return st.builds(lambda x, s: s * x, floats(lo, hi), st.sampled_from([-1.0, 1.0]))


ANY = floats(-3.0, 3.0)
WIDE = floats(-5.0, 5.0)
# Bases, divisors and logs stay >= 0.5 from 0, which bounds the fourth derivatives above.
POSITIVE = floats(0.5, 3.0)
NONZERO = either_sign(0.5, 3.0)
EXPONENT = floats(-2.0, 2.0)
# relu and abs have a kink at 0: a central difference with EPS2 = 1e-5 must not straddle it.
CLEAR_OF_KINK = either_sign(1e-3, 3.0)


# -- the table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    name: str
    on_values: Callable  # Values -> Value
    gradient: Callable  # floats -> [d f / d x_i]
    hessian: Callable  # floats -> [[d2 f / d x_i d x_j]]
    domains: tuple  # one hypothesis strategy per argument


def unary(name, on_values, d1, d2, domain):
    """A one-argument row: its first and second derivatives as plain functions."""
    return Op(name, on_values, lambda x: [d1(x)], lambda x: [[d2(x)]], (domain,))


def zeros(n):
    return lambda *xs: [[0.0] * n for _ in range(n)]


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def tanh_d1(x):
    return 1.0 - math.tanh(x) ** 2


def sigmoid_d1(x):
    return sigmoid(x) * (1.0 - sigmoid(x))


def step(x):
    return 1.0 if x > 0 else 0.0


def sign(x):
    return math.copysign(1.0, x)


def vpow_gradient(x, y):
    return [y * x ** (y - 1), x**y * math.log(x)]


def vpow_hessian(x, y):
    mixed = x ** (y - 1) * (1 + y * math.log(x))
    return [[y * (y - 1) * x ** (y - 2), mixed], [mixed, x**y * math.log(x) ** 2]]


def dot_value_xs_hessian(w0, w1, x0, x1, b):  # d2/dw_i dx_i = 1, everything else 0
    h = [[0.0] * 5 for _ in range(5)]
    h[0][2] = h[2][0] = h[1][3] = h[3][1] = 1.0
    return h


def dot_mixed_xs_hessian(w0, w1, x0, b):  # d2/dw0 dx0 = 1
    h = [[0.0] * 4 for _ in range(4)]
    h[0][2] = h[2][0] = 1.0
    return h


def sse_value_targets_hessian(o0, o1, t0, t1):  # (o - t)**2: 2 on o and t, -2 across
    h = [[0.0] * 4 for _ in range(4)]
    for i in (0, 1):
        h[i][i] = h[i + 2][i + 2] = 2.0
        h[i][i + 2] = h[i + 2][i] = -2.0
    return h


LN3, LN_HALF = math.log(3.0), math.log(0.5)

OPS = [
    # one argument
    unary("neg", lambda x: -x, lambda x: -1.0, lambda x: 0.0, ANY),
    unary("exp", lambda x: x.exp(), math.exp, math.exp, WIDE),
    unary("log", lambda x: x.log(), lambda x: 1 / x, lambda x: -1 / x**2, floats(0.5, 10.0)),
    unary("tanh", lambda x: x.tanh(), tanh_d1, lambda x: -2 * math.tanh(x) * tanh_d1(x), WIDE),
    unary(
        "sigmoid",
        lambda x: x.sigmoid(),
        sigmoid_d1,
        lambda x: sigmoid_d1(x) * (1 - 2 * sigmoid(x)),
        WIDE,
    ),
    unary("relu", lambda x: x.relu(), step, lambda x: 0.0, CLEAR_OF_KINK),
    unary("abs", abs, sign, lambda x: 0.0, CLEAR_OF_KINK),
    unary("pow_int_0", lambda x: x**0, lambda x: 0.0, lambda x: 0.0, ANY),
    unary("pow_int_1", lambda x: x**1, lambda x: 1.0, lambda x: 0.0, ANY),
    unary("pow_int_2", lambda x: x**2, lambda x: 2 * x, lambda x: 2.0, ANY),
    unary("pow_int_3", lambda x: x**3, lambda x: 3 * x**2, lambda x: 6 * x, ANY),
    unary("pow_int_-2", lambda x: x**-2, lambda x: -2 * x**-3, lambda x: 6 * x**-4, NONZERO),
    unary(
        "pow_float_0.5",
        lambda x: x**0.5,
        lambda x: 0.5 * x**-0.5,
        lambda x: -0.25 * x**-1.5,
        POSITIVE,
    ),
    unary(
        "pow_float_2.5",
        lambda x: x**2.5,
        lambda x: 2.5 * x**1.5,
        lambda x: 3.75 * x**0.5,
        POSITIVE,
    ),
    unary(
        "pow_float_-1.5",
        lambda x: x**-1.5,
        lambda x: -1.5 * x**-2.5,
        lambda x: 3.75 * x**-3.5,
        POSITIVE,
    ),
    unary("rpow_int_base", lambda x: 3**x, lambda x: 3**x * LN3, lambda x: 3**x * LN3**2, ANY),
    unary(
        "rpow_float_base",
        lambda x: 0.5**x,
        lambda x: 0.5**x * LN_HALF,
        lambda x: 0.5**x * LN_HALF**2,
        ANY,
    ),
    # two arguments: Value op Value, Value op number, number op Value
    Op("add", lambda a, b: a + b, lambda a, b: [1.0, 1.0], zeros(2), (ANY, ANY)),
    unary("radd_int", lambda a: 3 + a, lambda a: 1.0, lambda a: 0.0, ANY),
    Op("sub", lambda a, b: a - b, lambda a, b: [1.0, -1.0], zeros(2), (ANY, ANY)),
    unary("rsub_float", lambda a: 1.5 - a, lambda a: -1.0, lambda a: 0.0, ANY),
    Op("mul", lambda a, b: a * b, lambda a, b: [b, a], lambda a, b: [[0.0, 1.0], [1.0, 0.0]],
       (ANY, ANY)),
    unary("mul_float", lambda a: a * 2.5, lambda a: 2.5, lambda a: 0.0, ANY),
    Op(
        "div",
        lambda a, b: a / b,
        lambda a, b: [1 / b, -a / b**2],
        lambda a, b: [[0.0, -1 / b**2], [-1 / b**2, 2 * a / b**3]],
        (ANY, NONZERO),
    ),
    unary("div_float", lambda a: a / -0.75, lambda a: 1 / -0.75, lambda a: 0.0, ANY),
    unary("rdiv_float", lambda a: 1.5 / a, lambda a: -1.5 / a**2, lambda a: 3 / a**3, NONZERO),
    Op("vpow", lambda x, y: x**y, vpow_gradient, vpow_hessian, (POSITIVE, EXPONENT)),
    # n-ary nodes
    Op(
        "sum",
        lambda a, b, c: Value.sum([a, b, c]),
        lambda a, b, c: [1.0, 1.0, 1.0],
        zeros(3),
        (ANY,) * 3,
    ),
    Op(
        "dot_value_xs",
        lambda w0, w1, x0, x1, b: Value.dot([w0, w1], [x0, x1], b),
        lambda w0, w1, x0, x1, b: [x0, x1, w0, w1, 1.0],
        dot_value_xs_hessian,
        (ANY,) * 5,
    ),
    Op(
        "dot_float_xs",
        lambda w0, w1, w2, b: Value.dot([w0, w1, w2], [0.5, -1.25, 2], b),
        lambda w0, w1, w2, b: [0.5, -1.25, 2.0, 1.0],
        zeros(4),
        (ANY,) * 4,
    ),
    Op(
        "dot_mixed_xs",
        lambda w0, w1, x0, b: Value.dot([w0, w1], [x0, -0.5], b),
        lambda w0, w1, x0, b: [x0, -0.5, w0, 1.0],
        dot_mixed_xs_hessian,
        (ANY,) * 4,
    ),
    Op(  # numbers among the weights and as the bias: constants, like number xs
        "dot_number_weights_and_bias",
        lambda w1, x0: Value.dot([2, w1], [x0, -1.5], 0.5),
        lambda w1, x0: [-1.5, 2.0],
        zeros(2),
        (ANY,) * 2,
    ),
    Op(
        "squared_error_number_targets",
        lambda o0, o1, o2: Value.squared_error([o0, o1, o2], [1, -1.0, 0.25]),
        lambda o0, o1, o2: [2 * (o0 - 1), 2 * (o1 + 1.0), 2 * (o2 - 0.25)],
        lambda o0, o1, o2: [[2.0 if i == j else 0.0 for j in range(3)] for i in range(3)],
        (ANY,) * 3,
    ),
    Op(
        "squared_error_value_targets",
        lambda o0, o1, t0, t1: Value.squared_error([o0, o1], [t0, t1]),
        lambda o0, o1, t0, t1: [2 * (o0 - t0), 2 * (o1 - t1), -2 * (o0 - t0), -2 * (o1 - t1)],
        sse_value_targets_hessian,
        (ANY,) * 4,
    ),
]


def table(ops):
    return pytest.mark.parametrize("op", [pytest.param(op, id=op.name) for op in ops])


def derivatives(f, point):
    """f's gradient and Hessian at `point` by grad: first with create_graph, then again."""
    xs = [Value(p) for p in point]
    first = grad(f(*xs), xs, create_graph=True)
    return [g.data for g in first], [[h.data for h in grad(g, xs)] for g in first]


def plain_gradient(f, point):
    """f's gradient at `point` by grad without create_graph: floats."""
    xs = [Value(p) for p in point]
    return [g.data for g in grad(f(*xs), xs)]


def shifted(point, i, delta):
    return [p + delta if k == i else p for k, p in enumerate(point)]


def central_difference(g, point, i, eps):
    """d g / d x_i at `point`, for g returning a float or a list of floats."""
    up, down = g(shifted(point, i, eps)), g(shifted(point, i, -eps))
    if isinstance(up, list):
        return [(u - d) / (2 * eps) for u, d in zip(up, down)]
    return (up - down) / (2 * eps)


def assert_close(got, expected, rel, abs_, what):
    assert got == pytest.approx(expected, rel=rel, abs=abs_), what


def test_the_table_covers_every_rule_of_ops_py():
    names = set()
    for op in OPS:
        out = op.on_values(*(Value(1.5) for _ in op.domains))  # 1.5 is in every domain
        names |= {node.rule.name for node in interior_nodes(out)}
    assert names == set(RULES)


@table(OPS)
@EXAMPLES
@given(data=st.data())
def test_first_and_second_derivatives_match_the_closed_forms(op, data):
    point = list(data.draw(st.tuples(*op.domains), label="inputs"))
    gradient, hessian = derivatives(op.on_values, point)
    assert_close(gradient, op.gradient(*point), CLOSED_REL, CLOSED_ABS, "gradient")
    assert_close(plain_gradient(op.on_values, point), op.gradient(*point), CLOSED_REL,
                 CLOSED_ABS, "gradient without create_graph")
    for row, expected in zip(hessian, op.hessian(*point)):
        assert_close(row, expected, CLOSED_REL, CLOSED_ABS, f"hessian {hessian}")


@table(OPS)
@EXAMPLES
@given(data=st.data())
def test_first_and_second_derivatives_match_central_differences(op, data):
    point = list(data.draw(st.tuples(*op.domains), label="inputs"))
    gradient, hessian = derivatives(op.on_values, point)

    def f(p):
        return op.on_values(*(Value(x) for x in p)).data

    for i in range(len(point)):
        numeric = central_difference(f, point, i, EPS)
        assert_close(gradient[i], numeric, RTOL, ATOL, f"d/dx{i}")
        # Column i of the Hessian: d/dx_i of every first derivative (mixed partials included).
        numeric = central_difference(lambda p: plain_gradient(op.on_values, p), point, i, EPS2)
        column = [row[i] for row in hessian]
        assert_close(column, numeric, RTOL, ATOL, f"d/dx{i} of the gradient")


# -- composed graphs -------------------------------------------------------------------------
#
# A graph is built step by step from a pool that starts with the inputs: each step applies an
# op to one or two earlier nodes (picked by index, so nodes are shared) and adds the result.
# SMOOTH ops are differentiable everywhere on any input (log(x*x + 1), x / (y*y + 1), ...), so
# central differences apply; KINKED ones are used where only exactness is checked.

SMOOTH = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "x/(y*y+1)": lambda a, b: a / (b * b + 1),
    "neg": lambda a, b: -a,
    "exp": lambda a, b: a.exp(),
    "log(x*x+1)": lambda a, b: (a * a + 1).log(),
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "x**3": lambda a, b: a**3,
    "(x*x+1)**-0.5": lambda a, b: (a * a + 1) ** -0.5,
    "2**x": lambda a, b: 2**a,
    "(x*x+1)**y": lambda a, b: (a * a + 1) ** b,
    "1.5-x": lambda a, b: 1.5 - a,
    "3/(x*x+1)": lambda a, b: 3 / (a * a + 1),
    "sum": lambda a, b: Value.sum([a, b, a]),
    "dot": lambda a, b: Value.dot([a, b], [b, 0.5], a),
    "sse": lambda a, b: Value.squared_error([a, b], [b, 1.0]),
}
KINKED = {**SMOOTH, "relu": lambda a, b: a.relu(), "abs": lambda a, b: abs(a)}
N_INPUTS = 3


def steps(ops, max_size):
    index = st.integers(0, 10**6)
    return st.lists(st.tuples(st.sampled_from(sorted(ops)), index, index), min_size=1,
                    max_size=max_size)


def build(ops, graph_steps, xs):
    """The graph's nodes, inputs first, output last."""
    pool = list(xs)
    for name, i, j in graph_steps:
        pool.append(ops[name](pool[i % len(pool)], pool[j % len(pool)]))
    return pool


# Composed graphs grow (exp of a product, cubes of cubes), and so do their derivatives.
# Graphs whose nodes, or whose first or second derivatives, exceed MAX_MAGNITUDE are
# discarded. Below it, the central difference's rounding is ~1e-15 * M / EPS2 = 1e-10 * M,
# and truncation (EPS2**2 |f''''| / 6) stays small as long as the fourth derivative is not
# far larger than the second: the tolerance scales with M as in test_scalar's composed test.
MAX_MAGNITUDE = 20.0


@settings(max_examples=60, deadline=None)
@given(graph_steps=steps(SMOOTH, 6), point=st.tuples(*[floats(-1.0, 1.0)] * N_INPUTS))
def test_composed_graph_hessian_matches_central_differences(graph_steps, point):
    point = list(point)

    def f(*xs):
        return build(SMOOTH, graph_steps, xs)[-1]

    xs = [Value(p) for p in point]
    nodes = build(SMOOTH, graph_steps, xs)
    first = grad(nodes[-1], xs, create_graph=True)
    hessian = [[h.data for h in grad(g, xs)] for g in first]
    sizes = [abs(n.data) for n in nodes] + [abs(g.data) for g in first]
    sizes += [abs(h) for row in hessian for h in row]
    assume(all(math.isfinite(s) for s in sizes) and max(sizes) <= MAX_MAGNITUDE)
    for i in range(N_INPUTS):
        numeric = central_difference(lambda p: plain_gradient(f, p), point, i, EPS2)
        column = [row[i] for row in hessian]
        assert_close(column, numeric, RTOL, ATOL * max(1.0, max(sizes)), f"column {i}")
    for i in range(N_INPUTS):  # mixed partials: the Hessian is symmetric
        for j in range(i):
            assert hessian[i][j] == pytest.approx(hessian[j][i], rel=1e-12, abs=1e-12)


def test_mixed_partials_of_a_composed_function_match_the_closed_form():
    # f = x e**y + tanh(u), u = x / y: f_x = e**y + sech2(u) / y, and since
    # d sech2(u) / dy = -2 tanh(u) sech2(u) * (-x / y**2),
    # f_xy = e**y - sech2(u) / y**2 + 2 tanh(u) sech2(u) x / y**3.
    x, y = Value(0.7), Value(-1.3)
    f = x * y.exp() + (x / y).tanh()
    fx, fy = grad(f, [x, y], create_graph=True)
    (fxy,) = grad(fx, [y])
    (fyx,) = grad(fy, [x])
    u, a, b = 0.7 / -1.3, 0.7, -1.3
    t = math.tanh(u)
    sech2 = 1 - t * t
    expected = math.exp(b) - sech2 / b**2 + 2 * t * sech2 * a / b**3
    assert fxy.data == pytest.approx(expected, rel=1e-12)
    assert fyx.data == pytest.approx(expected, rel=1e-12)


# -- higher orders ----------------------------------------------------------------------------


def nth_derivatives(f, x0, n):
    """[f'(x0), f''(x0), ..., f^(n)(x0)], each by grad of the previous with create_graph."""
    x = Value(x0)
    out, result = f(x), []
    for _ in range(n):
        (out,) = grad(out, [x], create_graph=True)
        result.append(out.data)
    return result


def tanh_derivatives(x):
    t = math.tanh(x)
    s = 1 - t * t
    return [s, -2 * t * s, -2 * s * (1 - 3 * t * t), 8 * t * s * (2 - 3 * t * t)]


@pytest.mark.parametrize(
    "f, x0, expected",
    [
        pytest.param(lambda x: x.exp(), 0.3, [math.exp(0.3)] * 4, id="exp"),
        pytest.param(lambda x: x**5, -1.2, [5 * 1.2**4, -20 * 1.2**3, 60 * 1.2**2, -120 * 1.2],
                     id="x**5"),
        pytest.param(lambda x: x.log(), 2.0, [1 / 2, -1 / 4, 2 / 8, -6 / 16], id="log"),
        pytest.param(lambda x: x.tanh(), 0.5, tanh_derivatives(0.5), id="tanh"),
        # (x e**x)^(n) = (x + n) e**x: the product rule, applied four times
        pytest.param(lambda x: x * x.exp(), 0.4, [(0.4 + n) * math.exp(0.4) for n in (1, 2, 3, 4)],
                     id="x*exp(x)"),
        pytest.param(lambda x: 1 / x, 0.5, [-1 / 0.25, 2 / 0.125, -6 / 0.0625, 24 / 0.03125],
                     id="1/x"),
    ],
)
def test_third_and_fourth_derivatives_match_the_closed_form(f, x0, expected):
    assert nth_derivatives(f, x0, 4) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_a_mixed_third_derivative_matches_the_closed_form():
    x, y = Value(1.5), Value(-0.5)
    f = x**2 * y**3
    (fx,) = grad(f, [x], create_graph=True)  # 2 x y**3
    (fxx,) = grad(fx, [x], create_graph=True)  # 2 y**3
    (fxxy,) = grad(fxx, [y])  # 6 y**2
    assert fxxy.data == 6 * 0.25


def test_derivatives_of_a_linear_function_become_zero_leaves():
    x = Value(2.0)
    (d1,) = grad(3 * x + 1, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    assert d1.data == 3.0 and d2.data == 0.0
    assert d2.inputs == ()


def test_a_second_derivative_without_create_graph_raises_naming_create_graph():
    x = Value(3.0)
    (first,) = grad(x * x * x, [x])  # a plain number: no graph behind it
    with pytest.raises(ValueError, match=r"create_graph=True"):
        grad(first, [x])
    (first,) = grad(x * x * x, [x], create_graph=True)
    assert [g.data for g in grad(first, [x])] == [18.0]


def test_a_constant_derivative_under_create_graph_still_differentiates_to_zero():
    x, unreached = Value(2.0), Value(5.0)
    (d1, d_unreached) = grad(3 * x, [x, unreached], create_graph=True)
    assert (d1.data, d_unreached.data) == (3.0, 0.0)
    assert [g.data for g in grad(d1, [x])] == [0.0]
    assert [g.data for g in grad(d_unreached, [x])] == [0.0]


# -- which nodes grad differentiates with respect to ---------------------------------------------


@pytest.mark.parametrize("create_graph", [False, True])
def test_an_interior_node_can_be_an_input(create_graph):
    x = Value(0.6)
    y = x * x
    z = y.exp() + x
    dz_dy, dz_dx = grad(z, [y, x], create_graph=create_graph)
    assert dz_dy.data == math.exp(0.36)  # z as a function of y, x held fixed
    assert dz_dx.data == pytest.approx(math.exp(0.36) * 1.2 + 1, rel=1e-15)
    if create_graph:  # d/dx of dz/dy = e**(x*x) * 2x: the derivative still depends on x
        (d2,) = grad(dz_dy, [x])
        assert d2.data == pytest.approx(math.exp(0.36) * 1.2, rel=1e-15)


@pytest.mark.parametrize("create_graph", [False, True])
def test_an_input_the_output_does_not_reach_gets_zero(create_graph):
    x, unrelated = Value(2.0), Value(3.0)
    y = x * x
    later = y * 2  # built from the output: the output does not depend on it
    results = grad(y, [unrelated, later, x], create_graph=create_graph)
    assert [type(r) for r in results] == [Value] * 3
    assert [r.data for r in results] == [0.0, 0.0, 4.0]


def test_the_output_itself_as_input_gets_one():
    x = Value(2.0)
    y = x.tanh()
    t = math.tanh(2.0)
    assert [g.data for g in grad(y, [y, x])] == [1.0, 1.0 - t * t]
    assert grad(x, [x])[0].data == 1.0


def test_without_create_graph_the_results_are_leaves():
    x = Value(0.5)
    (g,) = grad(x.tanh(), [x])
    assert g.inputs == () and g.rule is None and g.grad == 0.0


def test_with_create_graph_the_result_is_a_graph_of_the_input():
    x = Value(0.5)
    (g,) = grad(x.tanh(), [x], create_graph=True)
    assert g.inputs and x in {node for n in interior_nodes(g) for node in n.inputs}


# -- agreement with backward, bit for bit ------------------------------------------------------


def bits(number):
    return struct.pack("<d", number)


def assert_same_bits_as_backward(output, nodes):
    for node in nodes:
        node.grad = 0.0
    results = grad(output, nodes)
    output.backward()
    assert [bits(r.data) for r in results] == [bits(n.grad) for n in nodes]


@settings(max_examples=100, deadline=None)
@given(graph_steps=steps(KINKED, 12), point=st.tuples(*[floats(-2.0, 2.0)] * N_INPUTS))
def test_without_create_graph_grad_gives_backwards_bits_on_random_graphs(graph_steps, point):
    nodes = build(KINKED, graph_steps, [Value(p) for p in point])
    assert_same_bits_as_backward(nodes[-1], nodes)  # leaves and interior nodes alike


def the_lab_model_and_loss():
    seed_everything(42)
    model = MLP(5, [4, 5])
    inputs = [[1.0 if i == j else 0.0 for j in range(5)] for i in range(5)]
    targets = [1.0 if i == j else -1.0 for i in range(5) for j in range(5)]
    loss = Value.squared_error([o for x in inputs for o in model(x)], targets)
    return model, loss


def test_without_create_graph_grad_gives_backwards_bits_on_the_lab_mlp():
    model, loss = the_lab_model_and_loss()
    assert_same_bits_as_backward(loss, model.parameters() + interior_nodes(loss))


def test_grad_leaves_every_grad_field_untouched():
    model, loss = the_lab_model_and_loss()
    nodes = model.parameters() + interior_nodes(loss)
    for k, node in enumerate(nodes):
        node.grad = float(k) + 0.25
    first = grad(loss, model.parameters(), create_graph=True)
    grad(first[0], model.parameters())
    grad(loss, model.parameters())
    assert [node.grad for node in nodes] == [float(k) + 0.25 for k in range(len(nodes))]


# -- determinism -------------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
SECOND_DERIVATIVES_SCRIPT = """
from minigrad import MLP, Value, grad, seed_everything
seed_everything(7)
model = MLP(3, [4, 1])
loss = (model([0.5, -1.0, 2.0]) - 0.3) ** 2
params = model.parameters()
first = grad(loss, params, create_graph=True)
print([g.data.hex() for g in grad(first[0], params)] + [g.data.hex() for g in first])
"""


def test_second_derivatives_are_the_same_bits_on_every_run():
    outputs = set()
    for hash_seed in ("0", "1", "2"):  # set and dict orders that depend on hashing change
        result = subprocess.run(
            [sys.executable, "-c", SECOND_DERIVATIVES_SCRIPT],
            capture_output=True, text=True, check=True, cwd=REPO,
            env={"PYTHONHASHSEED": hash_seed, "PATH": ""},
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_second_derivatives_are_the_same_bits_twice_in_one_process():
    def run():
        model, loss = the_lab_model_and_loss()
        params = model.parameters()
        first = grad(loss, params, create_graph=True)
        return [bits(g.data) for g in first + grad(first[3], params)]

    assert run() == run()


# -- where a derivative does not exist, and bad arguments -------------------------------------


def test_the_slope_of_a_square_root_at_zero_raises_as_the_op_would():
    x = Value(0.0)
    y = x**0.5
    # backward and plain grad give the infinite slope as a number...
    assert grad(y, [x])[0].data == math.inf
    # ...but its graph needs 0 ** -0.5, which raises the op's own error.
    with pytest.raises(ZeroDivisionError, match=r"pow: base 0\.0 with negative exponent -0\.5"):
        grad(y, [x], create_graph=True)
    with pytest.raises(ZeroDivisionError, match=r"pow: base 0\.0 with negative exponent -0\.5"):
        Value(0.0) ** -0.5


def test_a_second_derivative_that_is_infinite_raises_when_its_graph_is_built():
    x = Value(0.0)
    (d1,) = grad(x**1.5, [x], create_graph=True)  # 1.5 x ** 0.5 = 0 at 0: fine
    assert d1.data == 0.0
    with pytest.raises(ZeroDivisionError, match="pow"):
        grad(d1, [x], create_graph=True)  # 0.75 x ** -0.5


@pytest.mark.parametrize(
    "call, fragment",
    [
        pytest.param(lambda x: grad(1.0, [x]), "output must be a Value, got float", id="output"),
        pytest.param(lambda x: grad(x * 2, [x, 2.0]), "inputs must be Values, got float",
                     id="input"),
        pytest.param(lambda x: grad(x * 2, [x.data]), "inputs must be Values", id="data"),
        pytest.param(lambda x: grad(x * 2, x), r"a list of Values, got one Value: write \[x\]",
                     id="a Value, not a list"),
    ],
)
def test_bad_arguments_raise_type_error(call, fragment):
    with pytest.raises(TypeError, match=fragment):
        call(Value(1.0))
