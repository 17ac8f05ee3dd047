"""The Lambda context as lambent sees it: a Protocol any LambdaContext satisfies."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class LambdaContext(Protocol):
    """The attributes of the Python runtime's context object that lambent relies on.

    awslambdaric's ``LambdaContext`` satisfies it, and so does any test double with
    these attributes (see :class:`lambent.testing.FakeContext`).
    """

    aws_request_id: str
    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: str | int
    log_group_name: str
    log_stream_name: str

    def get_remaining_time_in_millis(self) -> int: ...
