"""The graph as files: an SVG of a graphviz.Digraph (the lab's viz.draw) and minigrad's
step-through page (graph.html), both laid out by Graphviz's `dot`."""

import re
import shutil
import subprocess

from stages.errors import MissingToolError
from stages.files import write_text

__all__ = ["render_svg", "render_page", "dot_version", "MISSING_DOT"]

MISSING_DOT = (
    "Graphviz's `dot` program is not installed: install it with `apt-get install graphviz`"
    " (Debian/Ubuntu), `brew install graphviz` (macOS) or `conda install -c conda-forge"
    " graphviz`, then run `dvc repro` again"
)


def render_svg(dot, path):
    """Render the graphviz.Digraph `dot` and write it to `path` as SVG, atomically.

    Raises MissingToolError if Graphviz's `dot` program is not installed.
    """
    if shutil.which("dot") is None:
        raise MissingToolError(MISSING_DOT)
    import graphviz

    try:
        svg = dot.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise MissingToolError(MISSING_DOT) from None
    write_text(path, svg)


def render_page(root, leaves, expression, path):
    """Write graph.html, minigrad's step-through page of the graph under `root` (drawn by
    `dot` too), atomically. Raises MissingToolError if `dot` is not installed."""
    if shutil.which("dot") is None:
        raise MissingToolError(MISSING_DOT)
    import graphviz

    from minigrad.drawing import graph_page

    try:
        page = graph_page(root, leaves, expression)
    except graphviz.ExecutableNotFound:
        raise MissingToolError(MISSING_DOT) from None
    write_text(path, page)


def dot_version():
    """The version of Graphviz's `dot`, e.g. "2.43.0", parsed from `dot -V` (on stderr)."""
    try:
        result = subprocess.run(
            ["dot", "-V"], capture_output=True, text=True, check=False, timeout=30
        )
    except FileNotFoundError:
        raise MissingToolError(MISSING_DOT) from None
    banner = (result.stderr or result.stdout).strip()
    found = re.search(r"version\s+(\d+(?:\.\d+)+)", banner)
    return found.group(1) if found else (banner.splitlines() or [None])[0]
