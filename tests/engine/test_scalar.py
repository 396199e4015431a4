"""Value: every op's forward and derivative, composed graphs, backward, and bad input.

After minitorch: one table, OPS, lists each op as a name, a plain-Python reference on floats
and the same function on Values. Both the value test and the derivative test are parametrized
over it, with inputs drawn by hypothesis, so adding an op is one row and it is checked twice.
"""

import math
import operator
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from minigrad import Value, gradcheck, paused_collector

# -- tolerances ------------------------------------------------------------------------------
#
# Forward: the engine performs the same IEEE-754 double operations as the reference, in the same
# order, except where it rearranges on purpose (sigmoid for x < 0 computes e**x / (1 + e**x);
# pow goes through math.pow). Those differ by a few ulps, about 1e-16 relative, so a relative
# tolerance of 1e-12 leaves four orders of headroom, while a wrong formula is off by far more.
FORWARD_REL = 1e-12
FORWARD_ABS = 1e-12
#
# Derivative: gradcheck passes input i when |analytic - numeric| <= ATOL + RTOL * |numeric|,
# where numeric = (f(x + EPS) - f(x - EPS)) / (2 * EPS). The central difference errs by
#   truncation ~ EPS**2 * |f'''| / 6      and      rounding ~ 1e-16 * |f| / EPS.
# Over the input domains below the largest |f| is e**5 ~ 148 (exp), so rounding <= 1.5e-8;
# the largest |f'''| is 13.1 * 0.1**-4.5 ~ 4.2e5 (x ** -1.5 at x = 0.1), so truncation
# <= 7e-8. Both stay more than ten times under ATOL, yet a wrong local derivative (off by
# O(1) somewhere on the domain) is off by far more than ATOL + RTOL * |f'|.
EPS = 1e-6
ATOL = 1e-6
RTOL = 1e-5

EXAMPLES = settings(max_examples=50, deadline=None)


def floats(lo, hi):
    return st.floats(
        min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False, width=64
    )


def away_from_zero(lo, hi):
    """|x| in [lo, hi], either sign: divisors, negative powers, relu clear of its kink."""
    return st.builds(operator.mul, floats(lo, hi), st.sampled_from([-1.0, 1.0]))


ANY = floats(-3.0, 3.0)
WIDE = floats(-5.0, 5.0)
POSITIVE = floats(0.1, 3.0)
NONZERO = away_from_zero(0.5, 3.0)
# relu's central difference straddles the kink when |x| < EPS; 1e-3 keeps clear of it and
# still exercises both sides close to 0.
CLEAR_OF_KINK = away_from_zero(1e-3, 3.0)


# -- the table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    name: str
    reference: Callable  # floats -> float
    on_values: Callable  # Values -> Value
    domains: tuple  # one hypothesis strategy per argument


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


