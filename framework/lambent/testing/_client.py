"""A test client: send requests to an app as any HTTP source, get decoded responses.

>>> from lambent import App
>>> from lambent.testing import TestClient
>>> app = App()
>>> @app.get("/orders/{order_id}")
... def get_order(order_id: int) -> dict[str, int]:
...     return {"id": order_id}
>>> client = TestClient(app)
>>> client.get("/orders/1", source="alb").json()
{'id': 1}

Events come from :func:`lambent.testing.http_request`, so they have the shape each service
really sends (REST ``resource`` and HTTP API ``routeKey`` name the matched template; HTTP
APIs get the path decoded, as they deliver it). Sync methods run ``app.handler``; in async
tests use ``await client.send(...)``.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Unpack
from urllib.parse import unquote, urlencode

import msgspec

from lambent._app import dependency_overrides
from lambent._web import web_router
from lambent.sources._http import Headers, fronts
from lambent.testing._context import FakeContext
from lambent.testing.events import http_request
from lambent.testing.events.http import RequestOptions, Values, pairs

__all__ = ["TestClient", "TestResponse"]

_MISSING: Any = object()


class TestResponse:
    """A rendered Lambda result decoded back into status, headers, cookies and body."""

    __test__ = False  # not a pytest test class

    def __init__(self, source: str, raw: Mapping[str, Any]) -> None:
        self.source = source
        #: the function's result exactly as Lambda returned it to the service
        self.raw = raw
        self.status: int = raw["statusCode"]
        self.status_description: str | None = raw.get("statusDescription")
        pairs: list[tuple[str, str]] = []
        multi: Mapping[str, Sequence[str]] = raw.get("multiValueHeaders") or {}
        lowered = {k.lower() for k in multi}
        for name, value in (raw.get("headers") or {}).items():
            if name.lower() not in lowered:
                pairs.append((name, value))
        for name, values in multi.items():
            pairs.extend((name, v) for v in values)
        self.cookies: list[str] = [v for k, v in pairs if k.lower() == "set-cookie"]
        self.cookies.extend(raw.get("cookies") or ())
        #: response headers (case-insensitive); ``Set-Cookie`` values are in :attr:`cookies`
        self.headers = Headers((k, v) for k, v in pairs if k.lower() != "set-cookie")
        body: str = raw.get("body") or ""
        self.content: bytes = (
            base64.b64decode(body) if raw.get("isBase64Encoded") else body.encode()
        )

    @property
    def status_code(self) -> int:
        """:attr:`status`, by the name the test clients of requests, httpx and Starlette
        give it."""
        return self.status

    @property
    def text(self) -> str:
        return self.content.decode()

    def json(self) -> Any:
        return msgspec.json.decode(self.content)

    def __repr__(self) -> str:
        return f"<TestResponse {self.status} via {self.source}>"


class TestClient:
    """Sends HTTP requests to ``app`` as ``source`` (default for every call)."""

    __test__ = False

    def __init__(
        self,
        app: Any,
        *,
        source: str = "apigw-http",
        timeout: float = 30.0,
        overrides: Mapping[Callable[..., Any], Callable[..., Any]] | None = None,
    ) -> None:
        self.app = app
        self.source = source
        self.timeout = timeout
        #: providers replaced by others in this client's requests (``Depends``)
        self.overrides: dict[Callable[..., Any], Callable[..., Any]] = dict(overrides or {})

    @contextlib.contextmanager
    def override(
        self, provider: Callable[..., Any], replacement: Callable[..., Any]
    ) -> Iterator[None]:
        """``with client.override(get_db, fake_db):`` requests in the block get
        ``replacement``'s value wherever ``Depends(provider)`` is declared (the
        replacement declares its own parameters, as any provider)."""
        before = self.overrides.get(provider)
        self.overrides[provider] = replacement
        try:
            yield
        finally:
            if before is None:
                del self.overrides[provider]
            else:
                self.overrides[provider] = before

    def _overriding(self) -> contextlib.AbstractContextManager[None]:
        return dependency_overrides(self.app, self.overrides)

    def build_event(
        self,
        method: str,
        path: str,
        *,
        source: str | None = None,
        query: Values | str | None = None,
        **options: Unpack[RequestOptions],
    ) -> tuple[str, dict[str, Any]]:
        """``(source, event)`` for a request; ``path`` may carry a ``?query`` (``query=``'s
        values follow its own)."""
        name = source or self.source
        known = fronts()  # the HTTP sources a client can pose as, and what their services do
        if name not in known:
            raise ValueError(f"unknown HTTP source {name!r}; use one of {', '.join(known)}")
        kind, front = known[name]
        path, _, raw_query = path.partition("?")
        if raw_query:  # the path's query first, then query='s
            given = pairs(query)
            query = raw_query + ("&" + urlencode(given) if given else "")
        if front.decodes_path:
            path = unquote(path)
        if "route" not in options and front.names_route:
            options["route"] = self._template(path, encoded=not front.decodes_path)
        event = http_request(method, path, source=name, query=query, **options)  # type: ignore[arg-type]
        return kind, event

    def _template(self, path: str, *, encoded: bool) -> str | None:
        router = web_router(self.app)
        found = None if router is None else router.routes.match(path, encoded=encoded)
        if found is None:
            return None
        template: str = found[0].path.template
        # API Gateway templates only have parameters that fill a whole segment
        whole = all(
            (part.startswith("{") and part.endswith("}")) or "{" not in part
            for part in template.split("/")
        )
        return template if "{" in template and whole else None

    def request(
        self,
        method: str,
        path: str,
        *,
        source: str | None = None,
        query: Values | str | None = None,
        **options: Unpack[RequestOptions],
    ) -> TestResponse:
        """Send a request through ``app.handler`` (sync tests)."""
        kind, event = self.build_event(method, path, source=source, query=query, **options)
        with self._overriding():
            raw = self.app.handler(event, FakeContext(timeout=self.timeout))
        return TestResponse(kind, raw)

    async def send(
        self,
        method: str,
        path: str,
        *,
        source: str | None = None,
        query: Values | str | None = None,
        **options: Unpack[RequestOptions],
    ) -> TestResponse:
        """Send a request through ``await app.dispatch`` (async tests)."""
        kind, event = self.build_event(method, path, source=source, query=query, **options)
        with self._overriding():
            raw = await self.app.dispatch(event, FakeContext(timeout=self.timeout))
        return TestResponse(kind, raw)

    def get(
        self,
        path: str,
        *,
        source: str | None = None,
        query: Values | str | None = None,
        **options: Unpack[RequestOptions],
    ) -> TestResponse:
        return self.request("GET", path, source=source, query=query, **options)

    def post(
        self,
        path: str,
        *,
        source: str | None = None,
        query: Values | str | None = None,
        **options: Unpack[RequestOptions],
    ) -> TestResponse:
        return self.request("POST", path, source=source, query=query, **options)

    def put(
        self,
        path: str,
        *,
        source: str | None = None,
        query: Values | str | None = None,
        **options: Unpack[RequestOptions],
    ) -> TestResponse:
        return self.request("PUT", path, source=source, query=query, **options)

    def patch(
        self,
        path: str,
        *,
        source: str | None = None,
        query: Values | str | None = None,
        **options: Unpack[RequestOptions],
    ) -> TestResponse:
        return self.request("PATCH", path, source=source, query=query, **options)

    def delete(
        self,
        path: str,
        *,
        source: str | None = None,
        query: Values | str | None = None,
        **options: Unpack[RequestOptions],
    ) -> TestResponse:
        return self.request("DELETE", path, source=source, query=query, **options)

    def head(
        self,
        path: str,
        *,
        source: str | None = None,
        query: Values | str | None = None,
        **options: Unpack[RequestOptions],
    ) -> TestResponse:
        return self.request("HEAD", path, source=source, query=query, **options)

    def options(
        self,
        path: str,
        *,
        source: str | None = None,
        query: Values | str | None = None,
        **options: Unpack[RequestOptions],
    ) -> TestResponse:
        return self.request("OPTIONS", path, source=source, query=query, **options)
