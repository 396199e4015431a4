"""Stage build_dataset: the five tenses of one verb as one-hot inputs with -1/+1 targets.

    python -m stages.build_dataset --verbs data/verbs.yaml --dataset data/tense_identity.json

Reads params.yaml `data.verb`; the task is the identity: tense i in, tense i out. The file's
shape is stages.schemas.DATASET.
"""

from minigrad import get_logger
from stages.files import write_json
from stages.params import load_params
from stages.schemas import N_TENSES
from stages.stage import parse_args, run_stage
from stages.verbs import VERBS, load_verb_table

log = get_logger("build_dataset")


def build_examples(table, verb):
    forms, tenses = table["verbs"][verb], list(table["tenses"])
    return {"verb": verb, "tenses": tenses, "examples": [
        {"tense": tense, "english": forms["english"][i], "spanish": forms["spanish"][i],
         "input": [1.0 if j == i else 0.0 for j in range(N_TENSES)],  # one-hot
         "target": [1.0 if j == i else -1.0 for j in range(N_TENSES)]}
        for i, tense in enumerate(tenses)]}


def main(argv=None):
    args = parse_args(__doc__, argv, verbs=VERBS.help, dataset="the dataset to write (JSON)")
    table = load_verb_table(args.verbs)
    params = load_params(sections=("data",), verbs=table["verbs"])
    dataset = build_examples(table, params["data"]["verb"])
    write_json(args.dataset, dataset)
    log.info(f"{args.dataset} written", extra={"fields": {"verb": dataset["verb"]}})


if __name__ == "__main__":
    run_stage(main, "build_dataset")
