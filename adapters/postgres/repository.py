"""The generic repository over PostgreSQL, written once for every resource.

Core statements run on the unit of work's connection; rows are mapped straight to entity
snapshots (no ORM identity map). A write sends the event staged about its record in the same
statement (see `PostgresUnitOfWork.carrying`). Uniqueness, references and value rules are the database's:
its errors are translated into core errors (see `errors`), never pre-checked. Nested fields
are written with their parent, in its transaction, and read for a whole page in one more
statement (see `nested`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, Generic, TypeVar
from uuid import UUID

from sqlalchemy import Row, Select, func, select

from adapters.postgres import listing, nested
from adapters.postgres.conditions import Conditions
from adapters.postgres.errors import Action, Attempt, translated
from adapters.postgres.events import Staged
from adapters.postgres.executor import Connections, Executor
from adapters.postgres.registry import MATCH_ID, MATCH_VERSION, Binding, Registry
from upskill.domain.cursor import CursorCodec
from upskill.domain.entity import Entity
from upskill.domain.errors import NotFound, StaleVersion
from upskill.domain.policy import Scope
from upskill.domain.query import Filter, ListQuery, Page, SortKey

E = TypeVar("E", bound=Entity)
PAGE_SHAPES = 256
"""Unfiltered page statements kept per resource (more shapes than this start the memo anew)."""


class PostgresRepository(Generic[E]):
    """Implements `upskill.domain.ports.Repository`; stages in the session's transaction,
    never commits. `registry` provides the constraint catalogue and the tables of the
    resources a scope relates to."""

    def __init__(self, connections: Connections, binding: Binding[E], codec: CursorCodec, registry: Registry) -> None:
        self._connections = connections
        self._resource = binding.resource
        self._table = binding.table
        self._mapper = binding.mapper
        self._sql = binding.statements
        self._children = binding.children
        self._codec = codec
        self._pages = binding.pages
        self._constraints = registry.constraints
        self._conditions = Conditions(binding, registry.binding)
        self._access = binding.access

    async def _connection(self, *, statements: int = 1) -> Executor:
        """For a read; a snapshot when it takes several statements that must agree."""
        return await self._connections.connection(snapshot=statements > 1)

    def _not_found(self, id: UUID) -> NotFound:
        label = self._resource.label
        return NotFound(f"{label} {id} does not exist.", entity=label, id=id)

    async def _entities(self, connection: Executor, rows: Sequence[Row[Any]]) -> list[E]:
        """The entities of `rows`, with their nested fields (one statement per nested field)."""
        if not self._children:
            return self._mapper.from_rows(rows)
        ids = [row.id for row in rows]
        items = {c.field: await nested.load(connection, c, ids) for c in self._children}
        return [self._mapper.from_row(row, **{name: found[row.id] for name, found in items.items()}) for row in rows]

    async def get(self, id: UUID) -> E:
        """Raises NotFound."""
        entity = await self.find(id)
        if entity is None:
            raise self._not_found(id)
        return entity

    async def find(self, id: UUID) -> E | None:
        with translated(self._constraints):
            connection = await self._connection(statements=1 + len(self._children))
            row = (await connection.execute(self._sql.by_id, {MATCH_ID: id})).first()
            found = await self._entities(connection, [row]) if row is not None else []
        return found[0] if found else None

    async def exists(self, id: UUID) -> bool:
        with translated(self._constraints):
            result = await (await self._connection()).execute(self._sql.exists, {MATCH_ID: id})
            return result.first() is not None

    async def add(self, entity: E, *, deferred: bool = False) -> E:
        """`deferred` (and no nested fields): the unit of work may hold the INSERT until its
        next statement or its commit (`PostgresUnitOfWork.hold`)."""
        send = partial(self._insert, entity, self._mapper.to_row(entity))
        if deferred and not self._children and self._connections.hold(entity.id, send):
            return entity
        with translated(self._constraints, Attempt(Action.WRITE, entity=entity)):
            connection, event = await self._connections.carrying(entity.id)
        await send(connection, event)
        with translated(self._constraints, Attempt(Action.WRITE, entity=entity)):
            for children in self._children:
                await nested.write(connection, children, entity.id, getattr(entity, children.field))
        return entity

    async def _insert(self, entity: E, values: dict[str, Any], connection: Executor, event: Staged | None) -> None:
        """The INSERT of `entity`, with the event that records it when there is one."""
        with translated(self._constraints, Attempt(Action.WRITE, entity=entity)):
            await connection.execute(*self._with(self._sql.insert, values, event))

    def _with(self, write: Any, values: dict[str, Any], event: Staged | None) -> tuple[Any, dict[str, Any]]:
        """`write` and its parameters, with `event` riding in the same statement when there is one."""
        return (write, values) if event is None else (self._sql.recorded[write], values | event.params)

    async def update(self, entity: E, *, expected_version: int) -> E:
        """Stores `entity` (its nested fields replaced whole) if the stored version is still
        `expected_version`; raises StaleVersion if it is not, NotFound if the record is gone."""
        values: dict[str, Any] = self._mapper.to_row(entity)
        del values["id"]
        values[MATCH_ID], values[MATCH_VERSION] = entity.id, expected_version
        with translated(self._constraints, Attempt(Action.WRITE, entity=entity)):
            connection, event = await self._connections.carrying(entity.id)
            # The event names what changed: an update of an access table that changes none of
            # its access columns leaves everyone's access as it was.
            access = None if self._access is None or event is None else bool(self._access & event.fields)
            result = await connection.execute(*self._with(self._sql.update, values, event), changes_access=access)
            if result.rowcount == 1:
                for children in self._children:
                    await nested.replace(connection, children, entity.id, getattr(entity, children.field))
        if result.rowcount == 0:
            await self._missing_or_stale(entity.id, expected_version)
        return entity

    async def delete(self, id: UUID, *, expected_version: int | None = None) -> None:
        """Raises NotFound, or StaleVersion when `expected_version` is given and stale;
        Conflict while other records reference it. Nested items go with their parent."""
        values: dict[str, object] = {MATCH_ID: id}
        with translated(self._constraints, Attempt(Action.DELETE, id=id)):
            connection, event = await self._connections.carrying(id)
            statement = self._sql.delete
            if expected_version is not None:
                statement, values[MATCH_VERSION] = self._sql.delete_version, expected_version
            result = await connection.execute(*self._with(statement, values, event))
        if result.rowcount == 0:
            await self._missing_or_stale(id, expected_version)

    async def _missing_or_stale(self, id: UUID, expected_version: int | None) -> None:
        if expected_version is None or not await self.exists(id):
            raise self._not_found(id)
        label = self._resource.label
        raise StaleVersion(f"{label} {id} is not at version {expected_version}.", entity=label, id=id)

    async def page(self, query: ListQuery, scope: Scope) -> Page[E]:
        """One page in the query's full ordering (ties broken by id), restricted to `scope`.
        The query must have been validated against the resource."""
        ordering = query.ordering()
        after = None if query.cursor is None else self._codec.decode(query.cursor, query)
        if scope.nothing:
            return Page(items=[], next_cursor=None, total=0 if query.with_total else None)
        conditions = [*self._conditions.of(query.filters), *self._conditions.scope(scope)]
        if conditions:
            keyset = [] if after is None else [listing.after(self._table, ordering, after)]
            statement, values = self._page_statement(conditions, keyset, ordering, query.limit), None
        else:
            statement, values = self._unfiltered_page(ordering, query.limit, after)
        with translated(self._constraints):
            connection = await self._connection(statements=1 + len(self._children) + query.with_total)
            rows = (await connection.execute(statement, values)).all()
            items = await self._entities(connection, rows[: query.limit])
            total = await self._count(connection, conditions) if query.with_total else None
        next_cursor = None
        if len(rows) > query.limit:
            last = items[-1]
            next_cursor = self._codec.encode([getattr(last, key.field) for key in ordering], query)
        return Page(items=items, next_cursor=next_cursor, total=total)

    def _page_statement(
        self, conditions: Sequence[Any], keyset: Sequence[Any], ordering: Sequence[SortKey], limit: int
    ) -> Select[Any]:
        return (
            self._sql.select.where(*conditions, *keyset)
            .order_by(*listing.order_by(self._table, ordering))
            .limit(limit + 1)
        )

    def _unfiltered_page(
        self, ordering: tuple[SortKey, ...], limit: int, after: Sequence[object] | None
    ) -> tuple[Select[Any], dict[str, object] | None]:
        """The statement of an unfiltered page — built once per shape (ordering, limit, which
        cursor values are NULL), the cursor's values given as parameters — and its parameters."""
        shape = (ordering, limit, None if after is None else tuple(v is None for v in after))
        statement = self._pages.get(shape)
        if statement is None:
            keyset = [] if after is None else [listing.after(self._table, ordering, after, listing.keyset_parameter)]
            statement = self._page_statement((), keyset, ordering, limit)
            if len(self._pages) >= PAGE_SHAPES:
                self._pages.clear()
            self._pages[shape] = statement
        return statement, None if after is None else listing.keyset_values(after)

    async def count(self, filters: Sequence[Filter] = ()) -> int:
        with translated(self._constraints):
            return await self._count(await self._connection(), self._conditions.of(filters))

    async def _count(self, connection: Executor, conditions: Sequence[Any]) -> int:
        statement = select(func.count()).select_from(self._table).where(*conditions)
        return int((await connection.execute(statement)).scalar_one())
