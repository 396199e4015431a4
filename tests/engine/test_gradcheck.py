"""gradcheck: it must pass correct derivatives and catch a wrong one, naming the input."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigrad import GradcheckResult, Value, gradcheck
from minigrad.ops import FLOATS, Op
from minigrad.scalar import _unary



def wrong_rule(name, forward, local):
    """An op whose local derivative is deliberately wrong: Value -> Value."""
    op = Op(name, lambda m, x: forward(x), lambda m, out, x: (local(x),))
    return lambda x: _unary(op, x)


bad_square = wrong_rule("bad", lambda x: x * x, lambda x: 3.0 * x)  # 3x instead of 2x


def correct(a, b, c):
    return a * b + c.tanh() - (a / (c * c + 1))


def test_gradcheck_passes_a_correct_function():
    result = gradcheck(correct, [0.7, -1.3, 0.4])
    assert isinstance(result, GradcheckResult)
    assert result.passed is True
    assert bool(result) is True
    assert len(result.analytic) == len(result.numeric) == 3
    assert result.worst_index in (0, 1, 2)
    assert result.worst_error <= 1e-6


def test_gradcheck_reports_backward_grads_and_central_differences():
    result = gradcheck(lambda x, y: x**3 * y, [2.0, 0.5])
    assert result.analytic == [6.0, 8.0]  # 3 x**2 y and x**3, exact in binary
    assert result.numeric == pytest.approx([6.0, 8.0], abs=1e-6)


@pytest.mark.parametrize("bad_position", [0, 1, 2])
def test_gradcheck_fails_a_wrong_derivative_and_points_at_its_input(bad_position):
    def f(*xs):
        terms = [x.tanh() for x in xs]
        terms[bad_position] = bad_square(xs[bad_position])
        return Value.sum(terms)

    result = gradcheck(f, [0.8, -1.1, 1.5])
    assert result.passed is False
    assert bool(result) is False
    assert result.worst_index == bad_position
    x = [0.8, -1.1, 1.5][bad_position]
    assert result.analytic[bad_position] == 3 * x
    assert result.numeric[bad_position] == pytest.approx(2 * x, abs=1e-6)
    assert result.worst_error == pytest.approx(abs(x), abs=1e-6)


@settings(max_examples=50, deadline=None)
@given(
    x=st.builds(lambda m, s: m * s, st.floats(0.1, 3.0), st.sampled_from([-1.0, 1.0])),
    y=st.floats(-3.0, 3.0),
)
def test_gradcheck_catches_the_wrong_derivative_anywhere_it_differs(x, y):
    # The wrong slope (3x) differs from the true one (2x) by |x| >= 0.1, far over tolerance.
    result = gradcheck(lambda a, b: a * b + bad_square(a), [x, y])
    assert not result.passed
    assert result.worst_index == 0


def test_gradcheck_tolerance_is_atol_plus_rtol_times_numeric():
    # A local derivative off by 1e-4 (true slope of 2x at x = 1 is 2.0).
    slightly_wrong = wrong_rule("off", lambda x: x**2, lambda x: 2 * x + 1e-4)

    assert not gradcheck(slightly_wrong, [1.0]).passed
    assert gradcheck(slightly_wrong, [1.0], atol=2e-4, rtol=0.0).passed
    assert gradcheck(slightly_wrong, [1.0], atol=0.0, rtol=1e-4).passed  # 1e-4 * 2 = 2e-4
    assert not gradcheck(slightly_wrong, [1.0], atol=0.0, rtol=1e-5).passed


def test_gradcheck_worst_index_is_the_input_furthest_over_its_tolerance():
    # a's slope is off by 2e-3 absolute but only 1e-6 relative (within rtol); b's by 1e-4
    # absolute, five times its tolerance. The worst input is b, not the larger raw error.
    big = wrong_rule("a", lambda a: 1000 * a**2, lambda a: 2000 * a * (1 + 1e-6))
    small = wrong_rule("b", lambda b: b**2, lambda b: 2 * b + 1e-4)

    def f(a, b):
        return big(a) + small(b)

    result = gradcheck(f, [1.0, 1.0])
    assert abs(result.analytic[0] - result.numeric[0]) > 1e-3  # the larger raw error
    assert result.passed is False
    assert result.worst_index == 1
    assert result.worst_error == pytest.approx(1e-4, rel=1e-2)


def test_gradcheck_fails_a_non_finite_gradient():
    result = gradcheck(lambda x: x.exp(), [1000.0])  # exp overflows: analytic inf
    assert result.passed is False


def test_gradcheck_requires_f_to_return_a_value():
    with pytest.raises(TypeError, match="float"):
        gradcheck(lambda x: x.data * 2, [1.0])


def test_gradcheck_with_zero_atol_passes_a_zero_gradient():
    assert gradcheck(lambda x: x * 0.0, [1.0], atol=0.0).passed


# exp overflows just above this x: f(x + eps) is inf, f(x - eps) is finite, numeric is inf.
LAST_FINITE_EXP = 709.782712893384


def test_gradcheck_fails_when_the_central_difference_is_infinite():
    wrong_exp = wrong_rule("wrong", FLOATS.exp, lambda x: -1.0)  # exp overflowing to inf

    assert math.isfinite(math.exp(LAST_FINITE_EXP))
    result = gradcheck(wrong_exp, [LAST_FINITE_EXP])
    assert result.numeric == [math.inf]
    assert result.passed is False


def test_gradcheck_points_at_the_input_with_a_non_finite_gradient():
    # exp(b) - exp(b) is 0 at b, but inf - inf = nan at b + eps: b's numeric gradient is nan,
    # while a's is clean (2.0), so b is the input that must be reported.
    result = gradcheck(lambda a, b: a * 2.0 + (b.exp() - b.exp()), [1.0, LAST_FINITE_EXP])
    assert result.numeric[0] == pytest.approx(2.0, abs=1e-6)
    assert math.isnan(result.numeric[1])
    assert result.passed is False
    assert result.worst_index == 1
    assert result.worst_error == math.inf
