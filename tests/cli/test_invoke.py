"""``lambent invoke`` (lambent._cli.invoke) as a command (subprocesses)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli._voice import MISSING, one_line
from tests.cli._voice import lambent as run_lambent

ROOT = Path(__file__).resolve().parents[2]
APPS = "tests.local.apps.handlers"
RESPONSES = "tests.local.apps.responses"


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


def test_invoke_exits_at_the_timeout_however_long_the_handler_blocks() -> None:
    # the handler's thread is left sleeping for a minute: the command does not wait for it
    # (its subprocess would time out after 30 seconds)
    done = lambent("invoke", f"{APPS}:sleep", "-", "--timeout", "0.5", stdin=b'{"seconds": 60}')
    assert done.returncode == 1
    assert json.loads(done.stdout)["errorType"] == "Sandbox.Timedout"


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


def test_invoke_reports_a_handlers_system_exit_as_a_function_error() -> None:
    done = lambent("invoke", "tests.local.apps.exits:exits", "-", stdin=b'{"n": 10}')
    assert done.returncode == 1
    assert json.loads(done.stdout)["errorType"] == "SystemExit"
    nested = lambent("invoke", "tests.local.apps.exits:exits", "-", stdin=b"[" * 990 + b"]" * 990)
    assert nested.returncode == 2
    assert nested.stderr.decode().startswith("lambent invoke: InvalidRequestContentException:")


def test_invoke_refuses_more_than_two_retries(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from lambent.__main__ import main

    event = tmp_path / "event.json"
    event.write_text("{}")
    code = main(
        ["invoke", f"{RESPONSES}:big", str(event), "--type", "DryRun", "--max-retries", "3"]
    )
    assert code == 2
    assert "--max-retries" in capsys.readouterr().err


def test_invoke_mistakes(apps: dict[str, str]) -> None:
    one_line(run_lambent("invoke", MISSING, apps["event"]), "lambent invoke", MISSING)
    one_line(run_lambent("invoke", apps["config"], apps["event"]), "lambent invoke", "id")
    one_line(
        run_lambent("invoke", apps["config"], "missing.json"), "lambent invoke", "missing.json"
    )


@pytest.mark.parametrize(
    ("options", "told"),
    [
        (["--name", "my func"], "function name 'my func': 1 to 64 letters"),
        (["--name", "my func", "--type", "DryRun"], "function name 'my func'"),
        (["--tenant-id", "a\\b"], "Invalid tenant id"),
        (["--client-context", "WzFd"], "valid Base64-encoded JSON object"),  # '[1]'
    ],
)
def test_invoke_refuses_what_lambda_refuses_in_one_line(
    options: list[str], told: str, capsys: pytest.CaptureFixture[str], event_file: Path
) -> None:
    from lambent.__main__ import main

    assert main(["invoke", f"{APPS}:echo", str(event_file), *options]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("lambent invoke: ") and told in captured.err
