"""A batch's outcomes in the logs (:mod:`lambent._outcome_log`): each failure logged once,
with its record and error, a traceback with the first failure of each exception site,
then one summary; lambent's own JSON lines the same on the fast and the general path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
import pytest
import structlog

from lambent import App
from lambent.testing import FakeContext, sns_event, sqs_event


class Order(msgspec.Struct):
    id: int
    qty: int = 1


def test_handler_exception_fails_an_async_source_and_logs_the_request_id(lambda_logs: Any) -> None:
    app = App()

    @app.sns("t")
    def boom(message: str) -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError):
        app.handler(sns_event("x", topic="t"), FakeContext(aws_request_id="req-42"))
    logs = lambda_logs()
    failed = [line for line in logs if line["event"] == "record failed"]
    assert failed and failed[0]["aws_request_id"] == "req-42"
    assert failed[0]["function_name"] == "test-function"
    assert failed[0]["source"] == "sns" and failed[0]["level"] == "error"
    assert "KeyError" in failed[0]["error"]


def test_failure_logs_carry_the_traceback_but_no_frame_locals(lambda_logs: Any) -> None:
    app = App()

    @app.sqs("orders")
    def on_order(order: Order) -> None:
        secret = "card-4111-1111"  # a local a traceback renderer could copy into the logs
        raise ValueError(f"declined {len(secret)}")

    app.handler(sqs_event({"id": 1, "note": "customer-note"}, queue="orders"), FakeContext())
    out = json.dumps(lambda_logs())
    assert "declined" in out and "on_order" in out  # the error and its frames are there
    assert "card-4111-1111" not in out
    assert "customer-note" not in out


def test_repeated_failures_carry_one_traceback(lambda_logs: Any) -> None:
    app = App()

    @app.sqs("orders")
    def on_order(order: Order) -> None:
        if order.id != 2:
            raise ValueError(f"order {order.id} declined")
        raise KeyError("other site")

    event = sqs_event({"id": 1}, {"id": 2}, {"id": 3}, queue="orders")
    app.handler(event, FakeContext())
    failed = [line for line in lambda_logs() if line["event"] == "record failed"]
    ids = [r["messageId"] for r in event["Records"]]
    assert [line["record_id"] for line in failed] == ids
    assert [line["error"] for line in failed] == [
        "ValueError: order 1 declined",
        "KeyError: 'other site'",
        "ValueError: order 3 declined",
    ]
    assert "exception" in failed[0] and "exception" in failed[1]
    assert "exception" not in failed[2] and failed[2]["traceback_as"] == ids[0]


def test_undecodable_records_can_be_dropped_with_an_error_log() -> None:
    app = App()

    @app.sqs("orders", on_decode_error="drop")
    def step(order: Order) -> None: ...

    event = sqs_event({"id": 1}, "not json", queue="orders")
    with structlog.testing.capture_logs() as logs:
        result = app.handler(event, FakeContext())
    assert result == {"batchItemFailures": []}
    summary = next(e for e in logs if e["event"] == "batch processed")
    assert summary["dropped"] == 1 and summary["succeeded"] == 1


@pytest.mark.parametrize("inside_lambda", [False, True], ids=["structlog", "lambda-json"])
def test_a_dropped_record_is_logged_once_with_its_id_and_error(
    inside_lambda: bool, lambda_logs: Any
) -> None:
    """on_decode_error="drop" acknowledges a malformed record, and the logs say which one
    and why (a WARNING ``record dropped`` line), so dropped data can be found."""
    app = App()

    @app.sqs("orders", on_decode_error="drop")
    def step(order: Order) -> None: ...

    event = sqs_event({"id": 1}, "not json", {"id": "two"}, queue="orders")
    logs: Sequence[Mapping[str, Any]]
    if inside_lambda:
        assert app.handler(event, FakeContext()) == {"batchItemFailures": []}
        logs = [{**line, "log_level": line["level"]} for line in lambda_logs()]
    else:
        structlog.reset_defaults()
        with structlog.testing.capture_logs() as logs:
            assert app.handler(event, FakeContext()) == {"batchItemFailures": []}
    dropped = [e for e in logs if e["event"] == "record dropped"]
    ids = [r["messageId"] for r in event["Records"]]
    assert [e["record_id"] for e in dropped] == ids[1:]
    assert {e["log_level"] for e in dropped} == {"warning"}
    assert dropped[0]["error"].startswith("DecodeError: ") and dropped[0]["path"] == "$"
    assert "Expected `int`, got `str`" in dropped[1]["error"] and dropped[1]["path"] == "$.id"
    assert not [e for e in logs if e["event"] == "record failed"]
    assert [e["dropped"] for e in logs if e["event"] == "batch processed"] == [2]


def test_one_summary_line_per_batch_and_each_failure_once() -> None:
    app = App()

    @app.sqs("orders")
    def step(order: Order) -> None:
        if order.id % 2:
            raise ValueError(f"odd {order.id}")

    event = sqs_event(*[{"id": i} for i in range(4)], queue="orders")
    with structlog.testing.capture_logs() as logs:
        app.handler(event, FakeContext())
    summaries = [e for e in logs if e["event"] == "batch processed"]
    failures = [e for e in logs if e["event"] == "record failed"]
    assert len(summaries) == 1
    assert summaries[0]["succeeded"] == 2 and summaries[0]["failed"] == 2
    assert "duration_ms" in summaries[0]
    assert sorted(f["record_id"] for f in failures) == sorted(
        r["messageId"] for r in event["Records"][1::2]
    )


_MIXED_RUN = """
import sys
import msgspec
from lambent import App
from lambent._fast import FAST
from lambent.sources.s3 import S3Record
from lambent.testing import FakeContext, s3_event, sqs_event


