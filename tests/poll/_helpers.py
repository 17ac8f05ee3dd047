"""Shared set-up of the poll tests: queues, the processing log, subprocess pollers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3

from tests.aws.conftest import AWS_ENV

APP = "tests.poll.apps.recorder:app"


def client(service: str, url: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1")


def make_queue(
    sqs: Any, name: str, *, visibility: int = 1, max_receives: int = 3, fifo: bool = False
) -> tuple[str, str]:
    """A queue with a DLQ; returns (queue URL, DLQ URL)."""
    suffix = ".fifo" if fifo else ""
    extra = {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}
    dlq = sqs.create_queue(QueueName=f"{name}-dlq{suffix}", Attributes=extra)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receives)})
    attrs = {"VisibilityTimeout": str(visibility), "RedrivePolicy": redrive, **extra}
    url = sqs.create_queue(QueueName=f"{name}{suffix}", Attributes=attrs)["QueueUrl"]
    return url, dlq


def send_jobs(sqs: Any, url: str, jobs: list[dict[str, Any]], *, fifo: bool = False) -> None:
    for start in range(0, len(jobs), 10):
        entries = []
        for n, job in enumerate(jobs[start : start + 10]):
            entry: dict[str, Any] = {"Id": str(n), "MessageBody": json.dumps(job)}
            if fifo:
                entry["MessageGroupId"] = job["group"]
            entries.append(entry)
        sqs.send_message_batch(QueueUrl=url, Entries=entries)


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    """Every message still in a queue (bodies decoded), deleting them (a 1 s long poll, so a
    message made visible a moment ago by another thread of the server is not missed)."""
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30, WaitTimeSeconds=1
        ).get("Messages", [])
        if not got:
            return out
        out += [json.loads(m["Body"]) for m in got]
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)
            ],
        )


def read_log(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def poll_process(
    url: str, sources: list[str], log: Path, *options: str, app: str = APP, logs: bool = False
) -> subprocess.Popen[str]:
    """``lambent poll`` in a subprocess, logging its records to ``log`` (its own log
    lines, on stdout, kept when ``logs``)."""
    env = {**os.environ, **AWS_ENV, "POLL_LOG": str(log)}
    return subprocess.Popen(
        [sys.executable, "-m", "lambent", "poll", app, *sources, "--endpoint-url", url, *options],
        env=env,
        stdout=subprocess.PIPE if logs else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


class Wrapped:
    """A stream reader of moto's with some of its calls replaced (a subclass's methods);
    every other attribute is the wrapped reader's."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader

    def __getattr__(self, name: str) -> Any:
        return getattr(self.reader, name)
