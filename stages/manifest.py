"""The run manifest: what a stage ran (command, config, seed), on what (git commit and
whether the stage's own inputs had uncommitted changes, Python, platform, package versions,
input hashes) and what it wrote (output hashes and sizes, metrics, duration). Every
manifest.json follows manifest.schema.json and is validated before it is written.
"""

import datetime
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from stages.files import sha256_of, write_json
from stages.schemas import MANIFEST, validator

__all__ = ["build_manifest", "validate_manifest", "write_manifest", "code_files"]

CODE = ("minigrad", "stages", "experiments")  # the project's own code: the engine, these, the lab
PACKAGES = ("minigrad", "dvc", "matplotlib", "graphviz", "ruamel.yaml", "jsonschema")


def code_files(root="."):
    """The project's Python files this process has imported (minigrad's, the stages' and the
    lab's), relative to `root`: with the inputs and params.yaml, what the result depends on."""
    root, found = Path(root).resolve(), set()
    for module in list(sys.modules.values()):
        if not getattr(module, "__file__", None):
            continue
        path = Path(module.__file__).resolve()
        if path.is_relative_to(root) and path.relative_to(root).parts[0] in CODE:
            found.add(str(path.relative_to(root)))
    return sorted(found)


def _git_state(paths):
    """(HEAD, whether any of `paths` differs from it, untracked counting), or (None, None)
    outside git. Only the stage's own inputs count: its outputs, which DVC has deleted by
    now, and dvc.lock say nothing about what it ran on."""
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True,
                              timeout=10).stdout.strip()

    try:
        return git("rev-parse", "HEAD"), bool(git("status", "--porcelain",
                                                  "--untracked-files=all", "--", *paths))
    except (OSError, subprocess.SubprocessError):
        return None, None


def _version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def build_manifest(name, seed, config, inputs, outputs, metrics, duration_s, tools=None):
    """A manifest dict; `inputs` and `outputs` are paths, hashed here; `tools` adds the
    versions of programs the stage ran (e.g. {"graphviz-dot": "2.43.0"})."""
    commit, dirty = _git_state([*map(str, inputs), "params.yaml", *code_files()])
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)  # `python -m stages.train`
    command = [Path(sys.executable).name, *(["-m", spec.name] if spec else sys.argv[:1])]
    return {
        "name": name,
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="milliseconds").replace("+00:00", "Z"),
        "command": " ".join([*command, *sys.argv[1:]]),
        "git": {"commit": commit, "dirty": dirty},
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "packages": {**{p: _version(p) for p in PACKAGES}, **(tools or {})},
        },
        "seed": seed,
        "config": config,
        "inputs": [{"path": str(p), "sha256": sha256_of(p)} for p in inputs],
        "outputs": [{"path": str(p), "sha256": sha256_of(p), "bytes": os.path.getsize(p)}
                    for p in outputs],
        "metrics": metrics,
        "duration_s": round(duration_s, 6),
    }


def validate_manifest(manifest):
    """Raise jsonschema.ValidationError if `manifest` does not follow the schema."""
    validator(MANIFEST.schema).validate(manifest)


def write_manifest(path, manifest):
    validate_manifest(manifest)
    write_json(path, manifest)
