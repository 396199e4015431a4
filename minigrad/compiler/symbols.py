"""Symbols: an op's rule run on names instead of numbers, writing Python as it goes.

The writers write no derivative. They run each op's own rule (ops.py), the one the eager
engine runs on floats, with `m = SYMBOLS` and operands that are `Sym`s: their arithmetic
returns the Python source of what it computes, a template with a hole `{j}` for the node's
j-th operand, `{n}` for its result and `{n+1}` for the gradient arriving from above (n
operands). A unary or binary op's constants are plain numbers, so a rule that asks about
one (x ** n asks whether n == 0) gets an answer. Branches on data live in the namespace's
functions (relu, step, sign): they become conditional expressions.
"""

import numbers
import operator
import re
import types

from minigrad.scalar import Value

__all__ = ["Sym", "SYMBOLS", "CALLED", "OPERATORS", "ATOM", "ADD", "HOLE", "Rule", "rule_of",
           "number", "times", "holes"]

# precedences, as Python's: a part is parenthesized when it binds less than where it goes
ATOM, NEG, MUL, ADD, CMP, NOT, IF = 20, 13, 12, 11, 6, 5, 1
HOLE = re.compile(r"\{(\d+)\}")  # a template's hole: {j}


class Sym:
    """Python source (`text`, with holes) and how tightly it binds (`prec`); for `a op b`,
    also `op` and `left`, `right`, so that a chain a + b + c can be read as a loop."""

    __slots__ = ("text", "prec", "op", "left", "right")

    def __init__(self, text, prec=ATOM, op=None, left=None, right=None):
        self.text, self.prec, self.op, self.left, self.right = text, prec, op, left, right

    def __bool__(self):
        raise TypeError(f"a rule branched on the value of {self.text}: put the branch in a "
                        "function of the namespace m (as relu and step are)")


def _binary(op, prec, reflected=False):
    """Sym's method for `op`; a comparison (CMP) parenthesizes an equal left side too."""
    def method(a, b):
        a, b = (_sym(b), a) if reflected else (a, _sym(b))
        left = f"({a.text})" if a.prec < prec + (prec == CMP) else a.text
        right = f"({b.text})" if b.prec <= prec else b.text
        return Sym(f"{left} {op} {right}", prec, op, a, b)
    return method


for _name, _op, _prec in [("add", "+", ADD), ("sub", "-", ADD), ("mul", "*", MUL),
                          ("truediv", "/", MUL)]:
    setattr(Sym, f"__{_name}__", _binary(_op, _prec))
    setattr(Sym, f"__r{_name}__", _binary(_op, _prec, reflected=True))
for _name, _op in [("lt", "<"), ("le", "<="), ("gt", ">"), ("ge", ">="), ("eq", "=="),
                   ("ne", "!=")]:
    setattr(Sym, f"__{_name}__", _binary(_op, CMP))
Sym.__neg__ = lambda x: Sym(f"-({x.text})" if x.prec <= NEG else f"-{x.text}", NEG)  # type: ignore
OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def _sym(x):
    if type(x) is Sym:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Sym(*number(x))
    raise TypeError(f"a rule combined a symbol with {type(x).__name__} {x!r}")


def number(x):
    """(source, precedence) of a constant: repr round-trips every float and writes inf and nan
    as names (the step's globals); a negative number is written in parentheses as an operand."""
    if type(x) is int:
        return repr(x), ATOM
    text = repr(float(x))
    return text, NEG if text == "-inf" else ADD if text[0] == "-" else ATOM


def _call(name):
    return lambda *args: Sym(f"{name}({', '.join(_sym(a).text for a in args)})")


def _if(condition, then, otherwise):
    then, otherwise = _sym(then), _sym(otherwise)
    then_text = f"({then.text})" if then.prec <= IF else then.text
    return Sym(f"{then_text} if {condition.text} else {otherwise.text}", IF)


