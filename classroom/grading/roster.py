"""The class list: classroom/learners.yaml, written from the folders under classroom/learners/.

    python -m classroom.grading.roster [--check]

DVC expands `foreach` when it reads dvc.yaml, before any stage runs, so the list of learners
has to be a file; `make class` rewrites it from the folders first, so a teacher adds a learner
by adding a folder and never edits the list. --check only says whether the file is up to
date (exit 1 if not). Before grading it also checks the settings and, when they say to jail,
that the jail can be made here: each failure is one line and exit 1, before DVC starts.
"""

import re
import sys

import yaml

from classroom.grading.settings import LEARNERS, ROSTER, SettingsError, load_settings
from classroom.jail import JailUnavailable, require_jail

# A learner's name becomes a DVC stage key, grade@<name>, and a folder name under graded/:
# `@`, `:`, `/` and spaces would break the key, and a leading dot would hide the folder.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
ALLOWED = "letters, digits, '-', '_' and '.' (not first)"


class RosterError(ValueError):
    """A folder under learners/ that cannot be a learner; one line."""


def learners(folder=LEARNERS):
    """The learners' names, sorted: every folder under `folder` (hidden ones aside)."""
    if not folder.is_dir():
        raise RosterError(f"classroom/learners/ does not exist: add a folder per learner there")
    names = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    for name in names:
        if not NAME.fullmatch(name):
            raise RosterError(f"classroom/learners/{name}: a learner's folder name may hold only"
                              f" {ALLOWED}, got {name!r}: rename the folder")
    if not names:
        raise RosterError("classroom/learners/ has no learner folder: add one per learner")
    return names


def render(names):
    return ("# Written by `make class` (python -m classroom.grading.roster) from the folders under\n"
            "# learners/: do not edit. dvc.yaml's grade stage runs once per name.\n"
            + yaml.safe_dump({"learners": names}, default_flow_style=False))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        text = render(learners())
        if argv == ["--check"]:
            current = ROSTER.read_text(encoding="utf-8") if ROSTER.exists() else ""
            if current != text:
                print("classroom/learners.yaml does not list the folders under"
                      " classroom/learners/: run `make class`", file=sys.stderr)
                return 1
            return 0
        if argv:
            print(f"roster: unknown arguments {' '.join(argv)}; the only option is --check",
                  file=sys.stderr)
            return 2
        jail, _ = load_settings()
        if jail:
            require_jail()
    except (RosterError, SettingsError) as err:
        print(f"make class: {err}", file=sys.stderr)
        return 1
    except JailUnavailable as err:
        print(f"make class: cannot grade in a jail: {err} (or set grading.jail: false in"
              " classroom/params.yaml to grade unjailed, trusting every learner's code)",
              file=sys.stderr)
        return 1
    if not ROSTER.exists() or ROSTER.read_text(encoding="utf-8") != text:
        ROSTER.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
