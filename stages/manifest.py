"""The run manifest: one JSON Schema (manifest.schema.json, stages.schemas.MANIFEST) for
every manifest.json.

A manifest records what a stage ran (command, config, seed), on what (git commit and whether
the stage's own inputs had uncommitted changes, Python, platform, package versions, input
hashes) and what it wrote (output hashes and sizes, metrics, duration). It is validated
before it is written, so an invalid one never lands.
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

__all__ = ["build_manifest", "validate_manifest", "write_manifest", "code_files", "SCHEMA"]

SCHEMA = MANIFEST.schema
PACKAGES = ("minigrad", "dvc", "matplotlib", "graphviz", "ruamel.yaml", "jsonschema")


def code_files(root="."):
    """The project's Python files this process has imported (minigrad's, the stages' and the
    lab's), relative to `root`: with the data inputs and params.yaml, what the stage's result
    depends on."""
    root = Path(root).resolve()
    found = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not path:
            continue
        path = Path(path).resolve()
        if path.is_relative_to(root) and path.relative_to(root).parts[0] in ("minigrad", "stages", "experiments"):
            found.add(str(path.relative_to(root)))
    return sorted(found)


def _git_state(paths):
    """(commit, dirty): HEAD, and whether any of `paths` differs from it (untracked counts),
    or (None, None) outside a git repository. Only the stage's own inputs are looked at: its
    outputs, which DVC has deleted by now, and dvc.lock say nothing about what it ran on."""
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True,
                              timeout=10).stdout.strip()

    try:
        return git("rev-parse", "HEAD"), bool(git("status", "--porcelain",
                                                  "--untracked-files=all", "--", *paths))
    except (OSError, subprocess.SubprocessError):
        return None, None


def _command():
    """How this process was started: `python -m stages.train --dataset ...`."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    start = ["-m", spec.name] if spec else sys.argv[:1]
    return " ".join([Path(sys.executable).name, *start, *sys.argv[1:]])


def _version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def build_manifest(name, seed, config, inputs, outputs, metrics, duration_s, command=None,
                   tools=None, params="params.yaml"):
    """A manifest dict; `inputs` and `outputs` are paths, hashed here.

    The git state is dirty when the inputs, `params` or the code the stage imported have
    uncommitted changes. `tools` adds versions of programs the stage used (e.g.
    {"dot": "2.43.0"}) to the environment's package versions.
    """
    commit, dirty = _git_state([*map(str, inputs), params, *code_files()])
    return {
        "name": name,
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="milliseconds").replace("+00:00", "Z"),
        "command": command or _command(),
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
    validator(SCHEMA).validate(manifest)


def write_manifest(path, manifest):
    validate_manifest(manifest)
    write_json(path, manifest)
