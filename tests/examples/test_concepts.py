"""Every concept example runs and does what its docstring says."""

from __future__ import annotations

import base64

from examples.concepts import (
    deadline,
    direct_invoke,
    fifo,
    firehose,
    http_api,
    s3_envelope,
    sqs_batch,
    streams,
)


def test_sqs_batch_reports_only_the_failed_records() -> None:
    result = sqs_batch.run()
    assert result["charged"] == ["p1", "p4"]
    assert result["failed_positions"] == [1, 2]


def test_fifo_stops_only_the_failed_group_or_the_whole_batch_when_strict() -> None:
    result = fifo.run()
    assert [r for r in result["ran"] if not r.startswith("strict")] == ["a#1", "b#1", "b#2", "b#3"]
    assert result["per_group_reported"] == [2, 4]
    assert result["strict_reported"] == [2, 3, 4, 5]
    assert sorted(r for r in result["ran"] if r.startswith("strict")) == [
        "strict a#1",
        "strict b#1",
    ]


def test_streams_keep_key_order_and_windows_carry_state() -> None:
    result = streams.run()
    assert result["seen"] == ["s1=1.5", "s2=7.0", "s2=8.0"]
    assert result["reported"] == [2, 4]
    assert result["window"] == {"state": {"counts": {"/": 2, "/cart": 1}}, "batchItemFailures": []}


def test_firehose_results_in_order() -> None:
    records = firehose.run()
    assert [r["result"] for r in records] == [
        "Ok",
        "Dropped",
        "ProcessingFailed",
        "ProcessingFailed",
        "Ok",
    ]
    assert records[0]["data"] == b'{"path":"/orders","status":200,"slow":false}\n'
    assert records[0]["partition_keys"] == {"status": "2xx"}
    assert records[3]["data"] == b"not json"  # failed records come back unchanged
    assert records[4]["partition_keys"] == {"status": "4xx"}
    assert base64.b64encode(records[1]["data"])  # dropped: the original data


def test_direct_invoke_by_name_and_by_type() -> None:
    assert direct_invoke.run() == [
        {"pong": True, "request_id": "req-1"},
        {"refunded": "o1", "amount": 250},
        {"cancelled": "o2"},
    ]


def test_s3_through_sqs() -> None:
    assert s3_envelope.run() == {"thumbnails": ["uploads/beach day.jpg"], "failed_positions": [1]}


def test_deadline_reports_the_unfinished_record_in_time() -> None:
    result = deadline.run()
    assert result["done"] == ["also-quick", "quick"]
    assert result["failed_positions"] == [1]
    assert result["elapsed"] < 0.9


def test_http_api_on_every_http_source() -> None:
    answers = http_api.run()
    assert [status for status, _ in answers] == [201, 201, 200, 200, 404, 422]
    assert answers[2][1] == [{"title": "Hyperion", "year": 1989}]
    assert answers[3][1] == {"title": "Dune", "year": 1965}
    assert "year" in answers[5][1]["message"]
