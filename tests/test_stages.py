"""Each stage's own functions, called directly (the pipeline tests run them through DVC)."""

import math

import pytest

from minigrad import MLP, seed_everything
from stages.errors import DivergenceError
from stages.lab import load_lab
from stages.verbs import load_verb_table
from stages import build_dataset, predict, train, verify

ONE_HOT = [[1.0 if i == j else 0.0 for j in range(5)] for i in range(5)]
TARGET_ROWS = [[1.0 if i == j else -1.0 for j in range(5)] for i in range(5)]
TARGETS = [t for row in TARGET_ROWS for t in row]
LAB = load_lab("experiments/07-train-tense-logits/train.py")


def train_lab(layer_sizes, lr, epochs, engine="eager", seed=42, before=None):
    """The train stage's loop on the lab's model: (losses, the model)."""
    seed_everything(seed)
    model = LAB.MLP(5, layer_sizes)
    if before:
        before(model)
    return train.train(LAB, model, ONE_HOT, TARGET_ROWS, lr, epochs, engine), model


def test_dataset_is_the_tense_identity_of_the_chosen_verb():
    table = load_verb_table("data/verbs.yaml")
    dataset = build_dataset.build_examples(table, "work")
    assert [e["english"] for e in dataset["examples"]] == [
        "work", "works", "worked", "worked", "will work"]
    assert [e["spanish"] for e in dataset["examples"]] == [
        "trabajar", "trabaja", "trabajó", "trabajado", "trabajará"]
    assert [e["input"] for e in dataset["examples"]] == ONE_HOT
    assert [t for e in dataset["examples"] for t in e["target"]] == TARGETS


def test_verb_table_has_at_least_a_dozen_complete_verbs():
    verbs = load_verb_table("data/verbs.yaml")["verbs"]
    assert len(verbs) >= 13
    assert verbs["go"]["english"] == ["go", "goes", "went", "gone", "will go"]
    assert verbs["go"]["spanish"] == ["ir", "va", "fue", "ido", "irá"]


def test_training_the_lab_reaches_a_loss_near_005():
    losses, _ = train_lab([4, 5], lr=0.05, epochs=300)
    assert len(losses) == 300
    assert 0.04 < losses[-1] < 0.07
    assert losses[-1] < losses[0]


def test_training_twice_gives_bit_identical_losses():
    runs = []
    for _ in range(2):
        runs.append(train_lab([3, 5], lr=0.1, epochs=40, seed=7)[0])
    assert runs[0] == runs[1]


def test_compiled_engine_trains_to_the_same_bits_as_eager():
    runs = {}
    for engine in ("eager", "compiled"):
        losses, model = train_lab([4, 5], 0.05, 300, engine)
        runs[engine] = losses, train.saved_model(model, [4, 5])
    assert runs["compiled"] == runs["eager"]
    assert runs["compiled"][0][-1] == 0.05310999703588311


@pytest.mark.parametrize("engine", ["eager", "compiled"])
def test_a_huge_lr_diverges_at_epoch_2_on_either_engine(engine):
    with pytest.raises(DivergenceError, match=r"loss is nan at epoch 2 with train.lr = 1e\+308"):
        train_lab([4, 5], 1e308, 300, engine)


def test_training_stops_at_the_first_non_finite_loss():
    def poison(model):
        model.layers[0].neurons[0].w[0].data = math.inf

    with pytest.raises(DivergenceError, match=r"epoch 1 .*lower train.lr"):
        train_lab([4, 5], lr=0.05, epochs=10, before=poison)


def test_loss_csv_has_a_header_and_exact_floats():
    text = train.loss_csv([1.5, 0.1])
    assert text == "epoch,loss\n1,1.5\n2,0.1\n"


def test_argmax_takes_the_first_of_equal_maxima():
    assert predict.argmax([0.1, 0.9, 0.9, -1.0]) == 1
    assert predict.argmax([-3.0]) == 0


def test_predictions_name_each_tense_and_say_if_right():
    table = load_verb_table("data/verbs.yaml")
    dataset = build_dataset.build_examples(table, "eat")
    _, trained = train_lab([4, 5], lr=0.05, epochs=300)
    model = MLP(5, [4, 5])
    model.load_state_dict(train.saved_model(trained, [4, 5]))
    predictions = predict.predict(model, dataset)
    assert [p["english"] for p in predictions] == ["eat", "eats", "ate", "eaten", "will eat"]
    assert all(p["correct"] for p in predictions)
    assert all(len(p["output"]) == 5 for p in predictions)


def predictions_with(wrong=()):
    tenses = ["infinitive", "present_3sg", "past_simple", "past_participle", "future"]
    return [
        {"tense": t, "predicted": "future" if t in wrong else t, "correct": t not in wrong}
        for t in tenses
    ]


def test_check_passes_only_below_max_loss_with_all_right():
    metrics, failures = verify.check(0.05, predictions_with(), max_loss=0.5)
    assert metrics == {"accuracy": 1.0, "all_correct": True, "passed": True}
    assert failures == []

    metrics, failures = verify.check(0.7, predictions_with(["infinitive"]), max_loss=0.5)
    assert metrics["passed"] is False and metrics["accuracy"] == 0.8
    assert "0.7 is not below verify.max_loss 0.5" in failures[0]
    assert "infinitive->future" in failures[1]


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
    model = LAB.MLP(5, layer_sizes, init_range)
    start = train.saturation(model, ONE_HOT)
    losses = train.train(LAB, model, ONE_HOT, TARGET_ROWS, lr, 300)
    assert advice in verify.diagnose(losses, 0.5, start, train.saturation(model, ONE_HOT))


def test_architecture_names_every_layer():
    assert verify.architecture([4, 5]) == "5-in, 4-hidden, 5-out"
    assert verify.architecture([8, 3, 5]) == "5-in, 8-hidden, 3-hidden, 5-out"
    assert verify.architecture([5]) == "5-in, 5-out"


def test_advice_says_what_the_curve_did_and_never_raises_lr_after_a_rise():
    # below the bar and still falling, but the loss rose at epoch 3 on the way
    rose = [25.0, 10.0, 12.0, 5.0, 2.0, 1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.04]
    advice = verify.diagnose(rose, max_loss=0.5)
    assert "rose at 1 epoch, first at epoch 3" in advice
    assert "over the last 2 epochs it fell by 20.0%" in advice
    assert "higher `train.lr`" not in advice and "raise `train.epochs`, not the lr" in advice

    smooth = [25.0, 10.0, 6.0, 5.0, 2.0, 1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.04]
    assert "a higher `train.lr` would get there sooner" in verify.diagnose(smooth, max_loss=0.5)
    assert "rose" not in verify.diagnose(smooth, max_loss=0.5)
