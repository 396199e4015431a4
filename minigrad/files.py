"""Writing files so that an interrupted run never leaves a truncated one behind.

Each writer fills a temporary file in the target's directory and renames it into place:
rename is atomic on POSIX, so the target is either the old complete file or the new one.
"""

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

from minigrad.errors import DataFileError

__all__ = ["atomic_path", "write_text", "write_json", "read_json", "sha256_of"]


@contextlib.contextmanager
def atomic_path(path, suffix=None):
    """Yield a temporary path beside `path`; on success rename it to `path`, else delete it.

    `suffix` defaults to path's own, for writers (matplotlib) that pick a format by it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=path.suffix if suffix is None else suffix, dir=path.parent
    )
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path, text):
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())


def write_json(path, obj):
    """Pretty JSON with a final newline; refuses NaN/inf, which are not JSON."""
    write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def read_json(path, what="file"):
    """Load a JSON file, or raise DataFileError naming it and what is wrong."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise DataFileError(f"{what} {path} is missing: run `dvc repro` to rebuild it") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DataFileError(
            f"{what} {path} is not valid JSON ({err}): delete it and run `dvc repro`"
        ) from None


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
