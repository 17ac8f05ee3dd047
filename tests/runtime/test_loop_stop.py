"""How ``python -m lambent.runtime``'s event-loop loop ends: SIGTERM and SIGINT at each
phase (Init, polling, a stop racing ``/next``'s answer, leaving the lifespan) and a
lifespan failing on its way in or out."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import pytest

from lambent.runtime import _loop
from lambent.runtime._http import Connection
from lambent.runtime._target import AppTarget, FunctionTarget
from tests.runtime._scripted import ScriptedAPI, scripted
from tests.runtime.conftest import RuntimeAPI, sigterm

SLOW = "tests.runtime.apps.slow_lifespan.handler"
ESCAPES = "tests.runtime.apps.escapes.handler"
LIFECYCLE = "tests.runtime.apps.lifecycle.handler"


def _read_until(process: subprocess.Popen[bytes], line: str, timeout: float = 20) -> None:
    """Read the output up to ``line`` (``timeout`` seconds at most)."""
    assert process.stdout is not None
    fd, seen, deadline = process.stdout.fileno(), b"", time.monotonic() + timeout
    waiting = select.poll()  # not select.select: the whole suite's descriptors pass 1024
    waiting.register(fd, select.POLLIN)
    while f"{line}\n".encode() not in seen:
        ready = waiting.poll(max(0.0, deadline - time.monotonic()) * 1000)
        assert ready, f"the runtime did not say {line!r} within {timeout} s: {seen!r}"
        chunk = os.read(fd, 65536)
        assert chunk, f"the runtime ended before saying {line!r}: {seen!r}"
        seen += chunk


def _ended_by(process: subprocess.Popen[bytes], signum: int) -> str:
    """Send ``signum``; the process ends within 10 s (the lifespan sleeps 30 s): its output."""
    started = time.monotonic()
    process.send_signal(signum)
    out, _ = process.communicate(timeout=20)
    assert time.monotonic() - started < 10
    return out.decode()


@pytest.mark.parametrize("kind", ["error", "exit", "interrupt", "custom"])
def test_a_lifespan_failing_at_shutdown_is_one_error_record_and_exit_1(
    runtime_api_host: RuntimeAPI, kind: str
) -> None:
    # what the lifespan raises while SIGTERM ends the loop (SystemExit and KeyboardInterrupt
    # too) is logged as lambent's [ERROR] record, its frames in the user's code only; the
    # process exits 1, with no Python traceback
    process = runtime_api_host.start(ESCAPES, ESCAPE_LIFESPAN="stop", ESCAPE_KIND=kind)
    (outcome,) = runtime_api_host.wait([runtime_api_host.put(b'{"action": "echo"}')])
    out = sigterm(process)
    assert outcome.error_type is None and process.returncode == 1
    raised = {"error": "RuntimeError: an ordinary error", "exit": "SystemExit: 3",
              "interrupt": "KeyboardInterrupt", "custom": "Custom: own base exception"}[kind]  # fmt: skip
    *before, record = out.strip().split("\n")  # the record's own lines are joined by \r
    assert before == ["lifespan entered", "lifespan leaving"]
    head, *frames = record.split("\r")
    assert head == f"[ERROR] ShutdownError: the app's lifespan failed at shutdown: {raised}"
    assert frames[0] == "Traceback (most recent call last):"
    assert "escapes.py" in frames[1] and ", in lifespan" in frames[1]
    assert not any("lambent" + "/" in f or "contextlib" in f for f in frames)


async def _echo(event: Any, context: Any) -> Any:
    return event


def _poll_until_stopped(api: ScriptedAPI, answered: bool) -> None:
    """One loop polls ``api`` until stopped: the stop comes once ``/next`` is asked, with
    its answer already in the socket when ``answered`` (the event loop is blocked while
    it arrives, so the loop cannot have seen it), else with nothing of it sent."""
    stop = _loop._Stop()

    async def main() -> None:
        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                conn, target = Connection(api.address), FunctionTarget(_echo, False)
                tg.start_soon(_loop._poll, conn, target, stop)
                await anyio.to_thread.run_sync(api.wait_for, 1)  # /next was asked
                if answered:
                    api.release.set()
                    assert api.sent.wait(10)  # blocking: the loop is not told of the answer
                stop.request()

    anyio.run(main)


def test_a_stop_landing_as_next_answers_lets_that_invocation_be_answered() -> None:
    # the invocation was handed over, so it is run and answered before the loop ends
    # (it was dropped unanswered before)
    with scripted([("req-1", b'{"n": 1}')], hold=True) as api:
        _poll_until_stopped(api, answered=True)
    assert api.posts() == ["POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1"]
    assert api.requests[-1].endswith(b'{"n":1}')


def test_a_stop_before_next_answers_ends_the_loop_without_taking_one() -> None:
    with scripted([("req-1", b'{"n": 1}')], hold=True) as api:
        _poll_until_stopped(api, answered=False)
        assert not api.sent.is_set() and api.posts() == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_init_ends_it_at_once_and_cleanly(
    runtime_api_host: RuntimeAPI, signum: int
) -> None:
    # SIGTERM killed the process (-15) and SIGINT was a KeyboardInterrupt traceback before
    process = runtime_api_host.start(SLOW, SLOW_LIFESPAN="start")
    _read_until(process, "lifespan entering")
    out = _ended_by(process, signum)
    assert process.returncode == 0 and "Traceback" not in out
    assert out.strip() == "lambent.runtime: a signal ended Init"
    assert runtime_api_host.host.init_errors == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("handler", ["plain", "handler"], ids=["loop-free", "event-loop"])
def test_a_signal_during_the_handlers_import_ends_init_at_once_and_cleanly(
    runtime_api_host: RuntimeAPI, handler: str, signum: int
) -> None:
    # before either loop runs (SIGTERM killed the process, SIGINT was a traceback)
    process = runtime_api_host.start(f"tests.runtime.apps.slow_import.{handler}", SLOW_IMPORT="1")
    _read_until(process, "importing")
    out = _ended_by(process, signum)
    assert process.returncode == 0 and "Traceback" not in out
    assert out.strip() == "lambent.runtime: a signal ended Init"
    assert runtime_api_host.host.init_errors == []


def test_a_signal_during_a_snap_start_hook_ends_it_at_once_and_cleanly(
    runtime_api_host: RuntimeAPI,
) -> None:
    # not reported as the hook's failure (Runtime.BeforeSnapshotError): the lifespan is left
    process = runtime_api_host.start(
        SLOW, SLOW_LIFESPAN="snapshot", AWS_LAMBDA_INITIALIZATION_TYPE="snap-start"
    )
    _read_until(process, "before snapshot")
    out = _ended_by(process, signal.SIGTERM)
    assert process.returncode == 0 and "Traceback" not in out
    said = "lambent.runtime: a signal ended SnapStart's restore"
    assert out.strip().split("\n") == [said, "lifespan leaving", "lifespan left"]
    assert runtime_api_host.host.init_errors == [] and runtime_api_host.host.restored == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_second_signal_cuts_a_lifespan_slow_to_leave(
    runtime_api_host: RuntimeAPI, signum: int
) -> None:
    # it killed the process (SIGTERM) or raised a KeyboardInterrupt traceback (SIGINT)
    process = runtime_api_host.start(SLOW, SLOW_LIFESPAN="stop")
    runtime_api_host.wait([runtime_api_host.put(b'{"action": "echo"}')])  # polling
    process.send_signal(signal.SIGTERM)
    _read_until(process, "lifespan leaving")
    out = _ended_by(process, signum)
    assert process.returncode == 0 and "Traceback" not in out
    assert out.strip() == "lambent.runtime: a signal cut leaving the lifespan"


@pytest.mark.parametrize("kind", ["exit", "interrupt", "custom"])
def test_a_lifespan_raising_a_base_exception_at_init_is_an_init_error(
    runtime_api_host: RuntimeAPI, kind: str
) -> None:
    # as a SnapStart hook's: posted to /init/error, exit 1 (it escaped with a traceback
    # in an exception group, or ended the process silently with SystemExit's status)
    process = runtime_api_host.start(ESCAPES, ESCAPE_LIFESPAN="start", ESCAPE_KIND=kind)
    out = process.communicate(timeout=20)[0].decode()
    assert process.returncode == 1
    (doc,) = runtime_api_host.host.init_errors
    expected = {"exit": ("SystemExit", "3"), "interrupt": ("KeyboardInterrupt", ""),
                "custom": ("Custom", "own base exception")}[kind]  # fmt: skip
    assert (doc["errorType"], doc["errorMessage"]) == expected
    assert "Traceback (most recent call last):\n" not in out  # only the record's, joined by \r
    # the frames of the user's code only, as at shutdown (not contextlib's or lambent's)
    files = {frame.split('"')[1] for frame in doc["stackTrace"]}
    assert files == {str(Path(__file__).parent / "apps" / "escapes.py")}


def test_a_second_signal_cuts_the_grace_of_the_running_invocations(
    runtime_api_host: RuntimeAPI,
) -> None:
    # the first signal gives the running invocation STOP_GRACE seconds; a second one ends
    # it at once (it was ignored: the process always took the whole grace)
    process = runtime_api_host.start(LIFECYCLE)
    _read_until(process, "lifespan entered")
    request = runtime_api_host.put(b'{"action": "nap", "seconds": 30}')
    while request not in runtime_api_host.host.delivered_at:
        time.sleep(0.01)
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.send_signal(signal.SIGINT)
    out = process.communicate(timeout=20)[0].decode()
    assert time.monotonic() - started < _loop.STOP_GRACE
    assert process.returncode == 0 and "Traceback" not in out
    assert out.strip().endswith("lifespan left") and request not in runtime_api_host.host.outcomes


def test_a_signal_between_the_import_and_the_loop_asks_for_no_invocation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the import's signal handler noted it (stopped() is true): no /next is asked
    from tests.runtime.apps.slow_import import app

    with scripted([("req-1", b"{}")]) as api:
        assert anyio.run(_loop.serve, AppTarget(app), api.address, 1, lambda: True) == 0
    assert api.requests == []
    assert capsys.readouterr().err == "lambent.runtime: a signal ended Init\n"
