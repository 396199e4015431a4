"""Speed and memory benchmark: minigrad against micrograd 0.1.0 and PyTorch (CPU), in one process.

    .venv/bin/python bench/bench_engine.py              # the full run (a few minutes)
    .venv/bin/python bench/bench_engine.py --quick      # fewer runs: a smoke check
    .venv/bin/python bench/bench_engine.py --json bench.json

Workloads, each run on every engine from the same initial weights (minigrad's MLP after
random.seed(42), copied through state_dict()):
  w1  the lab's training: MLP(5, [4, 5]), tanh, 5 one-hot inputs, 300 epochs of SGD lr 0.05
  w2  MLP(16, [64, 64, 16]) on 16 one-hot inputs, 2 epochs of the same loop
  w3  y = y * 1.0000001 repeated 1,000,000 times from x = Value(1.0), then backward
  w4  bytes held by one forward graph of w2 (the loss over all 16 samples), by tracemalloc

Each timed number is the median of 5 runs (3 for the slow engines in w2, micrograd and torch
scalar, and for torch's chain; micrograd's chain runs once, in a child process, since its
recursive sort fails), engines interleaved run by run. Setup (building the model, copying
weights) is not timed; the garbage of one run is collected before the next starts, and the
objects of the benchmark's own imports are frozen out of the collector's way (gc.freeze).
minigrad's loops run inside minigrad.paused_collector(), as designed; micrograd and PyTorch
keep the collector on, as a user runs them ("gc on"/"gc off" rows are for reference).
PyTorch runs with torch.set_num_threads(1) unless a row says otherwise.

The exit code is 1 only when engines disagree (final losses, chain gradients, beyond 1e-9
relative); a missed speed target is printed as FAIL but is not an error.
"""

import argparse
import contextlib
import gc
import importlib.metadata
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from typing import Callable, NamedTuple

import torch
from micrograd.engine import Value as MicroValue

import minigrad
from minigrad import MLP, Value, paused_collector

# -- configuration ----------------------------------------------------------------------------

SEED = 42
LR = 0.05
W1 = {"n_in": 5, "layer_sizes": [4, 5], "epochs": 300}
W2 = {"n_in": 16, "layer_sizes": [64, 64, 16], "epochs": 2}
CHAIN_LENGTH = 1_000_000
TORCH_CHAIN_LENGTH = 100_000  # PyTorch's scalar chain costs ~25 us a node: 1e5 keeps it short
CHAIN_FACTOR = 1.0000001
LOSS_RTOL = 1e-9
RUNS = {"full": {"fast": 5, "slow": 3}, "quick": {"fast": 2, "slow": 1}}
TARGETS = {"w1_micrograd": 5.0, "w1_torch_vectorized": 1.0, "w2_micrograd": 20.0,
           "w3_us_per_node": 1.0, "w4_bytes_ratio": 5.0}


# -- micrograd gets a tanh in its own closure style (0.1.0 has only relu) ----------------------

