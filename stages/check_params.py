"""Stage check_params: every check of params.yaml and data/verbs.yaml, and of what the stages
call in the lab's three files, before any stage that owns results runs (dvc.yaml says why);
on success, the fixed marker file."""

from minigrad import get_logger
from stages.common import (CHECKED, LAB_MODEL, LAB_TRAIN, LAB_VIZ, PARAMS, run_stage,
                           write_text)
from labcheck import check_lab
from stages.params import load_params

log = get_logger("check_params")


def main():
    params = load_params()
    check_lab({"model": LAB_MODEL, "train": LAB_TRAIN, "viz": LAB_VIZ},
              params["model"]["layer_sizes"], params["model"]["init_range"], params["train"]["lr"])
    write_text(CHECKED, f"{PARAMS}, the verb table and the lab's files passed every check\n")
    log.info(f"{PARAMS} is valid, and the lab's files give what the stages call")


if __name__ == "__main__":
    run_stage(main, "check_params")
