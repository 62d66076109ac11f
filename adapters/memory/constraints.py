"""The rules a database would enforce, checked on a view of the records: primary keys, declared
unique values, declared references, versions. The same checks run when a write is made and again
when it is committed, against the state as it is then."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from adapters.memory.conditions import field_values, holds
from adapters.memory.view import View
from upskill.domain.entity import Entity
from upskill.domain.errors import Conflict, FieldError, InvalidReference, NotFound, StaleVersion
from upskill.domain.resource import Resource, Unique


def not_found(resource: Resource[Any], id: UUID) -> NotFound:
    return NotFound(f"{resource.label} {id} does not exist.", entity=resource.label, id=id)


def stale(resource: Resource[Any], id: UUID, stored: int, expected: int) -> StaleVersion:
    return StaleVersion(f"{resource.label} {id} is at version {stored}, not {expected}.", entity=resource.label, id=id)


def duplicate_id(resource: Resource[Any], id: UUID) -> Conflict:
    return Conflict(f"{resource.label} {id} already exists.", entity=resource.label, id=id, field="id")


def _key(view: View, resource: Resource[Any], unique: Unique, entity: Entity) -> tuple[object, ...] | None:
    """The compared value of `unique` for `entity`; None when the entity takes no part in the
    rule: it does not match the rule's `where` (a partial index), or a field is null and nulls
    are distinct (the SQL default: they never collide)."""
    if unique.where and not holds(view, resource, entity, unique.where):
        return None
    values = tuple(getattr(entity, name) for name in unique.fields)
    if unique.nulls_distinct and any(v is None for v in values):
        return None
    if unique.case_insensitive:
        return tuple(v.lower() if isinstance(v, str) else v for v in values)
    return values


def check_unique(view: View, resource: Resource[Any], entity: Entity) -> None:
    """Raises Conflict naming the first field of a unique rule another record already holds."""
    for unique in resource.unique:
        key = _key(view, resource, unique, entity)
        if key is None:
            continue
        for other in view.records(resource.entity):
            if other.id != entity.id and _key(view, resource, unique, other) == key:
                fields = ", ".join(unique.fields)
                raise Conflict(
                    f"A {resource.label} with this {fields} already exists.",
                    entity=resource.label,
                    id=entity.id,
                    field=unique.fields[0],
                    errors=[FieldError(name, "already exists") for name in unique.fields],
                )


def check_references(view: View, resource: Resource[Any], entity: Entity) -> None:
    """Raises InvalidReference naming the field that points at a record that does not exist
    (for a nested item field, the item's path: `covers.1.competency_id`)."""
    for reference in resource.references:
        for path, target in field_values(resource, entity, reference.field):
            if target is None:
                continue
            if reference.target is resource.entity and target == entity.id:
                continue  # a record may point at itself: it exists once the statement ends
            if view.find(reference.target, cast(UUID, target)) is None:
                raise InvalidReference(
                    f"{reference.target.label} {target} does not exist.",
                    entity=resource.label,
                    id=entity.id,
                    field=path,
                    errors=[FieldError(path, "does not exist")],
                )


def check_unreferenced(view: View, resource: Resource[Any], id: UUID) -> None:
    """Raises Conflict while any other record points at record `id` of `resource` (through a
    plain field or an item of a nested one)."""
    for other in view.resources:
        for reference in other.references:
            if reference.target is not resource.entity:
                continue
            for record in view.records(other.entity):
                if record.id != id and any(v == id for _, v in field_values(other, record, reference.field)):
                    raise Conflict(
                        f"{resource.label} {id} is still referenced by a {other.label}.",
                        entity=resource.label,
                        id=id,
                    )


def check_write(view: View, resource: Resource[Any], entity: Entity) -> None:
    """Unique values first, references second: the order PostgreSQL reports them in."""
    check_unique(view, resource, entity)
    check_references(view, resource, entity)
