"""``lambent invoke`` and ``lambent serve`` as commands (subprocesses)."""

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

from tests.local.conftest import lambda_client

ROOT = Path(__file__).resolve().parents[2]
APPS = "tests.local.apps.handlers"
AUDIT = "tests.local.apps.audit_handlers"


def lambent(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "lambent", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=30,
        check=False,
    )


@pytest.fixture
def event_file(tmp_path: Path) -> Path:
    path = tmp_path / "event.json"
    path.write_text('{"why": "cli", "n": 1}')
    return path


def test_invoke_prints_the_result_on_stdout_and_logs_on_stderr(event_file: Path) -> None:
    done = lambent("invoke", f"{APPS}:echo", str(event_file))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["event"] == {"why": "cli", "n": 1}
    assert result["function_name"] == "function"
    assert f"echo {result['request_id']}" in done.stderr.decode()


def test_invoke_reads_stdin_and_fails_with_status_1() -> None:
    done = lambent("invoke", f"{APPS}:fail", "-", stdin=b'{"why": "stdin"}')
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "bad event: stdin"
    assert "about to fail" in done.stderr.decode()


def test_invoke_file_path_app_and_tail(event_file: Path) -> None:
    done = lambent(
        "invoke", "tests/local/apps/handlers.py:app", str(event_file), "--log-type", "Tail"
    )
    assert done.returncode == 0
    assert json.loads(done.stdout) == {"object": True, "event": {"why": "cli", "n": 1}}
    assert re.search(r"^START RequestId: \S+ Version: \$LATEST$", done.stderr.decode(), re.M)
    assert "REPORT RequestId:" in done.stderr.decode()


def test_invoke_timeout(event_file: Path) -> None:
    done = lambent("invoke", f"{APPS}:sleep", "-", "--timeout", "0.5", stdin=b'{"seconds": 3}')
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert error["errorType"] == "Sandbox.Timedout"
    assert error["errorMessage"].endswith("Task timed out after 0.50 seconds")


def test_invoke_service_errors_exit_2(event_file: Path) -> None:
    bad_json = lambent("invoke", f"{APPS}:echo", "-", stdin=b"{nope")
    assert bad_json.returncode == 2
    assert bad_json.stdout == b""
    assert b"InvalidRequestContentException" in bad_json.stderr
    missing = lambent("invoke", "tests.local.apps.handlers:nothing", str(event_file))
    assert missing.returncode == 2
    assert b"has no attribute 'nothing'" in missing.stderr
    too_big = lambent("invoke", f"{APPS}:echo", "-", "--type", "Event", stdin=b" " * 1_048_577)
    assert too_big.returncode == 2
    assert b"RequestEntityTooLargeException" in too_big.stderr


def test_invoke_dry_run_and_event(tmp_path: Path) -> None:
    event = json.dumps({"dir": str(tmp_path), "key": "cli", "fail_times": 1}).encode()
    dry = lambent("invoke", f"{APPS}:flaky", "-", "--type", "DryRun", stdin=event)
    assert (dry.returncode, dry.stdout) == (0, b"")
    assert not (tmp_path / "cli.count").exists()
    queued = lambent("invoke", f"{APPS}:flaky", "-", "--type", "Event", stdin=event)
    assert queued.returncode == 0, queued.stderr
    record = json.loads(queued.stdout)
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responsePayload"] == {"key": "cli", "attempts": 2}
    never = json.dumps({"dir": str(tmp_path), "key": "x", "fail_times": 9}).encode()
    failed = lambent(
        "invoke", f"{APPS}:flaky", "-", "--type", "Event", "--max-retries", "1", stdin=never
    )
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["requestContext"]["approximateInvokeCount"] == 2


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


def test_invoke_reports_a_handlers_system_exit_as_a_function_error() -> None:
    done = lambent("invoke", "tests.local.apps.exits:exits", "-", stdin=b'{"n": 10}')
    assert done.returncode == 1
    assert json.loads(done.stdout)["errorType"] == "SystemExit"
    nested = lambent("invoke", "tests.local.apps.exits:exits", "-", stdin=b"[" * 990 + b"]" * 990)
    assert nested.returncode == 2
    assert nested.stderr.decode().startswith("lambent invoke: InvalidRequestContentException:")


# -- §2.1: event invoke config ranges ---------------------------------------------------------


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

    args = build_parser().parse_args(["serve", f"{AUDIT}:big", *options])
    if ok:
        [config] = serve._configs(args)
        assert 0 <= config.policy.max_retries <= 2
    else:
        with pytest.raises(UsageError):
            serve._configs(args)


def test_invoke_refuses_more_than_two_retries(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from lambent.__main__ import main

    event = tmp_path / "event.json"
    event.write_text("{}")
    code = main(["invoke", f"{AUDIT}:big", str(event), "--type", "DryRun", "--max-retries", "3"])
    assert code == 2
    assert "--max-retries" in capsys.readouterr().err
