"""The generic CRUD use cases, written once for every resource.

Routes never check existence, versions or rules themselves: they call this service. Each
call is one unit of work that commits once; any error leaves the store as it was. A resource
with real rules subclasses this and overrides `check`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, TypeVar
from uuid import UUID

from upskill.domain.entity import SYSTEM_FIELDS, Entity
from upskill.domain.errors import FieldError, InvariantViolation, NotFound, StaleVersion, TransactionConflict
from upskill.domain.ids import Clock, IdFactory
from upskill.domain.policy import EVERYTHING, Action, AllowAll, Policy
from upskill.domain.ports import Repository, UnitOfWork, UnitOfWorkFactory
from upskill.domain.principal import Principal
from upskill.domain.query import Filter, ListQuery, Op, Page, SortKey
from upskill.domain.resource import Resource

E = TypeVar("E", bound=Entity)
R = TypeVar("R")

ATTEMPTS = 3
"""How often a unit of work is run when the store reports a transaction conflict."""


async def in_transaction(
    uow_factory: UnitOfWorkFactory, work: Callable[[UnitOfWork], Awaitable[R]], *, read_only: bool = False
) -> R:
    """Run `work` in a fresh unit of work, again (up to ATTEMPTS times) when the store aborts
    it for a concurrent transaction. `work` commits; otherwise everything rolls back. With
    `read_only`, the unit of work is declared read-only (a lone read needs no transaction)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            uow = uow_factory().for_reading() if read_only else uow_factory()
            async with uow:
                return await work(uow)
        except TransactionConflict:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


