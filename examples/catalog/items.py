"""The catalog's item routes, in a router of their own (``app.py`` includes it under /v1).

The handlers declare what they need: the store comes from a ``yield`` provider (opened
per request, closed after the response), the API key from a provider that reads a
header and refuses a wrong one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import msgspec

from lambent import Depends, Router
from lambent.http import Header, HTTPException, Response


class Item(msgspec.Struct):
    sku: str
    name: str
    price: Annotated[int, msgspec.Meta(ge=0, description="in cents")]


class NewItem(msgspec.Struct):
    name: str
    price: Annotated[int, msgspec.Meta(ge=0, description="in cents")]


class Store:
    """An in-memory store; ``opened``/``closed`` count the sessions."""

    def __init__(self) -> None:
        self.items: dict[str, Item] = {"pen": Item("pen", "Pen", 150)}
        self.opened = 0
        self.closed = 0


STORE = Store()


def session() -> Iterator[Store]:
    """One store session per request, closed once the response is built."""
    STORE.opened += 1
    try:
        yield STORE
    finally:
        STORE.closed += 1


def api_key(x_api_key: Annotated[str, Header()]) -> str:
    if x_api_key != "secret":
        raise HTTPException(401, "a valid X-Api-Key header is required")
    return x_api_key


Session = Annotated[Store, Depends(session)]
ApiKey = Annotated[str, Depends(api_key)]

router = Router(tags=["items"])


@router.get("/items")
def list_items(store: Session, limit: int = 10) -> list[Item]:
    """List the items.

    At most ``limit`` of them, in SKU order.
    """
    return [store.items[sku] for sku in sorted(store.items)[:limit]]


@router.get("/items/{sku}")
def get_item(sku: str, store: Session) -> Item:
    """One item by its SKU."""
    item = store.items.get(sku)
    if item is None:
        raise HTTPException(404, f"no item {sku!r}")
    return item


@router.put("/items/{sku}")
def put_item(sku: str, new: NewItem, store: Session, key: ApiKey) -> Response:
    """Create or replace an item (needs the API key)."""
    store.items[sku] = Item(sku, new.name, new.price)
    return Response(store.items[sku], status=201)


@router.sqs("catalog-updates")
def on_update(item: Item) -> None:
    """Items updated elsewhere arrive on a queue."""
    STORE.items[item.sku] = item
