"""Exit 1 when the last run did not pass verification (metrics/verify.json `passed`).

    python -m scripts.require_passed metrics/verify.json

The verify stage exits 0 even on a failed check, so that DVC keeps the run; this is how
`make repro` (and CI) still see the failure.
"""

import argparse

from minigrad import get_logger
from stages.common import StageError, read_output, run_stage

log = get_logger("require_passed")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=f"python -m {__spec__.name}", description=__doc__.splitlines()[0])
    parser.add_argument("verify", nargs="?", default="metrics/verify.json")
    args = parser.parse_args(argv)
    result = read_output(args.verify)
    if not isinstance(result, dict) or "passed" not in result:
        raise StageError(f"verification result {args.verify} has no `passed`: run `dvc repro`")
    if result["passed"] is not True:
        raise StageError(
            f"the run did not pass verification ({args.verify}: {result}); see"
            " the README.md beside the trained model (dvc.yaml: train_dir) for what to change"
        )
    log.info("the run passed verification", extra={"fields": result})


if __name__ == "__main__":
    run_stage(main, "require_passed")
