"""run_stage: how every pipeline stage starts and ends.

A MinigradError (bad params, a bad expression, a corrupt file, a missing tool, divergence)
becomes one line on stderr and exit code 1; Ctrl-C or SIGTERM ends the stage with one line
and 130/143. No traceback for anything the user can fix.

Each stage script, and each script `make repro` runs, imports this module first: from then on
a Ctrl-C that lands while the script is still importing the rest (50-230 ms, before run_stage
starts) also ends in that one line.
"""

import signal
import sys
from pathlib import Path

from minigrad.errors import MinigradError
from minigrad.jsonlog import get_logger

__all__ = ["run_stage"]

INTERRUPTED = "interrupted (Ctrl-C): nothing half-written was left; run `dvc repro` again"
TERMINATED = "terminated (SIGTERM): nothing half-written was left; run `dvc repro` again"


def _one_line_for_ctrl_c(kind, value, traceback, previous=sys.excepthook):
    """Python's hook for an uncaught exception: a Ctrl-C outside run_stage gets one log line.

    Python then still ends the process by SIGINT, as it does for any uncaught Ctrl-C.
    """
    if issubclass(kind, KeyboardInterrupt):
        get_logger(Path(sys.argv[0]).stem or "stage").error(INTERRUPTED)
    else:
        previous(kind, value, traceback)


sys.excepthook = _one_line_for_ctrl_c


class _Terminated(BaseException):
    """SIGTERM, raised as an exception so that `finally` blocks clean temporary files."""


def _raise_terminated(signum, frame):
    raise _Terminated()


def run_stage(main, name):
    """Run main(); exit 0 on success, 1 with one logged line on a MinigradError."""
    log = get_logger(name)
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        main()
    except MinigradError as err:
        log.error(str(err))
        sys.exit(1)
    except KeyboardInterrupt:
        log.error(INTERRUPTED)
        sys.exit(130)
    except _Terminated:
        log.error(TERMINATED)
        sys.exit(143)
