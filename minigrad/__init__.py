"""minigrad: a scalar autograd engine in pure Python.

    from minigrad import Value, MLP
    from minigrad.scalar import Value
    from minigrad.nn import Neuron, Layer, MLP

Importing it loads only the standard library. `draw_dot` needs Graphviz's Python binding
(`pip install 'minigrad[draw]'`), imported when it is first called. `minigrad.compile`
(the subpackage minigrad.compiler) is loaded when it is first used; it is not in `__all__`,
so that `from minigrad import *` cannot shadow Python's own `compile`.
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
    from minigrad.compiler.step import compile_step

    compile = compile_step

__version__ = "0.1.0"

__all__ = ["Value", "grad", "Neuron", "Layer", "MLP", "gradcheck", "GradcheckResult", "draw_dot",
           "graph_page", "seed_everything", "get_logger", "paused_collector"]


def __getattr__(name: str) -> Any:
    """minigrad.compile, the code generator, imported on first use."""
    if name == "compile":
        from minigrad.compiler.step import compile_step

        return compile_step
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
