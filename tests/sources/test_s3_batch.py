"""S3 Batch Operations: schema 1.0 and 2.0, per-task result codes, the response shape."""

from __future__ import annotations

from typing import Any, Literal

import anyio
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambent import App, ConfigurationError, sources
from lambent.sources import s3_batch
from lambent.sources.s3_batch import (
    S3BatchEvent,
    S3BatchEventV2,
    S3BatchResult,
    S3BatchTask,
    S3BatchTaskV1,
    S3BatchTaskV2,
    TemporaryFailure,
)
from lambent.testing import FakeContext, s3_batch_event
from tests import corpus
from tests.sources import _support


@pytest.mark.parametrize("row", corpus.params("s3-batch"))
def test_corpus_events_are_detected_and_answered_per_task(row: corpus.Row | None) -> None:
    raw = corpus.load(row)
    assert sources.detect(raw) == "s3-batch"
    app = App()

    @app.s3_batch()
    def copy(task: S3BatchTask, event: S3BatchEvent) -> str:
        return f"{task.bucket}/{task.key}"

    answer = app.handler(raw, FakeContext())
    v1 = raw["invocationSchemaVersion"] == "1.0"
    assert answer == {
        "invocationSchemaVersion": raw["invocationSchemaVersion"],
        "treatMissingKeysAs": "PermanentFailure",
        "invocationId": raw["invocationId"],
        "results": [
            {
                "taskId": t["taskId"],
                "resultCode": "Succeeded",
                "resultString": (t["s3BucketArn"].rpartition(":")[2] if v1 else t["s3Bucket"])
                + "/"
                + t["s3Key"].replace("+", " "),
            }
            for t in raw["tasks"]
        ],
    }


@pytest.mark.parametrize("row", _support.decline_rows("s3_batch"))
def test_detector_declines_other_events(row: corpus.Row | None) -> None:
    _support.assert_declines(s3_batch.detect, row)


def test_each_schema_decodes_into_its_own_structs() -> None:
    seen: list[Any] = []
    app = App()

    @app.s3_batch()
    def record(task: S3BatchTask, event: S3BatchEvent) -> None:
        seen.append((type(task), type(event), task.bucket, event.job.user_arguments))

    app.handler(s3_batch_event("a b.txt", bucket="one"), None)
    app.handler(s3_batch_event("k", bucket="two", schema="2.0", user_arguments={"x": "1"}), None)
    assert seen[0][0] is S3BatchTaskV1 and seen[0][2:] == ("one", None)
    assert seen[1][:2] == (S3BatchTaskV2, S3BatchEventV2) and seen[1][2:] == ("two", {"x": "1"})


def test_result_codes_follow_the_outcome() -> None:
    app = App()

    @app.s3_batch(treat_missing_keys_as="Succeeded")
    def work(task: S3BatchTask) -> Any:
        if task.key == "busy":
            raise TemporaryFailure("SlowDown")
        if task.key == "gone":
            raise FileNotFoundError("no such key")
        if task.key == "skip":
            return S3BatchResult("PermanentFailure", "skipped on purpose")
        return {"copied": task.key}

    event = s3_batch_event("ok", "busy", "gone", "skip", seed=3)
    answer = app.handler(event, None)
    assert answer["treatMissingKeysAs"] == "Succeeded"
    assert [(r["resultCode"], r["resultString"]) for r in answer["results"]] == [
        ("Succeeded", '{"copied":"ok"}'),
        ("TemporaryFailure", "TemporaryFailure: SlowDown"),
        ("PermanentFailure", "FileNotFoundError: no such key"),
        ("PermanentFailure", "skipped on purpose"),
    ]
    assert [r["taskId"] for r in answer["results"]] == [t["taskId"] for t in event["tasks"]]


def test_no_route_fails_each_task_permanently() -> None:
    app = App()

    @app.invoke("other")
    def other() -> None: ...

    answer = app.handler(s3_batch_event("k"), None)
    assert answer["results"][0]["resultCode"] == "PermanentFailure"
    assert answer["results"][0]["resultString"].startswith("RoutingError")


