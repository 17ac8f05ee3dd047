"""The source contract's standard parts (:mod:`lambent.sources._base`): what every
built-in ``SourceSpec`` promises the pipeline, and the shared readers of fields it
re-exports for the source modules."""

from __future__ import annotations

from typing import Any

import pytest

from lambent import sources
from lambent.sources import _base, _fields


def test_the_field_readers_are_the_ones_source_modules_import_from_base() -> None:
    assert all(getattr(_base, name) is getattr(_fields, name) for name in _fields.__all__)


@pytest.mark.parametrize("spec", sources.specs(), ids=lambda s: s.kind)
def test_every_built_in_spec_keeps_the_contract(spec: Any) -> None:
    assert spec.kind in sources.KINDS
    # the web router answers exactly the http sources
    assert (spec.web is not None) is (spec.response == "http")
    # a partial batch response reports records by id: one that does not decode too
    if spec.response == "batch":
        assert spec.raw_id is not None and spec.raw_items is not None
    # a source without a required key is tested on every event: only where unavoidable
    # (an array event has no keys: its first element is judged by ``detect``)
    assert spec.requires is not None or spec.kind == "s3" or spec.array
