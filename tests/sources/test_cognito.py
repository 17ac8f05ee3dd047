"""Cognito user-pool triggers: detection by keys, typed requests, the echoed answer."""

from __future__ import annotations

import json
import time
from typing import Any

import anyio
import msgspec
import pytest

from lambent import (
    App,
    ConfigurationError,
    DeadlineExceeded,
    HandlerError,
    RoutingError,
    sources,
)
from lambent.sources import cognito
from lambent.sources.cognito import (
    AccessTokenGeneration,
    ClaimsAndScopeOverrideDetails,
    CognitoEvent,
    CustomSenderRequest,
    DefineAuthChallengeRequest,
    InboundFederationRequest,
    PreSignUpRequest,
    PreSignUpResponse,
    PreTokenGenerationV2Request,
    PreTokenGenerationV2Response,
    UserMigrationRequest,
    UserMigrationResponse,
)
from lambent.testing import FakeContext, cognito_event
from tests import corpus
from tests.sources import _support

#: a request Struct for each trigger name (what a handler of that trigger declares)
REQUESTS: dict[str, type[Any]] = {
    "PreSignUp": PreSignUpRequest,
    "PostConfirmation": cognito.PostConfirmationRequest,
    "PreAuthentication": cognito.PreAuthenticationRequest,
    "PostAuthentication": cognito.PostAuthenticationRequest,
    "DefineAuthChallenge": DefineAuthChallengeRequest,
    "CreateAuthChallenge": cognito.CreateAuthChallengeRequest,
    "VerifyAuthChallengeResponse": cognito.VerifyAuthChallengeRequest,
    "TokenGeneration": PreTokenGenerationV2Request,
    "UserMigration": UserMigrationRequest,
    "CustomMessage": cognito.CustomMessageRequest,
    "CustomEmailSender": CustomSenderRequest,
    "CustomSMSSender": CustomSenderRequest,
    "InboundFederation": InboundFederationRequest,
}


@pytest.mark.parametrize("row", corpus.params("cognito"))
def test_corpus_events_are_detected_and_answered_through_the_decorator(
    row: corpus.Row | None,
) -> None:
    raw = corpus.load(row)
    assert sources.detect(raw) == "cognito"
    event = msgspec.convert(raw, CognitoEvent)
    app = App()
    seen: list[Any] = []
    request_type = REQUESTS.get(event.trigger)

    # routed by its trigger name; placeholder trigger sources reach a catch-all route
    trigger = event.trigger if event.trigger in cognito.TRIGGERS else None

    @app.cognito(trigger)
    def any_trigger(request: dict[str, Any], event: CognitoEvent) -> None:
        if request_type is not None:
            seen.append(msgspec.convert(request, request_type))
        else:
            seen.append(request)

    answer = app.handler(raw, FakeContext())
    assert len(seen) == 1
    assert answer == {**raw, "response": raw.get("response") or {}}  # echoed, nothing added


@pytest.mark.parametrize("row", _support.decline_rows("cognito"))
def test_detector_declines_other_events(row: corpus.Row | None) -> None:
    _support.assert_declines(cognito.detect, row)


def test_the_handler_result_fills_response_in_the_echo() -> None:
    app = App()

    @app.cognito("PreSignUp")
    def pre_signup(request: PreSignUpRequest) -> PreSignUpResponse:
        return PreSignUpResponse(
            auto_confirm_user=request.user_attributes["email"].endswith(".org")
        )

    raw = cognito_event("PreSignUp_SignUp", user_attributes={"email": "ada@math.org"}, seed=1)
    raw["response"] = {"autoVerifyEmail": False}
    answer = app.handler(raw, FakeContext())
    assert answer == {**raw, "response": {"autoVerifyEmail": False, "autoConfirmUser": True}}


