"""Exceptions as lambent's Lambda logger writes them (:mod:`lambent._tracebacks`): what
structlog's ``ExceptionDictTransformer(show_locals=False)`` gives, made without importing
structlog, so that a failure lambent logs leaves structlog unimported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
import structlog.tracebacks

from lambent._tracebacks import MAX_FRAMES, exception_dicts


def _deep(n: int) -> None:
    if n == 0:
        raise ValueError("deep")
    _deep(n - 1)


def _deep_in_a_group() -> None:
    errors: list[Exception] = []
    for depth in (1, MAX_FRAMES + 10):  # a member's long stack is not cut
        try:
            _deep(depth)
        except ValueError as exc:
            errors.append(exc)
    raise ExceptionGroup("members", errors)


def _cause_loop() -> None:
    first, second = ValueError("first"), KeyError("second")
    try:
        raise first
    except ValueError:
        try:
            raise second
        except KeyError:
            first.__context__ = second  # a loop in the chain: each exception once
            raise first from None


def _suppressed() -> None:
    try:
        int("x")
    except ValueError:
        raise KeyError("k") from None


def _falsy_cause() -> None:
    class Falsy(Exception):
        def __bool__(self) -> bool:
            return False

    try:
        raise Falsy("no")
    except Falsy as exc:
        raise RuntimeError("after") from exc


class _Renamed(Exception):
    pass


_Renamed.__name__ = "Other"


def _renamed() -> None:
    raise _Renamed("x")


@pytest.mark.parametrize(
    "fail",
    [
        lambda: _deep(MAX_FRAMES + 1),
        lambda: _deep(MAX_FRAMES - 3),
        _deep_in_a_group,
        _cause_loop,
        _suppressed,
        _falsy_cause,
        _renamed,
        lambda: eval("1 +"),
    ],
    ids=["cut", "uncut", "group", "loop", "suppressed", "falsy-cause", "renamed", "eval"],
)
def test_exceptions_are_the_transformers_dicts(fail: Callable[[], Any]) -> None:
    try:
        fail()
    except BaseException as exc:
        error = exc
    transformer = structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
    expected = json.loads(
        msgspec.json.encode(transformer((type(error), error, error.__traceback__)))
    )
    got = exception_dicts(error)
    assert json.loads(msgspec.json.encode(got)) == expected
    assert [list(stack) for stack in got] == [list(stack) for stack in expected]  # key order


def _raising_code(filename: str) -> Callable[[], Any]:
    """A function whose code says it comes from ``filename``."""
    namespace: dict[str, Any] = {}
    exec(compile("def fail():\n    raise ValueError('from ' + __name__)\n", filename, "exec"),
         namespace)  # fmt: skip
    fail: Callable[[], Any] = namespace["fail"]
    return fail


@pytest.mark.parametrize(
    "filename", ["relative/app.py", "/srv/./app/../app/handler.py"], ids=["relative", "absolute"]
)
def test_frame_file_names_are_absolute_from_the_current_directory(
    filename: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A frame's file name is the transformer's (``os.path.abspath``) at each rendering:
    a relative one follows the working directory (kept names are absolute ones only)."""
    fail = _raising_code(filename)
    transformer = structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
    for directory in (tmp_path / "one", tmp_path / "two", tmp_path / "one"):
        directory.mkdir(exist_ok=True)
        monkeypatch.chdir(directory)
        try:
            fail()
        except ValueError as exc:
            error = exc
        expected = transformer((type(error), error, error.__traceback__))
        got = exception_dicts(error)
        assert got[0]["frames"] == expected[0]["frames"]
        assert got[0]["frames"][-1]["filename"] == os.path.abspath(filename)


FAILING_PROBE = """
import json, sys
from lambent import App
from lambent.testing import FakeContext, http_request

app = App()

@app.get("/boom/{x}")
def boom(x: str) -> None:
    raise ValueError(x)

answer = app.handler(http_request("GET", "/boom/1", route="/boom/{x}"), FakeContext())
print(json.dumps({"status": answer["statusCode"], "structlog": "structlog" in sys.modules}))
"""


def test_a_failure_lambent_logs_in_lambda_leaves_structlog_unimported() -> None:
    """Inside Lambda (structlog not configured) lambent's own line, with its traceback,
    is written without structlog, which an app that never imports it never loads."""
    env = {"AWS_LAMBDA_FUNCTION_NAME": "fn", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", FAILING_PROBE], capture_output=True, text=True, check=True, env=env
    ).stdout.splitlines()
    line = json.loads(next(text for text in out if '"exception"' in text))
    assert line["exception"][0]["exc_type"] == "ValueError"
    assert json.loads(out[-1]) == {"status": 500, "structlog": False}
