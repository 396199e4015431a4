"""params.yaml: every bad text is refused by stages.params with one StageError whose message
names the key and the bad value (and what is allowed); good spellings are accepted, and read
as DVC reads them.

Each bad case is one row: an edit of the project's own params.yaml, as a learner would make
it, and the fragments the message must contain.
"""

import re

import pytest
import yaml
from dvc.utils.serialize import parse_yaml

from conftest import LAB_PARAMS, REPO, assert_one_line_naming
from stages.common import StageError
from stages.params import load_params, load_verbs

GOOD = LAB_PARAMS
VERBS = load_verbs(REPO / "data/verbs.yaml")["verbs"]
TRAIN = "train:\n  lr: 0.05\n  epochs: 300\n  engine: eager"


def edited(old, new):
    """The project's params.yaml with `old` (which must be in it) replaced by `new`."""
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


def load_text(tmp_path, text):
    path = tmp_path / "params.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return load_params(path, verbs=VERBS)


def lr(text):
    return edited("  lr: 0.05", f"  lr: {text}")


def epochs(text):
    return edited("  epochs: 300", f"  epochs: {text}")


def sizes(text):
    return edited("  layer_sizes: [4, 5]", f"  layer_sizes: {text}")


def init_range(text):
    return edited("  init_range: 1.0", f"  init_range: {text}")


def max_loss(text):
    return edited("  max_loss: 0.5", f"  max_loss: {text}")


def values(text):
    return edited("  values: {a: 2, b: 3, c: 4}", f"  values: {text}")


ALLOWED_NUMBER = "a finite number > 0"
ALLOWED_EPOCHS = "a whole number from 1 to 100000"
ALLOWED_SIZES = "the last 5 (one output per tense)"

