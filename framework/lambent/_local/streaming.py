"""``InvokeWithResponseStream``: the event stream boto3 reads, and the path of the chunks.

The Invoke API answers ``POST /2021-11-15/functions/{name}/response-streaming-invocations``
with an AWS event stream (``application/vnd.amazon.eventstream`` framing): one
``PayloadChunk`` event per chunk, then ``InvokeComplete`` (``ErrorCode``,
``ErrorDetails``, ``LogResult``). A function whose runtime answers in the Runtime API's
streaming mode (``lambent.runtime`` streaming an HTTP response) has its chunks sent on
as they reach ``/response``: :data:`STREAM_SINK` carries the caller's :class:`Sink`
from the Invoke API down to the worker environment. Any other answer is sent as one
chunk when the invocation ends.

Known gap: aiohttp does not expose HTTP trailers, so an error a streaming runtime
reports in the ``Lambda-Runtime-Function-Error-*`` trailers after the body has started
is not seen here; the caller gets the chunks sent before it.
"""

from __future__ import annotations

import binascii
import struct
from contextvars import ContextVar

import anyio
import anyio.abc

#: the caller's sink of the invocation being run, when it was invoked with a stream
STREAM_SINK: ContextVar[Sink | None] = ContextVar("lambent_local_stream_sink", default=None)


class Sink:
    """Where a streaming ``/response`` puts its content type and chunks."""

    def __init__(self) -> None:
        self.send, self.receive = anyio.create_memory_object_stream[bytes](256)
        self.content_type: str | None = None
        self.started = anyio.Event()

    def start(self, content_type: str) -> None:
        self.content_type = content_type
        self.started.set()

    async def put(self, chunk: bytes) -> None:
        await self.send.send(chunk)

    def close(self) -> None:
        self.send.close()


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return (
        bytes([len(raw_name)]) + raw_name + b"\x07" + struct.pack(">H", len(raw_value)) + raw_value
    )


def event_message(event_type: str, payload: bytes, content_type: str) -> bytes:
    """One event-stream message: prelude with its CRC, headers, payload, message CRC."""
    headers = (
        _header(":event-type", event_type)
        + _header(":content-type", content_type)
        + _header(":message-type", "event")
    )
    total = 12 + len(headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", binascii.crc32(prelude))
    message = prelude + headers + payload
    return message + struct.pack(">I", binascii.crc32(message))
