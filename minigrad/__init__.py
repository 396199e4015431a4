"""minigrad: a scalar autograd engine in pure Python, and the small tools its pipeline uses.

    from minigrad import Value, MLP
    from minigrad.scalar import Value
    from minigrad.nn import Neuron, Layer, MLP

The engine and network names import at once; the names that need heavier packages
(draw_dot needs graphviz, the manifest needs jsonschema) load on first use, so a script
imports only what it uses.
"""

import importlib

from minigrad.collector import paused_collector
from minigrad.gradcheck import GradcheckResult, gradcheck
from minigrad.jsonlog import get_logger
from minigrad.nn import MLP, Layer, Neuron
from minigrad.scalar import Value
from minigrad.seeding import seed_everything

__version__ = "0.1.0"

_LAZY = {
    "draw_dot": "minigrad.drawing",
    "build_manifest": "minigrad.manifest",
    "validate_manifest": "minigrad.manifest",
    "write_manifest": "minigrad.manifest",
}

__all__ = [
    "Value",
    "Neuron",
    "Layer",
    "MLP",
    "gradcheck",
    "GradcheckResult",
    "seed_everything",
    "get_logger",
    "paused_collector",
    *_LAZY,
]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
