"""Structured logs, for the worker and both API services: one JSON object a line, with the image id on every
line about an image.

Pass the id as `extra={"image_id": 7}`; any other `extra` keys a caller adds are written too. `dict_config` is the
one logging set-up: `configure` applies it in the worker and the services, gunicorn applies it to its own access
and error logs (posecraft.http.gunicorn_config), so no process writes a line that is not JSON. Text that native code
(LiteRT's C++ runtime) writes straight to file descriptor 2 is turned into log lines by `native_stderr_logged`.
"""
from __future__ import annotations

import contextlib
import json
import logging
import logging.config
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class AccessFormatter(JsonFormatter):
    """gunicorn's access lines: its request atoms (the record's args) as fields a log search can filter on."""

    FIELDS = {"remote": "h", "method": "m", "path": "U", "query": "q", "status": "s", "bytes": "B",
              "duration_ms": "M", "user_agent": "a"}

    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.args, Mapping):
            atoms = record.args
            for field, atom in self.FIELDS.items():
                setattr(record, field, atoms.get(atom))
            status = str(atoms.get("s"))
            record.status = int(status) if status.isdigit() else status
        return super().format(record)


def dict_config(level: str = "INFO") -> dict:
    """The logging configuration of every PoseCraft process: JSON lines on stderr; gunicorn's access lines, with
    their request fields, on stdout. An unknown level is taken as INFO (the settings check refuses it, in JSON)."""
    level = level.upper() if level.upper() in logging.getLevelNamesMapping() else "INFO"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": f"{__name__}.JsonFormatter"},
            "access": {"()": f"{__name__}.AccessFormatter"},
        },
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
    }


def configure(level: str = "INFO") -> None:
    logging.config.dictConfig(dict_config(level))
    logging.captureWarnings(True)  # warnings.warn() goes through logging: a JSON line, not Python's own format


@contextlib.contextmanager
def native_stderr_logged(logger: logging.Logger) -> Iterator[None]:
    """Lines written to file descriptor 2 while the block runs (by C/C++ code, beyond Python's sys.stderr) become
    log records of `logger`: "INFO: ..." at info, "WARNING: ..." at warning, "ERROR: ..." at error.

    The descriptor is the whole process's: use it around start-up work, not while other threads are logging.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:  # a file, not a pipe: a long message cannot block the writer
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode(errors="replace").splitlines():
                severity, sep, message = line.partition(": ")
                level = logging.getLevelName(severity) if sep else None
                if isinstance(level, int):
                    logger.log(level, message)
                elif line.strip():
                    logger.info(line)
