"""AppSync direct Lambda resolvers: single and BatchInvoke, typed arguments, ordered
answers with per-element errors."""

from __future__ import annotations

import time
from typing import Any

import anyio
import anyio.lowlevel
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent import App, ConfigurationError, DecodeError, RoutingError, sources
from lambent.sources import appsync
from lambent.sources.appsync import (
    AppSyncCognitoIdentity,
    AppSyncError,
    AppSyncIamIdentity,
    AppSyncLambdaIdentity,
    AppSyncResolverEvent,
)
from lambent.testing import FakeContext, appsync_batch_event, appsync_event
from tests import corpus
from tests.sources import _support


class PostArgs(msgspec.Struct):
    id: int


@pytest.mark.parametrize("row", corpus.params("appsync"))
def test_corpus_events_are_detected_and_resolved_through_the_decorator(
    row: corpus.Row | None,
) -> None:
    raw = corpus.load(row)
    assert sources.detect(raw) == "appsync"
    contexts = raw if isinstance(raw, list) else [raw]
    first = msgspec.convert(contexts[0], AppSyncResolverEvent)
    app = App()

    @app.appsync(first.type_name, first.field_name)
    def resolve(arguments: dict[str, Any], event: AppSyncResolverEvent) -> dict[str, Any]:
        return {"field": f"{event.type_name}.{event.field_name}", "arguments": arguments}

    answer = app.handler(raw, FakeContext())
    want = [
        {"field": f"{first.type_name}.{first.field_name}", "arguments": c.get("arguments") or {}}
        for c in contexts
    ]
    assert answer == (want if isinstance(raw, list) else want[0])


@pytest.mark.parametrize("row", _support.decline_rows("appsync"))
def test_detector_declines_other_events(row: corpus.Row | None) -> None:
    _support.assert_declines(appsync.detect, row)


def test_arguments_decode_into_the_declared_type_and_the_value_is_the_answer() -> None:
    app = App()

    @app.appsync("Query", "getPost")
    def get_post(args: PostArgs) -> dict[str, Any]:
        return {"id": args.id, "title": f"post {args.id}"}

    assert app.handler(appsync_event("Query", "getPost", {"id": 7}), None) == {
        "id": 7,
        "title": "post 7",
    }


def test_a_single_resolver_error_fails_the_invocation() -> None:
    app = App()

    @app.appsync("Query", "getPost")
    def get_post(args: PostArgs) -> None:
        raise LookupError("no post 7")

    with pytest.raises(LookupError, match="no post 7"):
        app.handler(appsync_event("Query", "getPost", {"id": 7}), None)


def test_batch_answers_in_order_with_per_element_errors() -> None:
    app = App()

    @app.appsync("Post", "author")
    async def author(args: PostArgs) -> dict[str, Any] | None:
        await anyio.sleep(0.01 * (5 - args.id))  # later elements finish first
        if args.id == 2:
            raise AppSyncError("author hidden", error_type="Forbidden")
        if args.id == 3:
            raise ValueError("bad id")
        return {"name": f"author {args.id}"}

    event = appsync_batch_event(*({"id": i} for i in range(1, 5)))
    assert app.handler(event, FakeContext()) == [
        {"name": "author 1"},
        {"data": None, "errorMessage": "author hidden", "errorType": "Forbidden"},
        {"data": None, "errorMessage": "bad id", "errorType": "ValueError"},
        {"name": "author 4"},
    ]


def test_batch_elements_run_concurrently_within_the_bound() -> None:
    running = peak = 0

    app = App()

    @app.appsync("Post", "author", concurrency=3)
    async def author(args: PostArgs) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await anyio.sleep(0.05)
        running -= 1
        return args.id

    started = time.monotonic()
    answer = app.handler(appsync_batch_event(*({"id": i} for i in range(9))), FakeContext())
    assert answer == list(range(9))
    assert peak == 3
    assert time.monotonic() - started < 9 * 0.05  # not one after another


def test_an_element_no_route_takes_fails_alone() -> None:
    app = App()

    @app.appsync("Post", "author")
    def author(args: PostArgs) -> int:
        return args.id

    event = [*appsync_batch_event({"id": 1}), appsync_event("Post", "comments")]
    answer = app.handler(event, None)
    assert answer[0] == 1
    assert answer[1]["errorType"] == "RoutingError"


def test_amplify_style_payloads_route_by_top_level_names() -> None:
    app = App()

    @app.appsync("Merchant", "locations")
    def locations(arguments: dict[str, Any]) -> list[str]:
        return ["here"] * arguments["size"]

    raw = {"typeName": "Merchant", "fieldName": "locations", "arguments": {"size": 2}}
    assert sources.detect(raw) == "appsync"
    assert app.handler(raw, None) == ["here", "here"]