def _not(condition):  # `not` itself cannot be overloaded; a guard on numbers gets a bool
    if type(condition) is not Sym:
        return not condition
    text = f"({condition.text})" if condition.prec < NOT else condition.text
    return Sym(f"not {text}", NOT)


# The namespace `m` when a rule runs on symbols: exp, pow and the rest are calls to FLOATS'
# functions (math's on the fast path: see Step); relu, step and sign are FLOATS' own
# conditional expressions, inline because a call costs more than the branch.
CALLED = ("exp", "log", "tanh", "sigmoid", "pow", "abs")
SYMBOLS = types.SimpleNamespace(
    **{name: _call(name) for name in CALLED},
    relu=lambda x: _if(_sym(x) > 0, x, 0.0),
    step=lambda x: _if(_sym(x) > 0, 1.0, 0.0),
    sign=lambda x: _if(_sym(x) > 0, 1.0, _if(_sym(x) < 0, -1.0, 0.0)),
    not_=_not,
)


def times(local, upstream):
    """local * upstream, the chain rule's term; 1.0 * g is g and -1.0 * g is -g, bit for bit."""
    if local.text in ("1.0", "-1.0"):
        return upstream if local.text == "1.0" else -upstream
    return local * upstream


def holes(text):
    """The operand positions that a template reads, in order."""
    return sorted({int(j) for j in HOLE.findall(text)})


def relative(text, shift):
    """A template with its holes numbered from `shift` (two that match are one loop's body)."""
    return HOLE.sub(lambda hole: f"{{{int(hole[1]) - shift}}}", text)


# -- an op's rule on one node's operands -----------------------------------------------------------


class Rule:
    """An op's rule run on symbols: the forward template; per operand, its local derivative
    and `terms` (local * upstream); its check's guard (None: it never fails, True: always
    call it); for an n-ary node, `fold` and `runs`, how it rolls into loops (looped.py)."""

    def __init__(self, op, syms):
        n = len(syms)
        self.forward = _sym(op.forward(SYMBOLS, *syms))
        self.local = [_sym(d) for d in op.local(SYMBOLS, Sym(f"{{{n}}}"), *syms)]
        self.terms = [times(d, Sym(f"{{{n + 1}}}")) for d in self.local]
        guard = op.check is not None and (op.guard is None or op.guard(SYMBOLS, *syms))
        self.guard = guard.text if type(guard) is Sym else (True if guard else None)
        self.fold, self.runs = None, [range(j, j + 1) for j in range(n)]
        if n > 2:  # `acc = base; acc = acc op step_k` with every step alike: a loop
            op, steps, base = self.forward.op, [], self.forward
            while op in OPERATORS and base.op == op:
                steps.append(base.right)
                base = base.left
            steps.reverse()
            if len({relative(step.text, k) for k, step in enumerate(steps)}) == 1:
                self.fold = base, op, steps
            self.runs, j = [], 0  # runs of operands [j, end) whose derivatives read alike
            while j < n:
                form, end = relative(self.local[j].text, j), j + 1
                while end < n and relative(self.local[end].text, end) == form:
                    end += 1
                self.runs.append(range(j, end))
                j = end


def rule_of(found, op, args, slot, precs):
    """The Rule of `op` on `args`, the Values in `slot` as symbols of precedences `precs`, and
    constants as symbols too for an n-ary op (one Rule per size), as numbers for the others.
    `found` holds the rules already run in this compile."""
    if len(args) > 2:
        if (op, precs) not in found:
            found[op, precs] = Rule(op, [Sym(f"{{{j}}}", p) for j, p in enumerate(precs)])
        return found[op, precs]
    syms = [Sym(f"{{{j}}}") if a in slot else a.data if type(a) is Value else a
            for j, a in enumerate(args)]
    shape = (op, *[None if type(s) is Sym else repr(s) for s in syms])
    if shape not in found:
        found[shape] = Rule(op, syms)
    return found[shape]
