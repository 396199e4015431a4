"""labcheck.graph: Block E's drawing, laid out by the real `dot`, against the engine's graph.

Each drawing below is a draw(root) as a learner might write viz.py from the handout: some
right in different styles, some with one mistake each, which must be named.
"""

import pytest
from graphviz import Digraph

from conftest import answer_lab
from labcheck.graph import DotMissing, check_drawing
from minigrad import Value
from minigrad.drawing import draw_dot

pytestmark = pytest.mark.slow  # every check runs `dot`

PATH = "experiments/07-visualize-graph/viz.py"


def diamond(a=2.0, b=3.0, c=4.0):
    """The handout's L = (a*b + c)*(a - c), after backward."""
    a, b, c = Value(a, label="a"), Value(b, label="b"), Value(c, label="c")
    L = (a * b + c) * (a - c)
    L.backward()
    return L


def findings(draw, root=None):
    root = diamond() if root is None else root
    return check_drawing(draw(root).source, root, PATH).findings


# -- drawings that are right ----------------------------------------------------------------------


def draw_micrograd_style(root):
    # one record per Value named by its id, and for a result a small op node in front of it
    dot = Digraph(format="svg", graph_attr={"rankdir": "LR"})
    done = set()

    def add(v):
        if v in done:
            return
        done.add(v)
        dot.node(str(id(v)), "{ %s | data %.4f | grad %.4f }" % (v.label, v.data, v.grad),
                 shape="record")
        if v._op:
            dot.node(str(id(v)) + v._op, v._op)
            dot.edge(str(id(v)) + v._op, str(id(v)))
        for p in v._prev:
            add(p)
            dot.edge(str(id(p)), str(id(v)) + v._op)

    add(root)
    return dot


def draw_two_decimals(root):
    # walks the graph with a list instead of recursion, and rounds to 2 places
    dot = Digraph()
    todo, seen = [root], []
    while todo:
        v = todo.pop()
        if v in seen:
            continue
        seen.append(v)
        dot.node(str(id(v)), "{ %s | %.2f | %.2f }" % (v.label or v.op, v.data, v.grad),
                 shape="record")
        for p in v._prev:
            dot.edge(str(id(p)), str(id(v)))
            todo.append(p)
    return dot


def draw_plain_names(root):
    # names n0, n1, ... (no ids): the check must match nodes by numbers and edges
    dot = Digraph()
    names = {}

    def add(v):
        if v in names:
            return names[v]
        names[v] = f"n{len(names)}"
        dot.node(names[v], f"{{ {v.label or v.op} | {v.data} | {v.grad} }}", shape="record")
        for p in v._prev:
            dot.edge(add(p), names[v])
        return names[v]

    add(root)
    return dot


@pytest.mark.parametrize("draw", [answer_lab(viz=True).viz.draw, draw_dot,
                                  draw_micrograd_style, draw_two_decimals, draw_plain_names])
def test_a_right_drawing_has_no_finding(draw):
    assert findings(draw) == []


def test_a_times_a_with_one_edge_has_no_finding():
    a = Value(3.0, label="a")
    root = a * a
    root.backward()
    assert findings(draw_two_decimals, root) == []  # _prev holds a once: one edge
    assert findings(draw_dot, root) == []  # one edge per entry of inputs: two


def test_values_with_equal_numbers_are_told_apart_by_their_edges():
    # at a=2, b=1, c=0 both a*b and a-c show { 2 | 2 }: only the edges say which is which
    root = diamond(2.0, 1.0, 0.0)
    assert findings(draw_plain_names, root) == []


def test_the_summary_describes_the_drawing():
    root = diamond()
    summary = check_drawing(draw_micrograd_style(root).source, root, PATH).summary
    assert (summary["nodes"], summary["op_nodes"], summary["edges"]) == (11, 4, 12)
    a = next(leaf for leaf in summary["leaves"] if leaf["leaf"] == "a")
    assert a["outgoing_edges"] == 2 and sorted(a["to"]) == ["*", "-"]


# -- drawings with one mistake each ---------------------------------------------------------------


def draw_reversed(root):
    dot = Digraph()
    todo, seen = [root], set()
    while todo:
        v = todo.pop()
        if v in seen:
            continue
        seen.add(v)
        dot.node(str(id(v)), f"{{ {v.label or v.op} | {v.data:.4f} | {v.grad:.4f} }}",
                 shape="record")
        for p in v._prev:
            dot.edge(str(id(v)), str(id(p)))  # from the result to its input
            todo.append(p)
    return dot


