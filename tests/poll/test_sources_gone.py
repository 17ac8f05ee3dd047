"""A queue or stream deleted while ``lambent.poll`` reads it: one error line naming it
for each call that fails (no traceback, no exception group, no crash of the other
sources), and the poller goes on until it is stopped."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

import anyio
import pytest
import structlog

from lambent import App
from lambent.poll import PollOptions, run
from tests.poll._helpers import client, read_log, send_jobs
from tests.poll.apps.recorder import app

pytestmark = pytest.mark.network


def _after_first_record(log: Path, delete: Callable[[], Any]) -> threading.Thread:
    def go() -> None:
        deadline = time.monotonic() + 20
        while not read_log(log) and time.monotonic() < deadline:
            time.sleep(0.05)
        delete()

    thread = threading.Thread(target=go)
    thread.start()
    return thread


def _errors(app: App, options: PollOptions, source: str) -> list[MutableMapping[str, Any]]:
    with structlog.testing.capture_logs() as logs:
        anyio.run(lambda: run(app, source, options=options, signals=False))
    return [e for e in logs if e["log_level"] == "error"]


def test_a_queue_its_handler_deletes_is_named_in_one_line(moto_url: str) -> None:
    sqs = client("sqs", moto_url)
    url = sqs.create_queue(QueueName="gone")["QueueUrl"]
    send_jobs(sqs, url, [{"id": 1}])
    deleter = App("deleter")

    @deleter.sqs()
    def delete_the_queue(body: str) -> None:
        sqs.delete_queue(QueueUrl=url)  # the batch's delete, then every receive, fails

    options = PollOptions(endpoint_url=moto_url, wait_time=1, idle_exit=3.0, retry_cap=0.5)
    errors = _errors(deleter, options, url)  # the old poller raised the delete's error
    assert {e["event"] for e in errors} == {"delete failed", "receive failed"}
    assert all(e["error"] == f"queue {url} does not exist in region us-east-1" for e in errors)


def test_a_stream_deleted_mid_run_is_named_in_one_line(moto_url: str, poll_log: Path) -> None:
    kinesis = client("kinesis", moto_url)
    kinesis.create_stream(StreamName="gone", ShardCount=1)
    summary = kinesis.describe_stream_summary(StreamName="gone")
    arn = summary["StreamDescriptionSummary"]["StreamARN"]
    kinesis.put_record(StreamName="gone", Data=json.dumps({"key": "a", "n": 1}), PartitionKey="a")
    deleting = _after_first_record(poll_log, lambda: kinesis.delete_stream(StreamName="gone"))
    options = PollOptions(
        endpoint_url=moto_url, starting_position="TRIM_HORIZON", idle_exit=3.0,
        poll_interval=0.2, shard_refresh=0.5, retry_cap=0.5,
    )  # fmt: skip
    errors = _errors(app, options, arn)  # the old poller raised the ClientError in a group here
    deleting.join()
    assert errors, "the deleted stream was never reported"
    assert {e["event"] for e in errors} <= {"read failed", "listing shards failed"}
    assert all(e["error"] == f"stream {arn} does not exist in region us-east-1" for e in errors)
