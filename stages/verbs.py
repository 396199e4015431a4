"""The verb table (data/verbs.yaml): each verb's five tenses in English and Spanish."""

from stages.errors import DataFileError
from stages.schemas import N_TENSES, STRING, FileSchema, array, check, mapping
from stages.yaml12 import YAMLError, read_yaml, yaml_error_place

__all__ = ["load_verb_table", "VERB_TABLE", "VERBS", "N_TENSES"]

VERB_TABLE = "data/verbs.yaml"  # the one the pipeline reads (a source file, kept in git)
FORMS = array(STRING, f"{N_TENSES} forms, in the order of tenses", N_TENSES)
VERBS = FileSchema("verb table", f"the verb table, {VERB_TABLE}", mapping(
    tenses=array(STRING, f"{N_TENSES} tense names", N_TENSES),
    verbs={"type": "object", "minProperties": 1, "description": "a mapping of verbs to forms",
           "additionalProperties": mapping(english=FORMS, spanish=FORMS)},
), fix="")


def load_verb_table(path, option="--verbs"):
    """{"tenses": [...5 names], "verbs": {verb: {"english": [...5], "spanish": [...5]}}}."""
    try:
        table = read_yaml(path)
    except FileNotFoundError:
        fix = (f"`git checkout -- {path}`" if str(path) == VERB_TABLE
               else f"{option} takes {VERBS.help}")
        raise DataFileError(f"verb table {path} is missing: {fix}") from None
    except (YAMLError, OSError, UnicodeDecodeError) as err:
        raise DataFileError(f"verb table {path} is not valid YAML{yaml_error_place(err)}") from None
    check(table, VERBS, path)
    return table
