"""The Runtime API's HTTP/1.1 without I/O (lambent.runtime._wire): responses parsed from
a buffer however the bytes arrive (whole, byte by byte, pipelined; Content-Length or
chunked), and request heads."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent.runtime._wire import RuntimeAPIError, host_port, parse_response, request_head

header_values = st.text("abcdefghij0123456789-/ ;=", max_size=12).map(str.strip)
headers = st.dictionaries(
    st.sampled_from(["X-Id", "Lambda-Runtime-Aws-Request-Id", "Date"]), header_values, max_size=3
)


@st.composite
def responses(draw: st.DrawFn) -> tuple[bytes, int, dict[str, str], bytes]:
    status = draw(st.sampled_from([200, 202, 400, 403, 413, 500]))
    extra = draw(headers)
    body = draw(st.binary(max_size=64))
    head = f"HTTP/1.1 {status} Whatever\r\n" + "".join(f"{k}: {v}\r\n" for k, v in extra.items())
    expected = {k.lower(): v for k, v in extra.items()}
    if draw(st.booleans()):
        cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=4)))
        parts = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
        chunks = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in parts if p)
        trailer = draw(st.sampled_from([b"", b"Lambda-Runtime-Function-Error-Type: X\r\n"]))
        wire = (
            (head + "Transfer-Encoding: chunked\r\n\r\n").encode()
            + chunks
            + b"0\r\n"
            + trailer
            + b"\r\n"
        )
        expected["transfer-encoding"] = "chunked"
    else:
        wire = (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        expected["content-length"] = str(len(body))
    return wire, status, expected, body


@given(responses(), responses())
def test_a_response_is_parsed_only_once_whole_and_pipelined_ones_one_by_one(
    first: tuple[bytes, int, dict[str, str], bytes],
    second: tuple[bytes, int, dict[str, str], bytes],
) -> None:
    wire, status, expected, body = first
    for cut in range(len(wire)):
        prefix = bytearray(wire[:cut])
        assert parse_response(prefix) is None and prefix == wire[:cut]  # nothing consumed
    buffer = bytearray(wire + second[0])
    assert parse_response(buffer) == (status, expected, body)
    assert parse_response(buffer) == second[1:]
    assert buffer == bytearray()


@pytest.mark.parametrize("line", [b"garbage", b"HTTP/1.1 OK", b"HTTP/1.1"])
def test_a_status_line_that_is_not_http_is_a_runtime_api_error(line: bytes) -> None:
    with pytest.raises(RuntimeAPIError, match="the Runtime API sent"):
        parse_response(bytearray(line + b"\r\n\r\n"))


def test_an_endless_head_is_refused() -> None:
    assert parse_response(bytearray(b"HTTP/1.1 200 OK\r\nX: " + b"a" * 1000)) is None
    with pytest.raises(RuntimeAPIError, match="oversized header"):
        parse_response(bytearray(b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70_000))


def test_a_chunk_size_that_is_not_hex_is_a_runtime_api_error() -> None:
    for size in (b"zz", b"-1", b"1_0"):
        wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + size
        with pytest.raises(RuntimeAPIError, match="chunk size"):
            parse_response(bytearray(wire + b"\r\nab\r\n0\r\n\r\n"))


def test_request_heads_carry_the_host_headers_and_a_body_length() -> None:
    head = request_head(
        "POST", "/2018-06-01/runtime/invocation/abc/response", "127.0.0.1:9001",
        {"Content-Type": "application/json"}, b'{"ok":true}',
    )  # fmt: skip
    assert head == (
        b"POST /2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\n"
        b"Host: 127.0.0.1:9001\r\nContent-Type: application/json\r\n"
        b"Content-Length: 11\r\n\r\n"
    )
    streamed = request_head("GET", "/next", "h", {}, None, "Transfer-Encoding: chunked\r\n")
    assert streamed == b"GET /next HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1:9001", ("127.0.0.1", 9001)),
        ("localhost:80", ("localhost", 80)),
        ("[::1]:9001", ("::1", 9001)),
        (":9001", ("127.0.0.1", 9001)),
    ],
)
def test_host_port_reads_the_runtime_api_address(address: str, expected: tuple[str, int]) -> None:
    assert host_port(address) == expected
