"""Stage viz: the computation graph of params.yaml's `viz.expression` at `viz.values`, with
its gradients: as SVG (the lab's viz.py draws it, Graphviz's `dot` lays it out), as Python
(minigrad.compile), as a page that steps through both, a README and the run manifest; and
the lab check of the learner's drawing against the graph (labcheck.graph), as
graph_check.json."""

import os
import re
import shutil
import subprocess
import time

import minigrad
from labcheck import learner_call, load
from labcheck.graph import DotMissing, check_drawing
from minigrad import get_logger
from minigrad.drawing import graph_page, trace
from stages.common import (GRAPH_CHECK, GRAPH_HTML, GRAPH_PY, GRAPH_SVG, LAB_VIZ, PARAMS,
                           VIZ_DIR, VIZ_MANIFEST, VIZ_REPORT, StageError, build_manifest,
                           run_stage, write_json, write_text)
from stages.expression import evaluate
from stages.params import load_params

log = get_logger("viz")

MISSING_DOT = (
    "Graphviz's `dot` program is not installed: install it with `apt-get install graphviz`"
    " (Debian/Ubuntu), `brew install graphviz` (macOS) or `conda install -c conda-forge"
    " graphviz`, then run `dvc repro` again"
)

README = """\
# {experiment}

The computation graph of one expression, drawn with each node's value and gradient.
It is drawn by the lab's [`viz.py`](viz.py) (`python viz.py` draws the lab's own
expression), run on params.yaml's `viz.expression` by the pipeline's `viz` stage
(`stages/viz.py`). Change `viz.expression` or `viz.values` and run `dvc repro` to redraw it.

- expression: `{expression}`
- values: {values}
- result: {result:.4f}

| variable | value | gradient d(result)/d(variable) | used |
|---|---|---|---|
{rows}

## How to read the picture

Each box is one value, read as `{{ name or op | data | grad }}`: a variable or number
shows its name, a computed value the operation that made it (`*`, `+`, `neg`, `**2`,
`exp`, ...); then its value, then the derivative of the result with respect to it.
Arrows run from the inputs of an operation to its result, left to right; the box at
the right end is the result, whose gradient is 1.

{paths}{checked}[`{code}`]({code}) is the same computation written out as Python by
`minigrad.compile`: one line per node, forward, then backward from the result down,
each commented with its op. A variable's gradient is one line that adds a term per
outgoing edge.

![graph]({graph})

[`{page}`]({page}) steps through the same graph in a browser: first the
forward pass, a node's value at a time, then backward, one edge at a time in the order
`backward()` visits them, each showing its term (local derivative × upstream gradient)
and the line of graph.py that adds it. It works offline; `#step=k` opens step k.
"""

PATHS = """\
`{name}` has {edges} outgoing edges because it is used {times}, and its gradient is the sum \
over those paths,
each the local derivative times the gradient of the node it feeds (the chain rule):
{terms} = {grad:.4f}.

"""

# a variable whose edges in the learner's drawing are not one per use, as the graph has
DRAWN_OTHERWISE = """\
`{name}` is used {times}, so the graph has {uses} from it, but the drawing {drawn}
(the lab check says why, in [`{check}`]({check})).{sum}

"""

SUM = """ Its gradient is the sum over
its paths, each the local derivative times the gradient of the node it feeds: {terms} = \
{grad:.4f}."""

NOT_REUSED = """\
No variable is used twice here; one that is has an outgoing edge per use, and its
gradient is the sum over those paths.

"""

FINDINGS = """\
The lab check found {count} in this drawing against the graph the engine
computed, listed in [`{check}`]({check}); the picture may not read as described above.

"""

COUNTS = {1: "one", 2: "two", 3: "three"}


def times(n):
    return {1: "once", 2: "twice"}.get(n, f"{COUNTS.get(n, n)} times")


def signed(x):  # -2.0 -> "(-2.0000)", so a product of two numbers reads unambiguously
    return f"({x:.4f})" if x < 0 else f"{x:.4f}"


def edges_phrase(n):
    return {0: "no outgoing edge", 1: "one outgoing edge"}.get(
        n, f"{COUNTS.get(n, n)} outgoing edges")


