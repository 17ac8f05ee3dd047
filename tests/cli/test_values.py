"""The numbers the subcommands take (lambent._cli._values): each within the range Lambda
or the system takes, a bad one reported as one line naming its option, exit status 2,
before anything starts."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent.__main__ import main
from lambent._cli import UsageError
from lambent._cli._values import memory, number, port, read, seconds, timeout, whole

RESPONSES = "tests.local.apps.responses:big"


@given(st.integers(min_value=-100_000, max_value=100_000))
def test_a_port_is_0_to_65535(value: int) -> None:
    if 0 <= value <= 65_535:
        assert port(str(value)) == value
    else:
        with pytest.raises(argparse.ArgumentTypeError, match="a port is 0 to 65535"):
            port(str(value))


@pytest.mark.parametrize("text", ["x", "1.5", "", "8000 "[:-1] + "x"])
def test_a_port_is_a_whole_number(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="a whole number"):
        port(text)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_timeout_is_more_than_0_and_at_most_lambdas_900_seconds(value: float) -> None:
    if 0 < value <= 900:
        assert timeout(repr(value)) == value
    else:  # NaN and the infinities too
        with pytest.raises(argparse.ArgumentTypeError, match="more than 0 and at most 900"):
            timeout(repr(value))


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_seconds_are_finite_and_at_least_the_least(value: float) -> None:
    read_seconds = seconds(least=0.0)
    if math.isfinite(value) and value >= 0:
        assert read_seconds(repr(value)) == value
    else:
        with pytest.raises(argparse.ArgumentTypeError, match="at least 0 seconds"):
            read_seconds(repr(value))


def test_the_range_is_said_as_it_is() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=r"^at least 0, not -1$"):
        number()("-1")
    with pytest.raises(argparse.ArgumentTypeError, match=r"^more than 1 seconds, not 1$"):
        seconds(least=1, zero=False)("1")
    with pytest.raises(argparse.ArgumentTypeError, match=r"^60 to 120 seconds, not 121$"):
        seconds(least=60, most=120)("121")
    with pytest.raises(argparse.ArgumentTypeError, match=r"^a number of seconds, not 'ten'$"):
        seconds()("ten")
    with pytest.raises(argparse.ArgumentTypeError, match=r"^a number, not 'ten'$"):
        number()("ten")


@given(st.integers(min_value=-20_000, max_value=20_000))
def test_memory_is_lambdas_128_to_10240_mb(value: int) -> None:
    if 128 <= value <= 10_240:
        assert memory(str(value)) == value
    else:
        with pytest.raises(argparse.ArgumentTypeError, match="128 to 10240"):
            memory(str(value))
    assert whole(least=1)(str(abs(value) + 1)) == abs(value) + 1


def test_a_value_the_command_splits_itself_is_a_usage_error_naming_its_option() -> None:
    assert read(timeout, "--timeout", "2.5") == 2.5
    with pytest.raises(UsageError, match=r"^--timeout: more than 0 and at most 900 seconds, "):
        read(timeout, "--timeout", "nan")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["serve", RESPONSES, "--port", "99999"], ["--port", "0 to 65535"]),
        (["serve", RESPONSES, "--timeout", "abc"], ["--timeout", "'abc'"]),
        (["serve", RESPONSES, "--timeout", "nan"], ["--timeout", "at most 900"]),
        (["serve", RESPONSES, "--name", "big", "--timeout", "big=1000"], ["--timeout", "1000"]),
        (["serve", RESPONSES, "--memory", "5"], ["--memory", "128 to 10240"]),
        (["serve", RESPONSES, "--concurrency", "0"], ["--concurrency", "at least 1"]),
        (["serve", RESPONSES, "--max-retries", "x"], ["--max-retries", "'x'"]),
        (["serve", RESPONSES, "--retry-delays", "1,a"], ["--retry-delays", "'a'"]),
        (["serve", RESPONSES, "--max-event-age", "inf"], ["--max-event-age"]),
        (["serve", RESPONSES, "--time-scale", "nan"], ["--time-scale"]),
        (["serve", RESPONSES, "--shutdown-timeout", "-5"], ["--shutdown-timeout", "-5"]),
        (["serve", RESPONSES, "--drain-timeout", "inf"], ["--drain-timeout"]),
        (["dev", RESPONSES, "--port", "-1"], ["--port", "-1"]),
        (["dev", RESPONSES, "--timeout", "0"], ["--timeout", "more than 0"]),
        (["invoke", RESPONSES, "event.json", "--timeout", "nan"], ["--timeout"]),
        (["invoke", RESPONSES, "event.json", "--memory", "0"], ["--memory"]),
        (["invoke", RESPONSES, "event.json", "--retry-delays", "x"], ["--retry-delays", "'x'"]),
        (["events", "generate", "sqs", "--indent", "-1"], ["--indent", "at least 0"]),
    ],
)
def test_a_bad_number_is_one_line_naming_its_option_and_exit_status_2(
    argv: list[str], words: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = [str(tmp_path / a) if a == "event.json" else a for a in argv]
    (tmp_path / "event.json").write_text("{}")
    try:
        code = main(argv)
    except SystemExit as exc:  # the parser's own error
        code = int(exc.code or 0)
    assert code == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"lambent {argv[0]}"), err
    for word in words:
        assert word in lines[0], lines[0]