def test_identity_is_typed_by_its_authorization_mode() -> None:
    def identity(value: dict[str, Any] | None) -> Any:
        event = appsync_event(identity=value)
        return msgspec.convert(event, AppSyncResolverEvent).typed_identity

    assert identity(None) is None
    assert isinstance(identity({"accountId": "1", "userArn": "arn"}), AppSyncIamIdentity)
    assert isinstance(identity({"sub": "s", "issuer": "i"}), AppSyncCognitoIdentity)
    lam = identity({"resolverContext": {"user": "u"}})
    assert isinstance(lam, AppSyncLambdaIdentity) and lam.resolver_context == {"user": "u"}


@pytest.mark.parametrize(
    ("value", "mode", "path"),
    [
        ({"sub": 5, "issuer": "i"}, "AppSyncCognitoIdentity", "$.identity.sub"),
        ({"accountId": 1, "userArn": "arn"}, "AppSyncIamIdentity", "$.identity.accountId"),
        ({"resolverContext": "u"}, "AppSyncLambdaIdentity", "$.identity.resolverContext"),
    ],
)
def test_a_malformed_identity_is_a_decode_error_naming_the_field(
    value: dict[str, Any], mode: str, path: str
) -> None:
    event = msgspec.convert(appsync_event(identity=value), AppSyncResolverEvent)
    with pytest.raises(DecodeError) as info:
        event.typed_identity  # noqa: B018
    assert info.value.path == path
    assert f"not a valid {mode}" in str(info.value)


def test_a_malformed_identity_read_in_a_batch_fails_that_element_alone() -> None:
    app = App()

    @app.appsync("Post", "author")
    def author(args: dict[str, Any], event: AppSyncResolverEvent) -> str:
        identity = event.typed_identity
        return type(identity).__name__

    good, bad = appsync_batch_event({"id": 1}, {"id": 2})
    bad["identity"] = {"sub": 5, "issuer": "i"}
    good["identity"] = {"sub": "s", "issuer": "i"}
    answer = app.handler([good, bad], FakeContext())
    assert answer[0] == "AppSyncCognitoIdentity"
    assert answer[1]["errorType"] == "DecodeError"
    assert "$.identity.sub" in answer[1]["errorMessage"]


@pytest.mark.parametrize(
    "event",
    [
        {"authorizationToken": "t", "requestContext": {"apiId": "a"}},
        {"version": "2018-05-29", "operation": "Invoke", "payload": {}},
        [{"authorizationToken": "t"}],
        [],
    ],
)
def test_authorizers_and_mapping_documents_stay_direct(event: Any) -> None:
    assert sources.detect(event) == "direct"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1000), st.booleans()), min_size=1, max_size=30))
def test_a_batch_answer_has_one_element_per_context_in_order(
    elements: list[tuple[int, bool]],
) -> None:
    app = App()

    @app.appsync("Post", "author")
    async def author(args: PostArgs, event: AppSyncResolverEvent) -> int:
        if event.source and event.source["fail"]:
            raise AppSyncError(f"no author {args.id}", error_type="NotFound")
        await anyio.lowlevel.checkpoint()
        return args.id

    event = appsync_batch_event(
        *({"id": n} for n, _ in elements), sources=[{"fail": fail} for _, fail in elements]
    )
    answer = app.handler(event, FakeContext())
    assert answer == [
        {"data": None, "errorMessage": f"no author {n}", "errorType": "NotFound"} if fail else n
        for n, fail in elements
    ]


def test_an_element_that_cannot_be_sent_fails_alone() -> None:
    app = App()

    @app.appsync("Post", "author")
    def author(args: PostArgs) -> object:
        return object() if args.id == 2 else {"text": "\ud800" if args.id == 3 else "ok"}

    answer = app.handler(appsync_batch_event({"id": 1}, {"id": 2}, {"id": 3}), None)
    assert answer[0] == {"text": "ok"}
    for failed in answer[1:]:
        assert failed["errorType"] == "HandlerError"
        assert "cannot be sent as JSON" in failed["errorMessage"]
    assert "surrogates not allowed" in answer[2]["errorMessage"]
    # the answer as a whole can be sent: no UTF-8 text holds a lone surrogate, so the
    # runtime could not have encoded the list (every element would have failed)
    assert msgspec.json.decode(msgspec.json.encode(answer))[0] == {"text": "ok"}


@pytest.mark.parametrize(
    ("value", "problem"),
    [(float("nan"), "Out of range float"), ({"x": float("inf")}, "Out of range float")],
)
def test_a_value_json_has_no_number_for_fails_that_element(value: Any, problem: str) -> None:
    """msgspec would send NaN as null and the standard library as a NaN token that is not
    JSON: the element fails, saying why, and the others keep their values."""
    app = App()

    @app.appsync("Post", "author")
    def author(args: PostArgs) -> object:
        return value if args.id == 2 else args.id

    answer = app.handler(appsync_batch_event({"id": 1}, {"id": 2}), None)
    assert answer[0] == 1
    assert answer[1]["errorType"] == "HandlerError"
    assert problem in answer[1]["errorMessage"]
    assert "author" in answer[1]["errorMessage"]  # names the route


