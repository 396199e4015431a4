"""Plots that render with no network: DVC's plots.html_template, made by make_plots_template.

DVC's own page loads Vega from a CDN and is blank offline. `make setup` points
plots.html_template (in .dvc/config.local) at a page with the JavaScript inlined, which scripts/make_plots_template.py
writes from vl-convert-python. These tests check the script, the configuration, and the page
`dvc plots show` writes with it, opened in headless Chromium with networking off; and, as the
control, that DVC's default page draws nothing under the same conditions.
"""

import importlib.util
import shutil
import subprocess

import pytest
from dvc_render.html import PAGE_HTML
from PIL import Image

from stages.common import LOSS_CSV, REFERENCE_CSV, StageError
from stages.params import load_params

from chromium import dump_dom, pixels_near, requires_chromium, screenshot
from conftest import REPO, run
from plots_pages import (DVC_COLOURS, TEMPLATE, drawn_charts, external_references, install_template,
                         mark_fields)

NAVY = (28, 49, 133)  # the confusion matrix's full cells (Vega's "yellowgreenblue" at 1.0)
# in tense order, as data/verbs.yaml lists them (.dvc/plots/confusion_tenses.json), not alphabetical
TENSES = "5 values: infinitive, present_3sg, past_simple, past_participle, future"


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "make_plots_template", REPO / "scripts" / "make_plots_template.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_plots_template = _load_script()


@pytest.fixture(scope="module")
def shown(reproduced_once, tmp_path_factory):
    """A reproduced copy with the template installed, and the page `dvc plots show` wrote."""
    repo = tmp_path_factory.mktemp("offline_plots") / "project"
    shutil.copytree(reproduced_once, repo, symlinks=True)
    install_template(tmp_path_factory, repo)
    run(["dvc", "plots", "show", "-o", "offline"], repo)
    return repo, repo / "offline" / "index.html"


# -- the script ------------------------------------------------------------------------------

def test_template_inlines_the_bundle_where_dvc_put_its_cdn_scripts():
    bundle = "window.vegaEmbed=e;const s='</script>';"
    page = make_plots_template.build_page(bundle, "6.2.0", "5.21", "7.0.2")

    assert "{plot_divs}" in page and "{refresh_tag}" in page
    assert "{scripts}" not in page  # DVC would put its CDN <script> tags there
    assert "window.vegaEmbed=e;const s='<\\/script>';" in page  # cannot end <script> early
    assert page.count("</script>") == 1
    assert external_references(page) == []


def test_template_refuses_a_bundle_dvc_would_edit_or_that_sets_no_vega_embed():
    with pytest.raises(StageError, match=r"\{plot_divs\}"):
        make_plots_template.build_page("window.vegaEmbed=e;'{plot_divs}'", "6", "5", "7")
    with pytest.raises(StageError, match="window.vegaEmbed"):
        make_plots_template.build_page("window.vega=v;", "6", "5", "7")


def test_template_uses_the_newest_vega_lite_of_dvcs_major_version():
    assert make_plots_template.newest_vega_lite(["4.17", "5.8", "5.21", "6.4"]) == "5.21"
    with pytest.raises(StageError, match="none of them 5.x"):
        make_plots_template.newest_vega_lite(["6.1", "6.4"])


@pytest.mark.slow
# -- the configuration -----------------------------------------------------------------------

def test_make_setup_names_the_generated_template_locally_and_git_ignores_it():
    # `make test` ran `make setup` in this checkout, which wrote .dvc/config.local
    configured = run(["dvc", "config", "--local", "plots.html_template"], REPO).stdout.strip()
    assert REPO / ".dvc" / configured == REPO / TEMPLATE  # DVC resolves it against .dvc/
    ignored = subprocess.run(["git", "check-ignore", "-q", TEMPLATE], cwd=REPO)
    assert ignored.returncode == 0, f"{TEMPLATE} is generated: .gitignore must list it"
    committed = run(["dvc", "config", "--project", "--list"], REPO).stdout
    assert "html_template" not in committed  # a fresh clone must not name a missing file


@pytest.mark.slow
def test_plots_show_before_make_setup_writes_dvcs_own_online_page(reproduced):
    """A clone that has not run `make setup` gets DVC's default page (it needs the network
    to draw), not an error."""
    run(["dvc", "plots", "show"], reproduced)
    page = (reproduced / "dvc_plots" / "index.html").read_text(encoding="utf-8")
    assert "{plot_divs}" not in page and "vegaEmbed" in page
    assert external_references(page)  # the CDN scripts


@pytest.mark.slow
def test_generated_template_holds_vega_and_refers_to_nothing_online(shown):
    repo, _ = shown
    template = (repo / TEMPLATE).read_text(encoding="utf-8")

    assert "{plot_divs}" in template and "{scripts}" not in template
    assert "window.vegaEmbed=" in template
    assert len(template) > 500_000  # Vega, Vega-Lite and vega-embed, minified
    assert external_references(template) == []


@pytest.mark.slow
# -- the page --------------------------------------------------------------------------------

def test_plots_show_page_loads_nothing_from_the_network(shown):
    _, page = shown
    html = page.read_text(encoding="utf-8")

    assert external_references(html) == []
    assert "vegaEmbed('#" in html  # DVC's plot divs, filled into the template


@pytest.mark.slow
@requires_chromium
def test_plots_show_page_draws_every_chart_in_chromium_with_networking_off(shown, tmp_path):
    repo, page = shown
    epochs = load_params(repo / "params.yaml", verbs=["work"])["train"]["epochs"]

    charts = drawn_charts(dump_dom(page))
    assert charts and all(chart["svg"] for chart in charts.values()), charts.keys()
    labels = {label for chart in charts.values() for label in chart["labels"]}
    lines = [line for chart in charts.values() for line in chart["lines"]]
    # the loss curves, the run's and the reference beside it: one point per epoch each, in
    # DVC's colour for the first revision (the two differ by their dashes)
    assert any(label.startswith("X-axis titled 'epoch'") for label in labels)
    drawn = {mark_fields(label)["filename"] for label, colour, points in lines
             if points == epochs and colour == "#945dd6"}
    assert drawn == {LOSS_CSV, REFERENCE_CSV}, lines
    # the confusion matrix: the five tenses on both axes
    assert f"X-axis titled 'actual' for a discrete scale with {TENSES}" in labels
    assert f"Y-axis titled 'predicted' for a discrete scale with {TENSES}" in labels

    image = Image.open(screenshot(page, tmp_path / "plots.png", 1000, 1400)).convert("RGB")
    assert pixels_near(image, DVC_COLOURS[0]) > 300, "no loss curve in the screenshot"
    assert pixels_near(image, NAVY) > 1000, "no confusion matrix in the screenshot"


@pytest.mark.slow
@requires_chromium
def test_dvcs_default_page_draws_no_chart_with_networking_off(shown, tmp_path):
    """The control: the same plots on DVC's own page need the CDN, so they stay blank."""
    repo, _ = shown
    dvc_page = tmp_path / "dvc_page.html"
    dvc_page.write_text(PAGE_HTML, encoding="utf-8")  # what DVC uses with no html_template
    default = tmp_path / "default"
    run(["dvc", "plots", "show", "--html-template", str(dvc_page), "-o", str(default)], repo)
    html = (default / "index.html").read_text(encoding="utf-8")
    assert any("cdn" in url for _, url in external_references(html))

    # vega-embed never loaded, so no div became a chart
    assert drawn_charts(dump_dom(default / "index.html")) == {}
