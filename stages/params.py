"""params.yaml: its schema and every rule for its values, in this one module.

Each stage checks its own sections, so a stage run by hand still gets the one-line message;
the pipeline's first stage, check_params, checks all of them before any stage that owns
results runs. An unknown key is refused at every level (but in viz.values, whose names are
the expression's variables). The viz expression is evaluated at viz.values, gradients
included, so `log(a - c)` is caught here too. A bad value raises a ParamsError naming the
key, the value and what is allowed (stages.schemas makes the message).
"""

from stages.errors import ExpressionError, ParamsError
from stages.expression import FUNCTIONS, evaluate
from stages.schemas import N_TENSES, mapping, problem
from stages.yaml12 import YAMLError, read_yaml

__all__ = ["load_params", "check_params", "params_schema", "SECTIONS"]

MAX_EPOCHS = 100_000  # about half a minute for the lab's network; more is surely a typo
MAX_LAYERS, MAX_LAYER_SIZE = 10, 256
ENGINES = ("eager", "compiled")  # how train runs SGD: Value's own loop, or minigrad.compile
SECTIONS = ("seed", "data", "model", "train", "verify", "viz")
FLOATS = (("model", "init_range"), ("train", "lr"), ("verify", "max_loss"))  # 1 reads as 1.0
SIZES = (f"a list of 1 to {MAX_LAYERS} whole numbers from 1 to {MAX_LAYER_SIZE},"
         f" the last {N_TENSES} (one output per tense)")


def _positive(most=None):
    return {"type": "number", "exclusiveMinimum": 0, **({"maximum": most} if most else {}),
            "description": "a finite number > 0" + (f", at most {most}" if most else "")}


def _whole(low, high):
    return {"type": "integer", "minimum": low, "maximum": high,
            "description": f"a whole number from {low} to {high}"}


def _one_of(choices):
    return {"enum": list(choices), "description": f"one of {', '.join(choices)}"}


def params_schema(sections=SECTIONS, verbs=None):
    """The schema of params.yaml; only `sections` are required and checked."""
    verb = (_one_of(sorted(verbs)) if verbs is not None
            else {"type": "string", "description": "a verb of data/verbs.yaml"})
    names = {"type": "string", "pattern": r"^(?!\d)\w+$", "not": {"enum": list(FUNCTIONS)},
             "description": f"variable names must be identifiers other than {', '.join(FUNCTIONS)}"}
    schema = mapping(
        "a mapping of sections", required=list(sections),
        seed=_whole(0, 2**32 - 1),
        data=mapping(verb=verb),
        model=mapping(
            layer_sizes={"type": "array", "minItems": 1, "maxItems": MAX_LAYERS,
                         "items": {"type": "integer", "minimum": 1, "maximum": MAX_LAYER_SIZE},
                         "description": SIZES},
            init_range=_positive(most=100)),
        train=mapping(lr=_positive(), epochs=_whole(1, MAX_EPOCHS), engine=_one_of(ENGINES)),
        verify=mapping(max_loss=_positive()),
        viz=mapping(
            expression={"type": "string", "pattern": r"\S",
                        "description": 'a non-empty string such as "(a*b + c)*(a - c)"'},
            values={"type": "object", "minProperties": 1, "propertyNames": names,
                    "additionalProperties": {"type": "number", "description": "a finite number"},
                    "description": "a mapping of variable names to numbers, e.g. {a: 2, b: 3}"}),
    )
    for name in set(SECTIONS) - set(sections):
        schema["properties"][name] = {}  # another stage's section: not this one's to check
    return schema


def check_params(params, sections=SECTIONS, verbs=None, path="params.yaml"):
    """The checked values of `sections` of loaded params, or a ParamsError; `verbs`, when
    given, are the verbs `data.verb` may name."""
    if params is None:
        raise ParamsError(f"{path} is empty: it needs the sections {', '.join(SECTIONS)}")
    found = problem(params, params_schema(sections, verbs))
    if not found and "model" in sections and params["model"]["layer_sizes"][-1] != N_TENSES:
        found = f"model.layer_sizes = {params['model']['layer_sizes']!r} is not allowed: {SIZES}"
    if found:
        raise ParamsError(f"{path}: {found}")
    if "viz" in sections:
        try:
            evaluate(params["viz"]["expression"], params["viz"]["values"])
        except ExpressionError as err:
            raise ParamsError(f"{path}, viz: {err}") from None
    checked = {name: params[name] if name == "seed" else dict(params[name]) for name in sections}
    for name, key in FLOATS:
        if name in checked:
            checked[name][key] = float(checked[name][key])
    return checked


def load_params(path="params.yaml", sections=SECTIONS, verbs=None):
    """Read params.yaml and return the checked values of `sections`."""
    try:
        params = read_yaml(path)
    except FileNotFoundError:
        raise ParamsError(f"{path} is missing: copy it from git (`git checkout -- {path}`)"
                          ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ParamsError(f"{path} cannot be read as UTF-8 text ({err})") from None
    except YAMLError as err:
        raise ParamsError(f"{path} is not valid YAML{err}") from None
    return check_params(params, sections, verbs, path)
