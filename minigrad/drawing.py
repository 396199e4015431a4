"""draw_dot: a computation graph of Values as a Graphviz picture; graph_page: the same
picture as a page that steps through the forward and backward pass.

Each Value is one record node, "{ name-or-op | data | grad }", with one edge per input (a*a
has two). Nodes are numbered in trace's order, never by memory address, so the same graph
gives byte-identical SVG on every run. draw_dot and graph_page (whose HTML, CSS and script
are graph_page.html beside this file) need Graphviz's Python binding, an optional extra:
`pip install 'minigrad[draw]'`, and its `dot` program. trace needs nothing.
"""

import collections
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from html import escape
from importlib.resources import files
from typing import Any, NamedTuple

from minigrad.scalar import Value, interior_nodes

__all__ = ["trace", "draw_dot", "graph_page"]

RANKDIRS = ("LR", "RL", "TB", "BT")
_RECORD_SPECIALS = re.compile(r'([\\{}|<>"])')


def trace(root: Value) -> tuple[list[Value], list[tuple[Value, Value]]]:
    """(nodes, edges) of the graph under `root`, in an order that depends on it alone.

    nodes: every reachable Value once, inputs before their results (depth first, inputs in
    order: `a*b + c` gives a, b, *, c, +), the root last; iterative, so any depth works.
    edges: one (input, result) pair per entry of each result's `inputs` (a*a gives two).
    """
    if not isinstance(root, Value):
        raise TypeError(f"trace needs a Value, got {type(root).__name__} {root!r}")
    nodes: list[Value] = []
    seen = {root}
    stack = [(root, iter(root.inputs))]
    while stack:
        node, inputs = stack[-1]
        for child in inputs:
            if child not in seen:
                seen.add(child)
                stack.append((child, iter(child.inputs)))
                break
        else:  # every input is done: the node comes next
            stack.pop()
            nodes.append(node)
    edges = [(child, node) for node in nodes for child in node.inputs]
    return nodes, edges


def draw_dot(root: Value, rankdir: str = "LR", *, grads: Mapping[Value, float] | None = None,
             ids: str | None = None) -> Any:
    """A graphviz.Digraph of the graph under `root`: one record node per Value. `grads`: the
    gradients to show instead of `.grad`; `ids`: a prefix naming each node and edge in the
    SVG (`<g id="{ids}n3">` for trace's 4th node, `{ids}e0` for its first edge)."""
    try:
        import graphviz  # type: ignore[import-untyped]
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError("draw_dot needs Graphviz's Python binding: pip install "
                                  "'minigrad[draw]'", name=err.name) from None
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    nodes, edges = trace(root)
    names = {node: f"node{i}" for i, node in enumerate(nodes)}
    dot = graphviz.Digraph("computation graph", format="svg", graph_attr={"rankdir": rankdir})
    dot.attr("node", shape="record", fontname="Helvetica", fontsize="12")
    dot.attr("edge", arrowsize="0.7")
    for i, node in enumerate(nodes):
        # shown literally: {, }, |, <, > and quotes are a record label's syntax
        name = _RECORD_SPECIALS.sub(r"\\\1", node.label or node.op) or " "
        grad = node.grad if grads is None else grads.get(node, 0.0)
        extra = {} if ids is None else {"id": f"{ids}n{i}"}
        dot.node(names[node], f"{{ {name} | {node.data:.4f} | {grad:.4f} }}", **extra)
    for k, (child, node) in enumerate(edges):
        dot.edge(names[child], names[node], **({} if ids is None else {"id": f"{ids}e{k}"}))
    return dot


# -- graph_page: the forward and backward pass, one step at a time -------------------------------


def graph_page(root: Value, leaves: Sequence[Value] | None = None, expression: str = "") -> str:
    """A self-contained HTML page that steps through the forward and backward pass of `root`.

    draw_dot's graph beside graph.py, `minigrad.compile(lambda: root, leaves).source`. Step 0
    shows the leaves; then one step per computed node, in the order they were made, and one
    per edge, in the order `Value.backward()` visits them. The numbers come from backward's
    loop, replayed on a dict: no `.grad` is read or changed. `leaves`: compile's inputs
    (default: every leaf, in trace's order). `expression` heads the page.
    """
    nodes, _ = trace(root)
    leaves = [n for n in nodes if not n.inputs] if leaves is None else list(leaves)
    from minigrad.compiler import source_map  # loaded on first use, as minigrad.compile

    where = source_map(root, leaves)  # graph.py, and where each node's lines are
    edges, grads = _walk(root, interior_nodes(root))
    steps = _Steps(root, nodes, where, grads)
    example, example_graph = _order_example()
    data = {"nodes": [{"name": n.label or n.op} for n in nodes],
            "steps": [steps.start(edges), *steps.forward(), *steps.backward(edges)],
            "code": where.source.splitlines(), "example": example}
    fills = {"expression": escape(expression or steps.short[root]),
             "graph": _svg(root, grads, "g"), "example_graph": _svg(*example_graph, "o"),
             "data": json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")}
    page = files("minigrad").joinpath("graph_page.html").read_text(encoding="utf-8")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: fills[m[1]], page)  # one pass: no fill refilled


