"""Block E: does the learner's drawing show the graph the engine computed?

`check_drawing(source, root, path)` lays the learner's DOT out with Graphviz's own `dot -Tjson`
(so the drawing is read as Graphviz reads it: merged nodes, escapes and all), then asks, in
order, each question below of the drawing against `minigrad.drawing.trace(root)`. A question
whose prerequisite failed is not asked: without a node for a Value there is no order of its
numbers or edge of it to check.

Drawn nodes are matched to Values by the ids the drawing carries (a node name holding
str(id(v)), which is the same object: the check runs in the process that called draw), or else
by the numbers each node shows and the edges around it; never by a label alone, since two
Values may show the same op and equal numbers.
"""

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from minigrad import Value
from minigrad.drawing import trace

__all__ = ["DrawingCheck", "DotMissing", "check_drawing"]

BLOCK = "Block E"
FULL, SWAPPED, DATA_ONLY = 3, 2, 1  # how a node's numbers show a Value: the strength of a match
SEPARATORS = " \t\n=:,;()[]"  # around a number in a field: "data 2.0000", "grad=4.0"


class DotMissing(RuntimeError):
    """Graphviz's `dot` program is not on PATH, so no drawing can be read."""


@dataclass
class DrawingCheck:
    findings: list[str] = field(default_factory=list)  # each one line: "{path}, Block E: ..."
    summary: dict = field(default_factory=dict)  # what the drawing holds, JSON-able


@dataclass
class _Node:
    name: str
    texts: list[str]
    numbers: list[Decimal]  # every number its text shows, in order

    @property
    def shown(self):
        return "{ " + " | ".join(self.texts) + " }"


class _Drawing:
    """The learner's drawing as dot laid it out: nodes, edges as (tail, head) indexes."""

    def __init__(self, nodes, edges):
        self.nodes, self.edges = nodes, edges
        self.out = {i: [h for t, h in edges if t == i] for i in range(len(nodes))}
        self.into = {i: [t for t, h in edges if h == i] for i in range(len(nodes))}

    def is_op_node(self, i):
        """A node with no number, such as micrograd's `*` between inputs and result."""
        return not self.nodes[i].numbers

    def reaches(self, tail, head):
        """An edge tail -> head, or tail -> op node -> head."""
        return any(h == head or (self.is_op_node(h) and head in self.out[h])
                   for h in self.out[tail])

    def neighbours(self, i):
        """Nodes one edge away in either direction, looking through op nodes."""
        near = set()
        for j in self.out[i] + self.into[i]:
            near.update(self.out[j] + self.into[j] if self.is_op_node(j) else [j])
        near.discard(i)
        return near


def check_drawing(source, root, path, timeout=60):
    """The findings on the DOT `source` a learner's draw(root) gave, and what it holds."""
    if not isinstance(source, str):
        raise TypeError(f"check_drawing needs DOT source text (graph.source), got "
                        f"{type(source).__name__}")
    if not isinstance(root, Value):
        raise TypeError(f"check_drawing needs the Value that was drawn, got "
                        f"{type(root).__name__}")
    say = f"{path}, {BLOCK}: ".__add__
    result = DrawingCheck()
    drawing, error = read_drawing(source, timeout)
    if drawing is None:
        result.findings.append(say(error))
        result.summary = {"read": False}
        return result
    values, _ = trace(root)
    match = {}
    if shows_numbers(drawing, say, result.findings):
        match = match_nodes(drawing, values)
        one_node_each(drawing, values, match, say, result.findings)
        data_then_grad(drawing, match, say, result.findings)
        shows_ops(drawing, match, say, result.findings)
        edges_from_inputs(drawing, values, match, say, result.findings)
    result.summary = summarize(drawing, values, match)
    return result


# -- reading: Graphviz lays the drawing out, and its text ops are the fields ----------------------


