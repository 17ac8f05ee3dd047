from __future__ import annotations

import pytest

from tests import corpus


@pytest.fixture
def require_corpus() -> None:
    corpus.require()


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Commands the tests run keep their state (``lambent serve``'s queue) out of ~/.cache."""
    import os

    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
