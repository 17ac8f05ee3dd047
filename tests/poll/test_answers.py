"""What a stream invocation's answer means: which record a stream poller retries from
(lambent.poll._answers.first_failure, LAMBDA.md §4.5): none on success, the lowest
reported sequence number on ``batchItemFailures``, the whole batch on an exception, an
invalid answer, or a window answer without ``state``. Whole polls: test_kinesis.py and
test_dynamodb.py."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambent.poll._answers import first_failure, verdict
from lambent.poll._runtime import Invocation

RECORDS = [{"seq": str(n)} for n in (100, 205, 9000000000000000000001)]


def seq(record: dict[str, Any]) -> str:
    return str(record["seq"])


def retry_from(
    response: Any = None, error: BaseException | None = None, window: bool = False
) -> int | None:
    return first_failure(Invocation(response, error), RECORDS, seq, window)


@pytest.mark.parametrize("response", [None, {}, {"batchItemFailures": []}, "ok", [1]])
def test_a_batch_without_reported_failures_succeeded(response: Any) -> None:
    assert retry_from(response) is None


@given(st.sets(st.sampled_from(range(len(RECORDS))), min_size=1))
def test_the_lowest_reported_record_is_retried_in_any_order(indexes: set[int]) -> None:
    failures = [{"itemIdentifier": RECORDS[i]["seq"]} for i in sorted(indexes, reverse=True)]
    assert retry_from({"batchItemFailures": failures}) == min(indexes)


@pytest.mark.parametrize(
    "failures",
    [
        [{"itemIdentifier": "999"}],  # not in the batch
        [{"itemIdentifier": ""}],
        [{"itemIdentifier": "abc"}],
        [{"itemIdentifier": "2\u00b2"}],  # a digit to str.isdigit, not to int()
        [{"itemIdentifier": "\u0662\u0660\u0665"}],  # 205 in Arabic-Indic digits
        [{"itemIdentifier": 205}],  # not a string
        [{"other": "205"}],
        ["205"],
        "205",
    ],
)
def test_an_invalid_answer_fails_the_whole_batch(failures: Any) -> None:
    assert retry_from({"batchItemFailures": failures}) == 0


def test_an_exception_fails_the_whole_batch() -> None:
    assert retry_from({"batchItemFailures": []}, error=RuntimeError("boom")) == 0


def test_a_window_invocation_must_answer_its_state() -> None:
    assert retry_from({"state": {"count": 3}}, window=True) is None
    assert retry_from({"count": 3}, window=True) == 0
    assert retry_from(None, window=True) == 0
    assert (
        retry_from({"state": {}, "batchItemFailures": [{"itemIdentifier": "205"}]}, window=True)
        == 1
    )


def test_only_a_failed_invocation_is_bisected_not_reported_failures() -> None:
    # LAMBDA.md 4.5: bisect splits an invocation that failed; reported failures are
    # retried from the lowest one as one batch
    def whole(response: Any = None, error: BaseException | None = None) -> bool:
        return verdict(Invocation(response, error), RECORDS, seq, False)[1]

    assert not whole({"batchItemFailures": [{"itemIdentifier": "100"}]})  # the first, reported
    assert not whole({"batchItemFailures": [{"itemIdentifier": "205"}]})
    assert not whole({"batchItemFailures": []}) and not whole(None)
    assert whole(error=RuntimeError("boom"))
    assert whole({"batchItemFailures": [{"itemIdentifier": "999"}]})  # invalid: failed
    assert verdict(Invocation({"count": 1}), RECORDS, seq, True) == (0, True)  # no state
