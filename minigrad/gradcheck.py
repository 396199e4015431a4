"""gradcheck: compare backward()'s gradients with central differences."""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from minigrad.scalar import Value

__all__ = ["gradcheck", "GradcheckResult"]


@dataclass(frozen=True)
class GradcheckResult:
    analytic: list[float]  # d f / d input_i from backward()
    numeric: list[float]  # (f(x + h) - f(x - h)) / 2h
    worst_index: int  # the input whose two gradients differ most (relative to tolerance)
    worst_error: float  # |analytic - numeric| at worst_index
    passed: bool

    def __bool__(self) -> bool:
        return self.passed


def gradcheck(f: Callable[..., Value], inputs: Sequence[float], eps: float = 1e-6,
              atol: float = 1e-6, rtol: float = 1e-5) -> GradcheckResult:
    """Check f's backward against central differences at `inputs` (a list of numbers).

    f takes one Value per input and returns a Value. An input passes when
    |analytic - numeric| <= atol + rtol * |numeric|. The step's truncation error is about
    eps**2 * f''' and its rounding error about 1e-16 * |f| / eps, so the defaults suit
    functions whose values and third derivatives are of order 1.
    """
    values = [Value(x) for x in inputs]
    out = f(*values)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    out.backward()
    analytic = [v.grad for v in values]

    def shifted(i: int, step: float) -> float:  # f with input i moved by step
        return f(*(Value(x + step if j == i else x) for j, x in enumerate(inputs))).data

    numeric = [(shifted(i, eps) - shifted(i, -eps)) / (2 * eps) for i in range(len(inputs))]
    worst_index, worst_error, worst_excess = -1, 0.0, -math.inf
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        if math.isfinite(a) and math.isfinite(n):
            error, allowed = abs(a - n), atol + rtol * abs(n)
        else:  # an infinite or undefined gradient must match exactly
            error, allowed = (0.0 if a == n else math.inf), 0.0
        if error - allowed > worst_excess:
            worst_index, worst_error, worst_excess = i, error, error - allowed
    return GradcheckResult(analytic, numeric, worst_index, worst_error, worst_excess <= 0)
