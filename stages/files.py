"""Writing files so that an interrupted run never leaves a truncated one behind.

Each writer fills a temporary file in the target's directory and renames it into place:
rename is atomic on POSIX, so the target is either the old complete file or the new one.
The temporary file's name, `.<name>.<pid>.<random><suffix>`, records its writer: one that
was killed (kill -9) before it could clean up leaves it behind, and the next write of the
same target deletes it.
"""

import contextlib
import glob
import hashlib
import json
import math
import os
import tempfile
from pathlib import Path

from stages.errors import DataFileError

__all__ = ["atomic_path", "write_text", "write_json", "read_json", "sha256_of"]


@contextlib.contextmanager
def atomic_path(path, suffix=None):
    """Yield a temporary path beside `path`; on success rename it to `path`, else delete it.
    `suffix` defaults to path's own, for writers (matplotlib) that pick a format by it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*"):
        pid = leftover.name[len(path.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _is_running(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", dir=path.parent,
                               suffix=path.suffix if suffix is None else suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _is_running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        pass  # someone else's process, or not a pid at all: leave its file alone
    return True


def write_text(path, text):
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def write_json(path, obj):
    """Pretty JSON with a final newline; refuses NaN/inf, which are not JSON."""
    write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def _finite(text):
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range for a number")
    return number


def _not_a_number(name):
    raise ValueError(f"{name} is not a JSON number")


def read_json(path, what="file", option=None, should_be=None):
    """Load a JSON file, or raise DataFileError naming it and what is wrong.

    NaN, Infinity and numbers too large for a float are refused: write_json never writes
    them. A file passed as `option` (e.g. "--model") that is not .json is named as the
    wrong argument (`option` takes `should_be`), rather than as something to delete.
    """
    if option and Path(path).suffix != ".json":
        raise DataFileError(f"{option} {path} is not a JSON file: {option} takes"
                            f" {should_be or 'the ' + what}")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f, parse_float=_finite, parse_constant=_not_a_number)
    except FileNotFoundError:
        raise DataFileError(f"{what} {path} is missing: run `dvc repro` to rebuild it") from None
    except OSError as err:
        raise DataFileError(f"{what} {path} cannot be read ({err.strerror})") from None
    except ValueError as err:  # a JSONDecodeError, a UnicodeDecodeError or a refused number
        raise DataFileError(f"{what} {path} is not valid JSON ({err}): delete it and run"
                            " `dvc repro`") from None


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
