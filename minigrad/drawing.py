"""draw_dot: a computation graph of Values as a Graphviz picture; graph_page: the same
picture as a page that steps through the forward and backward pass.

Each Value reachable from the root is one record node, "{ name-or-op | data | grad }", and
each input has one edge to its result, left to right (an input used twice, as in a*a, has two
edges). Nodes are numbered in the order of an iterative walk from the root, never by memory
address, so the same graph gives the same DOT source and byte-identical SVG on every run.

draw_dot needs Graphviz's Python binding, an optional extra: `pip install 'minigrad[draw]'`
(and Graphviz's `dot` program to render the result), and so does graph_page, whose HTML, CSS
and script are the template graph_page.html beside this file. trace needs nothing.
"""

import ast
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from html import escape
from importlib.resources import files
from typing import Any

from minigrad.scalar import Value, interior_nodes

__all__ = ["trace", "draw_dot", "graph_page"]

RANKDIRS = ("LR", "RL", "TB", "BT")
_RECORD_SPECIALS = re.compile(r'([\\{}|<>"])')


def trace(root: Value) -> tuple[list[Value], list[tuple[Value, Value]]]:
    """(nodes, edges) of the graph under `root`, in a fixed order that depends on it alone.

    nodes: every reachable Value once, inputs before their results (a depth-first walk that
    visits inputs in order, so `a*b + c` gives a, b, *, c, +), the root last. edges: one
    (input, result) pair per entry of each result's `inputs`, so a*a gives two. The walk is
    iterative, so a graph of any depth works.
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
    """A graphviz.Digraph of the graph under `root`: one record node per Value.

    `grads`, if given, are the gradients shown instead of each node's `.grad`; `ids`, if
    given, is a prefix that names each node and edge in the SVG (`<g id="{ids}n3">` for the
    4th node of trace's order, `{ids}e0` for its first edge), so that a page can find them.
    """
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

    draw_dot's graph as `dot` lays it out, beside graph.py, the code that
    `minigrad.compile(lambda: root, leaves).source` writes. Step 0 shows the leaves; then one
    step per computed node, in the order they were made, and one per edge, in the order
    `Value.backward()` visits them. Every number comes from backward's own loop, replayed
    here on a dict, so `root` may be given before or after backward() and no `.grad` is read
    or changed. `leaves`: compile's inputs (default: every leaf, in trace's order); pass those
    graph.py was written with to show its code. `expression` heads the page.
    """
    nodes, _ = trace(root)
    leaves = [n for n in nodes if not n.inputs] if leaves is None else list(leaves)
    from minigrad.tracing import compile_step, number_nodes  # loaded on first use

    code = compile_step(lambda: root, leaves).source.splitlines()
    slots = {node: f"v{s}" for node, s in number_nodes(root, leaves).items()}  # as in graph.py
    by_slot = {slot: node for node, slot in slots.items()}
    line_of: dict[str, int] = {}  # "v3": the line that computes v3; "g3": the one summing g3
    for n, written in enumerate(code):
        line_of.setdefault(written.strip().partition(" = ")[0], n)
    records, grads = _walk(root, interior_nodes(root))
    at = {node: i for i, node in enumerate(nodes)}
    first_edge = dict(zip(nodes, itertools.accumulate((len(n.inputs) for n in nodes), initial=0)))

    # a node's name in the text: a, v3 or, for the root, L; with its op: v3 (*); its gradient
    short = {n: n.label or ("L" if n is root else slots.get(n, n.op)) for n in nodes}
    who = {n: short[n] if n.label else f"{short[n]} ({n.op})" for n in nodes}
    d = {n: f"d{short[root]}/d{short[n]}" for n in nodes}  # dL/dv3

    def explain(text: str) -> str:  # "v1 * g3" -> "v1 = b = 3, g3 = dL/dv3 = -2"
        names = dict.fromkeys(re.findall(r"\b[vg]\d+\b", text))  # each once, in reading order
        named = [(name, by_slot["v" + name[1:]]) for name in names]  # g3 is node v3's gradient
        return ", ".join(
            f"{name} = {v.label + ' = ' if v.label else ''}{_num(v.data)}" if name[0] == "v"
            else f"{name} = {d[v]} = {_num(grads[v])}" for name, v in named)

    def cell(node: Value, field: str, value: float, done: bool = True) -> list[Any]:
        return [at[node], field, repr(value), f"{value:.4f}", done]

    steps: list[dict[str, Any]] = [{
        "phase": "start", "title": "Start: the leaves hold their values", "node": None,
        "edges": [], "code": None, "set": [cell(n, "data", n.data) for n in nodes if not n.inputs],
        "lines": ["Press → (or Next) to run the forward pass, one node at a time."]}]
    made = interior_nodes(root)[::-1]
    for i, node in enumerate(made, 1):
        shown = ", ".join(f"{who[c]} = {_num(c.data)}" for c in node.inputs)
        text = [f"{node.op} of {shown} gives {_num(node.data)}."]
        line = line_of[slots[node]] if node in slots else None
        if line is not None:
            statement = code[line].partition("  #")[0].strip()
            text.append(f"graph.py: {statement}   where {explain(statement.split('=', 1)[1])}")
        steps.append({
            "phase": "forward", "title": f"Forward {i} of {len(made)}: {who[node]}",
            "node": at[node], "edges": [first_edge[node] + j for j in range(len(node.inputs))],
            "code": None if line is None else [line], "set": [cell(node, "data", node.data)],
            "lines": text})
    uses = {node: sum(1 for r in records if r[2] is node) for node in nodes}
    got: dict[Value, list[float]] = {}  # each input's terms so far
    for i, (node, j, child, local, up, term, before, total) in enumerate(records, 1):
        got.setdefault(child, []).append(term)
        k = len(got[child])
        text = [f"{who[node]} is processed: its gradient {d[node]} = {_num(up)} is complete.",
                f"contribution = local × upstream = {_num(local)} × {_paren(up)} = {_num(term)}"]
        span: list[int] = []  # [line, start, end]: this edge's term in graph.py
        if child in slots:
            line = line_of["g" + slots[child][1:]]
            found = [[line, a, b] for via, a, b in _terms(code[line]) if via == slots[node]]
            span = found[node.inputs[:j].count(child)] if found else []  # x*x: 2nd edge, 2nd term
        if span:
            term_text = code[span[0]][span[1]:span[2]]
            text.append(f"the op's rule, in graph.py: {term_text}   where {explain(term_text)}")
        elif not child.inputs and child not in slots:
            text.append(f"{who[child]} is a constant in graph.py: it gets no gradient there.")
        sums = [_num(got[child][0]), *map(_paren, got[child][1:])] if k <= 4 else [
            _num(before), _paren(term)]  # many terms: the sum so far, then this one
        more = "complete" if k == uses[child] else f"{k} of {uses[child]} terms; more to come"
        text.append(f"{d[child]}: {_num(total)}" + (f" = {' + '.join(sums)}" if k > 1 else "")
                    + f"   ({more})")
        steps.append({
            "phase": "backward", "title": f"Backward {i} of {len(records)}: {who[node]} → "
            f"{who[child]}", "node": at[node], "target": at[child],
            "edges": [first_edge[node] + j], "code": span or None,
            "lines": text, "set": [cell(root, "grad", 1.0)] * (i == 1) + [
                cell(child, "grad", total, k == uses[child])]})
    if not records:  # a lone leaf: backward only seeds it
        steps[0]["set"].append(cell(root, "grad", grads[root]))
    example, example_graph = _order_example()
    data = {"nodes": [{"name": n.label or n.op} for n in nodes], "steps": steps, "code": code,
            "example": example}
    fills = {"expression": escape(expression or short[root]), "graph": _svg(root, grads, "g"),
             "example_graph": _svg(*example_graph, "o"),
             "data": json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")}
    page = files("minigrad").joinpath("graph_page.html").read_text(encoding="utf-8")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: fills[m[1]], page)  # one pass: no fill refilled


def _walk(root, order):
    """Value.backward's loop over `order`, on a dict: a record per edge, (node, j, its j-th
    input, local derivative, upstream, their product, input's grad before, after), and the grads."""
    grads = {root: 1.0}
    records = []
    for node in order:
        upstream = grads.get(node, 0.0)
        for j, (child, local) in enumerate(zip(node.inputs, node.local_grads)):
            before = grads.get(child, 0.0)
            grads[child] = before + local * upstream
            records.append((node, j, child, local, upstream, local * upstream, before,
                            grads[child]))
    return records, grads


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
        records, grads = result[title[0]] = _walk(root, order)
        done: set[Value] = set()
        rows = []
        for node, _, child, local, up, term, _, total in records:
            done.add(node)
            late = f"  (too late: {child.label} is done)" if child in done else ""
            rows.append(f"{node.label} → {child.label}: {_num(local)} × {_paren(up)} = "
                        f"{_num(term)}; dL/d{child.label} = {_num(total)}{late}")
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


def _terms(line):
    """(via, start, end) of each term of a gradient line of graph.py: `g0 = 0.0 + g5 + v1 * g3
    # via v5 (-), v3 (*)` is a `+` chain whose last two addends are the terms via v5 and v3."""
    vias = re.findall(r"(?:via |, )(v\d+) \(", line.partition("  # ")[2])
    addends = [ast.parse(line.strip()).body[0].value]
    while isinstance(addends[0], ast.BinOp) and isinstance(addends[0].op, ast.Add):
        addends[:1] = [addends[0].left, addends[0].right]  # a + b + c is (a + b) + c
    indent = len(line) - len(line.lstrip())
    return [(via, indent + t.col_offset, indent + t.end_col_offset)
            for via, t in zip(vias, addends[len(addends) - len(vias):])]


def _num(x: float) -> str:
    """A number as the page shows it in text: 10.0 -> "10", 1/3 -> "0.333333"."""
    return f"{x:.6g}"


def _paren(x: float) -> str:
    return f"({_num(x)})" if _num(x).startswith("-") else _num(x)
