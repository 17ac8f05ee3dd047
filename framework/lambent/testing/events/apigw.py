"""API Gateway WebSocket events and Lambda authorizer requests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import urlencode

from lambent.testing.events._common import (
    ACCOUNT,
    REGION,
    Ids,
    When,
    clf,
    epoch_ms,
    one_of,
    text,
)
from lambent.testing.events.http import (
    SOURCE_IP,
    USER_AGENT,
    Values,
    cookie_list,
    joined,
    match_route,
    multi,
    pairs,
    rest_identity,
    single,
    trace_id,
)

WebSocketEvent = Literal["connect", "message", "disconnect"]
AuthorizerKind = Literal["token", "request", "http"]

_ROUTES = {"connect": "$connect", "message": "$default", "disconnect": "$disconnect"}
_MISSING: Any = object()


def websocket_event(
    event: WebSocketEvent = "message",
    body: str | None = None,
    *,
    json: Any = _MISSING,
    route_key: str | None = None,
    connection_id: str | None = None,
    headers: Values | None = None,
    query: Values | str | None = None,
    stage: str = "prod",
    source_ip: str = SOURCE_IP,
    region: str = REGION,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """An API Gateway WebSocket event: ``connect`` (with headers and query),
    ``message`` (with a body; ``route_key`` defaults to ``$default``) or ``disconnect``.
    """
    one_of("a WebSocket event", event, WebSocketEvent,
           " (a route key such as '$connect' or 'sendmessage' goes in route_key=)")  # fmt: skip
    ids = Ids(seed)
    ms = epoch_ms(at)
    api_id = ids.lower(10)
    domain = f"{api_id}.execute-api.{region}.amazonaws.com"
    context: dict[str, Any] = {
        "routeKey": route_key or _ROUTES[event],
        "eventType": event.upper(),
        "extendedRequestId": ids.chars(15) + "=",
        "requestTime": clf(ms / 1000),
        "messageDirection": "IN",
        "stage": stage,
        "connectedAt": ms - (0 if event == "connect" else 5000),
        "requestTimeEpoch": ms,
        "identity": {"userAgent": USER_AGENT, "sourceIp": source_ip},
        "requestId": ids.chars(15) + "=",
        "domainName": domain,
        "connectionId": connection_id or ids.chars(15) + "=",
        "apiId": api_id,
    }
    if event == "message":
        context["messageId"] = ids.chars(15) + "="
        payload = text(json) if json is not _MISSING else (body or "")
        return {"requestContext": context, "body": payload, "isBase64Encoded": False}
    base = [("Host", domain), ("X-Amzn-Trace-Id", trace_id(ids, ms // 1000))]
    base += [("X-Forwarded-For", source_ip), ("X-Forwarded-Port", "443")]
    base += [("X-Forwarded-Proto", "https")]
    if event == "connect":
        base += [("Sec-WebSocket-Key", ids.token(16)), ("Sec-WebSocket-Version", "13")]
    all_headers = base + pairs(headers)
    out: dict[str, Any] = {"headers": single(all_headers), "multiValueHeaders": multi(all_headers)}
    query_pairs = pairs(query)
    if event == "connect" and query_pairs:
        out["queryStringParameters"] = single(query_pairs)
        out["multiValueQueryStringParameters"] = multi(query_pairs)
    if event == "disconnect":
        context |= {"disconnectStatusCode": 1001, "disconnectReason": "Going away"}
    return out | {"requestContext": context, "isBase64Encoded": False}


def authorizer_event(
    kind: AuthorizerKind = "token",
    *,
    token: str = "Bearer allow",
    method: str = "GET",
    path: str = "/",
    route: str | None = None,
    headers: Values | None = None,
    query: Values | str | None = None,
    cookies: Mapping[str, str] | Sequence[str] | None = None,
    identity_source: Sequence[str] | None = None,
    stage: str | None = None,
    stage_variables: Mapping[str, str] | None = None,
    source_ip: str = SOURCE_IP,
    region: str = REGION,
    account: str = ACCOUNT,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """A Lambda authorizer request: REST ``token`` (TOKEN), REST ``request`` (REQUEST)
    or HTTP API payload 2.0 ``http`` (REQUEST with ``routeArn``).

    For ``request`` and ``http`` the token is sent as the ``Authorization`` header.
    """
    one_of("an authorizer event's kind", kind, AuthorizerKind)
    ids = Ids(seed)
    ms = epoch_ms(at)
    method = method.upper()
    api_id = ids.lower(10)
    stage = stage or ("prod" if kind != "http" else "$default")
    resource = route or path
    target = f"{api_id}/{stage}/{method}{resource}"
    execute_arn = f"arn:aws:execute-api:{region}:{account}:{target}"
    if kind == "token":
        return {"type": "TOKEN", "authorizationToken": token, "methodArn": execute_arn}
    domain = f"{api_id}.execute-api.{region}.amazonaws.com"
    base = [("Host", domain), ("User-Agent", USER_AGENT), ("Authorization", token)]
    base += [("X-Amzn-Trace-Id", trace_id(ids, ms // 1000)), ("X-Forwarded-For", source_ip)]
    all_headers = base + pairs(headers)
    query_pairs = pairs(query)
    if kind == "request":
        jar = cookie_list(cookies)
        if jar:
            all_headers.append(("Cookie", "; ".join(jar)))
        identity = rest_identity(source_ip, apiKey="")
        return {
            "type": "REQUEST",
            "methodArn": execute_arn,
            "resource": resource,
            "path": path,
            "httpMethod": method,
            "headers": single(all_headers),
            "multiValueHeaders": multi(all_headers),
            "queryStringParameters": single(query_pairs),
            "multiValueQueryStringParameters": multi(query_pairs),
            "pathParameters": match_route(resource, path) or {},
            "stageVariables": dict(stage_variables or {}),
            "requestContext": {
                "path": f"/{stage}{path}",
                "accountId": account,
                "resourceId": ids.lower(6),
                "stage": stage,
                "requestId": ids.uuid(),
                "identity": identity,
                "resourcePath": resource,
                "httpMethod": method,
                "apiId": api_id,
            },
        }
    lowered = [(k.lower(), v) for k, v in all_headers]
    route_key = f"{method} {route}" if route else "$default"
    event: dict[str, Any] = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": execute_arn,
        "identitySource": list(identity_source or [token]),
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": urlencode(query_pairs),
    }
    jar = cookie_list(cookies)
    if jar:
        event["cookies"] = jar
    event["headers"] = joined(lowered)
    if query_pairs:
        event["queryStringParameters"] = joined(query_pairs)
    event["requestContext"] = {
        "accountId": account,
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": api_id,
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": USER_AGENT,
        },
        "requestId": ids.chars(15) + "=",
        "routeKey": route_key,
        "stage": stage,
        "time": clf(ms / 1000),
        "timeEpoch": ms,
    }
    event["pathParameters"] = (match_route(route, path) if route else None) or {}
    event["stageVariables"] = dict(stage_variables or {})
    return event
