"""minigrad.compile: trace a training step once, replay it as generated Python, bit for bit.

    step = minigrad.compile(loss_fn, params, lr=0.05)
    for epoch in range(300):
        loss = step()          # the loss, as a float; p.grad and p.data updated
    print(step.source)         # the generated Python: forward, then backward, line by line

`compile` calls `loss_fn()` once and writes the graph it built as one Python function: a
line per node forward (`v12 = tanh(v11)`), then one per node backward, its gradient the sum
of one term per path from the loss (`g11 = (1.0 - v12 * v12) * g12 + ...`), commented with
ops and labels. A step gives the loss, and every `p.grad` (and with `lr`, `p.data`), that
zeroing the grads, `loss_fn().backward()` and `p.data -= lr * p.grad` would, bit for bit
(0.0 and -0.0 aside). An op that can fail (log of x <= 0, ...) calls its own check where
its guard holds, so errors are eager's, and a step that raises leaves every param as it was.

Frozen at trace time: leaves not in `params` (constants, at their traced value), and
Python control flow in `loss_fn`, which is refused: `bool(v)`, `v < w` (and <=, >, >=),
`float(v)`, `round(v)` and `v.item()` raise TypeError. Branches inside ops (relu, abs, ...)
follow the data at every step. Nodes the loss does not depend on are dropped, with any
error they alone would raise. `exp` and `pow` in the code are math's; when one raises (an
overflow), the step runs again with minigrad's own, which return inf as eager does.

Read it in this order; each module imports only those above it (and ops.py, scalar.py):
  symbols.py   an op's rule (ops.py) run on names: the Python source of each derivative
  writer.py    Writer, what both forms share: header, docstring, check calls, `return`
  straight.py  StraightWriter: a local variable per node; SourceMap, where each line went
  looped.py    LoopedWriter: lists and loops, for graphs of more than UNROLL_LIMIT terms
  step.py      compile_step (minigrad.compile) and Step: trace, pick a writer, run it
"""

from minigrad.compiler.step import Step, compile_step

__all__ = ["compile_step", "Step"]
