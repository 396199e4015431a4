"""The verb table (data/verbs.yaml): each verb's five tenses in English and Spanish."""

from stages.errors import DataFileError
from stages.yaml12 import YAMLError, read_yaml, yaml_error_place

__all__ = ["load_verb_table", "VERB_TABLE", "N_TENSES"]

VERB_TABLE = "data/verbs.yaml"  # the one the pipeline reads (a source file, kept in git)
N_TENSES = 5  # the network's input and output width: one unit per tense


def load_verb_table(path, option="--verbs"):
    """{"tenses": [...5 names], "verbs": {verb: {"english": [...5], "spanish": [...5]}}}."""
    try:
        table = read_yaml(path)
    except FileNotFoundError:
        if str(path) == VERB_TABLE:
            raise DataFileError(f"verb table {path} is missing: `git checkout -- {path}`") from None
        raise DataFileError(
            f"verb table {path} is missing: {option} takes the verb table, {VERB_TABLE}"
        ) from None
    except (YAMLError, OSError, UnicodeDecodeError) as err:
        raise DataFileError(f"verb table {path} is not valid YAML{yaml_error_place(err)}") from None
    if (
        not isinstance(table, dict)
        or not isinstance(table.get("tenses"), list)
        or len(table["tenses"]) != N_TENSES
        or not isinstance(table.get("verbs"), dict)
    ):
        raise DataFileError(f"verb table {path} needs `tenses` (5 names) and `verbs`")
    for verb, forms in table["verbs"].items():
        for language in ("english", "spanish"):
            words = forms.get(language) if isinstance(forms, dict) else None
            if not isinstance(words, list) or len(words) != N_TENSES:
                raise DataFileError(f"verb table {path}: `{verb}.{language}` must list 5 forms")
    return table
