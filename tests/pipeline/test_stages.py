"""Each stage's own functions, called directly (the pipeline tests run them through DVC)."""

import io
import json
import math
import shutil

import pytest

from conftest import LAB_PARAMS, REPO, answer_lab
from minigrad import seed_everything
from stages import build_dataset, predict, train, verify
from stages.common import DATASET, StageError
from labcheck import Lab
from stages.params import load_verbs

ONE_HOT = [[1.0 if i == j else 0.0 for j in range(5)] for i in range(5)]
TARGET_ROWS = [[1.0 if i == j else -1.0 for j in range(5)] for i in range(5)]
ANSWER = answer_lab()
LAB, LAB_MODEL = ANSWER.train, ANSWER.model


def train_lab(layer_sizes, lr, epochs, engine="eager", seed=42, before=None):
    """The train stage's loop on the lab's model: (losses, the model)."""
    seed_everything(seed)
    model = LAB_MODEL.MLP(5, layer_sizes)
    if before:
        before(model)
    return train.train(ANSWER, model, LAB.xs, LAB.ys, lr, epochs, engine), model


def names_of(verb):
    """predict's names for the tenses, read from the dataset build_dataset writes."""
    table = load_verbs(REPO / "data/verbs.yaml")
    dataset = {"verb": verb, "tenses": table["tenses"], **table["verbs"][verb]}
    return predict.read_names(io.StringIO(json.dumps(dataset)))


def test_the_pipeline_trains_on_the_labs_block_b():
    assert LAB.xs == ONE_HOT and LAB.ys == TARGET_ROWS


