"""Start-up failures told as one line that says what to fix (lambent.poll._errors), for
the errors botocore raises: a missing resource, a denied permission, an unreadable error
body, and anything else."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from lambent.poll import PollError, parse_source
from lambent.poll._errors import explain

QUEUE = parse_source("arn:aws:sqs:eu-west-1:123456789012:orders", "us-east-1")
PERMISSIONS = "sqs:ReceiveMessage and sqs:DeleteMessage"


def client_error(code: str, message: str, status: int = 400) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "ReceiveMessage")


def told(exc: Exception) -> str:
    found = explain(exc, QUEUE, "queue", PERMISSIONS)
    assert isinstance(found, PollError)
    return str(found)


@pytest.mark.parametrize(
    "exc",
    [
        client_error("AWS.SimpleQueueService.NonExistentQueue", "gone"),
        client_error("QueueDoesNotExist", ""),
        client_error("ResourceNotFoundException", "Stream x not found"),
        client_error("Other", "The specified queue does not exist"),
    ],
)
def test_a_missing_resource_names_it_and_the_region(exc: Exception) -> None:
    assert told(exc) == f"queue {QUEUE.arn} does not exist in region eu-west-1"


@pytest.mark.parametrize("code", ["AccessDenied", "ExpiredToken", "InvalidClientTokenId"])
def test_a_denied_call_names_the_permissions_needed(code: str) -> None:
    line = told(client_error(code, "  no  "))
    assert line.startswith(f"not allowed to read queue {QUEUE.arn} ({code}: no)")
    assert line.endswith(f"the poller needs {PERMISSIONS}")


def test_an_xml_body_botocore_could_not_read_is_read_for_its_code() -> None:
    xml = "<ErrorResponse><Error><Code>AccessDenied</Code><Message>not you</Message></Error>"
    assert "(AccessDenied: not you)" in told(client_error("403", xml, 403))
    assert "(AccessDenied: <html>" in told(client_error("403", "<html>", 403))


def test_other_errors_keep_their_code_and_one_line_message() -> None:
    assert told(client_error("KmsDisabled", "key\n   disabled")) == (
        f"queue {QUEUE.arn}: KmsDisabled: key disabled"
    )
    offline = EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
    assert told(offline) == f"queue {QUEUE.arn}: {offline}"
    assert told(ValueError("odd")) == f"queue {QUEUE.arn}: ValueError: odd"
    assert "\n" not in told(client_error("X", "a\nb"))
