"""Subprocess worker: one cold start, or one batch's peak memory, in a fresh interpreter.

``python -m benchmarks._child APP IMPL EVENT_FILE`` loads the event (as the runtime
would, before calling the handler), imports IMPL's handler module for APP
(importing the framework and defining its ten-route app: the init phase), serves
the event once, and prints one ``BENCH-RESULT {json}`` line. With EVENT_FILE
``-`` it only imports the module (``APP`` ``import``). The peak RSS is reset after
the event is loaded (``/proc/self/clear_refs``), so the transient peak of parsing
the event's JSON does not hide the framework's own. Only the standard library is
imported before the clock starts.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
import time
from typing import Any

MODULES = {
    "mixed": {
        "lambent": "benchmarks.apps.cold_mixed_lambent",
        "floor": "benchmarks.apps.cold_mixed_floor",
        "powertools": "benchmarks.apps.cold_mixed_powertools",
    },
    "http": {
        "lambent": "benchmarks.apps.cold_http_lambent",
        "floor": "benchmarks.apps.cold_http_floor",
        "powertools": "benchmarks.apps.cold_http_powertools",
        "mangum": "benchmarks.apps.cold_http_mangum",
        "chalice": "benchmarks.apps.cold_http_chalice",
    },
    "import": {"lambent": "lambent", "floor": "benchmarks.apps.import_floor"},
    "import-app": {
        "lambent": "benchmarks.apps.import_app",
        "floor": "benchmarks.apps.import_floor",
    },
}
MARK = "BENCH-RESULT "


class Context:
    """The attributes of Lambda's context the handlers read (no framework import)."""

    aws_request_id = "00000000-0000-4000-8000-000000000000"
    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:bench"
    memory_limit_in_mb = "1024"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "2024/05/01/[$LATEST]0"

    def __init__(self) -> None:
        self._deadline = time.monotonic() + 900

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _rss_kb() -> int:
    return _status_kb("VmRSS")


def _reset_peak() -> bool:
    """Forget the peak RSS so far (Linux >= 4.0), so that loading the event does not count."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def _peak_kb(reset: bool) -> int:
    """The peak RSS: since :func:`_reset_peak` when it worked, else ``ru_maxrss``."""
    if reset:
        return _status_kb("VmHWM")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(app: str, impl: str, path: str) -> dict[str, Any]:
    event = None
    if path != "-":
        with open(path, "rb") as f:
            event = json.loads(f.read())
    context = Context()
    modules_before = len(sys.modules)
    reset = _reset_peak()
    rss_before = _rss_kb()
    peak_before = _peak_kb(reset)
    start = time.perf_counter()
    module = importlib.import_module(MODULES[app][impl])
    imported = time.perf_counter()
    rss_import = _rss_kb()
    modules = len(sys.modules) - modules_before
    response = None if event is None else module.handler(event, context)
    done = time.perf_counter()
    return {
        "init_ms": (imported - start) * 1000,
        "first_ms": (done - imported) * 1000,
        "total_ms": (done - start) * 1000,
        "modules": modules,
        "rss_before_kb": rss_before,
        "rss_import_kb": rss_import,
        "peak_before_kb": peak_before,
        "peak_kb": _peak_kb(reset),
        "peak_reset": reset,
        "outcome": _outcome(response),
        "asyncio": "asyncio" in sys.modules,
    }


def _outcome(response: Any) -> str:
    """What the first invocation answered, for the parent to check."""
    if response is None:
        return "none"
    if "batchItemFailures" in response:
        return f"{len(response['batchItemFailures'])} failures"
    return f"status {response['statusCode']}"


if __name__ == "__main__":
    result = main(sys.argv[1], sys.argv[2], sys.argv[3])
    sys.stdout.write(MARK + json.dumps(result) + "\n")
