"""minigrad: a scalar autograd engine in pure Python.

    from minigrad import Value, MLP
    from minigrad.scalar import Value
    from minigrad.nn import Neuron, Layer, MLP

Importing it loads only the standard library. `draw_dot` needs Graphviz's Python binding
(`pip install 'minigrad[draw]'`), imported when it is first called. `minigrad.compile` is
not in `__all__`, so that `from minigrad import *` cannot shadow Python's own `compile`.
"""

from minigrad.autograd import grad
from minigrad.collector import paused_collector
from minigrad.compile import compile  # noqa: A001  (minigrad.compile; not in __all__)
from minigrad.drawing import draw_dot
from minigrad.gradcheck import GradcheckResult, gradcheck
from minigrad.logs import get_logger
from minigrad.nn import MLP, Layer, Neuron
from minigrad.scalar import Value
from minigrad.seeding import seed_everything

__version__ = "0.1.0"

__all__ = [
    "Value",
    "grad",
    "Neuron",
    "Layer",
    "MLP",
    "gradcheck",
    "GradcheckResult",
    "draw_dot",
    "seed_everything",
    "get_logger",
    "paused_collector",
]
