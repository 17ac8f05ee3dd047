"""Record routes built for the tests of the route table (``tests/test_routes.py``) and of
its record matcher (``tests/test_kind_matcher.py``)."""

from __future__ import annotations

from typing import Any

from lambent._record_params import resolve
from lambent._routes import Route
from lambent.sources._match import resource

#: an SQS queue ARN without its name
ARN = "arn:aws:sqs:us-east-1:123456789012:"


def route(kind: str, filters: tuple[tuple[str, Any], ...], matches: Any, name: str) -> Route:
    """A ``kind`` route whose handler is named ``name``."""

    def handler() -> None: ...

    handler.__qualname__ = name
    plan = resolve(handler, where=name, item_type=None, event_type=None)
    return Route(kind=kind, filters=filters, matches=matches, plan=plan)


def queue(name: str | None) -> Route:
    """An SQS route of the queue ``name`` (None: every queue), handled by ``on_<name>``."""
    filters = () if name is None else (("queue", name),)
    return route("sqs", filters, resource(name), f"on_{name}")
