"""Symbols: an op's rule run on names instead of numbers, and the trees it builds as Python.

The code generator (tracing.py, loops.py) writes no derivative. It runs each op's own rule
(ops.py), the one the eager engine runs on floats, with `m = SYMBOLS` and operands that are
`Sym`s: their arithmetic builds an expression tree instead of a number, and `render` writes
the tree as Python. A node's Value operands are symbols ("arg" j, the j-th operand), and so
is its result ("out"); a unary or binary op's constants are plain numbers, so a rule that
asks about one (x ** n asks whether n == 0) gets an answer. Branches on data live in the
namespace's functions (relu, step, sign): they become conditional expressions, decided at
every step.
"""

import math
import numbers
import types
from typing import Any

from minigrad.scalar import Value

__all__ = ["Sym", "SYMBOLS", "CALLED", "ATOM", "ADD", "Rule", "Rules", "render", "number",
           "key", "times"]

# precedences, as Python's: a part is parenthesized when it binds less than where it goes
ATOM, NEG, MUL, ADD, CMP, NOT, IF = 20, 13, 12, 11, 6, 5, 1
_BINARY = {"+": ADD, "-": ADD, "*": MUL, "/": MUL}


class Sym:
    """An expression: an operand ("arg", position), the result ("out"), a number ("const"), a
    name, an operation ("bin", "neg", "call", "if") or a condition ("cmp", "not")."""

    __slots__ = ("kind", "a", "b", "c")

    def __init__(self, kind: str, a: Any = None, b: Any = None, c: Any = None) -> None:
        self.kind, self.a, self.b, self.c = kind, a, b, c

    def __add__(self, other):
        return Sym("bin", "+", self, _sym(other))

    def __radd__(self, other):
        return Sym("bin", "+", _sym(other), self)

    def __sub__(self, other):
        return Sym("bin", "-", self, _sym(other))

    def __rsub__(self, other):
        return Sym("bin", "-", _sym(other), self)

    def __mul__(self, other):
        return Sym("bin", "*", self, _sym(other))

    def __rmul__(self, other):
        return Sym("bin", "*", _sym(other), self)

    def __truediv__(self, other):
        return Sym("bin", "/", self, _sym(other))

    def __rtruediv__(self, other):
        return Sym("bin", "/", _sym(other), self)

    def __neg__(self):
        return Sym("neg", self)

    def __lt__(self, other):
        return Sym("cmp", "<", self, _sym(other))

    def __le__(self, other):
        return Sym("cmp", "<=", self, _sym(other))

    def __gt__(self, other):
        return Sym("cmp", ">", self, _sym(other))

    def __ge__(self, other):
        return Sym("cmp", ">=", self, _sym(other))

    def __eq__(self, other):  # type: ignore[override]  # a condition, not a bool
        return Sym("cmp", "==", self, _sym(other))

    def __ne__(self, other):  # type: ignore[override]
        return Sym("cmp", "!=", self, _sym(other))

    __hash__ = object.__hash__

    def __bool__(self):
        raise TypeError(f"a rule branched on the value of {self!r}: put the branch in a "
                        "function of the namespace m (as relu and step are)")

    def __repr__(self):
        return f"Sym({render(self, _ArgNames(), ('out', ATOM))[0]})"


class _ArgNames:  # renders ("arg", j) as a_j, for repr
    def __getitem__(self, j):
        return f"a{j}", ATOM


def _sym(x):
    if type(x) is Sym:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Sym("const", x)
    raise TypeError(f"a rule combined a symbol with {type(x).__name__} {x!r}")


def _call(name):
    return lambda *args: Sym("call", name, tuple(_sym(a) for a in args))


def _if(condition, then, otherwise):
    return Sym("if", condition, _sym(then), _sym(otherwise))


def _not(condition):  # `not` itself cannot be overloaded; a guard on numbers gets a bool
    return Sym("not", condition) if type(condition) is Sym else not condition


