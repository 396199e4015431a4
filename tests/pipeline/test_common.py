"""stages/common.py: atomic writes, the one line for a file the pipeline did not write as
it does, and the run manifest."""

import copy
import json

import jsonschema
import pytest

from conftest import validate_manifest
from stages.common import StageError, atomic_path, build_manifest, read_output, write_json


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


def test_a_file_a_stage_cannot_read_gets_the_one_generic_line(tmp_path):
    bad = tmp_path / "model.json"
    bad.write_text('{"layers": [1, 2')
    for path, parse in ((bad, json.load), (tmp_path / "absent.json", json.load),
                        (bad.with_name("ok.json"), lambda f: json.load(f)["parameters"])):
        path.with_name("ok.json").write_text('{"n_in": 5}')
        with pytest.raises(StageError) as caught:
            read_output(path, parse)
        assert str(caught.value) == (f"{path} is missing or not what the pipeline writes: run"
                                     " `dvc repro` to rebuild it")
    assert read_output(bad.with_name("ok.json")) == {"n_in": 5}


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
