"""run_stage: how every pipeline stage starts and ends.

A MinigradError (bad params, a bad expression, a corrupt file, a missing tool, divergence)
becomes one line on stderr and exit code 1; Ctrl-C or SIGTERM ends the stage with one line
and 130/143. No traceback for anything the user can fix.
"""

import signal
import sys

from minigrad.errors import MinigradError
from minigrad.jsonlog import get_logger

__all__ = ["run_stage"]


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
        log.error("interrupted (Ctrl-C): nothing half-written was left; run `dvc repro` again")
        sys.exit(130)
    except _Terminated:
        log.error("terminated (SIGTERM): nothing half-written was left; run `dvc repro` again")
        sys.exit(143)
