"""The App: its options are validated, and its routes freeze with the first invocation."""

from __future__ import annotations

import msgspec
import pytest

from lambent import App, ConfigurationError
from lambent.testing import FakeContext, sqs_event


class Order(msgspec.Struct):
    id: int


def test_app_options_are_validated() -> None:
    with pytest.raises(ConfigurationError):
        App(concurrency=0)
    with pytest.raises(ConfigurationError):
        App(deadline_margin=-1)


def test_routes_are_frozen_after_the_first_invocation() -> None:
    app = App()
    app.sqs("orders")(lambda order: None)
    app.handler(sqs_event({"id": 1}, queue="orders"), FakeContext())
    with pytest.raises(ConfigurationError, match="first invocation"):
        app.sqs("other")(lambda order: None)
