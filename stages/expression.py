"""params.yaml's `viz.expression` as a graph of Values: one walk over `ast.parse`'s tree that
builds each node as it goes, never eval. The grammar is numbers, the names of viz.values,
+ - * /, unary - and +, `x ** literal`, `number ** x` and exp log tanh relu sigmoid of x.
A name is one leaf wherever it occurs; a number, or a part made of numbers alone, is one
leaf labelled by its text (`2 ** 3` is 8)."""

import ast
import math
import operator
import sys
import warnings

from minigrad import Value
from stages.common import StageError

MAX_NODES = 200  # operands and operations: bounds the walk's recursion
FUNCTIONS = {"exp": Value.exp, "log": Value.log, "tanh": Value.tanh, "relu": Value.relu,
             "sigmoid": Value.sigmoid}
OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
             ast.Div: operator.truediv}


def build_expression(text, values):
    """(root Value, {name: leaf Value} in the order of `values`) for `text` at `values`."""
    source, leaves = text.strip(), {}
    if not source:
        raise StageError('the expression is empty: write one such as "(a*b + c)*(a - c)"')
    try:
        with warnings.catch_warnings():  # a SyntaxWarning would be a second line
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        lines = source.splitlines()
        line = min(err.lineno or len(lines), len(lines))
        where = f"line {line}, column " if len(lines) > 1 else "column "
        column = err.offset or len(lines[line - 1]) + 1  # 0: the text ended too soon
        raise StageError(f"expression {source!r} is not valid at {where}{column}:"
                         f" {err.msg}") from None
    except (ValueError, RecursionError, MemoryError) as err:  # a null byte; deep nesting
        raise StageError(f"expression {source!r} is not valid:"
                         f" {err or 'nested too deeply'}") from None
    if (size := sum(isinstance(node, ast.expr) for node in ast.walk(tree))) > MAX_NODES:
        raise StageError(f"expression {source!r} has {size} operands and operations: at most"
                         f" {MAX_NODES} are allowed")
    allowed = (f"; allowed are numbers, the variables {', '.join(values) or '(none)'}, the"
               " operators + - * / ** and unary -, and the calls"
               f" {', '.join(f'{name}(x)' for name in FUNCTIONS)}")

    def text_of(node):
        return " ".join(ast.get_source_segment(source, node).split())

    def refuse(node, problem, rest=allowed):
        raise StageError(f"expression {source!r}: `{text_of(node)}` at column"
                         f" {node.col_offset + 1}: {problem}{rest}")

    def number(node):  # a part without variables (or calls): it folds into one leaf
        return not any(isinstance(part, (ast.Name, ast.Call)) for part in ast.walk(node))

    def apply(node, op, *operands):  # a domain error or an overflow names `node`
        try:
            out = op(*operands)
        except (ValueError, ZeroDivisionError, OverflowError) as err:
            refuse(node, str(err), "")
        if not math.isfinite(out.data):
            refuse(node, f"the result is {out.data}: it overflows; results must stay finite", "")
        return Value(out.data, label=text_of(node)) if number(node) else out  # folded

    def walk(node):
        match node:
            case ast.Constant(value=int() | float() as value) if type(value) is not bool:
                if abs(value) > sys.float_info.max:  # 1e999 reads as inf; 10**400 is no float
                    refuse(node, "the number is too large for a float")
                return Value(float(value), label=text_of(node))
            case ast.Constant():
                refuse(node, "only numbers are allowed as constants")
            case ast.Name(id=name) if name in values:
                return leaves.setdefault(name, Value(values[name], label=name))
            case ast.Name(id=name):
                hint = f" (to use {name}, call it: {name}(x))" if name in FUNCTIONS else ""
                refuse(node, f"unknown name `{name}`{hint}")
            case ast.BinOp(left, ast.Pow(), right):
                base, exponent = walk(left), walk(right)
                if number(left) and not number(right):
                    return apply(node, operator.pow, base.data, exponent)  # op "k**"
                if not isinstance(getattr(right, "operand", right), ast.Constant):
                    refuse(right, "the exponent of ** must be a number literal such as 2, -1 or"
                           " 0.5 (or the base a number, as in 2 ** x)")
                return apply(node, operator.pow, base, exponent.data)  # op "**n"
            case ast.BinOp(left, op, right) if type(op) in OPERATORS:
                return apply(node, OPERATORS[type(op)], walk(left), walk(right))
            case ast.UnaryOp(ast.UAdd(), operand):
                return walk(operand)
            case ast.UnaryOp(ast.USub(), operand):
                return apply(node, operator.neg, walk(operand))
            case ast.Call(ast.Name(id=name), [argument], []) if (
                    name in FUNCTIONS and not isinstance(argument, ast.Starred)):
                return apply(node, FUNCTIONS[name], walk(argument))
            case ast.Call(ast.Name(id=name)) if name in FUNCTIONS:
                refuse(node, f"{name} takes exactly one argument: write {name}(x)")
            case ast.Call(func):
                refuse(node, f"calling `{text_of(func)}` is not allowed")
            case ast.BinOp() | ast.UnaryOp():
                refuse(node, "this operator is not allowed")
        refuse(node, "this is not allowed")

    root = walk(tree.body)
    return root, {name: leaves[name] for name in values if name in leaves}


def evaluate(text, values):
    """build_expression, then backward(); a gradient that is not finite is refused too."""
    root, leaves = build_expression(text, values)
    root.backward()
    for name, leaf in leaves.items():
        if not math.isfinite(leaf.grad):
            raise StageError(f"the gradient of `{name}` in {text!r} is {leaf.grad} at {values}:"
                             " choose values where every derivative is finite")
    return root, leaves
