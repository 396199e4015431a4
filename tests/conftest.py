"""Shared fixtures: real copies of the project, in real git repositories, run with real DVC.

`project` is a fresh copy (as a clone would be: committed files, no DVC cache);
`reproduced` is a copy on which `dvc repro` has already run once (shared by the session and
copied per test, so each test may change it freely).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv's: its python and dvc are what stages run with
SKIP_PARTS = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", "dvc_plots"}


def project_env(**extra):
    """The environment stages run in: the venv first on PATH, no analytics, no pager."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["DVC_NO_ANALYTICS"] = "1"
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "minigrad tests"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "tests@minigrad.invalid"
    env.pop("VIRTUAL_ENV", None)
    env.update(extra)
    return env


def run(args, cwd, check=True, timeout=600, env=None):
    """Run a command; on an unexpected exit code fail with its output."""
    result = subprocess.run(
        args, cwd=cwd, env=env or project_env(), capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def assert_one_line_naming(message, fragments):
    """A user-facing error message: a single line that contains every fragment."""
    assert "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def _project_files():
    """The files a clone would have: tracked ones, plus new ones not yet committed."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout
    for name in listed.split("\0"):
        if name and not SKIP_PARTS.intersection(Path(name).parts) and (REPO / name).is_file():
            yield name


def copy_project(dest):
    """Copy the project into `dest` as a new git repository with one commit."""
    dest = Path(dest)
    for name in _project_files():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    run(["git", "init", "-q", "-b", "main"], dest)
    run(["git", "add", "-A"], dest)
    run(["git", "commit", "-qm", "copy of the project"], dest)
    return dest


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def reproduced_once(tmp_path_factory):
    dest = copy_project(tmp_path_factory.mktemp("reproduced") / "project")
    run(["dvc", "repro"], dest)
    run(["git", "add", "-A"], dest)
    run(["git", "commit", "-qm", "dvc repro"], dest)
    return dest


@pytest.fixture
def reproduced(reproduced_once, tmp_path):
    dest = tmp_path / "project"
    shutil.copytree(reproduced_once, dest, symlinks=True)
    return dest
