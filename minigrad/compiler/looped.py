"""LoopedWriter: the looped form of a step, for graphs too wide to write out line by line.

Values and gradients live in lists (`V[12]`, `G[12]`); each wide n-ary node (`Value.dot`,
`Value.sum`, `Value.squared_error`) runs as a loop over its operands; lines that repeat with
evenly stepping slot numbers (a layer's neurons, a batch's samples) are rolled into
`for k in range(n):` loops (MLP(16, [64, 64, 16]): about 60 lines, not 200,000). A line
is written as pieces, text and slot numbers, so that lines compare by their text and step
by their numbers, as rolling and prediction (predicted) need.
"""

from typing import NamedTuple

from minigrad.compiler.symbols import ATOM, HOLE, OPERATORS, Sym, holes, number, rule_of, times
from minigrad.compiler.writer import Writer
from minigrad.scalar import Value

__all__ = ["LoopedWriter", "ROLL_MIN"]

ROLL_MIN = 8  # an n-ary node with at least this many operands in a row is a loop


class _Line(NamedTuple):
    """A line: `sig`, the text between its numbers, and the numbers; or, with a `body`, the
    loop `for k in range(reps):` around it, whose numbers step by `steps` each time."""

    sig: tuple
    numbers: list
    body: list | None = None
    reps: int = 0
    steps: list | None = None
    depth: int = 0


class _Last(NamedTuple):
    """The last node of a shape written: its layout and lines, and, once two nodes of the
    shape gave the same text, how each line's numbers (`steps`) and the layout stepped."""

    layout: list
    lines: list
    steps: list | None = None
    stride: list | None = None


def _line(pieces):  # a line's pieces (text, and slot numbers as ints) as a _Line
    sig, numbers = [""], []
    for piece in pieces:
        if type(piece) is int:
            numbers.append(piece)
            sig.append("")
        else:
            sig[-1] += piece
    return _Line(tuple(sig), numbers)


def _fill(template, operands):  # a rule's template, operand j's pieces in its hole {j}
    pieces = []
    for k, part in enumerate(HOLE.split(template)):
        pieces += operands[int(part)] if k % 2 else [part]
    return pieces


def _joined(items, separator=", "):
    pieces = []
    for k, item in enumerate(items):
        pieces += [separator, *item] if k else item
    return pieces


