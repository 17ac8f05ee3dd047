"""The local Lambda server (lambent._local.server): started in a thread on 127.0.0.1, it
serves its functions at a URL, refuses to start without one, and a graceful stop reports
what was running and what was left."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from lambent._local.model import FunctionConfig
from lambent._local.server import LocalLambda, ServerThread
from tests.local.conftest import lambda_client

pytestmark = pytest.mark.network


def test_a_server_needs_a_function() -> None:
    with pytest.raises(ValueError, match="at least one function"):
        LocalLambda([])


def test_it_serves_its_functions_and_reports_a_quiet_stop() -> None:
    configs = [FunctionConfig(name="echo", target="tests.local.apps.handlers:echo")]
    output = io.StringIO()
    thread = ServerThread(LocalLambda(configs, output=output, shutdown_timeout=10.0))
    with thread as url:
        assert url.startswith("http://127.0.0.1:") and thread.url == url
        client: Any = lambda_client(url)
        answer = client.invoke(FunctionName="echo", Payload=b'{"n": 1}')
        assert json.loads(answer["Payload"].read())["event"] == {"n": 1}
        assert [f.config.name for f in thread.server.functions] == ["echo"]
        assert thread.call(lambda: thread.server.stop_requested) is False
    report = thread.report
    assert report is not None and (report.waited, report.left, report.persisted) == (0, 0, 0)
    assert thread.server.stop_requested


def test_say_writes_one_prefixed_line() -> None:
    output = io.StringIO()
    server = LocalLambda([FunctionConfig(name="f", target="x:y")], output=output)
    server.say("hello")
    assert output.getvalue() == "lambent: hello\n" and server.resumed == 0
