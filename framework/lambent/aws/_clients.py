"""Warm aiobotocore clients: made once per container (per event loop), reused, closed.

A client is made on first use, keyed by service, region, endpoint and config, and
kept in a pool that belongs to the running event loop (aiobotocore clients hold an
aiohttp session, which is bound to its loop). In Lambda the loop lives across warm
invocations, so the client does too. The pool is closed by :func:`close` (which
:func:`lifespan` and :func:`clients` call on the way out) and, for clients made on
first use without either, at interpreter exit.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

#: per-service defaults set by :func:`configure`
_DEFAULTS: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class Settings:
    """What identifies a client in the pool."""

    service: str
    region: str | None = None
    endpoint_url: str | None = None
    config: Any = None


def configure(
    *,
    region: str | None = None,
    endpoint_url: str | None = None,
    config: Any = None,
) -> None:
    """Defaults for clients made from now on (``None`` leaves botocore's own choice:
    ``AWS_REGION``/``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL[_<SERVICE>]``, the
    shared config file). ``config`` is a ``botocore.config.Config``."""
    _DEFAULTS.update(region=region, endpoint_url=endpoint_url, config=config)


def settings(
    service: str,
    *,
    region: str | None = None,
    endpoint_url: str | None = None,
    config: Any = None,
) -> Settings:
    return Settings(
        service,
        region if region is not None else _DEFAULTS.get("region"),
        endpoint_url if endpoint_url is not None else _DEFAULTS.get("endpoint_url"),
        config if config is not None else _DEFAULTS.get("config"),
    )


def _session() -> Any:
    try:
        from aiobotocore.session import get_session
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("lambent.aws needs aiobotocore: pip install 'lambent[aws]'") from exc
    return get_session()


class ClientPool:
    """The clients of one event loop."""

    def __init__(self) -> None:
        self._clients: dict[Settings, Any] = {}
        self._stack = contextlib.AsyncExitStack()
        self._lock = asyncio.Lock()

    async def get(self, key: Settings) -> Any:
        client = self._clients.get(key)
        if client is not None:
            return client
        async with self._lock:
            client = self._clients.get(key)
            if client is None:
                maker = _session().create_client(
                    key.service,
                    region_name=key.region,
                    endpoint_url=key.endpoint_url,
                    config=key.config,
                )
                client = await self._stack.enter_async_context(maker)
                self._clients[key] = client
        return client

    async def aclose(self) -> None:
        self._clients.clear()
        stack, self._stack = self._stack, contextlib.AsyncExitStack()
        await stack.aclose()


_POOLS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ClientPool] = (
    weakref.WeakKeyDictionary()
)
_AT_EXIT: list[bool] = []


def _pool() -> ClientPool:
    loop = asyncio.get_running_loop()
    pool = _POOLS.get(loop)
    if pool is None:
        pool = _POOLS[loop] = ClientPool()
        if not _AT_EXIT:
            _AT_EXIT.append(True)
            atexit.register(_close_at_exit)
    return pool


def _close_at_exit() -> None:
    """Close the pools of loops that are still open and idle (``app.handler``'s loop)."""
    for loop, pool in list(_POOLS.items()):
        if not loop.is_closed() and not loop.is_running():
            with contextlib.suppress(Exception):
                loop.run_until_complete(pool.aclose())


async def client(
    service: str,
    *,
    region: str | None = None,
    endpoint_url: str | None = None,
    config: Any = None,
) -> Any:
    """The warm aiobotocore client for ``service``, made on first use in this container."""
    key = settings(service, region=region, endpoint_url=endpoint_url, config=config)
    return await _pool().get(key)


async def close() -> None:
    """Close this event loop's clients (the next :func:`client` call makes new ones)."""
    pool = _POOLS.pop(asyncio.get_running_loop(), None)
    if pool is not None:
        await pool.aclose()


@contextlib.asynccontextmanager
async def clients() -> AsyncIterator[None]:
    """``async with lambent.aws.clients():`` closes the clients made inside it on the way out
    (use it in your own lifespan)."""
    try:
        yield
    finally:
        await close()


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """An ``App(lifespan=lambent.aws.lifespan)`` that closes the warm clients at shutdown."""
    async with clients():
        yield


class Client:
    """An annotation marker: the parameter receives the warm client of ``service``.

    ``s3: Annotated[Any, Client("s3")]`` (or the ready-made ``lambent.aws.S3``). The
    client is made on first use and shared by every handler of the container.
    """

    __slots__ = ("_key",)

    def __init__(
        self,
        service: str,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        config: Any = None,
    ) -> None:
        self._key = (service, region, endpoint_url, config)

    @property
    def service(self) -> str:
        return str(self._key[0])

    async def provide(self) -> Any:
        service, region, endpoint_url, config = self._key
        return await client(service, region=region, endpoint_url=endpoint_url, config=config)

    def __repr__(self) -> str:
        return f"Client({self.service!r})"