OPS = [
    # one argument
    Op("neg", lambda x: -x, lambda x: -x, (ANY,)),
    Op("exp", math.exp, lambda x: x.exp(), (WIDE,)),
    Op("log", math.log, lambda x: x.log(), (floats(0.1, 10.0),)),
    Op("tanh", math.tanh, lambda x: x.tanh(), (WIDE,)),
    Op("relu", lambda x: max(0.0, x), lambda x: x.relu(), (CLEAR_OF_KINK,)),
    Op("sigmoid", sigmoid, lambda x: x.sigmoid(), (WIDE,)),
    # abs has a kink at 0, like relu: each sign on its own, clear of it (its slope at 0 below)
    Op("abs_positive", abs, abs, (floats(1e-3, 3.0),)),
    Op("abs_negative", abs, abs, (floats(-3.0, -1e-3),)),
    Op("pow_int_0", lambda x: x**0, lambda x: x**0, (ANY,)),
    Op("pow_int_1", lambda x: x**1, lambda x: x**1, (ANY,)),
    Op("pow_int_2", lambda x: x**2, lambda x: x**2, (ANY,)),
    Op("pow_int_3", lambda x: x**3, lambda x: x**3, (ANY,)),
    Op("pow_int_-2", lambda x: x**-2, lambda x: x**-2, (NONZERO,)),
    Op("pow_float_2.0", lambda x: x**2.0, lambda x: x**2.0, (ANY,)),
    Op("pow_float_0.5", lambda x: x**0.5, lambda x: x**0.5, (POSITIVE,)),
    Op("pow_float_2.5", lambda x: x**2.5, lambda x: x**2.5, (POSITIVE,)),
    Op("pow_float_-1.5", lambda x: x**-1.5, lambda x: x**-1.5, (POSITIVE,)),
    Op("rpow_int_base", lambda x: 3**x, lambda x: 3**x, (ANY,)),
    Op("rpow_float_base", lambda x: 0.5**x, lambda x: 0.5**x, (ANY,)),
    # Value ** Value, base > 0: exponents from -1.5 keep |f'''| within the bound above
    Op("vpow", lambda x, y: x**y, lambda x, y: x**y, (POSITIVE, floats(-1.5, 3.0))),
    # two arguments: Value op Value, Value op number, number op Value
    Op("add", lambda a, b: a + b, lambda a, b: a + b, (ANY, ANY)),
    Op("add_float", lambda a: a + 2.5, lambda a: a + 2.5, (ANY,)),
    Op("radd_int", lambda a: 3 + a, lambda a: 3 + a, (ANY,)),
    Op("sub", lambda a, b: a - b, lambda a, b: a - b, (ANY, ANY)),
    Op("sub_int", lambda a: a - 4, lambda a: a - 4, (ANY,)),
    Op("rsub_float", lambda a: 1.5 - a, lambda a: 1.5 - a, (ANY,)),
    Op("mul", lambda a, b: a * b, lambda a, b: a * b, (ANY, ANY)),
    Op("mul_float", lambda a: a * 2.5, lambda a: a * 2.5, (ANY,)),
    Op("rmul_int", lambda a: -3 * a, lambda a: -3 * a, (ANY,)),
    Op("div", lambda a, b: a / b, lambda a, b: a / b, (ANY, NONZERO)),
    Op("div_int", lambda a: a / 4, lambda a: a / 4, (ANY,)),
    Op("div_float", lambda a: a / -0.75, lambda a: a / -0.75, (ANY,)),
    Op("rdiv_int", lambda a: 2 / a, lambda a: 2 / a, (NONZERO,)),
    Op("rdiv_float", lambda a: 1.5 / a, lambda a: 1.5 / a, (NONZERO,)),
    # n-ary nodes
    Op(
        "sum",
        lambda a, b, c: a + b + c,
        lambda a, b, c: Value.sum([a, b, c]),
        (ANY, ANY, ANY),
    ),
    Op(
        "dot_value_xs",
        lambda w0, w1, x0, x1, b: b + w0 * x0 + w1 * x1,
        lambda w0, w1, x0, x1, b: Value.dot([w0, w1], [x0, x1], b),
        (ANY,) * 5,
    ),
    Op(
        "dot_float_xs",
        lambda w0, w1, w2, b: b + w0 * 0.5 + w1 * -1.25 + w2 * 2,
        lambda w0, w1, w2, b: Value.dot([w0, w1, w2], [0.5, -1.25, 2], b),
        (ANY,) * 4,
    ),
    Op(
        "dot_mixed_xs",
        lambda w0, w1, x0, b: b + w0 * x0 + w1 * -0.5,
        lambda w0, w1, x0, b: Value.dot([w0, w1], [x0, -0.5], b),
        (ANY,) * 4,
    ),
    Op(
        "dot_number_weights_and_bias",
        lambda w1, x0: 0.5 + 2 * x0 + w1 * -1.5,
        lambda w1, x0: Value.dot([2, w1], [x0, -1.5], 0.5),
        (ANY,) * 2,
    ),
    Op(
        "squared_error_number_targets",
        lambda o0, o1, o2: (o0 - 1) ** 2 + (o1 + 1.0) ** 2 + (o2 - 0.25) ** 2,
        lambda o0, o1, o2: Value.squared_error([o0, o1, o2], [1, -1.0, 0.25]),
        (ANY,) * 3,
    ),
    Op(
        "squared_error_value_targets",
        lambda o0, o1, t0, t1: (o0 - t0) ** 2 + (o1 - t1) ** 2,
        lambda o0, o1, t0, t1: Value.squared_error([o0, o1], [t0, t1]),
        (ANY,) * 4,
    ),
]


def table(ops):
    return pytest.mark.parametrize("op", [pytest.param(op, id=op.name) for op in ops])


