"""minigrad: a scalar autograd engine in pure Python.

    from minigrad import Value, MLP

Read it in this order: ops.py (each op's rules), scalar.py (Value), autograd.py, nn.py,
gradcheck.py, drawing.py, then seeding.py, logs.py and collector.py; the compiler
(minigrad/compiler/) last. Importing minigrad loads only the standard library: Graphviz's
binding is imported by draw_dot's first call, and `minigrad.compile` (minigrad.compiler) on
first use; it is not in `__all__`, so `from minigrad import *` cannot shadow `compile`.
"""

from typing import TYPE_CHECKING, Any

from minigrad.autograd import grad
from minigrad.collector import paused_collector
from minigrad.drawing import draw_dot, graph_page
from minigrad.gradcheck import GradcheckResult, gradcheck
from minigrad.logs import get_logger
from minigrad.nn import MLP, Layer, Neuron
from minigrad.scalar import Value
from minigrad.seeding import seed_everything

if TYPE_CHECKING:  # for type checkers; at run time, __getattr__ below loads it on first use
    from minigrad.compiler import compile_step

    compile = compile_step

__version__ = "0.1.0"

__all__ = ["Value", "grad", "Neuron", "Layer", "MLP", "gradcheck", "GradcheckResult", "draw_dot",
           "graph_page", "seed_everything", "get_logger", "paused_collector"]


def __getattr__(name: str) -> Any:
    """minigrad.compile, the code generator, imported on first use."""
    if name == "compile":
        from minigrad.compiler import compile_step

        return compile_step
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