class _Edge(NamedTuple):  # backward's inner loop once: node's input j gets local x upstream
    node: Value
    j: int
    child: Value
    local: float
    upstream: float
    term: float
    before: float
    total: float


def _walk(root: Value, order: list[Value]) -> tuple[list[_Edge], dict[Value, float]]:
    """Value.backward's loop over `order`, on a dict: an _Edge per edge, and the grads."""
    grads = {root: 1.0}
    edges = []
    for node in order:
        upstream = grads.get(node, 0.0)
        for j, (child, local) in enumerate(zip(node.inputs, node.local_grads)):
            before = grads.get(child, 0.0)
            grads[child] = before + local * upstream
            edges.append(_Edge(node, j, child, local, upstream, local * upstream, before,
                               grads[child]))
    return edges, grads


class _Steps:
    """The page's steps: the start, one per forward node, one per backward edge. `where`:
    what the compiler says it wrote (a SourceMap); `grads`: backward's, from _walk."""

    def __init__(self, root: Value, nodes: list[Value], where: Any, grads: dict) -> None:
        self.root, self.where, self.grads = root, where, grads
        self.at = {node: i for i, node in enumerate(nodes)}
        edges = itertools.accumulate((len(n.inputs) for n in nodes), initial=0)
        self.first_edge = dict(zip(nodes, edges))
        # a node's name in the text: a, v3 or, for the root, L; with its op: v3 (*); its gradient
        self.short = {n: n.label or ("L" if n is root else where.values.get(n, n.op))
                      for n in nodes}
        self.who = {n: self.short[n] if n.label else f"{self.short[n]} ({n.op})" for n in nodes}
        self.d = {n: f"d{self.short[root]}/d{self.short[n]}" for n in nodes}  # dL/dv3

    def cell(self, node: Value, field: str, value: float, done: bool = True) -> list[Any]:
        return [self.at[node], field, repr(value), f"{value:.4f}", done]

    def explain(self, span: Any, upstream: Value | None = None) -> str:
        """What a Span reads, with the numbers: "v1 = b = 3, g3 = dL/dv3 = -2" (a term reads
        the gradient of its node, `upstream`, last)."""
        said = [f"{self.where.values[v]} = {v.label + ' = ' if v.label else ''}{_num(v.data)}"
                for v in span.reads]
        if upstream is not None:
            said.append(f"{self.where.grads[upstream]} = {self.d[upstream]} = "
                        f"{_num(self.grads[upstream])}")
        return ", ".join(said)

    def start(self, edges: list[_Edge]) -> dict[str, Any]:
        leaves = [self.cell(n, "data", n.data) for n in self.at if not n.inputs]
        if not edges:  # a lone leaf: backward only seeds it
            leaves.append(self.cell(self.root, "grad", self.grads[self.root]))
        return {"phase": "start", "title": "Start: the leaves hold their values", "node": None,
                "edges": [], "code": None, "set": leaves,
                "lines": ["Press → (or Next) to run the forward pass, one node at a time."]}

    def forward(self) -> list[dict[str, Any]]:
        made = interior_nodes(self.root)[::-1]
        steps = []
        for i, node in enumerate(made, 1):
            shown = ", ".join(f"{self.who[c]} = {_num(c.data)}" for c in node.inputs)
            text = [f"{node.op} of {shown} gives {_num(node.data)}."]
            span = self.where.forward.get(node)  # None: a constant in graph.py
            if span is not None:
                text.append(f"graph.py: {span.text}   where {self.explain(span)}")
            steps.append({
                "phase": "forward", "title": f"Forward {i} of {len(made)}: {self.who[node]}",
                "node": self.at[node],
                "edges": [self.first_edge[node] + j for j in range(len(node.inputs))],
                "code": None if span is None else [span.line],
                "set": [self.cell(node, "data", node.data)], "lines": text})
        return steps

    def backward(self, edges: list[_Edge]) -> list[dict[str, Any]]:
        who, d = self.who, self.d
        uses = collections.Counter(edge.child for edge in edges)
        got: dict[Value, list[float]] = {}  # each input's terms so far
        steps = []
        for i, edge in enumerate(edges, 1):
            node, child = edge.node, edge.child
            got.setdefault(child, []).append(edge.term)
            k = len(got[child])
            text = [f"{who[node]} is processed: its gradient {d[node]} = {_num(edge.upstream)} "
                    "is complete.", f"contribution = local × upstream = {_num(edge.local)} × "
                    f"{_paren(edge.upstream)} = {_num(edge.term)}"]
            span = self.where.terms.get((node, edge.j))  # this edge's term in graph.py
            if span is not None:
                text.append(f"the op's rule, in graph.py: {span.text}   where "
                            f"{self.explain(span, node)}")
            elif not child.inputs and child not in self.where.values:
                text.append(f"{who[child]} is a constant in graph.py: it gets no gradient there.")
            sums = [_num(got[child][0]), *map(_paren, got[child][1:])] if k <= 4 else [
                _num(edge.before), _paren(edge.term)]  # many terms: the sum so far, then this one
            more = "complete" if k == uses[child] else f"{k} of {uses[child]} terms; more to come"
            text.append(f"{d[child]}: {_num(edge.total)}"
                        + (f" = {' + '.join(sums)}" if k > 1 else "") + f"   ({more})")
            steps.append({
                "phase": "backward", "title": f"Backward {i} of {len(edges)}: {who[node]} → "
                f"{who[child]}", "node": self.at[node], "target": self.at[child],
                "edges": [self.first_edge[node] + edge.j],
                "code": None if span is None else [span.line, span.start, span.end],
                "lines": text, "set": [self.cell(self.root, "grad", 1.0)] * (i == 1) + [
                    self.cell(child, "grad", edge.total, k == uses[child])]})
        return steps


