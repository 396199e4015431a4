# The two commands a newcomer needs: `make repro` and `make test`. Both set up .venv (the
# package and its dependencies) and Graphviz's dot first.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# DVC runs each stage's `python` from PATH: make it the venv's.
export PATH := $(BIN):$(PATH)

.PHONY: setup repro test bench

setup: $(VENV)/.installed
	@scripts/install-graphviz.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

repro: setup
	$(BIN)/python scripts/check_params.py params.yaml data/verbs.yaml
	$(BIN)/dvc repro
	$(BIN)/python scripts/require_passed.py metrics/verify.json

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python bench/bench_engine.py
