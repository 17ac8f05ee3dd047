"""OpenTelemetry spans for every invocation and every record (extra ``otel``).

```python
from lambent import App
from lambent.tracing import Tracing

app = App(tracing=Tracing())   # the global tracer provider, or Tracing(tracer_provider=...)
```

The dispatcher opens one span per invocation (``lambent <source>``) and, inside it,
one span per record (``<source> process``), parented to the invocation's span
explicitly, so records running concurrently in one task group never see each other's
span. While a handler runs, its record's span is the current span: spans the handler
starts are its children. A record's span is linked to the trace it came from (the
``AWSTraceHeader`` attribute of an SQS message), the invocation's span to the
invocation's X-Ray trace header. A failure is recorded on its record's span (the
exception, status ``ERROR``); records that never ran (cut by the deadline, skipped
after a failure in their group, already done) get a span with their outcome too.

Nothing of OpenTelemetry is imported until the first traced invocation.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: outcomes a record span can carry (attribute ``lambent.record.outcome``)
OUTCOMES = ("succeeded", "failed", "skipped", "not_started", "cancelled", "dropped")


def _otel() -> Any:
    try:
        from opentelemetry import trace
    except ImportError as exc:
        raise ImportError(
            "lambent.tracing needs OpenTelemetry: pip install 'lambent[otel]'"
        ) from exc
    return trace


def parse_xray(header: str | None) -> tuple[int, int, bool] | None:
    """``Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=1`` -> (trace id, span id, sampled).

    ``None`` when the header has no usable root or parent.
    """
    if not header:
        return None
    fields: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            fields[name.strip()] = value.strip()
    root = fields.get("Root", "").split("-")
    parent = fields.get("Parent", "")
    if len(root) != 3 or root[0] != "1" or len(root[1]) != 8 or len(root[2]) != 24:
        return None
    if len(parent) != 16:
        return None
    try:
        trace_id = int(root[1] + root[2], 16)
        span_id = int(parent, 16)
    except ValueError:
        return None
    if trace_id == 0 or span_id == 0:
        return None
    return trace_id, span_id, fields.get("Sampled") == "1"


def _link(trace: Any, header: str | None) -> list[Any]:
    parsed = parse_xray(header)
    if parsed is None:
        return []
    trace_id, span_id, sampled = parsed
    flags = trace.TraceFlags(trace.TraceFlags.SAMPLED if sampled else trace.TraceFlags.DEFAULT)
    upstream = trace.SpanContext(trace_id, span_id, is_remote=True, trace_flags=flags)
    return [trace.Link(upstream, {"lambent.link": "aws-trace-header"})]


class Tracing:
    """Where lambent's spans go: ``tracer_provider`` (default: OpenTelemetry's global one)."""

    __slots__ = ("_tracer", "tracer_provider")

    def __init__(self, *, tracer_provider: Any = None) -> None:
        if tracer_provider is not None and (
            isinstance(tracer_provider, type)
            or not callable(getattr(tracer_provider, "get_tracer", None))
        ):  # checked here: a wrong one would fail the first traced invocation
            from lambent._errors import ConfigurationError

            shown = getattr(tracer_provider, "__name__", None) or type(tracer_provider).__name__
            raise ConfigurationError(
                "Tracing(tracer_provider=...) needs an OpenTelemetry tracer provider "
                f"(an instance, such as TracerProvider()), not {shown} {tracer_provider!r}"
            )
        self.tracer_provider = tracer_provider
        self._tracer: Any = None

    def __repr__(self) -> str:
        return "Tracing()" if self.tracer_provider is None else "Tracing(tracer_provider=...)"

    def tracer(self) -> Any:
        if self._tracer is None:
            trace = _otel()
            from lambent import __version__

            self._tracer = trace.get_tracer("lambent", __version__, self.tracer_provider)
        return self._tracer

    @contextmanager
    def invocation(
        self, *, source: str, context: Any, cold_start: bool, http: bool = False
    ) -> Iterator[InvocationTrace]:
        """The invocation's span, current while the block runs."""
        trace = _otel()
        attributes: dict[str, Any] = {"lambent.source": source, "faas.coldstart": cold_start}
        for attribute, name in (
            ("faas.invocation_id", "aws_request_id"),
            ("faas.name", "function_name"),
            ("cloud.resource_id", "invoked_function_arn"),
        ):
            value = getattr(context, name, None)
            if isinstance(value, str) and value:
                attributes[attribute] = value
        kind = trace.SpanKind.SERVER if http else trace.SpanKind.CONSUMER
        links = _link(trace, os.environ.get("_X_AMZN_TRACE_ID"))
        with self.tracer().start_as_current_span(
            f"lambent {source}", kind=kind, attributes=attributes, links=links
        ) as span:
            yield InvocationTrace(trace, self.tracer(), span, source)


class InvocationTrace:
    """One invocation's span and the record spans under it."""

    __slots__ = ("_parent", "_trace", "_tracer", "source", "span", "traced")

    def __init__(self, trace: Any, tracer: Any, span: Any, source: str) -> None:
        self._trace = trace
        self._tracer = tracer
        self.span = span
        self.source = source
        self._parent = trace.set_span_in_context(span)
        #: indices of the records that have had a span
        self.traced: set[int] = set()

    @contextmanager
    def record(self, index: int, record_id: str, upstream: str | None = None) -> Iterator[Any]:
        """Record ``index``'s span, current while the block runs; an exception escaping
        the block is recorded on it and passed on."""
        self.traced.add(index)
        trace = self._trace
        span = self._tracer.start_span(
            f"{self.source} process",
            context=self._parent,
            kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.message.id": record_id, "lambent.record.index": index},
            links=_link(trace, upstream),
        )
        try:
            with trace.use_span(span, end_on_exit=False, record_exception=False):
                yield span
        except BaseException as exc:
            outcome = "failed" if isinstance(exc, Exception) else "cancelled"
            span.set_attribute("lambent.record.outcome", outcome)
            span.record_exception(exc)
            span.set_status(trace.Status(trace.StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
            raise
        finally:
            span.end()

    def outcome(self, span: Any, outcome: str, error: BaseException | None = None) -> None:
        """Set a record span's outcome (before it ends)."""
        span.set_attribute("lambent.record.outcome", outcome)
        if error is not None:
            span.record_exception(error)
            span.set_status(
                self._trace.Status(self._trace.StatusCode.ERROR, f"{type(error).__name__}: {error}")
            )

    def answered(self, status: int | None) -> None:
        """A web event's answer: its status code on the invocation's span, which a 5xx
        answer (the handler's, or lambent's 500 or 504 for it) marks ``ERROR``."""
        if status is None:
            return
        self.span.set_attribute("http.response.status_code", status)
        if status >= 500:
            self.span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, f"HTTP {status}"))

    def not_run(
        self, index: int, record_id: str, outcome: str, error: BaseException | None = None
    ) -> None:
        """A span for a record that did not run (decided before, or cut by the deadline)."""
        if index in self.traced:
            return
        self.traced.add(index)
        span = self._tracer.start_span(
            f"{self.source} process",
            context=self._parent,
            kind=self._trace.SpanKind.CONSUMER,
            attributes={"messaging.message.id": record_id, "lambent.record.index": index},
        )
        self.outcome(span, outcome, error)
        span.end()
