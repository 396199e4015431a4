"""minigrad.compile: trace a training step once, replay it as generated Python, bit for bit.

    step = minigrad.compile(loss_fn, params, lr=0.05)
    for epoch in range(300):
        loss = step()          # the loss, as a float; p.grad and p.data updated
    print(step.source)         # the generated Python: forward, then backward, line by line

`compile` calls `loss_fn()` once and writes the graph it built as one Python function: a
line per node forward (`v12 = tanh(v11)`), then one per node backward, its gradient the sum
of one term per path from the loss (`g11 = (1.0 - v12 * v12) * g12 + ...`). Frozen at that
call: leaves not in `params` (constants), and Python control flow in `loss_fn`, which is
refused (`if v`, `v < w`, `float(v)`, ... raise TypeError); branches inside ops (relu, abs)
follow the data at every step; nodes the loss does not depend on are dropped, with any
error they alone would raise.

Read it in this order; each module imports only those above it (and ops.py, scalar.py):
  symbols.py   an op's rule (ops.py) run on names: the Python source of each derivative
  writer.py    Writer, what both forms share: header, docstring, check calls, `return`
  straight.py  StraightWriter: a local variable per node; SourceMap, where each line went
  looped.py    LoopedWriter: lists and loops, for graphs of more than UNROLL_LIMIT terms
  __init__.py  this: compile_step (minigrad.compile), Step, and source_map for graph_page
"""

import math
import numbers
from collections.abc import Callable, Iterable

from minigrad import scalar
from minigrad.compiler.looped import LoopedWriter
from minigrad.compiler.straight import SourceMap, StraightWriter
from minigrad.compiler.symbols import CALLED
from minigrad.compiler.writer import Writer
from minigrad.ops import FLOATS
from minigrad.scalar import Value, interior_nodes

__all__ = ["compile_step", "Step", "number_nodes", "source_map"]

UNROLL_LIMIT = 10_000  # above this many backward terms, the looped form (looped.py)
_FAST = {"exp": math.exp, "pow": math.pow}  # raise where FLOATS' return inf: see Step


class Step:
    """A compiled training step: call it to run one step; it returns the loss (a float).
    `source` is the generated Python, `lr` the learning rate (None: gradients only)."""

    __slots__ = ("source", "params", "lr", "_fast", "_safe")

    def __init__(self, source: str, names: dict, params: tuple, lr: float | None) -> None:
        self.source, self.params, self.lr = source, params, lr
        code, functions = compile(source, "<minigrad.compile>", "exec"), []  # Python's compile
        for overrides in (_FAST, {}):
            scope = {**names, **{name: getattr(FLOATS, name) for name in CALLED}, **overrides}
            exec(code, scope)
            functions.append(scope["step"])
        self._fast, self._safe = functions

    def __call__(self) -> float:
        try:
            return self._fast()
        except (ArithmeticError, ValueError):
            # math.exp/math.pow raised where minigrad's return inf, or an op's check raised:
            # run again with minigrad's own functions, which give eager's result or error
            return self._safe()

    def __repr__(self) -> str:
        return f"<minigrad compiled step: {len(self.params)} params, lr={self.lr!r}>"


def compile_step(loss_fn: Callable[[], Value], params: Iterable[Value],
                 lr: float | None = None) -> Step:
    """Trace `loss_fn()` once and return a Step that replays it as generated Python.

    This is `minigrad.compile`. `params` are distinct leaf Values (ValueError otherwise).
    Each `step()` returns the loss at the current `p.data`, sets every `p.grad` as zeroing
    and `loss.backward()` would (0.0 where the loss does not reach), then, with `lr`, does
    `p.data -= lr * p.grad`, bit for bit as eager (0.0 and -0.0 aside). A domain error
    raises eager's exception and leaves every param's data and grad as they were.
    """
    if not callable(loss_fn):
        raise TypeError(f"minigrad.compile: loss_fn must be callable, got {loss_fn!r}")
    params = _distinct_leaves(params)
    if lr is not None:
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
            raise TypeError(f"minigrad.compile: lr must be a number or None, got {lr!r}")
        lr = float(lr)
    was = scalar.compiling
    scalar.compiling = True  # loss_fn() with every decision on a Value's data refused (scalar.py)
    try:
        root = loss_fn()
    finally:
        scalar.compiling = was
    if type(root) is not Value:
        raise TypeError(f"minigrad.compile: loss_fn must return a Value, got "
                        f"{type(root).__name__} {root!r}")
    slot = number_nodes(root, params)
    nodes = [node for node in slot if node.inputs]  # not the params: the computed nodes
    if sum(1 + len(node.inputs) for node in nodes) > UNROLL_LIMIT:
        writer: Writer = LoopedWriter(root, params, nodes, slot, lr)
    else:
        writer = StraightWriter(root, params, nodes, slot, lr)
    return Step(writer.write(), writer.names, tuple(params), lr)


def source_map(root: Value, params: Iterable[Value]) -> SourceMap:
    """The straight-line source that compile writes for `lambda: root` (a graph of up to
    UNROLL_LIMIT terms), with where it put each node's lines (graph_page's)."""
    params = _distinct_leaves(params)
    slot = number_nodes(root, params)
    writer = StraightWriter(root, params, [n for n in slot if n.inputs], slot, None, where=True)
    writer.where.source = writer.write()
    return writer.where


def _distinct_leaves(params: Iterable[Value]) -> list[Value]:
    params = list(params)
    seen: dict[Value, int] = {}
    for i, p in enumerate(params):
        problem = (f"is {type(p).__name__} {p!r}" if type(p) is not Value else
                   f"= {p!r} is the result of an op ({p.op})" if p.inputs else
                   f"is params[{seen[p]}] again" if p in seen else None)
        if problem:
            raise ValueError(f"minigrad.compile: params[{i}] {problem}; params must be "
                             "distinct leaf Values")
        seen[p] = i
    return params


def number_nodes(root, params):
    """{Value: its slot, k of v<k>}: the params first, then, oldest first, every node that
    depends on a param (computed every step; the others are constants frozen at trace time)."""
    slot = {p: i for i, p in enumerate(params)}
    for node in reversed(interior_nodes(root)):
        if any(a in slot for a in node.inputs):
            slot[node] = len(slot)
    return slot

