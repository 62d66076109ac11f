"""Nested fields (`Resource.nested`): a tuple of value objects stored in a child table, one
row per item keyed by the parent's id, in `position` order.

Writes replace the items whole, in the parent's transaction; reads load the items of many
parents in one statement; filters on item fields compile to one EXISTS per nested field, so
that every filter on it holds for one and the same item.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Delete,
    Insert,
    Select,
    Table,
    Uuid,
    any_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
)

from adapters.postgres.executor import Executor
from adapters.postgres.mapping import RowMapper
from upskill.domain.resource import Nested

POSITION = "position"
"""The column holding an item's index in its tuple."""

PARENT_IDS = "parent_ids"
PARENT_ID = "parent_id"


@dataclass(frozen=True, slots=True)
class Children:
    """A nested field, its child table, the column holding the parent's id, and statements."""

    nested: Nested
    table: Table
    parent_key: ColumnElement[Any]
    mapper: RowMapper[Any]
    load: Select[Any]
    clear: Delete
    insert: Insert

    @property
    def field(self) -> str:
        return self.nested.field


def bind_children(nested: Nested, parent: Table) -> Children:
    """Raises ValueError when the child table is missing, has no single foreign key to the
    parent's id, or its other columns are not `position` and the item's fields."""
    table = parent.metadata.tables.get(nested.table)
    if table is None:
        raise ValueError(f"no table {nested.table} stores {parent.name}.{nested.field}")
    keys = [fk.parent for fk in table.foreign_keys if fk.target_fullname == f"{parent.name}.id"]
    if len(keys) != 1:
        raise ValueError(f"table {table.name} needs exactly one foreign key to {parent.name}.id")
    [parent_key] = keys
    mapper = RowMapper(nested.item)
    expected = {parent_key.name, POSITION, *mapper.fields}
    if set(table.c.keys()) != expected:
        raise ValueError(f"table {table.name} has columns {sorted(table.c.keys())}, expected {sorted(expected)}")
    return Children(
        nested=nested,
        table=table,
        parent_key=parent_key,
        mapper=mapper,
        load=select(parent_key, *(table.c[name] for name in mapper.fields))
        .where(parent_key == any_(bindparam(PARENT_IDS, type_=ARRAY(Uuid))))
        .order_by(parent_key, table.c[POSITION]),
        clear=delete(table).where(parent_key == bindparam(PARENT_ID)),
        insert=insert(table),
    )


async def load(connection: Executor, children: Children, ids: Collection[UUID]) -> dict[UUID, tuple[Any, ...]]:
    """Parent id → its items, in order, for every id (no items: an empty tuple); one
    statement, none for no ids."""
    found: dict[UUID, list[Any]] = defaultdict(list)
    if ids:
        result = await connection.execute(children.load, {PARENT_IDS: list(ids)})
        for parent_id, *values in result.all():
            found[parent_id].append(children.mapper.from_row(values))
    return {id: tuple(found.get(id, ())) for id in ids}


async def write(connection: Executor, children: Children, parent_id: UUID, items: Sequence[object]) -> None:
    """Stores the items of a parent that has none yet (one statement, none for no items)."""
    rows = [
        {children.parent_key.key: parent_id, POSITION: position, **children.mapper.to_row(item)}
        for position, item in enumerate(items)
    ]
    if rows:
        await connection.execute(children.insert, rows)


async def replace(connection: Executor, children: Children, parent_id: UUID, items: Sequence[object]) -> None:
    """The parent's items become `items`, whatever they were."""
    await connection.execute(children.clear, {PARENT_ID: parent_id})
    await write(connection, children, parent_id, items)


def exists_item(children: Children, parent: Table, conditions: Sequence[ColumnElement[bool]]) -> ColumnElement[bool]:
    """Some item of the parent row meets every condition (on the child table's columns)."""
    return exists().where(children.parent_key == parent.c.id, *conditions)


def items_array(children: Children, parent: Table) -> ColumnElement[Any]:
    """The parent row's items as an array of records in item-field order (for reads that must
    fetch parents and items in one statement); decode with `children.mapper.from_row`."""
    item = func.row(*(children.table.c[name] for name in children.mapper.fields))
    ordered = select(item).where(children.parent_key == parent.c.id).order_by(children.table.c[POSITION])
    return func.array(ordered.scalar_subquery())
