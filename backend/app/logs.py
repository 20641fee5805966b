"""Logging: one structured line per HTTP request and per WebSocket session.

Lines carry ids, routes, statuses and timings, never secrets: no tokens, no passwords, no
message bodies, and paths without their query strings. `LOG_FORMAT=json` for machines."""

import json
import logging
import re
import sys
import time
from typing import Any

import orjson

from app.config import Settings

access_log = logging.getLogger("chat.access")


# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators: any of them
# written raw could end a log line early (a forged line) or drive the reader's terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# A text-format value written bare; anything else is quoted, so `key=value` stays unambiguous.
_BARE = re.compile(r"[\w./:@+\-]*")


def _escape_control(text: str) -> str:
    return _CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _one_entry(text: str) -> str:
    """A message of several lines (uvicorn logs tracebacks as messages) stays readable, its
    lines indented under the entry, so none of them can pass for an entry of its own."""
    return "\n    ".join(_escape_control(line) for line in text.split("\n"))


def _text_value(value: object) -> str:
    text = str(value)
    if _BARE.fullmatch(text):
        return text
    return _escape_control(json.dumps(text, ensure_ascii=False))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        # orjson escapes C0 controls as JSON must; the rest are escaped the same way, still valid JSON.
        return _escape_control(orjson.dumps(line, default=str).decode())


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        # The message may quote what a client sent (an exception's text).
        line = _one_entry(super().formatMessage(record))
        fields = getattr(record, "fields", None)
        if fields:
            line += " " + " ".join(f"{key}={_text_value(value)}" for key, value in fields.items())
        return line


class _QuietUvicorn(logging.Filter):
    """uvicorn's own per-connection lines repeat ours, with the query string: drop them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith(("connection open", "connection closed")) or '"WebSocket ' in message)


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(_QuietUvicorn())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # app.middleware logs each request once, without its query string. uvicorn writes its own
    # access line (query string included) only when this logger reaches a handler: it reaches none.
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.handlers[:] = []
    uvicorn_access.propagate = False


def log_event(logger: logging.Logger, message: str, **fields: Any) -> None:
    logger.info(message, extra={"fields": fields})
