"""build_expression: params.yaml's `viz.expression` as a graph of Values, without eval:
`ast.parse`, then one `match` over the node types admits only this grammar:

    expr := number | name | expr (+ - * /) expr | expr ** literal | number ** expr
          | -expr | +expr | (exp | log | tanh | relu | sigmoid)(expr)

A name is a key of `values` and ONE leaf Value wherever it occurs (its gradient sums every
path); a number is a leaf labelled by its text, and constant parts fold (`2 ** 3` is 8).
Limits keep the stage from hanging: MAX_CHARS, MAX_NODES operands and operations (which
bounds the nesting), exponents up to MAX_EXPONENT, finite results. Anything else raises an
ExpressionError naming the part (its text and column), what is wrong and what is allowed.
"""

import ast
import math
import operator
import sys
import warnings
from collections import namedtuple

from minigrad import Value
from stages.errors import ExpressionError

__all__ = ["build_expression", "evaluate", "FUNCTIONS", "MAX_CHARS", "MAX_NODES", "MAX_EXPONENT"]

MAX_CHARS, MAX_NODES, MAX_EXPONENT = 1000, 200, 100
FUNCTIONS = {"exp": Value.exp, "log": Value.log, "tanh": Value.tanh, "relu": Value.relu,
             "sigmoid": Value.sigmoid}
BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv}
Number = namedtuple("Number", "value text")  # a constant part, still foldable


def _short(text, limit=60):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def evaluate(text, values):
    """build_expression, then backward(); a gradient that is not finite is refused too."""
    root, leaves = build_expression(text, values)
    root.backward()
    for name, leaf in leaves.items():
        if not math.isfinite(leaf.grad):
            raise ExpressionError(f"the gradient of `{name}` in {text!r} is {leaf.grad} at"
                                  f" {values}: choose values where every derivative is finite")
    return root, leaves


