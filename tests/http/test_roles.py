"""What the web router asks the source registry by role (lambent.http._roles)."""

from __future__ import annotations

import pytest

from lambent import ConfigurationError, sources
from lambent.http._roles import role_spec


@pytest.mark.parametrize("role", ["request", "websocket", "authorizer", "edge"])
def test_each_role_has_the_spec_of_the_sources_serving_it(role: str) -> None:
    spec = role_spec(role)
    assert spec.role == role
    serving = [s for s in sources.web(role) if s.web is not None]
    assert serving and spec is serving[0].web


def test_a_role_no_source_serves_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="no event source serves telepathy handlers"):
        role_spec("telepathy")
