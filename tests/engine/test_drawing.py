"""draw_dot: one record per Value, one edge per use, rendered by the real `dot`."""

import re
import xml.etree.ElementTree as ET

import pytest

from minigrad.drawing import draw_dot, trace
from minigrad.scalar import Value

SVG = "{http://www.w3.org/2000/svg}"


def diamond():
    leaves = {"a": Value(2.0, "a"), "b": Value(3.0, "b"), "c": Value(4.0, "c")}
    a, b, c = leaves.values()
    root = (a * b + c) * (a - c)
    root.backward()
    return root, leaves


def render_svg(dot, path):
    path.write_text(dot.pipe(format="svg", encoding="utf-8"), encoding="utf-8")


def parse_svg(path):
    """({node id: [label texts]}, [(from id, to id)]) of a Graphviz SVG."""
    tree = ET.parse(path)
    nodes, edges = {}, []
    for group in tree.iter(f"{SVG}g"):
        title = group.findtext(f"{SVG}title")
        if group.get("class") == "node":
            nodes[title] = [text.text for text in group.iter(f"{SVG}text")]
        elif group.get("class") == "edge":
            edges.append(tuple(title.split("->")))
    return nodes, edges


def test_trace_lists_inputs_before_results_and_one_edge_per_use():
    root, leaves = diamond()
    nodes, edges = trace(root)
    names = [node.label or node.op for node in nodes]
    assert names == ["a", "b", "*", "c", "+", "-", "*"]
    assert nodes[-1] is root
    assert sum(1 for child, _ in edges if child is leaves["a"]) == 2
    assert len(edges) == 8


def test_trace_walks_a_deep_chain_without_recursion():
    x = Value(1.0, label="x")
    y = x
    for _ in range(20_000):
        y = y + 1.0
    nodes, edges = trace(y)
    assert len(nodes) == 20_001 and len(edges) == 20_000


def test_draw_dot_labels_each_record_with_name_or_op_data_and_grad():
    root, _ = diamond()
    source = draw_dot(root).source
    assert 'label="{ a | 2.0000 | 4.0000 }"' in source
    assert 'label="{ b | 3.0000 | -4.0000 }"' in source
    assert 'label="{ c | 4.0000 | -12.0000 }"' in source
    assert 'label="{ * | 6.0000 | -2.0000 }"' in source
    assert 'label="{ * | -20.0000 | 1.0000 }"' in source
    assert "rankdir=LR" in source
    assert "shape=record" in source


def test_draw_dot_numbers_nodes_by_walk_order_not_by_address():
    first, _ = diamond()
    second, _ = diamond()
    assert draw_dot(first).source == draw_dot(second).source
    assert re.findall(r"\bnode\d+(?= \[)", draw_dot(first).source) == [
        f"node{i}" for i in range(7)
    ]


def test_input_used_twice_gets_two_edges():
    a = Value(3.0, label="a")
    square = a * a
    square.backward()
    source = draw_dot(square).source
    assert source.count("node0 -> node1") == 2
    assert 'label="{ a | 3.0000 | 6.0000 }"' in source


def test_record_syntax_in_a_label_is_escaped():
    v = Value(1.0, label="{x|<y>}")
    assert r'label="{ \{x\|\<y\>\} | 1.0000 | 0.0000 }"' in draw_dot(v).source


def test_draw_dot_refuses_an_unknown_rankdir():
    with pytest.raises(ValueError, match="rankdir must be one of LR, RL, TB, BT"):
        draw_dot(Value(1.0), rankdir="XY")


def test_draw_dot_refuses_a_non_value():
    with pytest.raises(TypeError, match="needs a Value"):
        draw_dot(3.0)


def test_rendered_diamond_has_one_node_per_value_and_a_has_two_outgoing_edges(tmp_path):
    root, _ = diamond()
    path = tmp_path / "graph.svg"
    render_svg(draw_dot(root), path)
    nodes, edges = parse_svg(path)
    assert len(nodes) == 7
    label_of = {node_id: texts[0] for node_id, texts in nodes.items()}
    assert sorted(label_of.values()) == sorted(["a", "b", "c", "*", "+", "-", "*"])
    (a_id,) = [node_id for node_id, label in label_of.items() if label == "a"]
    assert sorted(label_of[to] for source, to in edges if source == a_id) == ["*", "-"]
    assert len(edges) == 8
    assert nodes[a_id] == ["a", "2.0000", "4.0000"]


def test_two_renders_are_byte_identical(tmp_path):
    first, _ = diamond()
    second, _ = diamond()
    render_svg(draw_dot(first), tmp_path / "one.svg")
    render_svg(draw_dot(second), tmp_path / "two.svg")
    assert (tmp_path / "one.svg").read_bytes() == (tmp_path / "two.svg").read_bytes()