def test_nested_response_structs_send_their_wire_names() -> None:
    app = App()

    @app.cognito("PreTokenGeneration")
    def tokens(request: PreTokenGenerationV2Request) -> PreTokenGenerationV2Response:
        return PreTokenGenerationV2Response(
            claims_and_scope_override_details=ClaimsAndScopeOverrideDetails(
                access_token_generation=AccessTokenGeneration(
                    scopes_to_add=[*request.scopes, "orders:read"]
                )
            )
        )

    raw = cognito_event(
        "TokenGeneration_Authentication",
        version="2",
        request={"userAttributes": {}, "scopes": ["openid"]},
    )
    answer = app.handler(raw, FakeContext())
    assert answer["response"] == {
        "claimsAndScopeOverrideDetails": {
            "accessTokenGeneration": {"scopesToAdd": ["openid", "orders:read"]}
        }
    }


def test_user_migration_names_enable_sms_mfa_as_cognito_does() -> None:
    app = App()

    @app.cognito("UserMigration_Authentication")
    def migrate(request: UserMigrationRequest) -> UserMigrationResponse:
        return UserMigrationResponse(final_user_status="CONFIRMED", enable_sms_mfa=True)

    answer = app.handler(cognito_event("UserMigration_Authentication", request={}), None)
    assert answer["response"] == {"finalUserStatus": "CONFIRMED", "enableSMSMFA": True}


def test_a_mapping_result_is_merged_as_is_and_none_changes_nothing() -> None:
    app = App()

    @app.cognito("DefineAuthChallenge")
    def define(request: DefineAuthChallengeRequest) -> dict[str, Any]:
        return {"issueTokens": all(s.challenge_result for s in request.session)}

    @app.cognito("PostConfirmation")
    def confirmed(request: cognito.PostConfirmationRequest) -> None:
        return None

    raw = cognito_event(
        "DefineAuthChallenge_Authentication",
        request={
            "userAttributes": {},
            "session": [{"challengeName": "X", "challengeResult": True}],
        },
    )
    assert app.handler(raw, None)["response"] == {"issueTokens": True}
    raw = cognito_event("PostConfirmation_ConfirmSignUp")
    assert app.handler(raw, None) == raw


def test_an_exception_rejects_the_operation_with_its_message() -> None:
    app = App()

    @app.cognito("PreAuthentication")
    def gate(request: cognito.PreAuthenticationRequest) -> None:
        raise PermissionError("This account is locked")

    with pytest.raises(PermissionError, match="This account is locked"):
        app.handler(cognito_event("PreAuthentication_Authentication"), None)


def test_routes_by_trigger_name_full_source_and_glob() -> None:
    app = App()
    calls: list[str] = []

    @app.cognito("CustomMessage_ForgotPassword")
    def forgot(request: dict[str, Any]) -> None:
        calls.append("forgot")

    @app.cognito("CustomEmailSender")
    def sender(request: CustomSenderRequest) -> None:
        calls.append(f"sender {request.type}")

    @app.cognito("PostAuth*")
    def post_auth(request: dict[str, Any]) -> None:
        calls.append("post-auth")

    app.handler(cognito_event("CustomMessage_ForgotPassword"), None)
    sent = cognito_event(
        "CustomEmailSender_SignUp", request={"type": "customEmailSenderRequestV1", "code": "x"}
    )
    assert "response" not in sent
    app.handler(sent, None)
    app.handler(cognito_event("PostAuthentication_Authentication"), None)
    assert calls == ["forgot", "sender customEmailSenderRequestV1", "post-auth"]
    with pytest.raises(RoutingError):
        app.handler(cognito_event("CustomMessage_SignUp"), None)


def test_unknown_trigger_names_and_overlapping_routes_are_refused() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="unknown trigger 'PreSignup'"):
        app.cognito("PreSignup")

    @app.cognito("PreSignUp")
    def one(request: dict[str, Any]) -> None: ...

    with pytest.raises(ConfigurationError, match="conflicts"):

        @app.cognito("PreSignUp_AdminCreateUser")
        def two(request: dict[str, Any]) -> None: ...