def read_drawing(source, timeout=60):
    """Can Graphviz read the drawing? (the _Drawing, None) or (None, what dot said)."""
    if shutil.which("dot") is None:
        raise DotMissing("Graphviz's `dot` program is not on PATH: install Graphviz "
                         "(e.g. `apt-get install graphviz`) to check a drawing")
    run = subprocess.run(["dot", "-Tjson"], input=source, capture_output=True, text=True,
                         timeout=timeout)
    if run.returncode != 0:
        said = " ".join(run.stderr.split()) or f"dot exited with {run.returncode}"
        return None, f"Graphviz cannot read the drawing draw(root) returned: {said}"
    laid = json.loads(run.stdout)
    # subgraphs come first in `objects`; nodes follow, numbered by their own _gvid
    objects = laid.get("objects", [])[laid.get("_subgraph_cnt", 0):]
    by_id = {obj["_gvid"]: obj for obj in objects}
    nodes = []
    for gvid in sorted(by_id):
        # a record's `label` is its raw string; the fields are what dot wrote, in field order
        texts = [op["text"].strip() for op in by_id[gvid].get("_ldraw_", [])
                 if op.get("op") == "T"]
        texts = [t for t in texts if t]
        nodes.append(_Node(by_id[gvid]["name"], texts,
                           [n for t in texts for n in numbers_in(t)]))
    index = {gvid: i for i, gvid in enumerate(sorted(by_id))}
    edges = [(index[e["tail"]], index[e["head"]]) for e in laid.get("edges", [])]
    return _Drawing(nodes, edges), None


def numbers_in(text):
    """The numbers a field shows, as written ("data 2.0000" -> [2.0000]); "**2" is no number."""
    for sep in SEPARATORS:
        text = text.replace(sep, " ")
    found = []
    for word in text.split():
        try:
            number = Decimal(word)
        except InvalidOperation:
            continue
        if number.is_finite():
            found.append(number)
    return found


def rounds_to(shown, x):
    """Does `shown` read as x at the precision shown? ("2.0000" for 2.00004, "4" for 4.3)"""
    half = Decimal(5).scaleb(shown.as_tuple().exponent - 1)
    return abs(Decimal(x) - shown) <= half


def strength(node, value):
    """How node's numbers show value: FULL (data, then grad), SWAPPED, DATA_ONLY, or 0."""
    nums = node.numbers
    data = [i for i, n in enumerate(nums) if rounds_to(n, value.data)]
    grad = [i for i, n in enumerate(nums) if rounds_to(n, value.grad)]
    if not data:
        return 0
    if any(i < j for i in data for j in grad):
        return FULL
    if any(j < i for i in data for j in grad):
        return SWAPPED
    return DATA_ONLY


# -- matching drawn nodes to Values ---------------------------------------------------------------


def match_nodes(drawing, values):
    """{Value: index of its drawn node}, for the Values that have one."""
    by_id = match_by_id(drawing, values)
    return by_id if by_id else match_by_structure(drawing, values)


def match_by_id(drawing, values):
    """Nodes named after the Values' ids: the one of a Value's nodes that shows numbers (a
    micrograd op node, `str(id(v)) + v._op`, holds the same id and shows no number)."""
    digit_runs = [set("".join(c if c.isdigit() else " " for c in node.name).split())
                  for node in drawing.nodes]
    match = {}
    for value in values:
        named = [i for i, runs in enumerate(digit_runs) if str(id(value)) in runs]
        if named:
            match[value] = max(named, key=lambda i: strength(drawing.nodes[i], value))
    return match


