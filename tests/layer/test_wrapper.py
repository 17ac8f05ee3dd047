"""The layer's ``lambent-wrapper`` run as Lambda's managed Python runtime runs it.

The managed runtime's bootstrap execs ``$AWS_LAMBDA_EXEC_WRAPPER <python> <bootstrap>``
(LAMBDA.md §3.5). Here a stand-in for that bootstrap is the worker ``lambent serve``
starts: it ignores the arguments meant for awslambdaric and execs the wrapper exactly so,
with the target Python. The wrapper must then run ``lambent.runtime`` from the layer
(nothing of the test's virtualenv on the path) and serve boto3's invocations.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from lambent._local.model import FunctionConfig
from lambent._local.server import LocalLambda, ServerThread
from lambent.testing import sqs_event
from tests.layer.conftest import APP_DIR, layer_path, target_python, unzip
from tests.layer.test_runtime import _aws_env, invoke, lambda_client  # noqa: F401 (fixture)

pytestmark = [pytest.mark.slow, pytest.mark.network]

MANAGED_BOOTSTRAP = """\
#!/bin/sh
# stands in for the managed Python runtime: version queries go to Python itself,
# the runtime start goes through AWS_LAMBDA_EXEC_WRAPPER as Lambda's bootstrap does it
if [ "$1" = "-c" ]; then exec {python} "$@"; fi
exec "$AWS_LAMBDA_EXEC_WRAPPER" {python} /var/runtime/bootstrap.py
"""


def test_the_wrapper_serves_invocations_with_the_layers_lambent(build: Any, tmp_path: Path) -> None:
    python = "3.12"
    interpreter = target_python(python)
    opt = unzip(build(python=python).output, tmp_path / "opt")
    wrapper = opt / "lambent-wrapper"
    wrapper.chmod(0o755)  # zipfile.extractall drops modes; Lambda's extraction keeps them
    runtime = tmp_path / "managed-python"
    runtime.write_text(MANAGED_BOOTSTRAP.format(python=interpreter))
    runtime.chmod(runtime.stat().st_mode | stat.S_IEXEC)
    config = FunctionConfig(
        name="layered",
        target=f"{APP_DIR / 'layer_app.py'}:handler",
        mode="awslambdaric",
        timeout=30.0,
        python=str(runtime),
        environment={
            "AWS_LAMBDA_EXEC_WRAPPER": str(wrapper),
            "PYTHONPATH": "",
            "PYTHONNOUSERSITE": "1",
        },
    )
    event = sqs_event({"id": "a"}, {"id": "b", "poison": True}, queue="orders")
    with ServerThread(LocalLambda([config], shutdown_timeout=10.0)) as url:
        client = lambda_client(url)
        where, response = invoke(client, {"action": "where"})
        assert "FunctionError" not in response, where
        result, response = invoke(client, event)
        assert result == {
            "batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]
        }
    site = opt / f"python/lib/python{python}/site-packages"
    assert where["python"] == python
    assert where["lambent"].startswith(str(site))
    assert where["runtime"] == "lambent.runtime"
    assert where["runpy"] is False  # the wrapper enters the loop without ``python -m``
    assert [p for p in where["path"] if p.startswith(str(opt))][:2] == layer_path(opt, python)
    assert not any(".venv" in p for p in where["path"])


def test_the_wrapper_refuses_to_run_by_itself(build: Any, tmp_path: Path) -> None:
    import subprocess

    opt = unzip(build(python="3.12").output, tmp_path / "opt")
    done = subprocess.run(["sh", str(opt / "lambent-wrapper")], capture_output=True, text=True)
    assert done.returncode == 2 and "AWS_LAMBDA_EXEC_WRAPPER" in done.stderr


@pytest.mark.parametrize(
    ("value", "runs", "said"),
    [(None, "lambent", False), ("lambent", "lambent", False),
     ("awslambdaric", "bootstrap", False), ("awslambdaRIC", "lambent", True),
     ("managed", "lambent", True)],
)  # fmt: skip
def test_lambent_runtime_picks_the_loop_and_a_value_it_does_not_know_is_said(
    tmp_path: Path, value: str | None, runs: str, said: bool
) -> None:
    # a misspelt LAMBENT_RUNTIME (meant to hand over to awslambdaric) ran lambent's loop
    # without a word
    import os
    import subprocess

    from lambent._layer.wrapper import SCRIPT

    wrapper = tmp_path / "lambent-wrapper"
    wrapper.write_text(SCRIPT)
    python = tmp_path / "python"  # stands in for the interpreter: says what it was asked
    python.write_text('#!/bin/sh\nif [ "$1" = "-c" ]; then echo lambent; else echo bootstrap; fi\n')
    python.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "LAMBENT_RUNTIME"}
    env.update(_HANDLER="app.handler", **({} if value is None else {"LAMBENT_RUNTIME": value}))
    done = subprocess.run(
        ["sh", str(wrapper), str(python), "/var/runtime/bootstrap.py"],
        env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout.strip()) == (0, runs)
    if said:
        assert done.stderr == (
            f"lambent-wrapper: LAMBENT_RUNTIME={value} is neither lambent nor awslambdaric: "
            "running lambent's loop\n"
        )
    else:
        assert done.stderr == ""
