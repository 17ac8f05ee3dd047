"""An HTTP API: the same routes answer API Gateway REST and HTTP APIs, Function URLs and ALB.

Path parameters come by name (converted to the annotation), scalar parameters from
the query string, a Struct parameter from the JSON body; a value that does not fit
answers 422 naming the field. Return a Struct, dict or list (200 JSON), or a
``Response`` for another status or headers; raise ``HTTPException`` for errors.
"""

from __future__ import annotations

from typing import Any

import msgspec

from lambent import App
from lambent.http import HTTPException, Response
from lambent.testing import FakeContext, http_request


class Book(msgspec.Struct):
    title: str
    year: int


app = App()
books: dict[int, Book] = {}


@app.get("/books")
async def list_books(since: int = 0) -> list[Book]:
    return [b for b in books.values() if b.year >= since]


@app.get("/books/{book_id}")
async def get_book(book_id: int) -> Book:
    if book_id not in books:
        raise HTTPException(404, f"no book {book_id}")
    return books[book_id]


@app.post("/books")
async def add_book(book: Book) -> Response:
    book_id = len(books) + 1
    books[book_id] = book
    return Response({"id": book_id}, status=201, headers={"Location": f"/books/{book_id}"})


def run() -> list[tuple[int, Any]]:
    books.clear()
    requests = [
        http_request("POST", "/books", json={"title": "Dune", "year": 1965}),
        http_request("POST", "/books", json={"title": "Hyperion", "year": 1989}, source="alb"),
        http_request("GET", "/books", query={"since": "1980"}, source="apigw-rest"),
        http_request("GET", "/books/1", route="/books/{book_id}", source="function-url"),
        http_request("GET", "/books/9", route="/books/{book_id}"),
        http_request("POST", "/books", json={"title": "Untitled"}),
    ]
    answers = []
    for request in requests:
        response = app.handler(request, FakeContext())
        answers.append((response["statusCode"], msgspec.json.decode(response["body"])))
    return answers


if __name__ == "__main__":
    for answer in run():
        print(answer)
