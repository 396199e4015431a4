"""Stage check_params: every section of params.yaml, checked before any stage that owns results.

    python -m stages.check_params --params params.yaml --verbs data/verbs.yaml \
        --marker data/params.checked

DVC deletes a stage's outputs before it runs the stage, so a bad value caught only inside,
say, train would already have cost the previous model and metrics. This stage comes first and
every other stage depends on its marker: on a bad value it fails, DVC stops, and every result
stays as it was. The marker's content never changes while the params are valid, so a valid
edit re-runs only the stages whose own params changed.
"""

from minigrad import get_logger
from stages.files import write_text
from stages.params import load_params
from stages.stage import parse_args, run_stage
from stages.verbs import VERB_TABLE, VERBS, load_verb_table

log = get_logger("check_params")

MARKER = "params.yaml and the verb table passed every check of stages/params.py\n"


def main(argv=None):
    args = parse_args(__doc__, argv, params=("the params to check (YAML)", "params.yaml"),
                      verbs=(VERBS.help, VERB_TABLE),
                      marker=("the file to write when every check passes", None))
    load_params(args.params, verbs=load_verb_table(args.verbs)["verbs"])
    if args.marker:
        write_text(args.marker, MARKER)
    log.info(f"{args.params} is valid")


if __name__ == "__main__":
    run_stage(main, "check_params")
