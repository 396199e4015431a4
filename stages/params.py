"""The files people write, checked: params.yaml and the verb table, data/verbs.yaml.

Both are read with ruamel.yaml's YAML 1.2 safe loader, as DVC reads params.yaml, so a stage
uses the value `dvc params diff` shows (`yes` is a word, `010` is 10). A bad value is one
StageError naming the key, the value and what is allowed: an unknown key first, then a
missing one, then a value. The viz expression is also evaluated at viz.values, gradients
included, so `log(a - c)` is caught here too.
"""

import difflib
import math

from stages.common import N_TENSES, PARAMS, VERBS, StageError
from stages.expression import FUNCTIONS, evaluate

MAX_EPOCHS, MAX_LAYERS, MAX_LAYER_SIZE = 100_000, 10, 256  # more is surely a typo
ENGINES = ("eager", "compiled")


def _number(x):
    return type(x) is int or (type(x) is float and math.isfinite(x))


def _positive(most=math.inf):
    return (lambda x: _number(x) and 0 < x <= most,
            "a finite number > 0" + (f", at most {most}" if most < math.inf else ""))


def _whole(low, high):
    return (lambda x: type(x) is int and low <= x <= high, f"a whole number from {low} to {high}")


def _one_of(choices):
    return lambda x: isinstance(x, str) and x in choices, f"one of {', '.join(choices)}"


def _strings(n, what):
    return lambda x: type(x) is list and len(x) == n and all(isinstance(s, str) for s in x), what


SIZES = (lambda x: type(x) is list and 1 <= len(x) <= MAX_LAYERS and x[-1] == N_TENSES
         and all(type(n) is int and 1 <= n <= MAX_LAYER_SIZE for n in x),
         f"a list of 1 to {MAX_LAYERS} whole numbers from 1 to {MAX_LAYER_SIZE},"
         f" the last {N_TENSES} (one output per tense)")
VALUES = (lambda x: isinstance(x, dict) and len(x) > 0,
          "a mapping of variable names to numbers, e.g. {a: 2, b: 3}")
NAMES = f"variable names must be identifiers other than {', '.join(FUNCTIONS)}"
FORMS = _strings(N_TENSES, f"{N_TENSES} forms, in the order of tenses")


def _shown(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def problem(data, rules, where=""):
    """What is wrong with the mapping `data` under `rules` ({key: (test, allowed)} or
    {key: {...}} for a section), as one line, or None."""
    sub = [(f"{where}{key}.", data[key], rule) for key, rule in rules.items()
           if isinstance(rule, dict) and isinstance(data.get(key), dict)]
    for prefix, given, known in [(where, data, rules), *sub]:  # unknown keys
        for key in given:
            if key not in known:
                close = difflib.get_close_matches(str(key), list(known), n=1)
                inside = f" in {prefix[:-1]}" if prefix else ""
                hint = f"did you mean {prefix}{close[0]}?" if close else (
                    f"allowed{inside}: {', '.join(known)}")
                return f"unknown key {prefix}{key} ({hint})"
    for prefix, given, known in [(where, data, rules), *sub]:  # missing keys
        for key, rule in known.items():
            if key not in given:
                if isinstance(rule, dict) and not prefix:
                    return f"section `{key}` is missing (it needs: {', '.join(rule)})"
                return f"key `{prefix}{key}` is missing"
    for key, rule in rules.items():  # values
        value = data[key]
        if isinstance(rule, dict):
            found = problem(value, rule, f"{where}{key}.") if isinstance(value, dict) else (
                f"{where}{key} = {_shown(value)} is not allowed: a mapping with keys"
                f" {', '.join(rule)}")
            if found:
                return found
        elif not rule[0](value):
            return f"{where}{key} = {_shown(value)} is not allowed: {rule[1]}"
    return None


def read_yaml(path, what=""):
    """The data in the YAML file at `path`, or a StageError naming it (as `what`, if given)."""
    from ruamel.yaml import YAML, YAMLError  # here: a stage without it still says make setup

    name = f"{what} {path}".strip()
    try:
        with open(path, encoding="utf-8") as f:
            return YAML(typ="safe").load(f)
    except FileNotFoundError:
        raise StageError(f"{name} is missing: `git checkout -- {path}` brings back the"
                         " project's") from None
    except (OSError, UnicodeDecodeError) as err:
        raise StageError(f"{name} cannot be read as UTF-8 text ({err})") from None
    except YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        found = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise StageError(f"{name} is not valid YAML{where}: {found}") from None
    except ValueError as err:  # a well-formed scalar that is no value: `2001-13-45`, `!!int x`
        raise StageError(f"{name} is not valid YAML: a value cannot be read: {err}") from None


def load_verbs(path=VERBS):
    """{"tenses": [5 names], "verbs": {verb: {"english": [5 forms], "spanish": [5 forms]}}}."""
    table = read_yaml(path, "verb table")
    if not isinstance(table, dict):
        found = f"it must be a mapping with keys tenses, verbs, got {_shown(table)}"
    else:
        found = problem(table, {"tenses": _strings(N_TENSES, f"{N_TENSES} tense names"),
                                "verbs": (lambda x: isinstance(x, dict) and len(x) > 0,
                                          "a mapping of verbs to forms")})
    for verb, forms in table["verbs"].items() if not found else ():
        found = found or (problem(forms, {"english": FORMS, "spanish": FORMS}, f"verbs.{verb}.")
                          if isinstance(forms, dict) else f"verbs.{verb} = {_shown(forms)} is"
                          " not allowed: a mapping with keys english, spanish")
    if found:
        raise StageError(f"verb table {path} is malformed: {found}")
    return table


def load_params(path=PARAMS, verbs=None):
    """Every section of params.yaml, checked; `verbs` (read from data/verbs.yaml when None)
    are those data.verb may name. Whole numbers pass for the floats, read as floats."""
    verbs = load_verbs()["verbs"] if verbs is None else verbs
    rules = {
        "seed": _whole(0, 2**32 - 1),
        "data": {"verb": _one_of(sorted(verbs))},
        "model": {"layer_sizes": SIZES, "init_range": _positive(most=100)},
        "train": {"lr": _positive(), "epochs": _whole(1, MAX_EPOCHS), "engine": _one_of(ENGINES)},
        "verify": {"max_loss": _positive()},
        "viz": {"expression": (lambda x: isinstance(x, str) and x.strip() != "",
                               'a non-empty string such as "(a*b + c)*(a - c)"'), "values": VALUES},
    }
    params = read_yaml(path)
    if params is None:
        raise StageError(f"{path} is empty: it needs the sections {', '.join(rules)}")
    found = (problem(params, rules) if isinstance(params, dict)
             else f"it must be a mapping of sections, got {_shown(params)}")
    for name, value in (params["viz"]["values"].items() if not found else ()):
        if not isinstance(name, str) or not name.isidentifier() or name in FUNCTIONS:
            found = found or f"viz.values = {_shown(name)} is not allowed: {NAMES}"
        elif not _number(value):
            found = found or f"viz.values.{name} = {_shown(value)} is not allowed: a finite number"
    if found:
        raise StageError(f"{path}: {found}")
    try:
        evaluate(params["viz"]["expression"], params["viz"]["values"])
    except StageError as err:
        raise StageError(f"{path}, viz: {err}") from None
    for section, key in (("model", "init_range"), ("train", "lr"), ("verify", "max_loss")):
        params[section][key] = float(params[section][key])
    return params
