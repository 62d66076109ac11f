"""The unit of work over PostgreSQL: one transaction on one AsyncSession."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.postgres.errors import translated
from adapters.postgres.registry import Registry
from adapters.postgres.repository import PostgresRepository
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
            repository = PostgresRepository(self.session, binding, self._codec, self._registry.constraints)
            self._repositories[entity] = repository
        return cast(PostgresRepository[E], repository)
