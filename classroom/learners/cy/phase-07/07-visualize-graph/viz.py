"""Block E, written with minigrad's trace: every Value once, then its edges."""

from graphviz import Digraph

from minigrad.drawing import trace


def draw(root):
    nodes, edges = trace(root)
    dot = Digraph("graph", format="svg")
    dot.attr(rankdir="LR")
    names = {}
    for i, v in enumerate(nodes):
        names[v] = "v%d" % i
        dot.node(names[v], label="{ %s | %.4f | %.4f }" % (v.label or v.op, v.data, v.grad),
                 shape="record")
    for a, b in edges:
        dot.edge(names[a], names[b])
    return dot
