"""The class list and the settings, without running anyone's lab: in milliseconds."""

import pytest
import yaml

from classroom.grading import roster
from classroom.grading.gradebook import short_name
from classroom.grading.settings import ROSTER, SettingsError, load_settings


def test_the_committed_code_json_is_the_grading_codes_fingerprint():
    """The committed gradebook was made by the code as committed: after an edit to the engine,
    the checker or the grader, `make class` grades the class again and rewrites code.json."""
    import json

    from classroom.grading.settings import CLASSROOM
    from classroom.grading.stamp import fingerprint

    committed = json.loads((CLASSROOM / "code.json").read_text(encoding="utf-8"))
    assert committed == fingerprint(), "run `make class` and commit classroom/"


def test_learners_yaml_lists_the_folders():
    """The committed list is what `make class` would write from classroom/learners/."""
    assert ROSTER.read_text(encoding="utf-8") == roster.render(roster.learners())


@pytest.mark.parametrize("name", ["ann marie", "bo@2", "cy:x", ".hidden-ok-is-skipped"])
def test_a_name_that_cannot_be_a_stage_key_is_refused_in_one_line(tmp_path, name):
    (tmp_path / "ada").mkdir()
    (tmp_path / name).mkdir()
    if name.startswith("."):
        assert roster.learners(tmp_path) == ["ada"]
        return
    with pytest.raises(roster.RosterError) as err:
        roster.learners(tmp_path)
    message = str(err.value)
    assert "\n" not in message and repr(name) in message and "letters, digits" in message


def test_no_learner_is_refused(tmp_path):
    with pytest.raises(roster.RosterError, match="no learner folder"):
        roster.learners(tmp_path)


@pytest.mark.parametrize("text, fragment", [
    ("grading: {jail: yes please}", "grading.jail must be true or false, got 'yes please'"),
    ("grading: {jail: true, wall_seconds: 0, cpu_seconds: 1, memory_mb: 1, processes: 1,"
     " file_mb: 1}", "grading.wall_seconds must be a number above 0, got 0"),
    ("grading: {jail: true, wall_seconds: 5, cpu_seconds: 1.5, memory_mb: 1, processes: 1,"
     " file_mb: 1}", "grading.cpu_seconds must be a whole number above 0, got 1.5"),
    ("grading: {jail: true, wall_seconds: 5, cpu_seconds: 1, memory_mb: 1, processes: 1,"
     " file_mb: 1, seed: 3}", "grading.seed is not a setting"),
    ("[1, 2", "cannot be read as YAML"),
])
def test_bad_settings_are_one_line(tmp_path, text, fragment):
    path = tmp_path / "params.yaml"
    path.write_text(text)
    with pytest.raises(SettingsError) as err:
        load_settings(path)
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_the_committed_settings_jail():
    jail, limits = load_settings()
    assert jail is True and limits.wall_seconds > 0


@pytest.mark.parametrize("finding, short", [
    ("classroom/learners/a/phase-07/07-train-tense-logits/train.py, Block C, step 3: the"
     " gradients add up over epochs", "Block C step 3: the gradients add up"),
    ("x/model.py, Block A, start: neurons start alike (layer 1's neurons...)",
     "Block A start: neurons start alike"),
    ("x/train.py, Block B: the targets are 0/1; tanh's outputs", "Block B: the targets are 0/1"),
])
def test_short_names(finding, short):
    assert short_name(finding) == short


def test_no_jail_here_is_refused_in_one_line(monkeypatch, capsys):
    """bwrap not on PATH (the venv's bin alone): `make class` stops before DVC, naming why."""
    import sys
    from pathlib import Path

    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    assert roster.main([]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "`bwrap`, which is not on PATH" in err
    assert "grading.jail: false" in err
