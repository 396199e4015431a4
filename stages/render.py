"""The graph as files: an SVG of a graphviz.Digraph (the lab's viz.draw) and minigrad's
step-through page (graph.html), both laid out by Graphviz's `dot`."""

import re
import shutil
import subprocess

from minigrad.drawing import graph_page
from stages.errors import MissingToolError
from stages.files import write_text

__all__ = ["render_svg", "render_page", "dot_version", "MISSING_DOT"]

MISSING_DOT = (
    "Graphviz's `dot` program is not installed: install it with `apt-get install graphviz`"
    " (Debian/Ubuntu), `brew install graphviz` (macOS) or `conda install -c conda-forge"
    " graphviz`, then run `dvc repro` again"
)


def _with_dot(make):
    """make(), which runs `dot`; a MissingToolError when `dot` is not installed."""
    if shutil.which("dot") is None:
        raise MissingToolError(MISSING_DOT)
    import graphviz

    try:
        return make()
    except graphviz.ExecutableNotFound:
        raise MissingToolError(MISSING_DOT) from None


def render_svg(dot, path):
    """Write the graphviz.Digraph `dot` to `path` as SVG, atomically."""
    write_text(path, _with_dot(lambda: dot.pipe(format="svg", encoding="utf-8")))


def render_page(root, leaves, expression, path):
    """Write graph.html, minigrad's step-through page of the graph under `root`, atomically."""
    write_text(path, _with_dot(lambda: graph_page(root, leaves, expression)))


def dot_version():
    """The version of Graphviz's `dot`, e.g. "2.43.0", parsed from `dot -V` (on stderr)."""
    try:
        result = subprocess.run(["dot", "-V"], capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        raise MissingToolError(MISSING_DOT) from None
    banner = (result.stderr or result.stdout).strip()
    found = re.search(r"version\s+(\d+(?:\.\d+)+)", banner)
    return found.group(1) if found else (banner.splitlines() or [None])[0]
