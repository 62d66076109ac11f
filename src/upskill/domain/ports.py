"""Storage ports: the generic repository and the unit of work. Adapters implement both."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Protocol, Self, TypeVar
from uuid import UUID

from upskill.domain.entity import Entity
from upskill.domain.policy import Scope
from upskill.domain.query import Filter, ListQuery, Page

E = TypeVar("E", bound=Entity)


class Repository(Protocol[E]):
    """Stages reads and writes inside its unit of work; never commits.

    Writes are decided by the store: a duplicate raises Conflict(field), a missing referenced
    record InvalidReference(field), deleting a referenced record Conflict, a broken value rule
    InvariantViolation(field). The unit of work is unusable after such an error: roll back.
    """

    async def get(self, id: UUID) -> E:
        """Raises NotFound."""
        ...

    async def find(self, id: UUID) -> E | None: ...

    async def exists(self, id: UUID) -> bool: ...

    async def add(self, entity: E) -> E: ...

    async def update(self, entity: E, *, expected_version: int) -> E:
        """Stores `entity` if the stored version is still `expected_version`; raises
        StaleVersion if it is not, NotFound if the record is gone."""
        ...

    async def delete(self, id: UUID, *, expected_version: int | None = None) -> None:
        """Raises NotFound, or StaleVersion when `expected_version` is given and stale."""
        ...

    async def page(self, query: ListQuery, scope: Scope) -> Page[E]:
        """One page in the query's full ordering (ties broken by id), restricted to `scope`.
        The query must have been validated against the resource."""
        ...

    async def count(self, filters: Sequence[Filter] = ()) -> int: ...


class UnitOfWork(Protocol):
    """One transaction. `async with uow:` begins it; leaving without `commit()` rolls back."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    def repository(self, entity: type[E]) -> Repository[E]:
        """The repository of `entity` bound to this transaction."""
        ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
