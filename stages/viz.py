"""Stage viz: draw the computation graph of params.yaml's `viz.expression`, with its gradients.

    python -m stages.viz --lab experiments/07-visualize-graph/viz.py \
        --graph experiments/07-visualize-graph/graph.svg \
        --page experiments/07-visualize-graph/graph.html \
        --manifest experiments/07-visualize-graph/manifest.json \
        --report experiments/07-visualize-graph/README.md \
        --code experiments/07-visualize-graph/graph.py

Builds the expression at `viz.values` (stages.expression), runs backward(), and writes the
graph as SVG (drawn by the lab's viz.py, rendered by Graphviz's `dot`: stages.render), the same
forward and backward pass as Python (written by minigrad.compile, one line per node), a page
that steps through both (minigrad.drawing.graph_page), a README that explains them, and the
run manifest.
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

COUNTS = {1: "one", 2: "two", 3: "three"}


def generated_code(root, leaves, expression, values):
    """The forward and backward pass of the expression, as minigrad.compile writes it."""
    source = minigrad.compile(lambda: root, list(leaves.values())).source
    at = ", ".join(f"{name}={value}" for name, value in values.items())
    return (
        f"# The forward and backward pass of {expression} at {at}, as Python: one line per\n"
        "# node, each commented with its op, written by minigrad.compile (stages/viz.py).\n"
        "# Backward runs from the result down; a variable used twice gets its gradient as\n"
        "# the sum of two terms, one per path: the chain rule, written out.\n\n" + source
    )


def describe(name, root, leaves, expression, values,
                                               graph_link, code_link, page_link):
    """The experiment's README: what was computed, the gradients, how to read the picture."""
    nodes, _ = trace(root)
    # uses[name]: (result, local derivative) for each outgoing edge of the leaf
    uses = {name: [] for name in leaves}
    names = {leaf: name for name, leaf in leaves.items()}
    for node in nodes:
        for child, local in zip(node.inputs, node.local_grads):
            if child in names:
                uses[names[child]].append((node, local))
    lines = [
        f"# {name}",
        "",
        "The computation graph of one expression, drawn with each node's value and gradient.",
        "It is drawn by the lab's [`viz.py`](viz.py) (`python viz.py` draws the lab's own",
        "expression), run on params.yaml's `viz.expression` by the pipeline's `viz` stage",
        "(`stages/viz.py`). Change `viz.expression` or `viz.values` and run `dvc repro` to redraw it.",
        "",
        f"- expression: `{expression}`",
        f"- values: {', '.join(f'`{name}` = {value}' for name, value in values.items())}",
        f"- result: {root.data:.4f}",
        "",
        "| variable | value | gradient d(result)/d(variable) | used |",
        "|---|---|---|---|",
    ]
    for name, leaf in leaves.items():
        times = _times(len(uses[name]))
        lines.append(f"| `{name}` | {leaf.data:.4f} | {leaf.grad:.4f} | {times} |")
    lines += [
        "",
        "## How to read the picture",
        "",
        "Each box is one value, read as `{ name or op | data | grad }`: a variable or number",
        "shows its name, a computed value the operation that made it (`*`, `+`, `neg`, `**2`,",
        "`exp`, ...); then its value, then the derivative of the result with respect to it.",
        "Arrows run from the inputs of an operation to its result, left to right; the box at",
        "the right end is the result, whose gradient is 1.",
        "",
    ]
    reused = [name for name in leaves if len(uses[name]) > 1]
    for name in reused:
        n = len(uses[name])
        paths = " + ".join(
            f"{_signed(local)} × {_signed(node.grad)} (through `{node.op}`)"
            for node, local in uses[name]
        )
        lines += [
            f"`{name}` has {COUNTS.get(n, n)} outgoing edges because it is used"
            f" {_times(n)}, and its gradient is the sum over those paths,",
            "each the local derivative times the gradient of the node it feeds (the chain rule):",
            f"{paths} = {leaves[name].grad:.4f}.",
            "",
        ]
    if not reused:
        lines += [
            "No variable is used twice here; one that is has an outgoing edge per use, and its",
            "gradient is the sum over those paths.",
            "",
        ]
    lines += [
        f"[`{code_link}`]({code_link}) is the same computation written out as Python by",
        "`minigrad.compile`: one line per node, forward, then backward from the result down,",
        "each commented with its op. A variable's gradient is one line that adds a term per",
        "outgoing edge.",
        "",
        f"![graph]({graph_link})",
        "",
        f"[`{page_link}`]({page_link}) steps through the same graph in a browser: first the",
        "forward pass, a node's value at a time, then backward, one edge at a time in the order",
        "`backward()` visits them, each showing its term (local derivative × upstream gradient)",
        "and the line of graph.py that adds it. It works offline; `#step=k` opens step k.",
        "",
    ]
    return "\n".join(lines)


def _times(n):
    return {1: "once", 2: "twice"}.get(n, f"{COUNTS.get(n, n)} times")


def _signed(x):
    """-2.0 -> "(-2.0000)", so a product of two numbers reads unambiguously."""
    return f"({x:.4f})" if x < 0 else f"{x:.4f}"


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
    name = Path(args.manifest).parent.name
    report_dir = os.path.dirname(os.path.abspath(args.report))
    graph_link = os.path.relpath(args.graph, report_dir)
    code_link = os.path.relpath(args.code, report_dir)
    page_link = os.path.relpath(args.page, report_dir)
    write_text(args.code, generated_code(root, leaves, expression, values))
    write_text(args.report, describe(name, root, leaves, expression, values,
                                               graph_link, code_link, page_link))

    grads = {name: leaf.grad for name, leaf in leaves.items()}
    manifest = build_manifest(
        name=name,
        seed=None,
        config={"expression": expression, "values": values},
        inputs=[args.lab, "params.yaml"],
        outputs=[args.graph, args.page, args.code, args.report],
        metrics={"output": root.data, "grads": grads},
        duration_s=time.perf_counter() - started,
        tools={"graphviz-dot": version},
    )
    write_manifest(args.manifest, manifest)
    shown = ", ".join(f"d/d{name} = {grad:g}" for name, grad in grads.items())
    log.info(f"graph drawn: {expression} = {root.data:g} at these values; {shown}")


if __name__ == "__main__":
    run_stage(main, "viz")
