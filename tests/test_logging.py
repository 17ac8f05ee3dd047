"""Logging (:mod:`lambent._logging`): the invocation's log context is bound and restored
(lazily when nothing has imported structlog), a user's structlog configuration wins (even
when it changes), loggers are reused, and text from events that no UTF-8 output accepts
never breaks a log line, the invocation, or the logger (in and out of Lambda)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from typing import Any

import msgspec
import pytest
import structlog
from structlog.testing import LogCapture

from lambent import App, Logger
from lambent._logging import bind_invocation, get_logger, in_lambda, unbind_invocation
from lambent.testing import (
    FakeContext,
    http_request,
    sqs_event,
)

LONE = "\ud800"


def _app() -> App:
    app = App()

    @app.sqs()
    def handle(body: str, logger: Logger) -> None:
        logger.info("seen")
        raise ValueError(f"cannot take {body}")

    return app


def _event() -> dict[str, Any]:
    event = sqs_event("fine", "also fine")
    event["Records"][0]["messageId"] = f"id-{LONE}"
    event["Records"][0]["body"] = f"text {LONE}"
    return event


def _run_on_strict_stdout(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    """Run the app with ``sys.stdout`` as Lambda's (UTF-8, strict): its result and output."""
    structlog.reset_defaults()
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stdout", stdout)
        out = _app().handler(_event(), FakeContext())
        text = raw.getvalue().decode()
    return out, text


def test_lone_surrogates_in_lambdas_json_logs_are_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-fn")
    out, text = _run_on_strict_stdout(monkeypatch)
    assert len(out["batchItemFailures"]) == 2
    lines = [json.loads(line) for line in text.splitlines()]
    failed = {e["record_id"]: e for e in lines if e["event"] == "record failed"}
    assert "id-\\ud800" in failed
    assert failed["id-\\ud800"]["error"] == "ValueError: cannot take text \\ud800"
    assert any(e["event"] == "seen" and e["record_id"] == "id-\\ud800" for e in lines)


def test_lone_surrogates_with_structlogs_defaults_never_raise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    out, text = _run_on_strict_stdout(monkeypatch)
    assert len(out["batchItemFailures"]) == 2
    assert "record_id=id-\\ud800" in text and "cannot take text \\" in text


@pytest.fixture
def restore_structlog() -> Any:
    yield
    structlog.reset_defaults()


INVOCATION_KEYS = {"aws_request_id", "function_name", "cold_start", "source"}


def _logging_app(seen: list[Any]) -> App:
    app = App()

    @app.get("/x")
    def x(log: Logger) -> str:
        log.info("hello")
        seen.append(log)
        return "ok"

    return app


@pytest.mark.usefixtures("restore_structlog")
@pytest.mark.parametrize("cache", [False, True])
def test_each_invocation_logs_through_the_current_configuration(cache: bool) -> None:
    """A proxy pinned by ``cache_logger_on_first_use`` is not reused by later invocations:
    a configuration made between invocations applies, as with a fresh logger each time."""
    seen: list[Any] = []
    app = _logging_app(seen)
    event = http_request("GET", "/x", source="apigw-http")
    for n in range(3):
        capture = LogCapture()
        structlog.configure(
            processors=[structlog.contextvars.merge_contextvars, capture],
            cache_logger_on_first_use=cache,
        )
        app.handler(event, FakeContext(aws_request_id=f"req-{n}"))
        lines = [e for e in capture.entries if e["event"] == "hello"]
        assert len(lines) == 1, n
        assert lines[0]["aws_request_id"] == f"req-{n}"
        assert set(lines[0]) >= INVOCATION_KEYS


@pytest.mark.usefixtures("restore_structlog")
def test_an_unused_logger_is_reused_and_a_pinned_one_replaced() -> None:
    structlog.configure(cache_logger_on_first_use=True)
    first = get_logger("lambent")
    assert get_logger("lambent") is first  # nothing pinned it: same as a fresh proxy
    first.bind()  # pins it to the current configuration
    assert get_logger("lambent") is not first


@pytest.mark.usefixtures("restore_structlog")
def test_the_lambda_logger_is_bound_once_per_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    structlog.reset_defaults()
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
    a, b = get_logger("lambent"), get_logger("lambent")
    assert a is b and get_logger("other") is not a
    a.info("line")
    assert '"logger":"lambent"' in capsys.readouterr().out
    structlog.configure(processors=[LogCapture()])
    assert get_logger("lambent") is not a  # the user's configuration wins again


def test_bind_and_unbind_restore_the_context() -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(aws_request_id="outer", other=1)
    tokens = bind_invocation({"aws_request_id": "inner", "cold_start": True})
    assert structlog.contextvars.get_contextvars() == {
        "aws_request_id": "inner",
        "cold_start": True,
        "other": 1,
    }
    unbind_invocation(tokens)
    assert structlog.contextvars.get_contextvars() == {"aws_request_id": "outer", "other": 1}
    structlog.contextvars.clear_contextvars()


