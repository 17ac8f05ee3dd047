"""lambent's exceptions: the tree the module draws is the tree the classes form, the
messages name what failed, and ``describe``/``printable`` never fail on what they show."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lambent
from lambent import (
    App,
    BatchFailedError,
    ConfigurationError,
    DecodeError,
    EventDecodeError,
    HandlerError,
    LambentError,
    ResponseTooLargeError,
    RoutingError,
    _errors,
)
from lambent._errors import OptionError, describe, printable


def _drawn_tree() -> dict[str, str]:
    """class -> parent, as the module docstring draws it."""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in (_errors.__doc__ or "").splitlines():
        found = re.match(r"^(\s*)(?:[│ ]*[├└]── )?([A-Z]\w+)(?:\s|$)", line)
        if not found or not found.group(2).endswith(("Error", "Exceeded")):
            continue
        depth = len(line) - len(line.lstrip(" │├└─"))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[found.group(2)] = stack[-1][1]
        stack.append((depth, found.group(2)))
    return parents


def test_the_drawn_tree_is_the_class_tree() -> None:
    drawn = _drawn_tree()
    classes = {
        name: cls
        for name, cls in vars(_errors).items()
        if isinstance(cls, type) and issubclass(cls, LambentError) and cls is not LambentError
    }
    assert set(drawn) == set(classes)
    for name, parent in drawn.items():
        assert classes[name].__bases__[0] is getattr(_errors, parent), name


def test_the_tree_is_exported_from_lambent() -> None:
    """Users catch them as ``lambent.X`` (``OptionError`` as a ConfigurationError or a
    TypeError)."""
    exported = {n for n in lambent.__all__ if n in _drawn_tree()}
    assert exported == set(_drawn_tree()) - {"OptionError"}
    assert all(getattr(lambent, n) is getattr(_errors, n) for n in exported)


def test_routing_error_names_the_source_and_what_was_looked_at() -> None:
    error = RoutingError("sqs", {"queue": "orders"})
    assert (error.source, error.keys) == ("sqs", {"queue": "orders"})
    assert str(error) == "no route for this sqs event (queue='orders')"
    assert str(RoutingError("direct", {})) == "no route for this direct event (no keys)"
    assert str(RoutingError("s3", {}, "the batch is empty")) == "the batch is empty"


def test_decode_errors_name_the_record_and_the_field() -> None:
    error = DecodeError("Expected `int`, got `str`", record_id="m-1", path="$.qty")
    assert (error.record_id, error.path, error.reason) == (
        "m-1",
        "$.qty",
        "Expected `int`, got `str`",
    )
    assert str(error) == "record 'm-1': Expected `int`, got `str` (at $.qty)"
    whole = EventDecodeError("missing field `Records`")
    assert isinstance(whole, DecodeError) and whole.record_id is None
    assert str(whole) == "event: missing field `Records` (at $)"


def test_batch_failed_error_lists_the_failed_records() -> None:
    error = BatchFailedError("mq", ["a", "b"])
    assert error.failed_ids == ["a", "b"]
    assert str(error) == "2 mq record(s) failed, the whole batch will be retried: a, b"
    detailed = BatchFailedError("mq", ["a"], ["a: ValueError: bad"])
    assert str(detailed).endswith("retried: a: ValueError: bad")


def test_handler_and_size_errors_name_the_culprit() -> None:
    error = HandlerError("orders.create", "returned a value JSON cannot encode")
    assert error.handler == "orders.create"
    assert str(error) == "orders.create: returned a value JSON cannot encode"
    big = ResponseTooLargeError("the response", 7_000_000, 6_291_556)
    assert (big.size, big.limit) == (7_000_000, 6_291_556)
    assert str(big) == "the response is 7000000 bytes, over the 6291556-byte limit"


def test_a_misspelt_option_is_a_configuration_error_and_a_type_error() -> None:
    with pytest.raises(
        OptionError, match="get: got an unexpected keyword argument 'threded'"
    ) as info:
        App().get("/orders", threded=True)  # type: ignore[call-arg]
    assert isinstance(info.value, ConfigurationError) and isinstance(info.value, TypeError)


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text")


def test_describe_shows_the_type_and_the_message_and_never_raises() -> None:
    assert describe(ValueError("bad qty")) == "ValueError: bad qty"
    assert describe(KeyError()) == "KeyError"
    assert describe(Unprintable()) == "Unprintable: <str() failed>"
    assert describe(ValueError("id-\ud800")) == "ValueError: id-\\ud800"


@given(st.text())
def test_printable_text_is_writable_as_utf8_and_changes_only_lone_surrogates(text: str) -> None:
    shown = printable(text)
    shown.encode("utf-8")  # never a UnicodeEncodeError
    if not any("\ud800" <= c <= "\udfff" for c in text):
        assert shown == text
    else:
        assert shown == text.encode("utf-8", "backslashreplace").decode("utf-8")


@given(st.text(), st.sampled_from([ValueError, RuntimeError, LambentError]))
def test_describe_of_any_message_is_writable(text: str, kind: type[Exception]) -> None:
    shown = describe(kind(text))
    shown.encode("utf-8")
    assert shown.startswith(kind.__name__)
