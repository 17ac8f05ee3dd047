"""Raw record batches of loop-free apps answered by one plain function (``lambent._fast``:
``compiled_records``), made when the app is frozen.

The pipeline's raw road (:func:`lambent._routing.route_raw`: one route takes an unordered
batch read straight from the runtime's dicts) without its general machinery: no
coroutine per step, no tracing, hook or idempotency checks (an app that has any of them
gets no compiled answer), and the same steps as the general path in the same order —
detect, bind the log context, route, run under the deadline, log each failure once,
write the dispatcher's metrics when the app has them (the same document, through the
same :func:`lambent._observe.observe` and :func:`lambent._outcomes.write_metrics`),
render. Everything else returns :data:`lambent._fast.MISS` before any user code runs,
and :func:`lambent._pipeline.handle` answers it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambent import sources
from lambent._deadline import budget
from lambent._errors import LambentError
from lambent._fast import MISS
from lambent._inline import run_plain
from lambent._logging import invocation_logger, unbind_invocation
from lambent._observe import observe, oldest_of
from lambent._outcomes import Ids, log_outcomes, render, write_metrics
from lambent._pipeline import invocation_failed, invocation_values
from lambent._routing import route_raw
from lambent.sources._response import response_rules

if TYPE_CHECKING:
    from lambent._app import App


def compile_records(app: App) -> Callable[[Any, Any], Any] | None:
    """The compiled answer to raw batches of ``app``, or None when it cannot have one
    (an event loop, tracing, idempotency or batch hooks; no lean kind)."""
    registry = app._registry
    if (
        not app._lean_kinds
        or app.tracing is not None
        or app.idempotency is not None
        or registry.before_batch
        or registry.after_batch
        or not app._needs_no_loop()
    ):
        return None
    lean, routes, spec_for, metrics = app._lean_kinds, app.routes, sources.spec_for, app.metrics

    def answer(event: Any, context: Any) -> Any:
        spec = spec_for(event)
        if (
            spec is None
            or spec.kind not in lean
            or spec.raw is None
            or spec.answer is not None
            or response_rules(spec).item_results
        ):
            return MISS
        kind = spec.kind
        cold = app._cold
        values = invocation_values(app, context, kind, cold)
        log, tokens = invocation_logger("lambent", values)
        try:
            if metrics is None:
                return run(spec, event, context, log, cold, None)
            with observe(app, kind, context, cold) as obs:
                return run(spec, event, context, log, cold, obs)
        except LambentError as exc:
            invocation_failed(log, exc)
            raise
        finally:
            unbind_invocation(tokens)

    def run(spec: Any, event: Any, context: Any, log: Any, cold: bool, obs: Any) -> Any:
        found = route_raw(routes, spec, event, context, log)
        if found is None:
            return MISS
        app._cold = False
        batch = found[0]
        first = None  # when the oldest record entered its source, as the general path reads it
        if obs is not None and len(batch):
            oldest = oldest_of(spec, True)
            first = oldest(batch.items) if oldest is not None else None
        limit = budget(context, app.deadline_margin + spec.reserve)
        run_plain(batch, limit, used={batch.runners[0]})  # one runner for every record
        ids = Ids(spec, batch, spec.raw.record_id)
        log_outcomes(log, batch, ids)
        if obs is not None:
            assert metrics is not None
            write_metrics(
                metrics, spec.kind, batch, cold=obs.cold, started=obs.started, oldest=first
            )
        response = render(spec, event, None, batch, ids)
        # logged and answered: a handler's exception holds its traceback, whose frames hold
        # the batch that holds the exception, a cycle only the garbage collector would free
        # (and a full collection scans the whole heap): freed now, by reference counting
        batch.errors.clear()
        return response

    return answer