def test_an_invocation_leaves_no_context_behind() -> None:
    structlog.contextvars.clear_contextvars()
    app = _logging_app([])
    for _ in range(2):
        app.handler(http_request("GET", "/x", source="apigw-rest"), FakeContext())
        assert structlog.contextvars.get_contextvars() == {}


def test_the_lambda_check_follows_the_environment_between_invocations(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """One app, the environment changed between its invocations (one variable added as
    another goes, so their number stays): each invocation logs as its environment says."""
    structlog.reset_defaults()
    monkeypatch.setenv("LAMBENT_TEST_OTHER", "1")
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    app = _app()
    app.handler(sqs_event("a"), FakeContext())
    assert not capsys.readouterr().out.startswith("{")  # structlog's console lines
    monkeypatch.delenv("LAMBENT_TEST_OTHER")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
    app.handler(sqs_event("b"), FakeContext())
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(json.loads(line)["function_name"] for line in lines)
    monkeypatch.setenv("LAMBENT_TEST_OTHER", "2")
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME")
    app.handler(sqs_event("c"), FakeContext())
    assert not capsys.readouterr().out.startswith("{")


def test_the_lambda_check_reads_the_environment_through_its_mapping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``in_lambda`` asks ``os.environ`` as a mapping, whatever its storage: here one that
    keeps upper-cased text keys (as on Windows), not CPython's POSIX bytes."""
    env = os._Environ({}, str.upper, str, str, str)
    monkeypatch.setattr(os, "environ", env)
    assert not in_lambda()
    env["AWS_LAMBDA_FUNCTION_NAME"] = "fn"
    assert in_lambda()
    del env["AWS_LAMBDA_FUNCTION_NAME"]
    assert not in_lambda()


def test_the_lambda_check_follows_every_change_made_through_os_environ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every way of changing ``os.environ`` shows at ``in_lambda``'s next call (nothing
    is cached)."""
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    assert not in_lambda()
    os.environ.update({"AWS_LAMBDA_FUNCTION_NAME": "fn"})
    assert in_lambda()
    os.environ.pop("AWS_LAMBDA_FUNCTION_NAME")
    assert not in_lambda()
    os.environ.setdefault("AWS_LAMBDA_FUNCTION_NAME", "fn")
    assert in_lambda()
    del os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    assert not in_lambda()


class Order(msgspec.Struct):
    id: int
    qty: int = 1


def test_injected_logger_is_bound_to_the_record(lambda_logs: Any) -> None:
    app = App()

    @app.sqs("orders")
    def on_order(order: Order, log: Logger) -> None:
        log.info("processing", order=order.id)

    event = sqs_event({"id": 5}, queue="orders")
    app.handler(event, FakeContext(aws_request_id="req-1"))
    line = next(x for x in lambda_logs() if x["event"] == "processing")
    assert line["record_id"] == event["Records"][0]["messageId"]
    assert line["aws_request_id"] == "req-1" and line["order"] == 5
    assert "timestamp" in line and line["cold_start"] is True


def test_user_structlog_configuration_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
    app = App()

    @app.sqs("orders")
    def on_order(order: Order, log: Logger) -> None:
        log.info("mine")

    with structlog.testing.capture_logs() as captured:
        app.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())
    assert any(entry["event"] == "mine" for entry in captured)


LAZY_PROBE = """
import json, sys
from lambent import App, Logger
from lambent.testing import FakeContext, http_request

app = App()

@app.get("/ok")
def ok() -> str:
    return "ok"

@app.get("/hello")
def hello(log: Logger) -> str:
    log.info("hello", extra=1)
    return "hi"

@app.get("/fail")
def fail() -> str:
    raise ValueError("boom")

app.handler(http_request("GET", "/ok"), FakeContext(aws_request_id="r-ok"))
print(json.dumps({"structlog": "structlog" in sys.modules, "asyncio": "asyncio" in sys.modules}))
app.handler(http_request("GET", "/hello"), FakeContext(aws_request_id="r-hello"))
app.handler(http_request("GET", "/fail"), FakeContext(aws_request_id="r-fail"))
"""


def test_an_invocation_that_logs_nothing_imports_no_logging() -> None:
    """A plain HTTP app whose request logs nothing never imports structlog (nor asyncio);
    lines logged later still carry the invocation's context (here inside Lambda: JSON)."""
    env = {**os.environ, "AWS_LAMBDA_FUNCTION_NAME": "fn"}
    out = subprocess.run(
        [sys.executable, "-c", LAZY_PROBE], capture_output=True, text=True, check=True, env=env
    ).stdout.splitlines()
    assert json.loads(out[0]) == {"structlog": False, "asyncio": False}
    lines = [json.loads(line) for line in out[1:] if line.startswith("{")]
    hello = next(x for x in lines if x["event"] == "hello")
    assert hello["aws_request_id"] == "r-hello" and hello["extra"] == 1
    assert set(hello) >= INVOCATION_KEYS
    failed = next(x for x in lines if x.get("level") == "error")
    assert failed["aws_request_id"] == "r-fail" and "boom" in failed["error"]
    assert set(failed) >= INVOCATION_KEYS


