"""Check all of params.yaml before DVC runs anything.

    python scripts/check_params.py params.yaml data/verbs.yaml

DVC deletes a stage's outputs before running it, so a bad value caught only inside a stage
would already have cost the previous results; `make repro` runs this first.
"""

from minigrad.stage import run_stage  # first: then a Ctrl-C during the imports below is one line

import argparse

from minigrad.jsonlog import get_logger
from minigrad.params import load_params
from minigrad.verbs import load_verb_table

log = get_logger("check_params")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("params", nargs="?", default="params.yaml")
    parser.add_argument("verbs", nargs="?", default="data/verbs.yaml")
    args = parser.parse_args(argv)
    load_params(args.params, verbs=load_verb_table(args.verbs)["verbs"])
    log.info("params.yaml is valid", extra={"fields": {"path": args.params}})


if __name__ == "__main__":
    run_stage(main, "check_params")