def match_by_structure(drawing, values):
    """Each Value's node by its numbers, then by its neighbours: a candidate is kept if the
    Value's inputs and results have candidates among the node's neighbours (edges in either
    direction, so that reversed edges still match). Then, surest first, each Value takes one
node, and the others are narrowed again without it."""
    parents = {v: [] for v in values}
    for v in values:
        for u in v._prev:
            parents[u].append(v)
    shows = {v: [strength(node, v) for node in drawing.nodes] for v in values}
    # One draw() writes every label the same way, so the drawing has one reading (data then
    # grad, grad then data, or data only): the one most Values fit best. Another fit is taken
    # only for a Value with none in that reading: at a=2, c=4 node { + | -2 | 10 }, drawn
    # grad first, reads data then grad as a-c = -2 with gradient 10.
    best = [max(shows[v], default=0) for v in values]
    reading = max((FULL, SWAPPED, DATA_ONLY), key=best.count)
    candidates = {v: {i for i, s in enumerate(shows[v]) if s == reading} for v in values}
    weak = {v for v in values if not candidates[v]}
    for v in weak:
        candidates[v] = {i for i, s in enumerate(shows[v]) if s}
    near = [drawing.neighbours(i) for i in range(len(drawing.nodes))]

    def score(v, i):
        # a weak Value's guesses vouch for no neighbour: they may be another's node; the
        # label, last, only breaks a tie that the numbers and edges leave
        linked = sum(bool(candidates[u] & near[i]) for u in (*v._prev, *parents[v])
                     if u not in weak)
        named = (v.label or v.op) in drawing.nodes[i].texts
        return linked, shows[v][i], named

    match = {}
    while True:
        narrow(values, candidates, score)
        left = [v for v in values if v not in match and candidates[v]]
        if not left:
            return match
        # the surest Value takes its first candidate, which no other Value may then take
        v = min(left, key=lambda v: (v in weak, len(candidates[v])))
        match[v] = min(candidates[v])
        candidates[v] = {match[v]}
        for u in values:
            if u is not v:
                candidates[u].discard(match[v])


def narrow(values, candidates, score):
    """Keep, of each Value's candidates, those that score best, until nothing changes."""
    changed = True
    while changed:  # sets only shrink, so this ends
        changed = False
        for v in values:
            if len(candidates[v]) > 1:
                best = max(score(v, i) for i in candidates[v])
                kept = {i for i in candidates[v] if score(v, i) == best}
                changed |= kept != candidates[v]
                candidates[v] = kept


# -- the questions, in order ----------------------------------------------------------------------


def shows_numbers(drawing, say, findings):
    """Does any node show a number? Without numbers no node can be told from another."""
    if any(node.numbers for node in drawing.nodes):
        return True
    findings.append(say(f"none of the drawing's {len(drawing.nodes)} nodes shows a number: "
                        "label each Value's node { op | data | grad } with its v.data and "
                        "v.grad"))
    return False


def one_node_each(drawing, values, match, say, findings):
    """Is each Value drawn once, as a node of its own?"""
    by_name = {node.name: i for i, node in enumerate(drawing.nodes)}
    owner = {i: v for v, i in match.items()}
    cycle, merged = find_cycle(drawing), False
    for v in values:
        if v in match:
            continue
        name = v.label or v.op
        shared = by_name.get(name)
        # proof of a merge: the node is named as v would be by its label, and the Value that
        # holds it has that label too, so draw() gave both the same name
        if shared in owner and (owner[shared].label or owner[shared].op) == name:
            merged = True
            loop = (f", and the drawing then has a cycle: {path_of(drawing, cycle)}"
                    if cycle else "")
            findings.append(say(
                f"{describe(v)} and {describe(owner[shared])} are drawn as one node, named "
                f"`{drawing.nodes[shared].name}` (Graphviz merges nodes of the same name){loop}: "
                "name each node by something unique to its Value, such as str(id(v))"))
        else:
            findings.append(say(f"{describe(v)} has no node in the drawing"))
    for i, node in enumerate(drawing.nodes):
        if node.numbers and i not in owner:
            twin = [v for v in values if strength(node, v) >= SWAPPED]
            what = f"a second node for {describe(twin[0])}" if twin else "a node of no Value"
            findings.append(say(f"the node {node.shown} is {what}: draw each Value once"))
    if cycle and not merged:
        findings.append(say("the drawing has a cycle, which a computation graph never has: "
                            + path_of(drawing, cycle)))


def data_then_grad(drawing, match, say, findings):
    """Does each Value's node show its data, then its grad, as numbers that round to them?"""
    for v, i in match.items():
        node = drawing.nodes[i]
        how = strength(node, v)
        # the node by what it shows, not its name: a name may hold an id, new every run
        where = f"the node {node.shown}, for {describe(v)},"
        if how == SWAPPED:
            findings.append(say(f"{where} shows its gradient {v.grad:g} before its data "
                                f"{v.data:g}: the record reads {{ op | data | grad }}"))
        elif how == DATA_ONLY and len(node.numbers) == 1:
            findings.append(say(f"{where} shows its data but no gradient: add v.grad as the "
                                "record's third field, { op | data | grad }"))
        elif how == DATA_ONLY:
            findings.append(say(f"{where} shows no number that rounds to its gradient "
                                f"{v.grad:g}"))
        elif how == 0:
            findings.append(say(f"{where} shows no number that rounds to its data {v.data:g}"))


