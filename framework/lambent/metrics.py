"""CloudWatch metrics as Embedded Metric Format (EMF) lines on standard output.

```python
import io
from lambent.metrics import Metrics

out = io.StringIO()
metrics = Metrics(namespace="shop", dimensions={"Service": "orders"}, stream=out)
metrics.add("OrdersPlaced", 2)
metrics.add("Amount", 12.5, unit="None")
metrics.flush()
assert '"Namespace":"shop"' in out.getvalue()
```

Lambda sends a function's standard output to CloudWatch Logs, which turns each EMF
document into metric values: nothing is sent over the network from the function.
``App(metrics=Metrics(namespace=...))`` makes the dispatcher write one document per
invocation (``RecordsSucceeded``, ``RecordsFailed``, ``RecordsDropped``,
``RecordsCutByDeadline``, ``BatchSize``, ``Duration``, ``ColdStart``, ``RecordAge``); a
handler that declares a ``Metrics`` parameter gets the app's value, and what it adds
is written with its invocation.

The specification's limits are enforced here: at most 100 metrics per document and
100 values per metric (more are split over several documents), at most 30 dimensions
(29 for an app's: the dispatcher adds ``Source``), dimension values are strings, units
from CloudWatch's list, property values JSON can hold.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any, Final, Literal, TextIO, get_args

import msgspec

Unit = Literal[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
]
UNITS: Final[frozenset[str]] = frozenset(get_args(Unit))
#: the specification's limits
MAX_METRICS: Final = 100
MAX_VALUES: Final = 100
MAX_DIMENSIONS: Final = 30
MAX_NAME: Final = 255
MAX_DIMENSION_VALUE: Final = 1024

#: the metrics the dispatcher writes for each invocation (see docs/observability.md)
DISPATCHER_METRICS: Final = (
    "RecordsSucceeded",
    "RecordsFailed",
    "RecordsDropped",
    "RecordsCutByDeadline",
    "BatchSize",
    "Duration",
    "ColdStart",
    "RecordAge",
)
#: the dimension the dispatcher adds to an app's own
DISPATCHER_DIMENSION: Final = "Source"


#: the definitions of the dispatcher's document (without and with ``RecordAge``)
_DEFINITIONS: Final = [
    {"Name": name, "Unit": "Milliseconds" if name == "Duration" else "Count"}
    for name in DISPATCHER_METRICS[:-1]
]
_DEFINITIONS_AGE: Final = [*_DEFINITIONS, {"Name": "RecordAge", "Unit": "Milliseconds"}]


class MetricsError(ValueError):
    """A metric, dimension or namespace that CloudWatch would reject."""


def _encodable(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8 (no lone surrogate)."""
    return text.isascii() or not any("\ud800" <= c <= "\udfff" for c in text)


def _check_name(what: str, name: object) -> str:
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME or name != name.strip():
        raise MetricsError(f"{what} must be a string of 1 to {MAX_NAME} characters, got {name!r}")
    if not _encodable(name):
        raise MetricsError(f"{what} must be valid Unicode (no lone surrogate), got {name!r}")
    return name


def _check_dimensions(dimensions: object) -> dict[str, str]:
    if not isinstance(dimensions, Mapping):
        raise MetricsError(
            "dimensions must be a mapping of names to values (dimensions={'Service': "
            f"'orders'}}), not {type(dimensions).__name__} {dimensions!r}"
        )
    if len(dimensions) > MAX_DIMENSIONS:
        raise MetricsError(f"at most {MAX_DIMENSIONS} dimensions, got {len(dimensions)}")
    for key, value in dimensions.items():
        _check_name("a dimension name", key)
        size = len(value) if isinstance(value, str) and _encodable(value) else 0
        if not 0 < size <= MAX_DIMENSION_VALUE:
            raise MetricsError(
                f"dimension {key!r} must have a string value of 1 to {MAX_DIMENSION_VALUE} "
                f"characters (valid Unicode), got {value!r}"
            )
    return dict(dimensions)


