"""The endpoint goes away mid-batch and comes back: nothing is lost, the poller recovers,
and the outage is logged once."""

from __future__ import annotations

import collections
import threading
import time
from pathlib import Path

import anyio
import pytest
import structlog

from lambent.poll import PollOptions, run
from tests.poll._helpers import client, drain, make_queue, read_log, send_jobs
from tests.poll._proxy import Proxy
from tests.poll.apps.recorder import app

pytestmark = pytest.mark.network


@pytest.mark.slow
def test_an_outage_mid_batch_loses_nothing(moto_url: str, poll_log: Path) -> None:
    log = poll_log
    sqs = client("sqs", moto_url)
    url, dlq = make_queue(sqs, "outage", visibility=4)
    send_jobs(sqs, url, [{"id": n} for n in range(300)])
    proxy = Proxy(int(moto_url.rsplit(":", 1)[1]))
    proxy.up()

    def outage() -> None:
        while len(read_log(log)) < 30:
            time.sleep(0.01)
        proxy.down()
        time.sleep(1.5)
        proxy.up()

    cutter = threading.Thread(target=outage)
    cutter.start()
    options = PollOptions(
        # a receive whose answer the outage cut leaves its messages hidden for the
        # visibility timeout: wait longer than that before calling the queue idle
        endpoint_url=proxy.url,
        wait_time=1,
        idle_exit=5.0,
        retry_base=0.05,
        retry_cap=0.5,
    )
    with structlog.testing.capture_logs() as logs:
        report = anyio.run(lambda: run(app, url, options=options, signals=False))
    cutter.join()
    proxy.down()
    ok = collections.Counter(e["id"] for e in read_log(log) if e["event"] == "ok")
    assert set(ok) == set(range(300))  # none lost
    assert max(ok.values()) == 1  # the outage was shorter than the visibility timeout
    assert drain(sqs, url) == [] and drain(sqs, dlq) == []
    (stats,) = report.stats.values()
    warnings = [e for e in logs if e["event"].startswith("endpoint unavailable")]
    assert stats.outages >= 1 and len(warnings) == stats.outages
    assert any(e["event"] == "endpoint back" for e in logs)
