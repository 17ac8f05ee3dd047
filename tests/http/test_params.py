"""Handler parameters: path, query, header, cookie, body, Request, source Struct."""

from __future__ import annotations

import dataclasses
import enum
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

import annotated_types
import msgspec
import pydantic
import pytest

from lambent import App, ConfigurationError, Depends, LambdaContext, Logger
from lambent.http import Body, Cookie, Header, Query, Request
from lambent.sources.apigw_http import HttpApiRequest
from lambent.sources.apigw_rest import RestRequest
from lambent.testing import TestClient


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass
class Note:
    text: str
    tags: list[str] = dataclasses.field(default_factory=list)


def test_typed_parameters() -> None:
    app = App()

    @app.get("/t/{a}/{b}/{c}/{d}")
    def typed(
        a: int, b: uuid.UUID, c: Color, d: Decimal,
        flag: bool = False, n: list[int] | None = None, mode: Literal["x", "y"] = "x",
        agent: Annotated[str | None, Header("user-agent")] = None,
        trace: Annotated[str, Header()] = "",
        sid: Annotated[str | None, Cookie("session")] = None,
        alias: Annotated[int, Query("page-size")] = 5,
    ) -> dict[str, Any]:  # fmt: skip
        return {"a": a, "b": str(b), "c": c.value, "d": str(d), "flag": flag, "n": n,
                "mode": mode, "agent": agent, "trace": trace, "sid": sid, "alias": alias}  # fmt: skip

    client = TestClient(app)
    u = uuid.uuid4()
    r = client.get(
        f"/t/7/{u}/blue/1.50?flag=true&n=1&n=2&mode=y&page-size=9",
        headers={"Trace": "t1"}, cookies={"session": "s"}, source="apigw-rest",
    )  # fmt: skip
    assert r.json() == {"a": 7, "b": str(u), "c": "blue", "d": "1.50", "flag": True, "n": [1, 2],
                        "mode": "y", "agent": "Mozilla/5.0 (lambent.testing)", "trace": "t1",
                        "sid": "s", "alias": 9}  # fmt: skip
    bad = client.get(f"/t/7/{u}/green/1?mode=z")
    assert bad.status == 422 and "path parameter 'c'" in bad.json()["message"]
    assert (
        client.get(f"/t/7/{u}/red/1?mode=z").json()["message"].startswith("query parameter 'mode'")
    )
    assert client.get(f"/t/7/{u}/red/1?page-size=x").status == 422


def test_required_query_and_header() -> None:
    app = App()

    @app.get("/r")
    def r(q: str, key: Annotated[str, Header("x-key")]) -> str:
        return q + key

    client = TestClient(app)
    assert client.get("/r?q=a", headers={"X-Key": "b"}).text == "ab"
    missing = client.get("/r", headers={"X-Key": "b"})
    assert (
        missing.status == 422
        and missing.json()["message"] == "query parameter 'q': required but missing"
    )


def test_bodies_and_injections() -> None:
    app = App()

    @app.post("/notes")
    def note(n: Note, request: Request, context: LambdaContext, log: Logger) -> dict[str, Any]:
        assert context.aws_request_id and log is not None
        return {"text": n.text, "tags": n.tags, "len": len(request.body), "route": request.route}

    @app.post("/raw")
    def raw(data: bytes) -> bytes:
        return data

    @app.post("/text")
    def text(content: Annotated[str, Body()], event: RestRequest | None = None) -> str:
        return content.upper()

    @app.get("/event")
    def event(ev: HttpApiRequest) -> str:
        return ev.request_context.request_id

    client = TestClient(app)
    r = client.post("/notes", json={"text": "hi", "tags": ["a"]})
    assert r.json() == {"text": "hi", "tags": ["a"], "len": 26, "route": "/notes"}
    assert client.post("/raw", body=b"\x01\x02", source="alb").content == b"\x01\x02"
    assert client.post("/text", body="abc").text == "ABC"
    assert client.get("/event", source="function-url").text