def test_a_request_that_does_not_fit_the_declared_type_fails_naming_the_field() -> None:
    app = App()

    @app.cognito("PreSignUp")
    def strict(request: PreSignUpRequest) -> None: ...

    raw = cognito_event("PreSignUp_SignUp", request={"userAttributes": "not a map"})
    with pytest.raises(Exception, match="userAttributes"):
        app.handler(raw, None)


def test_cognito_sync_events_stay_direct() -> None:
    sync = {
        "datasetName": "d",
        "eventType": "SyncTrigger",
        "region": "us-east-1",
        "identityId": "i",
        "datasetRecords": {},
        "identityPoolId": "p",
        "version": 2,
    }
    assert sources.detect(sync) == "direct"


class Halt(BaseException):
    """A BaseException that is not an Exception."""


def test_odd_results_and_base_exceptions_become_handler_errors() -> None:
    app = App()

    @app.cognito("PreSignUp")
    def odd(request: dict[str, Any]) -> object:
        return object()

    @app.cognito("PostConfirmation")
    def halts(request: dict[str, Any]) -> None:
        raise Halt()

    with pytest.raises(HandlerError, match=r"cognito route \(trigger='PreSignUp'\).*object"):
        app.handler(cognito_event("PreSignUp_SignUp"), None)
    with pytest.raises(HandlerError, match="raised Halt") as info:
        app.handler(cognito_event("PostConfirmation_ConfirmSignUp"), None)
    assert isinstance(info.value.__cause__, Halt)


async def test_a_large_event_from_bytes_is_echoed_as_it_came() -> None:
    app = App()

    @app.cognito("PreSignUp")
    def pre_signup(request: PreSignUpRequest) -> PreSignUpResponse:
        return PreSignUpResponse(auto_confirm_user=True)

    event = cognito_event("PreSignUp_SignUp", request={"userAttributes": {"bio": "x" * 40_000}})
    raw = json.dumps(event).encode()
    want = {**event, "response": {"autoConfirmUser": True}}
    assert await app.dispatch_bytes(raw, FakeContext()) == want
    assert await app.dispatch(event, FakeContext()) == want


def test_a_handler_still_running_at_the_functions_deadline_fails_the_invocation() -> None:
    """As documented: the deadline is the function's (a 5 s timeout matches Cognito's)."""
    app = App(deadline_margin=0.1)

    @app.cognito("PreSignUp")
    async def slow(request: PreSignUpRequest) -> None:
        await anyio.sleep(10)

    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        app.handler(cognito_event("PreSignUp_SignUp"), FakeContext(timeout=0.4))
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("trigger", "hint"),
    [
        ("PreSignup_SignUp", "did you mean 'PreSignUp'?"),
        ("PreTokenGeneration_HostedAuth", "start with 'TokenGeneration_'"),
        ("PreSignUp_", "unknown trigger in the triggerSource"),
    ],
)
def test_a_full_trigger_source_of_an_unknown_trigger_is_refused(trigger: str, hint: str) -> None:
    """Such a route registered and never matched: Cognito sends no such triggerSource."""
    with pytest.raises(ConfigurationError, match="no event would match it") as raised:
        App().cognito(trigger)
    assert hint in str(raised.value)


@pytest.mark.parametrize(
    ("trigger", "takes", "leaves"),
    [
        ("PreSignUp_SignUp", "PreSignUp_SignUp", "PreSignUp_AdminCreateUser"),
        ("TokenGeneration_RefreshTokens", "TokenGeneration_RefreshTokens",
         "TokenGeneration_Authentication"),
        ("PreSignUp_*", "PreSignUp_AdminCreateUser", "PostConfirmation_ConfirmSignUp"),
        ("*_SignUp", "PreSignUp_SignUp", "PreSignUp_AdminCreateUser"),
    ],
)  # fmt: skip
def test_full_trigger_sources_and_globs_register_and_take_their_events(
    trigger: str, takes: str, leaves: str
) -> None:
    app = App()
    got: list[str] = []

    @app.cognito(trigger)
    def handle(request: dict[str, Any], event: CognitoEvent) -> None:
        got.append(event.trigger_source)

    app.handler(cognito_event(takes), FakeContext())
    with pytest.raises(RoutingError, match="no route for this cognito event"):
        app.handler(cognito_event(leaves), FakeContext())
    assert got == [takes]


