# The two commands a newcomer needs: `make repro` and `make test`. Both set up .venv (the
# package and its dependencies), Graphviz's dot and the offline page for `dvc plots` first.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# DVC's plots.html_template: Vega inlined, so `dvc plots show/diff` pages draw offline.
PLOTS_TEMPLATE := .dvc/plots_template.html
# DVC runs each stage's `python` from PATH: make it the venv's.
export PATH := $(BIN):$(PATH)

.PHONY: setup repro test bench

setup: $(VENV)/.installed $(PLOTS_TEMPLATE)
	@scripts/install-graphviz.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

# The setting is local (.dvc/config.local, not committed): a clone that has not run
# `make setup` yet gets DVC's own online page rather than an error about a missing file.
$(PLOTS_TEMPLATE): $(VENV)/.installed scripts/make_plots_template.py
	$(BIN)/python scripts/make_plots_template.py $@
	$(BIN)/dvc config --local plots.html_template plots_template.html

repro: setup
	$(BIN)/python scripts/check_params.py params.yaml data/verbs.yaml
	$(BIN)/dvc repro
	$(BIN)/python scripts/require_passed.py metrics/verify.json

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python bench/bench_engine.py
