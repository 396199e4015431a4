"""parse_args and run_stage: how every pipeline stage starts and ends.

parse_args builds the command line from the stage's docstring, whose first line reads
"Stage <name>: <what it does>", and one keyword per option: `loss_csv="help"` is a required
`--loss-csv`; a (help, default) pair makes it optional.

run_stage turns a StageError, or a Python package missing from the Python that runs the
stage, into one line on stderr and exit code 1; Ctrl-C and SIGTERM into one line and
130/143. No traceback for anything the user can fix. It takes over only when called, at
the bottom of each stage: importing a stage changes nothing (a Ctrl-C while Python starts
and imports it still prints Python's own traceback).
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
    """The stage's options, parsed from `argv` (sys.argv[1:] when None)."""
    name, _, description = doc.strip().splitlines()[0].removeprefix("Stage ").partition(": ")
    parser = argparse.ArgumentParser(prog=f"python -m stages.{name}", description=description)
    for key, spec in options.items():
        text, default = spec if isinstance(spec, tuple) else (spec, None)
        parser.add_argument(f"--{key.replace('_', '-')}", required=not isinstance(spec, tuple),
                            default=default, help=text)
    return parser.parse_args(argv)


class _Terminated(BaseException):
    """SIGTERM, raised as an exception so that `finally` blocks clean temporary files."""


def _raise_terminated(signum, frame):
    raise _Terminated()


def run_stage(main, name):
    """Run main(); exit 0 on success, else with one logged line and 1, 130 or 143."""
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
        log.error(f"the Python package `{err.name}` is not installed in {sys.executable}: run"
                  " `make setup`, or activate the project's venv (`source .venv/bin/activate`)"
                  " so that `python` and `dvc` are its own")
        sys.exit(1)
    except KeyboardInterrupt:
        log.error(INTERRUPTED)
        sys.exit(130)
    except _Terminated:
        log.error(TERMINATED)
        sys.exit(143)