# The namespace `m` when a rule runs on symbols. exp, pow and the rest are calls to the
# functions of the float namespace (math.exp and math.pow on the fast path: see tracing.Step).
# relu, step and sign are the conditional expressions of FLOATS' functions, written inline
# because a call costs more than the branch (tests/test_compile.py checks each against FLOATS,
# on 0.0, -0.0, inf and nan).
CALLED = ("exp", "log", "tanh", "sigmoid", "pow", "abs")
SYMBOLS = types.SimpleNamespace(
    **{name: _call(name) for name in CALLED},
    relu=lambda x: _if(_sym(x) > 0, x, 0.0),
    step=lambda x: _if(_sym(x) > 0, 1.0, 0.0),
    sign=lambda x: _if(_sym(x) > 0, 1.0, _if(_sym(x) < 0, -1.0, 0.0)),
    not_=_not,
)


# -- writing a tree as Python --------------------------------------------------------------------


def number(x):
    """(source, precedence) of a constant: repr round-trips every float; inf and nan are names."""
    if type(x) is int:
        return repr(x), ATOM
    x = float(x)
    if x != x:
        return "nan", ATOM
    if math.isinf(x):
        return ("inf", ATOM) if x > 0 else ("-inf", NEG)
    text = repr(x)
    return text, ADD if text[0] == "-" else ATOM  # a sign: written in parentheses as an operand


def render(s, args, out):
    """(source, precedence) of tree `s`; args[j] and `out` are (source, precedence) pairs."""
    kind = s.kind
    if kind == "arg":
        return args[s.a]
    if kind == "out":
        return out
    if kind == "const":
        return number(s.a)
    if kind == "name":
        return s.a, ATOM
    if kind == "bin":  # a left-leaning chain of one op, walked without recursion
        op, prec = s.a, _BINARY[s.a]
        rights = []
        while s.kind == "bin" and s.a == op:
            rights.append(s.c)
            s = s.b
        text, p = render(s, args, out)
        parts = [f"({text})" if p < prec else text]
        for right in reversed(rights):
            text, p = render(right, args, out)
            parts.append(f"({text})" if p <= prec else text)
        return f" {op} ".join(parts), prec
    if kind == "neg":
        text, p = render(s.a, args, out)
        return ("-" + (f"({text})" if p <= NEG else text)), NEG
    if kind == "call":
        return f"{s.a}({', '.join(render(x, args, out)[0] for x in s.b)})", ATOM
    if kind == "if":
        then, p = render(s.b, args, out)
        cond, _ = render(s.a, args, out)
        other, _ = render(s.c, args, out)
        return f"{f'({then})' if p <= IF else then} if {cond} else {other}", IF
    if kind == "cmp":
        left, lp = render(s.b, args, out)
        right, rp = render(s.c, args, out)
        return f"{f'({left})' if lp <= CMP else left} {s.a} {f'({right})' if rp <= CMP else right}", CMP
    if kind == "not":
        text, p = render(s.a, args, out)
        return f"not {f'({text})' if p < NOT else text}", NOT
    raise AssertionError(kind)


def key(s, shift=0):
    """The structure of a tree, operand positions taken relative to `shift` (for loops)."""
    kind = s.kind
    if kind == "arg":
        return ("arg", s.a - shift)
    if kind == "const":
        return ("const", repr(s.a))
    if kind in ("bin", "cmp"):
        return (kind, s.a, key(s.b, shift), key(s.c, shift))
    if kind in ("neg", "not"):
        return (kind, key(s.a, shift))
    if kind == "call":
        return ("call", s.a, tuple(key(x, shift) for x in s.b))
    if kind == "if":
        return ("if", key(s.a, shift), key(s.b, shift), key(s.c, shift))
    return (kind, s.a)  # out, name


def positions(s):
    """The operand positions that tree `s` reads, in order."""
    found, stack = set(), [s]
    while stack:
        s = stack.pop()
        if s.kind == "arg":
            found.add(s.a)
        elif s.kind in ("bin", "cmp", "if"):
            stack += (s.a, s.b, s.c) if s.kind == "if" else (s.b, s.c)
        elif s.kind in ("neg", "not"):
            stack.append(s.a)
        elif s.kind == "call":
            stack += s.b
    return sorted(found)


def precedence(tree):
    if tree.kind == "bin":
        return _BINARY[tree.a]
    return {"neg": NEG, "if": IF, "cmp": CMP, "not": NOT}.get(tree.kind, ATOM)


def times(local, upstream):
    """local * upstream, the chain rule's term; 1.0 * g is g and -1.0 * g is -g, bit for bit."""
    if local.kind == "const" and type(local.a) is float:
        if local.a == 1.0:
            return upstream
        if local.a == -1.0:
            return Sym("neg", upstream)
    return Sym("bin", "*", local, upstream)


