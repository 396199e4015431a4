"""The lab's DVC pipeline: one module per stage, run as `python -m stages.<name>`, and the
small modules they share (params, files, manifest, ...), each named for what it does.

dvc.yaml wires the stages together; minigrad, the engine, knows nothing of any of this.
"""
