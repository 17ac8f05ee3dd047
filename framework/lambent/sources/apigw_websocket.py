"""API Gateway WebSocket API events (LAMBDA.md §5.7, WebSocket additions).

One event per ``$connect``, ``$disconnect`` or message (``$default`` or a custom route
selected by the API's route selection expression). Headers and query parameters come only
with ``$connect``; ``body`` only with messages. Some sample events also carry REST-style
``resource``/``path``/``httpMethod`` keys; this detector runs before the REST one, so they
are still WebSocket events.

Route key: ``requestContext.routeKey`` (``"$connect"``, ``"$disconnect"``, ``"$default"``,
or a custom route).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from lambent.sources._base import SourceSpec, WebSpec, epoch_ms, one_of
from lambent.sources._http import EncodedBody, MultiValueMaps, body_payload
from lambent.sources.apigw_rest import IdentityIp, RestIdentity

__all__ = ["EVENT_TYPES", "SPECS", "WebSocketRequest", "WebSocketRequestContext", "detect"]

#: values of ``requestContext.eventType``
EVENT_TYPES = frozenset({"CONNECT", "MESSAGE", "DISCONNECT"})


class WebSocketRequestContext(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """``requestContext`` of a WebSocket event."""

    route_key: str = ""
    #: ``"CONNECT"`` | ``"MESSAGE"`` | ``"DISCONNECT"``
    event_type: str = ""
    connection_id: str = ""
    connected_at: int | None = None
    #: MESSAGE events only
    message_id: str | None = None
    message_direction: str | None = None
    request_id: str = ""
    extended_request_id: str | None = None
    request_time: str | None = None
    request_time_epoch: int | None = None
    stage: str | None = None
    domain_name: str | None = None
    api_id: str | None = None
    account_id: str | None = None
    identity: RestIdentity | None = None
    authorizer: dict[str, Any] | None = None
    #: DISCONNECT events only
    disconnect_status_code: int | None = None
    disconnect_reason: str | None = None
    #: present in some events; type not documented
    integration_latency: Any = None
    status: Any = None
    error: Any = None

    @property
    def timestamp(self) -> datetime | None:
        """``requestTimeEpoch`` as an aware UTC datetime."""
        return None if self.request_time_epoch is None else epoch_ms(self.request_time_epoch)

    @property
    def connected(self) -> datetime | None:
        """``connectedAt`` (when the connection opened) as an aware UTC datetime."""
        return None if self.connected_at is None else epoch_ms(self.connected_at)


class WebSocketRequest(
    MultiValueMaps, IdentityIp, EncodedBody, msgspec.Struct, frozen=True, gc=False, rename="camel"
):
    """A WebSocket event. The event and the item."""

    request_context: WebSocketRequestContext = msgspec.field(
        default_factory=WebSocketRequestContext
    )
    #: ``$connect`` only; prefer :attr:`headers`
    raw_headers: dict[str, str] | None = msgspec.field(default=None, name="headers")
    multi_value_headers: dict[str, list[str]] | None = None
    query_string_parameters: dict[str, str] | None = None
    multi_value_query_string_parameters: dict[str, list[str]] | None = None
    stage_variables: dict[str, str] | None = None
    body: str | None = None
    is_base64_encoded: bool = False

    @property
    def route_key(self) -> str:
        return self.request_context.route_key

    @property
    def event_type(self) -> str:
        return self.request_context.event_type

    @property
    def connection_id(self) -> str:
        return self.request_context.connection_id

    @property
    def request_id(self) -> str:
        """``requestId``, else ``messageId``, else ``""``."""
        context = self.request_context
        return context.request_id or context.message_id or ""

    @property
    def timestamp(self) -> datetime | None:
        return self.request_context.timestamp


def detect(event: Mapping[str, Any]) -> bool:
    """``requestContext.connectionId`` and an ``eventType`` of CONNECT/MESSAGE/DISCONNECT
    (LAMBDA.md §6 row 18)."""
    context = event.get("requestContext")
    return (
        isinstance(context, dict)
        and type(context.get("connectionId")) is str
        and one_of(context.get("eventType"), EVENT_TYPES)
    )


SPECS: tuple[SourceSpec[WebSocketRequest, WebSocketRequest], ...] = (
    SourceSpec(
        requires="requestContext",
        kind="apigw-websocket",
        detect=detect,
        event_type=WebSocketRequest,
        item_type=WebSocketRequest,
        item_id=lambda request: request.request_id,
        route_key=lambda event, request: request.route_key,
        payload=lambda request: body_payload(request.body, request.is_base64_encoded),
        payload_format="json",
        response="http",
        web=WebSpec(
            role="websocket",
            service_timeout=True,
            key=lambda request: request.route_key,
            inject={WebSocketRequest: lambda request: request},
            names={
                "connection_id": lambda request: request.connection_id,
                "route_key": lambda request: request.route_key,
                "event_type": lambda request: request.event_type,
            },
        ),
    ),
)