@table(OPS)
@EXAMPLES
@given(data=st.data())
def test_op_forward_matches_the_float_reference(op, data):
    xs = data.draw(st.tuples(*op.domains), label="inputs")
    got = op.on_values(*(Value(x) for x in xs))
    assert type(got) is Value
    assert type(got.data) is float
    assert got.data == pytest.approx(op.reference(*xs), rel=FORWARD_REL, abs=FORWARD_ABS)


@table(OPS)
@EXAMPLES
@given(data=st.data())
def test_op_backward_matches_central_difference(op, data):
    xs = data.draw(st.tuples(*op.domains), label="inputs")
    result = gradcheck(op.on_values, list(xs), eps=EPS, atol=ATOL, rtol=RTOL)
    assert result.passed, f"analytic {result.analytic} vs numeric {result.numeric}"


# -- random composed expressions ---------------------------------------------------------------
#
# A tree is ("var", i) or (op, child) or (op, left, right). Every op below has a float and a
# Value form; ops with a restricted domain are applied to an argument that is always inside it
# (log(x*x + 1), x / (y*y + 1)), so any tree is defined everywhere. relu is left out: a tree
# can put its argument within EPS of the kink, where no central difference is meaningful.

UNARY = {
    "neg": (lambda x: -x, lambda x: -x),
    "tanh": (math.tanh, lambda x: x.tanh()),
    "sigmoid": (sigmoid, lambda x: x.sigmoid()),
    "exp": (math.exp, lambda x: x.exp()),
    "log(x*x+1)": (lambda x: math.log(x * x + 1), lambda x: (x * x + 1).log()),
    "x**2": (lambda x: x**2, lambda x: x**2),
    "x**3": (lambda x: x**3, lambda x: x**3),
    "(x*x+1)**0.5": (lambda x: (x * x + 1) ** 0.5, lambda x: (x * x + 1) ** 0.5),
    "2**x": (lambda x: 2**x, lambda x: 2**x),
    "1.5*x": (lambda x: 1.5 * x, lambda x: 1.5 * x),
    "x-0.5": (lambda x: x - 0.5, lambda x: x - 0.5),
    "2-x": (lambda x: 2 - x, lambda x: 2 - x),
    "3/(x*x+1)": (lambda x: 3 / (x * x + 1), lambda x: 3 / (x * x + 1)),
}
BINARY = {
    "+": (operator.add, operator.add),
    "-": (operator.sub, operator.sub),
    "*": (operator.mul, operator.mul),
    "x/(y*y+1)": (lambda x, y: x / (y * y + 1), lambda x, y: x / (y * y + 1)),
    "(x*x+1)**y": (lambda x, y: (x * x + 1) ** y, lambda x, y: (x * x + 1) ** y),
    "sum": (lambda x, y: x + y, lambda x, y: Value.sum([x, y])),
    # x appears twice (weight and bias), y twice (weight and input): shared operands.
    "dot": (lambda x, y: x + x * y + y * 0.5, lambda x, y: Value.dot([x, y], [y, 0.5], x)),
    "sse": (
        lambda x, y: (x - y) ** 2 + (y - 1.0) ** 2,
        lambda x, y: Value.squared_error([x, y], [y, 1.0]),
    ),
}
FLOAT, VALUE = 0, 1
N_VARIABLES = 3

expressions = st.recursive(
    st.integers(0, N_VARIABLES - 1).map(lambda i: ("var", i)),
    lambda sub: st.one_of(
        st.tuples(st.sampled_from(sorted(UNARY)), sub),
        st.tuples(st.sampled_from(sorted(BINARY)), sub, sub),
    ),
    max_leaves=8,
)


def evaluate(tree, args, form, seen=None):
    """The tree's value at args, with the float (FLOAT) or Value (VALUE) form of each op.

    `seen`, if given, collects the magnitude of every intermediate result.
    """
    if tree[0] == "var":
        out = args[tree[1]]
    elif len(tree) == 2:
        out = UNARY[tree[0]][form](evaluate(tree[1], args, form, seen))
    else:
        left = evaluate(tree[1], args, form, seen)
        right = evaluate(tree[2], args, form, seen)
        out = BINARY[tree[0]][form](left, right)
    if seen is not None:
        seen.append(abs(out))
    return out