def test_base64_body_decoding_and_leniency() -> None:
    app = App()

    @app.post("/j")
    def j(payload: dict[str, int]) -> dict[str, int]:
        return payload

    client = TestClient(app)
    assert client.post("/j", body=b'{"a": 1}').json() == {"a": 1}  # sent base64-encoded
    lenient = client.post("/j", body='{"a": 2}', is_base64=True)  # flagged but not base64
    assert lenient.json() == {"a": 2}


def test_registration_errors() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="second body"):
        app.post("/y")(_two_bodies)
    with pytest.raises(ConfigurationError, match="scalar"):
        app.get("/z/{n}")(_struct_path)
    app.get("/dup")(lambda: None)
    with pytest.raises(ConfigurationError):
        app.get("/dup/")(lambda: None)


class Thing(msgspec.Struct):
    a: int


def _two_bodies(a: Thing, b: Thing) -> None: ...


def _struct_path(n: Thing) -> None: ...


def test_a_parameter_meant_for_a_path_parameter_that_matches_none_fails_at_registration() -> None:
    app = App()

    def get_user(user_id: int) -> dict[str, int]:
        return {"id": user_id}

    with pytest.raises(ConfigurationError, match=r"get_user, parameter 'user_id'.*'uid'") as info:
        app.get("/users/{uid}")(get_user)
    assert "rename it to 'uid'" in str(info.value)


@pytest.mark.parametrize(
    ("marker", "written"),
    [
        (Query(alias="xx"), "Annotated[int, Query(alias='xx')]"),
        (Header(), "Annotated[int, Header(alias=None)]"),
        (Cookie(alias="sid"), "Annotated[int, Cookie(alias='sid')]"),
        (Body(), "Annotated[int, Body()]"),
    ],
)
def test_a_marker_written_as_a_default_fails_at_registration_saying_where_it_goes(
    marker: Any, written: str
) -> None:
    # the ``x: int = Header()`` of other frameworks: read as a default, the handler would
    # get the marker object itself
    def handler(x: int = marker) -> None: ...

    with pytest.raises(
        ConfigurationError, match=r"handler, parameter 'x': a \w+\(\) marker"
    ) as info:
        App().get("/m")(handler)
    assert f"write `x: {written}`" in str(info.value)


def test_path_parameters_read_otherwise_or_true_query_parameters_are_fine() -> None:
    app = App()

    @app.get("/a/{uid}")
    def through_request(request: Request, limit: int) -> Any:
        return [request.path_params["uid"], limit]

    @app.get("/b/{uid}")
    def with_default(limit: int = 10) -> Any:
        return [limit]

    @app.get("/c/{uid}")
    def explicit(limit: Annotated[int, Query()]) -> Any:
        return [limit]

    @app.get("/d/{uid}")
    def matched(uid: int, limit: int) -> Any:
        return [uid, limit]

    client = TestClient(app)
    assert client.get("/a/u1?limit=5").json() == ["u1", 5]
    assert client.get("/b/u1").json() == [10]
    assert client.get("/b/u1?limit=4").json() == [4]
    assert client.get("/c/u1?limit=3").json() == [3]
    assert client.get("/d/7?limit=2").json() == [7, 2]


def test_msgspec_constraints_on_parameters_are_checked() -> None:
    app = App()

    @app.get("/pages/{n}")
    def page(
        n: Annotated[int, msgspec.Meta(ge=1)],
        size: Annotated[int, Query("page-size"), msgspec.Meta(le=50)] = 10,
        tag: Annotated[str | None, Header("x-tag"), msgspec.Meta(min_length=2)] = None,
    ) -> list[object]:
        return [n, size, tag]

    client = TestClient(app)
    assert client.get("/pages/2?page-size=50", headers={"x-tag": "ab"}).json() == [2, 50, "ab"]
    for path, headers, message in [
        ("/pages/0", {}, "path parameter 'n': Expected `int` >= 1"),
        ("/pages/1?page-size=51", {}, "query parameter 'page-size': Expected `int` <= 50"),
        ("/pages/1", {"x-tag": "a"}, "header 'x-tag': Expected `str` of length >= 2"),
    ]:
        r = client.get(path, headers=headers)
        assert r.status == 422 and r.json()["message"] == message


