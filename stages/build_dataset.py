"""Stage build_dataset: the forms of params.yaml's verb, by which predict and verify name
the five tenses (the inputs and targets are the lab's, in train.py)."""

from minigrad import get_logger
from stages.common import DATASET, run_stage, write_json
from stages.params import load_params, load_verbs

log = get_logger("build_dataset")


def main():
    table = load_verbs()
    verb = load_params(verbs=table["verbs"])["data"]["verb"]
    write_json(DATASET, {"verb": verb, "tenses": table["tenses"], **table["verbs"][verb]})
    log.info(f"{DATASET} written", extra={"fields": {"verb": verb}})


if __name__ == "__main__":
    run_stage(main, "build_dataset")
