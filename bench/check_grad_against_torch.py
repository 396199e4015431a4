"""A one-off check, not a test: minigrad.grad's first and second derivatives against PyTorch's.

    .venv/bin/python bench/check_grad_against_torch.py            # 200 points per function
    .venv/bin/python bench/check_grad_against_torch.py --points 20

For every op of minigrad/ops.py and a few composed functions, at random points in float64,
it computes the gradient with minigrad.grad(..., create_graph=True) and the Hessian with grad
of each of its entries, and the same with torch.autograd.grad(..., create_graph=True) on 0-dim
float64 tensors. Two numbers agree when |minigrad - torch| <= 1e-9 * max(|torch|, 1e-3), that
is 1e-9 relative with an absolute floor of 1e-12 near zero. It prints, per function, the worst
error in units of that: error / max(|torch|, 1e-3), which passes at <= 1e-9. The exit code is
1 if any function fails. Needs torch (the `bench` extra); the tests never import it.
"""

import argparse
import math
import random
import sys
import types

import torch

from minigrad import Value, grad
from minigrad.ops import OPS as RULES
from minigrad.scalar import interior_nodes

REL = 1e-9
FLOOR = 1e-3  # REL * FLOOR = 1e-12, the absolute floor

# The n-ary ops, for each library: minigrad's single nodes, and the same sums written out.
MINIGRAD = types.SimpleNamespace(
    sum=Value.sum,
    dot=Value.dot,
    squared_error=Value.squared_error,
)


def _torch_dot(weights, xs, bias):
    total = bias
    for w, x in zip(weights, xs):
        total = total + w * x
    return total


def _torch_squared_error(outputs, targets):
    total = 0.0
    for o, t in zip(outputs, targets):
        total = total + (o - t) * (o - t)
    return total


TORCH = types.SimpleNamespace(
    sum=lambda terms: sum(terms[1:], terms[0]),
    dot=_torch_dot,
    squared_error=_torch_squared_error,
)

# Domains: (lo, hi) for a uniform draw; a third item True draws |x| in [lo, hi], either sign.
ANY, WIDE, POSITIVE = (-3.0, 3.0), (-5.0, 5.0), (0.1, 3.0)
NONZERO, CLEAR_OF_KINK = (0.1, 3.0, True), (1e-3, 3.0, True)

# name, the function of (library namespace L, *inputs), one domain per input. The same
# function runs on Values and on tensors: both have + - * / **, abs and these methods.
FUNCTIONS = [
    ("+", lambda L, a, b: a + b, (ANY, ANY)),
    ("+ number", lambda L, a: 2.5 + a, (ANY,)),
    ("-", lambda L, a, b: a - b, (ANY, ANY)),
    ("- number", lambda L, a: 1.5 - a, (ANY,)),
    ("*", lambda L, a, b: a * b, (ANY, ANY)),
    ("* number", lambda L, a: a * -3, (ANY,)),
    ("/", lambda L, a, b: a / b, (ANY, NONZERO)),
    ("number /", lambda L, a: 1.5 / a, (NONZERO,)),
    ("neg", lambda L, a: -a, (ANY,)),
    ("**2", lambda L, x: x**2, (ANY,)),
    ("**3", lambda L, x: x**3, (ANY,)),
    ("**-2", lambda L, x: x**-2, (NONZERO,)),
    ("**0.5", lambda L, x: x**0.5, (POSITIVE,)),
    ("**-1.5", lambda L, x: x**-1.5, (POSITIVE,)),
    ("**2.5", lambda L, x: x**2.5, (POSITIVE,)),
    ("**0", lambda L, x: x**0, (ANY,)),
    ("3**", lambda L, x: 3**x, (ANY,)),
    ("0.5**", lambda L, x: 0.5**x, (ANY,)),
    ("** (Value ** Value)", lambda L, x, y: x**y, (POSITIVE, ANY)),
    ("exp", lambda L, x: x.exp(), (WIDE,)),
    ("log", lambda L, x: x.log(), (POSITIVE,)),
    ("tanh", lambda L, x: x.tanh(), (WIDE,)),
    ("relu", lambda L, x: x.relu(), (CLEAR_OF_KINK,)),
    ("sigmoid", lambda L, x: x.sigmoid(), (WIDE,)),
    ("abs", lambda L, x: abs(x), (CLEAR_OF_KINK,)),
    ("sum", lambda L, a, b, c: L.sum([a, b, c]), (ANY,) * 3),
    ("dot, Value xs", lambda L, w0, w1, x0, x1, b: L.dot([w0, w1], [x0, x1], b), (ANY,) * 5),
    ("dot, float xs", lambda L, w0, w1, b: L.dot([w0, w1], [0.5, -1.25], b), (ANY,) * 3),
    ("sse, number targets", lambda L, o0, o1: L.squared_error([o0, o1], [1.0, -0.5]),
     (ANY,) * 2),
    ("sse, Value targets", lambda L, o0, o1, t0, t1: L.squared_error([o0, o1], [t0, t1]),
     (ANY,) * 4),
    # composed functions
    ("README's f",
     lambda L, x, y: (x.exp() + 2**y - x.log() / 3).tanh() * y.sigmoid() + (x * y).relu() ** 2,
     ((0.1, 2.0), (-2.0, 2.0))),
    ("neuron tanh(dot)",
     lambda L, w0, w1, b, x0, x1: L.dot([w0, w1], [x0, x1], b).tanh(), (ANY,) * 5),
    ("(x*x+1)**y * log(x+4) / (1+y*y)",
     lambda L, x, y: (x * x + 1) ** y * (x + 4).log() / (1 + y * y), (ANY, ANY)),
    ("sse of sigmoids",
     lambda L, x, y: L.squared_error([(x * y).sigmoid(), (x - y).sigmoid()], [1.0, y]),
     (ANY, ANY)),
    ("abs(x - 2y) * relu(x + 4) + exp(-x*x)",
     lambda L, x, y: abs(x - 2 * y) * (x + 4).relu() + (-(x * x)).exp(), (ANY, (0.05, 1.0))),
]


