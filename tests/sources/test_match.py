"""Route predicates (:mod:`lambent.sources._match`): names and ARNs, globs, overlaps."""

from __future__ import annotations

import fnmatch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent import App, ConfigurationError
from lambent.sources._match import (
    Filter,
    arn_name,
    covers,
    exact_filter,
    glob,
    glob_shadow,
    pair,
    resource,
    resource_filter,
    same_resource,
    shown,
    uncovered,
)

NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=12)


def _queue_arn(name: str) -> str:
    return f"arn:aws:sqs:us-east-1:123456789012:{name}"


def _stream_arn(name: str) -> str:
    return f"arn:aws:kinesis:us-east-1:123456789012:stream/{name}"


@given(name=NAMES, other=NAMES)
def test_a_name_matches_the_arns_of_that_resource_only(name: str, other: str) -> None:
    for arn in (_queue_arn(name), _stream_arn(name)):
        assert arn_name(arn) == name
        assert resource(name)(arn)
        assert resource(arn)(arn)
        assert resource(other)(arn) is (other == name)
    assert resource(None)(_queue_arn(name))


@given(a=st.none() | NAMES, b=st.none() | NAMES)
def test_same_resource_is_symmetric_and_sees_names_in_arns(a: str | None, b: str | None) -> None:
    assert same_resource(a, b) is same_resource(b, a)
    if a is not None:
        assert same_resource(a, _queue_arn(a))
        assert not same_resource(a, None)


@given(pattern=st.text(alphabet="ab*?", max_size=5), key=st.text(alphabet="ab", max_size=5))
def test_glob_is_fnmatch_and_plain_text_is_equality(pattern: str, key: str) -> None:
    assert glob(pattern)(key) is fnmatch.fnmatchcase(key, pattern)
    assert glob(None)(key)


def test_filters_show_what_is_set_and_compile_a_predicate() -> None:
    assert shown(queue="orders", events=None, prefix="") == (("queue", "orders"), ("prefix", ""))
    assert resource_filter("queue", None) == Filter()
    only = exact_filter("topic", "t")
    assert only.shown == (("topic", "t"),) and only.matches("t") and not only.matches("u")
    both = pair(glob("shop.*"), glob(None))
    assert both(("shop.orders", "x")) and not both(("other", "x"))


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("https://sqs.us-east-1.amazonaws.com/123456789012/orders", "its last part, 'orders'"),
        ("http://localhost:4566/000000000000/orders/", "its last part, 'orders'"),
        ("orders/dlq", "a name has no '/', ':' or spaces"),
        ("orders queue", "a name has no '/', ':' or spaces"),
        ("sqs:orders", "a name has no '/', ':' or spaces"),
    ],
)
def test_a_resource_that_is_neither_a_name_nor_an_arn_is_refused(value: str, hint: str) -> None:
    # it would match no event: each batch would fail with "no route"
    with pytest.raises(ConfigurationError, match="neither a name nor an ARN") as info:
        resource_filter("queue", value)
    assert f"queue {value!r}" in str(info.value) and hint in str(info.value)


@pytest.mark.parametrize(
    ("decorator", "field", "value"),
    [
        ("sqs", "queue", "jo*"),
        ("sns", "topic", "alerts-?"),
        ("kinesis", "stream", "clicks-[ab]"),
        ("firehose", "stream", "arn:aws:firehose:us-east-1:123456789012:deliverystream/*"),
        ("dynamodb", "table", "orders*"),
        ("kafka", "topic", "orders.*"),
    ],
)
def test_a_resource_glob_is_refused_as_it_would_match_no_event(
    decorator: str, field: str, value: str
) -> None:
    # no queue, topic, stream or table name holds a glob character: the route would
    # never run, and each batch would fail with "no route"
    app = App()
    with pytest.raises(ConfigurationError, match=f"{field} .* is a glob") as info:
        getattr(app, decorator)(value)
    assert f"leave {field} out to take every one" in str(info.value)
    assert list(app.routes) == []


def test_a_dynamodb_table_that_is_neither_a_name_nor_an_arn_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="table 'https://x/orders' is neither"):
        App().dynamodb("https://x/orders")


@given(NAMES)
def test_names_and_arns_are_taken(name: str) -> None:
    for value in (name, _queue_arn(name), _stream_arn(name)):
        assert resource_filter("queue", value).shown == (("queue", value),)


