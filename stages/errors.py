"""One exception type per kind of failure a user can cause; all derive from StageError,
which a stage turns into one line on stderr and exit code 1 (stages.stage.run_stage)."""

__all__ = ["StageError", "ParamsError", "ExpressionError", "DataFileError", "MissingToolError",
           "DivergenceError"]


class StageError(Exception):
    """Base of the errors whose message alone tells the user what to fix."""


class ParamsError(StageError):
    """params.yaml is malformed or holds a value that is not allowed."""


class ExpressionError(StageError):
    """viz.expression is outside the grammar, or cannot be evaluated at viz.values."""


class DataFileError(StageError):
    """An input file (dataset, model, verb table) is missing, corrupt or of the wrong kind."""


class MissingToolError(StageError):
    """Something the stage needs is not installed: Graphviz's dot, or a Python package."""


class DivergenceError(StageError):
    """Training produced a non-finite loss."""