def draw(rng, domain):
    lo, hi, either_sign = (*domain, False)[:3]
    x = rng.uniform(lo, hi)
    return -x if either_sign and rng.random() < 0.5 else x


def minigrad_derivatives(f, point):
    xs = [Value(p) for p in point]
    first = grad(f(MINIGRAD, *xs), xs, create_graph=True)
    return [g.data for g in first], [[h.data for h in grad(g, xs)] for g in first]


def torch_derivatives(f, point):
    xs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in point]
    first = torch.autograd.grad(f(TORCH, *xs), xs, create_graph=True, allow_unused=True)
    gradient, hessian = [], []
    for g in first:
        gradient.append(0.0 if g is None else g.item())
        if g is None or not g.requires_grad:  # a constant derivative: its own is 0
            hessian.append([0.0] * len(xs))
            continue
        second = torch.autograd.grad(g, xs, retain_graph=True, allow_unused=True)
        hessian.append([0.0 if h is None else h.item() for h in second])
    return gradient, hessian


def error(got, expected):
    return abs(got - expected) / max(abs(expected), FLOOR)


def rules_used():
    names = set()
    for _, f, domains in FUNCTIONS:
        xs = [Value(1.5) for _ in domains]  # 1.5 lies in every domain above
        names |= {node.rule.name for node in interior_nodes(f(MINIGRAD, *xs))}
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200, help="random points per function")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    missing = set(RULES) - rules_used()
    if missing:
        print(f"no function uses the ops {sorted(missing)}")
        return 1
    rng = random.Random(args.seed)
    print(f"{args.points} points per function; error = |minigrad - torch| / max(|torch|, 1e-3)")
    print(f"{'function':40s} {'worst 1st':>10s} {'worst 2nd':>10s}  result")
    failed = []
    for name, f, domains in FUNCTIONS:
        worst1 = worst2 = 0.0
        for _ in range(args.points):
            point = [draw(rng, d) for d in domains]
            g_ours, h_ours = minigrad_derivatives(f, point)
            g_torch, h_torch = torch_derivatives(f, point)
            worst1 = max([worst1] + [error(a, b) for a, b in zip(g_ours, g_torch)])
            worst2 = max([worst2] + [error(a, b) for row_a, row_b in zip(h_ours, h_torch)
                                     for a, b in zip(row_a, row_b)])
        ok = math.isfinite(worst1) and math.isfinite(worst2) and max(worst1, worst2) <= REL
        if not ok:
            failed.append(name)
        print(f"{name:40s} {worst1:10.1e} {worst2:10.1e}  {'ok' if ok else 'FAIL'}")
    print("all agree" if not failed else f"FAIL: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
