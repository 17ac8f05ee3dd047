"""Lambda authorizers and the policy builder."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from lambent import App, ConfigurationError, HandlerError
from lambent.http import Policy, SimpleAuthorization, Unauthorized
from lambent.http._authorizer import AuthorizerRoutes
from lambent.sources.apigw_authorizer import ExecuteApiArn, RequestAuthorizerEvent
from lambent.testing import FakeContext, authorizer_event
from tests.http._shapes import assert_iam_policy


def test_policy_builder() -> None:
    arn = ExecuteApiArn("eu-west-1", "123456789012", "abc", "prod", "GET", "orders/1")
    out = (
        Policy("u1", context={"tier": "gold", "n": 1, "ok": True}, usage_identifier_key="key")
        .allow("get", "/orders/*")
        .deny("DELETE")
        .allow_arn("arn:aws:execute-api:eu-west-1:123456789012:abc/prod/POST/x")
        .render(arn)
    )
    assert_iam_policy(out)
    assert out["principalId"] == "u1" and out["context"] == {"tier": "gold", "n": 1, "ok": True}
    assert out["usageIdentifierKey"] == "key"
    allow, deny = out["policyDocument"]["Statement"]
    assert allow["Resource"] == [
        "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/orders/*",
        "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/POST/x",
    ]
    assert deny == {
        "Action": "execute-api:Invoke",
        "Effect": "Deny",
        "Resource": ["arn:aws:execute-api:eu-west-1:123456789012:abc/prod/DELETE/*"],
    }
    with pytest.raises(TypeError, match="context value 'nested' is a dict; API Gateway"):
        Policy("u", context={"nested": {"a": 1}})  # type: ignore[dict-item]
    with pytest.raises(ConfigurationError, match="needs at least one allow or deny"):
        Policy("u").render(arn)


async def test_token_and_request_and_http() -> None:
    app = App()

    @app.authorizer("TOKEN")
    def token(token: str, arn: ExecuteApiArn) -> Policy:
        if token != "Bearer good":
            raise Unauthorized
        return Policy("alice").allow(arn.method, arn.resource)

    @app.authorizer("REQUEST")
    async def request(event: RequestAuthorizerEvent) -> bool:
        return event.headers.get("x-key") == "k"

    @app.authorizer("HTTP")
    def http(token: str) -> SimpleAuthorization:
        return SimpleAuthorization(token == "Bearer good", {"user": "alice"})

    ok = await app.dispatch(
        authorizer_event("token", token="Bearer good", path="/orders/1"), FakeContext()
    )
    assert_iam_policy(ok)
    assert ok["policyDocument"]["Statement"][0]["Resource"][0].endswith("/prod/GET/orders/1")
    with pytest.raises(Unauthorized, match=r"^Unauthorized$"):
        await app.dispatch(authorizer_event("token", token="Bearer bad"), FakeContext())
    allowed = await app.dispatch(authorizer_event("request", headers={"X-Key": "k"}), FakeContext())
    assert allowed["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert allowed["policyDocument"]["Statement"][0]["Resource"][0].endswith("/prod/*/*")
    denied = await app.dispatch(authorizer_event("request"), FakeContext())
    assert denied["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    simple = await app.dispatch(authorizer_event("http", token="Bearer good"), FakeContext())
    assert simple == {"isAuthorized": True, "context": {"user": "alice"}}


async def test_any_kind_and_errors() -> None:
    app = App()

    @app.authorizer()
    def anything(event: object) -> None:
        return None  # deny

    # refused before the first invocation, for what they are (both were once passed by
    # the refusal of any route after it)
    with pytest.raises(ConfigurationError, match="unknown authorizer kind 'COOKIE'; use TOKEN"):
        app.authorizer("COOKIE")(anything)
    with pytest.raises(ConfigurationError, match="an authorizer for any kind is already"):
        app.authorizer()(anything)
    out = await app.dispatch(authorizer_event("http"), FakeContext())
    assert out == {"isAuthorized": False}
    with pytest.raises(ConfigurationError, match="the app has started handling events"):
        app.authorizer("TOKEN")(anything)


def test_an_exception_in_an_authorizer_is_logged_once() -> None:
    app = App()

    @app.authorizer("TOKEN")
    def check(token: str) -> bool:
        raise ValueError("bad key store")

    with capture_logs() as logs, pytest.raises(ValueError, match="bad key store"):
        app.handler(authorizer_event("token"), FakeContext())
    failures = [e for e in logs if e["log_level"] == "error"]
    assert len(failures) == 1
    assert failures[0]["event"] == "authorizer failed" and "bad key store" in failures[0]["error"]


@pytest.mark.parametrize(
    ("returned", "said"),
    [
        ("allow", "returned str"),
        (["allow"], "returned list"),
        (object(), "returned object"),
        (
            {"principalId": "u", "policyDocument": {}, "context": {"when": object()}},
            "cannot be sent as JSON",
        ),
        # a REST authorizer answers with a policy only (API Gateway: 500 to the client)
        ({"isAuthorized": True}, "without principalId and policyDocument; a REST authorizer"),
        ({"principalId": "u"}, "without policyDocument"),
    ],
)
def test_an_answer_that_is_no_decision_fails_the_invocation_naming_the_handler(
    returned: object, said: str
) -> None:
    # not a result the Lambda runtime would fail to send later
    app = App()

    @app.authorizer("TOKEN")
    def check(token: str) -> object:
        return returned

    with capture_logs() as logs, pytest.raises(HandlerError, match=said) as info:
        app.handler(authorizer_event("token"), FakeContext())
    assert info.value.handler.endswith("check")
    assert [e["event"] for e in logs if e["log_level"] == "error"] == ["invocation failed"]


def test_unauthorized_is_an_answer_not_an_error_to_log() -> None:
    app = App()

    @app.authorizer("TOKEN")
    def check(token: str) -> bool:
        raise Unauthorized

    with capture_logs() as logs, pytest.raises(Unauthorized):
        app.handler(authorizer_event("token"), FakeContext())
    assert [e for e in logs if e["log_level"] == "error"] == []


def _allow() -> bool:
    return True


def test_the_authorizer_matcher_takes_its_kind_else_the_catch_all() -> None:
    routes = AuthorizerRoutes()
    with pytest.raises(ConfigurationError, match="unknown authorizer kind 'COOKIE'"):
        AuthorizerRoutes.resolve("COOKIE", _allow)
    token = AuthorizerRoutes.resolve("token", _allow)
    routes.check(token)
    routes.insert(token)
    assert routes.lookup(token.key) is token and routes.lookup("other") is None
    anything = AuthorizerRoutes.resolve(None, _allow)
    routes.insert(anything)
    assert routes.lookup("other") is anything and anything.where == "authorizer (any)"
    with pytest.raises(ConfigurationError, match="for TOKEN is already registered"):
        routes.check(AuthorizerRoutes.resolve("TOKEN", _allow))
    assert [r.kind for r in routes] == ["token", None]


def test_an_http_api_authorizer_s_dict_goes_out_as_it_is() -> None:
    # payload 2.0: the simple answer and the policy are both the API's to read
    app = App()

    @app.authorizer("HTTP")
    def check(request: object) -> dict[str, object]:
        return {"isAuthorized": True, "context": {"user": "u"}}

    out = app.handler(authorizer_event("http"), FakeContext())
    assert out == {"isAuthorized": True, "context": {"user": "u"}}
