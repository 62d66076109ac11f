"""Which table stores which resource, with the statements built once per resource.

The default registry covers every resource in `upskill.domain.resources.ALL` whose
collection has a table in `tables.metadata`; a new resource is picked up by declaring it
there and adding its table. `Registry.add` binds further resources explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Delete,
    Insert,
    MetaData,
    Select,
    Table,
    Update,
    bindparam,
    delete,
    insert,
    select,
    update,
)

from adapters.postgres.errors import ConstraintCatalogue
from adapters.postgres.events import RECORDED
from adapters.postgres.executor import ACCESS_COLUMNS
from adapters.postgres.mapping import EntityMapper
from adapters.postgres.nested import Children, bind_children
from adapters.postgres.tables import SEARCH_COLUMN
from adapters.postgres.tables import metadata as default_metadata
from upskill.domain.entity import Entity
from upskill.domain.resource import Resource
from upskill.domain.resources import ALL

E = TypeVar("E", bound=Entity)

MATCH_ID = "match_id"
MATCH_VERSION = "match_version"
"""Names of the bound parameters the keyed statements match rows with."""


@dataclass(frozen=True, slots=True)
class Statements:
    """Statements of one table; bound parameters are filled in at execution."""

    select: Select[Any]
    by_id: Select[Any]
    exists: Select[Any]
    insert: Insert
    update: Update
    delete: Delete
    delete_version: Delete
    recorded: Mapping[Insert | Update | Delete, Insert | Update | Delete]
    """Each write above, with the event that records it riding along (`events.RECORDED`)."""

    @classmethod
    def build(cls, table: Table, columns: Iterable[str]) -> Statements:
        selected = select(*(table.c[name] for name in columns))
        match_id = table.c.id == bindparam(MATCH_ID)
        match_version = table.c.version == bindparam(MATCH_VERSION)
        insert_, update_ = insert(table), update(table).where(match_id, match_version)
        delete_, delete_version = delete(table).where(match_id), delete(table).where(match_id, match_version)
        return cls(
            select=selected,
            by_id=selected.where(match_id),
            exists=select(table.c.id).where(match_id),
            insert=insert_,
            update=update_,
            delete=delete_,
            delete_version=delete_version,
            recorded={write: write.add_cte(RECORDED) for write in (insert_, update_, delete_, delete_version)},
        )


@dataclass(frozen=True, slots=True)
class Binding(Generic[E]):
    """A resource, its table, its mapper and its statements; the child table of each nested
    field, and the generated full-text column when the resource is searchable."""

    resource: Resource[E]
    table: Table
    mapper: EntityMapper[E]
    statements: Statements
    children: tuple[Children, ...] = ()
    search: ColumnElement[Any] | None = None
    pages: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    """Page statements of unfiltered lists by shape (ordering, limit, cursor), built once
    (see `PostgresRepository.page`)."""
    access: frozenset[str] | None = None
    """The table's columns whose change may change access, when an update's changed fields can
    tell (see `access_columns`)."""


def access_columns(resource: Resource[Any], table: Table) -> frozenset[str] | None:
    """The fields of the resource's table whose change may change access (`ACCESS_COLUMNS`),
    when an event's changed fields can tell: every one of them is a field its changes show
    (none hidden or redacted). None otherwise, and for tables access does not depend on."""
    columns = ACCESS_COLUMNS.get(table.name)
    if columns is None or columns & (resource.hidden | resource.redacted.keys()):
        return None
    return columns


def bind(resource: Resource[E], table: Table) -> Binding[E]:
    """Raises ValueError when the table's columns (generated ones aside) are not the entity's
    fields (nested ones aside), a nested field's child table does not fit (see `nested`), or a
    searchable resource's table has no `search_vector` column."""
    mapper = EntityMapper(resource.entity, nested=[n.field for n in resource.nested])
    columns = {column.key for column in table.c if column.computed is None}
    if set(mapper.fields) != columns:
        raise ValueError(
            f"table {table.name} has columns {sorted(columns)}, "
            f"{resource.entity.__name__} has fields {sorted(mapper.fields)}"
        )
    children = tuple(bind_children(nested, table) for nested in resource.nested)
    search = table.c.get(SEARCH_COLUMN) if resource.search else None
    if resource.search and search is None:
        raise ValueError(f"table {table.name} has no {SEARCH_COLUMN} column to search {resource.collection}")
    statements = Statements.build(table, mapper.fields)
    return Binding(resource, table, mapper, statements, children, search, access=access_columns(resource, table))


class Registry:
    """Entity type → binding, and the constraint catalogue of every bound resource."""

    def __init__(self, resources: Iterable[Resource[Any]] = ALL, metadata: MetaData = default_metadata) -> None:
        self._bindings: dict[type[Entity], Binding[Any]] = {}
        self.constraints = ConstraintCatalogue()
        for resource in resources:
            table = metadata.tables.get(resource.collection)
            if table is not None:
                self.add(resource, table)

    def add(self, resource: Resource[Any], table: Table) -> None:
        self._bindings[resource.entity] = bind(resource, table)
        self.constraints.add(resource)

    def binding(self, entity: type[E]) -> Binding[E]:
        """Raises LookupError for an entity no table stores."""
        try:
            return cast(Binding[E], self._bindings[entity])
        except KeyError:
            raise LookupError(f"no table stores {entity.__name__}") from None
