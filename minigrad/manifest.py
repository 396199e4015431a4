"""The run manifest: one JSON Schema (manifest.schema.json) for every manifest.json.

A manifest records what a stage ran (command, config, seed), on what (git commit, Python,
platform, package versions, input hashes) and what it wrote (output hashes and sizes,
metrics, duration). It is validated before it is written, so an invalid one never lands.
"""

import datetime
import json
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import jsonschema

from minigrad.files import sha256_of, write_json

__all__ = ["build_manifest", "validate_manifest", "write_manifest", "SCHEMA"]

SCHEMA = json.loads((Path(__file__).with_name("manifest.schema.json")).read_text())
PACKAGES = ("minigrad", "dvc", "matplotlib", "graphviz", "ruamel.yaml", "jsonschema")


def _git_state():
    """(commit, dirty) of the repository around the working directory, or (None, None)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None
    return commit, bool(status.strip())


def _version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def build_manifest(
    name, seed, config, inputs, outputs, metrics, duration_s, command=None, tools=None
):
    """A manifest dict; `inputs` and `outputs` are paths, hashed here.

    `tools` adds versions of programs the stage used (e.g. {"dot": "2.43.0"}) to the
    environment's package versions.
    """
    commit, dirty = _git_state()
    return {
        "name": name,
        "created_at": datetime.datetime.now(datetime.timezone.utc)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "command": command or " ".join([Path(sys.executable).name, *sys.argv]),
        "git": {"commit": commit, "dirty": dirty},
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "packages": {**{p: _version(p) for p in PACKAGES}, **(tools or {})},
        },
        "seed": seed,
        "config": config,
        "inputs": [{"path": str(p), "sha256": sha256_of(p)} for p in inputs],
        "outputs": [
            {"path": str(p), "sha256": sha256_of(p), "bytes": os.path.getsize(p)} for p in outputs
        ],
        "metrics": metrics,
        "duration_s": round(duration_s, 6),
    }


def validate_manifest(manifest):
    """Raise jsonschema.ValidationError if `manifest` does not follow the schema."""
    jsonschema.validate(manifest, SCHEMA)


def write_manifest(path, manifest):
    validate_manifest(manifest)
    write_json(path, manifest)
