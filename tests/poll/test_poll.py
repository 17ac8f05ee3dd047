"""The package's own interface (lambent.poll): what ``run`` refuses before it polls
anything (no endpoint is called: these need no AWS API), which routes take a source's
records (``check_routes``), and the report's total."""

from __future__ import annotations

import re
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


def test_a_reports_records_are_every_sources_records() -> None:
    stats: dict[str, Any] = {"a": Stats("a", records=3), "b": Stats("b", records=4)}
    assert PollReport(stats, "idle").records == 7
    assert PollReport({}, "stop").records == 0
