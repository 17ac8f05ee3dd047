"""HTTP responses (:mod:`lambent.http._response`): reason phrases that do not depend on Python."""

from __future__ import annotations

from lambent.http._response import reason


def test_reason_phrases_do_not_depend_on_the_python_version() -> None:
    assert reason(422) == "Unprocessable Content"
    assert reason(413) == "Content Too Large"
    assert reason(404) == "Not Found"
    assert reason(799) == "Unknown"
