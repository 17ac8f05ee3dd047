"""Handler signatures (:mod:`lambent._inject`): resolved once, with clear registration errors."""

from __future__ import annotations

import msgspec
import pytest

from lambent import (
    App,
)


def test_local_annotation_types_get_a_clear_registration_error() -> None:
    from lambent import ConfigurationError

    class Local(msgspec.Struct):
        x: int

    app = App()
    with pytest.raises(ConfigurationError, match="module level"):

        @app.invoke()
        def job(value: Local) -> None: ...