# Composed trees can grow (exp of a product, cubes of cubes). Trees whose intermediates exceed
# MAX_MAGNITUDE are discarded; below it, rounding in f is about n_ops * 1e-16 * M, i.e. an
# error in the central difference of ~ 10 * 1e-16 * M / EPS = 1e-9 * M. The absolute tolerance
# scales with M, 1e-6 * max(1, M), which leaves a factor of ~1000 for the chain rule to amplify
# that rounding; the relative part (RTOL) stays as tight as for single ops.
MAX_MAGNITUDE = 100.0


@settings(max_examples=100, deadline=None)
@given(tree=expressions, xs=st.tuples(*[floats(-2.0, 2.0)] * N_VARIABLES))
def test_composed_expression_matches_reference_and_central_difference(tree, xs):
    seen = []
    try:
        expected = evaluate(tree, xs, FLOAT, seen)
    except OverflowError:
        expected = math.inf
    assume(math.isfinite(expected) and max(seen) <= MAX_MAGNITUDE)

    def f(*values):
        return evaluate(tree, values, VALUE)

    got = f(*(Value(x) for x in xs))
    assert got.data == pytest.approx(expected, rel=1e-9, abs=1e-9 * max(1.0, max(seen)))
    result = gradcheck(f, list(xs), eps=EPS, atol=ATOL * max(1.0, max(seen)), rtol=RTOL)
    assert result.passed, f"{tree}: analytic {result.analytic} vs numeric {result.numeric}"


# -- a worked example, exactly ---------------------------------------------------------------


def test_diamond_graph_gives_exact_value_and_gradients():
    # L = (a*b + c) * (a - c): a and c each reach L along two paths.
    a, b, c = Value(2.0), Value(3.0), Value(4.0)
    L = (a * b + c) * (a - c)
    L.backward()
    assert L.data == -20.0
    assert a.grad == 4.0  # b*(a - c) + (a*b + c) = -6 + 10
    assert b.grad == -4.0  # a*(a - c)
    assert c.grad == -12.0  # (a - c) - (a*b + c) = -2 - 10


# -- backward --------------------------------------------------------------------------------


def test_backward_handles_a_million_node_chain():
    # A recursive topological sort would raise RecursionError long before this depth.
    n, factor = 1_000_000, 1.0000001
    with paused_collector():
        x0 = Value(1.0)
        x = x0
        for _ in range(n):
            x = x * factor
        x.backward()
    # d x_n / d x0 = factor**n, multiplied one factor at a time in the same order as forward.
    expected = 1.0
    for _ in range(n):
        expected *= factor
    assert x.data == expected
    assert x0.grad == expected
    assert 1.105 < expected < 1.106  # e**0.1: the chain really had a million factors


def test_backward_twice_doubles_leaf_grads_and_recomputes_interior_grads():
    a, b = Value(1.5), Value(-2.0)
    c = a * b
    L = c.tanh() + a
    L.backward()
    first = {"a": a.grad, "b": b.grad, "c": c.grad, "L": L.grad}
    assert first["a"] != 0.0 and first["b"] != 0.0
    L.backward()
    assert a.grad == 2 * first["a"]  # leaves accumulate
    assert b.grad == 2 * first["b"]
    assert c.grad == first["c"]  # interior nodes hold one call's gradient
    assert L.grad == first["L"] == 1.0


@pytest.mark.parametrize(
    "build, x, expected_grad",
    [
        pytest.param(lambda x: x * x, 3.0, 6.0, id="x*x"),
        pytest.param(lambda x: x + x, 3.0, 2.0, id="x+x"),
        pytest.param(lambda x: x - x, 3.0, 0.0, id="x-x"),
        pytest.param(lambda x: Value.sum([x, x, x]), 3.0, 3.0, id="sum_xxx"),
        pytest.param(lambda x: Value.dot([x], [x], x), 3.0, 7.0, id="dot_x_x_bias_x"),
        pytest.param(lambda x: (x * x) * x, -2.0, 12.0, id="x*x*x"),
    ],
)
def test_node_used_several_times_gets_the_summed_gradient(build, x, expected_grad):
    v = Value(x)
    build(v).backward()
    assert v.grad == expected_grad


def test_backward_on_a_leaf_gives_it_grad_one_and_accumulates_like_any_leaf():
    v = Value(5.0)
    v.backward()
    assert v.grad == 1.0
    v.backward()
    assert v.grad == 2.0