def _micrograd_tanh(self):
    t = math.tanh(self.data)
    out = MicroValue(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


MicroValue.tanh = _micrograd_tanh


# -- the models: each returns (loss function, parameters), built from one state_dict ----------

def one_hot_data(n):
    xs = [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]
    ys = [[2.0 * v - 1.0 for v in x] for x in xs]
    return xs, ys


def initial_state(n_in, layer_sizes):
    random.seed(SEED)
    return MLP(n_in, layer_sizes).state_dict()


def minigrad_model(state, xs, ys):
    model = MLP(state["n_in"], state["layer_sizes"])
    model.load_state_dict(state)
    targets = [t for y in ys for t in y]

    def loss_fn():
        return Value.squared_error([o for x in xs for o in model(x)], targets)

    return loss_fn, model.parameters()


def micrograd_model(state, xs, ys):
    layers = [
        [([MicroValue(w) for w in row], MicroValue(b)) for row, b in zip(L["weights"], L["biases"])]
        for L in state["layers"]
    ]

    def forward(x):
        for layer in layers:
            x = [sum((wi * xi for wi, xi in zip(w, x)), b).tanh() for w, b in layer]
        return x

    def loss_fn():
        return sum((o - t) ** 2 for x, y in zip(xs, ys) for o, t in zip(forward(x), y))

    return loss_fn, [p for layer in layers for w, b in layer for p in (*w, b)]


def torch_scalar_model(state, xs, ys):
    def leaf(number):
        return torch.tensor(number, dtype=torch.float64, requires_grad=True)

    layers = [
        [([leaf(w) for w in row], leaf(b)) for row, b in zip(L["weights"], L["biases"])]
        for L in state["layers"]
    ]

    def forward(x):
        for layer in layers:
            outs = []
            for w, b in layer:
                act = b
                for wi, xi in zip(w, x):
                    act = act + wi * xi
                outs.append(torch.tanh(act))
            x = outs
        return x

    def loss_fn():
        return sum((o - t) ** 2 for x, y in zip(xs, ys) for o, t in zip(forward(x), y))

    return loss_fn, [p for layer in layers for w, b in layer for p in (*w, b)]


def torch_vectorized_model(state, xs, ys):
    linears = []
    for L in state["layers"]:
        linear = torch.nn.Linear(len(L["weights"][0]), len(L["weights"]), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(L["weights"], dtype=torch.float64))
            linear.bias.copy_(torch.tensor(L["biases"], dtype=torch.float64))
        linears.append(linear)
    inputs = torch.tensor(xs, dtype=torch.float64)
    targets = torch.tensor(ys, dtype=torch.float64)

    def loss_fn():
        h = inputs
        for linear in linears:
            h = torch.tanh(linear(h))
        return ((h - targets) ** 2).sum()

    return loss_fn, [p for linear in linears for p in linear.parameters()]


# -- the training loops: the lab's SGD, and PyTorch's idiomatic one ---------------------------

def train_scalar(loss_fn, params, epochs):
    """minigrad and micrograd: zero grads, backward, p.data -= lr * p.grad; the last loss."""
    for _ in range(epochs):
        loss = loss_fn()
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
    return loss.data


def train_torch(loss_fn, params, epochs):
    opt = torch.optim.SGD(params, lr=LR)
    for _ in range(epochs):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
    return loss.item()


class Engine(NamedTuple):
    name: str
    model: Callable  # (state, xs, ys) -> (loss function, parameters)
    loop: Callable  # (loss function, parameters, epochs) -> last loss
    gc_on: bool  # False: the loop runs inside minigrad.paused_collector()
    threads: int = 1  # torch.set_num_threads for the run (harmless for the others)
    slow: bool = False  # gets the "slow" number of runs in w2
    reference: bool = False  # a reference row, not one the targets use


DEFAULT_THREADS = torch.get_num_threads()
ENGINES = [
    Engine("minigrad", minigrad_model, train_scalar, gc_on=False),
    Engine("micrograd", micrograd_model, train_scalar, gc_on=True, slow=True),
    Engine("torch scalar", torch_scalar_model, train_torch, gc_on=True, slow=True),
    Engine("torch vectorized", torch_vectorized_model, train_torch, gc_on=True),
    Engine("minigrad, gc on", minigrad_model, train_scalar, gc_on=True, reference=True),
    Engine("micrograd, gc off", micrograd_model, train_scalar, gc_on=False, slow=True,
           reference=True),
    Engine(f"torch vectorized, {DEFAULT_THREADS} threads", torch_vectorized_model, train_torch,
           gc_on=True, threads=DEFAULT_THREADS, reference=True),
]


# -- measuring --------------------------------------------------------------------------------

def collector(enabled):
    return contextlib.nullcontext() if enabled else paused_collector()


def graph_nodes(root, children):
    """How many nodes are reachable from root (root included), walking iteratively."""
    seen = {id(root)}
    stack = [root]
    while stack:
        for child in children(stack.pop()):
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def bench_training(spec, runs, slow_runs):
    """Time every engine on one training workload, interleaving engines run by run."""
    state = initial_state(spec["n_in"], spec["layer_sizes"])
    xs, ys = one_hot_data(spec["n_in"])
    results = {}
    counts = {e.name: runs["slow" if slow_runs and e.slow else "fast"] for e in ENGINES}
    for r in range(max(counts.values())):
        for e in ENGINES:
            if r >= counts[e.name]:
                continue
            torch.set_num_threads(e.threads)
            loss_fn, params = e.model(state, xs, ys)
            gc.collect()
            with collector(e.gc_on):
                start = time.perf_counter()
                loss = e.loop(loss_fn, params, spec["epochs"])
                elapsed = time.perf_counter() - start
            del loss_fn, params
            row = results.setdefault(e.name, {"times": [], "losses": [], "reference": e.reference})
            row["times"].append(elapsed)
            row["losses"].append(loss)
    torch.set_num_threads(1)
    gc.collect()
    # nodes made per epoch (parameters excluded), for the per-node cost of the scalar engines
    for name, model, children in (("minigrad", minigrad_model, lambda v: v.inputs),
                                  ("micrograd", micrograd_model, lambda v: v._prev)):
        loss_fn, params = model(state, xs, ys)
        nodes = graph_nodes(loss_fn(), children) - len(params)
        for key, row in results.items():
            if key.split(",")[0] == name:
                row["nodes_per_epoch"] = nodes
    for row in results.values():
        row["median_s"] = statistics.median(row["times"])
        if "nodes_per_epoch" in row:
            row["us_per_node"] = row["median_s"] / spec["epochs"] / row["nodes_per_epoch"] * 1e6
    return results


MICROGRAD_CHAIN = """
import json, os, sys, time
from micrograd.engine import Value
n, factor = int(sys.argv[1]), float(sys.argv[2])
start = time.perf_counter()
x = Value(1.0)
y = x
for _ in range(n):
    y = y * factor
built = time.perf_counter() - start
try:
    y.backward()
    outcome = "ok"
except RecursionError:
    outcome = "fails: RecursionError"
elapsed = time.perf_counter() - start
print(json.dumps({"outcome": outcome, "build_s": built, "elapsed_s": elapsed, "grad": x.grad}))
sys.stdout.flush()
os._exit(0)  # skip tearing down two million cyclic nodes
"""


def time_chain(x, length):
    """(seconds to build y = x * f * f ... and run backward, seconds to free it)."""
    start = time.perf_counter()
    y = x
    for _ in range(length):
        y = y * CHAIN_FACTOR
    y.backward()
    elapsed = time.perf_counter() - start
    start = time.perf_counter()
    del y
    return elapsed, time.perf_counter() - start


def minigrad_chain(gc_on):
    with collector(gc_on):
        x = Value(1.0)
        elapsed, freed = time_chain(x, CHAIN_LENGTH)
    return elapsed, freed, x.grad


def torch_chain():
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    elapsed, freed = time_chain(x, TORCH_CHAIN_LENGTH)
    return elapsed, freed, x.grad.item()


def bench_chain(runs):
    """w3: build + backward of a long chain, per node; micrograd runs in a child process."""
    variants = [("minigrad", CHAIN_LENGTH, lambda: minigrad_chain(False), runs["fast"], False),
                ("minigrad, gc on", CHAIN_LENGTH, lambda: minigrad_chain(True), runs["fast"], True),
                ("torch scalar", TORCH_CHAIN_LENGTH, torch_chain, runs["slow"], False)]
    results = {}
    for r in range(max(v[3] for v in variants)):
        for name, n, run, count, reference in variants:
            if r < count:
                gc.collect()
                elapsed, freed, grad = run()
                row = results.setdefault(name, {"nodes": n, "times": [], "free_times": [],
                                                "grads": [], "reference": reference})
                row["times"].append(elapsed)
                row["free_times"].append(freed)
                row["grads"].append(grad)
    for row in results.values():
        row["median_s"] = statistics.median(row["times"])
        row["us_per_node"] = row["median_s"] / row["nodes"] * 1e6
        row["free_median_s"] = statistics.median(row["free_times"])
        row["expected_grad"] = CHAIN_FACTOR ** row["nodes"]
    # In a child process, so that a crash (a segfault, if the recursion limit were raised)
    # cannot take the benchmark down with it.
    row = {"nodes": CHAIN_LENGTH, "reference": False}
    try:
        child = subprocess.run(
            [sys.executable, "-c", MICROGRAD_CHAIN, str(CHAIN_LENGTH), repr(CHAIN_FACTOR)],
            capture_output=True, text=True, timeout=900,
        )
    except subprocess.TimeoutExpired:
        row["outcome"] = "fails: timed out after 900 s"
    else:
        if child.returncode == 0:
            row.update(json.loads(child.stdout))
        else:
            row["outcome"] = f"fails: child process exit code {child.returncode}"
    if row["outcome"] == "ok":
        row["grads"] = [row["grad"]]
        row["expected_grad"] = CHAIN_FACTOR**CHAIN_LENGTH
    results["micrograd"] = row
    return results


def traced_forward(loss_fn):
    """The bytes a forward graph holds once built, and the peak while building it."""
    gc.collect()
    with paused_collector():
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            loss = loss_fn()
            held, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return loss, held - before, peak - before


def bench_memory():
    """w4: one forward graph of w2 (before backward), minigrad against micrograd."""
    state = initial_state(W2["n_in"], W2["layer_sizes"])
    xs, ys = one_hot_data(W2["n_in"])
    results = {}
    for name, model, children in (("minigrad", minigrad_model, lambda v: v.inputs),
                                  ("micrograd", micrograd_model, lambda v: v._prev)):
        loss_fn, params = model(state, xs, ys)
        loss, held, peak = traced_forward(loss_fn)
        nodes = graph_nodes(loss, children) - len(params)
        results[name] = {"bytes": held, "peak_bytes": peak, "nodes": nodes,
                         "bytes_per_node": held / nodes, "loss": loss.data}
        del loss, loss_fn, params
        gc.collect()
    return results


# -- checking and reporting -------------------------------------------------------------------

def relative_gap(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def correctness_errors(w1, w2, w3, w4):
    errors = []
    for label, results in (("w1", w1), ("w2", w2)):
        ref = results["minigrad"]["losses"][0]
        for name, row in results.items():
            for loss in row["losses"]:
                if not relative_gap(loss, ref) <= LOSS_RTOL:
                    errors.append(f"{label}: {name} final loss {loss!r} != minigrad {ref!r}")
    for name, row in w3.items():
        for grad in row.get("grads", []):
            if not relative_gap(grad, row["expected_grad"]) <= LOSS_RTOL:
                errors.append(f"w3: {name} x.grad {grad!r} != {row['expected_grad']!r}")
    if not relative_gap(w4["minigrad"]["loss"], w4["micrograd"]["loss"]) <= LOSS_RTOL:
        errors.append(f"w4: forward losses differ: {w4['minigrad']['loss']!r} "
                      f"!= {w4['micrograd']['loss']!r}")
    return errors


def ratio(results, name):
    return results[name]["median_s"] / results["minigrad"]["median_s"]


def targets(w1, w2, w3, w4):
    checks = [
        ("w1 micrograd/minigrad", ratio(w1, "micrograd"), ">=", TARGETS["w1_micrograd"]),
        ("w1 torch_vectorized/minigrad", ratio(w1, "torch vectorized"), ">=",
         TARGETS["w1_torch_vectorized"]),
        ("w2 micrograd/minigrad", ratio(w2, "micrograd"), ">=", TARGETS["w2_micrograd"]),
        ("w3 minigrad us/node (build+backward)", w3["minigrad"]["us_per_node"], "<",
         TARGETS["w3_us_per_node"]),
        ("w4 micrograd/minigrad bytes", w4["micrograd"]["bytes"] / w4["minigrad"]["bytes"], ">=",
         TARGETS["w4_bytes_ratio"]),
    ]
    return [{"target": label, "value": value, "op": op, "bound": bound,
             "pass": value >= bound if op == ">=" else value < bound}
            for label, value, op, bound in checks]


def print_training(title, results, epochs):
    print(f"\n## {title}\n")
    print(f"{'engine':<28}{'runs':>5}{'median s':>11}{'min s':>10}{'max s':>10}"
          f"{'x minigrad':>12}{'nodes/epoch':>13}{'us/node':>9}  final loss")
    for name, row in results.items():
        nodes = row.get("nodes_per_epoch")
        per_node = f"{row['us_per_node']:.2f}" if nodes else "-"
        print(f"{name:<28}{len(row['times']):>5}{row['median_s']:>11.4f}{min(row['times']):>10.4f}"
              f"{max(row['times']):>10.4f}{ratio(results, name):>12.2f}"
              f"{nodes or '-':>13}{per_node:>9}  {row['losses'][0]!r}")
    ref = results["minigrad"]["losses"][0]
    gap = max(relative_gap(loss, ref) for row in results.values() for loss in row["losses"])
    print(f"minigrad: {results['minigrad']['median_s'] / epochs * 1e3:.3f} ms per epoch; final "
          f"losses of all runs of all engines agree with minigrad's to {gap:.1e} (relative). "
          "'gc off' rows leave their garbage to the collection after the timer stops.")


def print_chain(results):
    print(f"\n## w3: backward through a chain, y = y * {CHAIN_FACTOR} (build + backward)\n")
    print(f"{'engine':<28}{'nodes':>10}{'runs':>5}{'median s':>11}{'us/node':>9}"
          f"{'free s':>9}  x.grad")
    for name, row in results.items():
        if "times" in row:
            print(f"{name:<28}{row['nodes']:>10}{len(row['times']):>5}{row['median_s']:>11.4f}"
                  f"{row['us_per_node']:>9.3f}{row['free_median_s']:>9.4f}  {row['grads'][0]!r}")
        else:
            print(f"{name:<28}{row['nodes']:>10}{1:>5}  {row['outcome']}"
                  + (f" (building took {row['build_s']:.2f} s, "
                     f"{row['build_s'] / row['nodes'] * 1e6:.2f} us/node)" if "build_s" in row
                     else ""))
    print(f"(torch scalar: {TORCH_CHAIN_LENGTH:,} nodes, not {CHAIN_LENGTH:,}; 'free s' is the "
          "time to drop the graph, not included; micrograd makes 2 Values per step)")


def print_memory(results):
    print("\n## w4: memory of one forward graph of w2 (loss over 16 samples, before backward)\n")
    print(f"{'engine':<12}{'bytes held':>13}{'MB':>8}{'nodes':>9}{'bytes/node':>12}"
          f"{'peak bytes':>13}")
    for name, row in results.items():
        print(f"{name:<12}{row['bytes']:>13,}{row['bytes'] / 2**20:>8.1f}{row['nodes']:>9,}"
              f"{row['bytes_per_node']:>12.1f}{row['peak_bytes']:>13,}")
    bytes_ratio = results["micrograd"]["bytes"] / results["minigrad"]["bytes"]
    print(f"micrograd/minigrad bytes: {bytes_ratio:.2f}  (tracemalloc sees Python allocations "
          "only, so PyTorch is left out)")


def markdown_table(w1, w2, w3, w4):
    lines = [
        "| engine | w1 s | w1 × minigrad | w2 s | w2 × minigrad | w3 µs/node | w4 MB held |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in w1:
        cells = [name, f"{w1[name]['median_s']:.4f}", f"{ratio(w1, name):.2f}",
                 f"{w2[name]['median_s']:.3f}", f"{ratio(w2, name):.2f}"]
        chain = w3.get(name, {})
        if "us_per_node" in chain:
            note = "" if chain["nodes"] == CHAIN_LENGTH else f" ({chain['nodes']:,} nodes)"
            cells.append(f"{chain['us_per_node']:.3f}{note}")
        else:
            cells.append(chain.get("outcome", "–"))
        cells.append(f"{w4[name]['bytes'] / 2**20:.1f}" if name in w4 else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine():
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, cwd=os.path.dirname(os.path.abspath(__file__)),
                                check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    engine_files = ["minigrad/scalar.py", "minigrad/nn.py", "minigrad/collector.py"]
    dirty = subprocess.run(["git", "status", "--porcelain", "--", *engine_files],
                           capture_output=True, text=True,
                           cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))).stdout
    return {"platform": platform.platform(), "processor": platform.processor() or "unknown",
            "python": platform.python_version(), "cpu_count": os.cpu_count(),
            "torch": torch.__version__, "torch_default_threads": DEFAULT_THREADS,
            "micrograd": importlib.metadata.version("micrograd"),
            "minigrad": minigrad.__version__,
            "commit": commit + (" (engine files modified)" if dirty.strip() else ""),
            "load_average_at_start": os.getloadavg()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs: a smoke check")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args()
    runs = RUNS["quick" if args.quick else "full"]
    command = " ".join([os.path.relpath(sys.executable), *sys.argv])
    torch.set_num_threads(1)
    info = machine()
    # Importing torch leaves ~170,000 objects tracked by the cyclic collector; without this,
    # every full collection walks them and the gc-on rows (micrograd above all) would pay for
    # the benchmark's own imports. Freezing them gives each engine a heap like a lean script's.
    gc.collect()
    gc.freeze()

    w1 = bench_training(W1, runs, slow_runs=False)
    print_training("w1: the lab's training, MLP(5, [4, 5]), 300 epochs", w1, W1["epochs"])
    w2 = bench_training(W2, runs, slow_runs=True)
    print_training("w2: MLP(16, [64, 64, 16]), 16 samples, 2 epochs", w2, W2["epochs"])
    w3 = bench_chain(runs)
    print_chain(w3)
    w4 = bench_memory()
    print_memory(w4)

    print(f"\n## targets (runs: {runs['fast']} per engine, {runs['slow']} for slow engines in w2"
          " and torch's chain)\n")
    checks = targets(w1, w2, w3, w4)
    for c in checks:
        print(f"{'PASS' if c['pass'] else 'FAIL'}  {c['target']} = {c['value']:.3f} "
              f"(target {c['op']} {c['bound']:g})")

    print("\n## summary (median seconds; × minigrad = engine time / minigrad time)\n")
    print(markdown_table(w1, w2, w3, w4))
    print(f"\nMachine: {info['platform']}, Python {info['python']}, {info['cpu_count']} CPUs; "
          f"torch {info['torch']} with 1 thread (default {DEFAULT_THREADS}), micrograd "
          f"{info['micrograd']}, minigrad {info['minigrad']} at commit {info['commit']}; "
          f"load average at start {', '.join(f'{x:.2f}' for x in info['load_average_at_start'])}.")
    print(f"Reproduce: `{command}`")

    errors = correctness_errors(w1, w2, w3, w4)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "command": command, "runs": runs, "w1": w1, "w2": w2,
                       "w3": w3, "w4": w4, "targets": checks, "errors": errors}, f, indent=2)
    if errors:
        for error in errors:
            print(f"CORRECTNESS FAILURE: {error}", file=sys.stderr)
        sys.exit(1)
    print("\nAll engines agree: final losses and chain gradients within 1e-9 (relative).")


if __name__ == "__main__":
    main()
