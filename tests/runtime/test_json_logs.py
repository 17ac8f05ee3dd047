"""Lambda's JSON log format as awslambdaric writes it (lambent.runtime._json_logs): the root
logger's records, the runtime's error record, and Init's warning in a runtime's output.
``tests/runtime/test_against_awslambdaric.py`` compares whole invocations' lines."""

from __future__ import annotations

import json
import logging
import re
import sys

from lambent.runtime._json_logs import error_line, json_formatter, warning_line
from tests.runtime.conftest import RuntimeAPI

_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _record(msg: object, *args: object, level: int = logging.WARNING, **extra: object) -> str:
    record = logging.LogRecord("orders", level, "/app/orders.py", 12, msg, args, None)
    record.__dict__.update(extra)
    return str(json_formatter(logging).format(record))


def test_a_record_is_one_json_line_with_awslambdarics_keys() -> None:
    line = _record("%s left", "pen", aws_request_id="req-1", sku="pen")
    assert line.endswith("\n") and line.count("\n") == 1
    doc = json.loads(line)
    assert _TIME.match(doc.pop("timestamp"))
    assert doc == {
        "level": "WARNING", "message": "pen left", "logger": "orders", "requestId": "req-1",
        "sku": "pen",
    }  # fmt: skip
    # a dict message stays an object; a level between two is the lower one, as awslambdaric
    assert json.loads(_record({"n": 1}, level=25))["message"] == {"n": 1}
    assert json.loads(_record("x", level=25))["level"] == "INFO"
    assert json.loads(_record("x", when=object()))["when"].startswith("<object object")


def test_a_record_with_an_exception_names_it_and_where_it_was_logged() -> None:
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        record = logging.LogRecord(
            "orders", logging.ERROR, "/app/orders.py", 30, "failed", (), sys.exc_info()
        )
        record.funcName = "split"
    doc = json.loads(json_formatter(logging).format(record))
    assert (doc["errorType"], doc["errorMessage"]) == ("ZeroDivisionError", "division by zero")
    assert (
        doc["location"] == "/app/orders.py:split:30" and "test_json_logs.py" in doc["stackTrace"][0]
    )


def test_the_error_record_and_the_warning_are_json_lines() -> None:
    doc = {"errorMessage": "bad", "errorType": "ValueError", "requestId": "r", "stackTrace": []}
    error = json.loads(error_line(doc))
    assert _TIME.match(error.pop("timestamp")) and error == {"level": "ERROR", **doc}
    warning = json.loads(warning_line("careful"))
    assert (warning["level"], warning["message"], warning["logger"]) == (
        "WARNING",
        "careful",
        "root",
    )


def test_with_the_json_log_format_an_init_failure_is_json_lines(
    runtime_api_host: RuntimeAPI,
) -> None:
    # the warning and the error record were text: INFO lines to Lambda's log-level filter
    process = runtime_api_host.start(
        "tests.runtime.apps.import_error.handler", AWS_LAMBDA_LOG_FORMAT="JSON"
    )
    out = process.communicate(timeout=20)[0].decode()
    assert process.returncode == 1
    warning, error = (json.loads(line) for line in out.splitlines())
    assert (warning["level"], warning["logger"]) == ("WARNING", "root")
    assert warning["message"].startswith("LAMBDA_WARNING: Unhandled exception.")
    assert (error["level"], error["errorType"]) == ("ERROR", "Runtime.ImportModuleError")
    assert error["errorMessage"] == runtime_api_host.host.init_errors[0]["errorMessage"]