def test_number_operand_is_a_constant_not_a_node():
    x = Value(2.0)
    y = x * 3 + 1
    y.backward()
    assert x.grad == 3.0
    assert all(type(node) is Value for node in y.inputs)


@pytest.mark.parametrize("zero", [0.0, -0.0])
def test_abs_has_slope_zero_at_zero(zero):
    x = Value(zero)
    y = abs(x)
    assert y.data == 0.0
    y.backward()
    assert x.grad == 0.0


def test_value_to_the_value_has_both_partial_derivatives():
    x, y = Value(2.0), Value(3.0)
    z = x**y
    z.backward()
    assert z.data == 8.0
    assert x.grad == 12.0  # y * x ** (y - 1)
    assert y.grad == 8.0 * math.log(2.0)  # x ** y * ln x


def test_exp_overflow_gives_inf_and_backward_still_runs():
    x = Value(1000.0)
    y = x.exp()
    assert y.data == math.inf
    y.backward()
    assert x.grad == math.inf


# -- construction and operand types ------------------------------------------------------------


@pytest.mark.parametrize("number", [0, 1, -7, 2.5, -0.0, 10**6])
def test_value_takes_ints_and_floats_and_stores_a_float(number):
    v = Value(number)
    assert type(v.data) is float
    assert v.data == number
    assert v.grad == 0.0


@pytest.mark.parametrize(
    "bad, type_name",
    [("1", "str"), (None, "NoneType"), ([1], "list"), (True, "bool"), (1j, "complex")],
)
def test_value_rejects_a_non_number_naming_its_type(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda: Value(1.0) + "x", id="Value+str"),
        pytest.param(lambda: "x" + Value(1.0), id="str+Value"),
        pytest.param(lambda: Value(1.0) - None, id="Value-None"),
        pytest.param(lambda: None - Value(1.0), id="None-Value"),
        pytest.param(lambda: Value(1.0) * [1.0], id="Value*list"),
        pytest.param(lambda: Value(1.0) / "2", id="Value/str"),
        pytest.param(lambda: "2" / Value(1.0), id="str/Value"),
        pytest.param(lambda: Value(2.0) ** "2", id="Value**str"),
        pytest.param(lambda: "2" ** Value(2.0), id="str**Value"),
        pytest.param(lambda: Value(1.0) + True, id="Value+bool"),
        pytest.param(lambda: False - Value(1.0), id="bool-Value"),
        pytest.param(lambda: Value(1.0) * True, id="Value*bool"),
        pytest.param(lambda: Value(1.0) / True, id="Value/bool"),
        pytest.param(lambda: True / Value(1.0), id="bool/Value"),
        pytest.param(lambda: Value(2.0) ** True, id="Value**bool"),
        pytest.param(lambda: True ** Value(2.0), id="bool**Value"),
    ],
)
def test_unsupported_operand_raises_type_error(operation):
    with pytest.raises(TypeError):
        operation()


# -- conversions, comparisons and identity -----------------------------------------------------


def test_unary_plus_is_the_value_itself():
    v = Value(1.5)
    assert +v is v


def test_item_gives_the_data_as_a_float():
    v = Value(3) * Value(0.5)
    assert v.item() == 1.5 and type(v.item()) is float and v.item() is v.data


def test_float_gives_the_data_without_a_gradient():
    v = Value(2.5) * 1.0
    assert float(v) == 2.5 and type(float(v)) is float
    assert type(math.tanh(v)) is float  # math functions call float(): no node, no gradient
    assert math.tanh(v) == math.tanh(2.5)


@pytest.mark.parametrize("data, expected", [(0.0, False), (-0.0, False), (2.0, True),
                                            (-1e-300, True), (math.nan, True)])
def test_bool_follows_the_data(data, expected):
    assert bool(Value(data)) is expected


def test_round_gives_the_rounded_data_as_a_float():
    v = Value(2.71828)
    assert round(v, 2) == 2.72 and type(round(v, 2)) is float
    assert round(v) == 3.0 and type(round(v)) is float


def test_format_with_a_spec_formats_the_data():
    v = Value(2.5, "x")
    assert f"{v:.2f}" == "2.50"
    assert format(v, ">8.3e") == "2.500e+00"
    assert f"{v:g}" == "2.5"


