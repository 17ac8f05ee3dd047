"""Factories for notifications: S3, EventBridge (and schedules), CloudWatch Logs, SES."""

from __future__ import annotations

import base64
import gzip
import hashlib
import zlib
from collections.abc import Mapping, Sequence
from email.utils import formatdate
from typing import Any, Literal
from urllib.parse import quote_plus

import msgspec

from lambent.testing.events._common import (
    ACCOUNT,
    REGION,
    Ids,
    When,
    arn,
    builtins,
    epoch_ms,
    iso_ms,
    iso_s,
    per_item,
    timestamp,
)


def s3_event(
    *keys: str,
    bucket: str = "uploads",
    event_name: str = "ObjectCreated:Put",
    size: int | Sequence[int] = 1024,
    version_id: str | None = None,
    region: str = REGION,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """An S3 notification, one record per object key.

    Keys are given as stored and form-URL-encoded in the event as S3 does
    (``"red flower.jpg"`` → ``"red+flower.jpg"``). ``event_name`` is without the
    ``s3:`` prefix; ``ObjectRemoved:*`` records carry no size or eTag.
    """
    ids = Ids(seed)
    moment = timestamp(at)
    event_name = event_name.removeprefix("s3:")
    removed = event_name.startswith(("ObjectRemoved", "LifecycleExpiration"))
    owner = ids.upper(14)
    records = []
    for i, key in enumerate(keys or ("example.txt",)):
        obj: dict[str, Any] = {"key": quote_plus(key, safe="/")}
        if not removed:
            object_size = per_item(size, i, 1024)
            obj["size"] = object_size
            obj["eTag"] = hashlib.md5(f"{key}:{object_size}".encode()).hexdigest()
        if version_id is not None:
            obj["versionId"] = version_id
        obj["sequencer"] = f"{int(moment * 1000) * 1000 + i:016X}"
        records.append(
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": iso_ms(moment),
                "eventName": event_name,
                "userIdentity": {"principalId": f"AWS:AIDA{ids.upper(17)}"},
                "requestParameters": {"sourceIPAddress": "203.0.113.10"},
                "responseElements": {
                    "x-amz-request-id": ids.hex(16, upper=True),
                    "x-amz-id-2": ids.token(48),
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "lambent-notification",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": owner},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": obj,
                },
            }
        )
    return {"Records": records}


def eventbridge_event(
    detail: Any = None,
    *,
    source: str = "com.example.orders",
    detail_type: str = "Order Placed",
    resources: Sequence[str] = (),
    region: str = REGION,
    account: str = ACCOUNT,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """An EventBridge event; ``detail`` is any JSON-able value or Struct (default ``{}``)."""
    return {
        "version": "0",
        "id": Ids(seed).uuid(),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": iso_s(timestamp(at)),
        "region": region,
        "resources": list(resources),
        "detail": {} if detail is None else builtins(detail),
    }


def schedule_event(
    rule: str = "every-five-minutes",
    *,
    region: str = REGION,
    account: str = ACCOUNT,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """The event an EventBridge scheduled rule sends (``rule`` is a name or an ARN)."""
    rule_arn = rule if rule.startswith("arn:") else arn("events", region, account, f"rule/{rule}")
    return eventbridge_event(
        {},
        source="aws.events",
        detail_type="Scheduled Event",
        resources=[rule_arn],
        region=region,
        account=account,
        seed=seed,
        at=at,
    )


def cloudwatch_logs_event(
    *messages: str,
    group: str = "/aws/lambda/my-function",
    stream: str | None = None,
    filters: Sequence[str] = ("lambent-subscription",),
    account: str = ACCOUNT,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """A CloudWatch Logs subscription delivery: ``awslogs.data`` = base64(gzip(JSON)).

    Use :func:`decode_logs` to read one back.
    """
    ids = Ids(seed)
    sent = epoch_ms(at)
    day = iso_s(sent / 1000)[:10].replace("-", "/")
    first = int(ids.digits(56)) // 10**6 * 10**6
    payload = {
        "messageType": "DATA_MESSAGE",
        "owner": account,
        "logGroup": group,
        "logStream": stream or f"{day}/[$LATEST]{ids.hex(32)}",
        "subscriptionFilters": list(filters),
        "logEvents": [
            {"id": str(first + i), "timestamp": sent + i, "message": message}
            for i, message in enumerate(messages or ("hello",))
        ],
    }
    data = gzip.compress(msgspec.json.encode(payload), mtime=0)
    return {"awslogs": {"data": base64.b64encode(data).decode()}}


def decode_logs(event: Mapping[str, Any]) -> Any:
    """The JSON inside a CloudWatch Logs event (gzip or zlib, as AWS sends both)."""
    data = base64.b64decode(event["awslogs"]["data"])
    return msgspec.json.decode(zlib.decompress(data, 32 + zlib.MAX_WBITS))


def ses_event(
    *,
    sender: str = "sender@example.com",
    recipients: Sequence[str] = ("recipient@example.com",),
    subject: str = "Hello",
    headers: Mapping[str, str] | None = None,
    verdict: Literal["PASS", "FAIL", "GRAY", "PROCESSING_FAILED"] = "PASS",
    invocation_type: Literal["Event", "RequestResponse"] = "Event",
    function: str = "my-function",
    region: str = REGION,
    account: str = ACCOUNT,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """An SES receipt-rule Lambda action event (the body is never included).

    ``verdict`` is the status of every spam/virus/SPF/DKIM/DMARC verdict; a failed
    DMARC verdict adds ``dmarcPolicy``.
    """
    ids = Ids(seed)
    moment = timestamp(at)
    message_id = ids.lower(32)
    mail_id = f"<{ids.hex(16)}@mail.example.com>"
    date = formatdate(moment)
    all_headers = {
        "Return-Path": f"<{sender}>",
        "From": sender,
        "Date": date,
        "To": ", ".join(recipients),
        "Message-ID": mail_id,
        "Subject": subject,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        **(headers or {}),
    }
    receipt: dict[str, Any] = {
        "timestamp": iso_ms(moment + 0.42),
        "processingTimeMillis": 420,
        "recipients": list(recipients),
        **{f"{name}Verdict": {"status": verdict} for name in ("spam", "virus", "spf", "dkim")},
        "dmarcVerdict": {"status": verdict},
    }
    if verdict == "FAIL":
        receipt["dmarcPolicy"] = "reject"
    receipt["action"] = {
        "type": "Lambda",
        "functionArn": arn("lambda", region, account, f"function:{function}"),
        "invocationType": invocation_type,
    }
    mail = {
        "timestamp": iso_ms(moment),
        "source": sender,
        "messageId": message_id,
        "destination": list(recipients),
        "headersTruncated": False,
        "headers": [{"name": k, "value": v} for k, v in all_headers.items()],
        "commonHeaders": {
            "returnPath": sender,
            "from": [sender],
            "date": date,
            "to": list(recipients),
            "messageId": mail_id,
            "subject": subject,
        },
    }
    return {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {"mail": mail, "receipt": receipt},
            }
        ]
    }
