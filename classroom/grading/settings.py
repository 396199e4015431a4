"""classroom/params.yaml's `grading` section: whether to jail, and the jail's limits."""

from pathlib import Path

import yaml

from classroom.jail import Limits

CLASSROOM = Path(__file__).resolve().parents[1]
REPO = CLASSROOM.parent
PARAMS = CLASSROOM / "params.yaml"
LEARNERS = CLASSROOM / "learners"
GRADED = CLASSROOM / "graded"
ROSTER = CLASSROOM / "learners.yaml"

# the limits a teacher may set, each a number above 0, as classroom.jail.Limits names them
LIMIT_KEYS = ("wall_seconds", "cpu_seconds", "memory_mb", "processes", "file_mb")


class SettingsError(ValueError):
    """A bad classroom/params.yaml; the message is one line."""


def load_settings(path=PARAMS):
    """(jail, Limits) from the params file, or SettingsError naming the bad value."""
    shown = f"classroom/{Path(path).name}"
    try:
        params = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise SettingsError(f"{shown}: cannot be read as YAML: {str(err).splitlines()[0]}") from None
    grading = params.get("grading") if isinstance(params, dict) else None
    if not isinstance(grading, dict):
        raise SettingsError(f"{shown}: needs a `grading:` section with `jail` and"
                            f" {', '.join(LIMIT_KEYS)}")
    jail = grading.get("jail")
    if not isinstance(jail, bool):
        raise SettingsError(f"{shown}: grading.jail must be true or false, got {jail!r}")
    values = {}
    for key in LIMIT_KEYS:
        value = grading.get(key)
        # cpu_seconds and the sizes go to rlimits, which take whole numbers
        whole = key != "wall_seconds"
        ok = (isinstance(value, int) if whole else isinstance(value, (int, float)))
        if isinstance(value, bool) or not ok or not value > 0:
            kind = "a whole number" if whole else "a number"
            raise SettingsError(f"{shown}: grading.{key} must be {kind} above 0, got {value!r}")
        values[key] = value
    unknown = sorted(set(grading) - {"jail", *LIMIT_KEYS})
    if unknown:
        raise SettingsError(f"{shown}: grading.{unknown[0]} is not a setting; the settings are"
                            f" jail, {', '.join(LIMIT_KEYS)}")
    return jail, Limits(**values)
