"""The shape of each file a stage reads, as a JSON Schema checked by jsonschema: one way for all.

    dataset = read_checked(args.dataset, DATASET, "--dataset")  # parsed, or a DataFileError

Every node a user may get wrong has a `description`: what is allowed there. A failure is one
line naming the dotted key, the value and that description, e.g. `params.yaml: unknown key
train.lrr (did you mean train.lr?)` or `dataset data/tense_identity.json is malformed:
examples = [...] is not allowed: 5 examples, one per tense; run `dvc repro` to rebuild it`.
An unknown key comes first, then a missing key, then a value (named at the nearest node with
a description). The types are strict: an integer is an int (not 300.0), a number an int or a
finite float (not NaN or inf), and a bool is neither. params.yaml's schema is in params.py.
"""

import copy
import difflib
import functools
import json
import math
import operator
from dataclasses import dataclass
from pathlib import Path

from stages.errors import DataFileError
from stages.files import read_json

__all__ = ["FileSchema", "read_checked", "check", "problem", "validator", "mapping", "array",
           "N_TENSES", "DATASET", "MODEL", "TRAIN_METRICS", "PREDICTIONS", "MANIFEST",
           "TRAIN_MANIFEST", "STRING", "NUMBER", "WHOLE"]

N_TENSES = 5  # one unit per tense: the network's input and output width


@dataclass(frozen=True, eq=False)
class FileSchema:
    what: str  # "dataset": how messages name the file
    help: str  # what an option taking the file takes: "the dataset that ... writes (JSON)"
    schema: dict
    fix: str = "run `dvc repro` to rebuild it"  # the advice after a malformed file


def validator(schema):
    """A jsonschema validator for `schema` with the strict types."""
    import jsonschema  # imported here: a stage without it still starts (stages.stage)

    base = jsonschema.Draft202012Validator
    types = base.TYPE_CHECKER.redefine_many({
        "integer": lambda _, x: type(x) is int,
        "number": lambda _, x: type(x) is int or (type(x) is float and math.isfinite(x)),
    })
    return jsonschema.validators.extend(base, type_checker=types)(schema)


def _key(path):
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def problem(data, schema):
    """What is wrong with `data`, as one line without the file's name, or None."""
    rank = {"additionalProperties": 0, "required": 1}  # then any other failure
    error = min(validator(schema).iter_errors(data), default=None,
                key=lambda error: rank.get(error.validator, 2))
    if error is None:
        return None
    path, node = list(error.absolute_path), error.schema
    if error.validator == "additionalProperties":
        known = list(node.get("properties", {}))
        key = next(k for k in error.instance if k not in known)
        close = difflib.get_close_matches(str(key), known, n=1)
        where = f" in {_key(path)}" if path else ""
        hint = f"did you mean {_key([*path, close[0]])}?" if close else (
            f"allowed{where}: {', '.join(known)}")
        return f"unknown key {_key([*path, key])} ({hint})"
    if error.validator == "required":
        key = next(k for k in error.validator_value if k not in error.instance)
        needs = node["properties"].get(key, {}).get("properties")
        if not path and needs:
            return f"section `{key}` is missing (it needs: {', '.join(needs)})"
        return f"key `{_key([*path, key])}` is missing"
    # the nearest node on the path that says what is allowed there (the root only for itself)
    depth, allowed, node = 0, None if path else schema.get("description"), schema
    for i, part in enumerate(path, 1):
        children = node.get("properties", {})
        node = children[part] if part in children else node.get(
            "items" if isinstance(part, int) else "additionalProperties", {})
        if not isinstance(node, dict):
            break
        if "description" in node:
            depth, allowed = i, node["description"]
    bad_name = "propertyNames" in error.absolute_schema_path  # a bad name, not a bad value
    if bad_name:
        depth, allowed = len(path), node.get("propertyNames", {}).get("description")
    if allowed is None:  # a schema without descriptions: jsonschema's own words
        depth, allowed = len(path), error.message
    value = error.instance if bad_name else functools.reduce(operator.getitem, path[:depth], data)
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    if not depth:
        return f"it must be {allowed}, got {shown}"
    return f"{_key(path[:depth])} = {shown} is not allowed: {allowed}"


