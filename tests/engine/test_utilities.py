"""The small utilities beside the engine: logging, seeding, the collector."""

import gc
import json
import random

import pytest

from minigrad import get_logger, paused_collector, seed_everything


def test_logger_writes_one_plain_line_per_message_with_its_fields(capsys, monkeypatch):
    monkeypatch.delenv("MINIGRAD_LOG", raising=False)
    log = get_logger("test_logger")
    log.info("trained", extra={"fields": {"final_loss": 0.05310999703588311, "epochs": 300,
                                          "model": "MLP(5, [4, 5])", "grads": {"a": 4.0}}})
    log.error("params.yaml: train.lr = -1 is not allowed: a finite number > 0")
    assert capsys.readouterr().err.splitlines() == [
        "test_logger: trained  final_loss=0.05311 epochs=300 model='MLP(5, [4, 5])' grads={a: 4}",
        "test_logger: params.yaml: train.lr = -1 is not allowed: a finite number > 0",
    ]


def test_logger_writes_json_lines_when_minigrad_log_is_json(capsys, monkeypatch):
    monkeypatch.setenv("MINIGRAD_LOG", "json")
    log = get_logger("test_logger_json")
    log.info("epoch", extra={"fields": {"epoch": 3, "loss": 0.25}})
    log.error("bad")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    first, second = map(json.loads, lines)
    assert (first["level"], first["logger"], first["message"]) == ("info", "test_logger_json", "epoch")
    assert (first["epoch"], first["loss"]) == (3, 0.25)
    assert second["level"] == "error" and first["time"].endswith("Z")


def test_the_json_switch_is_named_in_the_logs_module_docstring():
    from minigrad import logs

    assert logs.SWITCH == "MINIGRAD_LOG" and "MINIGRAD_LOG=json" in logs.__doc__


def test_logger_is_set_up_once_however_often_it_is_asked_for(capsys):
    for _ in range(3):
        log = get_logger("test_logger_once")
    log.info("hello")
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_seed_everything_repeats_the_draws():
    seed_everything(3)
    first = [random.random() for _ in range(5)]
    seed_everything(3)
    assert [random.random() for _ in range(5)] == first
    with pytest.raises(ValueError, match="seed"):
        seed_everything("3")


def test_paused_collector_restores_the_collector_even_on_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with paused_collector():
            assert not gc.isenabled()
            raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_collector():
            pass
        assert not gc.isenabled()  # it was off before, so it stays off
    finally:
        gc.enable()
