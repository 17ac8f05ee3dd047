"""HTTP requests as each HTTP source delivers them to Lambda.

>>> from lambent.testing import http_request
>>> event = http_request("POST", "/items/42", source="apigw-rest", route="/items/{id}",
...                      json={"name": "pen"}, query={"tag": ["a", "b"]})
>>> event["pathParameters"], event["queryStringParameters"], event["body"]
({'id': '42'}, {'tag': 'b'}, '{"name":"pen"}')
>>> http_request("GET", "/", source="alb-multi", query="q=a+b")["multiValueQueryStringParameters"]
{'q': ['a+b']}
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict
from urllib.parse import parse_qsl, quote_plus, unquote, urlencode

from lambent.testing.events._common import (
    ACCOUNT,
    REGION,
    Ids,
    When,
    clf,
    epoch_ms,
    one_of,
    raw,
    text,
)

HttpSource = Literal["apigw-rest", "apigw-http", "function-url", "alb", "alb-multi"]
#: one header or query value: a string, or a number written as text (``True``: ``true``)
Scalar = str | int | float
#: header or query values: one or several (a list repeats the name)
Values = Mapping[str, Scalar | Sequence[Scalar]]
Pairs = list[tuple[str, str]]

USER_AGENT = "Mozilla/5.0 (lambent.testing)"
SOURCE_IP = "203.0.113.7"
_MISSING: Any = object()


def pairs(values: Values | str | None) -> Pairs:
    """``(name, value)`` pairs of a mapping (lists repeat the name) or a raw query string;
    a number is its text, a bool ``true``/``false``; any other value is ``TypeError``."""
    if values is None:
        return []
    if isinstance(values, str):
        return parse_qsl(values.removeprefix("?"), keep_blank_values=True)
    out: Pairs = []
    for name, value in values.items():
        if isinstance(value, list | tuple):
            out.extend((name, _text(name, v)) for v in value)
        else:
            out.append((name, _text(name, value)))
    return out


def _text(name: str, value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise TypeError(
        f"the value of {name!r} is a str, a number or a list of them, not {type(value).__name__}"
    )


def single(items: Pairs) -> dict[str, str]:
    """Last value wins (REST ``queryStringParameters``, ALB single-value mode)."""
    return dict(items)


def multi(items: Pairs) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in items:
        out.setdefault(name, []).append(value)
    return out


def joined(items: Pairs) -> dict[str, str]:
    """Duplicates comma-joined (HTTP API 2.0)."""
    return {k: ",".join(v) for k, v in multi(items).items()}


def cookie_list(cookies: Mapping[str, str] | Sequence[str] | None) -> list[str]:
    if cookies is None:
        return []
    if isinstance(cookies, Mapping):
        return [f"{k}={v}" for k, v in cookies.items()]
    return list(cookies)


def _cookie_headers(headers: Pairs) -> tuple[Pairs, list[str]]:
    """``headers`` without their ``Cookie`` headers, and those headers' ``name=value``
    pairs: a request's cookies, rendered by each source as the service sends them (HTTP
    API and Function URLs: the ``cookies`` list, without a ``cookie`` header)."""
    kept: Pairs = []
    found: list[str] = []
    for name, value in headers:
        if name.lower() == "cookie":
            found.extend(c.strip() for c in value.split(";") if c.strip())
        else:
            kept.append((name, value))
    return kept, found


def trace_id(ids: Ids, epoch_s: int) -> str:
    return f"Root=1-{epoch_s:08x}-{ids.hex(24)}"


def match_route(route: str, path: str) -> dict[str, str] | None:
    """Path parameters of ``path`` under a template like ``/items/{id}`` or ``/{proxy+}``
    (a literal segment matches the path's either as written or percent-decoded: a REST
    API's ``/café`` resource takes the path ``/caf%C3%A9``)."""
    names = route.strip("/").split("/")
    parts = path.strip("/").split("/")
    params: dict[str, str] = {}
    for i, name in enumerate(names):
        if name.startswith("{") and name.endswith("+}"):
            params[name[1:-2]] = "/".join(parts[i:])
            return params
        if i >= len(parts):
            raise ValueError(f"path {path!r} does not match route {route!r}")
        if name.startswith("{") and name.endswith("}"):
            params[name[1:-1]] = parts[i]
        elif name != parts[i] and name != unquote(parts[i]):
            raise ValueError(f"path {path!r} does not match route {route!r}")
    if len(parts) != len(names):
        raise ValueError(f"path {path!r} does not match route {route!r}")
    return params or None


class RequestOptions(TypedDict, total=False):
    """The keyword options of :func:`http_request` a :class:`~lambent.testing.TestClient`
    request passes on (``source`` and ``query`` are its own parameters)."""

    headers: Values | None
    cookies: Mapping[str, str] | Sequence[str] | None
    body: str | bytes | None
    json: Any
    is_base64: bool | None
    route: str | None
    stage: str | None
    stage_variables: Mapping[str, str] | None
    authorizer: Mapping[str, Any] | None
    source_ip: str
    region: str
    account: str
    seed: int | None
    at: When


def http_request(
    method: str = "GET",
    path: str = "/",
    *,
    source: HttpSource = "apigw-http",
    query: Values | str | None = None,
    headers: Values | None = None,
    cookies: Mapping[str, str] | Sequence[str] | None = None,
    body: str | bytes | None = None,
    json: Any = _MISSING,
    is_base64: bool | None = None,
    route: str | None = None,
    stage: str | None = None,
    stage_variables: Mapping[str, str] | None = None,
    authorizer: Mapping[str, Any] | None = None,
    source_ip: str = SOURCE_IP,
    region: str = REGION,
    account: str = ACCOUNT,
    seed: int | None = None,
    at: When = None,
) -> dict[str, Any]:
    """An HTTP request event for ``source``.

    ``query`` is a mapping (lists for repeated names) or a raw query string;
    ``json`` is encoded as the body with ``content-type: application/json``;
    bytes bodies (or ``is_base64=True``) are base64-encoded and flagged.
    ``route`` is the API's path template (``/items/{id}``): it gives REST's
    ``resource``, HTTP API's ``routeKey`` and the path parameters. ``authorizer``
    becomes ``requestContext.authorizer`` as given. A ``Cookie`` header in ``headers``
    joins ``cookies`` (after it): HTTP API and Function URL events carry them in their
    ``cookies`` list, as the services do, the other sources in one ``Cookie`` header.
    """
    one_of("an HTTP request's source", source, HttpSource)
    if not path.startswith("/"):
        raise ValueError(f"a request's path starts with '/': {'/' + path!r}, not {path!r}")
    header_pairs, header_cookies = _cookie_headers(pairs(headers))
    if json is not _MISSING:
        body = text(json)
        if not any(k.lower() == "content-type" for k, _ in header_pairs):
            header_pairs.append(("content-type", "application/json"))
    encoded = isinstance(body, bytes) if is_base64 is None else is_base64
    if body is not None:
        body = base64.b64encode(raw(body)).decode() if encoded else text(body)
    request = _Request(
        ids=Ids(seed),
        method=method.upper(),
        path=path,
        ms=epoch_ms(at),
        ip=source_ip,
        region=region,
        account=account,
        query=pairs(query),
        headers=header_pairs,
        cookies=header_cookies + cookie_list(cookies),
        body=body,
        encoded=encoded,
        route=route,
        stage=stage,
        stage_variables=dict(stage_variables or {}),
        authorizer=None if authorizer is None else dict(authorizer),
    )
    return _SHAPES[source](request)


@dataclass(kw_only=True)
class _Request:
    """What a request is made of, and one method per source rendering it."""

    ids: Ids
    method: str
    path: str
    ms: int
    ip: str
    region: str
    account: str
    query: Pairs
    headers: Pairs
    cookies: list[str]
    body: str | None
    encoded: bool
    route: str | None
    stage: str | None
    stage_variables: dict[str, str]
    authorizer: dict[str, Any] | None

    def __post_init__(self) -> None:
        self.api_id = self.ids.lower(10)
        self.trace = trace_id(self.ids, self.ms // 1000)

    def all_headers(self, host: str, *, lower: bool) -> Pairs:
        """AWS's usual headers, then the given ones (which replace those of the same name)."""
        names: tuple[str, ...] = ("Accept", "Host", "User-Agent", "X-Amzn-Trace-Id")
        names += ("X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto")
        values = ("*/*", host, USER_AGENT, self.trace, self.ip, "443", "https")
        given = {k.lower() for k, _ in self.headers}
        base = [(n, v) for n, v in zip(names, values, strict=True) if n.lower() not in given]
        return [(k.lower() if lower else k, v) for k, v in base + self.headers]

    def alb(self, *, multi_value: bool) -> dict[str, Any]:
        host = f"lambda-alb-{self.ids.digits(9)}.{self.region}.elb.amazonaws.com"
        headers = self.all_headers(host, lower=True)
        if self.cookies:
            headers.append(("cookie", "; ".join(self.cookies)))
        query = [(quote_plus(k), quote_plus(v)) for k, v in self.query]  # ALB does not decode
        group = f"targetgroup/lambda-target/{self.ids.hex(16)}"
        elb_arn = f"arn:aws:elasticloadbalancing:{self.region}:{self.account}:{group}"
        event: dict[str, Any] = {
            "requestContext": {"elb": {"targetGroupArn": elb_arn}},
            "httpMethod": self.method,
            "path": self.path,
        }
        if multi_value:
            event["multiValueQueryStringParameters"] = multi(query)
            event["multiValueHeaders"] = multi(headers)
        else:
            event["queryStringParameters"] = single(query)
            event["headers"] = single(headers)
        return event | {"body": self.body or "", "isBase64Encoded": self.encoded}

    def rest(self) -> dict[str, Any]:
        domain = f"{self.api_id}.execute-api.{self.region}.amazonaws.com"
        headers = self.all_headers(domain, lower=False)
        if self.cookies:
            headers.append(("Cookie", "; ".join(self.cookies)))
        resource = self.route or self.path
        stage = self.stage or "prod"
        context: dict[str, Any] = {
            "accountId": self.account,
            "apiId": self.api_id,
            "resourceId": self.ids.lower(6),
            "resourcePath": resource,
            "stage": stage,
            "requestId": self.ids.uuid(),
            "extendedRequestId": self.ids.chars(15) + "=",
            "requestTime": clf(self.ms / 1000),
            "requestTimeEpoch": self.ms,
            "httpMethod": self.method,
            "path": f"/{stage}{self.path}",
            "protocol": "HTTP/1.1",
            "domainName": domain,
            "domainPrefix": self.api_id,
            "identity": rest_identity(self.ip),
        }
        if self.authorizer is not None:
            context["authorizer"] = self.authorizer
        return {
            "resource": resource,
            "path": self.path,
            "httpMethod": self.method,
            "headers": single(headers),
            "multiValueHeaders": multi(headers),
            "queryStringParameters": single(self.query) or None,
            "multiValueQueryStringParameters": multi(self.query) or None,
            "pathParameters": match_route(resource, self.path),
            "stageVariables": self.stage_variables or None,
            "requestContext": context,
            "body": self.body,
            "isBase64Encoded": self.encoded,
        }

    def v2(self, *, url: bool) -> dict[str, Any]:
        api_id = self.ids.lower(32) if url else self.api_id
        service = "lambda-url.{}.on.aws" if url else "execute-api.{}.amazonaws.com"
        domain = f"{api_id}.{service.format(self.region)}"
        headers = self.all_headers(domain, lower=True)
        if self.body is not None:
            headers.append(("content-length", str(len(self.body))))
        route_key = f"{self.method} {self.route}" if self.route and not url else "$default"
        stage = "$default" if url else self.stage or "$default"
        raw_path = self.path if stage == "$default" else f"/{stage}{self.path}"  # as served
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": raw_path,
            "rawQueryString": urlencode(self.query),
        }
        if self.cookies:
            event["cookies"] = self.cookies
        event["headers"] = joined(headers)
        if self.query:
            event["queryStringParameters"] = joined(self.query)
        anonymous = url and self.authorizer is None
        context: dict[str, Any] = {
            "accountId": "anonymous" if anonymous else self.account,
            "apiId": api_id,
        }
        if url:
            context["authentication"] = None
        if self.authorizer is not None:
            context["authorizer"] = self.authorizer
        context |= {
            "domainName": domain,
            "domainPrefix": api_id,
            "http": {
                "method": self.method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": self.ip,
                "userAgent": USER_AGENT,
            },
            "requestId": self.ids.chars(15) + "=",
            "routeKey": route_key,
            "stage": stage,
            "time": clf(self.ms / 1000),
            "timeEpoch": self.ms,
        }
        event["requestContext"] = context
        if url:
            event |= {"pathParameters": None, "stageVariables": None}
        else:
            params = match_route(self.route, self.path) if self.route else None
            if params:
                event["pathParameters"] = params
            if self.stage_variables:
                event["stageVariables"] = self.stage_variables
        if self.body is not None:
            event["body"] = self.body
        event["isBase64Encoded"] = self.encoded
        return event


def rest_identity(source_ip: str, **given: str) -> dict[str, Any]:
    """``requestContext.identity`` of a REST API request (fields AWS fills are null)."""
    names: tuple[str, ...] = (
        "cognitoIdentityPoolId",
        "accountId",
        "cognitoIdentityId",
        "caller",
        "accessKey",
    )
    names += ("cognitoAuthenticationType", "cognitoAuthenticationProvider", "userArn", "user")
    identity: dict[str, Any] = dict.fromkeys(names)
    identity |= {"sourceIp": source_ip, "principalOrgId": None, "userAgent": USER_AGENT}
    return identity | given


#: how each HTTP source shapes a request
_SHAPES: dict[str, Callable[[_Request], dict[str, Any]]] = {
    "apigw-rest": _Request.rest,
    "apigw-http": lambda request: request.v2(url=False),
    "function-url": lambda request: request.v2(url=True),
    "alb": lambda request: request.alb(multi_value=False),
    "alb-multi": lambda request: request.alb(multi_value=True),
}
