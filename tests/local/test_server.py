"""The local Lambda server (lambent._local.server): started in a thread on 127.0.0.1, it
serves its functions at a URL, refuses to start without one, and a graceful stop reports
what was running and what was left."""

from __future__ import annotations

import io
import json
import os
import sys
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


def test_in_process_functions_see_their_environment_from_import_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LAMBENT_TEST_STAGE", raising=False)
    target = "tests.local.apps.handlers:environ"
    configs = [FunctionConfig(name="env", target=target, environment={"LAMBENT_TEST_STAGE": "dev"})]
    thread = ServerThread(LocalLambda(configs, output=io.StringIO(), shutdown_timeout=10.0))
    monkeypatch.delitem(sys.modules, "tests.local.apps.handlers", raising=False)  # imported anew
    with thread as url:
        client: Any = lambda_client(url)
        answer = client.invoke(FunctionName="env", Payload=b'{"key": "LAMBENT_TEST_STAGE"}')
        assert json.loads(answer["Payload"].read()) == {"at_import": "dev", "now": "dev"}
    assert "LAMBENT_TEST_STAGE" not in os.environ  # restored when the server stopped


LAMBDA_VARIABLES = (
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
)


def _seen(client: Any, name: str) -> dict[str, str | None]:
    seen = {}
    for key in (*LAMBDA_VARIABLES, "AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_LOG_STREAM_NAME"):
        answer = client.invoke(FunctionName=name, Payload=json.dumps({"key": key}).encode())
        seen[key] = json.loads(answer["Payload"].read())["now"]
    return seen


def test_in_process_functions_get_the_variables_lambda_sets_that_they_share(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One process, one environment: what Lambda would set alike for every function
    served in it (all of it, for one function), never a Runtime API it does not have."""
    for key in LAMBDA_VARIABLES:
        monkeypatch.delenv(key, raising=False)
    target = "tests.local.apps.handlers:environ"
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    alone = [FunctionConfig(name="env", target=target, memory_mb=512, region="eu-west-1")]
    with ServerThread(LocalLambda(alone, output=io.StringIO(), shutdown_timeout=10.0)) as url:
        assert _seen(lambda_client(url), "env") == {
            "AWS_REGION": "eu-west-1",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{version}",
            "AWS_LAMBDA_FUNCTION_NAME": "env",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/env",
            "AWS_LAMBDA_RUNTIME_API": None,
            "AWS_LAMBDA_LOG_STREAM_NAME": None,
        }
    two = [*alone, FunctionConfig(name="other", target=target, memory_mb=512, region="eu-west-1")]
    with ServerThread(LocalLambda(two, output=io.StringIO(), shutdown_timeout=10.0)) as url:
        seen = _seen(lambda_client(url), "other")
    # the names and log groups differ: neither is set, rather than one function's for both
    assert seen["AWS_LAMBDA_FUNCTION_NAME"] is seen["AWS_LAMBDA_LOG_GROUP_NAME"] is None
    assert (seen["AWS_REGION"], seen["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]) == ("eu-west-1", "512")
    assert not any(key in os.environ for key in LAMBDA_VARIABLES)  # restored at the stop


@pytest.mark.parametrize(
    ("options", "told"),
    [
        ({"name": "my func"}, "function name 'my func'"),
        ({"name": "a" * 65}, "1 to 64 letters"),
        ({"region": "Europe"}, "region 'Europe' is no AWS region"),
        ({"account_id": "12"}, "account id '12' is not 12 digits"),
        ({"environment": {"AWS_REGION": "x"}}, "AWS_REGION is reserved"),
        ({"environment": {"1X": "x"}}, "environment variable '1X'"),
        ({"environment": {"X": "x"}}, "environment variable 'X'"),
        ({"environment": {"BIG": "a" * 4094}}, "Lambda allows 4096 in all"),
    ],
)
def test_a_function_lambda_would_not_create_is_refused(options: dict[str, Any], told: str) -> None:
    from lambent._errors import ConfigurationError

    config = FunctionConfig(**{"name": "f", "target": "x:y", **options})
    with pytest.raises(ConfigurationError, match=told.replace("(", r"\(")):
        LocalLambda([config])


def test_two_functions_of_one_name_are_refused() -> None:
    from lambent._errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="two functions are named 'f'"):
        LocalLambda(
            [FunctionConfig(name="f", target="x:y"), FunctionConfig(name="f", target="x:z")]
        )


def test_say_writes_one_prefixed_line() -> None:
    output = io.StringIO()
    server = LocalLambda([FunctionConfig(name="f", target="x:y")], output=output)
    server.say("hello")
    assert output.getvalue() == "lambent: hello\n" and server.resumed == 0
