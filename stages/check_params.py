"""Stage check_params: every check of params.yaml and data/verbs.yaml, before any stage that
owns results runs (dvc.yaml says why); on success, the fixed marker file."""

from minigrad import get_logger
from stages.common import CHECKED, PARAMS, run_stage, write_text
from stages.params import load_params

log = get_logger("check_params")


def main():
    load_params()
    write_text(CHECKED, f"{PARAMS} and the verb table passed every check of stages/params.py\n")
    log.info(f"{PARAMS} is valid")


if __name__ == "__main__":
    run_stage(main, "check_params")
