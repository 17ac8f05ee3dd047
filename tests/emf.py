"""A checker of CloudWatch Embedded Metric Format documents, written from the specification's
rules (root ``_aws`` member, MetricDirectives, limits, target members), for tests."""

from __future__ import annotations

import json
import math
from typing import Any

from lambent.metrics import UNITS


def check(line: str) -> dict[str, Any]:
    """The document on ``line``, or AssertionError naming the rule it breaks."""
    doc = json.loads(line)
    assert isinstance(doc, dict), "a document is a JSON object"
    meta = doc.get("_aws")
    assert isinstance(meta, dict), "the root has an _aws object"
    assert set(meta) <= {"Timestamp", "CloudWatchMetrics", "LogGroupName", "LogStreamName"}
    ts = meta.get("Timestamp")
    assert isinstance(ts, int) and not isinstance(ts, bool) and ts > 0, "Timestamp: ms since epoch"
    directives = meta.get("CloudWatchMetrics")
    assert isinstance(directives, list) and directives, "CloudWatchMetrics: a non-empty array"
    for directive in directives:
        assert set(directive) == {"Namespace", "Dimensions", "Metrics"}
        ns = directive["Namespace"]
        assert isinstance(ns, str) and 1 <= len(ns) <= 255 and not any(c.isspace() for c in ns)
        assert isinstance(directive["Dimensions"], list)
        for dimension_set in directive["Dimensions"]:
            assert isinstance(dimension_set, list) and len(dimension_set) <= 30
            for key in dimension_set:
                assert isinstance(key, str) and 1 <= len(key) <= 255
                value = doc.get(key)
                assert isinstance(value, str), f"dimension {key} has a string target"
                assert 1 <= len(value) <= 1024
        metrics = directive["Metrics"]
        assert isinstance(metrics, list) and 1 <= len(metrics) <= 100, "1 to 100 metrics"
        names = [m["Name"] for m in metrics]
        assert len(names) == len(set(names)), "each metric once per directive"
        for definition in metrics:
            assert set(definition) <= {"Name", "Unit", "StorageResolution"}
            name = definition["Name"]
            assert isinstance(name, str) and 1 <= len(name) <= 255
            assert definition.get("Unit", "None") in UNITS
            value = doc.get(name)
            values = value if isinstance(value, list) else [value]
            assert 1 <= len(values) <= 100, f"{name}: 1 to 100 values"
            for v in values:
                assert isinstance(v, int | float) and not isinstance(v, bool), f"{name}: numbers"
                assert math.isfinite(v)
    return doc


def read(text: str) -> list[dict[str, Any]]:
    """Every EMF document in captured output (other lines ignored)."""
    return [check(line) for line in text.splitlines() if line.startswith("{") and '"_aws"' in line]