class CrudService(Generic[E]):
    def __init__(
        self,
        resource: Resource[E],
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdFactory,
        policy: Policy[E] | None = None,
    ) -> None:
        self.resource = resource
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self.policy: Policy[E] = policy if policy is not None else AllowAll()
        entity_fields = [f for f in dataclasses.fields(resource.entity) if f.init]
        self._writable = resource.writable
        self._read_only = SYSTEM_FIELDS | resource.read_only
        self._data_fields = frozenset(resource.entity.data_fields()) & self._writable
        self._required = frozenset(
            f.name
            for f in entity_fields
            if f.name in self._data_fields
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        )

    # -- hooks -------------------------------------------------------------------------------

    async def prepare(self, principal: Principal, values: dict[str, object], *, creating: bool) -> dict[str, object]:
        """Turn client input into entity fields before a write: set fields the service owns
        (an author from the principal), replace write-only inputs (a password by its hash).
        Runs before the transaction opens (slow work here holds no connection). The default
        keeps `values` as they are."""
        return values

    async def check(self, uow: UnitOfWork, principal: Principal, before: E | None, after: E) -> None:
        """Rules that need the store (beyond the entity's own and the database's). Raise a
        DomainError to refuse the write."""

    # -- use cases -----------------------------------------------------------------------------

    async def create(self, principal: Principal, data: Mapping[str, object]) -> E:
        self._check_fields(data, full=True)
        values = await self.prepare(principal, dict(data), creating=True)
        now = self._clock.now()
        entity = self.resource.entity(id=self._ids.new(), version=1, created_at=now, updated_at=now, **values)

        async def work(uow: UnitOfWork) -> E:
            await self.policy.authorize(uow, principal, Action.CREATE, None, entity)
            await self.check(uow, principal, None, entity)
            stored = await self._repo(uow).add(entity)
            await uow.commit()
            return stored

        return await in_transaction(self._uow, work)

    async def get(self, principal: Principal, id: UUID) -> E:
        """Raises NotFound for a missing record and for one the principal may not read."""

        async def work(uow: UnitOfWork) -> E:
            return await self._visible(uow, principal, id)

        return await in_transaction(self._uow, work, read_only=True)

    async def list(self, principal: Principal, query: ListQuery) -> Page[E]:
        query = self.resource.validate(query)
        scope = self.policy.read_scope(principal)
        if scope.nothing:
            return Page(items=[], next_cursor=None, total=0 if query.with_total else None)

        async def work(uow: UnitOfWork) -> Page[E]:
            return await self._repo(uow).page(query, scope)

        return await in_transaction(self._uow, work, read_only=True)

    async def update(
        self,
        principal: Principal,
        id: UUID,
        changes: Mapping[str, object],
        *,
        expected_version: int | None = None,
        replace: bool = False,
    ) -> E:
        """Apply `changes` (a merge patch, or with `replace` a full set of writable fields).
        Raises NotFound, StaleVersion when `expected_version` is not current, and what the
        entity, the policy or the store refuse. A change that changes nothing keeps the version."""
        self._check_fields(changes, full=replace)
        prepared = await self.prepare(principal, dict(changes), creating=False)

        async def work(uow: UnitOfWork) -> E:
            current = await self._visible(uow, principal, id)
            self._check_version(current, expected_version)
            values = prepared
            if replace:
                values = {name: _default(self.resource.entity, name) for name in self._data_fields} | prepared
            if all(getattr(current, k) == v for k, v in values.items()):
                return current
            updated = current.evolve(**values, version=current.version + 1, updated_at=self._clock.now())
            await self.policy.authorize(uow, principal, Action.UPDATE, current, updated)
            await self.check(uow, principal, current, updated)
            stored = await self._repo(uow).update(updated, expected_version=current.version)
            await uow.commit()
            return stored

        return await in_transaction(self._uow, work)

    async def delete(self, principal: Principal, id: UUID, *, expected_version: int | None = None) -> None:
        """Raises NotFound, StaleVersion, or Conflict while other records reference it."""

        async def work(uow: UnitOfWork) -> None:
            current = await self._visible(uow, principal, id)
            self._check_version(current, expected_version)
            await self.policy.authorize(uow, principal, Action.DELETE, current, None)
            await self._repo(uow).delete(id, expected_version=current.version)
            await uow.commit()

        await in_transaction(self._uow, work)

    # -- internals -----------------------------------------------------------------------------

    def _repo(self, uow: UnitOfWork) -> Repository[E]:
        return uow.repository(self.resource.entity)

    async def _visible(self, uow: UnitOfWork, principal: Principal, id: UUID) -> E:
        return await find_visible(uow, self.policy, principal, self.resource.entity, id)

    def _check_version(self, current: E, expected: int | None) -> None:
        if expected is not None and expected != current.version:
            raise StaleVersion(
                f"{self.resource.label} {current.id} is at version {current.version}, not {expected}.",
                entity=self.resource.label,
                id=current.id,
            )

    def _check_fields(self, data: Mapping[str, object], *, full: bool) -> None:
        problems = [
            FieldError(name, "is read-only" if name in self._read_only else "is not a field of this resource")
            for name in data
            if name not in self._writable
        ]
        if full:
            problems += [FieldError(name, "is required") for name in sorted(self._required - data.keys())]
        else:
            problems += [
                FieldError(name, "cannot be null") for name in self._required if name in data and data[name] is None
            ]
        if problems:
            raise InvariantViolation(
                problems[0].message, entity=self.resource.label, field=problems[0].field, errors=problems
            )


async def find_visible(uow: UnitOfWork, policy: Policy[E], principal: Principal, entity: type[E], id: UUID) -> E:
    """The record if it exists inside the principal's read scope (the store applies the scope,
    as for lists); NotFound otherwise, whether it is missing or hidden."""
    scope = policy.read_scope(principal)
    found: E | None = None
    if scope == EVERYTHING:
        found = await uow.repository(entity).find(id)
    elif not scope.nothing:
        query = ListQuery(filters=(Filter("id", Op.EQ, id),), sort=(SortKey("id"),), limit=1)
        page = await uow.repository(entity).page(query, scope)
        found = page.items[0] if page.items else None
    if found is None:
        raise NotFound(f"{entity.label} {id} does not exist.", entity=entity.label, id=id)
    return found


def _default(entity: type[Entity], name: str) -> object:
    for f in dataclasses.fields(entity):
        if f.name == name:
            if f.default is not dataclasses.MISSING:
                return f.default
            if f.default_factory is not dataclasses.MISSING:
                return f.default_factory()
    return None
