"""The docstring examples of ``lambent.testing`` run, and its ``__all__`` is honest."""

from __future__ import annotations

import doctest
import importlib

import pytest

import lambent.testing

MODULES = [
    "lambent.testing",
    "lambent.testing._context",
    "lambent.testing.events.dynamodb",
    "lambent.testing.events.http",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_all_lists_every_public_name() -> None:
    public = {n for n in vars(lambent.testing) if not n.startswith("_")} - {"annotations", "events"}
    assert set(lambent.testing.__all__) == public
    assert all(hasattr(lambent.testing, name) for name in lambent.testing.__all__)
