"""Each stage imports only what it uses: matplotlib only where it draws, and so on."""

import json
import subprocess
import sys

import pytest

HEAVY = ("matplotlib", "graphviz", "jsonschema", "ruamel.yaml", "numpy")

# What importing each stage may load of HEAVY: anything else is paid for by every run.
ALLOWED = {
    "build_dataset": {"ruamel.yaml"},
    # matplotlib and jsonschema load only when it draws and writes the manifest
    "train": {"ruamel.yaml"},
    "predict": set(),
    "verify": {"ruamel.yaml"},
    "viz": {"ruamel.yaml", "graphviz", "jsonschema"},  # it always writes a manifest
}


@pytest.mark.parametrize("stage", sorted(ALLOWED))
def test_stage_imports_only_what_it_uses(stage):
    probe = (
        f"import json, sys; import stages.{stage}; "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert set(json.loads(result.stdout)) <= ALLOWED[stage]


def test_importing_minigrad_loads_none_of_the_heavy_packages():
    probe = f"import json, sys, minigrad; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []
