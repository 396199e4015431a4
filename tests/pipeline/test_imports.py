"""What each import loads: minigrad only the standard library, a stage nothing heavy until it
runs, and every stage's dvc.yaml deps cover the code it imports."""

import builtins
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, pipeline

pytestmark = pytest.mark.slow  # each probe starts a Python

HEAVY = ("matplotlib", "graphviz", "jsonschema", "ruamel.yaml", "numpy", "dvc", "yaml",
         "vl_convert")
STAGES = pipeline()


def probe(code):
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout)


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_importing_a_stage_loads_none_of_the_heavy_packages(stage):
    # ruamel.yaml, jsonschema, matplotlib and graphviz load where they are used, inside main():
    # a stage run by a Python without them still starts, and says to run `make setup`
    loaded = probe(f"import json, sys; import stages.{stage}; "
                   f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    assert loaded == []


def test_importing_minigrad_loads_only_the_standard_library():
    names = probe("import json, sys; before = set(sys.modules); import minigrad; "
                  "print(json.dumps(sorted(set(sys.modules) - before)))")
    outside = {name.split(".")[0] for name in names} - set(sys.stdlib_module_names)
    assert outside == {"minigrad"}, outside


GENERATOR = ("minigrad.compiler", "minigrad.compiler.symbols", "minigrad.compiler.writer",
             "minigrad.compiler.straight", "minigrad.compiler.looped")


def test_importing_minigrad_loads_no_code_generator_until_compile_is_used():
    loaded = probe(
        "import json, sys; import minigrad; before = sorted(sys.modules); "
        "from minigrad import Value; a = Value(2.0); "
        "step = minigrad.compile(lambda: a * a, [a], lr=0.25); "
        "print(json.dumps([before, sorted(sys.modules), step(), a.data]))")
    before, after, loss, data = loaded
    assert [m for m in GENERATOR if m in before] == []
    assert set(GENERATOR) <= set(after) and (loss, data) == (4.0, 1.0)


def test_no_module_of_minigrad_shadows_pythons_compile():
    found = subprocess.run(["git", "grep", "-n", r"builtins.compile\|__all__ = \[\]", "--",
                            "minigrad"], cwd=REPO, capture_output=True, text=True).stdout
    assert found == ""
    names = {path.stem for path in (REPO / "minigrad").rglob("*.py")}
    assert names & set(vars(builtins)) == set()  # no module named after a builtin


def test_minigrad_declares_no_dependencies_and_mentions_no_pipeline():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == [] and project["license"] == "MIT"
    assert (REPO / "LICENSE").read_text().startswith("MIT License")
    assert project["optional-dependencies"]["draw"] == ["graphviz>=0.20"]
    mentions = subprocess.run(["git", "grep", "-il", "-e", "dvc", "-e", "params.yaml", "--",
                               "minigrad"], cwd=REPO, capture_output=True, text=True).stdout
    for path in (REPO / "minigrad").rglob("*.py"):  # new files too, committed or not
        text = path.read_text().lower()
        assert "dvc" not in text and "params.yaml" not in text, path.name
    assert mentions == ""


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_each_stage_depends_on_the_code_it_runs(stage):
    files = probe(f"import json, sys; import stages.{stage}; "
                  "print(json.dumps(sorted(m.__file__ for m in list(sys.modules.values())"
                  " if getattr(m, '__file__', None))))")
    ours = {Path(f).resolve().relative_to(REPO) for f in files
            if Path(f).resolve().is_relative_to(REPO) and ".venv" not in Path(f).parts}
    deps = [Path(dep) for dep in STAGES[stage]["deps"]]
    uncovered = [str(f) for f in ours if not any(f == d or d in f.parents for d in deps)]
    assert ours and uncovered == []


def test_draw_dot_without_graphviz_says_which_extra_to_install():
    code = ("import sys; sys.modules['graphviz'] = None\n"
            "from minigrad import Value, draw_dot\n"
            "try:\n    draw_dot(Value(1.0))\n"
            "except ImportError as err:\n    print(err)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    assert "pip install 'minigrad[draw]'" in out
