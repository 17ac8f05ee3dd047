"""``lambent serve`` (lambent._cli.serve) as a command: a subprocess answering the
Lambda API until Ctrl-C, and the async invoke config ranges it accepts."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.cli._voice import MISSING, one_line
from tests.cli._voice import lambent as run_lambent
from tests.local.conftest import lambda_client

ROOT = Path(__file__).resolve().parents[2]
APPS = "tests.local.apps.handlers"
RESPONSES = "tests.local.apps.responses"


@pytest.mark.network
def test_serve_command_and_graceful_ctrl_c(tmp_path: Path) -> None:
    """Ctrl-C while one Event invocation runs and two wait: the running one finishes, the
    two are saved. The handler holds the first one running until the server has said it
    stopped taking events, so the counts do not depend on how fast the machine is."""
    started, release, state_dir = tmp_path / "started", tmp_path / "release", tmp_path / "state"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lambent",
            "serve",
            f"{APPS}:echo",
            "--port",
            "0",
            "--function",
            f"gate={APPS}:gate",
            "--concurrency",
            "gate=1",
            "--timeout",
            "gate=60",
            "--state-dir",
            str(state_dir),
            "--drain-timeout",
            "0",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    watchdog = threading.Timer(60, process.kill)  # a hung server ends the reads below
    watchdog.start()
    try:
        assert process.stderr is not None
        banner = process.stderr.readline().decode()
        url = re.search(r"http://127\.0\.0\.1:\d+", banner)
        assert url, banner
        client: Any = lambda_client(url.group(0))
        response = client.invoke(FunctionName="function", Payload=b'{"via": "serve"}')
        assert json.loads(response["Payload"].read())["event"] == {"via": "serve"}
        payload = json.dumps({"started": str(started), "release": str(release)}).encode()
        for _ in range(3):
            client.invoke(FunctionName="gate", InvocationType="Event", Payload=payload)
        while not started.exists():  # the first event runs; the other two wait (concurrency 1)
            assert process.poll() is None
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGINT)
        said = b""
        while b"stopping: waiting for 1 running invocation(s)" not in said:
            line = process.stderr.readline()
            assert line, said.decode()
            said += line
        release.touch()  # events are no longer taken: let the running one finish
        _, err = process.communicate(timeout=20)
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert (
        f"waited for 1 running invocation(s); async events: 0 resumed, 1 finished, "
        f"2 saved to {state_dir} for the next start\n"
    ) in err.decode()
    assert len((state_dir / "gate.events.jsonl").read_text().splitlines()) == 2


@pytest.mark.parametrize(
    ("options", "ok"),
    [
        (["--max-retries", "2", "--max-event-age", "60"], True),
        (["--max-retries", "0", "--max-event-age", "21600"], True),
        (["--max-retries", "3"], False),  # MaximumRetryAttempts is 0-2
        (["--max-event-age", "59"], False),  # MaximumEventAgeInSeconds is 60-21600
        (["--max-event-age", "21601"], False),
    ],
)
def test_serve_accepts_only_lambdas_async_config_ranges(options: list[str], ok: bool) -> None:
    from lambent.__main__ import build_parser
    from lambent._cli import UsageError, serve

    args = build_parser().parse_args(["serve", f"{RESPONSES}:big", *options])
    if ok:
        [config] = serve._configs(args)
        assert 0 <= config.policy.max_retries <= 2
    else:
        with pytest.raises(UsageError):
            serve._configs(args)


@pytest.mark.network
def test_serve_mistakes(apps: dict[str, str], busy_port: int) -> None:
    one_line(run_lambent("serve", MISSING, "--port", "0"), "lambent serve", MISSING)
    one_line(
        run_lambent("serve", apps["import"], "--port", "0"), "lambent serve", "no_such_module_abc"
    )
    one_line(run_lambent("serve", apps["config"], "--port", "0"), "lambent serve", "id")
    one_line(
        run_lambent("serve", "tests.local.apps.handlers:echo", "--port", str(busy_port)),
        "lambent serve", f"cannot listen on 127.0.0.1:{busy_port}",
    )  # fmt: skip
    one_line(
        run_lambent("serve", "tests.local.apps.handlers:echo", "--host", "0.0.0.0"),
        "lambent serve", "--allow-remote",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "told"),
    [
        ([f"{APPS}:echo", "--name", "my func"], "function name 'my func'"),
        ([f"{APPS}:echo", "--function", f"function={APPS}:fail"],
         f"'function' already runs APP ({APPS}:echo, --name function)"),
        ([f"{APPS}:echo", "--function", f"x={APPS}:fail", "--function", f"x={APPS}:none"],
         f"'x' already runs {APPS}:fail"),
        ([f"{APPS}:echo", "--env", "STAGE"], "--env wants KEY=VALUE, not 'STAGE'"),
        ([f"{APPS}:echo", "--env", "AWS_REGION=eu-west-1"], "AWS_REGION is reserved"),
        ([f"{APPS}:echo", "--account-id", "42"], "account id '42' is not 12 digits"),
    ],
)  # fmt: skip
def test_serve_refuses_functions_lambda_would_not_create(argv: list[str], told: str) -> None:
    # a subprocess with a deadline: a server that took the mistake would serve forever
    one_line(run_lambent("serve", *argv, "--port", "0", timeout=20), "lambent serve", told)
