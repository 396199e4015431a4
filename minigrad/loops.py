"""The looped form of a compiled step, for graphs too wide to write out line by line.

Values and gradients live in lists (`V[12]`, `G[12]`); each wide n-ary node (`Value.dot`,
`Value.sum`, `Value.squared_error`) runs as a loop over its operands; lines that repeat with
evenly stepping slot numbers (a layer's neurons, a batch's samples) are rolled into
`for k in range(n):` loops. MLP(16, [64, 64, 16]) on 16 samples is about 60 lines, not
200,000, and runs the same statements in the same order as the straight-line form would.
Each slot number is marked while a line is written, so that lines compare as (text between
numbers, numbers): the roller needs that, and so does prediction (LoopedWriter.predicted).
"""

import itertools
import re

from minigrad.scalar import Value
from minigrad.symbols import ATOM, OPERATORS, Sym, holes, number, rule_of, times
from minigrad.tracing import Writer

__all__ = ["LoopedWriter", "ROLL_MIN"]

ROLL_MIN = 8  # an n-ary node with at least this many operands in a row is a loop
_CONSTANT = -(2**62)  # a constant operand's place in a layout (predicted): never a slot


def _mark(number):
    return f"\x01{number}\x02"


class LoopedWriter(Writer):
    """Writes a wide graph's step: lists and loops (see the module's docstring)."""

    names_read = "V[k] holds node k's value, G[k] d(loss)/d(node k); params come first."
    pattern = "V[\x01%d\x02]"

    def __init__(self, root, params, nodes, slot, lr):
        super().__init__(root, params, nodes, slot, lr)
        self.states = {}  # (rule, label, size, constants) -> the last node's lines (predicted)
        self.shapes = {}  # node -> its layout, constants and key, from forward to backward
        self.constants = {}  # ids of a sequence of constants -> (its index in C, its values)

    def grad(self, s):
        return f"G[{_mark(s)}]"

    def start(self, body):
        body.append(f"V = [p.data for p in PARAMS] + [0.0] * {len(self.nodes)}")
        body += [f"# V[{i}] is {p.label!r}" for i, p in enumerate(self.params) if p.label]

    def forward(self, node, body):
        self.predicted(self.write_forward, node, body)

    def start_backward(self, body):
        self.states = {}
        body.append(f"G = [0.0] * {len(self.slot)}")
        s = self.root_slot
        if s is not None:
            body.append(f"{self.grad(s)} = 1.0  # d(loss)/d(loss)" if s >= len(self.params)
                        else f"{self.grad(s)} += 1.0  # the loss is this param")

    def backward(self, node, body):
        self.predicted(self.write_backward, node, body)

    def finish(self, body):
        body.append("# the results: every param's grad"
                    + ("" if self.lr is None else ", then the update"))
        body += ["for p, d, g in zip(PARAMS, V, G):", "    p.grad = g"]
        if self.lr is not None:
            body.append(f"    p.data = d - {number(self.lr)[0]} * g")
        if self.constants:
            self.names["C"] = [values for _, values in self.constants.values()]

    def lay_out(self, body):
        # body holds text (from start, finish, ...) and the items that predicted wrote
        return _write_items(roll([_items([x])[0] if type(x) is str else x for x in body]))

    def predicted(self, writer, node, body):
        """writer(node, body), or the lines it would write, predicted.

        A node's lines depend only on its rule, label and constants, and on its operands'
        slots (its layout). When two nodes of one shape gave the same lines at layouts L0
        and L1 = L0 + D, a node at L1 + D (a layer's next neuron) gets the same lines with
        their numbers stepped on as they stepped from L0 to L1, without being written.
        """
        shape = self.shapes.pop(node, None)  # as found for its forward lines
        if shape is None:
            args = node.args
            layout = [self.slot[node], *map(self.slot.get, args, itertools.repeat(_CONSTANT))]
            consts = None  # constants: the same objects, in the same places
            if _CONSTANT in layout:
                consts = tuple([id(a) if t == _CONSTANT else None
                                for a, t in zip(args, layout[1:])])
            shape = self.shapes[node] = layout, (node.rule, node.label, len(args), consts)
        layout, key = shape
        state = self.states.get(key)  # the last node of this shape: [layout, items, steps, D]
        if state and state[2] is not None and list(map(int.__add__, state[0], state[3])) == layout:
            state[0] = layout
            state[1] = items = [_Line(item.sig, list(map(int.__add__, item.params, step)))
                                for item, step in zip(state[1], state[2])]
            body += items
            return
        lines = []
        writer(node, lines)
        items = _items(lines)
        body += items
        if state and state[2] is None and [i.sig for i in state[1]] == [i.sig for i in items]:
            steps = [list(map(int.__sub__, b.params, a.params)) for a, b in zip(state[1], items)]
            self.states[key] = [layout, items, steps, list(map(int.__sub__, layout, state[0]))]
        else:
            self.states[key] = [layout, items, None, None]

    def operands(self, args):
        # every operand an atom, so that a wide node's steps read alike: a negative constant
        # needs no parentheses where an operand goes (no rule writes **, which binds tighter)
        slot, pattern = self.slot, self.pattern
        return [pattern % slot[a] if a in slot else number(getattr(a, "data", a))[0]
                for a in args], (ATOM,) * len(args)

    def write_forward(self, node, body):
        texts, precs = self.operands(node.args)
        rule = rule_of(self.rules, node.rule, node.args, self.slot, precs)
        out = self.pattern % self.slot[node]
        self.check(node, rule, texts, out, body)
        if rule.fold is None or len(rule.fold[2]) < ROLL_MIN:
            body.append(f"{out} = {rule.forward.text.format(*texts, out)}{self.comment(node)}")
            return
        base, op, steps = rule.fold  # acc = base; acc = acc op steps[k], as a loop
        offsets = holes(steps[0].text)
        variables = [f"x{k}" for k in range(len(offsets))]
        streams = [self.stream(node, range(p, p + len(steps))) for p in offsets]
        term = _over(OPERATORS[op](Sym("acc"), steps[0]), texts, offsets, variables, out)
        body.append(f"acc = {base.text.format(*texts, out)}")
        body.append(f"for {', '.join(variables)} in {_zipped(streams)}: acc = {term}")
        body.append(f"{out} = acc" + self.comment(node))

    def write_backward(self, node, body):
        texts, precs = self.operands(node.args)
        rule = rule_of(self.rules, node.rule, node.args, self.slot, precs)
        s, n = self.slot[node], len(node.args)
        out, upstream = self.pattern % s, self.grad(s)
        where = f"  # via {out} ({node.op})"
        for j0, j1 in rule.runs:
            kept = [j for j in range(j0, j1) if node.args[j] in self.slot]
            if not kept:
                continue
            if j1 - j0 < ROLL_MIN:
                for j in kept:
                    term = rule.terms[j].text.format(*texts, out, upstream)
                    body.append(f"{self.grad(self.slot[node.args[j]])} += {term}" + where)
                continue
            local = rule.local[j0]  # one form for the run: a loop over its operands
            offsets = [p for p in holes(local.text) if p < n]
            variables = [f"x{k}" for k in range(len(offsets))]
            indexes = [self.slot[node.args[j]] for j in kept]
            operands = [self.stream(node, [p + j - j0 for j in kept]) for p in offsets]
            body.append(f"g = {upstream}")
            into = _indexes(indexes, "G")
            if into.startswith("G["):  # slots evenly spaced: the slice, in one comprehension
                term = _over(Sym("gi") + times(local, Sym("g")), texts, offsets, variables, out)
                body.append(f"{into} = [{term} for {', '.join(['gi', *variables])} in "
                            f"{_zipped([into, *operands])}]" + where)
            else:
                term = _over(times(local, Sym("g")), texts, offsets, variables, out)
                slots = "(" + ", ".join(map(_mark, indexes)) + ",)"
                body.append(f"for {', '.join(['i', *variables])} in "
                            f"{_zipped([slots, *operands])}: G[i] += {term}" + where)

    def stream(self, node, places):
        """Source of the sequence of operands at `places` of `node` (for a loop)."""
        items = [node.args[p] for p in places]
        slots = list(map(self.slot.get, items))
        if None not in slots:
            return _indexes(slots, "V")
        if slots.count(None) == len(slots):  # constants: a global tuple per sequence (the
            ids = tuple(map(id, items))  # same objects: a layer's inputs), alive as the graph is
            if ids not in self.constants:
                values = tuple(a.data if type(a) is Value else float(a) for a in items)
                self.constants[ids] = len(self.constants), values
            return f"C[{_mark(self.constants[ids][0])}]"
        return "(" + ", ".join(self.operand(a)[0] for a in items) + ",)"


