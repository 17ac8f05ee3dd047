"""Amazon Cognito user-pool triggers (LAMBDA.md §8.1).

Every trigger sends one envelope: ``version``, ``triggerSource``, ``region``,
``userPoolId``, ``userName``, ``callerContext``, ``request`` and (except the asynchronous
custom sender triggers) ``response``. Cognito expects the *same event back* with
``response`` filled in, within 5 s; an error rejects the operation and its message
reaches the end user. lambent does not cut a handler at those 5 s: its deadline is the
function's own (``docs/sources/cognito.md`` says to give trigger functions a timeout
of about 5 s so that the two agree).

Detection is by keys (``triggerSource`` and ``userPoolId``), never by the value: SDK
fixtures carry placeholders (``trigger_source``, ``PreTokenGen``, ``/``-joined lists).
Routing is by value: the route key is ``triggerSource``, and ``app.cognito(trigger)``
takes a trigger name (``"PreSignUp"``: every ``PreSignUp_*`` source; the LambdaConfig
name ``"PreTokenGeneration"`` for the ``TokenGeneration_*`` sources), one full source
(``"PreSignUp_SignUp"``) or a glob. A handler's payload is ``request``, decoded into the
Struct it declares (:class:`PreSignUpRequest`, ...); what it returns (a response Struct
such as :class:`PreSignUpResponse`, a mapping of wire fields, or ``None``) is merged
into the event's ``response``.
"""

from __future__ import annotations

import difflib
import fnmatch
import types
import typing
from collections.abc import Hashable, Mapping
from typing import Any

import msgspec

from lambent._errors import ConfigurationError, HandlerError
from lambent.sources._answer import handler_name, json_value, object_payload, own_error
from lambent.sources._base import Outcome, SourceSpec
from lambent.sources._cognito_triggers import (
    _PREFIXES,
    RESPONSES,
    TRIGGERS,
    AccessTokenGeneration,
    ChallengeResult,
    ClaimsAndScopeOverrideDetails,
    ClaimsOverrideDetails,
    CreateAuthChallengeRequest,
    CreateAuthChallengeResponse,
    CustomMessageRequest,
    CustomMessageResponse,
    CustomSenderRequest,
    DefineAuthChallengeRequest,
    DefineAuthChallengeResponse,
    GroupConfiguration,
    InboundFederationRequest,
    InboundFederationResponse,
    PostAuthenticationRequest,
    PostConfirmationRequest,
    PreAuthenticationRequest,
    PreSignUpRequest,
    PreSignUpResponse,
    PreTokenGenerationRequest,
    PreTokenGenerationResponse,
    PreTokenGenerationV2Request,
    PreTokenGenerationV2Response,
    TokenGeneration,
    UserMigrationRequest,
    UserMigrationResponse,
    VerifyAuthChallengeRequest,
    VerifyAuthChallengeResponse,
    _Response,
)
from lambent.sources._match import Filter, covers, shown

__all__ = [
    "RESPONSES",
    "SPECS",
    "TRIGGERS",
    "AccessTokenGeneration",
    "CallerContext",
    "ChallengeResult",
    "ClaimsAndScopeOverrideDetails",
    "ClaimsOverrideDetails",
    "CognitoEvent",
    "CreateAuthChallengeRequest",
    "CreateAuthChallengeResponse",
    "CustomMessageRequest",
    "CustomMessageResponse",
    "CustomSenderRequest",
    "DefineAuthChallengeRequest",
    "DefineAuthChallengeResponse",
    "GroupConfiguration",
    "InboundFederationRequest",
    "InboundFederationResponse",
    "PostAuthenticationRequest",
    "PostConfirmationRequest",
    "PreAuthenticationRequest",
    "PreSignUpRequest",
    "PreSignUpResponse",
    "PreTokenGenerationRequest",
    "PreTokenGenerationResponse",
    "PreTokenGenerationV2Request",
    "PreTokenGenerationV2Response",
    "TokenGeneration",
    "UserMigrationRequest",
    "UserMigrationResponse",
    "VerifyAuthChallengeRequest",
    "VerifyAuthChallengeResponse",
    "detect",
    "trigger_prefix",
]


class CallerContext(msgspec.Struct, rename="camel", frozen=True, gc=False):
    aws_sdk_version: str | None = None
    client_id: str | None = None


