"""The package's type hints: `mypy minigrad` is clean, and a user's strictly typed script that
uses the public API type-checks against them (py.typed)."""

import os
import subprocess
import sys

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow  # each check starts mypy

USER_SCRIPT = '''
import minigrad
from minigrad import MLP, Value, grad, gradcheck, paused_collector, seed_everything

seed_everything(0)
model = MLP(3, [4, 1])
out = model([1.0, -2.0, 0.5])
assert isinstance(out, Value)
loss: Value = (out - 1.0) ** 2 + Value.sum([out, out]) + Value.dot([out], [2.0], 0.0)
step = minigrad.compile(lambda: loss, model.parameters(), lr=0.1)
with paused_collector():
    value: float = step()
first: list[Value] = grad(loss, model.parameters(), create_graph=True)
number: float = first[0].item() + float(loss) + round(loss, 2)
passed: bool = bool(gradcheck(lambda a, b: a * b.tanh(), [0.5, -1.0]))
'''


def mypy(*args, cwd=REPO, env=None):
    return subprocess.run([sys.executable, "-m", "mypy", *args], cwd=cwd, env=env,
                          capture_output=True, text=True)


def test_mypy_finds_nothing_in_the_package():
    result = mypy("minigrad")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_strictly_typed_script_checks_against_the_public_api(tmp_path):
    (tmp_path / "user.py").write_text(USER_SCRIPT)
    env = {**os.environ, "MYPYPATH": str(REPO)}
    result = mypy("--strict", "--follow-imports=silent", "--cache-dir", str(tmp_path / "cache"),
                  "user.py", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_ships_its_py_typed_marker():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert (REPO / "minigrad" / "py.typed").exists()
    assert "py.typed" in setuptools["package-data"]["minigrad"]