def _over(sym, texts, offsets, variables, out):
    """The source of `sym` on a node's operands, those at `offsets` read as `variables`."""
    texts = list(texts)
    for p, v in zip(offsets, variables):
        texts[p] = v
    return sym.text.format(*texts, out)


def _indexes(slots, into):
    """into[a:b:s] for slots in an increasing arithmetic sequence, else a tuple of into[s]."""
    step = slots[1] - slots[0] if len(slots) > 1 else 1
    if step > 0 and slots == list(range(slots[0], slots[-1] + 1, step)):
        return f"{into}[{_mark(slots[0])}:{_mark(slots[-1] + 1)}{'' if step == 1 else f':{step}'}]"
    return "(" + ", ".join(f"{into}[{_mark(s)}]" for s in slots) + ",)"


def _zipped(streams):
    return streams[0] if len(streams) == 1 else f"zip({', '.join(streams)})"


# -- rolling repeated lines into loops ------------------------------------------------------------

_MARK = re.compile("\x01(-?[0-9]+)\x02")


class _Line:  # a line: the text between its marked numbers, and the numbers
    __slots__ = ("sig", "params")
    body = None

    def __init__(self, sig, params):
        self.sig, self.params = sig, params


class _Loop(_Line):  # `for k in range(reps):` around body; numbers step by `steps`
    __slots__ = ("body", "reps", "steps", "depth")


def _items(lines):
    return [_Line(tuple(parts[0::2]), list(map(int, parts[1::2])))
            for parts in map(_MARK.split, lines)]


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
                        for x in item.params]

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
        loop = _Loop(None, first)
        loop.body, loop.reps, loop.steps = items[i : i + period], reps, steps
        loop.sig = ("loop", reps, tuple(steps), tuple(b.sig for b in loop.body))
        loop.depth = 1 + max((b.depth for b in loop.body if b.body is not None), default=0)
        out.append(loop)
        i += reps * period
    return out if len(out) == n else roll(out, max_period, min_reps)


def _write_items(items, indent=0, params=None):
    """Source lines of items; params[j] is (constant, ((step, variable), ...)) per number."""
    lines, pad = [], "    " * indent
    for item in items:
        own = [(x, ()) for x in item.params] if params is None else params[: len(item.params)]
        params = None if params is None else params[len(own):]
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
