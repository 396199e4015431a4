"""grad: derivatives as Values, so that they can be differentiated again.

`grad(output, inputs)` is the functional twin of `output.backward()`, touching no `.grad`.
With `create_graph=True` it runs each op's local-derivative rule (ops.py) on Values rather
than floats, so each derivative is itself a graph: `grad` of it gives second derivatives.
"""

import types
from collections.abc import Iterable

from minigrad.ops import FLOATS
from minigrad.scalar import Value, interior_nodes

__all__ = ["grad"]


def _lift(value_op, float_op):
    """A function of the namespace below: the Value op on a Value, the float one on a number."""
    return lambda x: value_op(x) if type(x) is Value else float_op(x)


# The namespace `m` when a rule runs on Values: each function builds nodes, so a derivative
# that a rule writes with them is a graph. The slopes of relu and abs are constants (their own
# derivative is 0 wherever it exists).
VALUES = types.SimpleNamespace(
    exp=_lift(Value.exp, FLOATS.exp),
    log=_lift(Value.log, FLOATS.log),
    tanh=_lift(Value.tanh, FLOATS.tanh),
    sigmoid=_lift(Value.sigmoid, FLOATS.sigmoid),
    relu=_lift(Value.relu, FLOATS.relu),
    abs=_lift(abs, FLOATS.abs),
    step=lambda x: FLOATS.step(float(x)),
    sign=lambda x: FLOATS.sign(float(x)),
    pow=lambda x, n: x**n if Value in (type(x), type(n)) else FLOATS.pow(x, n),
)


def grad(output: Value, inputs: Iterable[Value], create_graph: bool = False) -> list[Value]:
    """[d(output)/d(input) for each input], as Values; no `.grad` field is changed.

    Inputs may be leaves or interior nodes of the graph under `output`; one that `output`
    does not depend on gets 0. Without `create_graph` the results are plain leaves holding,
    bit for bit, what `output.backward()` would put in `.grad` (differentiating one again
    raises ValueError, as PyTorch does). With `create_graph=True` each is a node of a new
    graph, built from the rules backward uses, so `grad` applies to it again; where that
    graph is undefined the op raises its usual error (the slope of x ** 0.5 at 0 needs
    0 ** -0.5: ZeroDivisionError).
    """
    if type(output) is not Value:
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    if getattr(output, "_detached", False):
        raise ValueError("grad: output is a result of grad(..., create_graph=False), a number "
                         "with no graph behind it; for a second derivative, compute the first "
                         "with grad(..., create_graph=True)")
    if type(inputs) is Value:
        raise TypeError("grad: inputs must be a list of Values, got one Value: write [x]")
    inputs = list(inputs)
    for x in inputs:
        if type(x) is not Value:
            raise TypeError(f"grad: inputs must be Values, got {type(x).__name__} {x!r}")
    grads = {output: 1.0}
    for node in interior_nodes(output):
        upstream = grads.get(node)
        if upstream is None:
            continue
        for child, local in _local_grads(node, create_graph):
            # 0.0 + ... for the first contribution, as backward adds to a grad zeroed first
            grads[child] = grads.get(child, 0.0) + local * upstream
    results = []
    for x in inputs:
        g = grads.get(x, 0.0)
        if create_graph:  # a constant derivative (d/dx of 3x) is a leaf: its own is 0
            results.append(g if type(g) is Value else Value(g))
        else:
            results.append(Value(float(g)))
            results[-1]._detached = True
    return results


def _local_grads(node, create_graph):
    """(input, d(node)/d(input)) pairs: stored floats, or a rule re-run on Values."""
    if not create_graph:
        return zip(node.inputs, node.local_grads)
    local = node.rule.local(VALUES, node, *node.args)
    return [(arg, d) for arg, d in zip(node.args, local) if type(arg) is Value]
