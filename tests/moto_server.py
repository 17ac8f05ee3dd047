"""moto's server on 127.0.0.1 for the tests that talk to AWS APIs (a dev dependency: a
missing moto fails these tests rather than skipping them)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """Start moto on a free loopback port; yields its endpoint URL, stops it on exit."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


#: credentials moto accepts; no real account is ever reached
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def use_fake_credentials(monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    """Set :data:`FAKE_CREDENTIALS` (and ``extra``) in the environment, and drop what of
    the developer's own configuration could leak into a client (a profile, an endpoint, a
    session token) unless ``extra`` sets it."""
    for name, value in {**FAKE_CREDENTIALS, **extra}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        if name not in extra:
            monkeypatch.delenv(name, raising=False)
