"""Stage build_dataset: the five tenses of one verb as one-hot inputs with -1/+1 targets.

    python stages/build_dataset.py data/verbs.yaml data/tense_identity.json

Reads params.yaml `data.verb`; the task is the identity: tense i in, tense i out.
"""

import argparse

import yaml

from minigrad.errors import DataFileError
from minigrad.files import write_json
from minigrad.jsonlog import get_logger
from minigrad.params import N_TENSES, load_params
from minigrad.stage import run_stage

log = get_logger("build_dataset")


def load_verb_table(path):
    """{"tenses": [...5 names], "verbs": {verb: {"english": [...5], "spanish": [...5]}}}."""
    try:
        with open(path, encoding="utf-8") as f:
            table = yaml.safe_load(f)
    except FileNotFoundError:
        raise DataFileError(f"verb table {path} is missing: `git checkout -- {path}`") from None
    except yaml.YAMLError as err:
        raise DataFileError(f"verb table {path} is not valid YAML: {err}".splitlines()[0]) from None
    if (
        not isinstance(table, dict)
        or not isinstance(table.get("tenses"), list)
        or len(table["tenses"]) != N_TENSES
        or not isinstance(table.get("verbs"), dict)
    ):
        raise DataFileError(f"verb table {path} needs `tenses` (5 names) and `verbs`")
    for verb, forms in table["verbs"].items():
        for language in ("english", "spanish"):
            words = forms.get(language) if isinstance(forms, dict) else None
            if not isinstance(words, list) or len(words) != N_TENSES:
                raise DataFileError(f"verb table {path}: `{verb}.{language}` must list 5 forms")
    return table


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