def test_a_response_struct_of_another_trigger_fails_naming_the_right_one() -> None:
    app = App()

    @app.cognito("PreSignUp")
    def pre_signup(request: PreSignUpRequest) -> object:
        return UserMigrationResponse(final_user_status="CONFIRMED")

    @app.cognito("PostConfirmation")
    def post_confirmation(request: dict[str, Any]) -> object:
        return PreSignUpResponse(auto_confirm_user=True)

    with pytest.raises(HandlerError, match="return PreSignUpResponse, a mapping or None"):
        app.handler(cognito_event("PreSignUp_SignUp"), None)
    with pytest.raises(HandlerError, match="it reads no response: return None"):
        app.handler(cognito_event("PostConfirmation_ConfirmSignUp"), None)


def test_pre_token_generation_takes_either_version_of_its_response() -> None:
    app = App()

    @app.cognito("PreTokenGeneration")
    def tokens(request: dict[str, Any]) -> object:
        return PreTokenGenerationV2Response(
            claims_and_scope_override_details=ClaimsAndScopeOverrideDetails()
        )

    answer = app.handler(cognito_event("TokenGeneration_Authentication", version="2"), None)
    assert answer["response"] == {"claimsAndScopeOverrideDetails": {}}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"claims": float("nan")}, "Out of range float"),
        ({"note": "\ud800"}, "surrogates not allowed"),
    ],
)
def test_a_response_that_cannot_be_sent_fails_naming_the_route(value: Any, problem: str) -> None:
    """Such a value went into the echoed event: NaN as a token Cognito cannot read, a lone
    surrogate failing the runtime's encoding with no word of the route."""
    app = App()

    @app.cognito("PreSignUp")
    def pre_signup(request: dict[str, Any]) -> object:
        return value

    with pytest.raises(HandlerError, match=r"cognito route \(trigger='PreSignUp'\)") as raised:
        app.handler(cognito_event("PreSignUp_SignUp"), None)
    assert problem in str(raised.value)


def test_a_handler_annotated_to_return_another_triggers_response_is_refused() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="return PreSignUpResponse") as raised:

        @app.cognito("PreSignUp_SignUp")
        def pre_signup(request: PreSignUpRequest) -> UserMigrationResponse | None: ...

    assert "annotated to return UserMigrationResponse" in str(raised.value)
    with pytest.raises(ConfigurationError, match=r"return None \(it reads no response\)"):

        @app.cognito("PostConfirmation")
        def confirmed(request: dict[str, Any]) -> PreSignUpResponse:
            return PreSignUpResponse()


def test_handlers_annotated_with_their_own_response_or_none_register_and_answer() -> None:
    app = App()

    @app.cognito("PreSignUp")
    def pre_signup(request: PreSignUpRequest) -> PreSignUpResponse | None:
        return PreSignUpResponse(auto_confirm_user=True)

    @app.cognito("PreTokenGeneration")
    def tokens(request: dict[str, Any]) -> PreTokenGenerationV2Response:
        return PreTokenGenerationV2Response()

    @app.cognito("PostConfirmation")
    def confirmed(request: dict[str, Any]) -> None: ...

    @app.cognito("Custom*")
    def any_custom(request: dict[str, Any]) -> UserMigrationResponse:  # a glob: not checked
        return UserMigrationResponse()

    signed_up = app.handler(cognito_event("PreSignUp_SignUp"), FakeContext())
    assert signed_up["response"]["autoConfirmUser"] is True
    token = app.handler(cognito_event("TokenGeneration_Authentication", version="2"), None)
    assert token["response"] == {}
    event = cognito_event("PostConfirmation_ConfirmSignUp")
    assert app.handler(event, FakeContext()) == event


