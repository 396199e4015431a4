"""load_lab: import one of the lab's own files (model.py, train.py, viz.py) by its path.

The lab's folders are named as the lab names them (07-train-tense-logits), which Python
cannot import by name; a lab file imports its neighbours as a learner's script does
(`from model import MLP`), so its folder goes on sys.path first.
"""

import importlib.util
import sys
from pathlib import Path

from stages.errors import DataFileError

__all__ = ["load_lab"]


def load_lab(path):
    """The module at `path`, run once, as `lab_<name>`."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"the lab's {path.name} is missing at {path}: `git checkout -- {path}`")
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(f"lab_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