def check_dispatched(metrics: Metrics) -> None:
    """Refuse an app's ``metrics`` whose dimensions the dispatcher's document cannot carry
    beside its own ``Source``: a dimension named ``Source`` (it would be replaced), or
    :data:`MAX_DIMENSIONS` of them (one more than CloudWatch takes)."""
    from lambent._errors import ConfigurationError

    if DISPATCHER_DIMENSION in metrics.dimensions:
        raise ConfigurationError(
            f"App(metrics=...): the dimension {DISPATCHER_DIMENSION!r} is the dispatcher's "
            "own (the source kind of each invocation); name yours otherwise"
        )
    if len(metrics.dimensions) >= MAX_DIMENSIONS:
        raise ConfigurationError(
            f"App(metrics=...): {len(metrics.dimensions)} dimensions, but the dispatcher "
            f"adds {DISPATCHER_DIMENSION!r} and CloudWatch takes at most {MAX_DIMENSIONS}: "
            f"give at most {MAX_DIMENSIONS - 1}"
        )


class _Series:
    __slots__ = ("unit", "values")

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.values: list[float] = []


class _Buffer:
    """What one invocation (or one explicit flush) has collected."""

    __slots__ = ("lock", "properties", "series")

    def __init__(self) -> None:
        self.series: dict[str, _Series] = {}
        self.properties: dict[str, Any] = {}
        self.lock = threading.Lock()  # handlers in worker threads add too


