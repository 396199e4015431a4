"""StraightWriter: one local variable per node, `v12 = tanh(v11)` forward, `g11 = ... * g12`
backward; with `where=True`, a SourceMap of where it wrote each line, for graph_page."""

from dataclasses import dataclass, field
from typing import NamedTuple

from minigrad.compiler.symbols import ADD, HOLE, number, rule_of
from minigrad.compiler.writer import HEADER, Writer
from minigrad.scalar import Value

__all__ = ["StraightWriter", "SourceMap", "Span"]


class Span(NamedTuple):
    """An expression the writer wrote, `text`, on `line` of the source from column `start` to
    `end`; `reads`: the nodes whose values it reads, each once, in reading order."""

    line: int
    start: int
    end: int
    text: str
    reads: tuple


@dataclass
class SourceMap:
    """The source, each node's names (v3, g3), and the Span of each node's forward statement
    (`v3 = v1 * v2`) and of each backward term, by (node, the index of the input it is for)."""

    source: str = ""
    values: dict = field(default_factory=dict)
    grads: dict = field(default_factory=dict)
    forward: dict = field(default_factory=dict)
    terms: dict = field(default_factory=dict)


class StraightWriter(Writer):
    names_read = "v<k> is node k's value, g<k> d(loss)/d(node k); params come first."
    pattern = "v%d"

    def __init__(self, root, params, nodes, slot, lr, where=False):
        super().__init__(root, params, nodes, slot, lr)
        self.made = {}  # node -> (its Rule, its operands), from its forward line to backward
        self.terms = {}  # slot -> (node, j) per term of its gradient, in the order eager adds
        self.where = SourceMap(values={n: f"v{s}" for n, s in slot.items()},
                               grads={n: f"g{s}" for n, s in slot.items()}) if where else None

    def start(self, body):
        n = len(self.params)
        if n:
            comma = "," if n == 1 else ""
            body.append(f"{', '.join(f'p{i}' for i in range(n))}{comma} = PARAMS")
            body += [f"# v{i} is {p.label!r}" for i, p in enumerate(self.params) if p.label]
            body.append(f"{', '.join(f'v{i}' for i in range(n))}{comma} = "
                        f"{', '.join(f'p{i}.data' for i in range(n))}{comma}")

    def forward(self, node, body):
        texts, precs = zip(*map(self.operand, node.args))  # sources, precedences
        rule = rule_of(self.rules, node.rule, node.args, self.slot, precs)
        out = f"v{self.slot[node]}"
        self.made[node] = rule, texts
        self.write_check(node, rule, texts, out, body)
        statement = f"{out} = {rule.forward.text.format(*texts, out)}"
        if self.where is not None:
            self.where.forward[node] = self.span(len(body), 0, statement, rule.forward.text, node)
        body.append(statement + self.comment(node))

    def start_backward(self, body):
        s = self.root_slot
        if s is not None and s >= len(self.params):
            body.append(f"g{s} = 1.0  # d(loss)/d(loss)")

    def backward(self, node, body):
        s = self.slot[node]
        if s != self.root_slot:
            self.add_up(s, body)
        for j, a in enumerate(node.args):
            t = self.slot.get(a)
            if t is not None:  # added up when the sum is complete: see add_up
                self.terms.setdefault(t, []).append((node, j))

    def add_up(self, s, body, start=None):
        """g_s = the sum of its terms, complete when the walk down reaches the node: one
        expression, one top-level addend per term in the order of its `via` comment, added
        left to right as backward adds into `.grad` (a param's from 0.0, as `.grad` starts)."""
        parts = [] if start is None else [start]
        vias = []
        if s == self.root_slot:  # a param that is the loss itself (add_up sees no other root)
            parts.append("1.0")
            vias.append("the loss (itself)")
        column = len(f"g{s} = ") + sum(len(part) + 3 for part in parts)
        for node, j in self.terms.pop(s, ()):
            rule, texts = self.made[node]
            term, out = rule.terms[j], f"v{self.slot[node]}"
            text = term.text.format(*texts, out, f"g{self.slot[node]}")
            part = f"({text})" if term.prec <= ADD else text
            if self.where is not None:
                edge = node, sum(type(a) is Value for a in node.args[:j])  # j-th arg: which input
                self.where.terms[edge] = self.span(len(body), column + (part != text), text,
                                                   term.text, node)
                column += len(part) + 3
            parts.append(part)
            vias.append(f"{out} ({node.op})")
        body.append(f"g{s} = {' + '.join(parts) or '0.0'}"
                    + (f"  # via {', '.join(vias)}" if vias else ""))

    def span(self, index, column, text, template, node):
        """The Span of `text` at `column` of body line `index`; it reads the nodes in the
        template's holes that have a slot ({n}: the node itself; {n+1} is its gradient)."""
        operands = [*node.args, node]
        holes = [int(j) for j in HOLE.findall(template) if int(j) < len(operands)]
        reads = [a for a in dict.fromkeys(operands[j] for j in holes) if a in self.slot]
        start = 4 + column  # the body's indent
        return Span(HEADER + index, start, start + len(text), text, tuple(reads))

    def finish(self, body):
        body.append("# the params' gradients: each starts at 0.0, as p.grad = 0.0 does")
        for i in range(len(self.params)):
            self.add_up(i, body, "0.0")
        body.append("# the results: every param's grad"
                    + ("" if self.lr is None else ", then the update"))
        for i in range(len(self.params)):
            body.append(f"p{i}.grad = g{i}")
            if self.lr is not None:
                body.append(f"p{i}.data = v{i} - {number(self.lr)[0]} * g{i}")