def build_expression(text, values):
    """(root Value, {name: leaf Value}) for `text` at `values`; leaves in the order of values."""
    if not isinstance(values, dict):
        raise ExpressionError(f"values must map variable names to numbers, got {values!r}")
    for name, value in values.items():
        if not isinstance(name, str) or not name.isidentifier() or name in FUNCTIONS:
            raise ExpressionError(f"variable name {name!r} is not allowed: use an identifier"
                                  f" other than {', '.join(FUNCTIONS)}")
        if type(value) not in (int, float) or not math.isfinite(value):
            raise ExpressionError(f"value of `{name}` is {value!r}: it must be a finite number")
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be a string, got {type(text).__name__}"
                              f" {text!r}")
    if len(text) > MAX_CHARS:
        raise ExpressionError(f"the expression is {len(text)} characters long: at most"
                              f" {MAX_CHARS} are allowed")
    source = text.strip()
    if not source:
        raise ExpressionError('the expression is empty: write one such as "(a*b + c)*(a - c)"')
    shown = repr(_short(source))
    try:
        with warnings.catch_warnings():  # e.g. "invalid escape" in a string, refused anyway
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        lines = source.splitlines()
        line = err.lineno if err.lineno and err.lineno <= len(lines) else len(lines)
        column = err.offset or len(lines[line - 1]) + 1  # 0: the text ended too soon
        where = f"line {line}, column {column}" if len(lines) > 1 else f"column {column}"
        raise ExpressionError(f"expression {shown} is not valid at {where}: {err.msg}") from None
    except ValueError as err:  # null bytes, on Pythons that do not call it a SyntaxError
        raise ExpressionError(f"expression {shown} is not valid: {err}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"expression {shown} is nested too deeply: at most {MAX_NODES}"
                              " operands and operations are allowed") from None
    size = sum(isinstance(node, ast.expr) for node in ast.walk(tree))
    if size > MAX_NODES:
        raise ExpressionError(f"expression {shown} has {size} operands and operations: at most"
                              f" {MAX_NODES} are allowed")
    leaves = {}
    allowed = (f"allowed are numbers, the variables {', '.join(values) or '(none)'}, the"
               " operators + - * / ** and unary -, and the calls"
               f" {', '.join(f'{name}(x)' for name in FUNCTIONS)}")

    def text_of(node):
        return " ".join((ast.get_source_segment(source, node) or type(node).__name__).split())

    def refuse(node, problem, show_allowed=True):
        rest = f"; {allowed}" if show_allowed else ""
        raise ExpressionError(f"expression {shown}: `{_short(text_of(node))}` at column"
                              f" {node.col_offset + 1}: {problem}{rest}")

    def value(part):  # a number becomes a leaf labelled by its text
        return Value(part.value, label=part.text) if isinstance(part, Number) else part

    def apply(node, op, *operands):  # a domain error or an overflow names `node`
        try:
            out = op(*operands)
        except (ValueError, ZeroDivisionError, OverflowError) as err:
            refuse(node, str(err), False)
        if not math.isfinite(out.data):
            refuse(node, f"the result is {out.data}: it overflows; results must stay finite", False)
        return out

    def build(node):  # recursion is safe: MAX_NODES bounds the depth
        match node:
            case ast.Constant(value=int() | float() as number) if type(number) is not bool:
                if abs(number) > sys.float_info.max:  # 1e999 reads as inf, 10**400 is no float
                    refuse(node, "the number is too large for a float")
                return Number(float(number), text_of(node))
            case ast.Constant():
                refuse(node, "only numbers are allowed as constants")
            case ast.Name(id=name) if name in values:
                return leaves.setdefault(name, Value(values[name], label=name))
            case ast.Name(id=name):
                hint = f" (to use {name}, call it: {name}(x))" if name in FUNCTIONS else ""
                refuse(node, f"unknown name `{name}`{hint}")
            case ast.BinOp(left, ast.Pow(), right):
                base, exponent = build(left), build(right)
                if isinstance(base, Number) and isinstance(exponent, Value):
                    return apply(node, operator.pow, base.value, exponent)  # op "k**"
                if not isinstance(exponent, Number) or any(
                        isinstance(part, ast.BinOp) for part in ast.walk(right)):
                    refuse(right, "the exponent of ** must be a number literal such as 2, -1 or"
                           " 0.5 (or the base a number, as in 2 ** x)")
                if abs(exponent.value) > MAX_EXPONENT:
                    refuse(right, f"the exponent may be at most {MAX_EXPONENT} in absolute value")
                if isinstance(base, Value):
                    return apply(node, operator.pow, base, exponent.value)  # op "**n"
                folded = apply(node, operator.pow, Value(base.value), exponent.value)
                return Number(folded.data, text_of(node))
            case ast.BinOp(left, op, right) if type(op) in BINARY:
                return apply(node, BINARY[type(op)], value(build(left)), value(build(right)))
            case ast.UnaryOp(ast.USub() | ast.UAdd() as op, operand):
                part, sign = build(operand), -1.0 if isinstance(op, ast.USub) else 1.0
                if isinstance(part, Number):
                    return Number(sign * part.value, text_of(node))
                return part if sign > 0 else apply(node, operator.neg, part)
            case ast.Call(ast.Name(id=name), [argument], []) if (
                    name in FUNCTIONS and not isinstance(argument, ast.Starred)):
                return apply(node, FUNCTIONS[name], value(build(argument)))
            case ast.Call(ast.Name(id=name)) if name in FUNCTIONS:
                refuse(node, f"{name} takes exactly one argument: write {name}(x)")
            case ast.Call(func):
                refuse(node, f"calling `{text_of(func)}` is not allowed")
            case ast.BinOp() | ast.UnaryOp():
                refuse(node, "this operator is not allowed")
        refuse(node, "this is not allowed")

    root = value(build(tree.body))
    return root, {name: leaves[name] for name in values if name in leaves}
