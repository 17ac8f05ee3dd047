"""``import lambent`` stays light and has no side effects; ``__all__`` tells the truth."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import lambent

PROBE = """
import json, logging, os, sys
env = dict(os.environ)
root_handlers = list(logging.getLogger().handlers)
import lambent
print(json.dumps({
    "modules": sorted(sys.modules),
    "env_changed": env != dict(os.environ),
    "handlers_changed": root_handlers != list(logging.getLogger().handlers),
}))
"""


def test_import_is_light_and_side_effect_free() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout
    report = json.loads(out)
    heavy = [
        m
        for m in report["modules"]
        if m.split(".")[0]
        in {
            "botocore",
            "aiobotocore",
            "aiohttp",
            "boto3",
            "structlog",
            "opentelemetry",
            "pydantic",
        }
    ]
    assert heavy == []  # (lambent's own modules: the exact list below)
    # no source module: only the registry's own small private modules
    assert not any(
        m.startswith("lambent.sources.") and not m.rpartition(".")[2].startswith("_")
        for m in report["modules"]
    )
    # public names load their modules on first use: ``import lambent`` is its errors
    assert [m for m in report["modules"] if m.startswith("lambent")] == [
        "lambent",
        "lambent._errors",
    ]
    assert report["env_changed"] is False
    assert report["handlers_changed"] is False
    assert out.strip().startswith("{")  # nothing printed at import


def test_public_names_load_on_first_use_and_star_import_gets_them_all() -> None:
    code = (
        "import sys, lambent\n"
        "before = 'lambent._app' in sys.modules\n"
        "from lambent import *\n"
        "print(before, App is lambent.App, sorted(set(lambent.__all__) - set(dir(lambent))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "True", "[]"]


def test_all_names_exist_and_are_exported() -> None:
    for name in lambent.__all__:
        assert hasattr(lambent, name), name
    # submodules are attributes once imported, not re-exports
    submodules = {
        "sources", "testing", "http", "aws", "poll", "runtime", "idempotency", "metrics",
        "tracing", "openapi",
    }  # fmt: skip
    public = {n for n in vars(lambent) if not n.startswith("_")} - {"annotations"} - submodules
    assert public <= set(lambent.__all__), public - set(lambent.__all__)


@pytest.mark.parametrize(
    "package",
    ["lambent.aws", "lambent.http", "lambent.idempotency", "lambent.openapi", "lambent.poll",
     "lambent.runtime", "lambent.sources", "lambent.testing", "lambent.testing.events"],
)  # fmt: skip
def test_every_name_a_public_package_exports_is_there(package: str) -> None:
    """``__all__`` of each public package names what it has (lazy names load on access)."""
    module = importlib.import_module(package)
    assert module.__all__
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []


HTTP_ONLY = """
import json, sys
from lambent import App

event = json.loads(sys.stdin.read())
app = App()

@app.get("/orders/{order_id}")
def get_order(order_id: str) -> dict:
    return {"order_id": order_id}

@app.post("/orders")
def post_order() -> dict:
    return {}

defined = set(sys.modules)
answer = app.handler(event, None)
print(json.dumps({
    "status": answer["statusCode"],
    "defined": sorted(defined),
    "first": sorted(set(sys.modules) - defined),
}))
"""


def test_an_http_only_app_with_plain_handlers_loads_no_loop_logger_or_record_sources() -> None:
    from lambent.testing import http_request

    event = json.dumps(http_request("GET", "/orders/o-1", source="apigw-rest", seed=1))
    out = subprocess.run(
        [sys.executable, "-c", HTTP_ONLY], input=event, capture_output=True, text=True, check=True
    ).stdout
    report = json.loads(out.strip().splitlines()[-1])
    assert report["status"] == 200
    loaded = report["defined"] + report["first"]
    assert [m for m in loaded if m.split(".")[0] in {"asyncio", "anyio", "structlog"}] == []
    record_sources = {"sqs", "sns", "s3", "dynamodb", "kinesis", "kafka", "mq", "firehose"}
    assert [m for m in loaded if m.rpartition(".")[2] in record_sources] == []
    # the first request imports no lambent module: detection leaves every source that
    # could not claim the event unimported, and the ones it asks about an HTTP request
    # were imported with the routes
    assert [m for m in report["first"] if m.startswith("lambent")] == []


RECORDS_ONLY = """
import json, sys
from lambent import App

event = json.loads(sys.stdin.read())
app = App()

@app.sqs("orders")
def on_order(order: dict) -> None:
    pass

answer = app.handler(event, None)
print(json.dumps({"answer": answer, "modules": sorted(sys.modules)}))
"""


def test_a_record_only_app_never_loads_the_web_router_or_other_sources() -> None:
    from lambent.testing import sqs_event

    event = json.dumps(sqs_event({"id": 1}, queue="orders", seed=1))
    out = subprocess.run(
        [sys.executable, "-c", RECORDS_ONLY],
        input=event,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    report = json.loads(out.strip().splitlines()[-1])
    assert report["answer"] == {"batchItemFailures": []}
    loaded = report["modules"]
    assert [m for m in loaded if m.startswith("lambent.http")] == []
    sources = [m for m in loaded if m.startswith("lambent.sources.") and "._" not in m]
    assert sources == ["lambent.sources.sqs"]
