"""The generated source and graph_page's steps, pinned by sha256: a change to the code
generator that is not meant to change what it writes must leave these digests as they are.

Computed on the generator before it moved into minigrad/compiler/ (issue 24)."""

import hashlib
import json
import random
import re

import pytest

import minigrad
from minigrad import MLP, Value
from minigrad.drawing import graph_page
from stages.expression import build_expression
from test_compile import every_op_graph

SOURCES = {  # case: (lines, sha256 of step.source)
    "diamond": (34, "63634a66d87dd2eda9d15c6229804b8393e472b934eb710516a0b686be34a53e"),
    "every op": (67, "c23c06d5d77c5524df6a83c6d49cdf46e5a4618a0c82c0420f1ba6834bfc5b5c"),
    "the lab": (346, "d0ba3c72a16632a5cbb29d4e4590e877c585cc9e9fa817e5c2ae290ed6a47c0c"),
    "MLP(16, [64, 64, 16])": (
        61, "5cd4a2af72417a4773ec086b507e3849a014a4547338b3235e831fc3479a0eec"),
}
PAGES = {  # expression at x = 0.7, y = 1.3: sha256 of the page's JSON (its steps and code)
    "x*x*x": "e128a3279d1fc5db0667ada2072eec9454963ca2220825bb4e257e9896cf9d62",
    "x": "7780339f91e4de1f1d6fbf9df03185595edc2d7fd6a91f92d07b37d840836cbc",
    "-x": "f4efd8f1a24dce5b8e7b3fb81cf61004301bc8d4ccf06154aec54eb797bc0ac0",
    "tanh(x)*exp(x) + x**2": "c37891e2a4f1086e7d4e9f046d98ee8d9f4c1d68e83f02a67c7ef68f7ebb6219",
    "2**x - 3*x/y": "fb65471f948b38d1aea0f97f6222d287628d9abe040bb864fe5928b182ac5464",
    "x**-1": "6ed8e815c1d51089f9e4b8e25211ea40997f4c5e598228e52e4e02e2847d9240",
    "log(x*y) + relu(x - y) + sigmoid(-x)":
        "a477ec8ecad50a1528c2b4f0d46a07026a136edb15c6e60235b9b84567b52458",
    "(x*y)*(x*y)": "afce879fe82e8028535377fb6e50ab7ab1640bb61e63ec617b847c1ba93db3dd",
    "exp(tanh(x) / (1 + y**2))": "852e1916e124d78064bc8eabf99b3df63952f99e34c1eefac4fac45a344902bd",
    "(x*x)*x + (-x) + (tanh(x) - x)*x":
        "be99303041eca5d5aab071a7de612ad00edaabc12b1587abab2c36a5f07e910e",
}
GRAPH_HTML = "b5ec85eec74f6514bd8dce6643e33d56d6037b62d1c65288bc21d61a2a5f9259"  # the viz stage's


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def mlp_step(n_in, sizes):
    """The lab's loss (n_in one-hot samples, squared error to 2x - 1) after random.seed(42)."""
    random.seed(42)
    model = MLP(n_in, sizes)
    xs = [[1.0 if i == j else 0.0 for j in range(n_in)] for i in range(n_in)]
    targets = [2.0 * v - 1.0 for x in xs for v in x]
    return (lambda: Value.squared_error([o for x in xs for o in model(x)], targets),
            model.parameters(), 0.05)


def diamond():
    a, b, c = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c")
    loss = (a * b + c) * (a - c)
    return lambda: loss, [a, b, c], None


def every_op():
    total, params = every_op_graph()
    return lambda: total, params, None


CASES = {"diamond": diamond, "every op": every_op, "the lab": lambda: mlp_step(5, [4, 5]),
         "MLP(16, [64, 64, 16])": lambda: mlp_step(16, [64, 64, 16])}


@pytest.mark.parametrize("case", list(SOURCES))
def test_the_generated_source_is_byte_identical(case):
    loss_fn, params, lr = CASES[case]()
    source = minigrad.compile(loss_fn, params, lr=lr).source
    assert (len(source.splitlines()), sha256(source)) == SOURCES[case]


@pytest.mark.parametrize("text", list(PAGES))
def test_graph_pages_steps_are_byte_identical(text):
    root, leaves = build_expression(text, {"x": 0.7, "y": 1.3})
    page = graph_page(root, list(leaves.values()), text)
    data = re.search(r'id="page-data">(.*?)</script>', page, re.S).group(1)
    assert json.loads(data)["code"] and sha256(data) == PAGES[text]


def test_the_labs_graph_page_is_the_viz_stages_graph_html_byte_for_byte():
    root, leaves = build_expression("(a*b + c)*(a - c)", {"a": 2, "b": 3, "c": 4})
    assert sha256(graph_page(root, list(leaves.values()), "(a*b + c)*(a - c)")) == GRAPH_HTML
