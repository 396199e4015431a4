"""Stage build_dataset: the five tenses of one verb as one-hot inputs with -1/+1 targets.

    python stages/build_dataset.py data/verbs.yaml data/tense_identity.json

Reads params.yaml `data.verb`; the task is the identity: tense i in, tense i out.
"""

from minigrad.stage import run_stage  # first: then a Ctrl-C during the imports below is one line

import argparse

from minigrad.files import write_json
from minigrad.jsonlog import get_logger
from minigrad.params import N_TENSES, load_params
from minigrad.verbs import load_verb_table

log = get_logger("build_dataset")


def one_hot(i, on=1.0, off=0.0):
    return [on if j == i else off for j in range(N_TENSES)]


def build_examples(table, verb):
    forms = table["verbs"][verb]
    return {
        "verb": verb,
        "tenses": list(table["tenses"]),
        "examples": [
            {
                "tense": tense,
                "english": forms["english"][i],
                "spanish": forms["spanish"][i],
                "input": one_hot(i),
                "target": one_hot(i, on=1.0, off=-1.0),
            }
            for i, tense in enumerate(table["tenses"])
        ],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("verbs", help="the verb table (YAML)")
    parser.add_argument("out", help="the dataset to write (JSON)")
    args = parser.parse_args(argv)

    table = load_verb_table(args.verbs)
    params = load_params(sections=("data",), verbs=table["verbs"])
    dataset = build_examples(table, params["data"]["verb"])
    write_json(args.out, dataset)
    log.info("dataset written", extra={"fields": {"path": args.out, "verb": dataset["verb"]}})


if __name__ == "__main__":
    run_stage(main, "build_dataset")