class LoopedWriter(Writer):
    names_read = "V[k] holds node k's value, G[k] d(loss)/d(node k); params come first."
    pattern = "V[%d]"

    def __init__(self, root, params, nodes, slot, lr):
        super().__init__(root, params, nodes, slot, lr)
        self.last = {}  # shape key -> the last node of that shape (predicted)
        self.shapes = {}  # node -> its layout and key (shape), from forward to backward
        self.constants = {}  # ids of a sequence of constants -> its index in C
        self.tables = []  # C: the values of each sequence of constants

    fill = staticmethod(_fill)

    def start(self, body):
        body.append(f"V = [p.data for p in PARAMS] + [0.0] * {len(self.nodes)}")
        body += [f"# V[{i}] is {p.label!r}" for i, p in enumerate(self.params) if p.label]

    def forward(self, node, body):
        self.predicted(self.write_forward, node, body)

    def start_backward(self, body):
        self.last = {}
        body.append(f"G = [0.0] * {len(self.slot)}")
        s = self.root_slot
        if s is not None:
            body.append(_line(["G[", s, "] = 1.0  # d(loss)/d(loss)"] if s >= len(self.params)
                              else ["G[", s, "] += 1.0  # the loss is this param"]))

    def backward(self, node, body):
        self.predicted(self.write_backward, node, body)

    def finish(self, body):
        body.append("# the results: every param's grad"
                    + ("" if self.lr is None else ", then the update"))
        body += ["for p, d, g in zip(PARAMS, V, G):", "    p.grad = g"]
        if self.lr is not None:
            body.append(f"    p.data = d - {number(self.lr)[0]} * g")
        if self.tables:
            self.names["C"] = self.tables

    def lay_out(self, body):
        # body holds text (from start, finish, ...) and the _Lines that predicted wrote
        return _write_items(roll([_line([x]) if type(x) is str else x for x in body]))

    def predicted(self, write, node, body):
        """write(node, lines), or the lines it would write, predicted: when two nodes of one
        shape gave the same text at layouts L0 and L1 = L0 + D, a node at L1 + D (a layer's
        next neuron) gets their lines, numbers stepped on as from L0 to L1, unwritten."""
        layout, key = self.shapes.pop(node, None) or self.shape(node)  # forward's, in backward
        last = self.last.get(key)
        if (last and last.steps is not None
                and list(map(int.__add__, last.layout, last.stride)) == layout):
            lines = [_Line(line.sig, list(map(int.__add__, line.numbers, step)))
                     for line, step in zip(last.lines, last.steps)]
            self.last[key] = last._replace(layout=layout, lines=lines)
            body += lines
            return
        written = []
        write(node, written)
        lines = [_line(pieces) for pieces in written]
        body += lines
        if last and last.steps is None and [a.sig for a in last.lines] == [b.sig for b in lines]:
            steps = [list(map(int.__sub__, b.numbers, a.numbers))
                     for a, b in zip(last.lines, lines)]
            stride = list(map(int.__sub__, layout, last.layout))
            self.last[key] = _Last(layout, lines, steps, stride)
        else:
            self.last[key] = _Last(layout, lines)

    def shape(self, node):
        """(layout, key): the node's slot, then its operands' (constants left out: their
        places are in the key); its rule, label, size and constants, which nodes alike share."""
        args, constants = node.args, None
        slots = list(map(self.slot.get, args))
        if None in slots:  # constants: the same objects, in the same places
            constants = tuple([None if s is not None else id(a) for a, s in zip(args, slots)])
            slots = [s for s in slots if s is not None]
        layout = [self.slot[node], *slots]
        self.shapes[node] = layout, (node.rule, node.label, len(args), constants)
        return self.shapes[node]

    def operands(self, args):
        # every operand an atom, so that a wide node's steps read alike (no rule writes **,
        # the one operator a negative constant would need parentheses for)
        slot = self.slot
        return [["V[", slot[a], "]"] if a in slot else [number(getattr(a, "data", a))[0]]
                for a in args], (ATOM,) * len(args)

    def write_forward(self, node, body):
        texts, precs = self.operands(node.args)
        rule = rule_of(self.rules, node.rule, node.args, self.slot, precs)
        out = ["V[", self.slot[node], "]"]
        self.write_check(node, rule, texts, out, body)
        if rule.fold is None or len(rule.fold[2]) < ROLL_MIN:
            body.append([*out, " = ", *_fill(rule.forward.text, [*texts, out]), self.comment(node)])
            return
        base, op, steps = rule.fold  # acc = base; acc = acc op steps[k], as a loop
        offsets = holes(steps[0].text)
        variables = [f"x{k}" for k in range(len(offsets))]
        streams = [self.stream(node, range(p, p + len(steps))) for p in offsets]
        term = _over(OPERATORS[op](Sym("acc"), steps[0]), texts, offsets, variables, out)
        body.append(["acc = ", *_fill(base.text, [*texts, out])])
        body.append([f"for {', '.join(variables)} in ", *_zipped(streams), ": acc = ", *term])
        body.append([*out, " = acc", self.comment(node)])

    def write_backward(self, node, body):
        texts, precs = self.operands(node.args)
        rule = rule_of(self.rules, node.rule, node.args, self.slot, precs)
        s, n = self.slot[node], len(node.args)
        out, upstream = ["V[", s, "]"], ["G[", s, "]"]
        where = ["  # via V[", s, f"] ({node.op})"]
        for run in rule.runs:
            kept = [j for j in run if node.args[j] in self.slot]
            if not kept:
                continue
            if len(run) < ROLL_MIN:
                for j in kept:
                    term = _fill(rule.terms[j].text, [*texts, out, upstream])
                    body.append(["G[", self.slot[node.args[j]], "] += ", *term, *where])
                continue
            local = rule.local[run.start]  # one form for the run: a loop over its operands
            offsets = [p for p in holes(local.text) if p < n]
            variables = [f"x{k}" for k in range(len(offsets))]
            indexes = [self.slot[node.args[j]] for j in kept]
            operands = [self.stream(node, [p + j - run.start for j in kept]) for p in offsets]
            body.append(["g = ", *upstream])
            into = _indexes(indexes, "G")
            if into[0] == "G[":  # slots evenly spaced: the slice, in one comprehension
                term = _over(Sym("gi") + times(local, Sym("g")), texts, offsets, variables, out)
                body.append([*into, " = [", *term, f" for {', '.join(['gi', *variables])} in ",
                             *_zipped([into, *operands]), "]", *where])
            else:
                term = _over(times(local, Sym("g")), texts, offsets, variables, out)
                slots = _tuple([[i] for i in indexes])
                body.append([f"for {', '.join(['i', *variables])} in ",
                             *_zipped([slots, *operands]), ": G[i] += ", *term, *where])

    def stream(self, node, places):
        """The pieces of the sequence of operands at `places` of `node` (for a loop)."""
        items = [node.args[p] for p in places]
        slots = list(map(self.slot.get, items))
        if None not in slots:
            return _indexes(slots, "V")
        if slots.count(None) == len(slots):  # constants: a global tuple per sequence (the
            ids = tuple(map(id, items))  # same objects: a layer's inputs), alive as the graph is
            if ids not in self.constants:
                self.constants[ids] = len(self.tables)
                self.tables.append(tuple(a.data if type(a) is Value else float(a) for a in items))
            return ["C[", self.constants[ids], "]"]
        return _tuple(self.operands(items)[0])


