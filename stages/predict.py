"""Stage predict: run the trained network on the five tenses.

    python -m stages.predict --dataset data/tense_identity.json \
        --model experiments/07-train-tense-logits/model.json \
        --predictions experiments/07-train-tense-logits/predictions.json \
        --confusion metrics/confusion.json

predictions.json holds, per tense, the input, the 5 outputs, the predicted tense (argmax)
and whether it is right; confusion.json the actual/predicted pairs that DVC plots.
"""

from minigrad import MLP, get_logger
from stages.errors import DataFileError
from stages.schemas import DATASET, MODEL, read_checked
from stages.files import write_json
from stages.stage import parse_args, run_stage

log = get_logger("predict")


def load_model(path):
    state = read_checked(path, MODEL, "--model")
    # the sizes its layers hold, checked before an MLP of the stated sizes is built
    layers = state["layers"]
    shape = [len(layers[0]["weights"][0]), *(len(layer["biases"]) for layer in layers)]
    if [state["n_in"], *state["layer_sizes"]] != shape:
        raise DataFileError(f"model {path} is malformed: n_in and layer_sizes do not match its"
                            f" layers, {shape}; run `dvc repro` to rebuild it")
    model = MLP(state["n_in"], state["layer_sizes"])
    try:
        model.load_state_dict(state)
    except ValueError as err:
        raise DataFileError(f"model {path} is malformed: {err}; run `dvc repro`") from None
    return model


def argmax(numbers):
    """The index of the largest number; the first one on a tie."""
    return max(range(len(numbers)), key=numbers.__getitem__)


def predict(model, dataset):
    tenses, predictions = dataset["tenses"], []
    for i, example in enumerate(dataset["examples"]):
        output = [o.data for o in model(example["input"])]
        predicted = tenses[argmax(output)]
        predictions.append({key: example[key] for key in ("tense", "english", "spanish", "input")}
                           | {"output": output, "predicted": predicted,
                              "correct": predicted == tenses[i]})
    return predictions


def main(argv=None):
    args = parse_args(__doc__, argv, dataset=DATASET.help, model=MODEL.help,
                      predictions="per tense: output, guess (JSON)",
                      confusion="actual/predicted pairs (JSON)")

    dataset = read_checked(args.dataset, DATASET, "--dataset")
    model = load_model(args.model)
    predictions = predict(model, dataset)
    write_json(args.predictions, {"predictions": predictions})
    write_json(args.confusion, [{"actual": p["tense"], "predicted": p["predicted"]}
                                for p in predictions])
    correct = sum(p["correct"] for p in predictions)
    log.info(f"{correct}/{len(predictions)} tenses predicted right")


if __name__ == "__main__":
    run_stage(main, "predict")
