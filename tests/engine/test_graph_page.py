"""graph_page: the page that steps through forward and backward on Graphviz's drawing.

The fast tests read the steps Python wrote into the page (its JSON): how many there are, the
numbers they show, the term of graph.py each one marks, the second example's two walks, the
size, and that the template ships in the wheel. The slow ones open the page in headless
Chromium over the DevTools protocol (tests/chromium.py's DevTools), with every request
caught: they press the keys a reader would and read each node's data-* attributes.
"""

import ast
import json
import math
import re
import zipfile
from pathlib import Path

import pytest

import minigrad
from chromium import DevTools, requires_chromium
from minigrad import Value
from minigrad.drawing import draw_dot, graph_page, trace
from minigrad.scalar import interior_nodes
from minigrad.compiler import number_nodes
from stages.expression import build_expression

REPO = Path(__file__).resolve().parents[2]
DEFAULT = "(a*b + c)*(a - c)"
VALUES = {"a": 2, "b": 3, "c": 4}
# every op of the viz grammar, constants, a variable used many times, a lone variable
EXPRESSIONS = [
    "x*x*x", "x", "-x", "tanh(x)*exp(x) + x**2", "2**x - 3*x/y", "x**-1",
    "log(x*y) + relu(x - y) + sigmoid(-x)", "(x*y)*(x*y)", "exp(tanh(x) / (1 + y**2))",
]


def lab_expression():
    """(root, leaves) of the lab's expression, as the viz stage builds it."""
    root, leaves = build_expression(DEFAULT, VALUES)
    return root, list(leaves.values())


def page_data(page):
    return json.loads(re.search(r'id="page-data">(.*?)</script>', page, re.S).group(1))


def final_state(data, upto=None):
    """{node index: {"data": ..., "grad": ...}} after the steps up to `upto`, as the script
    builds it: each step's "set" entries, applied in order."""
    state = {i: {"data": "", "grad": ""} for i in range(len(data["nodes"]))}
    for step in data["steps"][: None if upto is None else upto + 1]:
        for i, field, exact, _, _ in step["set"]:
            state[i][field] = exact
    return state


@pytest.fixture(scope="module")
def lab_page(tmp_path_factory):
    root, leaves = lab_expression()
    page = graph_page(root, leaves, DEFAULT)
    path = tmp_path_factory.mktemp("page") / "graph.html"
    path.write_text(page, encoding="utf-8")
    return path, page, page_data(page)


# -- the steps, as Python writes them ----------------------------------------------------------


def test_lab_expression_has_4_forward_and_8_backward_steps_after_the_start(lab_page):
    _, _, data = lab_page
    phases = [step["phase"] for step in data["steps"]]
    assert phases == ["start"] + ["forward"] * 4 + ["backward"] * 8


def test_steps_follow_creation_order_then_backwards_edge_order(lab_page):
    _, _, data = lab_page
    root, _ = lab_expression()
    nodes = trace(root)[0]
    index = {node: i for i, node in enumerate(nodes)}
    forward = [s["node"] for s in data["steps"] if s["phase"] == "forward"]
    assert forward == [index[n] for n in sorted(interior_nodes(root), key=lambda n: n.order)]
    backward = [(s["node"], s["target"]) for s in data["steps"] if s["phase"] == "backward"]
    assert backward == [(index[n], index[c]) for n in interior_nodes(root) for c in n.inputs]


def test_a_second_edge_reads_4_equals_10_plus_minus_6(lab_page):
    _, _, data = lab_page
    into_a = [s for s in data["steps"] if s.get("target") == 0]  # trace's first node: a
    assert [data["nodes"][0]["name"], len(into_a)] == ["a", 2]
    assert "dL/da: 10" in into_a[0]["lines"][-1] and "more to come" in into_a[0]["lines"][-1]
    assert "4 = 10 + (-6)" in into_a[1]["lines"][-1]
    assert "contribution = local × upstream = 3 × (-2) = -6" in into_a[1]["lines"]
    assert any("v1 * g3" in line and "v1 = b = 3" in line for line in into_a[1]["lines"])


