"""minigrad's imports point down: no cycle, not even through an import inside a function,
the compiler's modules in their reading order, and none of it loaded by `import minigrad`.

Every import of a module counts, wherever it is written; `from minigrad import x` counts as
an import of the module that defines x (a submodule, or the module a package re-exports x
from)."""

import ast
import importlib
import inspect
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "minigrad"
# the compiler's reading order (minigrad/compiler/__init__.py): each imports only those before
COMPILER = ["minigrad.compiler.symbols", "minigrad.compiler.writer", "minigrad.compiler.straight",
            "minigrad.compiler.looped", "minigrad.compiler"]
BELOW_EVERYTHING = ["minigrad.ops", "minigrad.scalar"]


def module_name(path):
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def defining_module(package, name):
    """The module that `from package import name` imports: a submodule, or where name is from."""
    if importlib.util.find_spec(f"{package}.{name}") is not None:
        return f"{package}.{name}"
    value = getattr(importlib.import_module(package), name)
    return value.__name__ if inspect.ismodule(value) else value.__module__


def imports_of(path):
    """The minigrad modules a file imports, anywhere in it (functions, `if TYPE_CHECKING`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {defining_module(node.module, alias.name)
                      if importlib.util.find_spec(node.module).submodule_search_locations
                      else node.module for alias in node.names}
    return {name for name in found if name == "minigrad" or name.startswith("minigrad.")}


GRAPH = {module_name(path): imports_of(path) for path in sorted(PACKAGE.rglob("*.py"))}


def test_every_compiler_module_and_the_package_is_walked():
    assert set(COMPILER) | set(BELOW_EVERYTHING) | {"minigrad", "minigrad.drawing"} <= set(GRAPH)
    assert {name for name in GRAPH if name.startswith("minigrad.compiler")} == set(COMPILER)


def test_no_module_imports_one_that_imports_it_back():
    done, path = set(), []

    def visit(module):  # depth first: a module met again while on the path closes a cycle
        assert module not in path, " -> ".join([*path[path.index(module):], module])
        if module in done:
            return
        path.append(module)
        for target in sorted(GRAPH.get(module, ())):
            visit(target)
        path.pop()
        done.add(module)

    for module in GRAPH:
        visit(module)


@pytest.mark.parametrize("module", COMPILER)
def test_each_compiler_module_imports_only_those_below_it(module):
    below = set(COMPILER[: COMPILER.index(module)]) | set(BELOW_EVERYTHING)
    assert GRAPH[module] - below == set()  # so none of drawing, nn, autograd, ...


def test_ops_and_scalar_sit_below_everything():
    assert GRAPH["minigrad.ops"] == set() and GRAPH["minigrad.scalar"] == {"minigrad.ops"}


def test_graph_page_imports_the_compiler_inside_the_function_only():
    tree = ast.parse((PACKAGE / "drawing.py").read_text())
    top = {node.module for node in tree.body if isinstance(node, ast.ImportFrom)}
    assert not any(name.startswith("minigrad.compiler") for name in top)
    assert "minigrad.compiler" in GRAPH["minigrad.drawing"]


def probe(code, **kwargs):
    result = subprocess.run([sys.executable, *kwargs.pop("flags", []), "-c", code],
                            capture_output=True, text=True, check=True, **kwargs)
    return json.loads(result.stdout)


def test_import_minigrad_loads_no_compiler_module_until_compile_is_used():
    before, after, loss = probe(
        "import json, sys; import minigrad; before = sorted(sys.modules); "
        "a = minigrad.Value(3.0); loss = minigrad.compile(lambda: a * a, [a])(); "
        "print(json.dumps([before, sorted(sys.modules), loss]))", cwd=REPO)
    assert [m for m in before if m.startswith("minigrad.compiler")] == []
    assert set(COMPILER) <= set(after) and loss == 9.0


@pytest.mark.slow
def test_minigrad_compile_runs_from_an_installed_wheel(minigrad_wheel, tmp_path):
    with zipfile.ZipFile(minigrad_wheel) as archive:
        assert "minigrad/compiler/looped.py" in archive.namelist()
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(tmp_path / "site"), str(minigrad_wheel)], check=True, capture_output=True,
                   timeout=300)
    # -S: no site-packages, so not the editable install of this checkout; cwd: not the repo
    file, loss, grad = probe(
        f"import json, sys; sys.path.insert(0, {str(tmp_path / 'site')!r}); import minigrad; "
        "a = minigrad.Value(3.0); step = minigrad.compile(lambda: a * a, [a], lr=0.5); "
        "print(json.dumps([sys.modules['minigrad.compiler'].__file__, step(), a.grad]))",
        cwd=tmp_path, flags=["-S"])
    assert Path(file).is_relative_to(tmp_path / "site") and (loss, grad) == (9.0, 6.0)
