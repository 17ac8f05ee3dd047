"""EventBridge scheduled-rule events."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent import App, ConfigurationError, RoutingError
from lambent.sources._match import covers, uncovered
from lambent.sources.eventbridge import EventBridgeEvent
from lambent.sources.schedule import SPECS, ScheduledEvent, detect, rule_name
from lambent.testing import FakeContext, schedule_event
from tests import corpus

SPEC = SPECS[0]


@pytest.mark.parametrize("row", corpus.params("schedule"))
def test_corpus_event_decodes(row: corpus.Row | None) -> None:
    raw: dict[str, Any] = corpus.load(row)
    assert detect(raw)
    event = msgspec.convert(raw, ScheduledEvent)
    assert isinstance(event, EventBridgeEvent)
    assert SPEC.items(event) == (event,)
    assert SPEC.item_id(event) == raw["id"]
    assert event.rule_arn == raw["resources"][0]
    assert SPEC.route_key(event, event) == event.rule_name == raw["resources"][0].split("/")[-1]
    assert SPEC.payload is not None
    assert SPEC.payload(event) == raw["detail"] == {}


@pytest.mark.parametrize(
    ("resources", "name"),
    [
        (["arn:aws:events:us-east-1:123456789012:rule/nightly"], "nightly"),
        (["arn:aws:events:us-east-1:123456789012:rule/my-bus/nightly"], "nightly"),
        ([], ""),
        (["not-an-arn"], ""),
    ],
)
def test_rule_name(resources: list[str], name: str) -> None:
    assert rule_name(resources) == name


@pytest.mark.parametrize("row", corpus.params("eventbridge", "s3-eventbridge"))
def test_other_eventbridge_events_are_not_schedules(row: corpus.Row | None) -> None:
    assert not detect(corpus.load(row))


@pytest.mark.parametrize(
    ("rule", "said"),
    [
        ("rate(5 minutes)", "a schedule expression: give the name of the rule"),
        ("cron(0 1 * * ? *)", "a schedule expression: give the name of the rule"),
        ("at(2026-12-24T18:00:00)", "a schedule expression: give the name of the rule"),
        (
            "arn:aws:events:us-east-1:123456789012:rule/nightly",
            "the rule's ARN: give its name, 'nightly'",
        ),
        ("nightly job", "no rule name"),
    ],
)
def test_what_is_no_rule_name_is_refused_at_registration(rule: str, said: str) -> None:
    # it would match no scheduled event: each would fall to the EventBridge routes or fail
    with pytest.raises(ConfigurationError, match=r"^@app\.schedule: ") as info:
        App().schedule(rule)(lambda: None)
    assert f"{rule!r} is {said}" in str(info.value)


@pytest.mark.parametrize(
    ("rule", "takes", "leaves"),
    [
        ("nightly", "nightly", "nightly-report"),
        ("nightly-report_v2.1", "nightly-report_v2.1", "nightly-report_v2"),
        ("nightly-*", "nightly-report", "nightly"),
        ("report-[ab]?", "report-b7", "report-c7"),
    ],
)
def test_rule_names_and_their_globs_register_and_take_their_events(
    rule: str, takes: str, leaves: str
) -> None:
    app = App()
    got: list[str] = []

    @app.schedule(rule)
    def tick(event: ScheduledEvent) -> None:
        got.append(event.rule_name)

    app.handler(schedule_event(takes), FakeContext())
    with pytest.raises(RoutingError, match="no route for this schedule event"):
        app.handler(schedule_event(leaves), FakeContext())
    assert got == [takes]


def test_a_rule_after_a_glob_that_takes_it_is_refused() -> None:
    app = App()
    app.schedule("nightly-*")(lambda: None)
    with pytest.raises(ConfigurationError, match="both would take the same events"):
        app.schedule("nightly-report")(lambda: None)
    app.schedule("weekly-report")(lambda: None)
    everything = App()
    everything.schedule("*")(lambda: None)
    with pytest.raises(ConfigurationError, match="both would take the same events"):
        everything.schedule("nightly-*")(lambda: None)


def test_a_rule_registered_before_its_glob_runs() -> None:
    app = App()
    ran: list[str] = []
    app.schedule("nightly-report")(lambda: ran.append("report"))
    app.schedule("nightly-*")(lambda: ran.append("glob"))
    app.handler(schedule_event("nightly-report"), FakeContext())
    app.handler(schedule_event("nightly-backup"), FakeContext())
    assert ran == ["report", "glob"]


@pytest.mark.parametrize(
    ("first", "then"),
    [("nightly-*", "nightly-[ab]*"), ("nightly-*", "nightly-?"), ("nightly-[a-z]*", "nightly-r?")],
)
def test_a_narrower_glob_after_a_wider_one_is_refused_naming_both(first: str, then: str) -> None:
    # it could never run: every rule it takes, the earlier glob takes first
    app = App()

    @app.schedule(first)
    def wide() -> None: ...

    with pytest.raises(ConfigurationError, match="both would take the same events") as info:

        @app.schedule(then)
        def narrow() -> None: ...

    assert "wide" in str(info.value) and "narrow" in str(info.value)


#: rule-name globs: characters, ``?``, ``*``, sets, negated sets and ranges
RULE_GLOBS = st.lists(
    st.sampled_from(["n", "r", "-", "*", "?", "[nr]", "[!n]", "[a-r]"]), min_size=1, max_size=4
).map("".join)


@settings(max_examples=60, deadline=None)
@given(first=RULE_GLOBS, then=RULE_GLOBS)
def test_two_globs_register_unless_the_second_could_never_run(first: str, then: str) -> None:
    """No false conflict: the second glob is refused only when every rule it takes goes to
    the first; otherwise it registers, and a rule only it takes runs it."""
    app = App()
    ran: list[str] = []
    app.schedule(first)(lambda: ran.append("first"))
    try:
        app.schedule(then)(lambda: ran.append("then"))
    except ConfigurationError:
        assert uncovered(first, then) is None
        assert covers(first, then)
        return
    rule = uncovered(first, then)
    assert rule is not None
    app.handler(schedule_event(rule), FakeContext())
    assert ran == ["then"]
