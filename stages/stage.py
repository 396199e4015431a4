"""parse_args and run_stage: how every pipeline stage starts and ends.

    def main(argv=None):
        args = parse_args(__doc__, argv, dataset=DATASET.help,
                          model="the trained model to write (JSON)",
                          marker=("the file to write when every check passes", None))
        ...

    if __name__ == "__main__":
        run_stage(main, "train")

parse_args builds the stage's command line from its docstring, whose first line must read
"Stage <name>: <what it does>" (the program is `python -m stages.<name>`, the description
the rest of the line), and one keyword per option: `loss_csv="..."` is `--loss-csv`, a
required option with that help; a (help, default) pair makes it optional.

A StageError (bad params, a bad expression, a corrupt file, a missing tool, divergence)
becomes one line on stderr and exit code 1; so does a Python package the stage needs that is
not installed (the stage runs with some other Python than .venv's). Ctrl-C or SIGTERM ends
the stage with one line and 130/143. No traceback for anything the user can fix.

Importing this module changes nothing: run_stage takes over only when it is called, at the
bottom of each stage, so a Ctrl-C in the first tens of milliseconds (while Python starts and
imports the stage) still prints Python's own traceback.
"""

import argparse
import signal
import sys

from minigrad import get_logger
from stages.errors import StageError

__all__ = ["parse_args", "run_stage", "INTERRUPTED", "TERMINATED"]

INTERRUPTED = "interrupted (Ctrl-C): nothing half-written was left; run `dvc repro` again"
TERMINATED = "terminated (SIGTERM): nothing half-written was left; run `dvc repro` again"


def parse_args(doc, argv=None, **options):
    """The stage's options, parsed from `argv` (sys.argv[1:] when None); see the module."""
    name, _, description = doc.strip().splitlines()[0].removeprefix("Stage ").partition(": ")
    parser = argparse.ArgumentParser(prog=f"python -m stages.{name}", description=description)
    for key, spec in options.items():
        text, default = spec if isinstance(spec, tuple) else (spec, None)
        parser.add_argument(f"--{key.replace('_', '-')}", required=not isinstance(spec, tuple),
                            default=default, help=text)
    return parser.parse_args(argv)


def not_installed(err):
    """The one line for a package missing from the Python that runs the stage."""
    return (
        f"the Python package `{err.name}` is not installed in {sys.executable}: run"
        " `make setup`, or activate the project's venv (`source .venv/bin/activate`) so that"
        " `python` and `dvc` are its own"
    )


class _Terminated(BaseException):
    """SIGTERM, raised as an exception so that `finally` blocks clean temporary files."""


def _raise_terminated(signum, frame):
    raise _Terminated()


def run_stage(main, name):
    """Run main(); exit 0 on success, 1 with one logged line on a StageError."""
    log = get_logger(name)
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        main()
    except StageError as err:
        log.error(str(err))
        sys.exit(1)
    except ModuleNotFoundError as err:
        if err.name is None or err.name.split(".")[0] in ("minigrad", "stages"):
            raise  # our own code is broken: that is a bug, and its traceback helps
        log.error(not_installed(err))
        sys.exit(1)
    except KeyboardInterrupt:
        log.error(INTERRUPTED)
        sys.exit(130)
    except _Terminated:
        log.error(TERMINATED)
        sys.exit(143)