def test_start_shows_only_the_leaves_data_and_the_last_step_every_grad(lab_page):
    _, _, data = lab_page
    names = [node["name"] for node in data["nodes"]]
    start = final_state(data, 0)
    assert {names[i]: s["data"] for i, s in start.items() if s["data"]} == {
        "a": "2.0", "b": "3.0", "c": "4.0"}
    assert all(s["grad"] == "" for s in start.values())
    end = final_state(data)
    assert {names[i]: float(s["grad"]) for i, s in end.items() if names[i] in "abc"} == {
        "a": 4.0, "b": -4.0, "c": -12.0}
    assert float(end[len(names) - 1]["grad"]) == 1.0  # the root, L


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_any_expression_gives_a_page_whose_last_step_is_backwards_result(text):
    root, leaves = build_expression(text, {"x": 0.7, "y": 1.3})
    nodes, edges = trace(root)
    page = graph_page(root, list(leaves.values()), text)
    data = page_data(page)
    assert "{{" not in page and page.count('id="graph"') == 1
    assert page.count('id="order-example"') == 1
    for i in range(len(nodes)):
        assert f'id="gn{i}"' in page
    for k in range(len(edges)):
        assert f'id="ge{k}"' in page
    interior = interior_nodes(root)
    assert len(data["steps"]) == 1 + len(interior) + sum(len(n.inputs) for n in interior)
    root.backward()  # the engine's own gradients: the page's last step must show them
    end = final_state(data)
    for i, node in enumerate(nodes):
        assert end[i]["data"] == repr(node.data)
        assert end[i]["grad"] == repr(node.grad), (text, node)


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_each_backward_step_marks_its_own_term_of_graph_py(text):
    """The marked text, run with the nodes' numbers, gives what the step added to the grad."""
    root, leaves = build_expression(text, {"x": 0.7, "y": 1.3})
    nodes = trace(root)[0]
    data = page_data(graph_page(root, list(leaves.values())))
    root.backward()
    slots = {node: f"v{s}" for node, s in number_nodes(root, list(leaves.values())).items()}
    names = {"exp": math.exp, "log": math.log, "tanh": math.tanh, "pow": math.pow}
    for node, slot in slots.items():
        names[slot], names["g" + slot[1:]] = node.data, node.grad
    state = final_state(data, 0)
    for k, step in enumerate(data["steps"][1:], 1):
        before = state[step["target"]]["grad"] if step["phase"] == "backward" else None
        state = final_state(data, k)
        if step["phase"] != "backward":
            continue
        child = nodes[step["target"]]
        if child not in slots:  # a constant in graph.py: no term to mark
            assert step["code"] is None
            continue
        line, start, end = step["code"]
        assert data["code"][line].lstrip().startswith(f"g{slots[child][1:]} = ")
        term = eval(data["code"][line][start:end], {"__builtins__": {}}, names)  # noqa: S307
        added = float(state[step["target"]]["grad"]) - float(before or 0.0)
        assert term == pytest.approx(added, rel=1e-12, abs=1e-12), (text, step["title"])


def test_terms_are_found_by_parsing_whatever_their_shape():
    """A term that is itself a product, a negation or a parenthesized sum is one span."""
    x = Value(0.5, "x")
    y = (x * x) * x + (-x) + (x.tanh() - x) * x
    data = page_data(graph_page(y, [x]))
    line = next(text for text in data["code"] if text.lstrip().startswith("g0 = "))
    spans = [s["code"] for s in data["steps"] if s.get("target") == 0]
    terms = [line[start:end] for _, start, end in spans]
    for term in terms:  # each marked span is one whole expression of the line
        ast.parse(term, mode="eval")
    assert len(terms) == len(re.findall(r"v\d+ \(", line.partition("# via")[2]))


def test_order_example_gives_8_topologically_and_2_first_reached(lab_page):
    _, _, data = lab_page
    topological, naive = data["example"]["walks"]
    assert topological["order"] == ["L", "e", "d"] and naive["order"] == ["L", "d", "e"]
    assert topological["result"] == "dL/dd = 4, dL/da = 8"
    assert naive["result"] == "dL/dd = 4, dL/da = 2"
    assert "too late" in naive["rows"][-1] and "too late" not in " ".join(topological["rows"])
    assert "2 × 1 = 2" in data["example"]["why"] and "a gets 8" in data["example"]["why"]
    a = next(n for n in data["example"]["nodes"] if n["name"] == "a")
    assert float(a["grad"]) == 8.0


def test_page_leaves_every_grad_as_it_was():
    root, leaves = lab_expression()
    before = [node.grad for node in trace(root)[0]]
    graph_page(root, leaves)
    assert [node.grad for node in trace(root)[0]] == before == [0.0] * len(before)
    root.backward()
    after = [node.grad for node in trace(root)[0]]
    graph_page(root, leaves)
    assert [node.grad for node in trace(root)[0]] == after