def draw_by_label(root):
    dot = Digraph()

    def add(v):
        name = v.label or v.op  # the two `*` get the same name
        dot.node(name, f"{{ {name} | {v.data:.4f} | {v.grad:.4f} }}", shape="record")
        for p in v._prev:
            add(p)
            dot.edge(p.label or p.op, name)

    add(root)
    return dot


def draw_data_only(root):
    dot = Digraph()
    todo, seen = [root], set()
    while todo:
        v = todo.pop()
        if v in seen:
            continue
        seen.add(v)
        dot.node(str(id(v)), f"{{ {v.label or v.op} | {v.data:.4f} }}", shape="record")
        for p in v._prev:
            dot.edge(str(id(p)), str(id(v)))
            todo.append(p)
    return dot


def draw_grad_first(root):
    dot = Digraph()
    todo, seen = [root], set()
    while todo:
        v = todo.pop()
        if v in seen:
            continue
        seen.add(v)
        dot.node("v" + str(id(v)), f"{{ {v.op} | grad {v.grad:.4f} | data {v.data:.4f} }}",
                 shape="record")
        for p in v._prev:
            dot.edge("v" + str(id(p)), "v" + str(id(v)))
            todo.append(p)
    return dot


def draw_skipping_seen_inputs(root):
    # an edge is added only when an input is first met, so an input used twice loses one;
    # nodes are named n0, n1, ... so the check matches them by numbers and edges
    dot = Digraph()
    names = {}

    def add(v):
        names[v] = f"n{len(names)}"
        dot.node(names[v], f"{{ {v.label or v.op} | {v.data:.4f} | {v.grad:.4f} }}",
                 shape="record")
        for p in v._prev:
            if p not in names:
                add(p)
                dot.edge(names[p], names[v])

    add(root)
    return dot


def test_edges_from_the_result_to_its_inputs_are_named_backwards():
    [finding] = findings(draw_reversed)
    assert finding.startswith(f"{PATH}, Block E: 8 edge(s) run backwards")
    assert "`a` = 2 -> `*` = 6" in finding and "dot.edge(input, result)" in finding


def test_nodes_named_by_label_collapse_and_make_a_cycle():
    [finding] = findings(draw_by_label)
    assert finding == (f"{PATH}, Block E: `*` = -20 and `*` = 6 are drawn as one node, named "
                       "`*` (Graphviz merges nodes of the same name), and the drawing then has "
                       "a cycle: * -> + -> *: name each node by something unique to its "
                       "Value, such as str(id(v))")


def test_a_label_with_data_only_is_told_it_shows_no_gradient():
    found = findings(draw_data_only)
    assert len(found) == 7  # one per Value
    assert all("shows its data but no gradient" in f for f in found)
    assert any("{ a | 2.0000 }, for `a` = 2," in f for f in found)


def test_grad_before_data_is_named():
    found = findings(draw_grad_first)
    assert len(found) == 7
    assert any(f.endswith("{ grad 4.0000 | data 2.0000 }, for `a` = 2, shows its gradient 4 "
                          "before its data 2: the record reads { op | data | grad }")
               for f in found)


def test_an_input_with_no_edge_to_its_result_is_named():
    assert findings(draw_skipping_seen_inputs) == [
        f"{PATH}, Block E: no edge from input to result: `{x}` = {n} -> `-` = -2; add an edge "
        "from each of a node's _prev to it" for x, n in (("a", 2), ("c", 4))]
    root = diamond()
    summary = check_drawing(draw_skipping_seen_inputs(root).source, root, PATH).summary
    a = next(leaf for leaf in summary["leaves"] if leaf["leaf"] == "a")
    assert (a["outgoing_edges"], a["to"]) == (1, ["*"])  # the drawing's, not the engine's 2


# -- what is not a drawing ------------------------------------------------------------------------


def test_dot_source_graphviz_cannot_read_is_one_finding():
    [finding] = check_drawing("digraph { a -> }", diamond(), PATH).findings
    assert finding.startswith(f"{PATH}, Block E: Graphviz cannot read the drawing")
    assert "\n" not in finding and "syntax error" in finding


def test_a_drawing_with_no_numbers_is_one_finding():
    root = diamond()
    dot = Digraph()
    dot.node("L", "L")
    assert check_drawing(dot.source, root, PATH).findings == [
        f"{PATH}, Block E: none of the drawing's 1 nodes shows a number: label each Value's "
        "node { op | data | grad } with its v.data and v.grad"]


def test_bad_arguments_and_a_missing_dot_are_one_line(monkeypatch, tmp_path):
    with pytest.raises(TypeError, match="needs DOT source text"):
        check_drawing(Digraph(), diamond(), PATH)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DotMissing, match="`dot` program is not on PATH"):
        check_drawing("digraph {}", diamond(), PATH)