_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def shows_ops(drawing, match, say, findings):
    """Does each computed Value show the op that made it, in its node or in an op node that
    feeds it? (A variable may show its name instead; it has no op.)"""
    blank = []
    for v, i in match.items():
        if not v.op:
            continue
        near = [drawing.nodes[i].texts] + [drawing.nodes[j].texts for j in drawing.into[i]
                                           if drawing.is_op_node(j)]
        # a number's sign is no op: look for it in what the fields show besides numbers
        if not any(v.op in _NUMBER.sub(" ", text) for texts in near for text in texts):
            blank.append(v)
    if blank:
        named = ", ".join(map(describe, blank[:3]))
        findings.append(say(f"{len(blank)} computed value(s) show no op ({named}"
                            f"{', ...' if len(blank) > 3 else ''}): the record's first field is"
                            " the op that made the value, { v._op | data | grad }; a variable"
                            " shows its label there"))


def edges_from_inputs(drawing, values, match, say, findings):
    """From each distinct input (`_prev`) of each Value, is there an edge to its result (or to
    the result's op node), pointing from the input to the result?"""
    backwards, missing = [], []
    for v in values:
        for u in v._prev:
            if u not in match or v not in match:
                continue  # no node: one_node_each said so
            if drawing.reaches(match[u], match[v]):
                continue
            pair = f"{describe(u)} -> {describe(v)}"
            (backwards if drawing.reaches(match[v], match[u]) else missing).append(pair)
    if backwards:
        findings.append(say(f"{len(backwards)} edge(s) run backwards, from a result to its "
                            f"input ({'; '.join(backwards)} drawn the other way): draw each "
                            "as dot.edge(input, result)"))
    for pair in missing:
        findings.append(say(f"no edge from input to result: {pair}; add an edge from each "
                            "of a node's _prev to it"))


# -- what the drawing holds -----------------------------------------------------------------------


def summarize(drawing, values, match):
    """The drawing's counts, and each leaf's outgoing edges in the drawing and their heads."""
    owner = {i: v for v, i in match.items()}

    def head(i):
        if i in owner:
            return owner[i].label or owner[i].op
        return " ".join(drawing.nodes[i].texts) or drawing.nodes[i].name

    leaves = []
    for v in values:
        if not v.inputs:
            out = drawing.out[match[v]] if v in match else []
            leaves.append({"leaf": v.label or f"{v.data:g}", "node": (
                drawing.nodes[match[v]].shown if v in match else None),
                "outgoing_edges": len(out), "to": [head(i) for i in out]})
    op_nodes = sum(drawing.is_op_node(i) for i in range(len(drawing.nodes)))
    return {"read": True, "nodes": len(drawing.nodes), "op_nodes": op_nodes,
            "edges": len(drawing.edges), "values": len(values),
            "values_drawn": len(match), "leaves": leaves}


def path_of(drawing, cycle):
    """A cycle as its nodes' first fields, "* -> + -> *" (names may hold ids)."""
    return " -> ".join((drawing.nodes[i].texts or [drawing.nodes[i].name])[0] for i in cycle)


def describe(v):
    """A Value in a finding: `a` = 2, or `*` = 6 for a result."""
    return f"`{v.label or v.op or 'a constant'}` = {v.data:g}"


def find_cycle(drawing):
    """Node indexes around one cycle of the drawing, first repeated at the end; [] if none.
    Depth first with an explicit stack, so a drawing of any size is walked."""
    done = set()
    for start in range(len(drawing.nodes)):
        if start in done:
            continue
        path, onpath, stack = [start], {start}, [iter(drawing.out[start])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:  # every edge out of path[-1] is walked
                stack.pop()
                done.add(path[-1])
                onpath.discard(path.pop())
            elif nxt in onpath:
                return path[path.index(nxt):] + [nxt]
            elif nxt not in done:
                path.append(nxt)
                onpath.add(nxt)
                stack.append(iter(drawing.out[nxt]))
    return []
