"""Block E: one record node per Value, {label | data | grad}, an edge from each input."""

from graphviz import Digraph


def draw(root):
    seen, order = set(), []

    def visit(v):
        if id(v) in seen:
            return
        seen.add(id(v))
        for child in v._prev:
            visit(child)
        order.append(v)

    visit(root)
    g = Digraph(format="svg", graph_attr={"rankdir": "LR"})
    for v in order:
        g.node(str(id(v)), "{ %s | data %.4f | grad %.4f }" % (v.label or v.op, v.data, v.grad),
               shape="record")
    for v in order:
        for child in v._prev:
            g.edge(str(id(child)), str(id(v)))
    return g
