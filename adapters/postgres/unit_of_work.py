"""The unit of work over PostgreSQL: one transaction on one pooled asyncpg connection.

The connection is taken from the pool at the first statement, not at `async with`, and given
back at the end of the block. A unit of work that may write begins its transaction with that
first statement. One declared read-only (`for_reading()`) runs a lone statement without any
transaction (one round trip, as a bare `fetch` would); a read that needs several statements to
agree (a record and its nested items, a page and its count) asks for a snapshot first
(`connection(snapshot=True)`): a `REPEATABLE READ READ ONLY` transaction, so all its
statements see the same committed state.

An appended event waits in the unit of work until the write of its record, which sends it in
its own statement (`carrying`), or until any other statement or the commit sends it alone. A
lone create (`hold`) is that one statement, sent by the commit without BEGIN or COMMIT; an
update is BEGIN, the read, the UPDATE with its event, COMMIT.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self, TypeVar, cast
from uuid import UUID

import asyncpg

from adapters.postgres.errors import lost_connection, translated
from adapters.postgres.events import PostgresEventLog, Staged, send
from adapters.postgres.executor import Compiler, Executor, Row
from adapters.postgres.idempotency import MARK_COMMITTED, PostgresIdempotencyStore, key_params
from adapters.postgres.identity import PostgresIdentityStore
from adapters.postgres.pool import ConnectionPool
from adapters.postgres.registry import Registry
from adapters.postgres.repository import PostgresRepository
from adapters.postgres.signin import PostgresSignInStore
from adapters.postgres.training import PostgresTrainingReader
from upskill.domain.cursor import CursorCodec
from upskill.domain.entity import Entity
from upskill.domain.events import DEFAULT_SOURCE
from upskill.domain.idempotency import CLAIM

E = TypeVar("E", bound=Entity)
Write = Callable[[Executor, Staged | None], Awaitable[None]]
"""A repository's write, given the connection and the event that rides with it (see `hold`)."""

SNAPSHOT = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"


def _interrupted(exc: BaseException | None) -> bool:
    """Whether the unit of work ended in a cancellation or a client-side timeout."""
    seen = exc
    while seen is not None:
        if isinstance(seen, asyncio.CancelledError | TimeoutError):
            return True
        seen = seen.__cause__
    return False