#: pieces of globs, in the syntax lambent takes (fnmatch's: ``*``, ``?``, ``[set]``,
#: ``[!set]``, ranges, ``]`` first in a set)
PIECES = ["a", "b", "-", "*", "?", "[ab]", "[!a]", "[a-c]", "[!-]", "[]a]", "[c-a]"]
GLOBS = st.lists(st.sampled_from(PIECES), max_size=5)
#: characters keys are made of: those the pieces name, and one they do not
ALPHABET = "abc-]x"


def _sample(pieces: list[str], data: st.DataObject) -> str:
    """A key the glob of ``pieces`` matches, each piece filled in by ``data``."""
    key = ""
    for piece in pieces:
        if piece == "*":
            key += data.draw(st.text(alphabet=ALPHABET, max_size=6))
        elif piece == "?":
            key += data.draw(st.sampled_from(ALPHABET))
        elif piece.startswith("["):
            fits = [ch for ch in ALPHABET if fnmatch.fnmatchcase(ch, piece)]
            if not fits:  # an empty range: the glob matches nothing
                return ""
            key += data.draw(st.sampled_from(fits))
        else:
            key += piece
    return key


def _keys(length: int) -> list[str]:
    keys = [""]
    for _ in range(length):
        keys += [k + ch for k in keys if len(k) == len(keys[-1]) for ch in ALPHABET]
    return keys


SHORT_KEYS = _keys(3)


@given(a=GLOBS, b=GLOBS, data=st.data())
def test_covers_decides_whether_a_glob_takes_every_key_of_another(
    a: list[str], b: list[str], data: st.DataObject
) -> None:
    """Exact both ways: when ``covers`` says yes, every key ``b`` matches (sampled, and
    every short one) ``a`` matches too; when it says no, ``uncovered`` names a key ``b``
    matches and ``a`` does not."""
    pattern, value = "".join(a), "".join(b)
    if covers(pattern, value):
        key = _sample(b, data)
        if glob(value)(key):
            assert glob(pattern)(key), (pattern, value, key)
        for key in SHORT_KEYS:
            if glob(value)(key):
                assert glob(pattern)(key), (pattern, value, key)
        assert uncovered(pattern, value) is None
    else:
        found = uncovered(pattern, value)  # small globs: always found
        assert found is not None, (pattern, value)
        assert glob(value)(found) and not glob(pattern)(found), (pattern, value, found)


@pytest.mark.parametrize(
    ("pattern", "value", "covered"),
    [
        ("nightly-*", "nightly-[ab]*", True),  # a narrower glob after a wider one
        ("nightly-*", "nightly-?", True),
        ("nightly-*", "nightly-[!x]", True),
        ("nightly-*", "nightly-report", True),
        ("nightly-*", "nightly?*", False),  # nightly_x
        ("nightly-[ab]*", "nightly-*", False),
        ("nightly-[a-c]", "nightly-[b-c]", True),
        ("nightly-[!b]", "nightly-[!bc]", True),
        ("nightly-[!bc]", "nightly-[!b]", False),  # nightly-c
        ("Order*", "Order*Placed", True),
        ("*Placed", "Order*", False),
        ("a[", "a[", True),  # an unclosed [ is the character
        ("*", "[c-a]", True),  # an empty range matches nothing
    ],
)
def test_covers_reads_character_classes_and_question_marks(
    pattern: str, value: str, covered: bool
) -> None:
    assert covers(pattern, value) is covered
    key = uncovered(pattern, value)
    assert (key is None) is covered
    if key is not None:
        assert glob(value)(key) and not glob(pattern)(key)


def test_globs_too_intricate_to_compare_are_not_claimed_to_cover() -> None:
    # a glob whose states blow up: no false conflict, and no hang at registration
    many = "*-" + "?" * 16
    assert covers(many, many)  # the same glob
    assert not covers(many, many + "?") and uncovered(many, many + "?") is None


def test_a_route_shadowed_by_an_earlier_glob_overlaps_and_the_other_order_does_not() -> None:
    overlaps = glob_shadow("type_name", "field_name")
    catch_all = {"type_name": "Query", "field_name": "*"}
    one = {"type_name": "Query", "field_name": "getPost"}
    assert overlaps(catch_all, one)  # registered after the catch-all: never tried
    assert not overlaps(one, catch_all)  # tried first, the catch-all takes the rest
    assert not overlaps({"type_name": "Query"}, one)  # fewer filters: tried after ``one``
    assert not overlaps({"type_name": "Post", "field_name": "*"}, one)
