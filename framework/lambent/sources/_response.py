"""What each response mode means to the pipeline (``SourceSpec.response``).

The modes are a source's declaration (:data:`lambent.sources._base.ResponseMode`); the
behaviours the pipeline asks of them are declared here, once, so that core code asks
for a behaviour (``response_rules(spec).partial``) and never compares a mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple


class ResponseRules(NamedTuple):
    """What a response mode means to the pipeline: the behaviours it asks a source's
    ``response`` for (core code compares no mode); a mode names only those it has."""

    #: the web router (``lambent.http``) answers the event
    web: bool = False
    #: failed items are reported by identifier (``{"batchItemFailures": [...]}``)
    partial: bool = False
    #: every item answers with its own result (Firehose records): results are encoded
    #: before outcomes are logged, so that one that cannot be encoded fails its item
    item_results: bool = False
    #: the single item's handler result is the function's result
    single_result: bool = False
    #: routes may take the whole batch (a list-of-items handler)
    whole_batches: bool = False
    #: the result reads only the decoded Structs, so an event may be decoded straight from
    #: the invocation's bytes
    from_structs: bool = False


RESPONSE_RULES: Mapping[str, ResponseRules] = {
    "batch": ResponseRules(partial=True, whole_batches=True, from_structs=True),
    "firehose": ResponseRules(item_results=True, whole_batches=True),
    "all": ResponseRules(whole_batches=True, from_structs=True),
    "single": ResponseRules(single_result=True, from_structs=True),
    "http": ResponseRules(web=True),
}


def response_rules(source: Any) -> ResponseRules:
    """The behaviours of ``source.response`` (an :class:`EventSource`)."""
    return RESPONSE_RULES[source.response]