def documents(
    namespace: str,
    dimensions: Mapping[str, str],
    series: Mapping[str, tuple[str, list[float]]],
    *,
    timestamp_ms: int,
    properties: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """EMF documents for ``series`` (name -> (unit, values)), split at the spec's limits."""
    names = [n for n, (_, values) in series.items() if values]
    if not names:
        return []
    rounds = max(math.ceil(len(series[n][1]) / MAX_VALUES) for n in names)
    dimension_keys = list(dimensions)
    docs: list[dict[str, Any]] = []
    for r in range(rounds):
        present = [n for n in names if len(series[n][1]) > r * MAX_VALUES]
        for start in range(0, len(present), MAX_METRICS):
            chunk = present[start : start + MAX_METRICS]
            doc: dict[str, Any] = dict(properties or {})
            doc.update(dimensions)
            definitions = []
            for name in chunk:
                unit, values = series[name]
                part = values[r * MAX_VALUES : (r + 1) * MAX_VALUES]
                doc[name] = part[0] if len(part) == 1 else part
                definitions.append({"Name": name, "Unit": unit})
            doc["_aws"] = {
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [
                    {
                        "Namespace": namespace,
                        "Dimensions": [dimension_keys],
                        "Metrics": definitions,
                    }
                ],
            }
            docs.append(doc)
    return docs


class Metrics:
    """A CloudWatch namespace with its dimensions, written as EMF lines.

    ``add`` collects values; they are written by ``flush`` or, inside an invocation
    of an app configured with this value, when the invocation ends. ``stream``
    defaults to standard output (read when writing, so captured output works).
    """

    __slots__ = ("_current", "_outside", "_parts", "clock", "dimensions", "namespace", "stream")

    def __init__(
        self,
        namespace: str,
        *,
        dimensions: Mapping[str, str] | None = None,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.namespace = _check_name("the namespace", namespace)
        if any(c.isspace() for c in namespace):
            raise MetricsError(f"the namespace must not contain whitespace, got {namespace!r}")
        self.dimensions = _check_dimensions(dimensions or {})
        self.stream = stream
        self.clock = clock
        self._current: ContextVar[_Buffer | None] = ContextVar(
            f"lambent.metrics.{namespace}", default=None
        )
        self._outside = _Buffer()
        #: the dispatcher's document, encoded once per (source, with RecordAge)
        self._parts: dict[tuple[str, bool], tuple[str, str]] = {}

    def __repr__(self) -> str:
        return f"Metrics(namespace={self.namespace!r}, dimensions={self.dimensions!r})"

    def add(self, name: str, value: float, unit: Unit = "Count") -> None:
        """Add one value of metric ``name`` (repeated adds keep every value)."""
        _check_name("a metric name", name)
        if name in self.dimensions or name == "_aws":
            raise MetricsError(f"metric {name!r} has the name of a dimension")
        if unit not in UNITS:
            raise MetricsError(f"unit {unit!r} is not a CloudWatch unit; one of {sorted(UNITS)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise MetricsError(f"metric {name!r} needs a number, got {value!r}")
        try:
            number = float(value)
        except OverflowError:  # an int past a double's range
            number = math.inf
        if not math.isfinite(number):
            raise MetricsError(f"metric {name!r} needs a finite number, got {value!r}")
        buffer = self._current.get() or self._outside
        with buffer.lock:
            series = buffer.series.get(name)
            if series is None:
                if name in buffer.properties:
                    raise MetricsError(f"metric {name!r} has the name of a property")
                series = buffer.series[name] = _Series(unit)
            elif series.unit != unit:
                raise MetricsError(
                    f"metric {name!r} was added in {series.unit!r}, not {unit!r}, before"
                )
            series.values.append(number)

    def property(self, key: str, value: Any) -> None:
        """A member written beside the metrics (searchable in Logs Insights, not a metric)."""
        _check_name("a property name", key)
        if key in self.dimensions or key == "_aws":
            raise MetricsError(f"property {key!r} has the name of a dimension")
        try:  # here, not when the invocation's document is written
            msgspec.json.encode(value)
        except (TypeError, ValueError) as exc:  # ValueError: UnicodeEncodeError too
            raise MetricsError(
                f"property {key!r} needs a value JSON can hold (str, number, bool, None, "
                f"list, dict), got {type(value).__name__}: {exc}"
            ) from None
        buffer = self._current.get() or self._outside
        with buffer.lock:
            if key in buffer.series:
                raise MetricsError(f"property {key!r} has the name of a metric")
            buffer.properties[key] = value

    def flush(self) -> None:
        """Write what was added (in an invocation: what it added so far) and forget it."""
        buffer = self._current.get() or self._outside
        with buffer.lock:
            series = {n: (s.unit, s.values) for n, s in buffer.series.items()}
            properties = dict(buffer.properties)
            buffer.series.clear()
            buffer.properties.clear()
        self._write(
            documents(
                self.namespace,
                self.dimensions,
                series,
                timestamp_ms=self._now(),
                properties=properties,
            )
        )

    def _now(self) -> int:
        return int(self.clock() * 1000)

    def _write(self, docs: list[dict[str, Any]]) -> None:
        if not docs:
            return
        stream = self.stream if self.stream is not None else sys.stdout
        lines = b"".join(msgspec.json.encode(d) + b"\n" for d in docs)
        stream.write(lines.decode())
        stream.flush()

    @contextmanager
    def invocation(self) -> Iterator[None]:
        """Collect what handlers add while the block runs; write it when it ends."""
        token = self.begin()
        try:
            yield
        finally:
            self.end(token)

    def begin(self) -> Token[_Buffer | None]:
        """Start collecting for one invocation (the dispatcher's :meth:`invocation`)."""
        return self._current.set(_Buffer())

    def end(self, token: Token[_Buffer | None]) -> None:
        """Write what the invocation :meth:`begin` started collected, and stop."""
        buffer = self._current.get()
        try:
            if buffer is not None and (buffer.series or buffer.properties):
                self.flush()
        finally:
            self._current.reset(token)

    def write_invocation(
        self,
        *,
        source: str,
        size: int,
        succeeded: int,
        failed: int,
        dropped: int,
        cut_by_deadline: int,
        duration_ms: float,
        cold_start: bool,
        record_age_ms: float | None = None,
    ) -> None:
        """The dispatcher's document for one invocation (dimension ``Source`` added),
        written from parts encoded once per source."""
        parts = self._parts.get((source, record_age_ms is not None))
        if parts is None:
            parts = self._encode_parts(source, record_age_ms is not None)
        head, tail = parts
        age = "" if record_age_ms is None else f',"RecordAge":{max(0.0, round(record_age_ms, 3))!r}'
        line = (
            f'{head}"RecordsSucceeded":{int(succeeded)},"RecordsFailed":{int(failed)},'
            f'"RecordsDropped":{int(dropped)},"RecordsCutByDeadline":{int(cut_by_deadline)},'
            f'"BatchSize":{int(size)},"Duration":{round(float(duration_ms), 3)!r},'
            f'"ColdStart":{1 if cold_start else 0}{age},"_aws":{{"Timestamp":{self._now()},'
            f"{tail}}}}}\n"
        )
        stream = self.stream if self.stream is not None else sys.stdout
        stream.write(line)
        stream.flush()

    def _encode_parts(self, source: str, age: bool) -> tuple[str, str]:
        """The dispatcher's document around its values: the dimensions, and the directive."""
        dimensions = {**self.dimensions, DISPATCHER_DIMENSION: source}
        head = msgspec.json.encode(dimensions).decode()[:-1]  # '{"Service":"x","Source":"sqs"'
        directive = {
            "Namespace": self.namespace,
            "Dimensions": [list(dimensions)],
            "Metrics": _DEFINITIONS_AGE if age else _DEFINITIONS,
        }
        tail = '"CloudWatchMetrics":' + msgspec.json.encode([directive]).decode()
        parts = self._parts[(source, age)] = (head + ",", tail)
        return parts
