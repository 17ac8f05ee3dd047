"""Targets, wheel tags and the pip marker environment (no network)."""

from __future__ import annotations

import sys

import pytest

from lambent._layer import LayerError, Target
from lambent._layer.target import find_interpreter, interpreter_version


def test_defaults_are_python_3_12_on_x86_64() -> None:
    target = Target()
    assert (target.runtime, target.arch, target.machine) == ("python3.12", "x86_64", "x86_64")
    assert target.site_packages == "python/lib/python3.12/site-packages"
    assert target.bytecode_tag == "cpython-312"


@pytest.mark.parametrize(
    ("python", "arch", "platforms"),
    [
        ("3.11", "x86_64", ("manylinux2014_x86_64",)),
        ("3.12", "arm64", ("manylinux2014_aarch64", "manylinux_2_28_aarch64")),
        ("3.13", "x86_64", ("manylinux2014_x86_64", "manylinux_2_28_x86_64")),
    ],
)
def test_platforms_follow_the_runtime_os(python: str, arch: str, platforms: tuple[str]) -> None:
    assert Target(python=python, arch=arch).platforms == platforms


def test_marker_environment_is_the_runtime_not_this_python() -> None:
    env = Target(python="3.13", arch="arm64").marker_environment()
    assert env["python_version"] == "3.13"
    assert env["platform_machine"] == "aarch64"
    assert env["sys_platform"] == "linux"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"python": "3.10"}, "not a Lambda runtime lambent supports"),
        ({"arch": "aarch64"}, "choose x86_64 or arm64"),
        ({"extras": ("boto",)}, "unknown extra"),
    ],
)
def test_bad_targets_say_what_to_choose(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(LayerError, match=message):
        Target(**kwargs)  # type: ignore[arg-type]


def test_extras_are_deduplicated_and_sorted() -> None:
    target = Target(extras=("aws", "aws"))
    assert target.extras == ("aws",)
    assert target.requirement("/w/lambent.whl") == "/w/lambent.whl[aws]"
    assert Target().requirement("/w/lambent.whl") == "/w/lambent.whl"


def test_interpreters_are_found_by_version() -> None:
    here = "{}.{}".format(*sys.version_info[:2])
    assert interpreter_version(sys.executable) == here
    assert interpreter_version("/nonexistent/python") is None
    found = find_interpreter(here)
    assert found is None or interpreter_version(found) == here