def test_an_appsync_error_keeps_to_sendable_text_and_data() -> None:
    app = App()

    @app.appsync("Post", "author")
    def author(args: PostArgs) -> object:
        raise AppSyncError("bad \ud800", error_type="Odd\udc00", data={"score": float("nan")})

    (answer,) = app.handler(appsync_batch_event({"id": 1}), None)
    assert answer == {"data": None, "errorMessage": "bad \\ud800", "errorType": "Odd\\udc00"}
    msgspec.json.encode(answer)


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (("Query.getPost",), "app.appsync('Query', 'getPost')"),
        (("Query", "Query.getPost"), "app.appsync('Query', 'getPost')"),
        (("Query", "get post"), "a GraphQL name"),
        (("Query ",), "a GraphQL name"),
    ],
)
def test_a_name_no_event_can_carry_is_refused_at_registration(
    args: tuple[str, ...], hint: str
) -> None:
    with pytest.raises(ConfigurationError, match="is not a GraphQL name") as raised:
        App().appsync(*args)
    assert hint in str(raised.value)


@pytest.mark.parametrize(
    ("args", "takes", "leaves"),
    [
        (("Query", "getPost"), ("Query", "getPost"), ("Query", "getPosts")),
        (("Q*", "get*"), ("Query", "getPosts"), ("Query", "listPosts")),
        (("[QM]*",), ("Mutation", "addPost"), ("Subscription", "onPost")),
        ((None, "_x1"), ("Mutation", "_x1"), ("Mutation", "_x2")),
    ],
)
def test_names_and_globs_of_names_are_accepted_and_take_their_fields(
    args: tuple[str | None, ...], takes: tuple[str, str], leaves: tuple[str, str]
) -> None:
    app = App()

    @app.appsync(*args)
    def resolve() -> str:
        return "resolved"

    assert app.handler(appsync_event(*takes), FakeContext()) == "resolved"
    with pytest.raises(RoutingError, match="no route for this appsync event"):
        app.handler(appsync_event(*leaves), FakeContext())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("arguments", ["not", "an", "object"]),
        ("source", "not an object"),
        ("request", {"headers": {"x-number": 7}}),
        ("info", {"fieldName": "author", "parentTypeName": "Post", "variables": []}),
    ],
)
def test_an_element_that_does_not_decode_fails_alone(field: str, value: Any) -> None:
    app = App()
    ran: list[int] = []

    @app.appsync("Post", "author")
    async def author(args: PostArgs) -> int:
        ran.append(args.id)
        return args.id

    event = appsync_batch_event({"id": 1}, {"id": 2}, {"id": 3})
    event[1] = {**event[1], field: value}
    answer = app.handler(event, FakeContext())
    assert answer[0] == 1 and answer[2] == 3
    assert sorted(ran) == [1, 3]
    assert set(answer[1]) == {"data", "errorMessage", "errorType"}
    assert answer[1]["errorType"] == "DecodeError"
    assert answer[1]["data"] is None
    assert f"$.{field}" in answer[1]["errorMessage"]  # names the field
    assert "Post.author" in answer[1]["errorMessage"]  # and the element


def test_arguments_that_do_not_fit_the_handlers_type_fail_that_element_alone() -> None:
    app = App()

    @app.appsync("Post", "author")
    def author(args: PostArgs) -> int:
        return args.id

    event = appsync_batch_event({"id": 1}, {"id": "two"}, {"id": 3})
    answer = app.handler(event, None)
    assert answer[0] == 1 and answer[2] == 3
    assert answer[1]["errorType"] == "DecodeError"
    assert "id" in answer[1]["errorMessage"]


def test_an_element_that_is_not_an_object_fails_alone() -> None:
    app = App()

    @app.appsync("Post", "author")
    def author(args: PostArgs) -> int:
        return args.id

    event: list[Any] = [*appsync_batch_event({"id": 1}), "junk", None]
    answer = app.handler(event, None)
    assert answer[0] == 1
    assert [a["errorType"] for a in answer[1:]] == ["DecodeError", "DecodeError"]
    assert all("?.?" in a["errorMessage"] for a in answer[1:])


def test_a_route_after_a_glob_that_takes_all_its_fields_is_refused() -> None:
    """Routes of as many filters are tried in registration order: ``getPost`` after
    ``Query``/``*`` would never have run (the catch-all answered every getPost)."""
    app = App()

    @app.appsync("Query", "*")
    def any_query(args: dict[str, Any]) -> str:
        return "any"

    with pytest.raises(ConfigurationError, match="both would take the same events"):

        @app.appsync("Query", "getPost")
        def get_post(args: dict[str, Any]) -> str:
            return "one"

    other = App()

    @other.appsync("Query", "getPost")
    def first(args: dict[str, Any]) -> str:
        return "one"

    @other.appsync("Query", "*")
    def rest(args: dict[str, Any]) -> str:
        return "any"

    assert other.handler(appsync_event("Query", "getPost", {}), None) == "one"
    assert other.handler(appsync_event("Query", "listPosts", {}), None) == "any"
