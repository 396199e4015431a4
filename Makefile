# The two commands a newcomer needs: `make repro` and `make test`. Both set up .venv (the
# package with its pipeline and test extras), Graphviz's dot and the offline page for
# `dvc plots` first. `make test-fast` runs only the tests that start no DVC, Chromium or
# other subprocess: the engine and the unit tests, in seconds.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# DVC's plots.html_template: Vega inlined, so `dvc plots show/diff` pages draw offline.
PLOTS_TEMPLATE := .dvc/plots_template.html
# DVC runs each stage's `python` from PATH: make it the venv's.
export PATH := $(BIN):$(PATH)

.PHONY: setup repro test test-fast bench starter class

setup: $(VENV)/.installed $(PLOTS_TEMPLATE)
	@scripts/install-graphviz.sh
	@scripts/install-bubblewrap.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[pipeline,test]'
	touch $@

# The setting is local (.dvc/config.local, not committed): a clone that has not run
# `make setup` yet gets DVC's own online page rather than an error about a missing file.
$(PLOTS_TEMPLATE): $(VENV)/.installed scripts/make_plots_template.py
	$(BIN)/python -m scripts.make_plots_template $@
	$(BIN)/dvc config --local plots.html_template plots_template.html

# check_params run first gives malformed YAML its one line too (plain `dvc repro` reports
# that itself, before any stage runs).
repro: setup
	$(BIN)/python -m stages.check_params
	$(BIN)/dvc repro
	$(BIN)/python -m scripts.require_passed metrics/verify.json

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

bench: setup
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python bench/bench_engine.py

# The lab from blank files: starter/'s skeletons in place of the lab's three files. A file with
# uncommitted edits is left alone, so that no one's work is lost.
LAB_FILES := experiments/07-train-tense-logits/model.py experiments/07-train-tense-logits/train.py \
	experiments/07-visualize-graph/viz.py
starter:
	@for f in $(LAB_FILES); do \
	  git diff --quiet HEAD -- $$f || { echo "make starter: $$f has uncommitted edits; commit them or \`git stash\` them first" >&2; exit 1; }; \
	done
	@for f in $(LAB_FILES); do cp starter/$$(basename $$f) $$f; done
	@echo "The lab's three files are now skeletons: write each Block, then run \`dvc repro\`."

# The classroom (classroom/, a DVC project of its own): every folder under classroom/learners/
# graded, then the gradebook. DVC reads its list of learners before any stage runs, so the
# roster step writes it from the folders first (and refuses, in one line, a folder name that
# cannot be a stage key, bad settings, or a jail that cannot be made here). Exits 0 once the
# class is graded, whatever the verdicts: they are in classroom/gradebook.csv.
class: setup
	$(BIN)/python -m classroom.grading.roster
	cd classroom && $(BIN)/dvc repro
