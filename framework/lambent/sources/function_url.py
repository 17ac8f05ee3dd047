"""Lambda function URL requests (LAMBDA.md §5.8).

The payload-2.0 schema of HTTP APIs, with ``routeKey``/``stage`` fixed to ``"$default"``
(or absent), no path parameters, ``requestContext.authorizer.iam`` only for ``AWS_IAM``
auth, and ``requestContext.domainName`` = ``<url-id>.lambda-url.<region>.on.aws`` — the
only reliable difference from an HTTP API request.

Route key: ``(METHOD, path)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lambent.sources._base import Front, SourceSpec, WebSpec
from lambent.sources._http import request_spec
from lambent.sources.apigw_http import HttpApiRequest, LeanHttpApiRequest, is_v2_request

__all__ = ["SPECS", "FunctionUrlRequest", "detect"]


class FunctionUrlRequest(HttpApiRequest, frozen=True, gc=False):
    """A function URL request: an :class:`HttpApiRequest` delivered by a function URL."""

    @property
    def url_id(self) -> str:
        """The URL id (``apiId``, the first label of the domain name)."""
        context = self.request_context
        return context.api_id or (context.domain_name or "").partition(".")[0]


def detect(event: Mapping[str, Any]) -> bool:
    """A payload-2.0 request whose ``requestContext.domainName`` contains ``.lambda-url.``
    (the domain is looked at first: an HTTP API request is told apart without the rest)."""
    context = event.get("requestContext")
    if not isinstance(context, dict):
        return False
    domain = context.get("domainName")
    return type(domain) is str and ".lambda-url." in domain and is_v2_request(event)


SPECS: tuple[SourceSpec[FunctionUrlRequest, FunctionUrlRequest], ...] = (
    request_spec(
        requires="rawPath",
        kind="function-url",
        detect=detect,
        request_type=FunctionUrlRequest,
        web=WebSpec(
            role="request",
            wire="v2",
            lean=LeanHttpApiRequest,
            path_encoded=lambda event: True,
            front=Front(
                error=(502, "application/json", b'{"Message":"Internal Server Error"}'),
                timeout=(502, "application/json", b'{"Message":"Internal Server Error"}'),
                infers_json=True,
                streams=True,
            ),
        ),
    ),
)
