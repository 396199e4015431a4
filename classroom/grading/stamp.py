"""code.json: a fingerprint of the code that grades (the engine, the checker, the grader and
the jail), from their source files alone.

    python -m classroom.grading.stamp   (run from classroom/, by DVC's `code` stage)

The grade stages depend on this file rather than on ../minigrad and ../labcheck directly:
DVC hashes a folder outside the project whole, __pycache__ included (the classroom's
.dvcignore does not reach it), and bytecode differs from checkout to checkout (it records the
sources' times), so a grading could never be shared through the run-cache. DVC runs this at
every `dvc repro` (always_changed); the file changes only when a source does.
"""

import hashlib
import json
import sys

from classroom.grading.settings import CLASSROOM, REPO

FOLDERS = [REPO / "minigrad", REPO / "labcheck", CLASSROOM / "grading"]
FILES = [CLASSROOM / "jail.py"]


def fingerprint():
    """Every file's sha256 (bytecode aside: Python writes it, nobody edits it), by path."""
    paths = sorted({p for folder in FOLDERS for p in folder.rglob("*") if p.is_file()
                    and "__pycache__" not in p.parts and p.suffix != ".pyc"} | set(FILES))
    return {str(p.relative_to(REPO)): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def main():
    (CLASSROOM / "code.json").write_text(json.dumps(fingerprint(), indent=1) + "\n",
                                         encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