BAD = [
    # malformed YAML: the message gives the line
    ("unclosed-list", sizes("[4, 5"), ["params.yaml is not valid YAML at line 10"]),
    ("tab-indent", lr("0.05").replace("  lr:", "\tlr:"), ["not valid YAML at line 13", "'\\t'"]),
    ("duplicate-key", lr("0.05\n  lr: 0.5"),
     ["not valid YAML at line 14", 'duplicate key "lr" with value "0.5" (original value: "0.05")']),
    ("duplicate-section", GOOD + "train:\n  lr: 1\n", ['duplicate key "train"']),
    ("impossible-date", lr("2026-13-45"), ["not valid YAML: a value cannot be read", "month"]),
    ("bad-int-tag", epochs("!!int many"), ["not valid YAML: a value cannot be read", "'many'"]),
    ("python-tag", lr("!!python/object:os.system x"), ["not valid YAML at line 13",
                                                      "could not determine a constructor"]),
    # YAML 1.1 readings (PyYAML's) that YAML 1.2 (DVC's) does not share: the value DVC shows
    ("lr-yes", lr("yes"), ["train.lr = 'yes'", ALLOWED_NUMBER]),
    ("epochs-sexagesimal", epochs("1:30"), ["train.epochs = '1:30'", ALLOWED_EPOCHS]),
    ("empty-file", "", ["params.yaml is empty", "seed, data, model, train, verify, viz"]),
    ("only-comments", "# all gone\n", ["params.yaml is empty"]),
    ("a-list", "- 0.05\n", ["must be a mapping of sections", "[0.05]"]),
    ("not-utf8", b"seed: 42\nlr: \xff\n", ["params.yaml cannot be read", "utf-8"]),
    # a missing or unknown section or key
    ("no-train-section", edited(TRAIN, ""), ["section `train` is missing", "lr, epochs, engine"]),
    ("no-lr", edited("  lr: 0.05\n", ""), ["`train.lr` is missing"]),
    ("no-seed", edited("seed: 42\n", ""), ["`seed` is missing"]),
    ("unknown-key", epochs("300\n  momentum: 0.9"),
     ["unknown key train.momentum (allowed in train: lr, epochs, engine)"]),
    ("misspelt-key", lr("0.05").replace("  lr:", "  lrr:"),
     ["unknown key train.lrr (did you mean train.lr?)"]),
    ("misspelt-section", edited("train:", "trian:"), ["unknown key trian (did you mean train?)"]),
    ("unknown-section", GOOD + "optimizer: sgd\n",
     ["unknown key optimizer (allowed: seed, data, model, train, verify, viz)"]),
    ("section-not-a-mapping", edited(TRAIN, "train: 0.05\n"),
     ["train = 0.05", "a mapping with keys lr, epochs, engine"]),
    ("engine-unknown", edited("  engine: eager", "  engine: jit"),
     ["train.engine = 'jit'", "one of eager, compiled"]),
    ("engine-capitalised", edited("  engine: eager", "  engine: Compiled"),
     ["train.engine = 'Compiled'", "one of eager, compiled"]),
    # wrong types
    ("epochs-quoted", epochs('"300"'), ["train.epochs = '300'", ALLOWED_EPOCHS]),
    ("epochs-fraction", epochs("300.5"), ["train.epochs = 300.5", ALLOWED_EPOCHS]),
    ("epochs-float", epochs("3e2"), ["train.epochs = 300.0", ALLOWED_EPOCHS]),
    ("epochs-bool", epochs("true"), ["train.epochs = True", ALLOWED_EPOCHS]),
    ("lr-word", lr("fast"), ["train.lr = 'fast'", ALLOWED_NUMBER]),
    ("lr-quoted", lr('"0.05"'), ["train.lr = '0.05'", ALLOWED_NUMBER]),
    ("lr-empty", lr(""), ["train.lr = None", ALLOWED_NUMBER]),
    ("lr-list", lr("[0.05]"), ["train.lr = [0.05]", ALLOWED_NUMBER]),
    ("sizes-number", sizes("4"), ["model.layer_sizes = 4", ALLOWED_SIZES]),
    ("sizes-string", sizes("4, 5"), ["model.layer_sizes = '4, 5'", ALLOWED_SIZES]),
    ("sizes-fraction", sizes("[4.5, 5]"), ["model.layer_sizes = [4.5, 5]", ALLOWED_SIZES]),
    ("sizes-quoted", sizes('["4", 5]'), ["model.layer_sizes = ['4', 5]", ALLOWED_SIZES]),
    ("sizes-bool", sizes("[true, 5]"), ["model.layer_sizes = [True, 5]", ALLOWED_SIZES]),
    ("init-range-word", init_range("one"), ["model.init_range = 'one'", "a finite number > 0"]),
    ("max-loss-word", max_loss("low"), ["verify.max_loss = 'low'", ALLOWED_NUMBER]),
    ("verb-number", edited("verb: work", "verb: 5"), ["data.verb = 5", "one of "]),
    ("seed-quoted", edited("seed: 42", 'seed: "42"'), ["seed = '42'", "from 0 to 4294967295"]),
    ("seed-fraction", edited("seed: 42", "seed: 4.2"), ["seed = 4.2", "from 0 to 4294967295"]),
    ("values-word", values("{a: two, b: 3, c: 4}"), ["viz.values.a = 'two'", "a finite number"]),
    ("values-list", values("{a: [2], b: 3, c: 4}"), ["viz.values.a = [2]", "a finite number"]),
    ("values-bool", values("{a: true, b: 3, c: 4}"), ["viz.values.a = True", "a finite number"]),
    ("values-nan", values("{a: .nan, b: 3, c: 4}"), ["viz.values.a = nan", "a finite number"]),
    ("values-string", values('"2, 3, 4"'), ["viz.values = '2, 3, 4'", "a mapping of variable"]),
    ("values-empty", values("{}"), ["viz.values = {}", "a mapping of variable"]),
    ("values-function-name", values("{exp: 2}"), ["viz.values = 'exp'", "other than exp"]),
    ("expression-number", edited('expression: "(a*b + c)*(a - c)"', "expression: 5"),
     ["viz.expression = 5", "a non-empty string"]),
    ("expression-empty", edited('expression: "(a*b + c)*(a - c)"', 'expression: ""'),
     ["viz.expression = ''", "a non-empty string"]),
    # out of range
    ("lr-zero", lr("0"), ["train.lr = 0", ALLOWED_NUMBER]),
    ("lr-negative", lr("-0.1"), ["train.lr = -0.1", ALLOWED_NUMBER]),
    ("lr-nan", lr(".nan"), ["train.lr = nan", ALLOWED_NUMBER]),
    ("lr-inf", lr(".inf"), ["train.lr = inf", ALLOWED_NUMBER]),
    ("lr-overflow", lr("1e999"), ["train.lr = inf", ALLOWED_NUMBER]),
    ("epochs-zero", epochs("0"), ["train.epochs = 0", ALLOWED_EPOCHS]),
    ("epochs-negative", epochs("-5"), ["train.epochs = -5", ALLOWED_EPOCHS]),
    ("epochs-one-too-many", epochs("100001"), ["train.epochs = 100001", ALLOWED_EPOCHS]),
    ("epochs-absurd", epochs("1000000000"), ["train.epochs = 1000000000", ALLOWED_EPOCHS]),
    ("init-range-zero", init_range("0"), ["model.init_range = 0", "a finite number > 0"]),
    ("init-range-negative", init_range("-1"), ["model.init_range = -1", "a finite number > 0"]),
    ("init-range-inf", init_range(".inf"), ["model.init_range = inf", "a finite number > 0"]),
    ("init-range-huge", init_range("1000"), ["model.init_range = 1000", "at most 100"]),
    ("sizes-empty", sizes("[]"), ["model.layer_sizes = []", ALLOWED_SIZES]),
    ("sizes-zero", sizes("[0, 5]"), ["model.layer_sizes = [0, 5]", ALLOWED_SIZES]),
    ("sizes-negative", sizes("[-4, 5]"), ["model.layer_sizes = [-4, 5]", ALLOWED_SIZES]),
    ("sizes-last-not-5", sizes("[4, 4]"), ["model.layer_sizes = [4, 4]", ALLOWED_SIZES]),
    ("sizes-only-hidden", sizes("[4]"), ["model.layer_sizes = [4]", ALLOWED_SIZES]),
    ("sizes-too-wide", sizes("[1000, 5]"), ["model.layer_sizes = [1000, 5]", "from 1 to 256"]),
    ("sizes-too-deep", sizes(str([4] * 10 + [5])), ["model.layer_sizes = [4, 4,", "1 to 10 "]),
    ("max-loss-zero", max_loss("0"), ["verify.max_loss = 0", ALLOWED_NUMBER]),
    ("max-loss-negative", max_loss("-0.5"), ["verify.max_loss = -0.5", ALLOWED_NUMBER]),
    ("max-loss-nan", max_loss(".nan"), ["verify.max_loss = nan", ALLOWED_NUMBER]),
    ("seed-negative", edited("seed: 42", "seed: -1"), ["seed = -1", "from 0 to 4294967295"]),
    ("seed-too-big", edited("seed: 42", "seed: 4294967296"), ["seed = 4294967296"]),
    # the viz expression: parsed against its grammar and evaluated at viz.values
    ("expression-syntax", edited('"(a*b + c)*(a - c)"', '"a +"'),
     ["params.yaml, viz: expression 'a +' is not valid at column 4: invalid syntax"]),
    ("expression-import", edited('"(a*b + c)*(a - c)"', '"__import__(\'os\')"'),
     ["params.yaml, viz: ", "calling `__import__` is not allowed", "sigmoid(x)"]),
    ("expression-log-of-negative", edited('"(a*b + c)*(a - c)"', '"log(a - c)"'),
     ["params.yaml, viz: ", "`log(a - c)` at column 1", "log: operand must be > 0, got -2.0"]),
    ("expression-infinite-gradient", edited('"(a*b + c)*(a - c)"', '"(a - 2) ** 0.5"'),
     ["params.yaml, viz: ", "the gradient of `a`", "is inf"]),
    # an unknown verb: the message lists the ones there are
    ("unknown-verb", edited("verb: work", "verb: swim"),
     ["data.verb = 'swim'", "one of be, come, do, eat", "work, write"]),
]