def _failing_app() -> App:
    app = App()

    @app.sqs()
    def handle(order: dict[str, int]) -> None:
        if order["n"] % 2:
            raise ValueError(f"odd {order['n']} {LONE}")

    return app


def _failing_event() -> dict[str, Any]:
    event = sqs_event({"n": 1}, {"n": 2}, "not json", {"n": 3}, seed=7)
    event["Records"][1]["messageId"] = f"id-{LONE}"
    return event


def _lines_without_time(text: str) -> list[list[tuple[str, Any]]]:
    """Each JSON line's items in order, without what differs between two runs."""
    lines = []
    for line in text.splitlines():
        entry = json.loads(line)
        entry.pop("timestamp")
        entry.pop("duration_ms", None)
        lines.append(list(entry.items()))
    return lines


@pytest.mark.usefixtures("restore_structlog")
@pytest.mark.parametrize(
    "bound",
    [{}, {"tenant": "t-1", "record_id": "bound", "level": "odd", "event": "odd"}],
    ids=["no-contextvars", "contextvars-with-keys-a-line-sets"],
)
def test_lambents_own_lines_are_the_lines_of_its_lambda_logger(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], bound: dict[str, str]
) -> None:
    """Written straight as JSON or through structlog's Lambda logger: the same lines,
    keys in the same order (tracebacks included), at the same levels; also with values
    bound in structlog's contextvars, some of them keys a line sets itself."""
    from lambent._fast import FAST

    structlog.reset_defaults()
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-fn")
    texts = []
    tokens = structlog.contextvars.bind_contextvars(**bound)
    try:
        for direct in (True, False):
            monkeypatch.setattr(FAST, "direct_logs", direct)
            _failing_app().handler(_failing_event(), FakeContext(aws_request_id="r-1"))
            texts.append(capsys.readouterr().out)
    finally:
        structlog.contextvars.reset_contextvars(**tokens)
    direct_lines, structlog_lines = map(_lines_without_time, texts)
    assert direct_lines == structlog_lines
    events = [dict(line)["event"] for line in direct_lines]
    assert events == ["record failed"] * 3 + ["batch processed"]
    first, _, third, summary = map(dict, direct_lines)
    assert first["exception"][0]["exc_type"] == "ValueError" and "exception" not in third
    assert third["traceback_as"] == first["record_id"]
    assert summary["level"] == "info" and summary["failed"] == 3


_FRESH_RUN = """
import sys
from lambent import App
from lambent._fast import FAST
from lambent.testing import FakeContext, sqs_event
FAST.direct_logs = {direct!r}
assert "structlog" not in sys.modules
app = App()

@app.sqs()
def handle(order: dict[str, int]) -> None:
    if order["n"] % 2:
        raise ValueError(f"odd {{order['n']}}")

event = sqs_event({{"n": 1}}, {{"n": 2}}, "not json", {{"n": 3}}, seed=7)
app.handler(event, FakeContext(aws_request_id="r-1"))
app.handler(event, FakeContext(aws_request_id="r-2"))  # structlog imported by now
"""


def test_lambents_own_lines_match_before_structlog_is_imported() -> None:
    """In a fresh interpreter (the invocation's values bound on lambent's logger, not in
    structlog's contextvars) both ways write the same lines too."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "AWS_LAMBDA_FUNCTION_NAME": "orders-fn"}
    texts = []
    for direct in (True, False):
        proc = subprocess.run(
            [sys.executable, "-c", _FRESH_RUN.format(direct=direct)],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        texts.append(proc.stdout)
    direct_lines, structlog_lines = map(_lines_without_time, texts)
    # the order of keys merged from contextvars follows the variables' hashes, which
    # differ between interpreters: compared as mappings here
    assert list(map(dict, direct_lines)) == list(map(dict, structlog_lines))
    assert len(direct_lines) == 8
    assert direct_lines[:4] == structlog_lines[:4]  # nothing from contextvars yet


@pytest.mark.usefixtures("restore_structlog")
def test_a_batch_that_fully_succeeded_is_summed_up_at_debug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    structlog.reset_defaults()
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-fn")
    _failing_app().handler(sqs_event({"n": 2}, {"n": 4}), FakeContext())
    assert capsys.readouterr().out == ""  # Lambda's default level is INFO
    with structlog.testing.capture_logs() as logs:
        _failing_app().handler(sqs_event({"n": 2}, {"n": 4}), FakeContext())
    [summary] = [e for e in logs if e["event"] == "batch processed"]
    assert summary["log_level"] == "debug" and summary["succeeded"] == 2
