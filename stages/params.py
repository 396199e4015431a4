"""params.yaml: every rule for its values, in this one module.

Each stage asks for its own sections, so a stage run by hand still gets the one-line
message; the pipeline's first stage, check_params, asks for all of them before any stage
that owns results runs (DVC deletes a stage's outputs before running it). The viz
expression is parsed against its grammar and evaluated at viz.values, gradients included,
so `log(a - c)` is caught here too. A bad value raises ParamsError (ExpressionError for the
expression) naming the key, the value and what is allowed.
"""

import math

from stages.errors import ExpressionError, ParamsError
from stages.expression import FUNCTIONS, evaluate
from stages.verbs import N_TENSES
from stages.yaml12 import YAMLError, read_yaml, yaml_error_place

__all__ = ["load_params", "check_params", "SECTIONS", "MAX_EPOCHS"]

MAX_EPOCHS = 100_000  # about half a minute for the lab's network; more is surely a typo
MAX_LAYERS = 10
MAX_LAYER_SIZE = 256
ENGINES = ("eager", "compiled")  # how train runs SGD: Value's own loop, or minigrad.compile
SECTIONS = ("seed", "data", "model", "train", "verify", "viz")


def _fail(key, value, allowed):
    raise ParamsError(f"params.yaml: {key} = {value!r} is not allowed: {allowed}")


def _number(key, value, allowed="a finite number > 0"):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(key, value, allowed)
    if not math.isfinite(value) or value <= 0:
        _fail(key, value, allowed)
    return float(value)


def _whole(key, value, low, high):
    allowed = f"a whole number from {low} to {high}"
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _fail(key, value, allowed)
    return value


def _section(params, name, keys):
    if name not in params:
        raise ParamsError(f"params.yaml: section `{name}` is missing (it needs: {', '.join(keys)})")
    section = params[name]
    if not isinstance(section, dict):
        _fail(name, section, f"a mapping with keys {', '.join(keys)}")
    for key in keys:
        if key not in section:
            raise ParamsError(f"params.yaml: key `{name}.{key}` is missing")
    for key in section:
        if key not in keys:
            raise ParamsError(
                f"params.yaml: unknown key `{name}.{key}` (allowed in {name}: {', '.join(keys)})"
            )
    return section


def _check_seed(params, verbs):
    if "seed" not in params:
        raise ParamsError("params.yaml: key `seed` is missing")
    return _whole("seed", params["seed"], 0, 2**32 - 1)


def _check_data(params, verbs):
    verb = _section(params, "data", ("verb",))["verb"]
    if not isinstance(verb, str) or (verbs is not None and verb not in verbs):
        known = ", ".join(sorted(verbs)) if verbs is not None else "a verb of data/verbs.yaml"
        _fail("data.verb", verb, f"one of {known}")
    return {"verb": verb}


def _check_model(params, verbs):
    section = _section(params, "model", ("layer_sizes", "init_range"))
    sizes = section["layer_sizes"]
    allowed = (
        f"a list of 1 to {MAX_LAYERS} whole numbers from 1 to {MAX_LAYER_SIZE},"
        f" the last {N_TENSES} (one output per tense)"
    )
    if (
        not isinstance(sizes, list)
        or not 1 <= len(sizes) <= MAX_LAYERS
        or any(isinstance(s, bool) or not isinstance(s, int) for s in sizes)
        or any(not 1 <= s <= MAX_LAYER_SIZE for s in sizes)
        or sizes[-1] != N_TENSES
    ):
        _fail("model.layer_sizes", sizes, allowed)
    init_range = _number("model.init_range", section["init_range"], "a finite number > 0, at most 100")
    if init_range > 100:
        _fail("model.init_range", section["init_range"], "a finite number > 0, at most 100")
    return {"layer_sizes": list(sizes), "init_range": init_range}


def _check_train(params, verbs):
    section = _section(params, "train", ("lr", "epochs", "engine"))
    if section["engine"] not in ENGINES:
        _fail("train.engine", section["engine"], f"one of {', '.join(ENGINES)}")
    return {
        "lr": _number("train.lr", section["lr"]),
        "epochs": _whole("train.epochs", section["epochs"], 1, MAX_EPOCHS),
        "engine": section["engine"],
    }


def _check_verify(params, verbs):
    section = _section(params, "verify", ("max_loss",))
    return {"max_loss": _number("verify.max_loss", section["max_loss"])}


def _check_viz(params, verbs):
    section = _section(params, "viz", ("expression", "values"))
    expression, values = section["expression"], section["values"]
    if not isinstance(expression, str) or not expression.strip():
        _fail("viz.expression", expression, "a non-empty string such as \"(a*b + c)*(a - c)\"")
    if not isinstance(values, dict) or not values:
        _fail("viz.values", values, "a mapping of variable names to numbers, e.g. {a: 2, b: 3}")
    checked = {}
    for name, value in values.items():
        if not isinstance(name, str) or not name.isidentifier() or name in FUNCTIONS:
            _fail(
                "viz.values", name,
                f"variable names must be identifiers other than {', '.join(FUNCTIONS)}",
            )
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            _fail(f"viz.values.{name}", value, "a finite number")
        checked[name] = value
    try:
        evaluate(expression, checked)
    except ExpressionError as err:
        raise ParamsError(f"params.yaml, viz: {err}") from None
    return {"expression": expression, "values": checked}


_CHECKERS = {
    "seed": _check_seed,
    "data": _check_data,
    "model": _check_model,
    "train": _check_train,
    "verify": _check_verify,
    "viz": _check_viz,
}


def check_params(params, sections=SECTIONS, verbs=None):
    """Return the checked values of `sections` of a loaded params mapping.

    `verbs`, when given, is the collection of verbs `data.verb` may name.
    """
    if params is None:
        raise ParamsError(f"params.yaml is empty: it needs the sections {', '.join(SECTIONS)}")
    if not isinstance(params, dict):
        raise ParamsError(f"params.yaml must be a mapping of sections, got {params!r}")
    for key in params:
        if key not in SECTIONS:
            raise ParamsError(
                f"params.yaml: unknown section `{key}` (allowed: {', '.join(SECTIONS)})"
            )
    return {name: _CHECKERS[name](params, verbs) for name in sections}


def load_params(path="params.yaml", sections=SECTIONS, verbs=None):
    """Read params.yaml and return the checked values of `sections`."""
    try:
        params = read_yaml(path)
    except FileNotFoundError:
        raise ParamsError(f"{path} is missing: copy it from git (`git checkout -- {path}`)") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ParamsError(f"{path} cannot be read as UTF-8 text ({err})") from None
    except YAMLError as err:
        raise ParamsError(f"{path} is not valid YAML{yaml_error_place(err)}") from None
    return check_params(params, sections, verbs)
