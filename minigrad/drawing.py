"""draw_dot: a computation graph of Values as a Graphviz picture.

Each Value reachable from the root is one record node, "{ name-or-op | data | grad }", and
each input has one edge to its result, left to right (an input used twice, as in a*a, has two
edges). Nodes are numbered in the order of an iterative walk from the root, never by memory
address, so the same graph gives the same DOT source and byte-identical SVG on every run.

draw_dot needs Graphviz's Python binding, an optional extra: `pip install 'minigrad[draw]'`
(and Graphviz's `dot` program to render the result). trace needs nothing.
"""

import re

from minigrad.scalar import Value

__all__ = ["trace", "draw_dot"]

RANKDIRS = ("LR", "RL", "TB", "BT")
_RECORD_SPECIALS = re.compile(r'([\\{}|<>"])')


def trace(root):
    """(nodes, edges) of the graph under `root`, in a fixed order that depends on it alone.

    nodes: every reachable Value once, inputs before their results (a depth-first walk that
    visits inputs in order, so `a*b + c` gives a, b, *, c, +), the root last. edges: one
    (input, result) pair per entry of each result's `inputs`, so a*a gives two. The walk is
    iterative, so a graph of any depth works.
    """
    if not isinstance(root, Value):
        raise TypeError(f"trace needs a Value, got {type(root).__name__} {root!r}")
    nodes, seen = [], {root}
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


def draw_dot(root, rankdir="LR"):
    """A graphviz.Digraph of the graph under `root`: one record node per Value."""
    try:
        import graphviz
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            "draw_dot needs Graphviz's Python binding: pip install 'minigrad[draw]'",
            name=err.name,
        ) from None
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    nodes, edges = trace(root)
    ids = {node: f"node{i}" for i, node in enumerate(nodes)}
    dot = graphviz.Digraph("computation graph", format="svg", graph_attr={"rankdir": rankdir})
    dot.attr("node", shape="record", fontname="Helvetica", fontsize="12")
    dot.attr("edge", arrowsize="0.7")
    for node in nodes:
        name = _escape(node.label or node.op)
        dot.node(ids[node], f"{{ {name} | {node.data:.4f} | {node.grad:.4f} }}")
    for child, node in edges:
        dot.edge(ids[child], ids[node])
    return dot


def _escape(text):
    """Text shown literally inside a record label ({, }, |, <, > and quotes are syntax)."""
    return _RECORD_SPECIALS.sub(r"\\\1", text) or " "
