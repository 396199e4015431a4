"""The lab checker: it reads a learner's lab (model.py, train.py, viz.py) and judges it
against the engine, question by question in the lab's order, innermost first; the first
question that fails is the place a finding names, and what depends on it is not asked.

    contract.py  the files: the names the stages call, imported and called once (check_lab)
    model.py     Block A: the objects, parameters(), the starting weights, the forward pass
    data.py      Block B: xs and ys
    step.py      Block C: the learner's sgd_step, watched at steps 2 to 5
    graph.py     Block E: the learner's drawing, read by Graphviz, against the engine's graph
    advice.py    the report's "What to improve"

Imports point one way: stages and the classroom import labcheck, labcheck imports minigrad.
"""

import copy
import random

from labcheck.contract import (LabError, Lab, check_lab, init_range_note, learner_call, load,
                               mlp_kwargs, shown)
from labcheck.data import check_data
from labcheck.model import check_forward, check_objects, check_parameters, check_start
from labcheck.step import check_steps

__all__ = ["LabError", "Lab", "load", "check_lab", "audit", "learner_call", "mlp_kwargs",
           "init_range_note", "shown"]


def audit(lab, model, xs, ys, lr, init_range):
    """What differs, in the lab's terms, between the learner's lab and what its Blocks give,
    on a copy of `model`: its objects and starting weights, its forward pass, its data, and
    two of its steps; [] when nothing does. `random`'s state is kept, so the real training
    draws the same numbers as without the audit."""
    state = random.getstate()
    try:
        model = copy.deepcopy(model)
        path = shown(lab.model.__file__)
        findings = check_objects(model, path) + check_parameters(lab, model)
        findings += check_start(lab, model, init_range, bool(mlp_kwargs(lab, init_range)))
        findings += check_data(lab, xs, ys)
        if not findings:  # the forward pass and the steps are asked only of a sound model
            findings = check_forward(lab, model, xs)
        if not findings:
            findings = check_steps(lab, model, xs, ys, lr)
    finally:
        random.setstate(state)
    return findings
