"""Pages that `dvc plots show` / `dvc plots diff` write, made the way `make setup` sets them up.

The template that DVC's plots.html_template names is generated, and the setting written to
.dvc/config.local, by `make setup`; neither is committed, so a copy of the project lacks both,
as a fresh clone does before `make setup`. `install_template` sets a copy up the same way,
with a template generated once per test session by scripts/make_plots_template.py.
"""

import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from conftest import REPO, run

__all__ = ["DVC_COLOURS", "TEMPLATE", "install_template", "external_references", "drawn_charts"]

# The colour DVC's plot templates give each revision, in order (dvc_render's "color" range).
DVC_COLOURS = [(0x94, 0x5D, 0xD6), (0x13, 0xAD, 0xC7), (0xF4, 0x68, 0x37), (0x48, 0xBB, 0x78)]
TEMPLATE = ".dvc/plots_template.html"
_generated = {}


def install_template(tmp_path_factory, repo):
    """Set `repo` up as `make setup` does: the offline template, and DVC's local setting
    that points at it. Returns the template's path."""
    if "path" not in _generated:
        path = tmp_path_factory.mktemp("plots_template") / "plots_template.html"
        run([sys.executable, "-m", "scripts.make_plots_template", str(path)], REPO)
        _generated["path"] = path
    installed = shutil.copyfile(_generated["path"], repo / TEMPLATE)
    run(["dvc", "config", "--local", "plots.html_template", Path(TEMPLATE).name], repo)
    return installed


class _References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found += [(tag, value) for name, value in attrs if name in ("src", "href")]


def external_references(html):
    """(tag, url) of each src/href in the page that is not a file here or inline data.

    Script bodies are not markup, so URLs inside the inlined JavaScript do not count.
    """
    parser = _References()
    parser.feed(html)
    return [(tag, url) for tag, url in parser.found
            if urlsplit(url).scheme not in ("", "file", "data") or url.startswith("//")]


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class _Charts(HTMLParser):
    """Collects, per vega-embed div, what Vega drew in it (it draws SVG, with ARIA labels)."""

    def __init__(self):
        super().__init__()
        self.charts = {}
        self.open = []  # the tags open at this point
        self.chart = None  # (id, depth) of the vega-embed div we are in

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and "vega-embed" in (attrs.get("class") or "").split():
            self.chart = (attrs.get("id"), len(self.open))
            self.charts[self.chart[0]] = {"svg": False, "labels": [], "lines": []}
        elif self.chart:
            drawn = self.charts[self.chart[0]]
            if tag == "svg" and "marks" in (attrs.get("class") or "").split():
                drawn["svg"] = True
            if attrs.get("aria-label"):
                drawn["labels"].append(attrs["aria-label"])
            if tag == "path" and attrs.get("aria-roledescription") == "line mark":
                points = len(re.findall(r"[ML]", attrs.get("d") or ""))
                drawn["lines"].append((attrs.get("aria-label"), attrs.get("stroke"), points))
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open.pop() != tag:
                pass
        if self.chart and len(self.open) <= self.chart[1]:
            self.chart = None


def mark_fields(label):
    """{field: value} of a Vega mark's ARIA label, "rev: exp-1; filename: metrics/loss.csv"."""
    return dict(part.split(": ", 1) for part in label.split("; "))


def drawn_charts(dom):
    """{div id: {"svg", "labels", "lines"}} for each Vega chart of a page as Chromium drew it.

    "svg" says Vega drew the chart, "labels" are the ARIA labels of its marks, axes and
    legends, and "lines" the (label, stroke colour, number of points) of each line it drew.
    """
    parser = _Charts()
    parser.feed(dom)
    return parser.charts