class PostgresUnitOfWork:
    """Implements `upskill.domain.ports.UnitOfWork`. Leaving `async with` without `commit()`
    rolls back. Not reentrant; use a new one per use case. After `commit()` or `rollback()`
    the next statement begins a new transaction."""

    def __init__(
        self,
        pool: ConnectionPool,
        registry: Registry,
        codec: CursorCodec,
        compiler: Compiler,
        *,
        acquire_timeout_s: float,
        on_access_change: Callable[[], None] | None = None,
        on_events: Callable[[], None] | None = None,
        event_source: str = DEFAULT_SOURCE,
    ) -> None:
        self._event_source = event_source
        self._events: PostgresEventLog | None = None
        self._wrote = False
        self._pool = pool
        self._registry = registry
        self._codec = codec
        self._compiler = compiler
        self._acquire_timeout_s = acquire_timeout_s
        self._on_access_change = on_access_change
        self._on_events = on_events
        self._open = False
        self._read_only = False
        self._connection: asyncpg.Connection[Row] | None = None
        self._executor: Executor | None = None
        self._in_transaction = False
        self._repositories: dict[type[Entity], PostgresRepository[Any]] = {}
        self._identity: PostgresIdentityStore | None = None
        self._sign_in: PostgresSignInStore | None = None
        self._training: PostgresTrainingReader | None = None
        self._staged: list[Staged] = []
        """Appended events not yet sent (see `carrying`)."""
        self._held: tuple[Write, Staged | None] | None = None
        """A lone write not yet sent, and its event (see `hold`)."""

    def for_reading(self) -> Self:
        """Declare (before `async with`) that this unit of work only reads."""
        if self._open:
            raise RuntimeError("declare a unit of work read-only before opening it")
        self._read_only = True
        return self

    async def __aenter__(self) -> Self:
        if self._open:
            raise RuntimeError("the unit of work is already open")
        self._open = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open = False
        self._repositories.clear()
        self._identity = None
        self._sign_in = None
        self._training = None
        self._events = None
        self._staged, self._held = [], None
        connection, self._connection, self._executor = self._connection, None, None
        if connection is None:
            return
        if _interrupted(exc):  # a statement may still be running on it
            self._in_transaction = False
            self._pool.discard(connection)
            return
        try:
            with translated(self._registry.constraints):
                try:
                    if self._in_transaction:
                        await connection.execute("ROLLBACK")
                except Exception as error:
                    if not lost_connection(error):  # a lost connection took its transaction with it
                        raise
                finally:
                    self._in_transaction = False
                    await self._pool.release(connection)
        except Exception:
            if exc is None:
                raise
            # otherwise the error that ended the unit of work is the one to report

    async def connection(self, *, write: bool = False, snapshot: bool = False) -> Executor:
        """The executor of this unit of work's connection (taken from the pool on first use).
        A writing unit of work is in a transaction from here on; a read-only one only when a
        `snapshot` is asked for (raises RuntimeError if it is asked to `write`). Staged events
        are sent first: whatever runs next sees them."""
        executor = await self._begun(write=write, snapshot=snapshot)
        if self._staged:
            await self._send_staged(executor)
        return executor

    async def carrying(self, record_id: UUID) -> tuple[Executor, Staged | None]:
        """For a write of record `record_id`: the executor, and the event staged last if it is
        about that record — taken, for the write to send in its own statement (as
        `events.RECORDED`). Events staged before it are sent first, so events keep their order."""
        executor = await self._begun(write=True)
        carried = None
        if self._staged and self._staged[-1].record_id == record_id:
            carried = self._staged.pop()
        if self._staged:
            await self._send_staged(executor)
        return executor, carried

    def hold(self, record_id: UUID, write: Write) -> bool:
        """Keep `write` (of record `record_id`, by a caller that runs nothing else but the
        commit) and the event staged about that record, unsent: the commit sends it alone, in
        autocommit — one round trip, no BEGIN or COMMIT, atomic as one statement is — and any
        other statement first begins the transaction and sends it. Its errors are raised
        there. False (nothing kept) once anything was sent, a write is held already, events of
        other records wait, or the unit of work is read-only."""
        if not self._open:
            raise RuntimeError("the unit of work is not open: use `async with`")
        carried = self._staged[-1] if len(self._staged) == 1 else None
        if self._read_only or self._in_transaction or self._held is not None:
            return False
        if self._staged and (carried is None or carried.record_id != record_id):
            return False
        self._staged = []
        self._held = (write, carried)
        self._wrote = True
        return True

    def stage(self, event: Staged) -> None:
        """An appended event, sent by `carrying` or `connection`."""
        if not self._open:
            raise RuntimeError("the unit of work is not open: use `async with`")
        if self._read_only:
            raise RuntimeError("this unit of work was declared read-only")
        self._wrote = True
        self._staged.append(event)

    async def _send_held(self, executor: Executor) -> None:
        """The held write, if any, on `executor` (in the transaction, or alone at the commit)."""
        if self._held is not None:
            (write, event), self._held = self._held, None
            await write(executor, event)

    async def _send_staged(self, executor: Executor) -> None:
        staged, self._staged = self._staged, []
        await send(executor, staged, self._registry.constraints)

    async def _acquired(self) -> Executor:
        """The executor of this unit of work's connection, taken from the pool on first use."""
        if self._executor is None:
            with translated(self._registry.constraints):
                connection = await self._pool.acquire(self._acquire_timeout_s)
            self._connection = connection
            self._executor = Executor(connection, self._compiler, reconnect=self._replace)
        return self._executor

    async def _begun(self, *, write: bool = False, snapshot: bool = False) -> Executor:
        if not self._open:
            raise RuntimeError("the unit of work is not open: use `async with`")
        if write and self._read_only:
            raise RuntimeError("this unit of work was declared read-only")
        self._wrote = self._wrote or write
        executor = await self._acquired()
        if not self._in_transaction and (snapshot or not self._read_only):
            with translated(self._registry.constraints):
                await executor.command(SNAPSHOT if self._read_only else "BEGIN")
            self._in_transaction = True
        await self._send_held(executor)
        return executor

    async def _replace(self) -> asyncpg.Connection[Row]:
        """A new connection for one the server ended before it was used (see `Executor`)."""
        dead, self._connection = self._connection, None
        if dead is not None:
            self._pool.discard(dead)
        connection = await self._pool.acquire(self._acquire_timeout_s)
        self._connection = connection
        return connection

    async def commit(self) -> None:
        """Commit; when it updated or deleted rows access depends on (see `access_gate`),
        this process's gate forgets at once (other replicas' hear it from the database's
        triggers, at the commit)."""
        claim = CLAIM.get()
        if self._held is not None and claim is None and not self._in_transaction and not self._staged:
            await self._send_held(await self._acquired())  # alone: it commits as it runs
        executor = await self.connection(write=True) if self._staged or self._held else self._executor
        changed = executor is not None and executor.changed_access
        if claim is not None and self._wrote and executor is not None and self._in_transaction:
            with translated(self._registry.constraints):
                await executor.execute(MARK_COMMITTED, key_params(claim))
        self._wrote = False
        announce = self._events is not None and self._events.appended
        if self._events is not None:
            self._events.appended = False
        await self._end("COMMIT")
        if changed and self._on_access_change is not None:
            self._on_access_change()
        if announce and self._on_events is not None:
            self._on_events()

    async def rollback(self) -> None:
        self._wrote = False
        self._staged, self._held = [], None
        if self._events is not None:
            self._events.appended = False
        await self._end("ROLLBACK")

    async def _end(self, command: str) -> None:
        if not self._open:
            raise RuntimeError("the unit of work is not open: use `async with`")
        if self._executor is not None:
            self._executor.changed_access = False
        if self._connection is None or not self._in_transaction:
            return
        try:
            with translated(self._registry.constraints):
                await self._connection.execute(command)
        finally:
            self._in_transaction = False

    def repository(self, entity: type[E]) -> PostgresRepository[E]:
        """The repository of `entity` bound to this transaction (one per entity type)."""
        if not self._open:
            raise RuntimeError("the unit of work is not open: use `async with`")
        repository = self._repositories.get(entity)
        if repository is None:
            binding = self._registry.binding(entity)
            repository = PostgresRepository(self, binding, self._codec, self._registry)
            self._repositories[entity] = repository
        return cast(PostgresRepository[E], repository)

    @property
    def identity(self) -> PostgresIdentityStore:
        """Users by email, sessions, refresh tokens and login failures, in this transaction
        (one store per unit of work, made on first use)."""
        if not self._open:
            raise RuntimeError("the unit of work is not open: use `async with`")
        if self._identity is None:
            self._identity = PostgresIdentityStore(self, self._registry.constraints)
        return self._identity

    @property
    def sign_in(self) -> PostgresSignInStore:
        """Pending logins, one-time codes and identity links (company sign-in), in this transaction."""
        if not self._open:
            raise RuntimeError("the unit of work is not open: use `async with`")
        if self._sign_in is None:
            self._sign_in = PostgresSignInStore(self, self._registry.constraints)
        return self._sign_in

    @property
    def training(self) -> PostgresTrainingReader:
        """The set-based reads behind coverage, gaps and recommendations, in this transaction
        (one reader per unit of work, made on first use)."""
        if not self._open:
            raise RuntimeError("the unit of work is not open: use `async with`")
        if self._training is None:
            self._training = PostgresTrainingReader(self, self._registry)
        return self._training

    @property
    def idempotency(self) -> PostgresIdempotencyStore:
        """Idempotency keys, in this transaction."""
        if not self._open:
            raise RuntimeError("the unit of work is not open: use `async with`")
        return PostgresIdempotencyStore(self)

    @property
    def events(self) -> PostgresEventLog:
        """The outbox, in this transaction (made on first use)."""
        if not self._open:
            raise RuntimeError("the unit of work is not open: use `async with`")
        if self._events is None:
            self._events = PostgresEventLog(self, self._event_source, self._registry.constraints)
        return self._events