def test_str_and_an_empty_format_spec_stay_the_repr():
    v = Value(2.5, "x")
    assert str(v) == repr(v) == f"{v}" == format(v, "") == "Value(x=2.5, grad=0.0)"


@pytest.mark.parametrize(
    "compare, expected",
    [
        pytest.param(lambda: Value(1.0) < Value(2.0), True, id="Value<Value"),
        pytest.param(lambda: Value(2.0) <= Value(2.0), True, id="Value<=Value"),
        pytest.param(lambda: Value(1.0) > Value(2.0), False, id="Value>Value"),
        pytest.param(lambda: Value(2.0) >= Value(2.0), True, id="Value>=Value"),
        pytest.param(lambda: Value(1.0) < 2, True, id="Value<int"),
        pytest.param(lambda: Value(1.0) > 0.5, True, id="Value>float"),
        pytest.param(lambda: 0.5 < Value(1.0), True, id="float<Value"),
        pytest.param(lambda: 3 <= Value(1.0), False, id="int<=Value"),
        pytest.param(lambda: 3 >= Value(1.0), True, id="int>=Value"),
    ],
)
def test_comparisons_compare_the_data_and_return_a_bool(compare, expected):
    assert compare() is expected


@pytest.mark.parametrize(
    "compare",
    [
        pytest.param(lambda: Value(1.0) < "2", id="Value<str"),
        pytest.param(lambda: None <= Value(1.0), id="None<=Value"),
        pytest.param(lambda: Value(1.0) > [1.0], id="Value>list"),
        pytest.param(lambda: Value(1.0) >= True, id="Value>=bool"),
    ],
)
def test_comparison_with_a_non_number_raises_type_error(compare):
    with pytest.raises(TypeError):
        compare()


def test_max_and_sorted_order_values_by_their_data():
    outputs = [Value(0.3), Value(-1.0), Value(2.0), Value(0.5)]
    assert max(outputs) is outputs[2]
    assert min(outputs) is outputs[1]
    assert [v.data for v in sorted(outputs)] == [-1.0, 0.3, 0.5, 2.0]
    assert sorted(outputs)[0] is outputs[1]  # the same nodes, not copies


def test_equality_and_hashing_stay_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b and not (a == b)
    assert a <= b and a >= b  # equal data: the ordering comparisons look at the data
    assert len({a, b}) == 2
    grads = {a: "a", b: "b"}
    assert grads[a] == "a" and grads[b] == "b"
    assert hash(a) == hash(a)


# -- numbers of other types -----------------------------------------------------------------


def other_reals():
    np = pytest.importorskip("numpy")
    return [Fraction(3, 4), np.float32(1.5), np.float64(-2.25), np.int64(3), np.int32(-2)]


def test_value_takes_any_real_number_and_stores_a_float():
    for number in other_reals():
        v = Value(number)
        assert type(v.data) is float and v.data == float(number), repr(number)


BINARY_OPERATIONS = [
    pytest.param(operator.add, id="+"),
    pytest.param(operator.sub, id="-"),
    pytest.param(operator.mul, id="*"),
    pytest.param(operator.truediv, id="/"),
    pytest.param(operator.pow, id="**"),
]


@pytest.mark.parametrize("operation", BINARY_OPERATIONS)
def test_every_op_takes_any_real_number_on_either_side_and_gives_float_data(operation):
    for number in other_reals():
        x = Value(2.0)
        orders = [(lambda: operation(x, number), lambda: operation(2.0, float(number)))]
        if number > 0 or operation is not operator.pow:  # negative ** Value: a domain error
            orders.append((lambda: operation(number, x), lambda: operation(float(number), 2.0)))
        for run, reference in orders:
            result, expected = run(), reference()
            assert type(result) is Value and type(result.data) is float, repr(number)
            assert result.data == pytest.approx(expected, rel=1e-15)
            result.backward()
            assert type(x.grad) is float


