"""moto's server with four of its SQS faults fixed, for the lambent.aws and poll tests.

Run as ``python -m tests.aws.moto_launcher [--port N]``: prints ``http://127.0.0.1:PORT``
on one line, serves until SIGTERM/SIGINT. The AWS API is moto's own, unchanged; only
these faults of moto 5.2.5's SQS are fixed (a correct poller must not be blamed for them):

1. **Slow clock.** Every visibility and delay check calls ``moto.core.utils.unix_time``,
   which builds a ``datetime`` each time; sends and receives walk the whole queue with it
   (2,000 sends took 106 s here). Replaced by ``time.time()``, the same epoch seconds.
2. **Receives are not atomic.** moto serves requests on threads and a receive marks
   messages received without a lock, so two concurrent consumers can be handed the
   same message. Receives, deletes and visibility changes of a queue take one lock;
   the long-poll wait happens outside it. A batch request takes the lock once.
3. **FIFO redelivery order.** When several received messages of one FIFO group become
   visible again together, moto un-pends them one by one while scanning, so the group
   still looks busy at its first message and delivery restarts at a later one. Messages
   whose visibility has expired are un-pended before the scan, and the scan judges every
   message's visibility at one instant (else one that expires mid-scan reopens the group
   past its earlier messages).
4. **Quadratic receives.** For each message it returns, a receive checks the retention
   period by computing every queue attribute, three of which count the whole queue: a
   receive of ten from 2,000 messages walked them some 60,000 times, held fault 2's lock
   for about a second on a loaded machine, and deletes waiting behind it outlasted the
   messages' visibility timeout. The check reads the queue's retention period directly.

Nothing else is changed.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import moto.sqs.models as sqs_models
from moto.core.utils import unix_time as _original_unix_time

#: a receive sees one instant: every message's visibility is judged at the same time
_FROZEN = threading.local()


def _unix_time(dt: Any = None) -> float:
    if dt is not None:
        return _original_unix_time(dt)
    frozen: float | None = getattr(_FROZEN, "now", None)
    return frozen if frozen is not None else time.time()


def _unix_time_millis(dt: Any = None) -> float:
    return _unix_time(dt) * 1000.0


_LOCK = threading.RLock()


def patch() -> None:
    # fault 1: the clock sqs.models imported from moto.core.utils (not re-exported)
    sqs_models.unix_time = _unix_time  # type: ignore[attr-defined]
    sqs_models.unix_time_millis = _unix_time_millis  # type: ignore[attr-defined]
    backend = sqs_models.SQSBackend
    receive = backend.receive_message

    def receive_message(
        self: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list[Any]:
        queue = self.get_queue(queue_name)
        end = time.time() + (wait_seconds_timeout or 0)
        while True:
            with _LOCK:  # fault 2: one receive at a time
                _FROZEN.now = time.time()
                try:
                    for message in list(queue.pending_messages):  # fault 3
                        if message.visible:
                            queue.pending_messages.discard(message)
                    found: list[Any] = receive(
                        self, queue_name, count, 0, visibility_timeout, message_attribute_names
                    )
                finally:
                    _FROZEN.now = None
            left = end - time.time()
            if found or left <= 0:
                return found
            queue.wait_for_messages(min(left, 0.2))

    backend.receive_message = receive_message  # type: ignore[method-assign]  # the patch

    def is_message_valid_based_on_retention_period(
        self: Any, queue_name: str, message: Any
    ) -> bool:  # fault 4: the same test, without computing every attribute
        retention = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention + message.sent_timestamp / 1000 > _unix_time())

    backend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        is_message_valid_based_on_retention_period
    )
    # a batch request takes the lock once, not once per entry (ten waits behind receives)
    for name in (
        "delete_message",
        "delete_message_batch",
        "change_message_visibility",
        "change_message_visibility_batch",
        "send_message",
    ):
        original = getattr(backend, name)

        def locked(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with _LOCK:
                return __original(self, *args, **kwargs)

        setattr(backend, name, locked)


def start(env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """This launcher in a subprocess on 127.0.0.1 (a port from the OS): it and its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.aws.moto_launcher"],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        raise RuntimeError(f"the moto launcher did not start: {url!r}")
    return proc, url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--unpatched", action="store_true", help="moto as it is (for comparison)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    if not args.unpatched:
        patch()
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"http://{host}:{port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
