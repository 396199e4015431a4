"""Speed and memory benchmark: minigrad (eager and compiled) against a hand-derived loop,
micrograd 0.1.0 and PyTorch (CPU).

    .venv/bin/python bench/bench_engine.py              # the full run (a few minutes)
    .venv/bin/python bench/bench_engine.py --quick      # fewer runs: a smoke check
    .venv/bin/python bench/bench_engine.py --json bench.json

Workloads, each run on every engine from the same initial weights (minigrad's MLP after
random.seed(42), copied through state_dict()):
  w1  the lab's training: MLP(5, [4, 5]), tanh, 5 one-hot inputs, 300 epochs of SGD lr 0.05
  w2  MLP(16, [64, 64, 16]) on 16 one-hot inputs, 2 epochs of the same loop
  w2c the same MLP, 20 epochs: the compiled step against the hand loop (and eager minigrad)
  w3  y = y * 1.0000001 repeated 1,000,000 times from x = Value(1.0), then backward
  w4  bytes held by one forward graph of w2 (the loss over all 16 samples), by tracemalloc

The compiled engine (minigrad.compile) is timed from compile() to the last step, each run in
a fresh child process that has imported minigrad (and its code generator, which `import
minigrad` leaves to the first use of minigrad.compile) and compiled nothing yet (interpreter
start-up, imports and building the model are not counted); the child also reports each step's time,
for the steady state (steps 2 to 301). "seed's form" rows build the lab as the seed writes
it: the MLP on Value inputs, the loss sum((p - t)**2 for ...) over the 25 outputs.

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
W2C = {"n_in": 16, "layer_sizes": [64, 64, 16], "epochs": 20}
CHAIN_LENGTH = 1_000_000
TORCH_CHAIN_LENGTH = 100_000  # PyTorch's scalar chain costs ~25 us a node: 1e5 keeps it short
CHAIN_FACTOR = 1.0000001
LOSS_RTOL = 1e-9
RUNS = {"full": {"fast": 5, "slow": 3}, "quick": {"fast": 2, "slow": 1}}
TARGETS = {"w1_micrograd": 5.0, "w2_micrograd": 100.0, "w3_us_per_node": 1.0,
           "w4_bytes_ratio": 5.0, "w1_compiled_hand": 0.6, "w1_torch_compiled": 3.0,
           "w1_steady_hand": 0.35, "w2c_compiled_hand": 2.0}


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


def minigrad_seed_model(state, xs, ys):
    """The lab as the seed writes it: Value inputs, the loss a Python sum of squares."""
    model = MLP(state["n_in"], state["layer_sizes"])
    model.load_state_dict(state)
    inputs = [[Value(v) for v in x] for x in xs]

    def loss_fn():
        return sum((p - t) ** 2 for x, y in zip(inputs, ys) for p, t in zip(model(x), y))

    return loss_fn, model.parameters()


def hand_model(state, xs, ys):
    """The same math on floats, gradients derived by hand: no graph, nothing generated.

    Returns (train, None): train(epochs) runs the loop and returns the last epoch's loss.
    """
    weights = [[list(row) for row in L["weights"]] for L in state["layers"]]
    biases = [list(L["biases"]) for L in state["layers"]]

    def train(epochs):
        for _ in range(epochs):
            grad_w = [[[0.0] * len(row) for row in layer] for layer in weights]
            grad_b = [[0.0] * len(layer) for layer in biases]
            loss = 0.0
            for x, y in zip(xs, ys):
                acts = [x]  # forward, layer by layer, keeping the activations
                for layer_w, layer_b in zip(weights, biases):
                    a = acts[-1]
                    acts.append([math.tanh(sum(w * xi for w, xi in zip(row, a)) + b)
                                 for row, b in zip(layer_w, layer_b)])
                out = acts[-1]
                loss += sum((o - t) ** 2 for o, t in zip(out, y))
                # backward: d(loss)/d(pre-activation) of each layer, from the top
                delta = [2.0 * (o - t) * (1.0 - o * o) for o, t in zip(out, y)]
                for l in range(len(weights) - 1, -1, -1):
                    a = acts[l]
                    for j, d in enumerate(delta):
                        row = grad_w[l][j]
                        for i, ai in enumerate(a):
                            row[i] += d * ai
                        grad_b[l][j] += d
                    if l:
                        back = [0.0] * len(a)
                        for j, d in enumerate(delta):
                            for i, w in enumerate(weights[l][j]):
                                back[i] += w * d
                        delta = [bk * (1.0 - ai * ai) for bk, ai in zip(back, a)]
            for l in range(len(weights)):  # SGD
                for j, row in enumerate(weights[l]):
                    grow = grad_w[l][j]
                    for i in range(len(row)):
                        row[i] -= LR * grow[i]
                    biases[l][j] -= LR * grad_b[l][j]
        return loss

    return train, None


def train_hand(train, params, epochs):
    return train(epochs)


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


COMPILED_CHILD = """
import json, sys, time
import minigrad
from minigrad import MLP, Value, paused_collector
job = json.loads(sys.stdin.read())
state, xs, ys, lr = job["state"], job["xs"], job["ys"], job["lr"]
model = MLP(state["n_in"], state["layer_sizes"])
model.load_state_dict(state)
if job["form"] == "seed":
    inputs = [[Value(v) for v in x] for x in xs]
    def loss_fn():
        return sum((p - t) ** 2 for x, y in zip(inputs, ys) for p, t in zip(model(x), y))
