"""The lab checker: it reads a learner's lab (model.py, train.py, viz.py) and judges it
against the engine, question by question in the lab's order, innermost first.

Imports point one way: stages and the classroom import labcheck, labcheck imports minigrad.
"""
