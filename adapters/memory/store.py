"""The committed state of the in-memory storage, shared by every unit of work made from it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from adapters.memory.events import EventTable
from adapters.memory.idempotency import IdempotencyTable
from adapters.memory.identity_tables import IdentityTables
from adapters.memory.levels import LevelProjection
from adapters.memory.signin import SignInTables
from adapters.memory.unit_of_work import MemoryUnitOfWork
from upskill.domain.entity import Entity
from upskill.domain.events import DEFAULT_SOURCE
from upskill.domain.resource import Resource
from upskill.domain.resources import ALL
from upskill.domain.training import Assessment

E = TypeVar("E", bound=Entity)

DEV_CURSOR_SECRET = b"upskill-memory-cursor-secret"


class MemoryStore:
    """Per registered resource, the committed records by id; `identity`, the committed
    authentication state (sessions, refresh tokens, login attempts); `events`, the committed
    events (the outbox).

    Only `publish` changes it, called by a committing unit of work after it has checked its
    writes, with no await in between: a commit is atomic. Records are frozen entities, so they
    are shared, never copied.
    """

    def __init__(
        self,
        resources: Iterable[Resource[Any]] = ALL,
        *,
        cursor_secret: bytes = DEV_CURSOR_SECRET,
        event_source: str = DEFAULT_SOURCE,
    ) -> None:
        self.cursor_secret = cursor_secret
        self.events = EventTable(event_source)
        self.idempotency: IdempotencyTable = {}
        self.levels = LevelProjection()
        """The current-level projection (`adapters/memory/levels.py`), kept by `publish`."""
        self._resources: dict[type[Entity], Resource[Any]] = {}
        self._tables: dict[type[Entity], dict[UUID, Entity]] = {}
        self.identity = IdentityTables()
        self.sign_in = SignInTables()
        for resource in resources:
            self.register(resource)

    def register(self, resource: Resource[Any]) -> None:
        """Make a resource storable. Its references may point at itself or at registered resources."""
        self._resources[resource.entity] = resource
        self._tables.setdefault(resource.entity, {})

    @property
    def resources(self) -> tuple[Resource[Any], ...]:
        return tuple(self._resources.values())

    def resource(self, entity: type[E]) -> Resource[E]:
        """Raises LookupError for an entity type no resource declares."""
        try:
            return cast(Resource[E], self._resources[entity])
        except KeyError:
            raise LookupError(f"{entity.__name__} is not a registered resource") from None

    def table(self, entity: type[Entity]) -> Mapping[UUID, Entity]:
        """The committed records of `entity` (a live, read-only view)."""
        return self._tables[self.resource(entity).entity]

    def publish(self, writes: Mapping[type[Entity], Mapping[UUID, Entity | None]]) -> None:
        """Apply checked writes (None deletes), and keep the current-level projection in step."""
        for entity_type, rows in writes.items():
            table = self._tables[entity_type]
            for id, entity in rows.items():
                before = table.get(id)
                if entity is None:
                    table.pop(id, None)
                else:
                    table[id] = entity
                if entity_type is Assessment:
                    self.levels.apply(cast(Assessment | None, before), cast(Assessment | None, entity))

    def unit_of_work(self) -> MemoryUnitOfWork:
        """A new unit of work on this store (a factory: call it once per transaction)."""
        return MemoryUnitOfWork(self, self.cursor_secret)

    async def ready(self) -> None:
        """Always ready: there is nothing to reach."""
