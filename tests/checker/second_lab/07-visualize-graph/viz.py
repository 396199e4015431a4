"""Block E: draw the diamond expression's graph."""
import graphviz

from minigrad.scalar import Value


def walk(root):
    seen, order, stack = set(), [], [root]
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        order.append(v)
        stack.extend(v._prev)
    return order


def draw(root):
    g = graphviz.Digraph(graph_attr={"rankdir": "LR"})
    for v in walk(root):
        nid = str(id(v))
        g.node(nid, shape="record", label=f"{{ {v._op or 'leaf'} | data {v.data:.4f} | grad {v.grad:.4f} }}")
        for u in v._prev:
            g.edge(str(id(u)), nid)
    return g


if __name__ == "__main__":
    a, b, c = Value(2.0, "a"), Value(3.0, "b"), Value(4.0, "c")
    L = (a * b + c) * (a - c)
    L.backward()
    draw(L).render("graph", format="svg", cleanup=True)
