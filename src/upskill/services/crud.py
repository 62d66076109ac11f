"""The generic CRUD use cases, written once for every resource.

Routes never check existence, versions or rules themselves: they call this service. Each
call is one unit of work that commits once; any error leaves the store as it was. A resource
with real rules subclasses this and overrides `check`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Generic, TypeVar
from uuid import UUID

from upskill.domain.entity import SYSTEM_FIELDS, Entity
from upskill.domain.errors import (
    FieldError,
    InvalidQuery,
    InvariantViolation,
    NotFound,
    StaleVersion,
    TransactionConflict,
)
from upskill.domain.events import CREATED, DELETED, UPDATED, Event, change_of
from upskill.domain.ids import Clock, IdFactory
from upskill.domain.policy import EVERYTHING, Action, AllowAll, Policy
from upskill.domain.ports import Repository, UnitOfWork, UnitOfWorkFactory
from upskill.domain.principal import Principal
from upskill.domain.query import MAX_LIMIT, Filter, ListQuery, Op, Page, SortKey
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
        self._lone_create = type(self).written is CrudService.written
        """A create is the record's write and nothing after it but the commit (no `written`
        hook): the store may send it alone, without a transaction."""
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

    async def amend(
        self, uow: UnitOfWork, principal: Principal, before: E | None, values: dict[str, object]
    ) -> dict[str, object]:
        """Inside the transaction, before the record is built from `values` (all its data
        fields on create, the changes on update; `before` is the stored record, None on create):
        complete or refuse them by what is stored (e.g. a completion day when a status becomes
        completed). The default keeps `values` as they are."""
        return values

    async def check(self, uow: UnitOfWork, principal: Principal, before: E | None, after: E) -> None:
        """Rules that need the store (beyond the entity's own and the database's). Raise a
        DomainError to refuse the write."""

    async def written(self, uow: UnitOfWork, principal: Principal, before: E | None, after: E | None) -> None:
        """Inside the write's transaction, once the store took it (`after` is None for a
        delete) and before the commit: the writes that must succeed or fail with it (evidence
        of a completed course, plans achieved by a new level). The default writes nothing."""

    def action(self, before: E | None, after: E | None) -> str:
        """The name of what a write did, for its event (`upskill.<entity>.<action>`): a domain
        service names its own actions (a validation, a completion); the default is `created`,
        `updated` or `deleted`."""
        if before is None:
            return CREATED
        return DELETED if after is None else UPDATED

    async def record(
        self, uow: UnitOfWork, principal: Principal, before: E | None, after: E | None, action: str | None = None
    ) -> None:
        """Record the change from `before` to `after` (None: created / deleted) as an event in
        `uow`, the write's own transaction; `action` defaults to `self.action(before, after)`.
        Every write of the generic paths passes here, just before the write itself (a store
        may send the write and its event as one statement; if the write fails, the unit of
        work ends uncommitted and the event with it)."""
        change = change_of(
            self.resource,
            principal,
            before,
            after,
            action if action is not None else self.action(before, after),
            id=self._ids.new(),
            at=self._clock.now(),
        )
        await uow.events.append(change)

    def today(self) -> date:
        """The service's day (UTC): what dated rules and computed flags are evaluated on."""
        return self._clock.now().date()

    # -- use cases -----------------------------------------------------------------------------

    async def create(self, principal: Principal, data: Mapping[str, object]) -> E:
        self._check_fields(data, full=True)
        prepared = await self.prepare(principal, dict(data), creating=True)

        async def work(uow: UnitOfWork) -> E:
            values = await self.amend(uow, principal, None, dict(prepared))
            stored = await self.add_in(uow, principal, self.new_record(values), deferred=self._lone_create)
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

    async def history(
        self, principal: Principal, id: UUID, *, limit: int = 50, cursor: str | None = None
    ) -> Page[Event]:
        """The record's events, newest first: to whoever may read the record (NotFound
        otherwise, and once it is deleted). Raises InvalidQuery for a bad limit or cursor."""
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidQuery(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")

        async def work(uow: UnitOfWork) -> Page[Event]:
            await self._visible(uow, principal, id)
            return await uow.events.history(f"{self.resource.collection}/{id}", limit=limit, cursor=cursor)

        return await in_transaction(self._uow, work, read_only=True)

    @property
    def unit_of_work_factory(self) -> UnitOfWorkFactory:
        return self._uow

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
            values = dict(prepared)
            if replace:
                values = {name: _default(self.resource.entity, name) for name in self._data_fields} | values
            values = await self.amend(uow, principal, current, values)
            try:
                stored = await self.change_in(uow, principal, current, values)
                if stored is not current:
                    await uow.commit()
            except StaleVersion as exc:
                if expected_version is not None:
                    raise
                # Without If-Match the caller asked for the change whatever the version: a
                # concurrent write overtook this one, so read again and re-apply it.
                raise TransactionConflict(exc.reason, entity=exc.entity, id=exc.id) from exc
            return stored

        return await in_transaction(self._uow, work)

    async def delete(self, principal: Principal, id: UUID, *, expected_version: int | None = None) -> None:
        """Raises NotFound, StaleVersion, or Conflict while other records reference it."""

        async def work(uow: UnitOfWork) -> None:
            current = await self._visible(uow, principal, id)
            self._check_version(current, expected_version)
            await self.policy.authorize(uow, principal, Action.DELETE, current, None)
            await self.record(uow, principal, current, None)
            await self._repo(uow).delete(id, expected_version=current.version)
            await self.written(uow, principal, current, None)
            await uow.commit()

        await in_transaction(self._uow, work)

    # -- writes inside a caller's unit of work (the caller commits) ---------------------------

    def new_record(self, values: Mapping[str, object]) -> E:
        """A new record of `values` (its data fields) with a new id, version 1, stamped now."""
        now = self._clock.now()
        return self.resource.entity(id=self._ids.new(), version=1, created_at=now, updated_at=now, **values)

    async def add_in(
        self, uow: UnitOfWork, principal: Principal, entity: E, *, authorize: bool = True, deferred: bool = False
    ) -> E:
        """Store a new record in `uow`: the policy (`authorize=False` when the service itself
        makes the record, e.g. evidence of a course), the rules, the store, then `written`.
        `deferred`: only the commit follows (see `Repository.add`)."""
        if authorize:
            await self.policy.authorize(uow, principal, Action.CREATE, None, entity)
        await self.check(uow, principal, None, entity)
        await self.record(uow, principal, None, entity)  # first: the store may send both at once
        stored = await self._repo(uow).add(entity, deferred=deferred)
        await self.written(uow, principal, None, stored)
        return stored

    async def change_in(
        self,
        uow: UnitOfWork,
        principal: Principal,
        current: E,
        values: Mapping[str, object],
        *,
        authorize: bool = True,
    ) -> E:
        """Store `current` with `values` in `uow` as its next version, as `add_in` does; `current`
        itself (the same object) when nothing would change. Raises StaleVersion when `current`
        is no longer the stored version."""
        if all(getattr(current, k) == v for k, v in values.items()):
            return current
        updated = current.evolve(**values, version=current.version + 1, updated_at=self._clock.now())
        if authorize:
            await self.policy.authorize(uow, principal, Action.UPDATE, current, updated)
        await self.check(uow, principal, current, updated)
        await self.record(uow, principal, current, updated)  # first: the store may send both at once
        stored = await self._repo(uow).update(updated, expected_version=current.version)
        await self.written(uow, principal, current, stored)
        return stored

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
