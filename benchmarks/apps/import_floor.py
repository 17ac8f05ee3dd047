"""What ``import lambent`` is compared with: msgspec, anyio and asyncio."""

import asyncio

import anyio
import msgspec

__all__ = ["anyio", "asyncio", "msgspec"]
