"""What every command says of a failing app lifespan (lambent._lifespans): the one line
and the traceback of the user's frames under it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import anyio
import pytest

from lambent import App
from lambent._lifespans import StartupFailed, failure, report

#: whether ``_failing`` raises (always: a flag so that its ``yield`` is reachable)
FAILS = [True]


@contextlib.asynccontextmanager
async def _failing(app: App) -> AsyncIterator[None]:
    if FAILS[0]:
        raise SystemExit(3)
    yield


def _entered() -> BaseException:
    """What entering an app whose lifespan raises gives, caught where it is entered: its
    traceback runs through contextlib's and the app's frames to the lifespan."""

    async def enter() -> BaseException:
        try:
            async with App(lifespan=_failing).running():
                pass
        except SystemExit as exc:
            return exc
        raise AssertionError("entered")

    return anyio.run(enter)


@pytest.mark.parametrize(
    ("exc", "said"),
    [(RuntimeError("db down"), "RuntimeError: db down"), (KeyboardInterrupt(), "KeyboardInterrupt"),
     (SystemExit(3), "SystemExit: 3")],
)  # fmt: skip
def test_the_failure_names_the_step_and_the_exception(exc: BaseException, said: str) -> None:
    assert failure("startup", exc) == f"the app's lifespan failed at startup: {said}"
    assert str(StartupFailed(exc)) == f"the app's lifespan failed at startup: {said}"
    assert StartupFailed(exc).error is exc


def test_the_report_is_one_line_and_the_frames_of_the_users_code_only() -> None:
    first, second, *frames = report("lambent poll", "startup", _entered()).splitlines()
    assert first == "lambent poll: the app's lifespan failed at startup: SystemExit: 3"
    assert second == "Traceback (most recent call last):"
    # where it was entered and where it was raised: contextlib's and lambent's left out
    assert frames[0].startswith(f'  File "{__file__}", line ') and frames[0].endswith(" in enter")
    assert frames[2].startswith(f'  File "{__file__}", line ') and frames[2].endswith(" _failing")
    assert frames[3] == "    raise SystemExit(3)"
    assert len(frames) == 4


def test_an_exception_never_raised_is_the_line_alone() -> None:
    assert report("lambent dev", "shutdown", RuntimeError("x")) == (
        "lambent dev: the app's lifespan failed at shutdown: RuntimeError: x\n"
    )
