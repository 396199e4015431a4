"""get_logger: structured logging, one JSON object per line on stderr."""

import json
import logging
import sys
import time

__all__ = ["get_logger"]


class JsonLinesFormatter(logging.Formatter):
    """{"time", "level", "logger", "message", ...extra fields passed as `extra={"fields": ...}`}."""

    def format(self, record):
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (so redirections, and pytest, see it)."""

    def emit(self, record):
        self.stream = sys.stderr
        super().emit(record)


def get_logger(name, level=logging.INFO):
    """A logger that writes JSON lines to stderr. Safe to call repeatedly."""
    logger = logging.getLogger(name)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(JsonLinesFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(level)
    return logger
