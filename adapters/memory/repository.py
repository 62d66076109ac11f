"""The Repository port over a unit of work's private writes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Generic, TypeVar, cast
from uuid import UUID

from adapters.memory.conditions import check_fields, holds
from adapters.memory.constraints import check_unreferenced, check_write, duplicate_id, not_found, stale
from adapters.memory.listing import select_page
from adapters.memory.staging import Staging
from upskill.domain.cursor import CursorCodec
from upskill.domain.entity import Entity
from upskill.domain.policy import Scope
from upskill.domain.query import Filter, ListQuery, Page
from upskill.domain.resource import Resource

E = TypeVar("E", bound=Entity)


async def round_trip() -> None:
    """Where a database would do I/O: lets concurrent units of work interleave, so tests on the
    memory adapter meet the races they would meet on a real store."""
    await asyncio.sleep(0)


class MemoryRepository(Generic[E]):
    """Records of one resource as its unit of work sees them.

    A write is checked when it is made, as PostgreSQL checks at flush (NotFound, StaleVersion,
    Conflict(field), InvalidReference(field)); a refused write stages nothing. The unit of work
    checks every write again at commit, against the state other units of work committed since.
    """

    def __init__(self, resource: Resource[E], staging: Staging, codec: CursorCodec) -> None:
        self._resource = resource
        self._staging = staging
        self._codec = codec

    async def get(self, id: UUID) -> E:
        found = await self.find(id)
        if found is None:
            raise not_found(self._resource, id)
        return found

    async def find(self, id: UUID) -> E | None:
        await round_trip()
        return cast(E | None, self._staging.find(self._resource.entity, id))

    async def exists(self, id: UUID) -> bool:
        return await self.find(id) is not None

    async def add(self, entity: E, *, deferred: bool = False) -> E:
        """Writes at once, `deferred` or not (the port allows either)."""
        await round_trip()
        if self._staging.find(self._resource.entity, entity.id) is not None:
            raise duplicate_id(self._resource, entity.id)
        check_write(self._staging, self._resource, entity)
        self._staging.put(self._resource.entity, entity)
        return entity

    async def update(self, entity: E, *, expected_version: int) -> E:
        current = await self.get(entity.id)
        if current.version != expected_version:
            raise stale(self._resource, entity.id, current.version, expected_version)
        check_write(self._staging, self._resource, entity)
        self._staging.put(self._resource.entity, entity)
        return entity

    async def delete(self, id: UUID, *, expected_version: int | None = None) -> None:
        current = await self.get(id)
        if expected_version is not None and current.version != expected_version:
            raise stale(self._resource, id, current.version, expected_version)
        check_unreferenced(self._staging, self._resource, id)
        self._staging.remove(self._resource.entity, id)

    async def page(self, query: ListQuery, scope: Scope) -> Page[E]:
        await round_trip()
        records = cast(list[E], self._staging.records(self._resource.entity))
        return select_page(self._staging, records, self._resource, query, scope, self._codec)

    async def count(self, filters: Sequence[Filter] = ()) -> int:
        await round_trip()
        check_fields(self._staging, self._resource, filters)
        records = self._staging.records(self._resource.entity)
        return sum(1 for record in records if holds(self._staging, self._resource, record, filters))
