"""The package's own interface (lambent.poll): what ``run`` refuses before it polls
anything (no endpoint is called: these need no AWS API), which routes take a source's
records (``check_routes``), and the report's total."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

import pytest

from lambent import App
from lambent.poll import PollError, PollOptions, PollReport, Stats, check_routes, parse_source, run

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:jobs"
STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000"


def _app(decorator: str, *args: str) -> App:
    app = App()
    getattr(app, decorator)(*args)(lambda record: None)
    return app


@pytest.mark.parametrize(
    ("source", "decorator", "args"),
    [
        (QUEUE, "sqs", ("jobs",)),
        (QUEUE, "sqs", (QUEUE_ARN,)),
        (QUEUE_ARN, "sqs", ()),
        (STREAM, "kinesis", ("clicks",)),
        (STREAM, "kinesis", ()),
        (TABLE, "dynamodb", ("orders",)),
    ],
)
def test_a_route_that_takes_the_sources_records_is_enough(
    source: str, decorator: str, args: tuple[str, ...]
) -> None:
    check_routes(_app(decorator, *args), parse_source(source, "us-east-1"))


@pytest.mark.parametrize(
    ("source", "decorator", "args", "told"),
    [
        (QUEUE, "sqs", ("other",), "add @app.sqs('jobs') or a catch-all"),
        (QUEUE, "kinesis", (), "add @app.sqs('jobs') or a catch-all"),
        (STREAM, "kinesis", ("views",), "add @app.kinesis('clicks') or a catch-all"),
        (TABLE, "dynamodb", ("users",), "add @app.dynamodb('orders') or a catch-all"),
    ],
)
def test_an_app_without_a_route_for_the_source_is_told_which_to_add(
    source: str, decorator: str, args: tuple[str, ...], told: str
) -> None:
    with pytest.raises(PollError, match=r"^the app has no route for ") as raised:
        check_routes(_app(decorator, *args), parse_source(source, "us-east-1"))
    assert source in str(raised.value) and str(raised.value).endswith(told)


@pytest.mark.parametrize(
    ("sources", "options", "told"),
    [
        ((), None, "no source to poll"),
        ((QUEUE,), PollOptions(batch_size=0), "batch size must be 1-10000"),
        (
            (QUEUE,),
            PollOptions(on_failure="arn:aws:sqs:us-east-1:123456789012:dlq"),
            "on-failure destinations apply to streams",
        ),
        ((STREAM,), None, "the app has no route for " + STREAM),
    ],
)
async def test_run_refuses_before_polling(
    sources: tuple[str, ...], options: PollOptions | None, told: str
) -> None:
    app = _app("sqs", "jobs")
    with pytest.raises(PollError, match="^" + re.escape(told)):
        await run(app, *sources, options=options, signals=False)


def test_a_signal_as_soon_as_the_lifespan_starts_stops_the_start_up() -> None:
    """The signals are heard before the lifespan runs its first line: a SIGTERM sent then
    (here by the lifespan itself, before its first await) once killed the poller."""
    code = (
        "import anyio\n"
        "from lambent.poll import PollOptions, run\n"
        "from tests.poll.apps.lifespans import app\n"
        "options = PollOptions(endpoint_url='http://127.0.0.1:9')\n"
        f"report = anyio.run(lambda: run(app, {QUEUE!r}, options=options))\n"
        "print('stopped by', report.stopped_by)\n"
    )
    env = {**os.environ, "POLL_LIFESPAN": "term-at-start", "POLL_LOG": ""}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("stopped by SIGTERM")
    assert "stopping before polling started" in done.stdout and "Traceback" not in done.stderr


def test_a_reports_records_are_every_sources_records() -> None:
    stats: dict[str, Any] = {"a": Stats("a", records=3), "b": Stats("b", records=4)}
    assert PollReport(stats, "idle").records == 7
    assert PollReport({}, "stop").records == 0
