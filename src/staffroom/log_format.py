"""How the logs read: one JSON object per line for log shippers, or one plain line per record for a person at a
terminal. STAFFROOM_LOG_FORMAT chooses (`json`, `text`, or `auto`: text when stderr is a terminal, else JSON)."""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

# uvicorn adds a copy of each message with terminal colour codes: not a field anyone needs.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "color_message"}
FORMATS = ("auto", "json", "text")


def _extra(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a call passed with `extra=` (counts, ids): never content, by the house's logging rule."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_extra(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """`14:02:09 INFO  staffroom.worker: job finished job=prune_events deleted=12`: what a person reads."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        fields = " ".join(f"{k}={v}" for k, v in _extra(record).items())
        line = f"{stamp} {record.levelname:<5} {record.name}: {record.getMessage()}" + (f" {fields}" if fields else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def formatter_for(choice: str, stream: Any = None) -> str:
    """The formatter's name in LOGGING for a STAFFROOM_LOG_FORMAT value; `auto` looks at the stream."""
    if choice not in FORMATS:
        raise ValueError(f"STAFFROOM_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {choice!r}.")
    if choice == "auto":
        stream = stream if stream is not None else sys.stderr
        return "text" if getattr(stream, "isatty", lambda: False)() else "json"
    return choice
