from __future__ import annotations

import pytest

from tests import corpus


@pytest.fixture
def require_corpus() -> None:
    corpus.require()