else:
    targets = [t for y in ys for t in y]
    def loss_fn():
        return Value.squared_error([o for x in xs for o in model(x)], targets)
params = model.parameters()
compile_step = minigrad.compile  # imports the code generator (minigrad/compiler/): start-up
clock = time.perf_counter
steps = []
with paused_collector():
    start = clock()
    step = compile_step(loss_fn, params, lr=lr)
    compiled = clock()
    for _ in range(job["epochs"]):
        before = clock()
        loss = step()
        steps.append(clock() - before)
    end = clock()
print(json.dumps({"elapsed_s": end - start, "compile_s": compiled - start, "steps_s": steps,
                  "loss": loss, "source_lines": len(step.source.splitlines())}))
"""


def compiled_model(form):
    def model(state, xs, ys):
        return {"state": state, "xs": xs, "ys": ys, "lr": LR, "form": form}, None

    return model


def train_compiled(job, params, epochs):
    """(last loss, seconds from compile() to the last step, the child's report)."""
    child = subprocess.run([sys.executable, "-c", COMPILED_CHILD], input=json.dumps(
        {**job, "epochs": epochs}), capture_output=True, text=True, check=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    report = json.loads(child.stdout)
    return report["loss"], report["elapsed_s"], report


class Engine(NamedTuple):
    name: str
    model: Callable  # (state, xs, ys) -> (loss function, parameters)
    loop: Callable  # (loss function, parameters, epochs) -> last loss
    gc_on: bool  # False: the loop runs inside minigrad.paused_collector()
    threads: int = 1  # torch.set_num_threads for the run (harmless for the others)
    slow: bool = False  # gets the "slow" number of runs in w2
    reference: bool = False  # a reference row, not one the targets use
    child: bool = False  # the loop times itself, in a child process


DEFAULT_THREADS = torch.get_num_threads()
ENGINES = [
    Engine("minigrad", minigrad_model, train_scalar, gc_on=False),
    Engine("minigrad, seed's form", minigrad_seed_model, train_scalar, gc_on=False),
    Engine("compiled", compiled_model("squared_error"), train_compiled, gc_on=False, child=True),
    Engine("compiled, seed's form", compiled_model("seed"), train_compiled, gc_on=False,
           child=True),
    Engine("hand loop", hand_model, train_hand, gc_on=False),
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


def bench_training(spec, runs, slow_runs, engines=None):
    """Time every engine on one training workload, interleaving engines run by run."""
    engines = ENGINES if engines is None else [e for e in ENGINES if e.name in engines]
    state = initial_state(spec["n_in"], spec["layer_sizes"])
    xs, ys = one_hot_data(spec["n_in"])
    results = {}
    counts = {e.name: runs["slow" if slow_runs and e.slow else "fast"] for e in engines}
    for r in range(max(counts.values())):
        for e in engines:
            if r >= counts[e.name]:
                continue
            torch.set_num_threads(e.threads)
            loss_fn, params = e.model(state, xs, ys)
            gc.collect()
            row = results.setdefault(e.name, {"times": [], "losses": [], "reference": e.reference})
            if e.child:
                loss, elapsed, report = e.loop(loss_fn, params, spec["epochs"])
                row.setdefault("reports", []).append(report)
            else:
                with collector(e.gc_on):
                    start = time.perf_counter()
                    loss = e.loop(loss_fn, params, spec["epochs"])
                    elapsed = time.perf_counter() - start
            del loss_fn, params
            row["times"].append(elapsed)
            row["losses"].append(loss)
    torch.set_num_threads(1)
    gc.collect()
    # nodes made per epoch (parameters excluded), for the per-node cost of the scalar engines
    for name, model, children in (("minigrad", minigrad_model, lambda v: v.inputs),
                                  ("micrograd", micrograd_model, lambda v: v._prev)):
        if not any(key.split(",")[0] == name for key in results):
            continue
        loss_fn, params = model(state, xs, ys)
        nodes = graph_nodes(loss_fn(), children) - len(params)
        for key, row in results.items():
            if key.split(",")[0] == name and "seed" not in key:
                row["nodes_per_epoch"] = nodes
    for row in results.values():
        row["median_s"] = statistics.median(row["times"])
        if "reports" in row:  # compiled: compile time, and the steady state (steps 2 on)
            reports = row.pop("reports")
            row["compile_s"] = statistics.median(r["compile_s"] for r in reports)
            row["steady_step_s"] = statistics.median(
                statistics.median(r["steps_s"][1:]) for r in reports)
            row["source_lines"] = reports[0]["source_lines"]
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


def correctness_errors(w1, w2, w2c, w3, w4):
    errors = []
    for label, results in (("w1", w1), ("w2", w2), ("w2c", w2c)):
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


def ratio(results, name, over="minigrad"):
    return results[name]["median_s"] / results[over]["median_s"]


def targets(w1, w2, w2c, w3, w4):
    seed = "compiled, seed's form"
    hand_epoch = w1["hand loop"]["median_s"] / W1["epochs"]
    checks = [
        ("w1 micrograd/minigrad", ratio(w1, "micrograd"), ">=", TARGETS["w1_micrograd"]),
        ("w2 micrograd/minigrad", ratio(w2, "micrograd"), ">=", TARGETS["w2_micrograd"]),
        ("w3 minigrad us/node (build+backward)", w3["minigrad"]["us_per_node"], "<",
         TARGETS["w3_us_per_node"]),
        ("w4 micrograd/minigrad bytes", w4["micrograd"]["bytes"] / w4["minigrad"]["bytes"], ">=",
         TARGETS["w4_bytes_ratio"]),
        ("w1 compiled (seed's form, compile + 300 steps)/hand loop", ratio(w1, seed, "hand loop"),
         "<=", TARGETS["w1_compiled_hand"]),
        ("w1 torch_vectorized/compiled (seed's form)", ratio(w1, "torch vectorized", seed), ">=",
         TARGETS["w1_torch_compiled"]),
        ("w1 compiled steady step (median of steps 2-301)/hand loop epoch",
         w1[seed]["steady_step_s"] / hand_epoch, "<=", TARGETS["w1_steady_hand"]),
        ("w2c compiled (compile + 20 steps)/hand loop", ratio(w2c, "compiled", "hand loop"), "<=",
         TARGETS["w2c_compiled_hand"]),
    ]
    passed = {">=": lambda v, b: v >= b, "<": lambda v, b: v < b, "<=": lambda v, b: v <= b}
    return [{"target": label, "value": value, "op": op, "bound": bound,
             "pass": passed[op](value, bound)}
            for label, value, op, bound in checks]


def print_training(title, results, epochs):
    print(f"\n## {title}\n")
    print(f"{'engine':<28}{'runs':>5}{'median s':>11}{'min s':>10}{'max s':>10}"
          f"{'x minigrad':>12}{'x hand':>8}{'nodes/epoch':>13}{'us/node':>9}  final loss")
    for name, row in results.items():
        nodes = row.get("nodes_per_epoch")
        per_node = f"{row['us_per_node']:.2f}" if nodes else "-"
        hand = f"{ratio(results, name, 'hand loop'):.2f}" if "hand loop" in results else "-"
        print(f"{name:<28}{len(row['times']):>5}{row['median_s']:>11.4f}{min(row['times']):>10.4f}"
              f"{max(row['times']):>10.4f}{ratio(results, name):>12.2f}{hand:>8}"
              f"{nodes or '-':>13}{per_node:>9}  {row['losses'][0]!r}")
    for name, row in results.items():
        if "compile_s" in row:
            print(f"  {name}: compile() {row['compile_s'] * 1e3:.1f} ms, "
                  f"{row['source_lines']} lines of source; steady state "
                  f"{row['steady_step_s'] * 1e6:.1f} us per step (median of steps 2-{epochs})")
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


def markdown_table(w1, w2, w2c, w3, w4):
    lines = [
        "| engine | w1 s | w1 × minigrad | w2 s | w2 × minigrad | w2c s (20 epochs) "
        "| w3 µs/node | w4 MB held |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in w1:
        cells = [name, f"{w1[name]['median_s']:.4f}", f"{ratio(w1, name):.2f}"]
        if name in w2:
            cells += [f"{w2[name]['median_s']:.3f}", f"{ratio(w2, name):.2f}"]
        else:
            cells += ["–", "–"]
        cells.append(f"{w2c[name]['median_s']:.3f}" if name in w2c else "–")
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
    engine_files = ["minigrad/scalar.py", "minigrad/nn.py", "minigrad/collector.py",
                    "minigrad/ops.py", "minigrad/compiler"]
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
    w2 = bench_training(W2, runs, slow_runs=True, engines=[
        e.name for e in ENGINES if not e.child and "seed" not in e.name])
    print_training("w2: MLP(16, [64, 64, 16]), 16 samples, 2 epochs", w2, W2["epochs"])
    w2c = bench_training(W2C, runs, slow_runs=False,
                         engines=["minigrad", "compiled", "hand loop"])
    print_training("w2c: MLP(16, [64, 64, 16]), 16 samples, 20 epochs", w2c, W2C["epochs"])
    w3 = bench_chain(runs)
    print_chain(w3)
    w4 = bench_memory()
    print_memory(w4)

    print(f"\n## targets (runs: {runs['fast']} per engine, {runs['slow']} for slow engines in w2"
          " and torch's chain)\n")
    checks = targets(w1, w2, w2c, w3, w4)
    for c in checks:
        print(f"{'PASS' if c['pass'] else 'FAIL'}  {c['target']} = {c['value']:.3f} "
              f"(target {c['op']} {c['bound']:g})")

    print("\n## summary (median seconds; × minigrad = engine time / minigrad time)\n")
    print(markdown_table(w1, w2, w2c, w3, w4))
    print(f"\nMachine: {info['platform']}, Python {info['python']}, {info['cpu_count']} CPUs; "
          f"torch {info['torch']} with 1 thread (default {DEFAULT_THREADS}), micrograd "
          f"{info['micrograd']}, minigrad {info['minigrad']} at commit {info['commit']}; "
          f"load average at start {', '.join(f'{x:.2f}' for x in info['load_average_at_start'])}.")
    print(f"Reproduce: `{command}`")

    errors = correctness_errors(w1, w2, w2c, w3, w4)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "command": command, "runs": runs, "w1": w1, "w2": w2,
                       "w2c": w2c, "w3": w3, "w4": w4, "targets": checks, "errors": errors},
                      f, indent=2)
    if errors:
        for error in errors:
            print(f"CORRECTNESS FAILURE: {error}", file=sys.stderr)
        sys.exit(1)
    print("\nAll engines agree: final losses and chain gradients within 1e-9 (relative).")


if __name__ == "__main__":
    main()
