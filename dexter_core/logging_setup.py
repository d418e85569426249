"""Process-wide logging: text or JSON lines on stderr, with secrets masked in every record.

Structured fields ride on records through `extra=`; both formats print them, e.g.

    log.info("turn answered", extra={"session_id": sid, "platform": "slack", "total_ms": 812})

prints `... turn answered session_id=slack:T1:C1:17.2 platform=slack total_ms=812` as text,
or one JSON object with those keys as JSON.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterable
from typing import Any, TextIO

from dexter_core.errors import InvalidInputError
from dexter_core.redaction import redact, secrets_of
from dexter_core.settings import Settings

LOG_FORMATS = ("text", "json")
_HANDLER_NAME = "dexter"
# Libraries that log every HTTP call at INFO (the LLM client's httpx): shown at DEBUG only.
_CHATTY_LOGGERS = ("httpx", "httpcore")

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class SecretRedactingFilter(logging.Filter):
    """Masks secrets in a record's message, arguments, extras and traceback.

    The record is rewritten in place (message formatted, `args` dropped), so every handler
    that sees it afterwards sees the masked text too.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = frozenset(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._redact(_message_of(record))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        for key in extra_keys(record):
            setattr(record, key, self._redact_value(getattr(record, key)))
        return True

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets)

    def _redact_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._redact(value)
        if isinstance(value, dict):
            return {k: self._redact_value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._redact_value(v) for v in value]
        if isinstance(value, int | float | bool) or value is None:
            return value
        return self._redact(str(value))


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message key=value ...`, then the traceback if any."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        fields = " ".join(
            f"{key}={_text_value(getattr(record, key))}" for key in extra_keys(record)
        )
        return f"{line} {fields}" if fields else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, the extras, and `exc` if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": _iso_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in extra_keys(record):
            entry[key] = getattr(record, key)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(
    settings: Settings, *, stream: TextIO | None = None, default_level: int = logging.INFO
) -> logging.Handler:
    """Send every log record to `stream` (stderr) in `DEXTER_LOG_FORMAT` at `LOG_LEVEL`,
    or at `default_level` when `LOG_LEVEL` is not set.

    Replaces the handler an earlier call installed, so calling it again is safe. Secret
    values from `settings` and credential-shaped text are masked in every record. Raises
    `InvalidInputError` for an unknown level or format. Returns the installed handler.
    """
    level = _level_of(settings.log_level) if settings.log_level.strip() else default_level
    log_format = settings.dexter_log_format.strip().lower()
    if log_format not in LOG_FORMATS:
        raise InvalidInputError(
            f"DEXTER_LOG_FORMAT={settings.dexter_log_format!r} is not one of "
            + ", ".join(LOG_FORMATS)
        )
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(SecretRedactingFilter(secrets_of(settings)))
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for existing in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else logging.WARNING)
    return handler


def extra_keys(record: logging.LogRecord) -> list[str]:
    """The names of the fields a record got through `extra=`, in the order they were set."""
    return [key for key in record.__dict__ if key not in _RECORD_ATTRIBUTES]


def _level_of(name: str) -> int:
    level = logging.getLevelName(name.strip().upper())
    if not isinstance(level, int):
        raise InvalidInputError(
            f"LOG_LEVEL={name!r} is not a log level (DEBUG, INFO, WARNING, ...)"
        )
    return level


def _message_of(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except (TypeError, ValueError):
        # A bad format string must not take the caller down; keep what was meant.
        return f"{record.msg!s} {record.args!r}"


def _text_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return json.dumps(text, ensure_ascii=False) if (" " in text or not text) else text


def _iso_time(created: float) -> str:
    millis = int((created % 1) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{millis:03d}Z"