class Order(msgspec.Struct):
    id: int
    qty: int = 1


def app() -> App:
    made = App()

    @made.sqs("orders")
    def on_order(order: Order) -> None:
        if order.qty < 0:
            raise ValueError(f"order {order.id}: negative")
        if order.id % 3 == 0:
            raise KeyError(order.id)

    @made.s3("b")
    def on_object(record: S3Record) -> None:
        raise RuntimeError(record.key)

    return made


bodies = ["not json" if i % 5 == 4 else {"id": i, "qty": -1 if i % 7 == 1 else 1}
          for i in range(12)]
events = [sqs_event(*bodies, queue="orders", seed=3), s3_event("a", "b", bucket="b")]
for fast in (True, False):
    FAST.batch_lines = FAST.joined_lines = fast
    for event in events:
        try:
            app().handler(event, FakeContext(aws_request_id="r-1"))
        except Exception:  # S3's failures fail the invocation (no partial responses)
            pass
    print("--")
assert "structlog" not in sys.modules
"""


def test_a_batchs_lines_are_the_general_paths() -> None:
    """The failure lines joined in one pass (``batch_lines``, ``joined_lines``; in a fresh
    interpreter, where nothing is bound in structlog's contextvars) are the lines
    :meth:`lambent._lines.Lines.add` writes one by one: the same keys in the same order,
    the same values, the tracebacks of the first failure of each exception site."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run(
        [sys.executable, "-c", _MIXED_RUN],
        env={**os.environ, "AWS_LAMBDA_FUNCTION_NAME": "orders-fn"},
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    fast, general, _ = proc.stdout.split("--\n")
    assert _without_time(fast) == _without_time(general)
    lines = [dict(line) for line in _without_time(fast)]
    failed = [line for line in lines if line["event"] == "record failed"]
    assert [line["source"] for line in failed] == ["sqs"] * 7 + ["s3"] * 2
    assert sum("exception" in line for line in failed) == 2 + 1  # per site, per batch
    assert [line["item"] for line in failed[7:]] == ["s3://b/a", "s3://b/b"]
    assert [line["path"] for line in failed if "path" in line] == ["$"] * 2


def _without_time(text: str) -> list[list[tuple[str, Any]]]:
    """Each JSON line as its (key, value) pairs in order, without the time and the
    duration (which differ between two runs)."""
    lines = [json.loads(line, object_pairs_hook=list) for line in text.splitlines()]
    return [[(k, v) for k, v in line if k not in ("timestamp", "duration_ms")] for line in lines]