def _over(sym, texts, offsets, variables, out):
    """The pieces of `sym` on a node's operands, those at `offsets` read as `variables`."""
    texts = list(texts)
    for p, v in zip(offsets, variables):
        texts[p] = [v]
    return _fill(sym.text, [*texts, out])


def _indexes(slots, into):
    """into[a:b:s] for slots in an increasing arithmetic sequence, else a tuple of into[s]."""
    step = slots[1] - slots[0] if len(slots) > 1 else 1
    if step > 0 and slots == list(range(slots[0], slots[-1] + 1, step)):
        return [f"{into}[", slots[0], ":", slots[-1] + 1, "]" if step == 1 else f":{step}]"]
    return _tuple([[f"{into}[", s, "]"] for s in slots])


def _tuple(items):
    return ["(", *_joined(items), ",)"]


def _zipped(streams):
    return streams[0] if len(streams) == 1 else ["zip(", *_joined(streams), ")"]


# -- rolling repeated lines into loops ------------------------------------------------------------


def roll(items, max_period=8, min_reps=3):
    """Runs of `period` items repeated with the same lines and numbers stepping evenly, as
    loops; applied again to its own result, for loops of loops."""
    out, i, n = [], 0, len(items)
    sigs = [item.sig for item in items]
    while i < n:
        best = None
        for period in range(1, max_period + 1):
            def numbers(k):  # the numbers of the k-th block of `period` items from i
                return [x for item in items[i + k * period : i + (k + 1) * period]
                        for x in item.numbers]

            lines = sigs[i : i + period]
            if i + 2 * period > n or sigs[i + period : i + 2 * period] != lines:
                continue
            first, previous = numbers(0), numbers(1)
            steps, reps = [b - a for a, b in zip(first, previous)], 2
            while (k := i + reps * period) + period <= n and sigs[k : k + period] == lines:
                block = numbers(reps)
                if [b - a for a, b in zip(previous, block)] != steps:
                    break
                reps, previous = reps + 1, block
            if reps >= min_reps and (best is None or reps * period > best[0] * best[1]):
                best = (reps, period, first, steps)
        if best is None:
            out.append(items[i])
            i += 1
            continue
        reps, period, first, steps = best
        body = items[i : i + period]
        depth = 1 + max((b.depth for b in body), default=0)
        out.append(_Line(("loop", reps, tuple(steps), tuple(b.sig for b in body)), first,
                         body, reps, steps, depth))
        i += reps * period
    return out if len(out) == n else roll(out, max_period, min_reps)


def _write_items(items, indent=0, numbers=None):
    """Source lines of items; numbers[j] is (constant, ((step, variable), ...)) per number."""
    lines, pad = [], "    " * indent
    for item in items:
        own = [(x, ()) for x in item.numbers] if numbers is None else numbers[: len(item.numbers)]
        numbers = None if numbers is None else numbers[len(own):]
        if item.body is None:
            lines.append(pad + item.sig[0] + "".join(
                str(c) + "".join(f" + {d}*{k}" if d > 0 else f" - {-d}*{k}" for d, k in terms)
                + part for (c, terms), part in zip(own, item.sig[1:])))
        else:
            var = "k" if item.depth == 1 else f"k{item.depth}"
            lines.append(f"{pad}for {var} in range({item.reps}):")
            lines += _write_items(item.body, indent + 1, [
                (c, terms + ((d, var),) if d else terms) for (c, terms), d in zip(own, item.steps)])
    return lines