def test_same_graph_gives_the_same_page(lab_page):
    _, page, _ = lab_page
    root, leaves = lab_expression()
    assert graph_page(root, leaves, DEFAULT) == page


def test_page_is_self_contained_and_under_300_kb(lab_page):
    _, page, _ = lab_page
    assert len(page.encode()) < 300_000
    names = re.sub(r'xmlns(:xlink)?="[^"]*"', "", page)  # SVG's namespaces: names, not links
    assert not re.search(r"""(src|href)\s*=|@import|url\(|https?://""", names)
    # the largest sum the viz grammar allows (199 operands and operations) still fits
    text = "+".join(["x*y"] * 50)
    root, leaves = build_expression(text, {"x": 0.5, "y": 1.5})
    assert len(graph_page(root, list(leaves.values()), text).encode()) < 300_000


def test_heading_and_labels_are_text_not_markup():
    x = Value(1.5, "</script><b>{{data}}")
    page = graph_page(x * x, [x], expression="<i>{{graph}}</i>")
    assert "<i>" not in page and "</script><b>" not in page
    assert page.count("<svg") == 2 and "&lt;i&gt;{{graph}}&lt;/i&gt;" in page  # not filled in
    assert page_data(page)["nodes"][0]["name"] == x.label


def test_draw_dot_names_nodes_and_edges_only_when_asked():
    root, _ = lab_expression()
    assert "id=" not in draw_dot(root).source
    named = draw_dot(root, ids="g", grads={root: 1.0}).source
    assert 'id=gn0' in named and 'id=ge0' in named and "1.0000 }" in named


@pytest.mark.slow
def test_template_ships_in_the_wheel(minigrad_wheel):
    with zipfile.ZipFile(minigrad_wheel) as archive:
        shipped = archive.read("minigrad/graph_page.html").decode()
    assert shipped == (REPO / "minigrad" / "graph_page.html").read_text()


# -- the page in headless Chromium ------------------------------------------------------------

STATE = """JSON.stringify({
  counter: document.getElementById("counter").textContent,
  nodes: [...document.querySelectorAll("#graph [data-node]")].map((g) => {
    const texts = g.querySelectorAll("text");
    return [g.id, g.dataset.node, g.dataset.data, g.dataset.grad,
            texts[texts.length - 1].textContent];
  }),
  marked: [...document.querySelectorAll("#code mark")].map((m) => m.textContent),
})"""


def shown(browser):
    """{node id: (name, data-data, data-grad, the grad the record shows)}, and the counter."""
    state = json.loads(browser.evaluate(STATE))
    return state["counter"], {n[0]: tuple(n[1:]) for n in state["nodes"]}, state["marked"]


@pytest.mark.slow
@requires_chromium
def test_browser_at_step_0_shows_no_grad(lab_page):
    path, _, data = lab_page
    with DevTools() as browser:
        browser.open(path, "step=0")
        counter, nodes, marked = shown(browser)
    assert counter == "step 0 of 12 · start"
    assert len(nodes) == len(data["nodes"]) == 7
    assert all(grad == "" and text == "" for _, _, grad, text in nodes.values())
    assert {name: value for name, value, _, _ in nodes.values() if value} == {
        "a": "2.0", "b": "3.0", "c": "4.0"}
    assert marked == []


@pytest.mark.slow
@requires_chromium
def test_browser_at_the_last_step_shows_graph_svgs_grads(lab_page):
    path, _, _ = lab_page
    with DevTools() as browser:
        browser.open(path, "step=12")
        counter, nodes, _ = shown(browser)
    assert counter == "step 12 of 12 · backward"
    grads = {nodes[f"gn{i}"][0]: float(nodes[f"gn{i}"][2]) for i in (0, 1, 3, 6)}
    assert grads == {"a": 4.0, "b": -4.0, "c": -12.0, "*": 1.0}  # gn6: the root, L
    assert nodes["gn0"][3] == "4.0000"  # the record shows it as graph.svg does


