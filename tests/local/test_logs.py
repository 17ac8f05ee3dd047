"""Per-invocation log capture and the ``X-Amz-Log-Result`` tail (lambent._local.logs):
START, what the function wrote, END and REPORT as Lambda's log stream shows them, nothing
after REPORT, and the tail of the last bytes."""

from __future__ import annotations

import base64
import re

from hypothesis import given
from hypothesis import strategies as st

from lambent._local.logs import LogBuffer, capturing, current, tail_base64


def test_an_invocation_log_reads_as_lambdas() -> None:
    log = LogBuffer("req-1")
    log.start("$LATEST")
    log.write("hello\n")
    log.finish(12.3, 128, status="timeout")
    log.write("too late\n")  # nothing is kept after REPORT
    lines = log.text().splitlines()
    assert lines[:3] == ["START RequestId: req-1 Version: $LATEST", "hello", "END RequestId: req-1"]
    assert re.fullmatch(
        r"REPORT RequestId: req-1\tDuration: 12\.30 ms\tBilled Duration: 13 ms\t"
        r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\tStatus: timeout\t",
        lines[3],
    )
    assert len(lines) == 4


def test_capturing_sets_the_current_buffer_for_the_block_only() -> None:
    outer, inner = LogBuffer("a"), LogBuffer("b")
    assert current() is None
    with capturing(outer):
        with capturing(inner):
            assert current() is inner
        assert current() is outer
    assert current() is None


@given(st.text(max_size=200), st.integers(1, 64))
def test_the_tail_is_the_last_bytes_in_base64(text: str, limit: int) -> None:
    tail = base64.b64decode(tail_base64(text, limit))
    assert tail == text.encode()[-limit:] and len(tail) <= limit
