"""Stage predict: run the trained network on the five tenses.

    python -m stages.predict --dataset data/tense_identity.json \
        --model experiments/07-train-tense-logits/model.json \
        --predictions experiments/07-train-tense-logits/predictions.json \
        --confusion metrics/confusion.json

predictions.json holds, per tense, the input, the 5 outputs, the predicted tense (argmax)
and whether it is right; confusion.json the actual/predicted pairs that DVC plots.
"""

import argparse

from minigrad import MLP, get_logger
from stages.errors import DataFileError
from stages.files import read_json, write_json
from stages.stage import run_stage

log = get_logger("predict")

DATASET = "the dataset that the build_dataset stage writes (JSON)"
MODEL = "the model that the train stage writes (JSON)"


def load_model(path):
    state = read_json(path, "model", "--model", MODEL)
    try:
        # the sizes its layers hold, checked before an MLP of the stated sizes is built
        shape = [len(state["layers"][0]["weights"][0])]
        shape += [len(layer["biases"]) for layer in state["layers"]]
        if [state["n_in"], *state["layer_sizes"]] != shape:
            raise ValueError(f"n_in and layer_sizes do not match its layers, {shape}")
        model = MLP(state["n_in"], state["layer_sizes"])
        model.load_state_dict(state)
    except (KeyError, TypeError, ValueError, IndexError, OverflowError) as err:
        raise DataFileError(f"model {path} is not a saved MLP ({err}): run `dvc repro`") from None
    return model


def argmax(numbers):
    """The index of the largest number; the first one on a tie."""
    best = 0
    for i, number in enumerate(numbers):
        if number > numbers[best]:
            best = i
    return best


def predict(model, dataset):
    tenses = dataset["tenses"]
    predictions = []
    for i, example in enumerate(dataset["examples"]):
        output = [o.data for o in model(example["input"])]
        predicted = tenses[argmax(output)]
        predictions.append({
            "tense": example["tense"],
            "english": example["english"],
            "spanish": example["spanish"],
            "input": example["input"],
            "output": output,
            "predicted": predicted,
            "correct": predicted == tenses[i],
        })
    return predictions


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=f"python -m {__spec__.name}", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, help=DATASET)
    parser.add_argument("--model", required=True, help=MODEL)
    parser.add_argument("--predictions", required=True, help="per tense: output, guess (JSON)")
    parser.add_argument("--confusion", required=True, help="actual/predicted pairs (JSON)")
    args = parser.parse_args(argv)

    dataset = read_json(args.dataset, "dataset", "--dataset", DATASET)
    model = load_model(args.model)
    try:
        predictions = predict(model, dataset)
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise DataFileError(f"dataset {args.dataset} is malformed ({err!r}): run `dvc repro`") from None
    write_json(args.predictions, {"predictions": predictions})
    write_json(args.confusion, [{"actual": p["tense"], "predicted": p["predicted"]} for p in predictions])
    correct = sum(p["correct"] for p in predictions)
    log.info("predicted", extra={"fields": {"correct": correct, "total": len(predictions)}})


if __name__ == "__main__":
    run_stage(main, "predict")