def describe(experiment, root, leaves, expression, values, links, drawing):
    """The experiment's README; `links` maps graph, code, page and check to paths beside it;
    `drawing` is what the learner's drawing holds (labcheck.graph's summary and findings),
    so that the README tells of the picture it shows, not of the graph the engine made."""
    names = {leaf: name for name, leaf in leaves.items()}
    uses = {name: [] for name in leaves}  # (result, local derivative) per use
    for node in trace(root)[0]:
        for child, local in zip(node.inputs, node.local_grads):
            if child in names:
                uses[names[child]].append((node, local))
    rows = "\n".join(f"| `{name}` | {leaf.data:.4f} | {leaf.grad:.4f} | {times(len(uses[name]))}"
                     " |" for name, leaf in leaves.items())
    drawn = {leaf["leaf"]: leaf for leaf in drawing["summary"].get("leaves", [])}
    paths = ""
    for name, edges in uses.items():
        terms = " + ".join(f"{signed(local)} × {signed(node.grad)} (through `{node.op}`)"
                           for node, local in edges)
        leaf = drawn.get(name, {"node": None})
        if leaf["node"] is not None and leaf["outgoing_edges"] == len(edges):
            if len(edges) > 1:  # the drawing shows each use as the graph has it
                paths += PATHS.format(name=name, edges=COUNTS.get(len(edges), len(edges)),
                                      times=times(len(edges)), terms=terms,
                                      grad=leaves[name].grad)
            continue
        if leaf["node"] is None:
            shows = "has no node for it"
        else:
            heads = ", ".join(f"`{head}`" for head in leaf["to"])
            shows = f"gives it {edges_phrase(leaf['outgoing_edges'])}" + (
                f" (to {heads})" if heads else "")
        paths += DRAWN_OTHERWISE.format(
            name=name, times=times(len(edges)), check=links["check"], drawn=shows,
            uses=edges_phrase(len(edges)).replace("outgoing ", ""),
            sum=SUM.format(terms=terms, grad=leaves[name].grad) if len(edges) > 1 else "")
    if not any(len(edges) > 1 for edges in uses.values()):
        paths = NOT_REUSED + paths
    found = len(drawing["findings"])
    checked = FINDINGS.format(count="one difference" if found == 1 else f"{found} differences",
                              check=links["check"]) if found else ""
    return README.format(
        experiment=experiment, expression=expression, result=root.data, rows=rows,
        values=", ".join(f"`{name}` = {value}" for name, value in values.items()),
        paths=paths, checked=checked, **links)


def dot_version():
    """The version of Graphviz's `dot`, e.g. "2.43.0", from `dot -V`; a StageError without it."""
    if shutil.which("dot") is None:
        raise StageError(MISSING_DOT)
    banner = subprocess.run(["dot", "-V"], capture_output=True, text=True, timeout=30).stderr
    found = re.search(r"version\s+(\d+(?:\.\d+)+)", banner)
    return found.group(1) if found else (banner.strip().splitlines() or [None])[0]


def check(graph, root):
    """The lab check of the learner's drawing, each finding logged: {findings, summary}."""
    source = getattr(graph, "source", None)
    if not isinstance(source, str):
        raise StageError(f"{LAB_VIZ}, Block E: draw(root) returned {type(graph).__name__}, "
                         "not a graphviz Digraph: build one with graphviz.Digraph and return it")
    try:
        result = check_drawing(source, root, LAB_VIZ)
    except DotMissing:
        raise StageError(MISSING_DOT) from None
    if not result.summary["read"]:  # dot could not lay it out, so there is no graph.svg either
        raise StageError(f"lab check: {result.findings[0]}")
    for finding in result.findings:
        log.error(f"lab check: {finding}")
    return {"findings": result.findings, "summary": result.summary}


def main():
    started = time.perf_counter()
    # configuration
    viz = load_params()["viz"]
    expression, values = viz["expression"], viz["values"]
    # inputs
    lab = load(viz_path=LAB_VIZ)
    version = dot_version()

    # the work
    root, leaves = evaluate(expression, values)
    unused = [name for name in values if name not in leaves]
    if unused:
        log.warning(f"viz.values not used by the expression: {', '.join(unused)}")
    graph = learner_call(lab, "drawing the graph, draw(root) (Block E)", lab.viz.draw, root)
    drawing = check(graph, root)
    svg = graph.pipe(format="svg", encoding="utf-8")
    page = graph_page(root, list(leaves.values()), expression)
    source = minigrad.compile(lambda: root, list(leaves.values())).source
    links = {key: os.path.relpath(path, VIZ_DIR)
             for key, path in (("graph", GRAPH_SVG), ("code", GRAPH_PY), ("page", GRAPH_HTML),
                               ("check", GRAPH_CHECK))}
    readme = describe(VIZ_DIR.split("/")[-1], root, leaves, expression, values, links, drawing)

    # outputs
    for path, text in ((GRAPH_SVG, svg), (GRAPH_HTML, page), (GRAPH_PY, source),
                       (VIZ_REPORT, readme)):
        write_text(path, text)
    write_json(GRAPH_CHECK, drawing)
    grads = {name: leaf.grad for name, leaf in leaves.items()}
    write_json(VIZ_MANIFEST, build_manifest(
        VIZ_DIR.split("/")[-1], None, {"expression": expression, "values": values},
        [LAB_VIZ, PARAMS], [GRAPH_SVG, GRAPH_HTML, GRAPH_PY, VIZ_REPORT, GRAPH_CHECK],
        {"output": root.data, "grads": grads}, time.perf_counter() - started,
        tools={"graphviz-dot": version}))
    shown = ", ".join(f"d/d{name} = {grad:g}" for name, grad in grads.items())
    log.info(f"graph drawn: {expression} = {root.data:g} at these values; {shown}")


if __name__ == "__main__":
    run_stage(main, "viz")
