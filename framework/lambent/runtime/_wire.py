"""The HTTP/1.1 of the Runtime API, without I/O: request heads and response parsing.

Shared by the asynchronous client (:mod:`lambent.runtime._http`) and the synchronous
one (:mod:`lambent.runtime._sync`).
"""

from __future__ import annotations

from collections.abc import Mapping

_MAX_HEAD = 64 * 1024


class RuntimeAPIError(Exception):
    """The Runtime API could not be reached or answered something that is not HTTP."""


def host_port(address: str) -> tuple[str, int]:
    """``AWS_LAMBDA_RUNTIME_API``'s ``host:port`` (an IPv6 host in brackets; no host:
    the loopback address)."""
    host, _, port = address.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def parse_response(buffer: bytearray) -> tuple[int, dict[str, str], bytes] | None:
    """One whole HTTP response taken from the front of ``buffer`` (status, headers with
    lower-case names, body), or ``None`` while it is incomplete. Shared by the
    asynchronous and the synchronous client."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if len(buffer) > _MAX_HEAD:
            raise RuntimeAPIError("the Runtime API sent an oversized header")
        return None
    lines = bytes(buffer[:end]).decode("utf-8", "replace").split("\r\n")
    try:
        status = int(lines[0].split(" ", 2)[1])
    except (IndexError, ValueError):
        raise RuntimeAPIError(f"the Runtime API sent {lines[0]!r}") from None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    start = end + 4
    if headers.get("transfer-encoding", "").lower() == "chunked":
        found = _chunked(buffer, start)
        if found is None:
            return None
        body, consumed = found
    else:
        consumed = start + int(headers.get("content-length", "0") or 0)
        if len(buffer) < consumed:
            return None
        body = bytes(buffer[start:consumed])
    del buffer[:consumed]
    return status, headers, body


def _chunked(buffer: bytearray, at: int) -> tuple[bytes, int] | None:
    """A chunked body starting at ``at``: the body and where the message ends."""
    parts: list[bytes] = []
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return None
        size_text = bytes(buffer[at:line_end]).split(b";")[0]
        if not size_text.strip().isalnum():  # int() would take "-1", "+1" and "1_0"
            raise RuntimeAPIError(f"the Runtime API sent a chunk size of {size_text!r}")
        try:
            size = int(size_text, 16)
        except ValueError:
            raise RuntimeAPIError(f"the Runtime API sent a chunk size of {size_text!r}") from None
        at = line_end + 2
        if size == 0:
            while True:  # trailers, then the empty line
                line_end = buffer.find(b"\r\n", at)
                if line_end < 0:
                    return None
                if line_end == at:
                    return b"".join(parts), at + 2
                at = line_end + 2
        if len(buffer) < at + size + 2:
            return None
        parts.append(bytes(buffer[at : at + size]))
        at += size + 2


def request_head(
    method: str,
    path: str,
    host: str,
    headers: Mapping[str, str],
    body: bytes | None,
    extra: str = "",
) -> bytes:
    """The request line and headers (``Content-Length`` for a ``body``; ``extra`` lines)."""
    lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    if body is not None:
        lines += f"Content-Length: {len(body)}\r\n"
    return f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{lines}{extra}\r\n".encode()