def test_bad_options_and_second_routes_are_refused() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="treat_missing_keys_as"):
        app.s3_batch(treat_missing_keys_as="Maybe")  # type: ignore[arg-type]

    @app.s3_batch()
    def one(task: S3BatchTask) -> None: ...

    with pytest.raises(ConfigurationError, match="conflicts"):

        @app.s3_batch(treat_missing_keys_as="Succeeded")
        def two(task: S3BatchTask) -> None: ...


def test_a_response_is_not_an_event() -> None:
    response = {
        "invocationSchemaVersion": "1.0",
        "treatMissingKeysAs": "PermanentFailure",
        "invocationId": "i",
        "results": [],
    }
    assert sources.detect(response) == "direct"
    assert msgspec.convert(s3_batch_event("k"), s3_batch.S3BatchEventV1).tasks[0].key == "k"


OUTCOMES = st.sampled_from(["ok", "temporary", "permanent"])


@settings(max_examples=60, deadline=None)
@given(st.lists(OUTCOMES, min_size=1, max_size=20), st.sampled_from(["1.0", "2.0"]))
def test_every_task_gets_one_result_in_order(outcomes: list[str], schema: str) -> None:
    app = App()

    @app.s3_batch()
    def work(task: S3BatchTask) -> str:
        outcome = task.key.split("-")[0]
        if outcome == "temporary":
            raise TemporaryFailure("later")
        if outcome == "permanent":
            raise KeyError(task.key)
        return "done"

    keys = [f"{o}-{i}" for i, o in enumerate(outcomes)]
    event = s3_batch_event(*keys, schema="2.0" if schema == "2.0" else "1.0")
    answer = app.handler(event, None)
    codes = {"ok": "Succeeded", "temporary": "TemporaryFailure", "permanent": "PermanentFailure"}
    assert [r["taskId"] for r in answer["results"]] == [t["taskId"] for t in event["tasks"]]
    assert [r["resultCode"] for r in answer["results"]] == [codes[o] for o in outcomes]
    assert answer["invocationSchemaVersion"] == schema


def test_a_result_that_is_not_text_fails_its_task_permanently() -> None:
    app = App()

    @app.s3_batch()
    def work(task: S3BatchTask) -> object:
        return object()

    (result,) = app.handler(s3_batch_event("k"), None)["results"]
    assert result["resultCode"] == "PermanentFailure"
    assert result["resultString"].startswith("the handler returned a value that is not text")


def test_treat_missing_keys_as_is_a_setting_of_the_response() -> None:
    """The handler's choice for this answer, else the route's, else PermanentFailure."""
    app = App()

    @app.s3_batch(treat_missing_keys_as="Succeeded")
    def work(task: S3BatchTask) -> Any:
        if task.key == "temporary":
            return S3BatchResult("Succeeded", "fine", treat_missing_keys_as="TemporaryFailure")
        if task.key == "bogus":
            return S3BatchResult("Succeeded", "x", treat_missing_keys_as="Maybe")  # type: ignore[arg-type]
        if task.key == "bad-code":
            return S3BatchResult("Done", "x")  # type: ignore[arg-type]
        return "ok"

    chosen = app.handler(s3_batch_event("temporary"), None)
    assert chosen["treatMissingKeysAs"] == "TemporaryFailure"
    assert chosen["results"][0]["resultCode"] == "Succeeded"
    assert app.handler(s3_batch_event("plain"), None)["treatMissingKeysAs"] == "Succeeded"
    for key, field in (("bogus", "treat_missing_keys_as"), ("bad-code", "result_code")):
        answer = app.handler(s3_batch_event(key), None)
        assert answer["treatMissingKeysAs"] == "Succeeded"  # an unknown choice is not sent
        (result,) = answer["results"]
        assert result["resultCode"] == "PermanentFailure"
        assert f"S3BatchResult whose {field} is" in result["resultString"]
    unrouted = App().handler(s3_batch_event("k"), None)
    assert unrouted["treatMissingKeysAs"] == "PermanentFailure"