@pytest.mark.parametrize("source", ["apigw-rest", "apigw-http", "function-url", "alb"])
def test_an_unannotated_event_is_the_source_s_event(source: Any) -> None:
    """``def handler(event, context)``, as a Lambda handler is written: ``event`` was a
    required query parameter, and every request a 422."""
    app = App()

    @app.get("/e/{x}")
    def handler(x: str, event, context) -> list[object]:  # type: ignore[no-untyped-def]
        return [type(event).__name__, event.path, context.function_name]

    kinds = {"apigw-rest": "RestRequest", "apigw-http": "HttpApiRequest",
             "function-url": "FunctionUrlRequest", "alb": "AlbRequest"}  # fmt: skip
    r = TestClient(app, source=source).get("/e/1")
    assert r.json() == [kinds[source], "/e/1", "test-function"]


def _constrained_query(q: Annotated[int, pydantic.Field(ge=1)] = 1) -> int:
    return q


def _constrained_path(n: Annotated[int, annotated_types.Gt(0)]) -> int:
    return n


def _constrained_body(body: Annotated[list[int], pydantic.Field(min_length=1)]) -> int:
    return len(body)


def _positive(x: Annotated[int, annotated_types.Ge(1)]) -> int:
    return x


def _through_a_dependency(v: Annotated[int, Depends(_positive)]) -> int:
    return v


@pytest.mark.parametrize(
    ("path", "handler", "shown"),
    [
        ("/q", _constrained_query, "parameter 'q': FieldInfo("),
        ("/p/{n}", _constrained_path, "parameter 'n': Gt(gt=0) is annotated_types's"),
        ("/b", _constrained_body, "parameter 'body': FieldInfo("),
        ("/d", _through_a_dependency, "_positive, parameter 'x': Ge(ge=1) is annotated_types's"),
    ],
)
def test_constraints_lambent_does_not_read_fail_at_registration(
    path: str, handler: Any, shown: str
) -> None:
    """A pydantic ``Field`` or an ``annotated_types`` constraint (which FastAPI and pydantic
    read) on a parameter would go unchecked: refused, pointing at ``msgspec.Meta``."""
    with pytest.raises(ConfigurationError) as raised:
        App().post(path)(handler)
    assert shown in str(raised.value)
    assert handler.__name__ in str(raised.value)
    assert "msgspec.Meta" in str(raised.value)


def test_other_annotated_metadata_is_left_alone() -> None:
    app = App()

    @app.get("/doc")
    def documented(q: Annotated[int, "a page number", msgspec.Meta(ge=1)] = 1) -> int:
        return q

    assert TestClient(app).get("/doc?q=0").status == 422


class Line(msgspec.Struct):
    sku: str


def test_msgspec_constraints_on_bodies_are_checked() -> None:
    app = App()

    @app.post("/note")
    def note(text: Annotated[str, Body(), msgspec.Meta(max_length=3)]) -> str:
        return text

    @app.post("/lines")
    def lines(body: Annotated[list[Line], msgspec.Meta(max_length=2)]) -> int:
        return len(body)

    client = TestClient(app)
    assert client.post("/note", body="abc").text == "abc"
    assert (
        client.post("/note", body="abcd").json()["message"] == "body: Expected `str` of length <= 3"
    )
    assert client.post("/lines", json=[{"sku": "a"}]).json() == 1
    too_many = client.post("/lines", json=[{"sku": "a"}] * 3)
    assert too_many.status == 422 and "length <= 2" in too_many.json()["message"]
