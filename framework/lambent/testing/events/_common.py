"""What every event factory shares: ids, ARNs, clocks and payload encoding.

Factories take ``seed=`` (ids drawn from a seeded generator) and ``at=`` (the event
time; default now). With both given an event is the same on every call.
"""

from __future__ import annotations

import base64
import random
import string
import typing
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec

#: the region and account factories use unless told otherwise
REGION = "us-east-1"
ACCOUNT = "123456789012"

#: an event's time: an aware datetime or epoch seconds (``None``: now)
When = datetime | float | None

T = TypeVar("T")

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Ids:
    """Random identifiers in the formats AWS uses, reproducible from a seed."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng: random.Random = random.Random(seed) if seed is not None else random.Random()

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def hex(self, length: int, *, upper: bool = False) -> str:
        text = f"{self._rng.getrandbits(length * 4):0{length}x}"
        return text.upper() if upper else text

    def digits(self, length: int) -> str:
        first = self._rng.choice("123456789")
        return first + "".join(self._rng.choice(string.digits) for _ in range(length - 1))

    def chars(self, length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self._rng.choice(alphabet) for _ in range(length))

    def token(self, nbytes: int) -> str:
        """Base64 text of ``nbytes`` random bytes (receipt handles, signatures)."""
        return base64.b64encode(self._rng.randbytes(nbytes)).decode()

    def lower(self, length: int) -> str:
        return self.chars(length, string.ascii_lowercase + string.digits)

    def upper(self, length: int) -> str:
        return self.chars(length, string.ascii_uppercase + string.digits)


def timestamp(at: When) -> float:
    """Epoch seconds of ``at`` (now when ``None``); ``ValueError`` for anything else than
    a number or a datetime."""
    if at is None:
        return datetime.now(UTC).timestamp()
    if isinstance(at, datetime):
        return at.timestamp()
    if isinstance(at, int | float) and not isinstance(at, bool):
        return float(at)
    raise ValueError(f"at= is epoch seconds or a datetime, not {at!r}")


def one_of(option: str, value: object, allowed: Any, hint: str = "") -> None:
    """``ValueError`` naming ``option`` and the values it takes when ``value`` is none of
    ``allowed`` (a ``Literal`` type's values, or any collection of them)."""
    choices = typing.get_args(allowed) or tuple(allowed)
    if value not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{option} is one of {shown}, not {value!r}{hint}")


def epoch_ms(at: When) -> int:
    return int(timestamp(at) * 1000)


def iso_ms(seconds: float) -> str:
    """``2024-01-31T12:00:00.123Z`` (SNS, S3, SES)."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_s(seconds: float) -> str:
    """``2024-01-31T12:00:00Z`` (EventBridge)."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def clf(seconds: float) -> str:
    """``31/Jan/2024:12:00:00 +0000`` (API Gateway ``requestTime``)."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return f"{moment:%d}/{_MONTHS[moment.month - 1]}/{moment:%Y:%H:%M:%S} +0000"


def text(payload: Any) -> str:
    """A payload as the text a source carries: str as is, bytes as UTF-8, else JSON."""
    if isinstance(payload, str):
        return payload
    if isinstance(payload, bytes | bytearray):
        return bytes(payload).decode()
    return msgspec.json.encode(payload).decode()


def raw(payload: Any) -> bytes:
    """A payload as bytes: bytes as is, str as UTF-8, else JSON."""
    if isinstance(payload, bytes | bytearray):
        return bytes(payload)
    return text(payload).encode()


def b64(payload: Any) -> str:
    """A payload base64-encoded (Kinesis ``data``, Kafka ``value``, MQ ``data``)."""
    return base64.b64encode(raw(payload)).decode()


def builtins(value: Any) -> Any:
    """A JSON-able copy of ``value`` (Structs, dataclasses and the like become dicts)."""
    return msgspec.to_builtins(value)


def per_item(value: T | Sequence[T] | None, index: int, default: T) -> T:
    """A per-record option: one value for all, or one value per record (cycled)."""
    if value is None:
        return default
    if isinstance(value, list | tuple):
        if not value:
            return default
        item: T = value[index % len(value)]
        return item
    single: T = value  # type: ignore[assignment]
    return single


def arn(service: str, region: str, account: str, resource: str) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def arn_parts(value: str, service: str, resource: str) -> tuple[str, str, str]:
    """The region, account and resource of ``value``, an ARN of ``service`` whose
    resource looks like ``resource`` (shown in the error); ``ValueError`` naming the
    expected form otherwise."""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[2] != service or not parts[3] or not parts[4] or not parts[5]:
        raise ValueError(
            f"not a {service} ARN (arn:aws:{service}:REGION:ACCOUNT:{resource}): {value!r}"
        )
    return parts[3], parts[4], parts[5]


def increasing(ids: Ids, length: int, count: int, *, step: int = 1) -> list[str]:
    """``count`` increasing decimal sequence numbers of ``length`` digits."""
    first = int(ids.digits(length)) // 10 * 10
    return [str(first + i * step) for i in range(count)]
