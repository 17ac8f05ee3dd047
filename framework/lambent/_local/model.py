"""The values the local Lambda passes around: configuration, invocations, results."""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass, field
from typing import Literal

#: the only version a local function has
LATEST = "$LATEST"
#: ``Invoke`` request body limits (LAMBDA.md §1.1, §1.4)
SYNC_REQUEST_LIMIT = 6_291_456
ASYNC_REQUEST_LIMIT = 1_048_576
#: largest result a function may return (RIE's ``MaxPayloadSize``, LAMBDA.md §1.3)
RESPONSE_LIMIT = 6_291_556
#: ``X-Amz-Client-Context`` limit, in base64 characters
CLIENT_CONTEXT_LIMIT = 3_583
#: how much of an invocation's log ``X-Amz-Log-Result`` carries
LOG_TAIL_BYTES = 4_096
#: Lambda's limit for an environment's shutdown phase (SIGTERM, then SIGKILL after it):
#: what a worker process, and an app's lifespan run in this process, get to leave
SHUTDOWN_TIMEOUT = 2.0

InvocationType = Literal["RequestResponse", "Event", "DryRun"]
INVOCATION_TYPES: tuple[str, ...] = ("RequestResponse", "Event", "DryRun")
#: where a function runs: in this process, or in worker processes of one runtime client
Mode = Literal["in-process", "awslambdaric", "lambent"]


@dataclass(frozen=True)
class AsyncPolicy:
    """How Event invocations are retried (``PutFunctionEventInvokeConfig``, LAMBDA.md §2.1).

    ``retry_delays`` are the waits before the 2nd, 3rd, ... attempt (Lambda: about one
    and two minutes); the last one repeats when ``max_retries`` is larger. ``time_scale``
    multiplies every delay and the maximum event age, so ``0.001`` turns minutes into
    milliseconds for local use.
    """

    max_retries: int = 2
    retry_delays: tuple[float, ...] = (60.0, 120.0)
    max_event_age: float = 21_600.0
    time_scale: float = 1.0
    on_success: str | None = None
    on_failure: str | None = None

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before attempt number ``attempt`` (2 for the first retry)."""
        if not self.retry_delays:
            return 0.0
        index = min(attempt - 2, len(self.retry_delays) - 1)
        return self.retry_delays[max(index, 0)] * self.time_scale

    @property
    def scaled_max_age(self) -> float:
        """The maximum event age in (scaled) seconds; a scale of 0 means no age limit."""
        return self.max_event_age * self.time_scale if self.time_scale > 0 else math.inf


@dataclass(frozen=True)
class FunctionConfig:
    """One local function: its name, the app it runs and its limits."""

    name: str
    target: str
    timeout: float = 3.0
    memory_mb: int = 128
    concurrency: int = 10
    mode: Mode = "in-process"
    region: str = "us-east-1"
    account_id: str = "123456789012"
    environment: dict[str, str] = field(default_factory=dict)
    policy: AsyncPolicy = field(default_factory=AsyncPolicy)
    #: the interpreter awslambdaric workers run (``None``: this process's Python)
    python: str | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.name}"

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


def new_request_id() -> str:
    return str(uuid.uuid4())


def new_trace_id() -> str:
    """An X-Ray trace header as Lambda passes it (``Root=1-<epoch hex>-<24 hex>;...``)."""
    root = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    return f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled=0"


@dataclass(frozen=True)
class Invocation:
    """One call of a function, as the Invoke API accepted it."""

    function: str
    payload: bytes
    invoked_arn: str
    request_id: str = field(default_factory=new_request_id)
    trace_id: str = field(default_factory=new_trace_id)
    client_context: str | None = None  # the decoded JSON text of X-Amz-Client-Context
    cognito_identity: str | None = None
    tenant_id: str | None = None
    accepted_at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class InvocationResult:
    """What one attempt produced: the response payload, whether the function failed, its logs."""

    payload: bytes
    function_error: str | None = None  # "Unhandled" when the function or its runtime failed
    error_type: str | None = None
    content_type: str = "application/json"
    log: str = ""
    duration_ms: float = 0.0
    executed_version: str = LATEST

    @property
    def failed(self) -> bool:
        return self.function_error is not None
