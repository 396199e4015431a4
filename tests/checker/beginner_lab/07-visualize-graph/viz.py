"""Block E: draw a minigrad graph with graphviz."""
import graphviz

from minigrad import Value, get_logger

log = get_logger(__name__)


def trace(root):
    nodes, edges = set(), set()
    stack = [root]
    while stack:
        v = stack.pop()
        if v in nodes:
            continue
        nodes.add(v)
        for child in v._prev:
            edges.add((child, v))
            stack.append(child)
    return nodes, edges


def node_id(v):
    return str(id(v))


def draw(root):
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(root)
    for v in nodes:
        op = v._op if v._op else (v.label or "leaf")
        dot.node(node_id(v), label="{ %s | data %.4f | grad %.4f }" % (op, v.data, v.grad), shape="record")
    for child, v in edges:
        dot.edge(node_id(child), node_id(v))
    return dot


if __name__ == "__main__":
    a, b, c = Value(2.0, "a"), Value(3.0, "b"), Value(4.0, "c")
    L = (a * b + c) * (a - c)
    L.backward()
    g = draw(L)
    path = g.render("graph", format="svg", cleanup=True)
    log.info("wrote %s", path)
