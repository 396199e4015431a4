"""get_logger: one plain line per message on stderr, or JSON lines behind one switch.

    log = get_logger("train")
    log.info("trained", extra={"fields": {"final_loss": 0.0531, "epochs": 300}})

prints `train: trained  final_loss=0.0531 epochs=300`: the logger's name, the message and
the fields (numbers to 4 significant digits). MINIGRAD_LOG=json, read at each message,
makes every logger write one JSON object per line instead, {"time", "level", "logger",
"message", ...the fields in full}, for a program to read.
"""

import json
import logging
import os
import sys
import time

__all__ = ["get_logger", "SWITCH"]

SWITCH = "MINIGRAD_LOG"  # MINIGRAD_LOG=json: JSON lines instead of plain ones


def _plain(value):
    """A field's value as a person reads it: 0.05310999 -> 0.05311, 'a b' -> 'a b' quoted."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str):
        return value if value and not any(c.isspace() or c == "=" for c in value) else repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_plain(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_plain, value)) + "]"
    return str(value)


_TRACEBACKS = logging.Formatter()  # formats an exception's traceback as logging does


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes each message as the module says to whatever sys.stderr is at the time (so
    redirections, and pytest, see it)."""

    def emit(self, record):
        self.stream = sys.stderr
        super().emit(record)

    def format(self, record):
        fields = getattr(record, "fields", {})
        error = _TRACEBACKS.formatException(record.exc_info) if record.exc_info else None
        if os.environ.get(SWITCH, "").strip().lower() == "json":
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            entry = {"time": f"{stamp}.{int(record.msecs):03d}Z", "level": record.levelname.lower(),
                     "logger": record.name, "message": record.getMessage(), **fields}
            if error is not None:
                entry["exception"] = error
            return json.dumps(entry, default=str)
        line = f"{record.name}: {record.getMessage()}"
        if fields:
            line += "  " + " ".join(f"{key}={_plain(value)}" for key, value in fields.items())
        return line if error is None else f"{line}\n{error}"


def get_logger(name: str, level: int = logging.INFO) -> logging.Logger:
    """The logger `name`, writing to stderr as the module says. Safe to call repeatedly."""
    logger = logging.getLogger(name)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler())
        logger.propagate = False
    logger.setLevel(level)
    return logger
