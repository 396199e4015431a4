"""The lab's viz.py (Block E): the graph of L = (a*b + c)*(a - c), with data and gradients.

    python experiments/07-visualize-graph/viz.py [graph.svg]

builds the expression from Values, runs backward, and draws one record node
{op | data | grad} per Value with an edge from each input to its result (`a` is used twice,
so it has two outgoing edges), rendered as SVG by Graphviz's `dot`. The DVC stage `viz`
(stages/viz.py) draws params.yaml's expression with `draw` below; minigrad's `draw_dot`
is the library's same drawing (tests/pipeline/test_lab.py holds the two to the same DOT source).
"""

import sys

from graphviz import Digraph

from minigrad import Value
from minigrad.drawing import trace


def build():
    a, b, c = Value(2.0, label="a"), Value(3.0, label="b"), Value(4.0, label="c")
    L = (a * b + c) * (a - c)
    L.backward()
    return L


def draw(root):
    nodes, edges = trace(root)  # every Value once, inputs first; one edge per input
    name = {node: f"node{i}" for i, node in enumerate(nodes)}
    dot = Digraph("computation graph", format="svg", graph_attr={"rankdir": "LR"})
    dot.attr("node", shape="record", fontname="Helvetica", fontsize="12")
    dot.attr("edge", arrowsize="0.7")
    for node in nodes:
        dot.node(name[node], f"{{ {node.label or node.op} | {node.data:.4f} | {node.grad:.4f} }}")
    for child, node in edges:
        dot.edge(name[child], name[node])
    return dot


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else "graph.svg"
    with open(path, "w", encoding="utf-8") as f:
        f.write(draw(build()).pipe(encoding="utf-8"))
