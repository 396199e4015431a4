"""One exception type per kind of failure a user can cause; all derive from MinigradError.

A stage turns any of them into one line on stderr and exit code 1 (see minigrad.stage).
"""

__all__ = [
    "MinigradError",
    "ParamsError",
    "ExpressionError",
    "DataFileError",
    "MissingToolError",
    "DivergenceError",
]


class MinigradError(Exception):
    """Base of the errors whose message alone tells the user what to fix."""


class ParamsError(MinigradError):
    """params.yaml is malformed or holds a value that is not allowed."""


class ExpressionError(MinigradError):
    """viz.expression is outside the grammar, or cannot be evaluated at viz.values."""


class DataFileError(MinigradError):
    """An input file (dataset, model, verb table) is missing, corrupt or of the wrong shape."""


class MissingToolError(MinigradError):
    """An external program the stage needs (Graphviz's dot) is not installed."""


class DivergenceError(MinigradError):
    """Training produced a non-finite loss."""
