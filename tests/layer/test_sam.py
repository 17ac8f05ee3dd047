"""``examples/sam/template.yaml``: valid for cfn-lint, and wired to what the app routes on."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.layer.conftest import REPO, layer_path, target_python, unzip

TEMPLATE = REPO / "examples" / "sam" / "template.yaml"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    from cfnlint.decode import decode  # type: ignore[import-untyped]

    doc, problems = decode(str(TEMPLATE))
    assert not problems, problems
    assert doc is not None
    return dict(doc)


def events(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    found = []
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            for event in resource["Properties"].get("Events", {}).values():
                if event["Type"] == kind:
                    found.append(event["Properties"])
    return found


def test_cfn_lint_finds_nothing() -> None:
    from cfnlint.api import lint_all  # type: ignore[import-untyped]

    problems = lint_all(TEMPLATE.read_text(encoding="utf-8"))
    # informational rules too, but I4010 (a free-text "Context" metadata block) is advice
    # about documenting templates for tools, not about this template's correctness
    found = [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in problems]
    assert [f for f in found if not f.startswith("I4010")] == []


def test_cfn_lint_command_accepts_the_template() -> None:
    command = shutil.which("cfn-lint", path=str(Path(sys.executable).parent))
    if command is None:
        pytest.skip("the cfn-lint command is not installed next to this Python")
    done = subprocess.run([command, str(TEMPLATE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_function_runs_the_example_app_on_the_layer(template: dict[str, Any]) -> None:
    function = template["Globals"]["Function"]
    assert function["Layers"] == [{"Ref": "LambentLayer"}]
    layer = template["Resources"]["LambentLayer"]["Properties"]
    assert layer["ContentUri"] == "../../dist/lambent-layer.zip"  # lambent layer build -o
    assert layer["CompatibleRuntimes"] == [function["Runtime"]]
    module, _, attr = function["Handler"].rpartition(".")
    assert callable(getattr(importlib.import_module(module), attr))


def test_sources_are_wired_with_partial_batch_responses(template: dict[str, Any]) -> None:
    from examples.orders import app

    queues = events(template, "SQS")
    assert [q["FunctionResponseTypes"] for q in queues] == [["ReportBatchItemFailures"]]
    streams = events(template, "DynamoDB")
    assert [s["FunctionResponseTypes"] for s in streams] == [["ReportBatchItemFailures"]]
    assert {(e["Method"], e["Path"]) for e in events(template, "HttpApi")} == {
        ("POST", "/orders"),
        ("GET", "/orders/{order_id}"),
    }
    assert [s["Name"] for s in events(template, "Schedule")] == [app.SUMMARY_RULE]
    resources = {name: r["Properties"] for name, r in template["Resources"].items()}
    assert resources["OrdersQueue"]["QueueName"] == app.QUEUE
    assert resources["OrdersTable"]["TableName"] == app.TABLE


def stage_function_code(dest: Path) -> Path:
    """Stage the functions' code as docs/layers.md says (``examples/sam/build/function``)."""
    package = dest / "examples"
    package.mkdir(parents=True)
    shutil.copy2(REPO / "examples" / "__init__.py", package / "__init__.py")
    shutil.copytree(
        REPO / "examples" / "orders",
        package / "orders",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return dest


@pytest.mark.slow
def test_staged_code_runs_on_the_aws_layer(
    template: dict[str, Any], build: Any, tmp_path: Path
) -> None:
    """The template's handler, from the staged code, on the layer, under python3.12."""
    from lambent.testing import schedule_event

    interpreter = target_python("3.12")
    task = stage_function_code(tmp_path / "task")
    opt = unzip(build(extras=("aws",)).output, tmp_path / "opt")
    handler = template["Globals"]["Function"]["Handler"]
    module, _, attr = handler.rpartition(".")
    event = json.dumps(schedule_event(rule="orders-daily-summary"))
    path = [str(task), *layer_path(opt, "3.12")]
    code = (
        f"import sys, json; sys.path[:0] = {path!r}\n"
        f"from {module} import {attr} as handler\n"
        "import lambent, aiobotocore.session\n"
        f"print(json.dumps([handler(json.loads({event!r}), None), lambent.__file__]))\n"
    )
    done = subprocess.run(
        [interpreter, "-I", "-B", "-c", code], capture_output=True, text=True, cwd=task
    )
    assert done.returncode == 0, done.stderr
    result, where = json.loads(done.stdout.splitlines()[-1])
    assert result is None
    assert where.startswith(str(opt))


def test_runtime_loop_streaming_url_and_managed_instances_are_configured(
    template: dict[str, Any],
) -> None:
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/lambent-wrapper"
    resources = {name: r["Properties"] for name, r in template["Resources"].items()}
    url = resources["OrdersApiFunction"]["FunctionUrlConfig"]
    assert url["InvokeMode"] == {"Ref": "ApiUrlInvokeMode"}
    modes = template["Parameters"]["ApiUrlInvokeMode"]["AllowedValues"]
    assert sorted(modes) == ["BUFFERED", "RESPONSE_STREAM"]
    condition, managed, elsewhere = resources["OrdersQueueFunction"]["CapacityProviderConfig"][
        "Fn::If"
    ]
    assert managed == {
        "Arn": {"Ref": "CapacityProviderArn"},
        "PerExecutionEnvironmentMaxConcurrency": 8,
    }
    assert elsewhere == {"Ref": "AWS::NoValue"}
    assert condition in template["Conditions"]
