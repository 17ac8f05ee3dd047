"""The PUT to a pre-signed URL (``lambent.sources._presigned_put``): what cannot be sent
is reported at once, what cannot be reached is retried within the time left. The bytes
it sends are checked against a real HTTP server in ``test_cloudformation.py``."""

from __future__ import annotations

import time

import pytest

from lambent.sources._presigned_put import ResponseNotDelivered, put_response, time_left
from lambent.testing import FakeContext


@pytest.mark.parametrize(
    "url",
    ["", "ftp://x/y", "http:///no-host", "http://127.0.0.1:x/", "http://h/a b", "http://h/\ud800"],
)
def test_an_unusable_response_url_is_reported_at_once(url: str) -> None:
    started = time.monotonic()
    with pytest.raises(ResponseNotDelivered, match="not a usable http"):
        put_response(url, b"{}", time_left=5.0)
    assert time.monotonic() - started < 0.5  # not retried


def test_an_unreachable_url_is_retried_then_reported() -> None:
    started = time.monotonic()
    with pytest.raises(ResponseNotDelivered, match=r"could not be PUT .*ConnectionRefused"):
        put_response("http://127.0.0.1:9/x", b"{}", time_left=1.0, attempts=2)
    assert time.monotonic() - started < 1.0


def test_no_attempt_is_made_without_time_left() -> None:
    with pytest.raises(ResponseNotDelivered, match="no attempt fitted in the time left"):
        put_response("http://127.0.0.1:9/x", b"{}", time_left=0.0)


def test_the_time_left_keeps_a_tenth_of_a_second_of_the_invocation() -> None:
    assert time_left(FakeContext(timeout=5.0)) == pytest.approx(4.9, abs=0.05)
    assert time_left(FakeContext(timeout=0.05)) == 0.0
    assert time_left(None) == 30.0
