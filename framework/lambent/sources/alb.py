"""Application Load Balancer requests to a Lambda target group (LAMBDA.md §5.9).

A target group sends either single-value maps (``headers``, ``queryStringParameters``; a
repeated header or parameter keeps its last value) or, with
``lambda.multi_value_headers.enabled``, only the multi-value ones. :class:`AlbRequest`
reads whichever is present. ALB passes query names and values **still URL-encoded**;
:attr:`AlbRequest.query` decodes them (form encoding, ``+`` is a space), the wire maps
keep them as delivered.

ALB has no request id: :attr:`AlbRequest.request_id` is the ``x-amzn-trace-id`` header
ALB always adds (``""`` if a hand-made event lacks it). Route key: ``(METHOD, path)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from lambent.sources._base import Front, SourceSpec, WebSpec
from lambent.sources._http import EncodedBody, MultiValueViews, QueryParams, request_spec

__all__ = [
    "HEALTH_CHECK_USER_AGENT",
    "SPECS",
    "AlbRequest",
    "AlbRequestContext",
    "ElbContext",
    "detect",
]

#: the ``user-agent`` of ALB health checks sent to a Lambda target
HEALTH_CHECK_USER_AGENT = "ELB-HealthChecker/2.0"


class ElbContext(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    """``requestContext.elb``."""

    target_group_arn: str = ""


class AlbRequestContext(msgspec.Struct, frozen=True, gc=False):
    """``requestContext``."""

    elb: ElbContext = msgspec.field(default_factory=ElbContext)


class AlbRequest(
    MultiValueViews, EncodedBody, msgspec.Struct, frozen=True, gc=False, rename="camel"
):
    """An ALB request. The event and the item."""

    request_context: AlbRequestContext = msgspec.field(default_factory=AlbRequestContext)
    http_method: str = ""
    path: str = ""
    #: single-value mode only; values still URL-encoded
    query_string_parameters: dict[str, str] | None = None
    #: multi-value mode only; values still URL-encoded
    multi_value_query_string_parameters: dict[str, list[str]] | None = None
    #: single-value mode only; prefer :attr:`headers`
    raw_headers: dict[str, str] | None = msgspec.field(default=None, name="headers")
    #: multi-value mode only; prefer :attr:`headers`
    multi_value_headers: dict[str, list[str]] | None = None
    body: str | None = None
    is_base64_encoded: bool = False

    @property
    def query(self) -> QueryParams:
        """Query parameters, URL-decoded here because ALB does not decode them."""
        return QueryParams.from_maps(
            self.query_string_parameters, self.multi_value_query_string_parameters, unquote=True
        )

    @property
    def path_params(self) -> Mapping[str, str]:
        """Always empty: ALB matches no path templates."""
        return {}

    @property
    def source_ip(self) -> str:
        """The client address: the first entry of ``x-forwarded-for`` (``""`` when absent)."""
        forwarded = self.headers.get("x-forwarded-for", "")
        return forwarded.split(",", 1)[0].strip()

    @property
    def request_id(self) -> str:
        """The ``x-amzn-trace-id`` header (ALB has no request id), ``""`` when absent."""
        return self.headers.get("x-amzn-trace-id", "")

    @property
    def timestamp(self) -> datetime | None:
        """Always ``None``: ALB does not say when it received the request."""
        return None

    @property
    def target_group_arn(self) -> str:
        return self.request_context.elb.target_group_arn

    @property
    def multi_value(self) -> bool:
        """True when the target group sends multi-value maps (answer with multi-value too)."""
        return self.multi_value_headers is not None or (
            self.raw_headers is None and self.multi_value_query_string_parameters is not None
        )

    @property
    def is_health_check(self) -> bool:
        return self.headers.get("user-agent") == HEALTH_CHECK_USER_AGENT


def detect(event: Mapping[str, Any]) -> bool:
    """``requestContext.elb.targetGroupArn`` exists (LAMBDA.md §6 row 14)."""
    context = event.get("requestContext")
    if not isinstance(context, dict):
        return False
    elb = context.get("elb")
    return isinstance(elb, dict) and "targetGroupArn" in elb


SPECS: tuple[SourceSpec[AlbRequest, AlbRequest], ...] = (
    request_spec(
        requires="requestContext",
        kind="alb",
        detect=detect,
        request_type=AlbRequest,
        web=WebSpec(
            role="request",
            wire="alb",
            path_encoded=lambda event: True,
            front=Front(
                error=(502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
                timeout=(
                    504,
                    "text/html",
                    b"<html><body><h1>504 Gateway Time-out</h1></body></html>",
                ),
                variants=("alb-multi",),
                payload_limit=1_048_576,
            ),
        ),
    ),
)
