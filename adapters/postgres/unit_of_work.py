"""The unit of work over PostgreSQL: one transaction on one AsyncSession."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.postgres.errors import translated
from adapters.postgres.identity import PostgresIdentityStore
from adapters.postgres.registry import Registry
from adapters.postgres.repository import PostgresRepository
from adapters.postgres.training import PostgresTrainingReader
from upskill.domain.cursor import CursorCodec
from upskill.domain.entity import Entity

E = TypeVar("E", bound=Entity)


class PostgresUnitOfWork:
    """Implements `upskill.domain.ports.UnitOfWork`. `async with` opens a session whose
    transaction begins with its first statement; leaving without `commit()` rolls back and
    returns the connection to the pool. Not reentrant; use a new one per use case."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], registry: Registry, codec: CursorCodec) -> None:
        self._sessions = sessions
        self._registry = registry
        self._codec = codec
        self._session: AsyncSession | None = None
        self._repositories: dict[type[Entity], PostgresRepository[Any]] = {}
        self._identity: PostgresIdentityStore | None = None
        self._training: PostgresTrainingReader | None = None

    @property
    def session(self) -> AsyncSession:
        """The open session; raises RuntimeError outside `async with`."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `async with`")
        return self._session

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("the unit of work is already open")
        self._session = self._sessions()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        self._repositories.clear()
        self._identity = None
        self._training = None
        try:
            with translated(self._registry.constraints):
                await session.close()  # rolls back whatever was not committed
        except Exception:
            if exc is None:
                raise
            # otherwise the error that ended the unit of work is the one to report

    async def commit(self) -> None:
        with translated(self._registry.constraints):
            await self.session.commit()

    async def rollback(self) -> None:
        with translated(self._registry.constraints):
            await self.session.rollback()

    def repository(self, entity: type[E]) -> PostgresRepository[E]:
        """The repository of `entity` bound to this transaction (one per entity type)."""
        repository = self._repositories.get(entity)
        if repository is None:
            binding = self._registry.binding(entity)
            repository = PostgresRepository(self.session, binding, self._codec, self._registry)
            self._repositories[entity] = repository
        return cast(PostgresRepository[E], repository)

    @property
    def identity(self) -> PostgresIdentityStore:
        """Users by email, sessions, refresh tokens and login failures, in this transaction
        (one store per unit of work, made on first use)."""
        if self._identity is None:
            self._identity = PostgresIdentityStore(self.session, self._registry.constraints)
        return self._identity

    @property
    def training(self) -> PostgresTrainingReader:
        """The set-based reads behind coverage, gaps and recommendations, in this transaction
        (one reader per unit of work, made on first use)."""
        if self._training is None:
            self._training = PostgresTrainingReader(self.session, self._registry)
        return self._training