@pytest.mark.parametrize("text, fragments", [row[1:] for row in BAD], ids=[row[0] for row in BAD])
def test_bad_params_raise_one_params_error_naming_key_and_value(tmp_path, text, fragments):
    with pytest.raises(StageError) as caught:
        load_text(tmp_path, text)
    assert_one_line_naming(str(caught.value), fragments)


def test_a_missing_params_file_says_how_to_get_it_back(tmp_path):
    with pytest.raises(StageError, match=r"params.yaml is missing: .*git checkout -- "):
        load_params(tmp_path / "params.yaml")


GOOD_VARIANTS = [
    ("lr-exponent", lr("1e-2"), ("train", "lr"), 0.01),
    ("lr-capital-exponent", lr("5E-3"), ("train", "lr"), 0.005),
    ("lr-fraction-exponent", lr("1.5e-1"), ("train", "lr"), 0.15),
    ("lr-whole", lr("1"), ("train", "lr"), 1.0),
    ("epochs-one", epochs("1"), ("train", "epochs"), 1),
    ("epochs-most", epochs("100000"), ("train", "epochs"), 100000),
    ("epochs-underscore", epochs("1_000"), ("train", "epochs"), 1000),
    ("epochs-leading-zero", epochs("010"), ("train", "epochs"), 10),  # YAML 1.1 would read 8
    ("epochs-octal", epochs("0o10"), ("train", "epochs"), 8),  # YAML 1.1 would read a string
    ("sizes-no-hidden", sizes("[5]"), ("model", "layer_sizes"), [5]),
    ("sizes-two-hidden", sizes("[8, 3, 5]"), ("model", "layer_sizes"), [8, 3, 5]),
    ("sizes-block-list", sizes("\n    - 4\n    - 5"), ("model", "layer_sizes"), [4, 5]),
    ("init-range-whole", init_range("2"), ("model", "init_range"), 2.0),
    ("init-range-most", init_range("100"), ("model", "init_range"), 100.0),
    ("max-loss-exponent", max_loss("1e-1"), ("verify", "max_loss"), 0.1),
    ("verb-quoted", edited("verb: work", 'verb: "go"'), ("data", "verb"), "go"),
    ("values-floats", values("{a: -1.5, b: 1e3, c: 0}"), ("viz", "values"),
     {"a": -1.5, "b": 1000.0, "c": 0}),
]


