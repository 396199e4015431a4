"""A learner's own lab (beginner_lab/, written from the handout alone by someone who had not
read the checker) and the slips that learner then made in it, one small edit each, as a
beginner types them. Each slip comes with what the finding must say and the fix that finding
names, as an edit of the file with the slip: the tests apply it, and the finding must go.
(None as the fix: the finding names no edit, only the place and what was seen.)"""

from pathlib import Path

LAB = Path(__file__).parent / "beginner_lab"
MODEL, TRAIN = "07-train-tense-logits/model.py", "07-train-tense-logits/train.py"
VIZ = "07-visualize-graph/viz.py"

# (name, Block, file, the learner's text, the slip, what the finding says, the fix named)
SLIPS = [
    ("each layer fed the network's input", "A", MODEL,
     "            out = layer(out)", "            out = layer(x)",
     "MLP.__call__: layer 2 is given the network's input (5 values), where its neurons take 4",
     ("            out = layer(x)", "            out = layer(out)")),
    ("no tanh in the neuron", "A", MODEL, "        return act.tanh()", "        return act",
     "every layer's neurons return b + Σ w·x without the tanh",
     ("        return act\n", "        return act.tanh()\n")),
    ("return inside the loop over the weights", "A", MODEL,
     "            act = act + wi * xi\n        return act.tanh()",
     "            act = act + wi * xi\n            return act.tanh()",
     "add only their first weight times its input",
     ("            act = act + wi * xi\n            return act.tanh()",
      "            act = act + wi * xi\n        return act.tanh()")),
    ("one weight Value repeated", "A", MODEL,
     "        self.w = [Value(random.uniform(-1, 1)) for _ in range(n_in)]",
     "        self.w = [Value(random.uniform(-1, 1))] * n_in",
     "are 1 Value(s), repeated (`[Value(...)] * n` repeats one Value)",
     ("[Value(random.uniform(-1, 1))] * n_in",
      "[Value(random.uniform(-1, 1)) for _ in range(n_in)]")),
    ("one Neuron object repeated", "A", MODEL,
     "        self.neurons = [Neuron(n_in) for _ in range(n_out)]",
     "        self.neurons = [Neuron(n_in)] * n_out",
     "layer 1 lists 4 neurons but they are 1 Neuron object(s), repeated",
     ("[Neuron(n_in)] * n_out", "[Neuron(n_in) for _ in range(n_out)]")),
    ("MLP.parameters() keeps the last layer's", "A", MODEL,
     "            params.extend(layer.parameters())", "            params = layer.parameters()",
     "it returns 25 of the 49 weights and biases; missing: layer 1's weights, layer 1's biases",
     ("            params = layer.parameters()", "            params += layer.parameters()")),
    ("the biases left out of parameters()", "A", MODEL, "        return self.w + [self.b]",
     "        return self.w", "missing: layer 1's biases, layer 2's biases",
     ("        return self.w\n", "        return [self.b] + self.w\n")),
    ("a tense's row copied from the one above", "B", TRAIN,
     "    [0, 0, 0, 1, 0],  # past participle  worked",
     "    [0, 0, 1, 0, 0],  # past participle  worked",
     "xs does not hold each of the 5 tenses once: tense 2 is there 2 times, tense 3 not at all",
     ("    [0, 0, 1, 0, 0],  # past participle", "    [0, 0, 0, 1, 0],  # past participle")),
    ("targets with their signs flipped", "B", TRAIN,
     "ys = [[Value(1.0 if bit == 1 else -1.0)", "ys = [[Value(-1.0 if bit == 1 else 1.0)",
     "every target has its signs flipped", None),
    ("errors not squared", "C", TRAIN, "sum((p - y) ** 2 for pred", "sum((p - y) for pred",
     "step 2: the loss sums the errors p - y without squaring them",
     ("sum((p - y) for pred", "sum((p - y) ** 2 for pred")),
    ("every output against every target", "C", TRAIN, "for p, y in zip(pred, target))",
     "for p in pred for y in target)",
     "step 2: the loss compares each output with all the targets of its example",
     ("for p in pred for y in target)", "for p, y in zip(pred, target))")),
    ("gradients zeroed after backward", "C", TRAIN,
     "    for p in model.parameters():\n        p.grad = 0.0\n    loss.backward()\n",
     "    loss.backward()\n    for p in model.parameters():\n        p.grad = 0.0\n",
     "step 3: the gradients are set to 0 after loss.backward() and before the update",
     ("    loss.backward()\n    for p in model.parameters():\n        p.grad = 0.0\n",
      "    for p in model.parameters():\n        p.grad = 0.0\n    loss.backward()\n")),
    ("the update rebinds the loop variable", "C", TRAIN, "        p.data -= lr * p.grad",
     "        p -= lr * p.grad", "step 5: no parameter's `.data` is assigned in the step",
     ("        p -= lr * p.grad", "        p.data -= lr * p.grad")),
    ("the update climbs", "C", TRAIN, "        p.data -= lr * p.grad", "        p.data += lr * p.grad",
     "step 5: the update goes uphill", ("        p.data += lr", "        p.data -= lr")),
    ("edges from the result to its inputs", "E", VIZ,
     "        dot.edge(node_id(child), node_id(v))", "        dot.edge(node_id(v), node_id(child))",
     "8 edge(s) run backwards, from a result to its input",
     ("dot.edge(node_id(v), node_id(child))", "dot.edge(node_id(child), node_id(v))")),
    ("nodes named by their label", "E", VIZ, "    return str(id(v))", "    return v.label or v._op",
     "are drawn as one node, named `*`", ("    return v.label or v._op", "    return str(id(v))")),
    ("data and grad swapped in the record", "E", VIZ, "(op, v.data, v.grad)", "(op, v.grad, v.data)",
     "shows its gradient 4 before its data 2", ("(op, v.grad, v.data)", "(op, v.data, v.grad)")),
    ("the trace stops at the root's inputs", "E", VIZ, "            stack.append(child)\n", "",
     "has no node in the drawing",
     ("            edges.add((child, v))\n",
      "            edges.add((child, v))\n            stack.append(child)\n")),
]


def write(folder, slip=None, fix=None):
    """beginner_lab/ copied into `folder`, with a slip (its name) and its fix applied."""
    folder = Path(folder)
    for path in LAB.rglob("*.py"):
        target = folder / path.relative_to(LAB)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text())
    if slip:
        name, block, file, old, new, said, named = next(s for s in SLIPS if s[0] == slip)
        edits = [(old, new)] + ([named] if fix else [])
        text = (folder / file).read_text()
        for before, after in edits:
            assert text.count(before) == 1, before
            text = text.replace(before, after)
        (folder / file).write_text(text)
    return folder
