"""The local Lambda step of ``make demo``: ``lambent serve`` driven by boto3.

Starts ``lambent serve examples.orders.app:app`` on a free loopback port in a
child process, then invokes it with boto3's own Lambda client with each
invocation type, as a deployed function would be invoked.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambent.testing import http_request, schedule_event


def _client(url: str) -> Any:
    import boto3

    return boto3.client(
        "lambda",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def run_local_lambda(out: Callable[[str], None]) -> None:
    """Start the local service, invoke with each type, print what happened."""
    folder = Path(tempfile.mkdtemp(prefix="lambent-demo-"))
    successes = folder / "on-success.jsonl"
    server = subprocess.Popen(
        [sys.executable, "-m", "lambent", "serve", "examples.orders.app:app", "--name", "orders",
         "--port", "0", "--on-success", str(successes), "--state-dir", str(folder / "state")],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stderr is not None
        url = server.stderr.readline().split(" at ")[1].split(" ")[0]
        out(f"    lambent serve examples.orders.app:app → {url}")
        client = _client(url)

        request = http_request("GET", "/orders/ord-0001", source="apigw-http")
        sync = client.invoke(FunctionName="orders", Payload=json.dumps(request))
        body = json.load(sync["Payload"])
        out(
            f"    RequestResponse GET /orders/ord-0001 → {sync['StatusCode']}, function answered "
            f"{body['statusCode']} (a new container: its in-memory table starts empty)"
        )

        bad = client.invoke(FunctionName="orders", Payload=json.dumps({"action": "unknown"}))
        error = json.load(bad["Payload"])
        out(f"    RequestResponse with a payload no route takes → {bad['StatusCode']}, "
            f"FunctionError={bad['FunctionError']} ({error['errorType']})")  # fmt: skip

        event = client.invoke(
            FunctionName="orders",
            InvocationType="Event",
            Payload=json.dumps(schedule_event("orders-daily-summary")),
        )
        out(f"    Event (schedule) → {event['StatusCode']} at once; runs in the background")
        deadline = time.monotonic() + 20
        while not successes.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        record = json.loads(successes.read_text().splitlines()[0])
        context = record["requestContext"]
        out(f"    on-success destination: condition={context['condition']} "
            f"attempts={context['approximateInvokeCount']}")  # fmt: skip

        dry = client.invoke(FunctionName="orders", InvocationType="DryRun", Payload=b"{}")
        out(f"    DryRun → {dry['StatusCode']}, nothing run")
    finally:
        server.send_signal(2)
        try:
            _, tail = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            tail = ""
        last = [line for line in tail.splitlines() if line.strip()]
        if last:
            out(f"    Ctrl-C: {last[-1].removeprefix('lambent: ')}")
