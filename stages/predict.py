"""Stage predict: the trained network on the lab's five inputs; the guess is the argmax of
model(x), as the lab's Block D takes it, and the tenses are named by the verb's forms."""

import json
import math

from minigrad import get_logger
from stages.common import (CONFUSION, DATASET, LAB_MODEL, LAB_TRAIN, MODEL, PREDICTIONS,
                           read_output, run_stage, write_json)
from labcheck import learner_call, load
from stages.params import load_params

log = get_logger("predict")


def argmax(numbers):
    """The index of the largest number; the first one on a tie."""
    return max(range(len(numbers)), key=lambda i: float(numbers[i]))


def load_model(lab, state):
    """The lab's MLP of model.json's sizes, with its values set through its own parameters(),
    in their order."""
    model = learner_call(lab, "building the MLP to load model.json into (Block A)",
                         lab.model.MLP, state["n_in"], state["layer_sizes"])
    for parameter, value in zip(model.parameters(), state["parameters"], strict=True):
        parameter.data = float(value)
        if not math.isfinite(parameter.data):  # NaN typed in by hand: JSON reads it
            raise ValueError(value)
    return model


def read_names(f):
    """Each tense's name and forms, from the dataset."""
    dataset = json.load(f)
    return [{"tense": tense, "english": english, "spanish": spanish} for tense, english, spanish
            in zip(dataset["tenses"], dataset["english"], dataset["spanish"], strict=True)]


def predict(lab, model, xs, names):
    """Per input: its outputs, the tense they name and whether it is the input's own."""
    predictions = []
    for x, name in zip(xs, names, strict=True):
        output = [float(getattr(o, "data", o)) for o in
                  learner_call(lab, "predicting, model(x) (Block D)", model, x)]
        guess = argmax(output)
        predictions.append({**name, "input": [float(v) for v in x], "output": output,
                            "predicted": names[guess]["tense"], "correct": guess == argmax(x)})
    return predictions


def main():
    # configuration
    load_params()
    # inputs
    lab = load(LAB_MODEL, LAB_TRAIN)
    model = read_output(MODEL, lambda f: load_model(lab, json.load(f)))
    names = read_output(DATASET, read_names)

    # the work
    predictions = predict(lab, model, lab.train.xs, names)

    # outputs
    write_json(PREDICTIONS, {"predictions": predictions})
    write_json(CONFUSION, [{"actual": p["tense"], "predicted": p["predicted"]}
                           for p in predictions])
    log.info(f"{sum(p['correct'] for p in predictions)}/{len(predictions)} tenses predicted right")


if __name__ == "__main__":
    run_stage(main, "predict")
