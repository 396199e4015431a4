"""build_expression: turn params.yaml's `viz.expression` into a graph of Values, without eval.

The text is parsed with `ast.parse(text, mode="eval")` and the tree is walked against this
grammar, and nothing else:

    expr    := number | name | expr op expr | -expr | +expr | func(expr) | (expr)
    op      := + | - | * | / | **
    func    := exp | log | tanh | relu | sigmoid      (one positional argument, no keywords)
    number  := an int or float literal (not bool, not complex), e.g. 3, 0.5, 1e-3
    name    := a key of `values`

`**` needs a number on one side: `x ** 2` (the exponent a literal, optionally negated)
gives the Value op "**2"; `2 ** x` gives the op "2**"; `2 ** 3` folds to the number 8. A
Value ** Value is not part of the grammar.

Each name becomes ONE leaf Value labelled by the name and reused wherever it occurs, so the
`a` of `(a*b + c)*(a - c)` feeds two nodes and its gradient sums both paths. A number that is
an operand of + - * / or a function's argument becomes a leaf labelled by its literal text
("3", "-0.5", "2**3"), so the graph shows it.

Limits, so that no expression can hang the stage or exhaust memory:
    - at most MAX_CHARS (1000) characters;
    - at most MAX_NODES (200) operands and operations (AST expression nodes), which also
      bounds how deeply the expression can nest;
    - an exponent of at most MAX_EXPONENT (100) in absolute value;
    - every intermediate result finite (exp(1000) is refused, not drawn as inf).

Anything else raises ExpressionError naming the part that is outside the grammar (its text
and column) and what is allowed. A domain
error of an op (log of a negative, division by zero, a negative base with a fractional
exponent) names the sub-expression and the operand.
"""

import ast
import math
import operator
import warnings

from minigrad import Value
from stages.errors import ExpressionError

__all__ = ["build_expression", "evaluate", "FUNCTIONS", "MAX_CHARS", "MAX_NODES", "MAX_EXPONENT"]

MAX_CHARS = 1000
MAX_NODES = 200
MAX_EXPONENT = 100

FUNCTIONS = {
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "sigmoid": Value.sigmoid,
}
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
def build_expression(text, values):
    """(root Value, {name: leaf Value}) for `text` evaluated at `values`.

    The leaves are the names the expression uses, in the order of `values`. Raises
    ExpressionError for anything outside the grammar of this module's docstring.
    """
    _check_values(values)
    source, tree = _parse(text)
    builder = _Builder(source, values)
    root = builder.value(builder.build(tree.body))
    leaves = {name: builder.leaves[name] for name in values if name in builder.leaves}
    return root, leaves


def evaluate(text, values):
    """(root, leaves) as build_expression gives them, with every gradient computed; a
    gradient that is not finite (the derivative of sqrt at 0, say) is refused too."""
    root, leaves = build_expression(text, values)
    root.backward()
    for name, leaf in leaves.items():
        if not math.isfinite(leaf.grad):
            raise ExpressionError(
                f"the gradient of `{name}` in {text!r} is {leaf.grad} at {values}: choose"
                " values where every derivative is finite"
            )
    return root, leaves


def _check_values(values):
    if not isinstance(values, dict):
        raise ExpressionError(f"values must map variable names to numbers, got {values!r}")
    for name, value in values.items():
        if not isinstance(name, str) or not name.isidentifier() or name in FUNCTIONS:
            raise ExpressionError(
                f"variable name {name!r} is not allowed: use an identifier other than"
                f" {', '.join(FUNCTIONS)}"
            )
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ExpressionError(f"value of `{name}` is {value!r}: it must be a finite number")
        if not math.isfinite(value):
            raise ExpressionError(f"value of `{name}` is {value!r}: it must be a finite number")


def _parse(text):
    """(stripped text, ast.Expression), within the size limits."""
    if not isinstance(text, str):
        raise ExpressionError(
            f"the expression must be a string, got {type(text).__name__} {text!r}"
        )
    if len(text) > MAX_CHARS:
        raise ExpressionError(
            f"the expression is {len(text)} characters long: at most {MAX_CHARS} are allowed"
        )
    source = text.strip()
    if not source:
        raise ExpressionError('the expression is empty: write one such as "(a*b + c)*(a - c)"')
    try:
        with warnings.catch_warnings():  # e.g. "invalid escape" in a string, refused below
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        lines = source.splitlines()
        line = err.lineno if err.lineno and err.lineno <= len(lines) else len(lines)
        column = err.offset or len(lines[line - 1]) + 1  # 0: the text ended too soon
        where = f" at line {line}, column {column}" if len(lines) > 1 else f" at column {column}"
        problem = f"expression {_show(source)} is not valid{where}: {err.msg}"
        raise ExpressionError(problem) from None
    except ValueError as err:  # null bytes, on Python versions that do not say SyntaxError
        raise ExpressionError(f"expression {_show(source)} is not valid: {err}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(
            f"expression {_show(source)} is nested too deeply: at most {MAX_NODES} operands"
            " and operations are allowed"
        ) from None
    size = sum(isinstance(node, ast.expr) for node in ast.walk(tree))
    if size > MAX_NODES:
        raise ExpressionError(
            f"expression {_show(source)} has {size} operands and operations: at most"
            f" {MAX_NODES} are allowed"
        )
    return source, tree


