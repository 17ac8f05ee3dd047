"""Where Event invocations end: on-success and on-failure destinations (LAMBDA.md §2.2).

A destination is named on the command line as

* a file path: each record is appended as one JSON line (JSONL);
* ``arn:aws:sqs:<region>:<account>:<queue>`` or a queue URL: the record is the message body;
* ``arn:aws:sns:<region>:<account>:<topic>``: the record is the ``Message``;
* ``arn:aws:events:<region>:<account>:event-bus/<name>``: the record is the ``detail``;
* ``arn:aws:lambda:<region>:<account>:function:<name>``: a function of this server, invoked
  asynchronously with the record as its event.

AWS destinations use aiobotocore (the ``aws`` extra), imported on first use; an endpoint
URL (``--aws-endpoint-url``, or botocore's own ``AWS_ENDPOINT_URL``) points them at a local
stand-in such as moto.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from lambent._local.model import FunctionConfig, Invocation, InvocationResult

Condition = Literal["Success", "RetriesExhausted", "EventAgeExceeded"]
#: SNS messages are limited to 256 KB; larger records lose their payloads
SNS_LIMIT = 262_144


def _json_or_text(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode(errors="replace")


def destination_record(
    config: FunctionConfig,
    invocation: Invocation,
    result: InvocationResult | None,
    condition: Condition,
    attempts: int,
) -> dict[str, Any]:
    """The invocation record Lambda sends to a destination."""
    now = datetime.now(UTC)
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "requestContext": {
            "requestId": invocation.request_id,
            "functionArn": f"{config.arn}:{result.executed_version if result else '$LATEST'}",
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "requestPayload": _json_or_text(invocation.payload),
    }
    if result is not None:
        response: dict[str, Any] = {"statusCode": 200, "executedVersion": result.executed_version}
        if result.function_error:
            response["functionError"] = result.function_error
        record["responseContext"] = response
        record["responsePayload"] = _json_or_text(result.payload)
    return record


class Destination(Protocol):
    description: str

    async def send(self, record: dict[str, Any]) -> None: ...


class FileDestination:
    """Appends each record as one line of JSON."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.description = str(path)
        self._lock = threading.Lock()

    async def send(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(line)


class AwsClients:
    """aiobotocore clients, one per service and region, closed with the server."""

    def __init__(self, stack: AsyncExitStack, endpoint_url: str | None) -> None:
        self._stack = stack
        self._endpoint_url = endpoint_url
        self._clients: dict[tuple[str, str], Any] = {}
        self._session: Any = None

    async def get(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            if self._session is None:
                try:
                    from aiobotocore.session import get_session
                except ImportError as exc:  # pragma: no cover - depends on the install
                    raise ImportError(
                        "AWS destinations need aiobotocore: pip install 'lambent[aws]'"
                    ) from exc
                self._session = get_session()
            client = self._session.create_client(
                service, region_name=region, endpoint_url=self._endpoint_url
            )
            self._clients[key] = await self._stack.enter_async_context(client)
        return self._clients[key]


class AwsDestination:
    """An SQS queue, an SNS topic or an EventBridge bus."""

    def __init__(self, target: str, clients: AwsClients, default_region: str) -> None:
        self.description = target
        self._clients = clients
        self._queue_url: str | None = None
        if target.startswith(("http://", "https://")):
            self.service, self.region, self._queue_url = "sqs", default_region, target
            return
        parts = target.split(":", 5)
        if len(parts) != 6 or parts[2] not in ("sqs", "sns", "events"):
            raise ValueError(f"unsupported destination: {target}")
        self.service, self.region, self.account, self.resource = (
            parts[2],
            parts[3],
            parts[4],
            parts[5],
        )

    async def send(self, record: dict[str, Any]) -> None:
        client = await self._clients.get(self.service, self.region)
        body = json.dumps(record, ensure_ascii=False)
        if self.service == "sqs":
            if self._queue_url is None:
                found = await client.get_queue_url(
                    QueueName=self.resource, QueueOwnerAWSAccountId=self.account
                )
                self._queue_url = str(found["QueueUrl"])
            await client.send_message(QueueUrl=self._queue_url, MessageBody=body)
        elif self.service == "sns":
            if len(body.encode()) > SNS_LIMIT:
                trimmed = {
                    k: v
                    for k, v in record.items()
                    if k not in ("requestPayload", "responsePayload")
                }
                body = json.dumps(trimmed)
            await client.publish(TopicArn=self.description, Message=body)
        else:
            success = record["requestContext"]["condition"] == "Success"
            function_arn = record["requestContext"]["functionArn"]
            entry = {
                "Source": "lambda",
                "DetailType": "Lambda Function Invocation Result - "
                + ("Success" if success else "Failure"),
                "Detail": body,
                "Resources": [function_arn, self.description],
                "EventBusName": self.description,
            }
            await client.put_events(Entries=[entry])


class LambdaDestination:
    """A function of this server, invoked asynchronously with the record as its event."""

    def __init__(self, target: str, submit: Callable[[str, bytes], None]) -> None:
        self.description = target
        self._name = target.split(":")[6]
        self._submit = submit

    async def send(self, record: dict[str, Any]) -> None:
        self._submit(self._name, json.dumps(record, ensure_ascii=False).encode())


def parse_destination(
    spec: str,
    clients: AwsClients,
    submit: Callable[[str, bytes], None],
    default_region: str = "us-east-1",
) -> Destination:
    """A destination from its command-line form (see the module docstring)."""
    if spec.startswith("arn:"):
        service = spec.split(":")[2] if spec.count(":") >= 2 else ""
        if service == "lambda" and spec.count(":") >= 6:
            return LambdaDestination(spec, submit)
        return AwsDestination(spec, clients, default_region)
    if spec.startswith(("http://", "https://")):
        return AwsDestination(spec, clients, default_region)
    return FileDestination(spec)
