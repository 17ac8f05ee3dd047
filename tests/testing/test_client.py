"""The test client (:mod:`lambent.testing`): path templates and list headers for every source."""

from __future__ import annotations

from typing import Annotated

from lambent import App
from lambent.http import Header, Request
from lambent.testing import TestClient


def test_client_handles_text_around_a_parameter_for_every_source() -> None:
    app = App()

    @app.get("/reports/{day}.csv")
    def report(day: str) -> str:
        return day

    client = TestClient(app)
    for source in ("apigw-rest", "apigw-http", "function-url", "alb"):
        response = client.get("/reports/2024-01-01.csv", source=source)
        assert response.status == 200, source
        assert response.text == "2024-01-01", source


def test_list_headers_read_alike_from_every_source() -> None:
    app = App()

    @app.get("/ids")
    def ids(x_id: Annotated[list[int], Header()]) -> list[int]:
        return x_id

    client = TestClient(app)
    for source in ("apigw-rest", "apigw-http", "function-url", "alb-multi"):
        response = client.get("/ids", source=source, headers={"X-Id": ["1", "2"]})
        assert response.status == 200, (source, response.text)
        assert response.json() == [1, 2], source
    # an ALB target group without multi-value headers passes only the last value
    assert client.get("/ids", source="alb", headers={"X-Id": ["1", "2"]}).json() == [2]


def test_a_path_s_query_and_query_are_both_sent_the_path_s_first() -> None:
    app = App()

    @app.get("/tags")
    def tags(request: Request) -> list[str]:
        return request.query.get_all("t")

    client = TestClient(app)
    for source in ("apigw-rest", "apigw-http", "function-url", "alb-multi"):
        got = client.get("/tags?t=a&t=b", query={"t": ["c", 4]}, source=source).json()
        assert got == ["a", "b", "c", "4"], source
        assert client.get("/tags", query="t=x").json() == ["x"]
        assert client.get("/tags?t=y").json() == ["y"]


def test_a_response_answers_status_code_as_other_test_clients_do() -> None:
    app = App()

    @app.post("/things")
    def create() -> tuple[dict[str, int], int]:
        return {"id": 1}, 201

    answer = TestClient(app).post("/things")
    assert answer.status_code == answer.status == 201