class CognitoEvent(msgspec.Struct, rename="camel", frozen=True, gc=False, omit_defaults=True):
    """The envelope every user-pool trigger shares; ``request`` and ``response`` stay
    mappings here (a handler declares its trigger's request Struct as its payload)."""

    trigger_source: str
    user_pool_id: str
    version: str | None = None
    region: str | None = None
    user_name: str | None = None
    caller_context: CallerContext | None = None
    request: dict[str, Any] = {}
    response: dict[str, Any] | None = None

    @property
    def trigger(self) -> str:
        """The trigger name: ``triggerSource`` up to its first ``_`` (``PreSignUp``)."""
        return self.trigger_source.partition("_")[0]


def detect(event: Mapping[str, Any]) -> bool:
    """``triggerSource`` and ``userPoolId`` (LAMBDA.md §6 row 21); the value is not read."""
    return isinstance(event.get("triggerSource"), str) and "userPoolId" in event


def trigger_prefix(trigger: str) -> str:
    """What a route's ``trigger`` matches: a ``triggerSource`` prefix (``"PreSignUp_"``)
    for a trigger name, else the full source (or glob) as given."""
    return TRIGGERS.get(trigger, trigger)


def _matcher(trigger: str) -> Any:
    if any(ch in trigger for ch in "*?["):
        return lambda key: isinstance(key, str) and fnmatch.fnmatchcase(key, trigger)
    if trigger in TRIGGERS:
        prefix = TRIGGERS[trigger]
        return lambda key: isinstance(key, str) and key.startswith(prefix)
    name, underscore, action = trigger.partition("_")
    if not underscore or f"{name}_" not in _PREFIXES or not action:
        close = difflib.get_close_matches(name, TRIGGERS, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        what = "trigger" if not underscore else "trigger in the triggerSource"
        raise ConfigurationError(
            f"cognito route: unknown {what} {trigger!r}{hint}, so no event would match it; "
            f"use one of {', '.join(TRIGGERS)}, a full triggerSource such as "
            "'PreSignUp_SignUp' (the pre token generation trigger's start with "
            "'TokenGeneration_'), or a glob"
        )
    return lambda key: key == trigger


def route_filter(trigger: str | None = None) -> Filter:
    if trigger is None:
        return Filter()
    return Filter(shown(trigger=trigger), _matcher(trigger))


def overlaps(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """A trigger name and one of its own sources take the same events; a glob registered
    first shadows the routes it takes every event of (``PreSignUp_*`` before
    ``PreSignUp_SignUp``, or before ``PreSignUp``)."""
    first, second = a.get("trigger"), b.get("trigger")
    if first is None or second is None:
        return first is second
    takes = TRIGGERS[second] + "*" if second in TRIGGERS else second  # a name: its sources
    if covers(first, takes):
        return True
    one, other = trigger_prefix(first), trigger_prefix(second)
    return one.startswith(other) or other.startswith(one)


def _expected(trigger_source: str) -> tuple[type[msgspec.Struct], ...] | None:
    """The response Structs of the trigger of ``trigger_source`` (``()``: it reads no
    response), or ``None`` for a source lambent does not know (a placeholder)."""
    prefix = trigger_source.partition("_")[0] + "_"
    if prefix not in _PREFIXES:
        return None
    return RESPONSES.get(prefix, ())


def _check_response(value: msgspec.Struct, trigger_source: str | None, handler: str) -> None:
    """A response Struct of another trigger (a ``DefineAuthChallengeResponse`` for
    ``PreSignUp_SignUp``) would put fields in ``response`` that this trigger does not
    have: a :class:`HandlerError` naming the right one."""
    expected = None if trigger_source is None else _expected(trigger_source)
    if not isinstance(value, _Response) or expected is None or isinstance(value, expected):
        return
    right = " or ".join(t.__name__ for t in expected)
    should = f"return {right}, a mapping or None" if right else "it reads no response: return None"
    raise HandlerError(
        handler,
        f"returned {type(value).__name__}, which is not a response of {trigger_source!r}; "
        + should,
    )


def _returns(fn: Any) -> tuple[Any, ...]:
    """The types a handler's return annotation names (a union's members), or ``()`` when
    it has none lambent can read."""
    from lambent._inject import hints

    hint = hints(fn).get("return")
    if typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return typing.get_args(hint)
    return () if hint is None else (hint,)


def check_route(where: str, plan: Any, filters: Mapping[str, Any]) -> None:
    """The payload is an object (:func:`object_payload`), and a handler annotated to return
    response Structs returns its trigger's (``-> DefineAuthChallengeResponse`` on a
    ``PreSignUp`` route would fail every event)."""
    _object_request(where, plan, filters)
    trigger = filters.get("trigger")
    if not isinstance(trigger, str) or any(ch in trigger for ch in "*?["):
        return
    expected = _expected(trigger_prefix(trigger))
    for returned in _returns(plan.fn):
        wrong = isinstance(returned, type) and issubclass(returned, _Response)
        if expected is None or not wrong or issubclass(returned, expected):
            continue
        right = " or ".join(t.__name__ for t in expected) or "None (it reads no response)"
        raise ConfigurationError(
            f"{where}: {plan.name} is annotated to return {returned.__name__}, which is not a "
            f"response of the {trigger} trigger; return {right}"
        )


def wire(
    value: Any, handler: str = "cognito route", trigger_source: str | None = None
) -> dict[str, Any]:
    """A handler's result as response fields: a Struct (its set fields, wire names) or a
    mapping; ``None`` adds nothing. Anything else, or a response Struct of another trigger
    than ``trigger_source``'s, is a :class:`HandlerError`."""
    if value is None:
        return {}
    if not isinstance(value, msgspec.Struct | Mapping):
        raise HandlerError(
            handler,
            f"returned {type(value).__name__}; a Cognito trigger handler returns a response "
            "Struct, a mapping or None",
        )
    whole = isinstance(value, CognitoEvent) or (
        isinstance(value, Mapping) and "triggerSource" in value and "userPoolId" in value
    )
    if whole:  # AWS's examples return the event: here its fields would fill ``response``
        raise HandlerError(
            handler,
            "returned the whole event; lambent echoes the event itself: return the response "
            "fields (a response Struct such as PreSignUpResponse, a mapping of them) or None",
        )
    if isinstance(value, msgspec.Struct):
        _check_response(value, trigger_source, handler)
    encoded = json_value(value, handler)
    if not isinstance(encoded, dict):
        raise HandlerError(handler, "returned a Struct that is not an object")
    if isinstance(value, msgspec.Struct):
        return {k: v for k, v in encoded.items() if v is not None}
    _check_names(encoded, trigger_source, handler)
    return encoded


def _folded(name: str) -> str:
    return name.replace("_", "").lower()


def _check_names(fields: Mapping[str, Any], trigger_source: str | None, handler: str) -> None:
    """A mapping's key that is one of the trigger's response fields spelt another way
    (``auto_confirm_user`` for ``autoConfirmUser``) would be ignored by Cognito: a
    :class:`HandlerError` naming the wire name. Keys lambent does not know pass (a field
    newer than lambent)."""
    expected = None if trigger_source is None else _expected(trigger_source)
    names = {f.encode_name for t in expected or () for f in msgspec.structs.fields(t)}
    by_fold = {_folded(name): name for name in names}
    for key in fields:
        wire_name = by_fold.get(_folded(key)) if isinstance(key, str) else None
        if wire_name is not None and key != wire_name:
            raise HandlerError(
                handler,
                f"returned the response field {key!r}; Cognito reads {wire_name!r} (a "
                "mapping gives the wire names; a response Struct takes snake_case)",
            )


def answer(outcome: Outcome) -> Any:
    """The event echoed back with ``response`` filled; an error rejects the operation."""
    handler = handler_name("cognito", outcome.filters[0])
    error = outcome.errors[0]
    if error is not None:
        raise own_error(error, handler)
    event = dict(outcome.event)
    response = event.get("response")
    event["response"] = {**(response if isinstance(response, Mapping) else {})}
    source = event.get("triggerSource")
    trigger_source = source if isinstance(source, str) else None
    event["response"].update(wire(outcome.results[0], handler, trigger_source))
    return event


_object_request = object_payload("the event's request")


def _key(event: CognitoEvent, item: CognitoEvent) -> Hashable:
    return item.trigger_source


SPECS: tuple[SourceSpec[CognitoEvent, CognitoEvent], ...] = (
    SourceSpec(
        kind="cognito",
        requires="triggerSource",
        detect=detect,
        event_type=CognitoEvent,
        item_type=CognitoEvent,
        item_id=lambda event: f"{event.trigger_source} {event.user_name or ''}".rstrip(),
        route_key=_key,
        payload=lambda event: event.request,
        payload_format="python",
        response="single",
        route_filter=route_filter,
        overlaps=overlaps,
        answer=answer,
        check_route=check_route,
        unique_ids=False,  # no id per delivery: idempotency_key only
    ),
)