@pytest.mark.parametrize("schema", ["1.0", "2.0"])
def test_a_task_that_does_not_decode_fails_alone(schema: Literal["1.0", "2.0"]) -> None:
    app = App()

    @app.s3_batch()
    def work(task: S3BatchTask) -> str:
        return f"done {task.key}"

    event = s3_batch_event("a", "b", "c", schema=schema, seed=5)
    event["tasks"][1]["s3Key"] = 42
    answer = app.handler(event, None)
    assert [r["taskId"] for r in answer["results"]] == [t["taskId"] for t in event["tasks"]]
    assert [r["resultCode"] for r in answer["results"]] == [
        "Succeeded",
        "PermanentFailure",
        "Succeeded",
    ]
    assert answer["results"][1]["resultString"].startswith("DecodeError")
    assert "$.s3Key" in answer["results"][1]["resultString"]
    assert answer["invocationSchemaVersion"] == schema


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("caf\udce9", "surrogates not allowed"),
        (S3BatchResult("Succeeded", "\ud800"), "surrogates not allowed"),
        (float("nan"), "Out of range float"),
        ({"ratio": float("-inf")}, "Out of range float"),
    ],
)
def test_a_result_that_cannot_be_sent_fails_that_task_alone(value: object, problem: str) -> None:
    """A lone surrogate failed the runtime's encoding of the whole answer (every task of
    it then failed with the invocation); NaN went out as 'null', a success."""
    app = App()

    @app.s3_batch()
    def tag(task: S3BatchTask) -> object:
        return value if task.key == "bad.txt" else "ok"

    answer = app.handler(s3_batch_event("good.txt", "bad.txt"), FakeContext())
    good, bad = answer["results"]
    assert (good["resultCode"], good["resultString"]) == ("Succeeded", "ok")
    assert bad["resultCode"] == "PermanentFailure"
    assert bad["resultString"].startswith("the handler returned a value that is not text: ")
    assert problem in bad["resultString"]
    msgspec.json.encode(answer)


def test_tasks_cut_or_not_started_at_the_deadline_are_temporary_failures() -> None:
    """They did not fail: S3 redrives a TemporaryFailure before the job completes, where a
    PermanentFailure marked an object that only needed more time as failed for good."""
    app = App(deadline_margin=0.05)

    @app.s3_batch(concurrency=1)
    async def slow(task: S3BatchTask) -> str:
        if task.key == "slow.bin":
            await anyio.sleep(10)
        return "done"

    event = s3_batch_event("quick.bin", "slow.bin", "never.bin")
    answer = app.handler(event, FakeContext(timeout=0.4))
    codes = [(r["resultCode"], r["resultString"].split(":")[0]) for r in answer["results"]]
    assert codes == [
        ("Succeeded", "done"),
        ("TemporaryFailure", "DeadlineExceeded"),
        ("TemporaryFailure", "DeadlineExceeded"),
    ]


@pytest.mark.parametrize(
    ("value", "shaped"),
    [
        ({"taskId": "t", "resultCode": "PermanentFailure", "resultString": "x"}, "a task result"),
        ({"resultCode": "Succeeded"}, "a task result"),
        (
            {"invocationSchemaVersion": "1.0", "invocationId": "i", "results": []},
            "a whole S3 Batch response",
        ),
    ],
)
def test_a_result_in_the_wires_own_shape_fails_saying_what_to_return(
    value: dict[str, Any], shaped: str
) -> None:
    """Code ported from AWS's example returns these: each succeeded, its JSON the result
    string, a PermanentFailure it meant reported as Succeeded."""
    app = App()

    @app.s3_batch()
    def tag(task: S3BatchTask) -> object:
        return value

    (only,) = app.handler(s3_batch_event("a.txt"), FakeContext())["results"]
    assert only["resultCode"] == "PermanentFailure"
    assert only["resultString"].startswith(f"the handler returned {shaped}")
    assert "S3BatchResult(result_code, result_string)" in only["resultString"]