def check(data, kind, path):
    """Raise DataFileError naming the file at `path` unless `data` fits kind's schema."""
    found = problem(data, kind.schema)
    if found:
        fix = f"; {kind.fix}" if kind.fix else ""
        raise DataFileError(f"{kind.what} {path} is malformed: {found}{fix}")


def read_checked(path, kind, option=None):
    """The JSON file at `path`, parsed and checked against `kind`, or a DataFileError."""
    data = read_json(path, kind.what, option, kind.help)
    check(data, kind, path)
    return data


def mapping(description=None, required=None, extra=False, **properties):
    """An object schema: these properties, all required unless `required` says otherwise."""
    return {
        "type": "object", "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": extra,
        "description": description or f"a mapping with keys {', '.join(properties)}",
    }


def array(items, description, n=None):
    """An array schema: at least one item, or exactly `n`."""
    return {"type": "array", "items": items, "minItems": n or 1, "description": description,
            **({"maxItems": n} if n else {})}


STRING = {"type": "string", "description": "a string"}
NUMBER = {"type": "number", "description": "a finite number"}
WHOLE = {"type": "integer", "minimum": 1, "description": "a whole number > 0"}
SHARE = {"type": "number", "minimum": 0, "maximum": 1, "description": "a share from 0 to 1"}

DATASET = FileSchema("dataset", "the dataset that the build_dataset stage writes (JSON)", mapping(
    verb=STRING,
    tenses=array(STRING, f"{N_TENSES} tense names", N_TENSES),
    examples=array(mapping(
        tense=STRING, english=STRING, spanish=STRING,
        input=array({"enum": [0, 1]}, f"{N_TENSES} numbers, 0 or 1 (one-hot)", N_TENSES),
        target=array({"enum": [-1, 1]}, f"{N_TENSES} numbers, -1 or 1", N_TENSES),
    ), f"{N_TENSES} examples, one per tense", N_TENSES),
))

MODEL = FileSchema("model", "the model that the train stage writes (JSON)", mapping(
    n_in=WHOLE,
    layer_sizes=array(WHOLE, "a list of whole numbers > 0"),
    layers=array(mapping(
        weights=array(array(NUMBER, "a list of numbers"), "a list of lists of numbers"),
        biases=array(NUMBER, "a list of numbers"),
    ), "a list of layers"),
))

TRAIN_METRICS = FileSchema("training metrics", "the train stage's metrics (JSON)", mapping(
    extra=True,  # a metrics file may gain metrics
    final_loss={"type": "number", "minimum": 0, "description": "a finite number >= 0"},
    epochs=WHOLE,
    n_params=WHOLE,
    saturated_start=SHARE,
    saturated_end=SHARE,
))

PREDICTIONS = FileSchema("predictions", "the predict stage's predictions (JSON)", mapping(
    predictions=array(mapping(
        tense=STRING, english=STRING, spanish=STRING, predicted=STRING,
        input=array(NUMBER, f"{N_TENSES} numbers", N_TENSES),
        output=array(NUMBER, f"{N_TENSES} numbers", N_TENSES),
        correct={"type": "boolean", "description": "true or false"},
    ), "a list of predictions, one per tense"),
))

MANIFEST = FileSchema("manifest", "a run manifest (JSON)", json.loads(
    Path(__file__).with_name("manifest.schema.json").read_text(encoding="utf-8")))
MANIFEST.schema["description"] = "a run manifest, as stages/manifest.schema.json describes"

TRAIN_MANIFEST = FileSchema("training manifest", "the train stage's manifest (JSON)",
                            copy.deepcopy(MANIFEST.schema))
TRAIN_MANIFEST.schema["properties"]["metrics"] = mapping(extra=True, train_seconds={
    "type": "number", "minimum": 0, "description": "a finite number >= 0 (seconds)"})
