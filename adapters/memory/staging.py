"""The private writes of one unit of work, and the atomic check-and-publish of a commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from adapters.memory.constraints import check_unreferenced, check_write, duplicate_id, not_found, stale
from upskill.domain.entity import Entity
from upskill.domain.resource import Resource

if TYPE_CHECKING:
    from adapters.memory.store import MemoryStore


class Companion(Protocol):
    """Other private writes of the unit of work (authentication state), committed together with
    the entity writes: checked after them, published right after them."""

    def check(self) -> None: ...

    def publish(self, writes: Mapping[type[Entity], Mapping[UUID, Entity | None]]) -> None: ...


class Staging:
    """Writes not yet visible to any other unit of work.

    Reads see the store's committed state *as it is now*, overlaid with these writes (like a
    READ COMMITTED transaction). For each record written it remembers the committed version the
    write was based on (None: the record was new), so that `commit` notices another unit of
    work having changed or removed it meanwhile.
    """

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._writes: dict[type[Entity], dict[UUID, Entity | None]] = {}
        self._bases: dict[type[Entity], dict[UUID, int | None]] = {}

    @property
    def resources(self) -> Sequence[Resource[Any]]:
        return self._store.resources

    def find(self, entity: type[Entity], id: UUID) -> Entity | None:
        staged = self._writes.get(entity, {})
        if id in staged:
            return staged[id]
        return self._store.table(entity).get(id)

    def records(self, entity: type[Entity]) -> list[Entity]:
        merged = {**self._store.table(entity), **self._writes.get(entity, {})}
        return [record for record in merged.values() if record is not None]

    def put(self, entity_type: type[Entity], entity: Entity) -> None:
        self._stage(entity_type, entity.id, entity)

    def remove(self, entity_type: type[Entity], id: UUID) -> None:
        self._stage(entity_type, id, None)

    def writes(self, entity: type[Entity]) -> bool:
        """Whether a write of `entity` is staged."""
        return bool(self._writes.get(entity))

    @property
    def dirty(self) -> bool:
        """Whether any record write is staged."""
        return any(self._writes.values())

    def discard(self) -> None:
        self._writes.clear()
        self._bases.clear()

    def commit(self, companions: Sequence[Companion] = ()) -> None:
        """Publish every write (the companions' too), or raise and publish none (the writes are
        discarded either way).

        Checked against the committed state at this moment: a record changed or removed by a
        unit of work that committed first raises StaleVersion / NotFound; a unique value or a
        reference that became invalid raises Conflict / InvalidReference. Synchronous on
        purpose: no other unit of work can run between the checks and the publication.
        """
        try:
            writes = self._writes = self._net_writes()
            self._check_bases(writes)
            for entity_type, rows in writes.items():
                resource = self._store.resource(entity_type)
                for id, entity in rows.items():
                    if entity is None:
                        check_unreferenced(self, resource, id)
                    else:
                        check_write(self, resource, entity)
            for companion in companions:
                companion.check()
            self._store.publish(writes)
            for companion in companions:
                companion.publish(writes)
        finally:
            self.discard()

    def _stage(self, entity_type: type[Entity], id: UUID, entity: Entity | None) -> None:
        bases = self._bases.setdefault(entity_type, {})
        if id not in bases:
            committed = self._store.table(entity_type).get(id)
            bases[id] = None if committed is None else committed.version
        self._writes.setdefault(entity_type, {})[id] = entity

    def _net_writes(self) -> dict[type[Entity], dict[UUID, Entity | None]]:
        """The writes without records both created and removed here (they change nothing)."""
        return {
            entity_type: {
                id: entity
                for id, entity in rows.items()
                if entity is not None or self._bases[entity_type][id] is not None
            }
            for entity_type, rows in self._writes.items()
        }

    def _check_bases(self, writes: dict[type[Entity], dict[UUID, Entity | None]]) -> None:
        for entity_type, rows in writes.items():
            resource = self._store.resource(entity_type)
            table = self._store.table(entity_type)
            for id in rows:
                base, committed = self._bases[entity_type][id], table.get(id)
                if base is None and committed is not None:
                    raise duplicate_id(resource, id)
                if base is not None and committed is None:
                    raise not_found(resource, id)
                if base is not None and committed is not None and committed.version != base:
                    raise stale(resource, id, committed.version, base)
