"""The small utilities beside the engine: logging, seeding, files, manifest, the collector."""

import copy
import gc
import json
import random

import jsonschema
import pytest

from minigrad import get_logger, paused_collector, seed_everything
from stages.errors import DataFileError
from stages.files import atomic_path, read_json, write_json
from stages.manifest import build_manifest, validate_manifest


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


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "out.json"
    write_json(target, {"old": 1})
    with pytest.raises(ValueError):
        write_json(target, {"loss": float("nan")})  # NaN is not JSON: refused
    assert json.loads(target.read_text()) == {"old": 1}
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_text('{"trunc')
            raise KeyboardInterrupt
    assert json.loads(target.read_text()) == {"old": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary file left


def test_read_json_names_the_corrupt_file(tmp_path):
    bad = tmp_path / "model.json"
    bad.write_text('{"layers": [1, 2')
    with pytest.raises(DataFileError, match=r"model .*model.json is not valid JSON"):
        read_json(bad, "model")
    with pytest.raises(DataFileError, match=r"missing"):
        read_json(tmp_path / "absent.json", "dataset")


def test_manifest_follows_its_schema_and_hashes_files(tmp_path):
    data = tmp_path / "in.txt"
    data.write_text("x")
    manifest = build_manifest("demo", 42, {"lr": 0.05}, [data], [data], {"loss": 0.1}, 1.5)
    validate_manifest(manifest)
    assert manifest["outputs"][0]["bytes"] == 1
    assert manifest["inputs"][0]["sha256"] == (
        "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881")
    assert manifest["created_at"].endswith("Z")
    for key in ("git", "seed", "duration_s"):
        broken = copy.deepcopy(manifest)
        del broken[key]
        with pytest.raises(jsonschema.ValidationError):
            validate_manifest(broken)
    broken = copy.deepcopy(manifest)
    broken["duration_s"] = -1
    with pytest.raises(jsonschema.ValidationError):
        validate_manifest(broken)


def test_parse_args_takes_the_program_from_the_docstring_and_an_option_per_keyword(capsys):
    from stages.stage import parse_args

    doc = "Stage demo: what it does.\n\nMore.\n"
    args = parse_args(doc, ["--loss-csv", "l.csv"], loss_csv="losses (CSV)",
                      marker=("optional", None), params=("with a default", "params.yaml"))
    assert (args.loss_csv, args.marker, args.params) == ("l.csv", None, "params.yaml")
    with pytest.raises(SystemExit):
        parse_args(doc, [], loss_csv="losses (CSV)")
    err = capsys.readouterr().err
    assert "usage: python -m stages.demo" in err and "--loss-csv" in err
