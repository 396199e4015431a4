"""graph.svg in a real browser: the lab's stop condition is that it opens and looks right.

The pipeline's graph.svg (from a copy of the project after `dvc repro`) is opened in headless
Chromium with networking off. The document Chromium builds must hold one node per Value of
params.yaml's `viz.expression`, each showing that Value's name or op, data and gradient, and
one edge per input; its screenshot must show the whole graph, neither blank nor cut off.
"""

import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from PIL import Image

from chromium import dump_dom, ink_box, requires_chromium, screenshot
from minigrad.drawing import trace
from stages.expression import build_expression
from stages.params import load_params

pytestmark = [requires_chromium, pytest.mark.slow]

SVG = "{http://www.w3.org/2000/svg}"
GRAPH = "experiments/07-visualize-graph/graph.svg"


@pytest.fixture(scope="module")
def graph(reproduced_once):
    """(graph.svg of the reproduced copy, the Values it must show, the edges between them)."""
    viz = load_params(reproduced_once / "params.yaml", verbs=["work"])["viz"]
    root, _ = build_expression(viz["expression"], viz["values"])
    root.backward()
    nodes, edges = trace(root)
    return reproduced_once / GRAPH, nodes, edges


def _groups(document, kind):
    return [g for g in document.iter(f"{SVG}g") if g.get("class") == kind]


def _shown(group):
    """(name or op, data, grad) as a node's record shows them: the last two texts are numbers."""
    texts = [t.text.strip() for t in group.iter(f"{SVG}text") if t.text and t.text.strip()]
    *name, data, grad = texts
    return " ".join(name), round(float(data), 4), round(float(grad), 4)


def _size_px(svg_path):
    """The picture's width and height in CSS pixels, from its width="..pt" height="..pt"."""
    root = ET.parse(svg_path).getroot()
    points = [float(re.fullmatch(r"([\d.]+)pt", root.get(side)).group(1))
              for side in ("width", "height")]
    return [round(p * 96 / 72) for p in points]


def test_graph_svg_in_chromium_has_one_node_per_value(graph):
    svg_path, nodes, edges = graph
    document = ET.fromstring(dump_dom(svg_path))

    assert document.tag == f"{SVG}svg", "Chromium did not open graph.svg as an SVG document"
    assert not any("parsererror" in element.tag for element in document.iter())
    shown = [_shown(g) for g in _groups(document, "node")]
    expected = [(v.label or v.op, round(v.data, 4), round(v.grad, 4)) for v in nodes]
    assert len(shown) == len(nodes), f"{len(shown)} nodes drawn for {len(nodes)} Values"
    assert Counter(shown) == Counter(expected)
    assert len(_groups(document, "edge")) == len(edges)


def test_graph_svg_screenshot_shows_the_whole_graph(graph, tmp_path):
    svg_path, _, _ = graph
    width, height = _size_px(svg_path)
    margin = 40  # the window is larger than the picture, so a cut-off edge would show
    png = screenshot(svg_path, tmp_path / "graph.png", width + margin, height + margin)
    image = Image.open(png).convert("RGB")

    ink, box = ink_box(image)
    assert box is not None, "the screenshot of graph.svg is blank"
    left, top, right, bottom = box
    # boxes, text and arrows cover some of the picture, not none and not all of it
    assert 0.01 < ink / (width * height) < 0.5, f"{ink} dark pixels in {width}x{height}"
    # the drawing spans the picture and stays inside it
    assert right - left > 0.9 * width and bottom - top > 0.8 * height, box
    assert right <= width + 2 and bottom <= height + 2, (box, width, height)
