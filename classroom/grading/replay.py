"""The lab, computed here with minigrad alone: its data, its SGD replayed from a learner's
initial weights, the checks of those weights against Block A, and the accuracy of the weights
a learner's run ended with. None of it reads the learner's code, only the numbers its run
recorded."""

import math

from labcheck.run import LAB, N_TENSES
from minigrad import seed_everything
from minigrad.nn import MLP

# The lab's bar on the final loss (the root's verify.max_loss as the lab sets it): a class is
# graded at the lab's settings, not at whatever the root params.yaml holds.
MAX_LOSS = 0.5

# How far a learner's final weights may be from the replay's and still be the lab's SGD.
# Measured: a correct lab that adds the bias first, as Value.dot does, matches bit for bit;
# one that adds the bias last, uses Value.dot, or sums the loss example by example ends 5e-16
# away (float rounding, carried through 300 epochs). The smallest mistakes measured land far
# off: one update fewer, 1e-3; lr 0.0501 for 0.05, 7e-4; gradients never zeroed or 0/1
# targets, 2 to 150. 1e-9 sits six orders above the rounding and five below those.
TOLERANCE = 1e-9

# Two neurons whose starting weights agree this closely did not come from uniform draws (the
# chance is about 1e-12 per pair): Block A's symmetry-breaking start is missing.
ALIKE = 1e-12


def lab_data():
    """The lab's Block B: the five one-hot tenses, targets +1 for the tense and -1 else."""
    xs = [[1.0 if j == i else 0.0 for j in range(N_TENSES)] for i in range(N_TENSES)]
    ys = [[1.0 if j == i else -1.0 for j in range(N_TENSES)] for i in range(N_TENSES)]
    return xs, ys


def network(weights):
    """minigrad.nn.MLP at the lab's shape, holding `weights` (record.json's layout)."""
    model = MLP(N_TENSES, LAB["layer_sizes"], LAB["init_range"])
    model.load_state_dict({"n_in": N_TENSES, "layer_sizes": list(LAB["layer_sizes"]),
                           "layers": [{"weights": [n["w"] for n in layer],
                                       "biases": [n["b"] for n in layer]} for layer in weights]})
    return model


def flat(weights):
    return [x for layer in weights for n in layer for x in [*n["w"], n["b"]]]


def total_loss(model, xs, ys):
    """The sum of squared errors over all 25 outputs."""
    return sum((out - target) ** 2 for x, y in zip(xs, ys) for out, target in zip(model(x), y))


def replay(initial):
    """The lab's SGD from `initial`: (each epoch's starting loss, the final weights)."""
    xs, ys = lab_data()
    model = network(initial)
    losses = []
    for _ in range(LAB["epochs"]):
        loss = total_loss(model, xs, ys)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= LAB["lr"] * p.grad
        losses.append(loss.data)
    final = [[{"w": [w.data for w in n.w], "b": n.b.data} for n in layer.neurons]
             for layer in model.layers]
    return losses, final


def reference():
    """The lab's own run: minigrad.nn.MLP from the lab's seed, trained by replay()."""
    seed_everything(LAB["seed"])
    model = MLP(N_TENSES, LAB["layer_sizes"], LAB["init_range"])
    initial = [[{"w": [w.data for w in n.w], "b": n.b.data} for n in layer.neurons]
               for layer in model.layers]
    return replay(initial)[0]


def distance(a, b):
    """The largest difference between two sets of weights (inf where one is not a number)."""
    gaps = [abs(x - y) for x, y in zip(flat(a), flat(b))]
    return max((g if math.isfinite(g) else math.inf for g in gaps), default=math.inf)


def check_start(initial, where):
    """Findings on the starting weights, against Block A: weights within the init range, biases
    0, no two neurons of a layer alike. [] when Block A's start holds."""
    r = LAB["init_range"]
    findings = []
    outside = [w for layer in initial for n in layer for w in n["w"] if not -r <= w <= r]
    if outside:
        findings.append(f"{where}, Block A, start: {len(outside)} starting weight(s) lie outside"
                        f" uniform(-{r:g}, {r:g}), e.g. {outside[0]:.4g}")
    biases = [n["b"] for layer in initial for n in layer if n["b"] != 0.0]
    if biases:
        findings.append(f"{where}, Block A, start: {len(biases)} bias(es) do not start at 0,"
                        f" e.g. {biases[0]:.4g}")
    for number, layer in enumerate(initial, 1):
        alike = [(i, j) for i in range(len(layer)) for j in range(i + 1, len(layer))
                 if max(abs(x - y) for x, y in zip(layer[i]["w"], layer[j]["w"])) < ALIKE]
        if alike:
            i, j = alike[0]
            findings.append(f"{where}, Block A, start: neurons start alike (layer {number}'s"
                            f" neurons {i + 1} and {j + 1} have the same weights), so they learn"
                            f" alike: draw each weight from uniform(-{r:g}, {r:g})")
    return findings


def correct(final):
    """How many tenses the final weights predict right (the largest of the 5 outputs)."""
    xs, _ = lab_data()
    model = network(final)
    outs = [[o.data for o in model(x)] for x in xs]
    return sum(max(range(N_TENSES), key=lambda j: out[j]) == i for i, out in enumerate(outs))
