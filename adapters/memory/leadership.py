"""The Leadership port for one process on the memory store: always the leader; woken by the
slow poll only."""

from __future__ import annotations

import asyncio


class SoleLeadership:
    async def acquire(self) -> bool:
        return True

    async def wait_for_news(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def release(self) -> None:
        pass
