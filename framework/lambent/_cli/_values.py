"""The numbers the ``lambent`` subcommands take, read once: a port, seconds, a whole
number, each within the range Lambda (or the operating system) would take. As
``type=`` of an option, a bad value is the parser's one-line error naming the option
(exit status 2); :func:`read` gives the same check to values the command splits
itself (``lambent serve``'s ``[NAME=]VALUE``), as a :class:`~lambent._cli.UsageError`.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TypeVar

from lambent._cli import UsageError

T = TypeVar("T")

#: Lambda's limits (LAMBDA.md: quotas): a function's timeout and memory
MAX_TIMEOUT = 900.0
MIN_MEMORY, MAX_MEMORY = 128, 10_240


def port(text: str) -> int:
    """A TCP port: 0 (the system picks one) to 65535."""
    value = _whole(text)
    if not 0 <= value <= 65_535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, not {text}")
    return value


def number(
    *, least: float = 0.0, most: float = math.inf, zero: bool = True, unit: str = ""
) -> Callable[[str], float]:
    """A finite number from ``least`` to ``most`` (``zero``: ``least`` itself is taken;
    else only more than it); ``unit`` (``"seconds"``) names it in the error."""
    what = f" {unit}" if unit else ""

    def read_number(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"a number{' of' + what if what else ''}, not {text!r}"
            ) from None
        low_ok = value >= least if zero else value > least
        if not (math.isfinite(value) and low_ok and value <= most):
            raise argparse.ArgumentTypeError(f"{_range(least, most, zero)}{what}, not {text}")
        return value

    return read_number


def seconds(
    *, least: float = 0.0, most: float = math.inf, zero: bool = True
) -> Callable[[str], float]:
    """:func:`number` of seconds."""
    return number(least=least, most=most, zero=zero, unit="seconds")


def whole(*, least: int, most: int | None = None) -> Callable[[str], int]:
    """A whole number from ``least`` to ``most`` (``None``: no upper bound)."""

    def read_whole(text: str) -> int:
        value = _whole(text)
        if value < least or (most is not None and value > most):
            bound = f"{least} to {most}" if most is not None else f"at least {least}"
            raise argparse.ArgumentTypeError(f"{bound}, not {text}")
        return value

    return read_whole


#: a function's timeout as lambent's local Lambda takes it (fractions too, for tests)
timeout = seconds(least=0.0, most=MAX_TIMEOUT, zero=False)
#: a function's memory in MB
memory = whole(least=MIN_MEMORY, most=MAX_MEMORY)


def read(parse: Callable[[str], T], option: str, text: str) -> T:
    """``parse(text)`` for ``option`` (``--timeout``), its error a UsageError naming it."""
    try:
        return parse(text)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"{option}: {exc}") from None


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number, not {text!r}") from None


def _range(least: float, most: float, zero: bool) -> str:
    if most == math.inf:
        return f"at least {least:g}" if zero else f"more than {least:g}"
    if zero:
        return f"{least:g} to {most:g}"
    return f"more than {least:g} and at most {most:g}"