def test_n_ary_ops_take_any_real_number_as_a_constant():
    numbers = other_reals()
    w = [Value(1.0) for _ in numbers]
    d = Value.dot(w, numbers, Value(0.5))
    assert type(d.data) is float and d.data == pytest.approx(0.5 + sum(map(float, numbers)))
    d = Value.dot(numbers, w, numbers[0])  # numbers as weights and as the bias
    assert type(d.data) is float
    assert d.data == pytest.approx(float(numbers[0]) + sum(map(float, numbers)))
    d.backward()
    assert [v.grad for v in w] == [float(n) for n in numbers]
    e = Value.squared_error(w, numbers)
    assert type(e.data) is float
    assert e.data == pytest.approx(sum((1.0 - float(t)) ** 2 for t in numbers))
    assert Value(1.0) < numbers[1] and numbers[3] > Value(2.0)  # comparisons too


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda flag: Value(flag), id="Value(bool_)"),
        pytest.param(lambda flag: Value(1.0) + flag, id="Value+bool_"),
        pytest.param(lambda flag: Value(1.0) * flag, id="Value*bool_"),
        pytest.param(lambda flag: Value(1.0) ** flag, id="Value**bool_"),
        pytest.param(lambda flag: Value.dot([Value(1.0)], [flag], Value(0.0)), id="dot"),
    ],
)
def test_numpy_bool_is_refused_like_bool(operation):
    np = pytest.importorskip("numpy")
    for flag in (np.bool_(True), True):
        with pytest.raises(TypeError):
            operation(flag)


def test_sum_rejects_a_non_value_term():
    with pytest.raises(TypeError, match="float"):
        Value.sum([Value(1.0), 2.0])


# -- domain errors -------------------------------------------------------------------------------


@pytest.mark.parametrize("x", [-1.0, 0.0, -0.0])
def test_log_outside_its_domain_raises_value_error(x):
    with pytest.raises(ValueError, match="log"):
        Value(x).log()


def test_fractional_power_of_a_negative_base_raises_value_error():
    with pytest.raises(ValueError, match="pow"):
        Value(-2.0) ** 0.5


def test_number_to_the_value_needs_a_positive_base():
    with pytest.raises(ValueError, match="pow"):
        (-2.0) ** Value(0.5)


@pytest.mark.parametrize("base", [-2.0, 0.0, -0.0])
def test_value_to_the_value_needs_a_positive_base(base):
    with pytest.raises(ValueError, match=rf"pow: Value \*\* Value needs a base > 0, got {base!r}"):
        Value(base) ** Value(2.0)


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda: Value(1.0) / Value(0.0), id="Value/Value(0)"),
        pytest.param(lambda: Value(1.0) / 0, id="Value/0"),
        pytest.param(lambda: Value(1.0) / 0.0, id="Value/0.0"),
        pytest.param(lambda: 1 / Value(0.0), id="1/Value(0)"),
        pytest.param(lambda: Value(0.0) ** -1, id="Value(0)**-1"),
        pytest.param(lambda: Value(0.0) ** -0.5, id="Value(0)**-0.5"),
    ],
)
def test_division_by_zero_raises_zero_division_error(operation):
    with pytest.raises(ZeroDivisionError):
        operation()


# -- extreme operands ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "divide",
    [
        pytest.param(lambda b: Value(1.0) / b, id="Value/Value"),
        pytest.param(lambda b: 1.0 / b, id="number/Value"),
    ],
)
def test_division_by_a_tiny_nonzero_value_is_finite_and_differentiable(divide):
    b = Value(1e-200)
    q = divide(b)
    assert q.data == 1e200
    q.backward()
    assert b.grad == -math.inf  # -1 / 1e-400 overflows


def test_division_gradient_stays_accurate_when_the_divisor_squared_is_subnormal():
    a, b = Value(1e-300), Value(3e-160)
    (a / b).backward()
    assert b.grad == pytest.approx(-(1e-300 / 3e-160) / 3e-160, rel=1e-12)


@pytest.mark.parametrize("x", [1e-310, -1e-320])
@pytest.mark.parametrize("exponent", [0, 0.0])
def test_zeroth_power_of_a_subnormal_has_zero_gradient(x, exponent):
    v = Value(x)
    y = v**exponent
    assert y.data == 1.0
    y.backward()
    assert v.grad == 0.0


def test_prev_and_op_are_the_handouts_names_for_a_nodes_inputs_and_op():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    square, mixed = a * a, (a * b) + a
    assert square._prev == (a,)  # a*a: one distinct input, listed once
    assert mixed._prev == (mixed.inputs[0], a) and type(mixed._prev) is tuple
    assert (mixed._op, square._op, a._op, a._prev) == ("+", "*", "", ())
