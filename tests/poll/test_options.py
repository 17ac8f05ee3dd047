"""Sources, options and the reading of the app's answer (LAMBDA.md §4.3, §4.5)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent import sources
from lambent.poll import PollError, PollOptions, parse_source
from lambent.poll._answers import first_failure
from lambent.poll._options import check_source
from lambent.poll._runtime import Invocation
from lambent.poll._sqs import failed_ids
from lambent.sources import SourceSpec
from lambent.sources._base import Pollable


def test_sources_by_url_and_arn() -> None:
    q = parse_source("https://sqs.eu-west-1.amazonaws.com/123456789012/orders.fifo", "us-east-1")
    assert (q.kind, q.region, q.name, q.arn) == (
        "sqs", "eu-west-1", "orders.fifo", "arn:aws:sqs:eu-west-1:123456789012:orders.fifo",
    )  # fmt: skip
    local = parse_source("http://127.0.0.1:5000/123456789012/jobs", "us-west-2")
    assert local.region == "us-west-2" and local.url is not None
    k = parse_source("arn:aws:kinesis:us-east-1:123456789012:stream/clicks", "x")
    assert (k.kind, k.name) == ("kinesis", "clicks")
    d = parse_source(
        "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024-01-01T00:00:00.000", "x"
    )
    assert (d.kind, d.name) == ("dynamodb", "t")
    for bad in ("orders", "arn:aws:s3:::bucket", "arn:aws:dynamodb:us-east-1:123456789012:table/t"):
        with pytest.raises(PollError):
            parse_source(bad, "us-east-1")


@pytest.mark.parametrize(
    "options",
    [
        {"batch_size": 0},
        {"window": 301},
        {"max_retries": -2},
        {"max_record_age": 59},
        {"tumbling_window": 901},
        {"starting_position": "AT_TIMESTAMP"},
        {"on_failure": "arn:aws:s3:::bucket"},
        {"concurrency": 0},
        {"window": math.nan},
        {"visibility_timeout": -3},
        {"visibility_timeout": 43_201},
        {"starting_position": "AT_TIMESTAMP", "starting_timestamp": math.nan},
        {"function_timeout": 0},
        {"function_timeout": 901},
        {"function_timeout": math.nan},
        {"grace": -1},
        {"grace": math.inf},
        {"shard_refresh": 0},
        {"poll_interval": -1},
        {"retry_base": math.nan},
        {"retry_cap": 0},
        {"progress_every": 0},
        {"idle_exit": -1},
        {"idle_exit": 0},
        {"endpoint_url": "localhost:5000"},
        {"endpoint_url": "http://127.0.0.1:port"},
        {"endpoint_url": "ftp://127.0.0.1"},
    ],
)
def test_values_lambda_refuses(options: dict[str, Any]) -> None:
    with pytest.raises(PollError):
        PollOptions(**options).check()


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"visibility_timeout": 0},
        {"visibility_timeout": 43_200},
        {"function_timeout": 0.5},
        {"function_timeout": 900},
        {"grace": 0},
        {"idle_exit": 0.1},
        {"starting_position": "AT_TIMESTAMP", "starting_timestamp": 1.7e9},
        {"endpoint_url": "http://127.0.0.1:5000"},
        {"endpoint_url": "https://sqs.eu-west-1.amazonaws.com"},
    ],
)
def test_values_lambda_takes(options: dict[str, Any]) -> None:
    PollOptions(**options).check()


QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024-01-01T00:00:00.000"


@pytest.mark.parametrize(
    ("source", "options", "told"),
    [
        (QUEUE, {"batch_size": 11}, "needs a batching window of at least 1 second"),
        (QUEUE + ".fifo", {"batch_size": 11, "window": 1}, "batch size must be 1-10 for"),
        (TABLE, {"starting_position": "AT_TIMESTAMP", "starting_timestamp": 1.7e9},
         "takes TRIM_HORIZON or LATEST"),
    ],
)  # fmt: skip
def test_settings_a_mapping_of_that_source_refuses(
    source: str, options: dict[str, Any], told: str
) -> None:
    with pytest.raises(PollError, match=told):
        check_source(PollOptions(**options), parse_source(source, "us-east-1"))


@pytest.mark.parametrize(
    ("source", "options"),
    [
        (QUEUE, {"batch_size": 10}),
        (QUEUE, {"batch_size": 10_000, "window": 1}),
        (QUEUE + ".fifo", {"batch_size": 10}),
        (STREAM, {"batch_size": 10_000}),
        (STREAM, {"starting_position": "AT_TIMESTAMP", "starting_timestamp": 1.7e9}),
        (TABLE, {"starting_position": "TRIM_HORIZON", "batch_size": 1000}),
    ],
)
def test_settings_a_mapping_of_that_source_takes(source: str, options: dict[str, Any]) -> None:
    check_source(PollOptions(**options), parse_source(source, "us-east-1"))


IDS = ["a", "b", "c"]


@pytest.mark.parametrize(
    ("response", "failed"),
    [
        (None, set()),
        ({}, set()),
        ({"batchItemFailures": []}, set()),
        ({"statusCode": 200}, set()),  # no batchItemFailures key: a success (§4.3)
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, {"b"}),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, set(IDS)),
        ({"batchItemFailures": [{"id": "b"}]}, set(IDS)),
        ({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, set(IDS)),  # unknown id
    ],
)
def test_sqs_answers(response: Any, failed: set[str]) -> None:
    assert failed_ids(Invocation(response), IDS) == failed


def test_an_exception_fails_the_whole_sqs_batch() -> None:
    assert failed_ids(Invocation(error=RuntimeError("x")), IDS) == set(IDS)


def _records(seqs: list[int]) -> list[dict[str, Any]]:
    return [{"kinesis": {"sequenceNumber": str(s)}} for s in seqs]


def _seq(record: dict[str, Any]) -> str:
    return str(record["kinesis"]["sequenceNumber"])


@given(
    st.lists(st.integers(1, 10**30), min_size=1, max_size=30, unique=True).map(sorted),
    st.data(),
)
def test_streams_retry_from_the_lowest_reported_sequence_number(seqs: list[int], data: Any) -> None:
    records = _records(seqs)
    reported = data.draw(st.lists(st.sampled_from(seqs), min_size=1, unique=True))
    answer = {"batchItemFailures": [{"itemIdentifier": str(s)} for s in reported]}
    assert first_failure(Invocation(answer), records, _seq, window=False) == seqs.index(
        min(reported)
    )


def test_stream_answers_that_fail_the_whole_batch() -> None:
    records = _records([5, 10, 100])
    for answer in (
        {"batchItemFailures": [{"itemIdentifier": "7"}]},  # not in the batch
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": "10"},
    ):
        assert first_failure(Invocation(answer), records, _seq, window=False) == 0
    assert first_failure(Invocation(error=ValueError()), records, _seq, window=False) == 0
    # a tumbling-window answer must carry its state
    assert first_failure(Invocation({"batchItemFailures": []}), records, _seq, window=True) == 0
    assert first_failure(Invocation({"state": {}}), records, _seq, window=True) is None
    assert first_failure(Invocation(None), records, _seq, window=False) is None


def test_sources_are_what_the_event_sources_declare_pollable() -> None:
    """``lambent poll`` names no source: a registered source that declares ``poll`` is
    parsed from its ARNs like the built-in ones."""
    spec: SourceSpec[Any, Any] = SourceSpec(
        kind="example-feed",
        requires="feed",
        detect=lambda event: "feed" in event,
        event_type=dict,
        item_type=dict,
        items=lambda event: (event,),
        raw_items=None,
        item_id=lambda item: "1",
        route_key=lambda event, item: None,
        payload=None,
        poll=Pollable(service="feeds", resource=r"^feed/(?P<name>[^/]+)$", decorator="app.on"),
    )
    with pytest.raises(PollError):
        parse_source("arn:aws:feeds:us-east-1:123456789012:feed/news", "us-east-1")
    sources.register(spec)
    try:
        found = parse_source("arn:aws:feeds:us-east-1:123456789012:feed/news", "us-east-1")
        assert (found.kind, found.name, found.region) == ("feeds", "news", "us-east-1")
    finally:
        sources.unregister(spec)
