"""What tools other than the pipeline read from a source (lambent.sources._tools): the
``Pollable`` of each source ``lambent poll`` reads, and the ``Front`` of each HTTP
request source ``lambent dev`` and the test client pose as."""

from __future__ import annotations

import re

import msgspec
import pytest

from lambent import sources
from lambent.sources._protocol import EventSource
from lambent.sources._tools import Front, Pollable

POLLED = [s for s in sources.specs() if s.poll is not None]
FRONTED = [s for s in sources.specs() if s.web is not None and s.web.front is not None]

ARNS = {
    "sqs": "arn:aws:sqs:us-east-1:123456789012:orders",
    "kinesis": "arn:aws:kinesis:us-east-1:123456789012:stream/orders",
    "dynamodb": "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000",
}


@pytest.mark.parametrize("spec", POLLED, ids=lambda s: s.kind)
def test_each_pollable_resource_pattern_names_an_arn_of_its_service(spec: EventSource) -> None:
    poll = spec.poll
    assert isinstance(poll, Pollable)
    arn = ARNS[poll.service]
    assert arn.split(":")[2] == poll.service
    found = re.match(poll.resource, arn.split(":", 5)[5])
    assert found is not None and found.group("name") == "orders"
    assert poll.decorator.startswith("app.")
    assert tuple(poll.route_keys(arn))  # something a route can match


def test_sqs_queue_urls_name_the_queue_and_the_default_route_key_is_the_arn() -> None:
    (sqs,) = [s.poll for s in POLLED if s.poll is not None and s.poll.service == "sqs"]
    assert sqs.url is not None and sqs.reader is None
    url = re.match(sqs.url, "https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo")
    assert url is not None and url.group("account") == "123456789012"
    assert url.group("name") == "orders.fifo"
    plain = Pollable(service="x", resource="^(?P<name>.+)$", decorator="app.x")
    assert tuple(plain.route_keys("arn:aws:x:r:1:n")) == ("arn:aws:x:r:1:n",)


@pytest.mark.parametrize("spec", FRONTED, ids=lambda s: s.kind)
def test_each_front_answers_failures_and_timeouts_as_a_server_error(spec: EventSource) -> None:
    front = spec.web.front if spec.web is not None else None
    assert isinstance(front, Front)
    for status, content_type, body in (front.error, front.timeout):
        assert 500 <= status < 600 and "/" in content_type and body


def test_front_and_pollable_are_frozen() -> None:
    front = Front(error=(502, "text/plain", b"x"), timeout=(504, "text/plain", b"y"))
    with pytest.raises(AttributeError):
        front.streams = True  # type: ignore[misc]
    assert msgspec.structs.replace(front, streams=True).streams
    assert FRONTED and POLLED
