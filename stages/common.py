"""What every stage needs: the pipeline's file names, its one error type, how a stage ends,
atomic writes, reading what an earlier stage wrote, and the run manifest."""

import contextlib
import datetime
import glob
import hashlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from labcheck import LabError
from minigrad import get_logger

# The pipeline's files, as dvc.yaml's `vars` name them (a test holds the two together).
TRAIN_DIR, VIZ_DIR = "experiments/07-train-tense-logits", "experiments/07-visualize-graph"
PARAMS, VERBS, CHECKED = "params.yaml", "data/verbs.yaml", "data/params.checked"
DATASET, TRAIN_METRICS = "data/tense_identity.json", "metrics/train.json"
LOSS_CSV, CONFUSION, VERIFY = "metrics/loss.csv", "metrics/confusion.json", "metrics/verify.json"
LAB_MODEL, LAB_TRAIN = f"{TRAIN_DIR}/model.py", f"{TRAIN_DIR}/train.py"
MODEL, LOSS_PNG = f"{TRAIN_DIR}/model.json", f"{TRAIN_DIR}/loss.png"
PREDICTIONS, TRAIN_REPORT = f"{TRAIN_DIR}/predictions.json", f"{TRAIN_DIR}/README.md"
TRAIN_MANIFEST, VIZ_MANIFEST = f"{TRAIN_DIR}/manifest.json", f"{VIZ_DIR}/manifest.json"
LAB_VIZ, VIZ_REPORT = f"{VIZ_DIR}/viz.py", f"{VIZ_DIR}/README.md"
GRAPH_SVG, GRAPH_HTML = f"{VIZ_DIR}/graph.svg", f"{VIZ_DIR}/graph.html"
GRAPH_PY, GRAPH_CHECK = f"{VIZ_DIR}/graph.py", f"{VIZ_DIR}/graph_check.json"
# the answer's loss per epoch, written by scripts/make_reference.py, drawn beside the run's
REFERENCE_CSV = "solutions/reference-loss.csv"
N_TENSES = 5  # the network's input and output width: one unit per tense

INTERRUPTED = "interrupted (Ctrl-C): nothing half-written was left; run `dvc repro` again"
TERMINATED = "terminated (SIGTERM): nothing half-written was left; run `dvc repro` again"


class StageError(Exception):
    """Input a user can fix; its message alone says what and how, in one line."""


class _Terminated(BaseException):
    """SIGTERM as an exception, so that atomic_path deletes its temporary file."""


def _raise_terminated(signum, frame):
    raise _Terminated()


def run_stage(main, name):
    """Run main(); a StageError or the checker's LabError, a missing package, Ctrl-C or
    SIGTERM end in one logged line and exit 1, 130 or 143, never a traceback."""
    log = get_logger(name)
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        main()
    except (StageError, LabError) as err:
        log.error(str(err))
        sys.exit(1)
    except ModuleNotFoundError as err:
        if err.name is None or err.name.split(".")[0] in ("minigrad", "stages", "labcheck"):
            raise  # our own code is broken: a bug, whose traceback helps
        log.error(f"the Python package `{err.name}` is not installed in {sys.executable}: run"
                  " `make setup`, or activate the project's venv (`source .venv/bin/activate`)"
                  " so that `python` and `dvc` are its own")
        sys.exit(1)
    except KeyboardInterrupt:
        log.error(INTERRUPTED)
        sys.exit(130)
    except _Terminated:
        log.error(TERMINATED)
        sys.exit(143)


@contextlib.contextmanager
def atomic_path(path):
    """A temporary path beside `path`, renamed to it on success (rename is atomic: a killed
    run leaves the old file or the new one) and deleted on failure. Its name,
    `.<name>.<pid>.<random><suffix>`, lets the next write delete what a writer killed with
    kill -9 left behind, which `git status` would otherwise show."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*"):
        pid = leftover.name[len(path.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _is_running(int(pid)):
            leftover.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=path.suffix,
                               dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _is_running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        pass  # someone else's process, or no pid at all: leave its file alone
    return True


def write_text(path, text):
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def write_json(path, data):
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def read_output(path, parse=json.load):
    """parse(the open file) of a file an earlier stage wrote, which is not checked (dvc.yaml
    says why); if parse fails, as on a file broken by hand, this one line."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return parse(f)
    except (OSError, ValueError, LookupError, TypeError, AttributeError):
        raise StageError(f"{path} is missing or not what the pipeline writes: run `dvc repro`"
                         " to rebuild it") from None


def _git_state(paths):
    """(HEAD, whether any of `paths` differs from it), or (None, None) outside git."""
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True,
                              timeout=10).stdout.strip()
    try:
        return git("rev-parse", "HEAD"), bool(git("status", "--porcelain",
                                                  "--untracked-files=all", "--", *paths))
    except (OSError, subprocess.SubprocessError):
        return None, None


def _version(package):
    with contextlib.suppress(metadata.PackageNotFoundError):
        return metadata.version(package)


def code_files(root="."):
    """The project's own Python files (engine, checker, stages, lab) this process has imported."""
    root, found = Path(root).resolve(), set()
    for module in list(sys.modules.values()):
        if getattr(module, "__file__", None):
            path = Path(module.__file__).resolve()
            if path.is_relative_to(root) and path.relative_to(root).parts[0] in (
                    "minigrad", "labcheck", "stages", "experiments"):
                found.add(str(path.relative_to(root)))
    return sorted(found)


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def build_manifest(name, seed, config, inputs, outputs, metrics, duration_s, tools=None,
                   lab_checks=None, model=None):
    """The run manifest (stages/manifest.schema.json): what ran, on what, what it wrote, and
    for train what the lab's checks found and the network its code built. `dirty` counts only the stage's inputs: DVC has
    deleted its outputs by now."""
    commit, dirty = _git_state([*map(str, inputs), PARAMS, *code_files()])
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)  # `python -m stages.train`
    command = [Path(sys.executable).name, *(["-m", spec.name] if spec else sys.argv[:1])]
    packages = ("minigrad", "dvc", "matplotlib", "graphviz", "ruamel.yaml")
    return {
        "name": name,
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="milliseconds").replace("+00:00", "Z"),
        "command": " ".join([*command, *sys.argv[1:]]),
        "git": {"commit": commit, "dirty": dirty},
        "environment": {"python": platform.python_version(), "platform": platform.platform(),
                        "packages": {**{p: _version(p) for p in packages}, **(tools or {})}},
        "seed": seed,
        "config": config,
        "inputs": [{"path": str(p), "sha256": _sha256(p)} for p in inputs],
        "outputs": [{"path": str(p), "sha256": _sha256(p), "bytes": os.path.getsize(p)}
                    for p in outputs],
        "metrics": metrics,
        "duration_s": round(duration_s, 6),
        **({"lab_checks": lab_checks} if lab_checks is not None else {}),
        **({"model": model} if model is not None else {}),
    }
