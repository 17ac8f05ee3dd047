"""Apps whose plain handlers block, for ``lambent dev``'s tests of a handler that holds
its thread: ``app`` has only plain handlers (it needs no event loop), ``mixed`` has an
``async def`` route too (it runs on a loop of its own)."""

from __future__ import annotations

import time

from lambent import App

app = App()
mixed = App()


@app.get("/sleep")
@mixed.get("/sleep")
def sleep(seconds: float) -> dict[str, float]:
    time.sleep(seconds)
    return {"slept": seconds}


@app.get("/quick")
def quick() -> dict[str, bool]:
    return {"quick": True}


@mixed.get("/quick")
async def quick_async() -> dict[str, bool]:
    return {"quick": True}
