"""Screenshot graph_page's page at one backward step, in headless Chromium.

    python -m scripts.screenshot_graph_page experiments/07-visualize-graph/graph-step.png

Writes the page of params.yaml's `viz.expression` at `viz.values` (minigrad.drawing's
graph_page, the one the viz stage writes as graph.html) to a temporary file, opens it in
headless Chromium with networking off at `#step=K` and saves what the window shows as a PNG.
K is, by default, the step at which the first leaf (`a` for the lab's expression) gets its
second gradient term, the one that reads `4 = 10 + (-6)`; --step picks another.
"""

import argparse
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from minigrad.drawing import graph_page
from stages.expression import build_expression
from stages.params import load_params

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# headless, no network of its own, and every request to the network refused
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--force-device-scale-factor=1", "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=3000",
]


def second_term_step(page):
    """The step at which the first node drawn (a leaf: `a`) gets its second term, if any."""
    steps = json.loads(re.search(r'id="page-data">(.*?)</script>', page, re.S).group(1))["steps"]
    into_first = [k for k, step in enumerate(steps) if step.get("target") == 0]
    return into_first[1] if len(into_first) > 1 else len(steps) - 1


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=f"python -m {__spec__.name}", description=__doc__.splitlines()[0])
    parser.add_argument("png", help="where to write the screenshot")
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--step", type=int, help="the step to show (default: see above)")
    parser.add_argument("--size", default="1400,850", help="the window, as width,height")
    args = parser.parse_args(argv)
    browser = next(filter(None, map(shutil.which, BROWSERS)), None)
    if browser is None:
        parser.error("no Chromium found: apt-get install chromium")
    viz = load_params(args.params)["viz"]
    root, leaves = build_expression(viz["expression"], viz["values"])
    page = graph_page(root, list(leaves.values()), viz["expression"])
    step = second_term_step(page) if args.step is None else args.step
    png = Path(args.png).resolve()
    with tempfile.TemporaryDirectory(prefix="graph-page-") as folder:
        html = Path(folder, "graph.html")
        html.write_text(page, encoding="utf-8")
        subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={folder}/profile", f"--window-size={args.size}",
             f"--screenshot={png}", f"{html.as_uri()}#step={step}"],
            check=True, capture_output=True, timeout=120,
        )
    print(f"wrote {png} (step {step})")


if __name__ == "__main__":
    main()
