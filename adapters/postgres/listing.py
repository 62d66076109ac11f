"""SQL for list queries: filters, the full ordering, and the keyset condition of a cursor.

Filters (shared with the memory adapter): a NULL matches only `eq None`; `contains` is a
case-insensitive substring; `search` wants every word of the value to start a word of the
field. Case is folded in the database's collation (Unicode-aware on a UTF-8 locale).

Ordering (also shared): text in code-point order (the sortable columns are `COLLATE "C"`),
ties broken by `id`, and NULL greater than every value — first when descending, last when
ascending (PostgreSQL's default).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, bindparam, collate, false, literal, or_, tuple_
from sqlalchemy.sql.elements import UnaryExpression

from adapters.postgres.tables import CASE_FOLDING_COLLATION
from upskill.domain.errors import InvalidQuery
from upskill.domain.query import Filter, Op, SortKey

Column = ColumnElement[Any]

_WORD = re.compile(r"\w+")


def _bound(column: Column, value: object) -> ColumnElement[Any]:
    """`value` as a parameter of the column's type: a value of the wrong type is refused by
    the driver (a DataError, an invalid query) instead of making the SQL ill-typed."""
    return literal(value, column.type)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filter(table: Table, f: Filter) -> ColumnElement[bool]:
    column: Column | None = table.c.get(f.field)
    if column is None:
        raise InvalidQuery(f"'{f.field}' is not a filterable field.", field=f.field)
    match f.op:
        case Op.EQ:
            return column.is_(None) if f.value is None else column == _bound(column, f.value)
        case Op.IN:
            values = f.value if isinstance(f.value, tuple | list | set | frozenset) else (f.value,)
            return column.in_(bindparam(None, list(values), expanding=True, type_=column.type))
        case Op.GTE:
            return column >= _bound(column, f.value)
        case Op.LTE:
            return column <= _bound(column, f.value)
        case Op.CONTAINS:
            pattern = f"%{_escape_like(str(f.value))}%"
            return collate(column, CASE_FOLDING_COLLATION).ilike(pattern, escape="\\")
        case Op.SEARCH:
            words = _WORD.findall(str(f.value).lower())
            folded = collate(column, CASE_FOLDING_COLLATION)
            return and_(column.is_not(None), *(folded.regexp_match(f"\\m{word}", flags="i") for word in words))
    raise InvalidQuery(f"'{f.op}' is not a supported operator.", field=f"{f.field}__{f.op}")


def where(table: Table, filters: Iterable[Filter]) -> list[ColumnElement[bool]]:
    """One condition per filter (the conditions are ANDed)."""
    return [_filter(table, f) for f in filters]


def order_by(table: Table, ordering: Sequence[SortKey]) -> list[UnaryExpression[Any]]:
    return [table.c[k.field].desc() if k.descending else table.c[k.field].asc() for k in ordering]


def _after(column: Column, value: object, key: SortKey, nullable: bool) -> ColumnElement[bool]:
    """`column` strictly after `value` in the key's direction (NULL being the greatest)."""
    if value is None:
        return column.is_not(None) if key.descending else false()
    if key.descending:
        return column < _bound(column, value)
    greater = column > _bound(column, value)
    return or_(greater, column.is_(None)) if nullable else greater


def _same(column: Column, value: object) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == _bound(column, value)


def after(table: Table, ordering: Sequence[SortKey], values: Sequence[object]) -> ColumnElement[bool]:
    """Rows that come after the row whose ordering values are `values`.

    One direction over NOT NULL keys is a row comparison `(a, b) > (x, y)`, which an index on
    (a, b) serves. Otherwise the OR-expansion `(a > x) OR (a = x AND b < y) OR ...`, with a
    redundant bound on the first key so the index on it can still narrow the scan.
    """
    columns: list[Column] = [table.c[k.field] for k in ordering]
    nullable = [bool(getattr(c, "nullable", True)) for c in columns]
    directions = {k.descending for k in ordering}
    if len(directions) == 1 and not any(nullable) and None not in values:
        left = tuple_(*columns)
        right = tuple_(*(_bound(c, v) for c, v in zip(columns, values, strict=True)))
        return left < right if ordering[0].descending else left > right
    branches = [
        and_(*(_same(columns[j], values[j]) for j in range(i)), _after(columns[i], values[i], key, nullable[i]))
        for i, key in enumerate(ordering)
    ]
    expansion = or_(*branches)
    first, value = columns[0], values[0]
    if nullable[0] or value is None:
        return expansion
    bound = first <= _bound(first, value) if ordering[0].descending else first >= _bound(first, value)
    return and_(bound, expansion)