class _Number:
    """A constant part of the expression, still foldable: its value and its source text."""

    __slots__ = ("value", "text")

    def __init__(self, value, text):
        self.value = value
        self.text = text


class _Builder:
    """Builds the Values bottom-up; a constant part stays a _Number until a Value needs it.

    The walk recurses, which is safe: MAX_NODES bounds the depth of the tree.
    """

    def __init__(self, source, values):
        self.source = source
        self.values = values
        self.leaves = {}
        self.allowed = (
            f"allowed are numbers, the variables {', '.join(values) or '(none)'},"
            " the operators + - * / ** and unary -, and the calls"
            f" {', '.join(f'{name}(x)' for name in FUNCTIONS)}"
        )

    def build(self, node):
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        self.refuse(node, "this is not allowed")

    def value(self, part):
        """A Value for `part`: a number becomes a leaf labelled by its text."""
        return Value(part.value, label=part.text) if isinstance(part, _Number) else part

    # -- leaves --------------------------------------------------------------------------

    def number(self, node):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.refuse(node, "only numbers are allowed as constants")
        try:
            value = float(value)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            self.refuse(node, "the number is too large for a float")
        return _Number(value, self.text(node))

    def name(self, node):
        if node.id not in self.values:
            hint = f" (to use {node.id}, call it: {node.id}(x))" if node.id in FUNCTIONS else ""
            self.refuse(node, f"unknown name `{node.id}`{hint}")
        if node.id not in self.leaves:
            self.leaves[node.id] = Value(self.values[node.id], label=node.id)
        return self.leaves[node.id]

    # -- operations ----------------------------------------------------------------------

    def binary(self, node):
        kind = type(node.op)
        if kind is ast.Pow:
            return self.power(node)
        if kind not in _BINARY:
            self.refuse(node, "this operator is not allowed")
        left = self.value(self.build(node.left))
        right = self.value(self.build(node.right))
        return self.apply(node, _BINARY[kind], left, right)

    def power(self, node):
        base, exponent = self.build(node.left), self.build(node.right)
        if isinstance(base, _Number) and isinstance(exponent, Value):
            return self.apply(node, operator.pow, base.value, exponent)  # k ** x: op "k**"
        if not _is_literal(node.right):
            self.refuse(
                node.right,
                "the exponent of ** must be a number literal such as 2, -1 or 0.5"
                " (or the base a number, as in 2 ** x)",
            )
        n = exponent.value
        if abs(n) > MAX_EXPONENT:
            self.refuse(node.right, f"the exponent may be at most {MAX_EXPONENT} in absolute value")
        if isinstance(base, Value):
            return self.apply(node, operator.pow, base, n)  # x ** n: op "**n"
        x = base.value  # number ** number: fold it
        if x < 0 and not n.is_integer():
            problem = f"negative base {x!r} with fractional exponent {n!r} has no real result"
            self.refuse(node, problem, allowed=False)
        if x == 0 and n < 0:
            self.refuse(node, f"base 0.0 with negative exponent {n!r} divides by zero", False)
        try:
            folded = math.pow(x, n)
        except OverflowError:
            folded = math.inf
        if not math.isfinite(folded):
            self.refuse(node, f"{x!r} ** {n!r} overflows: results must stay finite", False)
        return _Number(folded, self.text(node))

    def unary(self, node):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            self.refuse(node, "this operator is not allowed")
        operand = self.build(node.operand)
        if isinstance(operand, _Number):
            sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
            return _Number(sign * operand.value, self.text(node))
        if isinstance(node.op, ast.UAdd):
            return operand
        return self.apply(node, operator.neg, operand)

    def call(self, node):
        func = node.func
        if not isinstance(func, ast.Name) or func.id not in FUNCTIONS:
            self.refuse(node, f"calling `{self.text(func)}` is not allowed")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            self.refuse(node, f"{func.id} takes exactly one argument: write {func.id}(x)")
        argument = self.value(self.build(node.args[0]))
        return self.apply(node, FUNCTIONS[func.id], argument)

    def apply(self, node, op, *operands):
        """op(*operands); a domain error or a non-finite result is refused, naming `node`."""
        try:
            out = op(*operands)
        except (ValueError, ZeroDivisionError, OverflowError) as err:
            problem = str(err)
        else:
            if math.isfinite(out.data):
                return out
            problem = f"the result is {out.data} at these values: results must stay finite"
        self.refuse(node, problem, allowed=False)

    # -- messages ------------------------------------------------------------------------

    def text(self, node):
        segment = ast.get_source_segment(self.source, node)
        return " ".join(segment.split()) if segment else type(node).__name__

    def refuse(self, node, problem, allowed=True):
        where = f"`{_shorten(self.text(node))}` at column {node.col_offset + 1}"
        rest = f"; {self.allowed}" if allowed else ""
        raise ExpressionError(f"expression {_show(self.source)}: {where}: {problem}{rest}")


def _is_literal(node):
    """A number literal, optionally negated: what an exponent may be."""
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant)


def _shorten(text, limit=60):
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show(source):
    return repr(_shorten(" ".join(source.split())))
