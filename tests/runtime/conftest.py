"""A Runtime API for driving ``python -m lambent.runtime`` directly.

:class:`Host` is a :class:`lambent._local.runtime_api.RuntimeHost` that hands out
every queued invocation at once (as Lambda Managed Instances do with
``AWS_LAMBDA_MAX_CONCURRENCY``) and accepts any bytes as a payload, so tests can send what
the Invoke API would refuse. It is served by lambent serve's own Runtime API on 127.0.0.1, on a background
event loop.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import pytest

from lambent._local import runtime_api
from lambent._local.model import Invocation
from lambent._local.streaming import Sink

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    payload: bytes
    content_type: str
    error_type: str | None


@dataclass
class _Delivery:
    invocation: Invocation
    deadline_ms: int


@dataclass
class Host:
    """Queued invocations out through ``/next``, outcomes in."""

    timeout: float = 5.0
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    init_errors: list[dict[str, Any]] = field(default_factory=list)
    restored: int = 0
    delivered_at: dict[str, float] = field(default_factory=dict)
    done_at: dict[str, float] = field(default_factory=dict)
    send: Any = None
    receive: Any = None

    async def next_invocation(self) -> _Delivery | None:
        try:
            invocation = await self.receive.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            return None
        self.delivered_at[invocation.request_id] = time.perf_counter()
        return _Delivery(invocation, int((time.time() + self.timeout) * 1000))

    def complete(
        self, request_id: str, payload: bytes, content_type: str, error_type: str | None
    ) -> bool:
        if request_id in self.outcomes:
            return False
        self.done_at[request_id] = time.perf_counter()
        self.outcomes[request_id] = Outcome(payload, content_type, error_type)
        return True

    def init_failed(self, doc: dict[str, Any]) -> None:
        self.init_errors.append(doc)

    def restore(self) -> None:
        self.restored += 1

    def stream_sink(self, request_id: str) -> Sink | None:
        return None  # no caller reads a stream here: a streamed response is only collected


class RuntimeAPI:
    """A running :class:`Host`: ``put`` queues invocations, ``wait`` collects outcomes."""

    def __init__(self, portal: anyio.from_thread.BlockingPortal, host: Host, address: str) -> None:
        self.portal = portal
        self.host = host
        self.address = address

    def put(self, payload: bytes, **fields: Any) -> str:
        invocation = Invocation(
            function="function",
            payload=payload,
            invoked_arn="arn:aws:lambda:us-east-1:123456789012:function:function",
            **fields,
        )
        self.portal.call(self.host.send.send, invocation)
        return invocation.request_id

    def wait(self, request_ids: list[str], timeout: float = 20.0) -> list[Outcome]:
        deadline = time.monotonic() + timeout
        while not all(r in self.host.outcomes for r in request_ids):
            assert time.monotonic() < deadline, "the runtime did not answer in time"
            time.sleep(0.01)
        return [self.host.outcomes[r] for r in request_ids]

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("_X_AMZN_TRACE_ID", "AWS_LAMBDA_MAX_CONCURRENCY")
        }
        env.update(
            AWS_LAMBDA_RUNTIME_API=self.address,
            AWS_LAMBDA_FUNCTION_NAME="function",
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256",
            AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
            PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "framework")]),
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def start(self, handler: str, *args: str, **extra: str) -> subprocess.Popen[bytes]:
        """``python -m lambent.runtime HANDLER`` (or ``args`` as the whole command) against this API."""
        command = list(args) or [sys.executable, "-m", "lambent.runtime", handler]
        return subprocess.Popen(
            command,
            env=self.env(**extra),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )  # bytes: awslambdaric's error records keep their \r line separators


def sigterm(process: subprocess.Popen[bytes]) -> str:
    """SIGTERM ``process`` (a runtime :meth:`RuntimeAPI.start` started); its output once ended."""
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=10)
    return out.decode()


@pytest.fixture
def runtime_api_host() -> Iterator[RuntimeAPI]:
    host = Host()
    host.send, host.receive = anyio.create_memory_object_stream[Invocation](100)
    with (
        anyio.from_thread.start_blocking_portal() as portal,
        portal.wrap_async_context_manager(runtime_api.serving(host)) as address,
    ):
        try:
            yield RuntimeAPI(portal, host, address)
        finally:
            portal.call(host.send.close)