def test_dataset_holds_only_the_forms_of_the_chosen_verb(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    shutil.copy(REPO / "data/verbs.yaml", tmp_path / "data/verbs.yaml")
    (tmp_path / "params.yaml").write_text(LAB_PARAMS)
    monkeypatch.chdir(tmp_path)
    build_dataset.main()
    dataset = json.loads((tmp_path / DATASET).read_text())
    assert dataset == {
        "verb": "work",
        "tenses": ["infinitive", "present_3sg", "past_simple", "past_participle", "future"],
        "english": ["work", "works", "worked", "worked", "will work"],
        "spanish": ["trabajar", "trabaja", "trabajó", "trabajado", "trabajará"]}


def test_verb_table_has_at_least_a_dozen_complete_verbs():
    verbs = load_verbs(REPO / "data/verbs.yaml")["verbs"]
    assert len(verbs) >= 13
    assert verbs["go"]["english"] == ["go", "goes", "went", "gone", "will go"]
    assert verbs["go"]["spanish"] == ["ir", "va", "fue", "ido", "irá"]


def test_training_the_lab_reaches_a_loss_near_005():
    losses, _ = train_lab([4, 5], lr=0.05, epochs=300)
    assert len(losses) == 300
    assert 0.04 < losses[-1] < 0.07
    assert losses[-1] < losses[0]


def test_init_range_goes_only_to_an_mlp_that_takes_it_and_else_is_noted():
    class WithRange:
        def MLP(n_in, layer_sizes, init_range=1.0):  # noqa: N802 (the lab's name)
            return ("with", n_in, layer_sizes, init_range)

    class WithoutRange:
        __file__ = "model.py"

        def MLP(n_in, layer_sizes):  # noqa: N802
            return ("without", n_in, layer_sizes)

    with_range, without = (Lab(model, None, None, []) for model in (WithRange, WithoutRange))
    assert train.build_model(with_range, [4, 5], 0.5) == ("with", 5, [4, 5], 0.5)
    assert train.build_model(without, [4, 5], 0.5) == ("without", 5, [4, 5])
    assert train.init_range_note(with_range, 0.5) is None
    assert train.init_range_note(without, 1.0) is None  # the lab's own range: nothing to say
    note = train.init_range_note(without, 0.5)
    assert "model.init_range to 0.5" in note and "model.py's MLP takes no init_range" in note


def test_an_sgd_step_that_returns_nothing_records_the_same_curve_as_one_that_returns_its_loss():
    class Quiet:
        total_loss, xs, ys = LAB.total_loss, LAB.xs, LAB.ys

        def sgd_step(model, xs, ys, lr):
            LAB.sgd_step(model, xs, ys, lr)

    losses, _ = train_lab([4, 5], lr=0.05, epochs=5)
    seed_everything(42)
    model = LAB_MODEL.MLP(5, [4, 5])
    quiet = train.train(Lab(LAB_MODEL, Quiet, None, []), model, LAB.xs, LAB.ys, 0.05, 5)
    assert quiet == losses  # each epoch's loss is the one it starts from


def test_training_twice_gives_bit_identical_losses():
    runs = []
    for _ in range(2):
        runs.append(train_lab([3, 5], lr=0.1, epochs=40, seed=7)[0])
    assert runs[0] == runs[1]


def test_compiled_engine_trains_to_the_same_bits_as_eager():
    runs = {}
    for engine in ("eager", "compiled"):
        losses, model = train_lab([4, 5], 0.05, 300, engine)
        runs[engine] = losses, [p.data for p in model.parameters()]
    assert runs["compiled"] == runs["eager"]
    assert runs["compiled"][0][-1] == 0.05310999703588311


@pytest.mark.parametrize("engine", ["eager", "compiled"])
def test_a_huge_lr_diverges_at_epoch_2_on_either_engine(engine):
    with pytest.raises(StageError, match=r"loss is nan at epoch 2 with train.lr = 1e\+308"):
        train_lab([4, 5], 1e308, 300, engine)


def test_a_divergence_after_a_lab_check_failed_blames_the_lab_code_not_the_lr():
    seed_everything(42)
    model = LAB_MODEL.MLP(5, [4, 5])
    with pytest.raises(StageError) as diverged:
        train.train(ANSWER, model, LAB.xs, LAB.ys, 1e308, 300, findings=["a planted mistake"])
    assert "`lab check:` lines above" in str(diverged.value)
    assert "lower train.lr" not in str(diverged.value)


def test_training_stops_at_the_first_non_finite_loss():
    def poison(model):
        model.layers[0].neurons[0].w[0].data = math.inf

    with pytest.raises(StageError, match=r"epoch 1 .*lower train.lr"):
        train_lab([4, 5], lr=0.05, epochs=10, before=poison)


def test_loss_csv_has_a_header_and_exact_floats():
    text = train.loss_csv([1.5, 0.1])
    assert text == "epoch,loss\n1,1.5\n2,0.1\n"


def test_argmax_takes_the_first_of_equal_maxima():
    assert predict.argmax([0.1, 0.9, 0.9, -1.0]) == 1
    assert predict.argmax([-3.0]) == 0


def test_model_json_loads_into_the_labs_mlp_through_its_parameters():
    _, trained = train_lab([4, 5], lr=0.05, epochs=300)
    state = json.loads(json.dumps({"n_in": 5, "layer_sizes": [4, 5],
                                   "parameters": [p.data for p in trained.parameters()]}))
    loaded = predict.load_model(ANSWER, state)
    assert [o.data for x in ONE_HOT for o in loaded(x)] == [
        o.data for x in ONE_HOT for o in trained(x)]  # exact through JSON
    with pytest.raises(ValueError):  # one value too few: read_output makes it the one line
        predict.load_model(ANSWER, {**state, "parameters": state["parameters"][:-1]})


def test_predictions_name_each_tense_and_say_if_right():
    _, trained = train_lab([4, 5], lr=0.05, epochs=300)
    predictions = predict.predict(ANSWER, trained, LAB.xs, names_of("eat"))
    assert [p["english"] for p in predictions] == ["eat", "eats", "ate", "eaten", "will eat"]
    assert [p["predicted"] for p in predictions] == [p["tense"] for p in predictions]
    assert all(p["correct"] for p in predictions)
    assert all(len(p["output"]) == 5 and p["input"] in ONE_HOT for p in predictions)


def test_a_wrong_guess_is_named_and_marked():
    class Constant:  # a model that always says "future"
        def __call__(self, x):
            return [type("V", (), {"data": v})() for v in (-1, -1, -1, -1, 1)]

    predictions = predict.predict(ANSWER, Constant(), LAB.xs, names_of("work"))
    assert [p["predicted"] for p in predictions] == ["future"] * 5
    assert [p["correct"] for p in predictions] == [False] * 4 + [True]


def predictions_with(wrong=()):
    tenses = ["infinitive", "present_3sg", "past_simple", "past_participle", "future"]
    return [
        {"tense": t, "predicted": "future" if t in wrong else t, "correct": t not in wrong}
        for t in tenses
    ]


def conditions(losses, predictions, drawing=(), manifests=True):
    from labcheck.conditions import stop_conditions

    correct = sum(p["correct"] for p in predictions)
    return stop_conditions(losses, correct, len(predictions), list(drawing),
                           {"train": manifests, "viz": manifests}, 0.5)


def test_check_passes_only_below_max_loss_with_all_right():
    right = predictions_with()
    metrics, failures = verify.check(conditions([1.0, 0.05], right), right)
    assert metrics == {"accuracy": 1.0, "all_correct": True, "passed": True}
    assert failures == []

    wrong = predictions_with(["infinitive"])
    metrics, failures = verify.check(conditions([1.0, 0.7], wrong), wrong)
    assert metrics["passed"] is False and metrics["accuracy"] == 0.8
    assert "ended at 0.7, not below 0.5" in failures[0]
    assert "4 of 5 right" in failures[1]


def test_check_fails_a_curve_that_rises_a_drawing_with_findings_and_any_lab_finding():
    right = predictions_with()
    metrics, failures = verify.check(conditions([1.0, 0.3, 0.31, 0.05], right), right)
    assert not metrics["passed"] and "rose at 1 epoch (3, as loss.csv numbers them)" in failures[0]
    metrics, failures = verify.check(conditions([1.0, 0.05], right, ["an edge backwards"]), right)
    assert not metrics["passed"] and "graph.svg drawn and correct: no" in failures[0]
    metrics, failures = verify.check(conditions([1.0, 0.05], right), right, ["a finding"])
    assert not metrics["passed"] and "found 1 mistake" in failures[0]
    # the manifests are the pipeline's own: shown, never failing a run
    metrics, failures = verify.check(conditions([1.0, 0.05], right, manifests=False), right)
    assert metrics["passed"] and failures == []


@pytest.mark.parametrize("losses, advice", [
    ([5.0, 5.0, 5.1], "did not decrease"),
    ([25.0, 1.0, 0.6, 9.0, 30.0], "learning rate is too high"),
    ([25.0, 10.0, 5.0, 2.0, 1.0], "still falling"),
    ([25.0, 3.0, 2.0, 2.0, 2.0], "flattened above the bar"),
    ([25.0, 1.0, 0.1, 0.05, 0.049], "below the bar and has levelled off"),
])
def test_diagnosis_reads_the_loss_curve(losses, advice):
    assert advice in verify.diagnose(losses, max_loss=0.5)


@pytest.mark.parametrize("start, end, advice", [
    (0.2, 0.25, "Lower `model.init_range`"),
    (0.0, 0.45, "ended saturated (|h| > 0.99): the steps pushed them there. Lower `train.lr`"),
    (0.0, 0.05, "try more hidden units"),
])
def test_a_flat_loss_above_the_bar_is_read_with_the_hidden_units_saturation(start, end, advice):
    assert advice in verify.diagnose([25.0, 3.0, 2.0, 2.0, 2.0], 0.5, start, end)


# The lab's four diagnostics, each from a real run of the lab's loop (the train stage's
# functions, params as a user would set them): (layer_sizes, init_range, lr, what verify says).
REAL_RUNS = {
    "not falling": ([4, 5], 1.0, 1000.0, "did not decrease: with the lab's settings that is a"
                    " bug in backward. Run the tests"),
    "falling then rising": ([4, 5], 1.0, 1.5, "It fell, then rose again: the learning rate is"
                            " too high. Lower `train.lr`."),
    "falling slowly": ([4, 5], 1.0, 0.001, "still falling at the last epoch: it learns slowly."
                       " Raise `train.lr` or the hidden size"),
    "saturated": ([4, 5], 3.0, 0.05, "were saturated (|h| > 0.99) from the start, where almost"
                  " no gradient flows: the initial weights are too large. Lower"
                  " `model.init_range`"),
}


@pytest.mark.parametrize("case", REAL_RUNS)
def test_each_of_the_labs_diagnoses_on_a_real_run(case):
    layer_sizes, init_range, lr, advice = REAL_RUNS[case]
    seed_everything(42)
    model = LAB_MODEL.MLP(5, layer_sizes, init_range)
    start = train.saturation(model, ONE_HOT)
    losses = train.train(ANSWER, model, LAB.xs, LAB.ys, lr, 300)
    assert advice in verify.diagnose(losses, 0.5, start, train.saturation(model, ONE_HOT))


def test_architecture_names_every_layer():
    assert verify.architecture([4, 5]) == "5-in, 4-hidden, 5-out"
    assert verify.architecture([8, 3, 5]) == "5-in, 8-hidden, 3-hidden, 5-out"
    assert verify.architecture([5]) == "5-in, 5-out"


def test_advice_says_what_the_curve_did_and_never_raises_lr_after_a_rise():
    # below the bar and still falling, but the loss rose at epoch 3 on the way
    rose = [25.0, 10.0, 12.0, 5.0, 2.0, 1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.04]
    advice = verify.diagnose(rose, max_loss=0.5)
    assert "rose at 1 epoch (3)" in advice
    assert "over the last 2 epochs it fell by 20.0%" in advice
    assert "higher `train.lr`" not in advice and "raise `train.epochs`, not the lr" in advice

    smooth = [25.0, 10.0, 6.0, 5.0, 2.0, 1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.04]
    assert "a higher `train.lr` would get there sooner" in verify.diagnose(smooth, max_loss=0.5)
    assert "rose" not in verify.diagnose(smooth, max_loss=0.5)