def _order_example() -> tuple[dict[str, Any], tuple[Value, dict[Value, float]]]:
    """d = 2*a; e = 3*d; L = d + e at a = 1, walked in both orders, as rows of text, with one
    sentence on why they differ; and its root with the grads of the topological walk."""
    a = Value(1.0, "a")
    d = 2 * a
    e = 3 * d
    root = d + e
    d.label, e.label, root.label = "d", "e", "L"
    reached = [root]  # each node processed when first reached: breadth first, as it grows
    for node in reached:
        reached += [c for c in dict.fromkeys(node.inputs) if c.inputs and c not in reached]
    walks, result = [], {}
    for title, order in (("Topological order, as backward() walks", interior_nodes(root)),
                         ("First reached, first processed", reached)):
        edges, grads = result[title[0]] = _walk(root, order)
        done: set[Value] = set()
        rows = []
        for edge in edges:
            done.add(edge.node)
            late = f"  (too late: {edge.child.label} is done)" if edge.child in done else ""
            rows.append(f"{edge.node.label} → {edge.child.label}: {_num(edge.local)} × "
                        f"{_paren(edge.upstream)} = {_num(edge.term)}; dL/d{edge.child.label} = "
                        f"{_num(edge.total)}{late}")
        walks.append({"title": title, "rows": rows, "order": [n.label for n in order],
                      "right": title[0] == "T",
                      "result": f"dL/dd = {_num(grads[d])}, dL/da = {_num(grads[a])}"})
    right, naive = result["T"][1], result["F"][1]
    why = (f"Processed as soon as L reaches it, d passes on only L's term: a gets "
           f"2 × 1 = {_num(naive[a])}, and e's term 3 arrives after d is done; backward "
           f"sorts the nodes newest first, so d comes after every node that uses it, its "
           f"gradient is complete ({_num(right[d])}), and a gets {_num(right[a])}.")
    nodes = [{"name": n.label, "data": repr(n.data), "grad": repr(right[n])}
             for n in trace(root)[0]]
    return {"walks": walks, "why": why, "nodes": nodes}, (root, right)


def _svg(root: Value, grads: Mapping[Value, float], ids: str) -> str:
    """draw_dot's picture as Graphviz's `dot` draws it, as an <svg> element for a page."""
    svg = draw_dot(root, ids=ids, grads=grads).pipe(format="svg", encoding="utf-8")
    # no XML prolog, and no comments and node titles ("node3"): they only repeat the ids
    return re.sub(r"<!--.*?-->\n|<title>node.*?</title>\n", "", svg[svg.index("<svg"):], flags=re.S)


def _num(x: float) -> str:
    """A number as the page shows it in text: 10.0 -> "10", 1/3 -> "0.333333"."""
    return f"{x:.6g}"


def _paren(x: float) -> str:
    return f"({_num(x)})" if _num(x).startswith("-") else _num(x)
