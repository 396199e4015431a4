"""YAML files read exactly as DVC reads params.yaml: YAML 1.2 through ruamel.yaml's safe loader.

PyYAML follows YAML 1.1, where `yes` is true, `010` is 8 and `1:30` is 90; DVC records the
string 'yes', 10 and '1:30' in dvc.lock and `dvc params diff`. Reading with the same loader
means a stage always uses the value DVC shows. Repeated keys are refused, as DVC refuses them.
"""

__all__ = ["read_yaml", "yaml_error_place", "YAMLError"]


class YAMLError(Exception):
    """The text is not valid YAML; str() is where and what, as yaml_error_place gives it."""


def read_yaml(path):
    """The data in the YAML file at `path` (None when it holds no document)."""
    from ruamel.yaml import YAML  # imported here: a stage without it still starts (stage.py)
    from ruamel.yaml import YAMLError as RuamelError

    with open(path, encoding="utf-8") as f:
        try:
            return YAML(typ="safe").load(f)
        except UnicodeDecodeError:
            raise
        except RuamelError as err:
            mark = getattr(err, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(err, "problem", None) or str(err).splitlines()[0]
            raise YAMLError(f"{where}: {problem}") from None
        except ValueError as err:  # a well-formed scalar that is no value: `2001-13-45`, `!!int x`
            raise YAMLError(f": a value cannot be read: {err}") from None


def yaml_error_place(err):
    """' at line L, column C: what is wrong', one line, from a YAML (or reading) error."""
    if isinstance(err, YAMLError):
        return str(err)
    return f": {(str(err).splitlines() or [type(err).__name__])[0]}"