@pytest.mark.parametrize(
    "text, where, expected",
    [row[1:] for row in GOOD_VARIANTS],
    ids=[row[0] for row in GOOD_VARIANTS],
)
def test_good_spellings_are_accepted_and_read_as_dvc_reads_them(tmp_path, text, where, expected):
    section, key = where
    got = load_text(tmp_path, text)[section][key]
    assert got == expected and type(got) is type(expected)
    # DVC (ruamel, YAML 1.2) records the same value in dvc.lock as the stage uses
    assert parse_yaml(text, "params.yaml")[section][key] == expected


def test_the_labs_params_are_valid(tmp_path):
    params = load_text(tmp_path, LAB_PARAMS)
    assert params["train"] == {"lr": 0.05, "epochs": 300, "engine": "eager"}
    assert params["model"] == {"layer_sizes": [4, 5], "init_range": 1.0}


def test_check_params_depends_on_the_whole_file():
    stage = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]["check_params"]
    assert "params.yaml" in stage["deps"] and "params" not in stage


STAGES = [name for name in yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]]


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_runs_the_one_full_check(stage):
    source = (REPO / "stages" / f"{stage}.py").read_text()
    calls = re.findall(r"load_params\(([^)]*)\)", source)
    assert calls and all("sections" not in call for call in calls), calls


VERB_TABLE = (REPO / "data/verbs.yaml").read_text()
BAD_TABLES = [
    ("four-forms", VERB_TABLE.replace("[work, works, worked, worked, will work]", "[work, works]"),
     ["verb table", "is malformed: verbs.work.english = ['work', 'works'] is not allowed:"
      " 5 forms, in the order of tenses"]),
    ("misspelt-key", VERB_TABLE.replace("english: [work,", "englsh: [work,"),
     ["is malformed: unknown key verbs.work.englsh (did you mean verbs.work.english?)"]),
    ("no-verbs", "tenses: [a, b, c, d, e]\n", ["is malformed: key `verbs` is missing"]),
    ("four-tenses", VERB_TABLE.replace("past_participle, ", ""),
     ["is malformed: tenses = [", "is not allowed: 5 tense names"]),
    ("broken-yaml", "tenses: [a, b\n", ["is not valid YAML at line 2"]),
    ("a-list", "- work\n", ["it must be a mapping with keys tenses, verbs, got ['work']"]),
]


@pytest.mark.parametrize("text, fragments", [row[1:] for row in BAD_TABLES],
                         ids=[row[0] for row in BAD_TABLES])
def test_a_bad_verb_table_is_refused_in_one_line(tmp_path, text, fragments):
    path = tmp_path / "verbs.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StageError) as caught:
        load_verbs(path)
    assert_one_line_naming(str(caught.value), [f"verb table {path}", *fragments])
