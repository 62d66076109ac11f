"""The UnitOfWork port in memory: one transaction over a MemoryStore."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import TYPE_CHECKING, Self, TypeVar

from adapters.memory.events import MemoryEventLog
from adapters.memory.idempotency import MemoryIdempotencyStore
from adapters.memory.identity import MemoryIdentityStore
from adapters.memory.repository import MemoryRepository
from adapters.memory.signin import MemorySignInStore
from adapters.memory.staging import Staging
from adapters.memory.training import MemoryTrainingReader
from upskill.domain.cursor import CursorCodec
from upskill.domain.entity import Entity
from upskill.domain.idempotency import CLAIM

if TYPE_CHECKING:
    from adapters.memory.store import MemoryStore

E = TypeVar("E", bound=Entity)


class MemoryUnitOfWork:
    """Writes stay private until `commit()` publishes them all at once, re-checked against
    what other units of work committed meanwhile (the loser of a race gets StaleVersion,
    NotFound, Conflict or InvalidReference, and nothing of it is published). Leaving the block
    without committing, or `rollback()`, discards them; inside the block it goes on after a
    commit or rollback. Row locks taken through `identity` are held until the next commit or
    rollback, or the end of the block. Like the PostgreSQL one it works only inside `async with` and is not
    reentrant (RuntimeError otherwise), so misuse shows on the fake too.
    """

    def __init__(self, store: MemoryStore, cursor_secret: bytes) -> None:
        self._store = store
        self._staging = Staging(store)
        self._identity = MemoryIdentityStore(store.identity, self._staging)
        self._sign_in = MemorySignInStore(store.sign_in, self._staging)
        self._codec = CursorCodec(cursor_secret)
        self._training = MemoryTrainingReader(self._staging, store.levels)
        self._events = MemoryEventLog(store.events)
        self._idempotency = MemoryIdempotencyStore(store.idempotency)
        self._open = False

    def _check_open(self) -> None:
        if not self._open:
            raise RuntimeError("the unit of work is not open: use `async with`")

    def for_reading(self) -> Self:
        """Nothing changes in memory: reads are served from one consistent state anyway."""
        return self

    async def __aenter__(self) -> Self:
        if self._open:
            raise RuntimeError("the unit of work is already open")
        self._open = True
        self._end()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open = False
        self._end()

    async def commit(self) -> None:
        """Publishes every write or none; the row locks taken end either way."""
        self._check_open()
        await asyncio.sleep(0)  # the round trip to the store; the commit itself is atomic
        claim = CLAIM.get()
        wrote = self._staging.dirty or self._events.dirty
        try:
            self._staging.commit((self._identity, self._sign_in, self._events))
            if claim is not None and wrote:  # atomically with the writes: no await since
                self._idempotency.mark_committed(claim)
        finally:
            self._identity.end()
            self._sign_in.end()
            self._events.end()

    async def rollback(self) -> None:
        self._check_open()
        self._end()

    def repository(self, entity: type[E]) -> MemoryRepository[E]:
        """Raises LookupError for an entity type the store has no resource for."""
        self._check_open()
        return MemoryRepository(self._store.resource(entity), self._staging, self._codec)

    @property
    def identity(self) -> MemoryIdentityStore:
        self._check_open()
        return self._identity

    @property
    def sign_in(self) -> MemorySignInStore:
        self._check_open()
        return self._sign_in

    @property
    def training(self) -> MemoryTrainingReader:
        """Coverage, gaps and recommendations reads over what this unit of work sees."""
        self._check_open()
        return self._training

    @property
    def events(self) -> MemoryEventLog:
        """The outbox: changes published with this unit of work's writes."""
        self._check_open()
        return self._events

    @property
    def idempotency(self) -> MemoryIdempotencyStore:
        self._check_open()
        return self._idempotency

    def _end(self) -> None:
        self._staging.discard()
        self._identity.end()
        self._sign_in.end()
        self._events.end()
