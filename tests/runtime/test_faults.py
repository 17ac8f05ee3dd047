"""Errors as awslambdaric reports them, and handler loading as it does it
(lambent.runtime._faults): the error document, its text log line, the X-Ray cause, and a
``Runtime.*`` fault for each way loading a handler fails."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent.runtime._faults import (
    Fault,
    error_from,
    load_handler,
    log_error,
    make_error,
    message_of,
    xray_cause,
)


def _raised() -> ValueError:
    try:
        raise ValueError("bad order")
    except ValueError as exc:
        return exc


def test_the_error_document_of_an_exception_keeps_the_users_frames() -> None:
    doc = error_from(_raised(), "req-1")
    assert list(doc) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert (doc["errorMessage"], doc["errorType"], doc["requestId"]) == (
        "bad order",
        "ValueError",
        "req-1",
    )
    assert len(doc["stackTrace"]) == 1 and "_raised" in doc["stackTrace"][0]
    assert error_from(ValueError("never raised"))["stackTrace"] == []
    assert make_error("", "", [], None) == {
        "errorMessage": "", "errorType": "", "requestId": "", "stackTrace": [],
    }  # fmt: skip


class _Unprintable(Exception):
    def __init__(self, text: object) -> None:
        super().__init__()
        self.text = text

    def __str__(self) -> str:
        if isinstance(self.text, str):
            raise RuntimeError(self.text)
        return self.text  # type: ignore[return-value]  # what the user's bug returns


@pytest.mark.parametrize("text", ["__str__ raises", 42, None], ids=["raises", "int", "none"])
def test_an_exception_whose_str_fails_is_still_reported(text: object) -> None:
    # awslambdaric's str(exc) raises there, and its process dies: an invocation error here
    exc = _Unprintable(text)
    assert message_of(exc) == "<exception str() failed>"
    doc = error_from(exc, "req-1")
    assert (doc["errorType"], doc["errorMessage"]) == ("_Unprintable", "<exception str() failed>")
    cause = json.loads(xray_cause(exc))
    assert cause["exceptions"][0]["message"] == "<exception str() failed>"
    assert message_of(ValueError("plain")) == "plain"


def test_a_fault_keeps_its_own_type_and_trace() -> None:
    fault = Fault(Fault.HANDLER_NOT_FOUND, "Handler 'h' missing on module 'm'", ["  here"])
    doc = error_from(fault)
    assert (doc["errorType"], doc["stackTrace"]) == ("Runtime.HandlerNotFound", ["  here"])
    cause = json.loads(xray_cause(fault))
    assert cause["exceptions"] == [
        {
            "message": "Handler 'h' missing on module 'm'",
            "type": "LambdaValidationError",
            "stack": [],
        }
    ]


def test_the_xray_cause_names_the_frames() -> None:
    cause = json.loads(xray_cause(_raised()))
    (exception,) = cause["exceptions"]
    assert (exception["type"], exception["message"]) == ("ValueError", "bad order")
    assert [frame["label"] for frame in exception["stack"]] == ["_raised"]
    assert cause["paths"] == [__file__]


@given(
    st.text(max_size=40).filter(lambda t: "\n" not in t),
    st.text(max_size=20).filter(lambda t: "\n" not in t),
    st.lists(st.text(max_size=30), max_size=4),
)
def test_the_log_line_is_one_line_whatever_the_trace_holds(
    message: str, error_type: str, trace: list[str]
) -> None:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        log_error(make_error(message, error_type, trace))
    text = out.getvalue()
    assert text.startswith("[ERROR]") and text.endswith("\n") and text.count("\n") == 1


def test_the_log_line_joins_lines_with_cr_and_keeps_indents(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log_error(make_error("bad", "ValueError", ['  File "x.py", line 1, in h\n    raise X\n']))
    assert capsys.readouterr().out == (
        "[ERROR] ValueError: bad\rTraceback (most recent call last):\r"
        '\u00a0\u00a0File "x.py", line 1, in h\r\u00a0\u00a0\u00a0\u00a0raise X\n'
    )


@pytest.mark.parametrize(
    ("handler", "error_type", "words"),
    [
        ("nodot", "Runtime.MalformedHandlerName", "Bad handler 'nodot'"),
        ("sys.handler", "Runtime.BuiltInModuleConflict", "built-in module sys"),
        (
            "tests.runtime.apps.import_error.handler",
            "Runtime.ImportModuleError",
            "lambent_no_such_module",
        ),
        ("tests.runtime.apps.plain.nope", "Runtime.HandlerNotFound", "Handler 'nope' missing"),
    ],
)
def test_each_way_loading_fails_is_a_runtime_fault(
    handler: str, error_type: str, words: str
) -> None:
    with pytest.raises(Fault) as info:
        load_handler(handler)
    assert info.value.error_type == error_type and words in info.value.message


def test_a_handler_loads_by_module_path_with_dots_or_slashes() -> None:
    from tests.runtime.apps import plain

    assert load_handler("tests.runtime.apps.plain.echo") is plain.echo
    assert load_handler("tests/runtime/apps/plain.echo") is plain.echo
