"""The response object of a custom resource (``lambent.sources._cfn_response``): the
documented keys in order, within CloudFormation's 4096 bytes whatever the reason and Data.
What is PUT, and when, is checked in ``test_cloudformation.py``."""

from __future__ import annotations

import json

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent.sources._cfn_response import (
    BODY_LIMIT,
    CustomResourceResponse,
    response_body,
    success_body,
)
from lambent.sources.cloudformation import CreateRequest, UpdateRequest
from lambent.testing import cloudformation_event


def test_bodies_keep_to_4096_bytes() -> None:
    request = msgspec.convert(
        cloudformation_event("Create", "Custom::A", {}, response_url="http://x/"), CreateRequest
    )
    long = response_body(request, status="FAILED", physical_id="p", reason="x" * 10_000)
    assert len(long) <= BODY_LIMIT
    assert json.loads(long)["Reason"].endswith("...")
    big = success_body(request, {"Blob": "y" * 5000}, "p")
    sent = json.loads(big)
    assert sent["Status"] == "FAILED" and "more than CloudFormation's 4096" in sent["Reason"]
    echo = success_body(request, CustomResourceResponse(data={"k": "v"}, no_echo=True), "p")
    assert json.loads(echo)["NoEcho"] is True


@settings(max_examples=100, deadline=None)
@given(
    st.text(max_size=6000),
    st.dictionaries(st.text(max_size=20), st.text(max_size=400), max_size=12),
)
def test_every_body_is_json_within_4096_bytes(reason: str, data: dict[str, str]) -> None:
    event = cloudformation_event("Update", "Custom::A", physical_resource_id="p", seed=1)
    request = msgspec.convert(event, UpdateRequest)
    failed = response_body(request, status="FAILED", physical_id="p", reason=reason)
    sent = json.loads(failed)
    assert len(failed) <= BODY_LIMIT
    assert reason.startswith(sent["Reason"].removesuffix("...")) or sent["Reason"] == ""
    untruncated = len(msgspec.json.encode({**sent, "Reason": reason}))
    assert (sent["Reason"] == reason) == (untruncated <= BODY_LIMIT)
    success = success_body(request, data, "p")
    sent = json.loads(success)
    assert len(success) <= BODY_LIMIT
    assert sent["PhysicalResourceId"] == "p"  # kept on Update, also when FAILED
    assert sent["Status"] == "SUCCESS" or "more than CloudFormation's 4096" in sent["Reason"]
    if sent["Status"] == "SUCCESS":
        assert sent.get("Data", {}) == data