# -- an op's rule on one node's operands -----------------------------------------------------------


class Rule:
    """An op's rule run on symbols: the forward and local trees, the guard of its check (None:
    never fails; True: always call it), and for a wide n-ary node how it rolls into loops."""

    __slots__ = ("forward", "local", "guard", "fold", "runs")


class Rules:
    """The rules run on symbols for one `compile` call, and the source templates made from
    them: they live as long as the call (keys are ids of the trees these hold)."""

    def __init__(self):
        self.found = {}
        self.templates = {}
        self.terms = {}

    def of(self, op, args, slot):
        """The Rule of `op` on `args`; the Values in `slot` are symbols, the rest constants.

        An n-ary rule (dot, sum, sse) runs on symbols only: it is one shape for every node
        of its size, and its constants become one of its loops' streams (loops.py). A unary or
        binary rule runs with its constants as numbers, one Rule for each set of them.
        """
        if len(args) > 2:
            shape = (op, len(args))
            syms = [Sym("arg", j) for j in range(len(args))]
        else:
            syms = [Sym("arg", j) if a in slot else a.data if type(a) is Value else a
                    for j, a in enumerate(args)]
            shape = (op, *[None if type(s) is Sym else repr(s) for s in syms])
        rule = self.found.get(shape)
        if rule is None:
            rule = self.found[shape] = Rule()
            rule.forward = _sym(op.forward(SYMBOLS, *syms))
            rule.local = [_sym(d) for d in op.local(SYMBOLS, Sym("out"), *syms)]
            rule.guard = None
            if op.check is not None:  # eager checks unary and binary nodes only (scalar.py)
                guard = True if op.guard is None else op.guard(SYMBOLS, *syms)
                rule.guard = guard if type(guard) is Sym else (True if guard else None)
            rule.fold = _fold(rule.forward) if len(args) > 2 else None
            rule.runs = _runs(rule.local) if len(args) > 2 else [(j, j + 1) for j in
                                                                   range(len(args))]
        return rule

    def fill(self, tree, operands, out):
        """render(tree, operands, out)[0], from a template made once per tree and precedences.

        `operands` is a Filled (the sources and precedences of a node's operands); `tree` is
        a tree this object holds (a Rule's, or one of term()'s).
        """
        template_key = (id(tree), operands.precs, out[1])
        template = self.templates.get(template_key)
        if template is None:
            holes = [("{%d}" % j, p) for j, p in enumerate(operands.precs)]
            template = render(tree, holes, ("{%d}" % len(holes), out[1]))[0]
            self.templates[template_key] = template
        return template.format(*operands.texts, out[0])

    def term(self, local, n):
        """times(local, upstream) with the upstream as operand n, one tree per local."""
        found = self.terms.get((id(local), n))
        if found is None:
            found = self.terms[id(local), n] = times(local, Sym("arg", n))
        return found


class Filled:
    """The sources and precedences of a node's operands, for Rules.fill."""

    __slots__ = ("texts", "precs")

    def __init__(self, texts, precs):
        self.texts, self.precs = texts, precs

    def plus(self, text):
        """These operands and one more (the upstream gradient), an atom."""
        return Filled([*self.texts, text], (*self.precs, ATOM))


def _fold(tree):
    """A left fold `acc = base; acc = acc op step_k` in the forward tree, as (base, op, first,
    steps): steps[k] reads operands at the same positions relative to first + k."""
    if tree.kind != "bin":
        return None
    op, steps, s = tree.a, [], tree
    while s.kind == "bin" and s.a == op:
        steps.append(s.c)
        s = s.b
    steps.reverse()
    last = key(steps[-1], len(steps) - 1)
    start = len(steps) - 1
    while start > 0 and key(steps[start - 1], start - 1) == last:
        start -= 1
    base = s
    for step in steps[:start]:
        base = Sym("bin", op, base, step)
    return base, op, start, steps[start:]


def _runs(local):
    """The local derivatives as runs of positions [j0, j1) sharing one relative form."""
    runs, j = [], 0
    while j < len(local):
        form, end = key(local[j], j), j + 1
        while end < len(local) and key(local[end], end) == form:
            end += 1
        runs.append((j, end))
        j = end
    return runs
