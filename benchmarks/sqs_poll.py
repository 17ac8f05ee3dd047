"""Scenario: SQS records per second through ``lambent poll`` against moto, with a no-op
handler, next to a hand-written aiobotocore receive/delete loop in the same run.

Both drain the same queue on the same moto server (started here through the test
suite's launcher, ``tests/aws/moto_launcher.py``, which fixes moto's slow SQS clock and
its non-atomic receives). The loop is what a careful user would write by hand: as many
concurrent ``receive_message`` (10 messages, long polling) -> ``delete_message_batch``
loops as ``lambent poll`` has pollers, on one warm client. ``lambent poll`` adds Lambda's
event shaping (it asks SQS for the attributes a Lambda record carries, which costs moto
time), ``app.dispatch``, partial-batch accounting and visibility heartbeats.
Rounds alternate which one goes first; the queue is refilled (untimed) before each.
Absolute figures are moto's and this machine's, not SQS's.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from benchmarks._measure import VS_FLOOR, Config, Row, Samples, Target, progress

POLLERS = 2
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
}


async def _fill(sqs: Any, url: str, n: int) -> None:
    body = json.dumps({"order": 1})
    for start in range(0, n, 10):
        count = min(10, n - start)
        entries = [{"Id": str(i), "MessageBody": body} for i in range(count)]
        await sqs.send_message_batch(QueueUrl=url, Entries=entries)


async def _loop(endpoint: str, url: str, n: int) -> None:
    """The hand-written baseline: a client, and POLLERS receive/delete loops on it until
    ``n`` messages are deleted (set-up included, as for ``lambent poll``)."""
    from aiobotocore.session import get_session

    async with SESSION.setdefault("s", get_session()).create_client(
        "sqs", endpoint_url=endpoint, region_name="us-east-1"
    ) as sqs:
        await _drain(sqs, url, n)


#: the baseline's session, made once (as lambent's is)
SESSION: dict[str, Any] = {}


async def _drain(sqs: Any, url: str, n: int) -> None:
    import anyio

    done = 0

    async def worker() -> None:
        nonlocal done
        while done < n:
            got = await sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            messages = got.get("Messages") or []
            if not messages:
                continue
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ]
            await sqs.delete_message_batch(QueueUrl=url, Entries=entries)
            done += len(messages)

    async with anyio.create_task_group() as tg:
        for _ in range(POLLERS):
            tg.start_soon(worker)


async def _poll(url: str, endpoint: str, n: int) -> None:
    import anyio

    from lambent import App
    from lambent.poll import PollOptions, run

    app = App("bench")
    stop = anyio.Event()
    seen = 0

    @app.sqs()
    async def noop(body: str) -> None:
        nonlocal seen
        seen += 1
        if seen >= n:
            stop.set()

    options = PollOptions(endpoint_url=endpoint, wait_time=1, pollers=POLLERS, grace=30)
    report = await run(app, url, options=options, stop=stop, signals=False)
    if report.records < n:
        raise AssertionError(f"lambent poll processed {report.records} of {n} records")


async def _measure(endpoint: str, n: int, rounds: int) -> Samples:
    from aiobotocore.session import get_session

    samples = Samples({"lambent": [], "loop": []})
    maker = get_session().create_client("sqs", endpoint_url=endpoint, region_name="us-east-1")
    async with maker as sqs:
        created = await sqs.create_queue(QueueName="bench", Attributes={"VisibilityTimeout": "30"})
        url = created["QueueUrl"]
        runs = {"lambent": lambda: _poll(url, endpoint, n), "loop": lambda: _loop(endpoint, url, n)}
        warm = max(10, n // 4)  # warm-up: imports, first connections
        await _fill(sqs, url, warm)
        await _loop(endpoint, url, warm)
        await _fill(sqs, url, warm)
        await _poll(url, endpoint, warm)
        for r in range(rounds):
            order = ["lambent", "loop"] if r % 2 == 0 else ["loop", "lambent"]
            for name in order:
                await _fill(sqs, url, n)
                start = time.perf_counter()
                await runs[name]()
                samples.times[name].append(time.perf_counter() - start)
    return samples


def run(cfg: Config) -> list[Row]:
    import anyio

    n = {"full": 2000, "quick": 500, "smoke": 100}[cfg.mode]
    rounds = {"full": 5, "quick": 3, "smoke": 1}[cfg.mode]
    scenario = "SQS through lambent poll"
    progress(f"{scenario}: {n:,} messages on moto, no-op handler, {rounds} rounds")
    for key, value in AWS_ENV.items():  # moto takes any credentials; real ones stay
        os.environ.setdefault(key, value)
    from tests.aws.moto_launcher import start

    proc, endpoint = start(AWS_ENV)
    try:
        samples = anyio.run(_measure, endpoint, n, rounds)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    per_k = {name: samples.median(name) / n * 1000 * 1000 for name in samples.times}
    rate = {name: n / samples.median(name) for name in samples.times}
    return [
        Row(
            scenario,
            f"{n:,} messages, {POLLERS} receivers, vs a hand-written aiobotocore loop",
            "ms / 1,000 msgs",
            {"lambent": per_k["lambent"], "floor": per_k["loop"]},
            {VS_FLOOR: samples.ratio("lambent", "loop")},
            (Target(VS_FLOOR, "<=", 1 / 0.9),),
            note=(
                f"floor column: the hand-written receive/delete loop; records/s here: "
                f"lambent {rate['lambent']:,.0f}, loop {rate['loop']:,.0f} (moto on this "
                "machine, not SQS); target: >= 0.9x the loop's records/s"
            ),
            fmt="{:,.0f}",
        )
    ]
