"""``resolve_named``: handlers whose every parameter is taken from one event by a getter
(authorizers, Lambda@Edge), resolved once at registration; through its own interface and
through the App's authorizer and edge decorators."""

from __future__ import annotations

from typing import Annotated, Any

import pytest

from lambent import App, ConfigurationError, Depends, LambdaContext, Logger
from lambent._inject import Slot
from lambent.http import EdgeRequest
from lambent.http._named import resolve_named
from lambent.testing import FakeContext, authorizer_event, cloudfront_event


class Event:
    def __init__(self, token: str) -> None:
        self.token = token


class SpecialEvent(Event):
    pass


BY_TYPE = {Event: lambda event: event}
BY_NAME = {"token": lambda event: event.token}


def test_parameters_by_type_by_name_context_and_logger() -> None:
    def handler(ev: SpecialEvent, token, context, log, *, who: Logger, ctx: LambdaContext) -> None:  # type: ignore[no-untyped-def]
        pass

    plan = resolve_named(handler, where="@app.authorizer()", by_type=BY_TYPE, by_name=BY_NAME)
    assert plan.name.endswith("handler") and not plan.is_async
    slots = {p.name: p.slot for p in plan.params}
    assert slots == {
        "ev": Slot.NAMED,  # a subclass of a type that has a getter
        "token": Slot.NAMED,
        "context": Slot.CONTEXT,
        "log": Slot.LOGGER,
        "who": Slot.LOGGER,
        "ctx": Slot.CONTEXT,
    }
    assert plan.wants == {Slot.NAMED, Slot.CONTEXT, Slot.LOGGER}
    event = SpecialEvent("t-1")
    getters = {p.name: p.getter for p in plan.params if p.getter is not None}
    assert getters["ev"](event) is event and getters["token"](event) == "t-1"
    assert all(p.kw_only for p in plan.params)


def test_a_parameter_with_a_default_that_nothing_provides_keeps_its_default() -> None:
    async def handler(token: str, retries: int = 3) -> None:
        pass

    plan = resolve_named(handler, where="w", by_type=BY_TYPE, by_name=BY_NAME)
    assert [p.name for p in plan.params] == ["token"] and plan.is_async


def test_an_unknown_parameter_is_refused_naming_what_could_be_injected() -> None:
    def handler(whatever: int) -> None:
        pass

    with pytest.raises(ConfigurationError) as info:
        resolve_named(
            handler, where="@app.edge('viewer-request')", by_type=BY_TYPE, by_name=BY_NAME
        )
    message = str(info.value)
    assert message.startswith("@app.edge('viewer-request'): ")
    assert "parameter 'whatever': cannot inject it; annotate it with one of Event, token" in message


def test_authorizer_and_edge_handlers_receive_their_named_values() -> None:
    app = App()
    seen: dict[str, Any] = {}

    @app.authorizer("TOKEN")
    def token(token: str, context: LambdaContext) -> bool:
        seen["token"], seen["context"] = token, context
        return True

    @app.edge("viewer-request")
    def edge(request: EdgeRequest, log: Logger) -> None:
        seen["uri"] = request.uri
        log.info("seen")

    context = FakeContext()
    app.handler(authorizer_event("token", token="Bearer t"), context)
    assert seen["token"] == "Bearer t" and seen["context"] is context
    app.handler(cloudfront_event("viewer-request", uri="/a"), context)
    assert seen["uri"] == "/a"


def _provider() -> str:
    return "x"


def test_depends_is_refused_naming_what_could_be_injected() -> None:
    def handler(token: str, user: Annotated[str, Depends(_provider)] = "") -> None:
        pass

    with pytest.raises(ConfigurationError) as info:
        resolve_named(handler, where="authorizer (TOKEN)", by_type=BY_TYPE, by_name=BY_NAME)
    assert str(info.value).endswith(
        "parameter 'user': Depends() is available on HTTP routes; annotate it with one of "
        "Event, token, the Lambda context or a logger"
    )
