"""What each special case of the eager engine is worth: the lab and the chain, with and without it.

    .venv/bin/python bench/bench_special_cases.py

The engine (minigrad/scalar.py) keeps a few fast paths beside its one general way of running
a rule. Each is kept only where it saves at least 5% on a workload of bench_engine.py. This
script times, in one process and interleaved run by run, the engine as it is against the same
engine with one fast path replaced by the general code it stands for, and prints the gain.
The results must not change, and are checked: the lab's final loss and the chain's gradient.
"""

import gc
import random
import statistics
import time

from minigrad import MLP, Value, paused_collector
from minigrad import scalar
from minigrad.ops import DOT, SSE

RUNS = 7
CHAIN_LENGTH = 300_000


def lab():
    random.seed(42)
    model = MLP(5, [4, 5])
    params = model.parameters()
    inputs = [[1.0 if i == j else 0.0 for j in range(5)] for i in range(5)]
    targets = [1.0 if i == j else -1.0 for i in range(5) for j in range(5)]
    for _ in range(300):
        loss = Value.squared_error([o for x in inputs for o in model(x)], targets)
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= 0.05 * p.grad
    return loss.data


def chain():
    x = y = Value(1.0)
    for _ in range(CHAIN_LENGTH):
        y = y * 1.0000001
    y.backward()
    return x.grad


# -- the engine without one fast path: the general code each one stands for --------------------


def general_dot(weights, xs, bias):
    return scalar._apply(DOT, (*weights, *[scalar._operand(x, "dot") for x in xs], bias))


def general_squared_error(outputs, targets):
    return scalar._apply(SSE, (*outputs, *[scalar._operand(t, "sse") for t in targets]))


def backward_always_zip(self):
    interior = scalar.interior_nodes(self)
    for node in interior:
        node.grad = 0.0
    self.grad = 1.0 if self.inputs else self.grad + 1.0
    for node in interior:
        upstream = node.grad
        for child, local in zip(node.inputs, node.local_grads):
            child.grad += local * upstream


VARIANTS = {
    "dot: one path, not three (all Values / all floats / mixed)": (
        lambda: setattr(Value, "dot", staticmethod(general_dot)),
        lambda: setattr(Value, "dot", staticmethod(original_dot)),
    ),
    "squared_error: no path for number targets": (
        lambda: setattr(Value, "squared_error", staticmethod(general_squared_error)),
        lambda: setattr(Value, "squared_error", staticmethod(original_sse)),
    ),
    "backward: zip for one-input nodes too": (
        lambda: setattr(Value, "backward", backward_always_zip),
        lambda: setattr(Value, "backward", original_backward),
    ),
}
original_dot = Value.dot
original_sse = Value.squared_error
original_backward = Value.backward


def timed(work):
    gc.collect()
    with paused_collector():
        start = time.perf_counter()
        result = work()
        return time.perf_counter() - start, result


def main():
    reference = {"lab": lab(), "chain": chain()}
    print(f"median of {RUNS} interleaved runs; gain = time without the fast path / with it - 1")
    print(f"{'fast path':62} {'workload':8} {'with':>9} {'without':>9} {'gain':>7}")
    for name, (remove, restore) in VARIANTS.items():
        for workload in (lab, chain):
            with_it, without = [], []
            for _ in range(RUNS):
                seconds, result = timed(workload)
                with_it.append(seconds)
                remove()
                try:
                    seconds, changed = timed(workload)
                finally:
                    restore()
                without.append(seconds)
                if (result, changed) != (reference[workload.__name__],) * 2:
                    raise SystemExit(f"{name}: {workload.__name__} gave another result")
            a, b = statistics.median(with_it), statistics.median(without)
            print(f"{name:62} {workload.__name__:8} {a * 1e3:7.1f}ms {b * 1e3:7.1f}ms {b / a - 1:+7.1%}")


if __name__ == "__main__":
    main()
