"""The local Lambda's model: the asynchronous invocation policy and its Lambda defaults."""

from __future__ import annotations

from lambent._local.model import AsyncPolicy

# -- §2.1: async retry policy defaults ---------------------------------------------------


def test_async_policy_defaults_match_lambda() -> None:
    # LAMBDA.md §2.1: 2 retries, ~1 min then ~2 min, maximum event age 21,600 s
    policy = AsyncPolicy()
    assert policy.max_retries == 2
    assert policy.max_event_age == 21_600
    assert policy.delay_before(2) == 60.0
    assert policy.delay_before(3) == 120.0
