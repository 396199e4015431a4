"""stages.schemas: the strict types, the one-line messages, and each file's schema against what
the stages really write."""

import copy
import json
import math

import pytest

from conftest import REPO, assert_one_line_naming
from minigrad import MLP
from stages.build_dataset import build_examples
from stages.errors import DataFileError
from stages.predict import predict
from stages.schemas import (DATASET, MANIFEST, MODEL, PREDICTIONS, TRAIN_METRICS, check,
                            problem, read_checked, validator)
from stages.verbs import VERBS, load_verb_table

TABLE = load_verb_table(REPO / "data/verbs.yaml")


@pytest.mark.parametrize("value", [300.0, 3e2, True, "300", None, [300]])
def test_an_integer_is_an_int_and_nothing_else(value):
    assert not validator({"type": "integer"}).is_valid(value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, True, False, "0.5"])
def test_a_number_is_finite_and_not_a_bool(value):
    assert not validator({"type": "number"}).is_valid(value)


@pytest.mark.parametrize("value, kind", [(300, "integer"), (10**30, "integer"), (0.5, "number"),
                                         (300, "number"), (-1e308, "number")])
def test_ints_and_finite_floats_pass(value, kind):
    assert validator({"type": kind}).is_valid(value)


def test_a_value_is_named_by_its_dotted_key_with_what_is_allowed():
    schema = {"type": "object", "properties": {"train": {"type": "object", "properties": {
        "epochs": {"type": "integer", "description": "a whole number"}}}}}
    assert problem({"train": {"epochs": 300.0}}, schema) == (
        "train.epochs = 300.0 is not allowed: a whole number")


def test_an_unknown_key_comes_first_with_the_closest_known_one():
    schema = {"type": "object", "required": ["lr"], "additionalProperties": False,
              "properties": {"lr": {"type": "number"}, "epochs": {"type": "integer"}}}
    assert problem({"lrr": 0.05, "epochs": 1.5}, schema) == "unknown key lrr (did you mean lr?)"
    assert problem({"lr": 1, "momentum": 0.9}, schema) == (
        "unknown key momentum (allowed: lr, epochs)")


def written_files():
    """What build_dataset, train and predict write, through JSON as they write it."""
    dataset = build_examples(TABLE, "work")
    model = MLP(5, [4, 5])
    files = {
        DATASET: dataset,
        MODEL: model.state_dict(),
        PREDICTIONS: {"predictions": predict(model, dataset)},
        TRAIN_METRICS: json.loads((REPO / "metrics/train.json").read_text()),
        VERBS: TABLE,
    }
    return {kind: json.loads(json.dumps(data)) for kind, data in files.items()}


def test_each_file_the_stages_write_fits_its_schema():
    for kind, data in written_files().items():
        assert problem(data, kind.schema) is None, kind.what


BROKEN = [  # (kind, a change to the good file, fragments of the message)
    (DATASET, lambda d: d["examples"].pop(), ["dataset x.json is malformed: examples = [",
                                             "is not allowed: 5 examples, one per tense",
                                             "; run `dvc repro` to rebuild it"]),
    (DATASET, lambda d: d.pop("tenses"), ["key `tenses` is missing"]),
    (DATASET, lambda d: d["examples"][0].update(target=[1, 0, 0, 0, 0]),
     ["examples[0].target = [1, 0, 0, 0, 0] is not allowed: 5 numbers, -1 or 1"]),
    (MODEL, lambda m: m["layers"][0]["weights"][0].__setitem__(0, math.nan),
     ["model x.json is malformed: layers[0].weights[0][0] = nan is not allowed: a finite number"]),
    (MODEL, lambda m: m.update(n_in=5.0), ["n_in = 5.0 is not allowed: a whole number > 0"]),
    (MODEL, lambda m: m.update(weights=[]), ["unknown key weights (allowed: n_in, layer_sizes"]),
    (TRAIN_METRICS, lambda m: m.update(final_loss="low"),
     ["training metrics x.json is malformed: final_loss = 'low' is not allowed"]),
    (PREDICTIONS, lambda p: p["predictions"][0].update(correct=1),
     ["predictions[0].correct = 1 is not allowed: true or false"]),
    (PREDICTIONS, lambda p: p["predictions"][0].update(right=p["predictions"][0].pop("correct")),
     ["unknown key predictions[0].right (allowed in predictions[0]: tense,"]),
    (VERBS, lambda t: t["verbs"]["work"].update(english=["work", "works"]),
     ["verb table x.json is malformed: verbs.work.english = ['work', 'works'] is not allowed:"
      " 5 forms, in the order of tenses"]),
    (VERBS, lambda t: t["verbs"]["work"].update(englsh=t["verbs"]["work"].pop("english")),
     ["unknown key verbs.work.englsh (did you mean verbs.work.english?)"]),
]


@pytest.mark.parametrize("kind, change, fragments", BROKEN,
                         ids=[f"{row[0].what}-{i}" for i, row in enumerate(BROKEN)])
def test_a_malformed_file_is_named_in_one_line(kind, change, fragments):
    data = copy.deepcopy(written_files()[kind])
    change(data)
    with pytest.raises(DataFileError) as caught:
        check(data, kind, "x.json")
    assert_one_line_naming(str(caught.value), fragments)


def test_read_checked_reads_checks_and_names_the_option(tmp_path):
    path = tmp_path / "train.json"
    saturation = '"saturated_start": 0.0, "saturated_end": 0.25'
    path.write_text('{"final_loss": 0.05, "epochs": 300, "n_params": 49, ' + saturation + '}')
    assert read_checked(path, TRAIN_METRICS, "--metrics")["n_params"] == 49
    path.write_text('{"final_loss": 0.05, "epochs": 300.0, "n_params": 49, ' + saturation + '}')
    with pytest.raises(DataFileError, match=r"epochs = 300.0 is not allowed"):
        read_checked(path, TRAIN_METRICS, "--metrics")
    with pytest.raises(DataFileError, match=r"--model .*model.png is not a JSON file: --model"
                                            r" takes the model that the train stage writes"):
        read_checked(tmp_path / "model.png", MODEL, "--model")


def test_the_manifest_schema_is_checked_with_the_strict_types():
    manifest = {"seed": 4.0}
    assert "seed" in problem(manifest, {"type": "object", "properties": {
        "seed": MANIFEST.schema["properties"]["seed"] | {"description": "a seed"}}})


def test_a_node_without_a_description_is_named_in_jsonschemas_own_words():
    schema = MANIFEST.schema
    assert problem({"name": "x"}, schema) == "key `created_at` is missing"
    assert problem([], schema).startswith("it must be a run manifest")
    assert problem({"git": {"commit": "xyz", "dirty": None}}, {
        "type": "object", "properties": {"git": schema["properties"]["git"]}}) == (
        "git.commit = 'xyz' is not allowed: 'xyz' does not match '^[0-9a-f]{40}$'")