@pytest.mark.parametrize(
    ("trigger_source", "key", "wire_name"),
    [
        ("PreSignUp_SignUp", "auto_confirm_user", "autoConfirmUser"),
        ("UserMigration_Authentication", "enable_sms_mfa", "enableSMSMFA"),
        ("CustomMessage_SignUp", "EmailSubject", "emailSubject"),
    ],
)
def test_a_mapping_key_spelt_otherwise_than_cognito_reads_it_fails(
    trigger_source: str, key: str, wire_name: str
) -> None:
    """Cognito ignores a key it does not know: the sign-up was not confirmed, silently."""
    app = App()

    @app.cognito(trigger_source)
    def handler(request: dict[str, Any]) -> dict[str, Any]:
        return {key: True}

    with pytest.raises(HandlerError, match=f"Cognito reads '{wire_name}'"):
        app.handler(cognito_event(trigger_source), None)


def test_mapping_keys_lambent_does_not_know_pass_as_they_are() -> None:
    app = App()

    @app.cognito("PreSignUp")
    def handler(request: dict[str, Any]) -> dict[str, Any]:
        return {"autoConfirmUser": True, "someNewerField": 1}

    answer = app.handler(cognito_event("PreSignUp_SignUp"), None)
    assert answer["response"] == {"autoConfirmUser": True, "someNewerField": 1}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("PreSignUp_*", "PreSignUp_SignUp"),
        ("*_SignUp", "PreSignUp_SignUp"),
        ("*", "PostConfirmation"),
    ],
)
def test_a_route_after_a_glob_that_takes_all_its_events_is_refused(first: str, second: str) -> None:
    app = App()
    app.cognito(first)(lambda request: None)
    with pytest.raises(ConfigurationError, match="both would take the same events"):
        app.cognito(second)(lambda request: None)
    other = App()
    other.cognito(second)(lambda request: None)
    other.cognito(first)(lambda request: None)  # tried after: it takes the rest


def test_a_glob_over_every_source_of_a_trigger_name_conflicts_either_way() -> None:
    for routes in (("PreSignUp_*", "PreSignUp"), ("PreSignUp", "PreSignUp_*")):
        app = App()
        app.cognito(routes[0])(lambda request: None)
        with pytest.raises(ConfigurationError, match="both would take the same events"):
            app.cognito(routes[1])(lambda request: None)


def test_returning_the_whole_event_fails_saying_what_to_return() -> None:
    """AWS's examples set event["response"] and return the event: its fields went into
    ``response`` (triggerSource, userPoolId, ... among the sign-up's answers)."""
    app = App()

    @app.cognito("PreSignUp")
    def as_a_mapping(request: dict[str, Any]) -> dict[str, Any]:
        event = cognito_event("PreSignUp_SignUp")
        event["response"]["autoConfirmUser"] = True
        return event

    @app.cognito("PostConfirmation")
    def as_the_struct(event: CognitoEvent) -> CognitoEvent:
        return event

    with pytest.raises(HandlerError, match="returned the whole event"):
        app.handler(cognito_event("PreSignUp_SignUp"), None)
    with pytest.raises(HandlerError, match="lambent echoes the event itself"):
        app.handler(cognito_event("PostConfirmation_ConfirmSignUp"), None)


def test_a_full_source_then_its_trigger_name_still_conflict() -> None:
    app = App()
    app.cognito("PreSignUp_SignUp")(lambda request: None)
    with pytest.raises(ConfigurationError, match="both would take the same events"):
        app.cognito("PreSignUp")(lambda request: None)
