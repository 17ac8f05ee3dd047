"""EventBridge scheduled rules (LAMBDA.md §5.12): ``source == "aws.events"`` and
``detail-type == "Scheduled Event"``, ``detail == {}``, ``resources == [<rule ARN>]``.

(EventBridge *Scheduler*, the separate service, sends only its configured input, with no
envelope: that is a ``direct`` invocation.)

Route key: the rule name, the last ``/``-part of ``resources[0]``
(``arn:aws:events:<region>:<account>:rule/[<bus>/]<name>``), ``""`` when there is none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lambent._errors import ConfigurationError
from lambent.sources._base import SourceSpec
from lambent.sources._match import Filter, glob_filter, glob_shadow
from lambent.sources.eventbridge import EventBridgeEvent

__all__ = ["SPECS", "ScheduledEvent", "detect", "rule_name"]


def rule_name(resources: list[str]) -> str:
    """The rule name from the first resource ARN (``""`` when there is none)."""
    if not resources:
        return ""
    arn = resources[0]
    _, sep, resource = arn.rpartition(":")
    return resource.rpartition("/")[2] if sep else ""


class ScheduledEvent(EventBridgeEvent, frozen=True, gc=False):
    """A scheduled-rule event: an :class:`EventBridgeEvent` naming its rule."""

    @property
    def rule_name(self) -> str:
        return rule_name(self.resources)

    @property
    def rule_arn(self) -> str:
        return self.resources[0] if self.resources else ""


def _rule_filter(rule: str | None = None) -> Filter:
    """The filter of ``@app.schedule(rule)``: a rule name, globs allowed. A schedule
    expression or a rule ARN in its place would match no event: a
    :class:`ConfigurationError` saying what to give."""
    if rule is not None and not _RULE.fullmatch(rule):
        if rule.startswith(("rate(", "cron(", "at(")):
            hint = "a schedule expression: give the name of the rule that has it"
        elif rule.startswith("arn:"):
            hint = f"the rule's ARN: give its name, {rule_name([rule])!r}"
        else:
            hint = "no rule name: letters, digits, '.', '-' and '_' (globs allowed)"
        raise ConfigurationError(f"@app.schedule: {rule!r} is {hint}")
    return glob_filter("rule", rule)


#: an EventBridge rule name (or a glob of one)
_RULE = re.compile(r"[A-Za-z0-9._\-*?\[\]!]+")


def detect(event: Mapping[str, Any]) -> bool:
    """``source == "aws.events"`` and ``detail-type == "Scheduled Event"``."""
    return event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event"


SPECS: tuple[SourceSpec[ScheduledEvent, ScheduledEvent], ...] = (
    SourceSpec(
        requires="detail-type",
        kind="schedule",
        detect=detect,
        event_type=ScheduledEvent,
        item_type=ScheduledEvent,
        item_id=lambda event: event.id,
        route_key=lambda event, item: item.rule_name,
        payload=lambda event: event.detail,
        payload_format="python",
        response="single",
        route_filter=_rule_filter,
        overlaps=glob_shadow("rule"),
        # a scheduled event no schedule route takes goes to an EventBridge route for it
        fallback=("eventbridge", lambda event, item: (item.source, item.detail_type)),
    ),
)
