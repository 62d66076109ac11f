"""SQL for the order of list queries and the keyset condition of a cursor (filters: see
`conditions`).

Ordering (shared with the memory adapter): text in code-point order (the sortable columns are
`COLLATE "C"`), ties broken by `id`, and NULL greater than every value — first when
descending, last when ascending (PostgreSQL's default).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, bindparam, false, or_, tuple_
from sqlalchemy.sql.elements import UnaryExpression

from adapters.postgres.conditions import Column, bound
from upskill.domain.query import SortKey


def order_by(table: Table, ordering: Sequence[SortKey]) -> list[UnaryExpression[Any]]:
    return [table.c[k.field].desc() if k.descending else table.c[k.field].asc() for k in ordering]


Bind = Callable[[Column, object, int], ColumnElement[Any]]
"""How the `i`th sort-key value of a cursor enters the SQL."""


def literal_value(column: Column, value: object, position: int) -> ColumnElement[Any]:
    """The value itself, as a parameter of the column's type."""
    return bound(column, value)


def keyset_parameter(column: Column, value: object, position: int) -> ColumnElement[Any]:
    """A named parameter (`keyset_<i>`) in place of the value: the statement is then the same
    for every cursor of one shape, and is given the values when it runs (`keyset_values`)."""
    return bindparam(f"keyset_{position}", type_=column.type)


def keyset_values(values: Sequence[object]) -> dict[str, object]:
    """The parameters of a statement made with `keyset_parameter`."""
    return {f"keyset_{i}": value for i, value in enumerate(values) if value is not None}


def _after(column: Column, value: ColumnElement[Any] | None, key: SortKey, nullable: bool) -> ColumnElement[bool]:
    """`column` strictly after `value` in the key's direction (NULL being the greatest)."""
    if value is None:
        return column.is_not(None) if key.descending else false()
    if key.descending:
        return column < value
    greater = column > value
    return or_(greater, column.is_(None)) if nullable else greater


def _same(column: Column, value: ColumnElement[Any] | None) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def after(
    table: Table, ordering: Sequence[SortKey], values: Sequence[object], bind: Bind = literal_value
) -> ColumnElement[bool]:
    """Rows that come after the row whose ordering values are `values` (each entering the SQL
    through `bind`; a None is part of the statement's shape).

    One direction over NOT NULL keys is a row comparison `(a, b) > (x, y)`, which an index on
    (a, b) serves. Otherwise the OR-expansion `(a > x) OR (a = x AND b < y) OR ...`, with a
    redundant bound on the first key so the index on it can still narrow the scan.
    """
    columns: list[Column] = [table.c[k.field] for k in ordering]
    nullable = [bool(getattr(c, "nullable", True)) for c in columns]
    binds = [None if v is None else bind(c, v, i) for i, (c, v) in enumerate(zip(columns, values, strict=True))]
    directions = {k.descending for k in ordering}
    if len(directions) == 1 and not any(nullable) and None not in values:
        left = tuple_(*columns)
        right = tuple_(*binds)
        return left < right if ordering[0].descending else left > right
    branches = [
        and_(*(_same(columns[j], binds[j]) for j in range(i)), _after(columns[i], binds[i], key, nullable[i]))
        for i, key in enumerate(ordering)
    ]
    expansion = or_(*branches)
    first, value = columns[0], binds[0]
    if nullable[0] or value is None:
        return expansion
    bound_first = first <= value if ordering[0].descending else first >= value
    return and_(bound_first, expansion)
