"""build_expression: what the grammar accepts (value and gradient checked against plain Python
and a central difference), what it refuses (and that the message says what and why)."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import assert_one_line_naming
from stages.common import StageError
from stages.expression import MAX_NODES, build_expression
from minigrad.scalar import Value

VALUES = {"a": 2, "b": 3, "c": 4}


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


# (expression, the same function in plain Python, the op of the root node)
ACCEPTED = [
    ("(a*b + c)*(a - c)", lambda a, b, c: (a * b + c) * (a - c), "*"),
    ("a + b", lambda a, b, c: a + b, "+"),
    ("a - b", lambda a, b, c: a - b, "-"),
    ("a * b", lambda a, b, c: a * b, "*"),
    ("a / b", lambda a, b, c: a / b, "/"),
    ("a ** 2", lambda a, b, c: a**2, "**2"),
    ("a ** -1", lambda a, b, c: a**-1, "**-1"),
    ("a ** 0.5", lambda a, b, c: a**0.5, "**0.5"),
    ("a ** +3", lambda a, b, c: a**3, "**3"),
    ("a ** 100", lambda a, b, c: a**100, "**100"),
    ("2 ** a", lambda a, b, c: 2**a, "2**"),
    ("0.5 ** (a * b)", lambda a, b, c: 0.5 ** (a * b), "0.5**"),
    ("2 ** 3 * a", lambda a, b, c: 8 * a, "*"),
    ("-a", lambda a, b, c: -a, "neg"),
    ("+a * b", lambda a, b, c: a * b, "*"),
    ("- -a", lambda a, b, c: a, "neg"),
    ("-3 * a", lambda a, b, c: -3 * a, "*"),
    ("a + 3", lambda a, b, c: a + 3, "+"),
    ("1.5e-1 * b", lambda a, b, c: 0.15 * b, "*"),
    ("0x10 + a", lambda a, b, c: 16 + a, "+"),
    ("exp(a)", lambda a, b, c: math.exp(a), "exp"),
    ("log(a * c)", lambda a, b, c: math.log(a * c), "log"),
    ("tanh(a - b)", lambda a, b, c: math.tanh(a - b), "tanh"),
    ("relu(b - a)", lambda a, b, c: max(0.0, b - a), "relu"),
    ("sigmoid(-c)", lambda a, b, c: _sigmoid(-c), "sigmoid"),
    ("exp(1) * a", lambda a, b, c: math.e * a, "*"),
    ("a * a", lambda a, b, c: a * a, "*"),
    ("(\n  a\n  + b\n)", lambda a, b, c: a + b, "+"),
    ("  a*b  ", lambda a, b, c: a * b, "*"),
    ("log(2 ** a) / 3 + -a * (a ** -1) + sigmoid(+c) - exp(1)",
     lambda a, b, c: math.log(2**a) / 3 - a / a + _sigmoid(c) - math.e, "-"),
]


@pytest.mark.parametrize("text, reference, op", ACCEPTED, ids=[row[0] for row in ACCEPTED])
def test_accepted_expression_matches_plain_python(text, reference, op):
    root, _ = build_expression(text, VALUES)
    assert root.data == pytest.approx(reference(**VALUES), rel=1e-12)
    assert root.op == op


@pytest.mark.parametrize("text, reference, op", ACCEPTED, ids=[row[0] for row in ACCEPTED])
def test_accepted_expression_gradients_match_central_difference(text, reference, op):
    root, leaves = build_expression(text, VALUES)
    root.backward()
    h = 1e-6  # central difference error ~h**2 * f''' ; rounding error ~eps * |f| / h
    for name, leaf in leaves.items():
        up = {**VALUES, name: VALUES[name] + h}
        down = {**VALUES, name: VALUES[name] - h}
        numeric = (reference(**up) - reference(**down)) / (2 * h)
        assert leaf.grad == pytest.approx(numeric, rel=1e-5, abs=1e-5), name


def test_diamond_gives_minus_20_and_the_lab_gradients():
    root, leaves = build_expression("(a*b + c)*(a - c)", VALUES)
    root.backward()
    assert root.data == -20.0
    assert {name: leaf.grad for name, leaf in leaves.items()} == {"a": 4.0, "b": -4.0, "c": -12.0}


def test_each_name_is_one_leaf_reused_at_every_occurrence():
    root, leaves = build_expression("(a*b + c)*(a - c)", VALUES)
    product, difference = root.inputs[0].inputs[0], root.inputs[1]
    assert product.inputs[0] is leaves["a"]
    assert difference.inputs[0] is leaves["a"]
    assert difference.inputs[1] is root.inputs[0].inputs[1] is leaves["c"]
    assert leaves["a"].label == "a" and leaves["a"].op == "" and leaves["a"].data == 2.0


def test_leaves_are_the_used_names_in_the_order_of_values():
    _, leaves = build_expression("c * a", {"a": 1, "b": 2, "c": 3})
    assert list(leaves) == ["a", "c"]


@pytest.mark.parametrize(
    "text, label",
    [("a + 3", "3"), ("a * -0.5", "-0.5"), ("a / 1e-3", "1e-3"), ("2 ** 3 * a", "2 ** 3"),
     ("exp(1)", "1"), ("a - (2)", "2")],
)
def test_number_operand_becomes_a_leaf_labelled_by_its_literal_text(text, label):
    root, _ = build_expression(text, VALUES)
    constants = [v for v in root.inputs if v.op == "" and v.label not in VALUES]
    assert [v.label for v in constants] == [label]


def test_constant_expression_gives_a_single_leaf():
    root, leaves = build_expression("2 ** 3", VALUES)
    assert (root.data, root.label, root.inputs, leaves) == (8.0, "2 ** 3", (), {})


REFUSED = [
    # (expression, words the message must contain). The grammar is a whitelist: whatever is
    # not in it is refused with the part named (its text and column) and what is allowed.
    ("a.data", ["`a.data`", "this is not allowed", "allowed are"]),
    ("a.exp()", ["calling `a.exp` is not allowed", "exp(x)"]),
    ("__import__('os')", ["calling `__import__` is not allowed"]),
    ("__import__('os').system('true')", ["calling `__import__('os').system` is not allowed"]),
    ("print(a)", ["calling `print` is not allowed", "log(x)"]),
    ("exp(a, b)", ["exp takes exactly one argument"]),
    ("exp()", ["exp takes exactly one argument"]),
    ("exp(x=a)", ["exp takes exactly one argument"]),
    ("exp(*a)", ["exp takes exactly one argument"]),
    ("exp", ["unknown name `exp`", "call it"]),
    ("a[0]", ["this is not allowed", "allowed are"]),
    ("lambda: a", ["this is not allowed", "allowed are"]),
    ("'a'", ["`'a'`", "only numbers are allowed"]),
    ("b'a'", ["only numbers are allowed"]),
    ("f'{a}'", ["this is not allowed", "allowed are"]),
    ("1j * a", ["`1j`", "only numbers are allowed"]),
    ("True * a", ["`True`", "only numbers are allowed"]),
    ("None", ["`None`", "only numbers are allowed"]),
    ("[x for x in a]", ["this is not allowed", "allowed are"]),
    ("(x for x in a)", ["this is not allowed", "allowed are"]),
    ("[a, b]", ["this is not allowed", "allowed are"]),
    ("(a, b)", ["this is not allowed", "allowed are"]),
    ("{a: b}", ["this is not allowed", "allowed are"]),
    ("a < b", ["this is not allowed", "allowed are"]),
    ("a and b", ["this is not allowed", "allowed are"]),
    ("not a", ["`not a`", "this operator is not allowed"]),
    ("a if b else c", ["this is not allowed", "allowed are"]),
    ("(d := a)", ["this is not allowed", "allowed are"]),
    ("a // b", ["`a // b`", "this operator is not allowed", "the operators + - * / **"]),
    ("a % b", ["`a % b`", "this operator is not allowed"]),
    ("a @ b", ["`a @ b`", "this operator is not allowed"]),
    ("~a", ["`~a`", "this operator is not allowed"]),
    ("x + a", ["unknown name `x`", "the variables a, b, c"]),
    ("a ** b", ["the exponent of ** must be a number literal", "`b`"]),
    ("a ** (1 + 1)", ["the exponent of ** must be a number literal"]),
    ("a ** 2 ** 2", ["the exponent of ** must be a number literal"]),
    ("1e999 * a", ["too large for a float"]),
    ("1" * 400 + " * a", ["too large for a float"]),
    ("(a", ["is not valid at column 1", "'(' was never closed"]),
    ("a +", ["is not valid at column 4", "invalid syntax"]),
    ("(a\n+ * b)", ["is not valid at line 2, column 3"]),
    ("a b", ["is not valid at column 3"]),
    ("a = 1", ["is not valid"]),
    ("a\x00", ["is not valid"]),
    ("", ["the expression is empty"]),
    ("   ", ["the expression is empty"]),
    ("(" * 250 + "a" + ")" * 250, ["is not valid", "too many nested parentheses"]),
    ("-" * (MAX_NODES + 5) + "a", [f"at most {MAX_NODES} are allowed"]),
    ("+".join(["a"] * (MAX_NODES // 2 + 1)), [f"at most {MAX_NODES} are allowed"]),
]


@pytest.mark.parametrize("text, words", REFUSED, ids=[repr(row[0])[:40] for row in REFUSED])
def test_expression_outside_the_grammar_is_refused_with_a_message_naming_it(text, words):
    with pytest.raises(StageError) as caught:
        build_expression(text, VALUES)
    assert_one_line_naming(str(caught.value), words)


DOMAIN_ERRORS = [
    # (expression, values, words the message must contain)
    ("log(a - c)", VALUES, ["`log(a - c)`", "log: operand must be > 0, got -2.0"]),
    ("log(a - a)", VALUES, ["log: operand must be > 0, got 0.0"]),
    ("a / (c - 4)", VALUES, ["`a / (c - 4)`", "divides by zero"]),
    ("1 / (a - 2)", VALUES, ["divides by zero"]),
    ("(a - c) ** 0.5", VALUES, ["negative base -2.0 with fractional exponent 0.5"]),
    ("(-2) ** 0.5", VALUES, ["negative base -2.0 with fractional exponent 0.5"]),
    ("(a - a) ** -1", VALUES, ["base 0.0 with negative exponent"]),
    ("0 ** -1", VALUES, ["base 0.0 with negative exponent"]),
    ("(-2) ** a", VALUES, ["needs a base > 0"]),
    ("exp(a * 1000)", VALUES, ["`exp(a * 1000)`", "the result is inf", "must stay finite"]),
    ("1e300 ** 2", VALUES, ["overflows"]),
    ("a ** 1e10", VALUES, ["overflow"]),  # no limit on exponents: the result's is the one
    ("10 ** a", {"a": 400}, ["the result is inf"]),
    ("(a * 1e200) * (a * 1e200)", VALUES, ["the result is inf"]),
]


@pytest.mark.parametrize("text, values, words", DOMAIN_ERRORS, ids=[r[0] for r in DOMAIN_ERRORS])
def test_domain_error_is_an_expression_error_naming_the_op_and_operand(text, values, words):
    with pytest.raises(StageError) as caught:
        build_expression(text, values)
    for word in words:
        assert word in str(caught.value)


def test_unknown_name_message_says_none_when_there_are_no_variables():
    with pytest.raises(StageError, match=r"the variables \(none\)"):
        build_expression("a", {})


def test_refusal_names_the_column_of_the_offending_part():
    with pytest.raises(StageError, match="`x` at column 16"):
        build_expression("(a*b + c)*(a - x)", VALUES)


def test_a_large_exponent_is_accepted_while_the_result_stays_finite():
    root, _ = build_expression("a ** 100 + 10 ** 100", {"a": 2})
    assert math.isfinite(root.data)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcx()+-*/.0123456789e ,=[]'_", max_size=40))
def test_any_text_gives_a_finite_value_or_an_expression_error(text):
    try:
        root, leaves = build_expression(text, VALUES)
    except StageError:
        return
    assert isinstance(root, Value) and math.isfinite(root.data)
    assert set(leaves) <= set(VALUES)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_unicode_never_escapes_as_another_exception(text):
    try:
        build_expression(text, VALUES)
    except StageError:
        pass
