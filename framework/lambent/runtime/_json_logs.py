"""Log lines in Lambda's JSON log format (``AWS_LAMBDA_LOG_FORMAT=JSON``), as awslambdaric
writes them: a root logger record and the runtime's error record, one JSON object a line.

With the JSON format, Lambda filters application logs by the ``level`` of each JSON line
and counts a line that is not JSON as ``INFO``: text error records would be dropped by
an application log level of ``WARN`` or ``ERROR``. Loaded only for that format.
"""

from __future__ import annotations

import json
import time
from typing import Any

_TIME = "%Y-%m-%dT%H:%M:%SZ"
#: a LogRecord's own attributes: the others are what ``extra=`` added, written as keys
_RESERVED = frozenset({
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module",
    "exc_info", "exc_text", "stack_info", "lineno", "funcName", "created", "msecs",
    "relativeCreated", "thread", "threadName", "processName", "process", "taskName",
    "aws_request_id", "tenant_id", "_frame_type",
})  # fmt: skip
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


def timestamp(seconds: float | None = None) -> str:
    return time.strftime(_TIME, time.gmtime(seconds))


def error_line(doc: dict[str, Any]) -> str:
    """The runtime's error record (an invocation's or Init's error document)."""
    return _encode({"timestamp": timestamp(), "level": "ERROR", **doc}) + "\n"


def warning_line(message: str) -> str:
    """A root logger warning written outside an invocation (Init's unhandled-error line)."""
    doc = {"timestamp": timestamp(), "level": "WARNING", "message": message, "logger": "root"}
    return _encode({**doc, "requestId": ""}) + "\n"


def json_formatter(logging: Any) -> Any:
    """A ``logging.Formatter`` writing awslambdaric's JSON lines (made on first use: the
    standard ``logging`` is imported by then)."""

    class JsonLines(logging.Formatter):  # type: ignore[misc]
        def format(self, record: Any) -> str:
            level = min(50, max(0, record.levelno)) // 10 * 10
            message = (
                record.msg
                if isinstance(record.msg, dict) and not record.args
                else record.getMessage()
            )
            doc: dict[str, Any] = {
                "timestamp": timestamp(record.created),
                "level": logging.getLevelName(level),
                "message": message,
                "logger": record.name,
            }
            if record.exc_info:
                import traceback

                kind, error, tb = record.exc_info
                doc["stackTrace"] = traceback.format_tb(tb)
                doc["errorType"] = kind.__name__
                doc["errorMessage"] = str(error)
            doc["requestId"] = getattr(record, "aws_request_id", None)
            if record.exc_info:
                doc["location"] = f"{record.pathname}:{record.funcName}:{record.lineno}"
            doc.update(
                (key, value)
                for key, value in record.__dict__.items()
                if key not in _RESERVED and key not in doc
            )
            return _encode({k: v for k, v in doc.items() if v is not None}) + "\n"

    return JsonLines()
