"""The relay: every committed event, once acknowledged by the broker, is marked published —
at least once, in the order recorded, by one relay across every replica at a time.

One pass reads a batch of unpublished events (one short read), publishes it (the broker
acknowledges each; the acknowledged prefix is what counts) and marks that prefix published
(one short write). The loop holds the leadership before publishing; it is woken by a
notification of new events or a slow poll; a failure (broker or database away) backs off
exponentially and tries again; the backlog waits in the outbox meanwhile, and writes never wait
for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from upskill.domain.errors import Unavailable
from upskill.domain.events import Event
from upskill.domain.ids import Clock
from upskill.domain.ports import EventPublisher, Leadership, UnitOfWorkFactory


class RelayObserver(Protocol):
    """What metrics see of the relay."""

    def published(self, events: Sequence[Event], lag_seconds: Sequence[float]) -> None: ...

    def pending(self, count: int) -> None: ...

    def up(self, up: bool) -> None: ...

    def failed(self, error: Exception) -> None:
        """A pass failed (the relay backs off and tries again)."""
        ...


class Unobserved:
    def published(self, events: Sequence[Event], lag_seconds: Sequence[float]) -> None:
        pass

    def pending(self, count: int) -> None:
        pass

    def up(self, up: bool) -> None:
        pass

    def failed(self, error: Exception) -> None:
        pass


@dataclass(frozen=True, slots=True)
class RelayTiming:
    batch: int = 256
    poll_s: float = 5.0
    """The safety net when no notification comes."""
    takeover_s: float = 2.0
    """How often a relay that is not the leader tries to become it."""
    first_backoff_s: float = 0.5
    longest_backoff_s: float = 30.0


class EventRelay:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        publisher: EventPublisher,
        leadership: Leadership,
        clock: Clock,
        *,
        observer: RelayObserver | None = None,
        timing: RelayTiming = RelayTiming(),
    ) -> None:
        self._uow, self._publisher, self._leadership, self._clock = uow, publisher, leadership, clock
        self._observer = observer if observer is not None else Unobserved()
        self.timing = timing

    async def pass_once(self) -> int:
        """Publish one batch; how many were published. Raises Unavailable when the broker
        acknowledged none of a non-empty batch."""
        async with self._uow().for_reading() as uow:
            batch = list(await uow.events.unpublished(self.timing.batch))
        if not batch:
            await self._publisher.ready()
            return 0
        acked = await self._publisher.publish(batch)
        done = batch[:acked]
        if done:
            now = self._clock.now()
            async with self._uow() as uow:
                await uow.events.mark_published([e.change.id for e in done], now)
                await uow.commit()
            self._observer.published(done, [(now - e.change.time).total_seconds() for e in done])
        if acked < len(batch):
            raise Unavailable(f"the broker acknowledged {acked} of {len(batch)} events")
        return acked

    async def drain(self) -> int:
        """Publish until nothing is left; how many."""
        total = 0
        while (published := await self.pass_once()) > 0:
            total += published
        return total

    async def pending(self) -> int:
        async with self._uow().for_reading() as uow:
            return await uow.events.count_unpublished()

    async def run(self) -> None:
        """Relay until cancelled (then let the leadership go and close the publisher)."""
        timing, backoff = self.timing, self.timing.first_backoff_s
        try:
            while True:
                try:
                    if not await self._leadership.acquire():
                        self._observer.up(False)
                        await asyncio.sleep(timing.takeover_s)
                        continue
                    published = await self.pass_once()
                    self._observer.up(True)
                    self._observer.pending(await self.pending())
                    backoff = timing.first_backoff_s
                    if published < timing.batch:
                        await self._leadership.wait_for_news(timing.poll_s)
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # the broker or the database is away: back off, keep the backlog
                    self._observer.up(False)
                    self._observer.failed(error)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, timing.longest_backoff_s)
        finally:
            self._observer.up(False)
            await self._leadership.release()
            await self._publisher.close()