@pytest.mark.slow
@requires_chromium
def test_browser_right_arrow_visits_one_step_per_forward_node_and_backward_edge(lab_page):
    path, _, data = lab_page
    with DevTools() as browser:
        browser.open(path, "step=0")
        seen = [shown(browser)]
        while not seen[-1][0].startswith("step 12 "):
            browser.press("ArrowRight")
            seen.append(shown(browser))
            assert len(seen) <= 13, "ArrowRight went past 12 steps"
        browser.press("ArrowRight")  # at the end it stays
        assert shown(browser)[0] == "step 12 of 12 · backward"
        browser.press("ArrowLeft")
        assert shown(browser)[0] == "step 11 of 12 · backward"
        assert shown(browser)[2] == ["v1 * g3"]  # a's second term, marked in graph.py
        browser.evaluate(  # a link to a step, followed on the same page
            "new Promise((done) => { addEventListener('hashchange', () => setTimeout(done),"
            " {once: true}); location.hash = '#step=5'; })")
        assert shown(browser)[0] == "step 5 of 12 · backward"
        assert browser.evaluate("location.hash") == "#step=5"
        errors, requests = browser.errors, set(browser.requests)
    counters = [counter for counter, _, _ in seen]
    assert counters == [f"step {k} of 12 · {data['steps'][k]['phase']}" for k in range(13)]
    for k in range(1, 13):  # each step shows exactly what Python wrote for it, and no more
        before, after = seen[k - 1][1], seen[k][1]
        changed = {node for node in after if after[node][1:3] != before[node][1:3]}
        wrote = {f"gn{i}" for i, *_ in data["steps"][k]["set"]}
        assert changed == wrote, k
    assert errors == []
    assert requests == {path.resolve().as_uri()}


@pytest.mark.slow
@requires_chromium
def test_browser_page_logs_no_error_and_requests_nothing_but_itself(lab_page):
    path, _, _ = lab_page
    with DevTools() as browser:
        browser.open(path)
        for key in ("End", "Home", "ArrowRight", "ArrowLeft"):
            browser.press(key)
        for button in ("last", "first", "next", "prev"):
            browser.evaluate(f"document.getElementById('{button}').click()")
        walks = browser.evaluate("document.getElementById('order-example').innerText")
        example = browser.evaluate(
            "[...document.querySelectorAll('#order-example [data-node]')]"
            ".map((g) => g.dataset.node + '=' + g.dataset.grad).join(' ')")
        errors, requests = browser.errors, browser.requests
    assert errors == []
    assert set(requests) == {path.resolve().as_uri()}
    assert "dL/dd = 4, dL/da = 8" in walks and "dL/dd = 4, dL/da = 2" in walks
    assert example == "a=8.0 d=4.0 e=1.0 L=1.0"


@pytest.mark.slow
@requires_chromium
def test_browser_harness_sees_requests_and_errors(tmp_path):
    """The control: a page that loads from the network and logs errors is caught."""
    (tmp_path / "other.js").write_text("1;\n")
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><img src="https://cdn.example.com/x.png">'
                    '<script src="other.js"></script><script>console.error("boom");'
                    'fetch("http://127.0.0.1:8/y").catch(() => {}); missing();</script>')
    with DevTools() as browser:
        browser.open(page)
        browser.evaluate("new Promise((done) => setTimeout(done, 200))")
        errors, requests = browser.errors, set(browser.requests)
    assert {"https://cdn.example.com/x.png", (tmp_path / "other.js").as_uri(),
            "http://127.0.0.1:8/y"} <= requests
    assert "boom" in errors and any("missing is not defined" in e for e in errors)


@pytest.mark.slow
@requires_chromium
@pytest.mark.parametrize("text", ["x", "2**x - 3*x/y", "x*x*x"])
def test_browser_steps_through_any_expression_without_error(text, tmp_path):
    root, leaves = build_expression(text, {"x": 0.5, "y": 1.5})
    path = tmp_path / "graph.html"
    path.write_text(graph_page(root, list(leaves.values()), text), encoding="utf-8")
    last = len(page_data(path.read_text())["steps"]) - 1
    root.backward()
    with DevTools() as browser:
        browser.open(path)
        for _ in range(last):
            browser.press("ArrowRight")
        counter, nodes, _ = shown(browser)
        errors, requests = browser.errors, set(browser.requests)
    assert counter.startswith(f"step {last} of {last} · ")
    assert [float(nodes[f"gn{i}"][2]) for i in range(len(nodes))] == [
        node.grad for node in trace(root)[0]]
    assert errors == [] and requests == {path.resolve().as_uri()}
