"""A local Lambda on loopback cannot be driven by a web page (boto3's own tests are in
test_invoke_api.py and keep passing through the same guard)."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from lambent._errors import ConfigurationError
from lambent._local.errors import MAX_JSON_DEPTH
from lambent._local.server import LocalLambda
from tests.local.conftest import StartServer, fn, lambda_client

pytestmark = pytest.mark.network
PATH = "/2015-03-31/functions/echo/invocations"


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request("POST", PATH, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        kind = response.getheader("x-amzn-ErrorType", "")
        return response.status, {"type": kind, **(json.loads(data) if data else {})}
    finally:
        conn.close()


@pytest.fixture
def url(start_server: StartServer) -> str:
    return start_server([fn("echo")]).url


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_a_simple_cross_site_content_type_is_refused_unrun(url: str, content_type: str) -> None:
    status, body = _post(url, b'{"x": 1}', {"Content-Type": content_type})
    assert (status, body["type"]) == (415, "UnsupportedMediaTypeException")


@pytest.mark.parametrize(
    "content_type",
    [None, "application/json", "application/octet-stream", "application/x-amz-json-1.1"],
)
def test_sdk_content_types_are_accepted(url: str, content_type: str | None) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    status, body = _post(url, b'{"x": 1}', headers)
    assert status == 200 and body["event"] == {"x": 1}


def test_a_foreign_origin_is_refused(url: str) -> None:
    status, body = _post(
        url, b"{}", {"Origin": "https://evil.example", "Content-Type": "application/json"}
    )
    assert (status, body["type"]) == (403, "AccessDeniedException")
    assert "evil.example" in body["message"]


def test_a_foreign_host_is_refused_dns_rebinding(url: str) -> None:
    port = urlsplit(url).port
    status, body = _post(url, b"{}", {"Host": f"rebind.evil.example:{port}"})
    assert (status, body["type"]) == (403, "AccessDeniedException")
    status, _ = _post(url, b"{}", {"Host": f"localhost:{port}"})
    assert status == 200


def test_hostile_nesting_is_invalid_request_content(url: str) -> None:
    for depth in (MAX_JSON_DEPTH + 1, 990, 100_000):
        status, body = _post(url, b"[" * depth + b"]" * depth, {})
        assert (status, body["type"]) == (400, "InvalidRequestContentException"), depth
    status, _ = _post(url, b"[" * 50 + b"]" * 50, {})
    assert status == 200


def test_boto3_still_works_through_the_guard(url: str) -> None:
    answer = lambda_client(url).invoke(FunctionName="echo", Payload=b'{"ok": 1}')
    assert json.loads(answer["Payload"].read())["event"] == {"ok": 1}


def test_a_non_loopback_address_needs_allow_remote() -> None:
    with pytest.raises(ConfigurationError, match="--allow-remote"):
        LocalLambda([fn("echo")], host="0.0.0.0")
    assert LocalLambda([fn("echo")], host="0.0.0.0", allow_remote=True).remote
    assert not LocalLambda([fn("echo")], host="::1").remote
