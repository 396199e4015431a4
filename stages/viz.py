"""Stage viz: draw the computation graph of params.yaml's `viz.expression`, with its gradients.

    python -m stages.viz --lab experiments/07-visualize-graph/viz.py \
        --graph experiments/07-visualize-graph/graph.svg \
        --page experiments/07-visualize-graph/graph.html \
        --manifest experiments/07-visualize-graph/manifest.json \
        --report experiments/07-visualize-graph/README.md \
        --code experiments/07-visualize-graph/graph.py

Builds the expression at `viz.values` (stages.expression), runs backward(), and writes the
graph as SVG (the lab's viz.py draws it, Graphviz's `dot` lays it out), the same pass as
Python (minigrad.compile), a page that steps through both, a README and the run manifest.
"""

import os
import time
from pathlib import Path

import minigrad
from minigrad import get_logger
from minigrad.drawing import trace
from stages.expression import evaluate
from stages.files import write_text
from stages.lab import load_lab
from stages.manifest import build_manifest, write_manifest
from stages.params import load_params
from stages.render import dot_version, render_page, render_svg
from stages.stage import parse_args, run_stage

log = get_logger("viz")

CODE = """\
# The forward and backward pass of {expression} at {at}, as Python: one line per
# node, each commented with its op, written by minigrad.compile (stages/viz.py).
# Backward runs from the result down; a variable used twice gets its gradient as
# the sum of two terms, one per path: the chain rule, written out.

"""

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

{paths}[`{code}`]({code}) is the same computation written out as Python by
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

NOT_REUSED = """\
No variable is used twice here; one that is has an outgoing edge per use, and its
gradient is the sum over those paths.

"""

COUNTS = {1: "one", 2: "two", 3: "three"}


def times(n):
    return {1: "once", 2: "twice"}.get(n, f"{COUNTS.get(n, n)} times")


def signed(x):  # -2.0 -> "(-2.0000)", so a product of two numbers reads unambiguously
    return f"({x:.4f})" if x < 0 else f"{x:.4f}"


def describe(experiment, root, leaves, expression, values, links):
    """The experiment's README; `links` maps graph, code and page to paths beside it."""
    names = {leaf: name for name, leaf in leaves.items()}
    uses = {name: [] for name in leaves}  # (result, local derivative) per outgoing edge
    for node in trace(root)[0]:
        for child, local in zip(node.inputs, node.local_grads):
            if child in names:
                uses[names[child]].append((node, local))
    rows = "\n".join(f"| `{name}` | {leaf.data:.4f} | {leaf.grad:.4f} | {times(len(uses[name]))}"
                     " |" for name, leaf in leaves.items())
    paths = ""
    for name, edges in uses.items():
        if len(edges) > 1:
            terms = " + ".join(f"{signed(local)} × {signed(node.grad)} (through `{node.op}`)"
                               for node, local in edges)
            paths += PATHS.format(name=name, edges=COUNTS.get(len(edges), len(edges)),
                                  times=times(len(edges)), terms=terms, grad=leaves[name].grad)
    return README.format(
        experiment=experiment, expression=expression, result=root.data, rows=rows,
        values=", ".join(f"`{name}` = {value}" for name, value in values.items()),
        paths=paths or NOT_REUSED, **links)


def main(argv=None):
    args = parse_args(
        __doc__, argv, lab="the lab's viz.py, whose draw() draws",
        graph="the picture to write (SVG)", page="the step-through page to write (HTML)",
        manifest="the run manifest to write (JSON)", report="the experiment's README to write",
        code="the forward and backward pass (Python)")
    started = time.perf_counter()

    config = load_params(sections=("viz",))["viz"]  # the expression is checked there
    expression, values = config["expression"], config["values"]
    root, leaves = evaluate(expression, values)
    unused = [name for name in values if name not in leaves]
    if unused:
        log.warning(f"viz.values not used by the expression: {', '.join(unused)}")

    version = dot_version()
    render_svg(load_lab(args.lab).draw(root), args.graph)
    render_page(root, list(leaves.values()), expression, args.page)
    at = ", ".join(f"{name}={value}" for name, value in values.items())
    source = minigrad.compile(lambda: root, list(leaves.values())).source
    write_text(args.code, CODE.format(expression=expression, at=at) + source)
    name = Path(args.manifest).parent.name
    report_dir = os.path.dirname(os.path.abspath(args.report))
    links = {key: os.path.relpath(getattr(args, key), report_dir)
             for key in ("graph", "code", "page")}
    write_text(args.report, describe(name, root, leaves, expression, values, links))

    grads = {name: leaf.grad for name, leaf in leaves.items()}
    write_manifest(args.manifest, build_manifest(
        name, None, {"expression": expression, "values": values}, [args.lab, "params.yaml"],
        [args.graph, args.page, args.code, args.report], {"output": root.data, "grads": grads},
        time.perf_counter() - started, tools={"graphviz-dot": version}))
    shown = ", ".join(f"d/d{name} = {grad:g}" for name, grad in grads.items())
    log.info(f"graph drawn: {expression} = {root.data:g} at these values; {shown}")


if __name__ == "__main__":
    run_stage(main, "viz")
